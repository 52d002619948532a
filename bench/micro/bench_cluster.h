#pragma once
// An in-process cluster for measuring what a protocol costs per committed request, with nothing
// else in the way: n real replica::Replica pipelines, each with the real core of its mode
// (pbft/, raft/, paxos/), the key-value store and an in-memory journal (replica/journal's
// MemoryJournal: the real record framing and checksums, no disk), driven by real ClientCores.
// There is no network: a frame a replica or client sends is queued and handed to its
// destination's on_frame() in the order it was sent.
//
// The benchmark runs rounds. In a round every client submits one put of `value_bytes` bytes and
// the cluster runs until every client accepted its reply. A round is split into phases so that
// the caller can leave the clients' own work (signing requests, checking replies) out of its
// measurement: ClientPhase brackets it. Ticks are given only when a round stalls with frames all
// delivered (a batch lingering below its size, a lost leader), and are counted: in a healthy run
// they stay at zero after the warm-up, so the figures are pure protocol work, not timer work.
//
// Ownership: the cluster owns every replica, client, key and queue. Single-threaded.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "bench/micro/counting_crypto.h"
#include "client/client_core.h"
#include "cluster/cluster_config.h"
#include "common/result.h"
#include "replica/replica.h"
#include "tests/support/test_keys.h"

namespace loyal::bench {

enum class SignatureScheme {
  ed25519,  // the real signatures every deployment uses
  fast,     // tests/support's keyed-BLAKE2b stand-in: the protocol's cost without Ed25519's
};

struct BenchClusterOptions {
  ProtocolMode mode = ProtocolMode::pbft;
  std::uint32_t replicas = 4;
  std::uint32_t clients = 1;
  std::uint32_t batch_max_requests = 1;
  std::uint32_t value_bytes = 64;
  std::uint32_t checkpoint_interval = 128;  // K, the pipeline's and (for PBFT) the core's
  SignatureScheme signatures = SignatureScheme::ed25519;
  // How replicas check client requests: one signature each, or one MAC per replica (DESIGN.md §3).
  cluster::ClientAuth client_auth = cluster::ClientAuth::signature;
};

// Everything counted since the cluster was built. Subtract two snapshots to measure a stretch.
struct ClusterTotals {
  std::uint64_t requests_completed = 0;    // accepted by their clients
  std::uint64_t batches_committed = 0;     // the most any replica executed (no-ops included)
  std::uint64_t replica_messages = 0;      // frames one replica sent another
  std::uint64_t replica_message_bytes = 0;
  std::uint64_t signatures = 0;            // made by replicas (clients' request signatures excluded)
  std::uint64_t verifications = 0;         // made by replicas (client request signatures included)
  std::uint64_t persisted_bytes = 0;       // PersistRecord payloads appended to journals, all replicas
  std::uint64_t dropped = 0;               // frames any replica dropped, for any reason
  std::uint64_t ticks = 0;

  ClusterTotals operator-(const ClusterTotals& before) const;
};

// Tells the caller when the clients' work starts and ends within a round, so that a benchmark
// can stop its clock for it. Calls come in pairs, begin first.
class ClientPhase {
 public:
  virtual ~ClientPhase() = default;
  virtual void begin() = 0;
  virtual void end() = 0;
};

class BenchCluster {
 public:
  // Stops the process on options no cluster file could express (they are the benchmark's bugs).
  explicit BenchCluster(const BenchClusterOptions& options);
  ~BenchCluster();
  BenchCluster(const BenchCluster&) = delete;
  BenchCluster& operator=(const BenchCluster&) = delete;

  // Ticks until every replica names the same leader (PBFT: at once; Raft and Paxos: after an
  // election), then runs one round so that the clients learn who leads. Call once, first.
  Status start();

  // One round (see above). `client_phase` may be null. Fails if the round has not completed
  // after kMaxStallTicksPerRound ticks: the cluster stopped making progress.
  Status run_round(ClientPhase* client_phase);

  // Ticks and runs the cluster `ticks` times without new requests: heartbeats tell followers
  // what was committed last (Raft and Paxos followers learn a commit from the next message).
  void settle(std::uint32_t ticks);

  ClusterTotals totals() const;
  const BenchClusterOptions& options() const { return options_; }
  // Precondition: id < options().replicas.
  const replica::Replica& replica(ReplicaId id) const;

  // A round that needs more ticks than this is stuck, not slow.
  static constexpr std::uint32_t kMaxStallTicksPerRound = 2000;
  // Raft and Paxos draw election timeouts of 150-300 ticks; a few elections' worth.
  static constexpr std::uint32_t kMaxElectionTicks = 3000;
  // Frames delivered without the queue running dry; more means the replicas talk forever.
  static constexpr std::uint64_t kMaxDeliveriesPerRun = 10'000'000;

 private:
  struct ReplicaPacket {
    ReplicaId to = 0;
    Bytes frame;
  };
  struct ClientPacket {
    ClientId to = 0;
    Bytes frame;
  };
  class QueueOutbox;
  class CountingJournal;
  struct Node;

  void submit_requests();
  void route(client::ClientOutput& output);
  // Delivers frames to replicas until none are queued; replies for clients wait in replies_.
  void run_replicas();
  // Hands the queued replies to their clients; true when no client has a request outstanding.
  bool deliver_replies();
  void tick();
  std::optional<ReplicaId> agreed_leader() const;

  BenchClusterOptions options_;
  testing::TestKeys keys_;
  std::unique_ptr<crypto::Verifier> base_verifier_;
  CountingVerifier verifier_;
  std::vector<std::unique_ptr<crypto::Signer>> client_signers_;
  std::vector<std::unique_ptr<client::ClientCore>> clients_;
  std::vector<std::uint64_t> submissions_by_client_;
  std::deque<ReplicaPacket> network_;
  std::vector<ClientPacket> replies_;
  std::vector<std::unique_ptr<Node>> nodes_;  // last: its outboxes write into the queues above
  replica::Tick now_ = 0;
  std::uint64_t ticks_ = 0;
  std::uint64_t requests_completed_ = 0;
  std::uint64_t replica_messages_ = 0;
  std::uint64_t replica_message_bytes_ = 0;
};

}  // namespace loyal::bench
