#pragma once
// Everything one replica process needs before its threads start, built from the cluster file (the
// one ClusterConfig), the replica's id, its key file and the command-line choices: the pipeline's
// options with every millisecond figure turned into ticks, the Ed25519 signer and verifier, the
// request authenticator, the reply MAC keys, the protocol core and the optional Byzantine policy.
// Every problem an operator can cause (wrong id, wrong or unprotected key, a protocol the cluster
// cannot run) comes back as an Error in plain words; nothing here starts a thread or opens a socket.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/cluster_config.h"
#include "common/ids.h"
#include "common/result.h"
#include "crypto/mac.h"
#include "crypto/signer.h"
#include "paxos/options.h"
#include "pbft/options.h"
#include "raft/options.h"
#include "replica/byzantine.h"
#include "replica/environment.h"
#include "replica/protocol.h"
#include "replica/replica.h"
#include "replica/request_auth.h"
#include "replica/runtime/verification_cache.h"

namespace loyal::runtime {

// How often a PBFT replica re-sends its own votes for slots that have not committed. The cluster
// file has no such parameter; this is the figure the simulator's defaults use at 1 ms per tick.
inline constexpr std::uint32_t kPbftRetransmitMs = 100;
// How long state transfer waits for a useful chunk before it asks the next source.
inline constexpr std::uint32_t kStateTransferTimeoutMs = 200;

// A duration from the cluster file in ticks of `tick_ms`, rounded up (a timeout never fires
// early) and at least one tick (a zero timeout would fire on every tick). Precondition: tick_ms > 0.
replica::Tick ms_to_ticks(std::uint32_t milliseconds, std::uint32_t tick_ms);

struct SetupRequest {
  ReplicaId self = 0;
  // The protocol to run; none: the cluster file's.
  std::optional<ProtocolMode> protocol;
  // A PBFT Byzantine fault mode (pbft/byzantine/byzantine_policy.h); none: an honest replica.
  std::optional<std::string> byzantine;
  // This replica's secret key file (usually DIR/keys/replica-<id>.key next to the cluster file).
  std::filesystem::path key_file;
};

// What a protocol core is made from. Everything referenced must outlive the core.
struct ProtocolContext {
  const cluster::ClusterConfig& cluster;
  ReplicaId self = 0;
  ProtocolMode mode = ProtocolMode::pbft;
  const replica::RequestAuthenticator& request_authenticator;
  const crypto::Verifier& verifier;
  const crypto::Signer& signer;  // PBFT signs its own messages (replica/protocol.h, Outgoing::frame)
  // Records a journal recovered at restart, in id order (replica/protocol.h "Restart").
  const std::vector<replica::PersistRecord>& recovered_records;
  // For a core that draws randomness from a seeded Prng (Raft's election timeouts). Fresh from the
  // operating system at every start: a replica's timeouts need not repeat across restarts.
  std::uint64_t seed = 0;
};

// PBFT's options for replica `self` of `cluster`, every duration in ticks.
pbft::PbftOptions pbft_options(const cluster::ClusterConfig& cluster, ReplicaId self);

// Raft's and Multi-Paxos's options for replica `self`: election (leader) timeouts and heartbeats
// from the cluster file, the window as the bound on uncommitted entries / open slots.
raft::RaftOptions raft_options(const cluster::ClusterConfig& cluster, ReplicaId self, std::uint64_t seed);
paxos::PaxosOptions paxos_options(const cluster::ClusterConfig& cluster, ReplicaId self, std::uint64_t seed);

// An Error unless `self` names a replica of the cluster file.
Status check_replica_id(const cluster::ClusterConfig& cluster, ReplicaId self);

// The one place that maps a protocol mode to its core.
Result<std::unique_ptr<replica::Protocol>> make_protocol(const ProtocolContext& context);

// The Byzantine fault policy `mode` for replica `self`, or an Error naming the modes that exist.
// Refused for Raft and Paxos: they tolerate crashes, not Byzantine replicas.
Result<std::unique_ptr<replica::ByzantinePolicy>> make_byzantine(ProtocolMode protocol, const std::string& mode,
                                                                 const cluster::ClusterConfig& cluster, ReplicaId self);

// Owns what a Replica borrows (signer, verifier, authenticator) and holds what it takes over
// (protocol, Byzantine policy, reply keys) until take_parts(). Built in two steps, so that every
// mistake in the cluster file, key or flags is reported before the journal is opened (or its
// directory created): build_replica_setup(), then build_protocol() with the journal's records. Not copyable or movable: the
// authenticator and the core keep references into it, so it stays where it was built.
class ReplicaSetup {
 public:
  ReplicaSetup(const ReplicaSetup&) = delete;
  ReplicaSetup& operator=(const ReplicaSetup&) = delete;

  const cluster::ClusterConfig& cluster() const { return cluster_; }
  ReplicaId self() const { return options_.self; }
  ProtocolMode mode() const { return options_.mode; }
  std::uint32_t max_faulty() const { return max_faulty_; }
  std::uint32_t tick_ms() const { return cluster_.parameters.tick_ms; }
  const replica::ReplicaOptions& options() const { return options_; }
  const crypto::Verifier& verifier() const { return *verifier_; }
  const replica::RequestAuthenticator& request_authenticator() const { return *request_authenticator_; }
  // The Byzantine mode this replica runs, empty for an honest one.
  const std::string& byzantine_mode() const { return byzantine_mode_; }

  // Makes the protocol core (make_protocol) from the journal's records at restart (empty on a fresh
  // start). Precondition: not called before.
  Status build_protocol(const std::vector<replica::PersistRecord>& recovered_records);

  // The parts of a Replica, for one Replica only: the protocol, policy and keys move into them.
  // `outbox` and `journal` must outlive the Replica, as must this setup. `restored_snapshot` is the
  // journal's saved snapshot at restart (RecoveredState::snapshot). Preconditions: build_protocol()
  // succeeded; not called before.
  replica::ReplicaParts take_parts(replica::Outbox& outbox, replica::Journal& journal,
                                   std::optional<replica::SavedSnapshot> restored_snapshot);

 private:
  friend Result<std::unique_ptr<ReplicaSetup>> build_replica_setup(const cluster::ClusterConfig&, const SetupRequest&);
  ReplicaSetup() = default;

  cluster::ClusterConfig cluster_;
  replica::ReplicaOptions options_;
  std::uint32_t max_faulty_ = 0;
  std::unique_ptr<crypto::Ed25519Signer> signer_;
  std::unique_ptr<CachingVerifier> verifier_;  // in front of Ed25519: verification_cache.h says why
  std::unique_ptr<replica::RequestAuthenticator> request_authenticator_;
  std::vector<crypto::MacKey> reply_keys_by_client_;
  std::vector<crypto::MacKey> send_keys_by_replica_;     // raft and paxos: replica MACs
  std::vector<crypto::MacKey> receive_keys_by_replica_;
  std::unique_ptr<replica::Protocol> protocol_;
  std::unique_ptr<replica::ByzantinePolicy> byzantine_;
  std::string byzantine_mode_;
  bool parts_taken_ = false;
};

// Checks the request against the cluster (id in range, protocol runnable with n replicas, Byzantine
// mode, the key file is this replica's and matches the cluster file's public keys) and builds
// everything but the protocol core.
Result<std::unique_ptr<ReplicaSetup>> build_replica_setup(const cluster::ClusterConfig& cluster,
                                                          const SetupRequest& request);

}  // namespace loyal::runtime
