#pragma once
// The shared replica pipeline: everything around a Protocol that is the same in every mode.
//  - admission: decode, authenticate, size limits, duplicates answered from the reply cache,
//    requests forwarded to the leader when this replica does not lead;
//  - batching on the leader, proposals while the core has room in its window;
//  - execution of committed batches in order, each request at most once (the client table);
//  - replies MAC'd for their client;
//  - a checkpoint snapshot every K sequence numbers, discarded once a newer one is stable;
//  - state transfer (replica/state_transfer.h): serving snapshot chunks to peers, and fetching
//    and installing a snapshot when the protocol asks for one (Actions::fetch_state).
//
// Execution and state transfer: committed batches keep executing while a fetch is in progress.
// The Protocol contract makes them gap-free from the last one committed, and this replica's
// last_executed() always equals the core's last committed, so execute() asserts contiguity in
// every case. A fetch ends in one of three ways:
//  - installed: the application and client table become the snapshot's, last_executed() becomes
//    its sequence (possibly lower than before, when this replica's own state had diverged), then
//    Protocol::on_state_installed(), after which the core hands out batches from sequence + 1;
//  - reached by execution: this replica took its own checkpoint at the target sequence with the
//    target digest, or the protocol reported a stable checkpoint at or above it; the fetch is
//    dropped (installing it would move the core below its own stable checkpoint);
//  - replaced by a fetch for a higher sequence.
//
// Single-threaded and deterministic given its injected outbox, journal, state machine, crypto and
// tick calls: the simulator runs this very class. The runtime splits each frame's handling in
// two: validate() (pure, thread-safe: runs on the verification pool) and deliver() (replica
// thread). on_frame() does both, for the simulator and tests.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "cluster/cluster_config.h"
#include "crypto/signer.h"
#include "net/envelope_codec.h"
#include "replica/batcher.h"
#include "replica/byzantine.h"
#include "replica/client_table.h"
#include "replica/environment.h"
#include "replica/protocol.h"
#include "replica/request_auth.h"
#include "replica/snapshot.h"
#include "replica/state_machine.h"
#include "replica/state_transfer.h"

namespace loyal::replica {

struct ReplicaOptions {
  ReplicaId self = 0;
  std::uint64_t cluster_id = 0;
  ProtocolMode mode = ProtocolMode::pbft;
  std::uint32_t replica_count = 0;
  std::uint32_t client_count = 0;
  std::uint32_t checkpoint_interval = 128;  // K
  std::uint32_t max_request_bytes = 64 * 1024;
  BatcherLimits batching;
  net::DecodeLimits limits;
  // Chunk size served, the largest snapshot accepted (set it to the application's largest
  // snapshot plus the client table), and the ticks before asking the next source.
  StateTransferOptions state_transfer;
  // Group commit. Off: every drain that persisted records syncs the journal at once (unit tests).
  // On (the runtime and the simulator): records are appended as they come, every message for a
  // peer made after the first unsynced append is held, and one sync_journal() call, made after a
  // whole round of inputs and ticks, syncs once for all of them, releases the held messages in
  // order and tells the core (Protocol::on_persisted).
  bool defer_journal_sync = false;
};

// How replicas authenticate what they send each other. PBFT signs (Ed25519): its certificates are
// forwarded as evidence and checked by third parties. The crash-tolerant modes trust replicas not
// to lie and never forward one replica's message as proof to another, so a MAC authenticator
// (one keyed BLAKE2b tag per replica, the client_auth = mac format) protects them from the network
// just as well at about a hundredth of the cost.
constexpr bool replica_messages_use_macs(ProtocolMode mode) { return mode != ProtocolMode::pbft; }

// Everything a Replica uses but does not own must outlive it.
struct ReplicaParts {
  std::unique_ptr<Protocol> protocol;
  std::unique_ptr<StateMachine> application;
  const crypto::Signer* signer = nullptr;
  const crypto::Verifier* verifier = nullptr;
  const RequestAuthenticator* request_authenticator = nullptr;
  std::vector<crypto::MacKey> reply_keys_by_client;  // this replica -> client c
  Outbox* outbox = nullptr;
  Journal* journal = nullptr;
  ReplicaObserver* observer = nullptr;  // optional
  // Optional: makes this replica Byzantine (replica/byzantine.h). Honest replicas have none.
  std::unique_ptr<ByzantinePolicy> byzantine;
  // A restart: the snapshot the journal held (RecoveredState::snapshot). The constructor restores
  // it into the application and client table and hands it to the protocol's
  // on_state_installed() before anything else (replica/protocol.h, "Restart"); the core must
  // already have been built from the journal's records.
  std::optional<SavedSnapshot> restored_snapshot;
  // Raft and Paxos only (replica_messages_use_macs()): pairwise MAC keys with every replica, indexed
  // by replica id (the own entry is unused). PBFT signs instead; it leaves both empty.
  std::vector<crypto::MacKey> send_keys_by_replica;     // this replica -> replica r
  std::vector<crypto::MacKey> receive_keys_by_replica;  // replica r -> this replica
};

// A client request that passed admission checks that need no replica state.
struct AdmittedRequest {
  ClientRequest request;
  Bytes client_frame;  // the client's envelope, as received, for forwarding to the leader
};

// The result of validate(): what deliver() acts on, or why the frame was dropped.
// State transfer messages are the pipeline's own: they never reach the Protocol.
using Inbound = std::variant<AdmittedRequest, std::unique_ptr<const ValidatedMessage>, ValidatedStateRequest,
                             ValidatedStateChunk, std::string_view>;

struct ReplicaCounters {
  std::map<std::string_view, std::uint64_t> dropped;  // by reason
  std::uint64_t requests_executed = 0;
  std::uint64_t batches_executed = 0;
  std::uint64_t duplicate_requests = 0;  // answered from the reply cache or skipped at execution
  std::uint64_t checkpoints_taken = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t state_transfers_started = 0;
  std::uint64_t state_transfers_completed = 0;   // snapshots installed
  std::uint64_t state_transfer_timeouts = 0;     // a source did not answer in time: next source
  std::uint64_t bad_snapshots = 0;               // digest mismatch or not installable: next source
  std::uint64_t state_chunks_served = 0;
  // Frames on_frame() dropped before checking their authenticator: Protocol::redundant().
  std::uint64_t redundant_frames_skipped = 0;
};

class Replica {
 public:
  Replica(ReplicaOptions options, ReplicaParts parts);

  // Pure and thread-safe (the runtime's verification pool): decodes and authenticates a frame.
  Inbound validate(ByteView frame) const;
  void deliver(Inbound inbound);
  // validate() and deliver() on the replica thread, which may skip the authenticator check of a
  // peer's message the core would ignore anyway (Protocol::redundant). Returns the reason the frame
  // was dropped before delivery, if it was.
  std::optional<std::string_view> on_frame(ByteView frame);

  void on_tick();
  // Precondition: ReplicaOptions::defer_journal_sync. Syncs what was appended since the last call
  // (if anything), then sends the messages that waited for it, in order. What the sync committed
  // may free batch slots, so queued requests are proposed at once, which appends again: the
  // runtime syncs again without waiting for input while sync_pending().
  void sync_journal();
  bool sync_pending() const { return sync_pending_; }

  const ReplicaCounters& counters() const { return counters_; }
  ProtocolStatus status() const { return protocol_->status(); }
  Sequence last_executed() const { return last_executed_; }
  const StateMachine& application() const { return *application_; }
  const ClientTable& client_table() const { return client_table_; }
  const Protocol& protocol() const { return *protocol_; }
  // The snapshots this replica can serve (its own checkpoints and installed snapshots).
  const SnapshotStore& snapshots() const { return snapshots_; }
  bool fetching_state() const { return fetcher_.active(); }

 private:
  Inbound validate_envelope(const net::Envelope& envelope, ByteView frame) const;
  Inbound validate_client_request(const net::Envelope& envelope, ByteView frame) const;
  Inbound validate_forwarded(const net::Envelope& envelope) const;
  Inbound validate_state_request(const net::Envelope& envelope) const;
  Inbound validate_state_chunk(const net::Envelope& envelope) const;

  void admit(AdmittedRequest admitted);
  // Into the batcher, unless it executed, is queued or is in flight already. Leader only.
  void queue_for_proposal(ClientRequest request);
  void remember_unexecuted(const AdmittedRequest& admitted);
  // When status().leader changes to a replica, hands it every request in unexecuted_.
  void notice_leader_change();
  void propose_ready_batches();
  void drain(Actions& actions);
  // Through the Byzantine policy, if any, then transmit().
  void send(const Outgoing& message);
  // Authenticates and encodes one message (or takes the frame the core signed), then hands it to
  // the outbox, or holds it while a sync is pending (durability before visibility).
  void transmit(const Outgoing& message, bool corrupt_signature);
  void hand_to_outbox(ReplicaId to, const Bytes& frame);
  void execute(const CommittedBatch& committed, Actions& follow_up);
  void reply(ClientId client, std::uint64_t request_number, const Bytes& result);
  void take_checkpoint(Actions& out);
  // A peer reading a snapshot in order (each request where the last chunk it got ended), or
  // starting on a newer snapshot, is served at once; starting over on the same (or an older) one
  // waits for a state transfer timeout since its last start. So a peer that asks in a loop costs at
  // most one snapshot per timeout or per new checkpoint, as a fetch does, not a chunk per request.
  void serve_state(const ValidatedStateRequest& validated);
  void on_state_chunk(const ValidatedStateChunk& validated);
  void start_state_fetch(StateFetch fetch);
  // Makes `snapshot` (at `sequence`) the application's and client table's state, or names why it
  // cannot; on refusal nothing changed.
  std::string_view restore_application(ByteView snapshot, Sequence sequence);
  void restore_saved_snapshot(SavedSnapshot saved);
  // Saves the snapshot at `sequence`, if this replica holds it and has not saved a newer one.
  void save_snapshot(Sequence sequence);
  // Precondition: the fetcher just completed. Installs its snapshot, or rejects the source.
  void install_state();
  void send_all(const std::vector<Outgoing>& messages);
  void drop(std::string_view reason) { ++counters_.dropped[reason]; }
  bool leads() const;

  ReplicaOptions options_;
  ReplicaParts parts_;
  Protocol* protocol_;
  StateMachine* application_;
  net::DecodeContext decode_context_;

  Tick now_ = 0;
  Batcher batcher_;
  ClientTable client_table_;
  SnapshotStore snapshots_;
  StateFetcher fetcher_;
  // serve_state's budget, per peer (at most n): where its reading stands, and when it began.
  struct StateReading {
    Sequence sequence = 0;
    std::uint64_t next_offset = 0;
    Tick started_at = 0;
  };
  std::map<ReplicaId, StateReading> state_readings_;
  Sequence last_executed_ = 0;
  Sequence saved_snapshot_ = 0;  // the newest snapshot on stable storage
  // Group commit (defer_journal_sync): appended records not yet synced, and every frame for a peer
  // made since, in order (`to` may be Outgoing::kAllReplicas). Bounded by one round's output.
  struct HeldFrame {
    ReplicaId to = Outgoing::kAllReplicas;
    Bytes frame;
  };
  bool sync_pending_ = false;
  std::vector<HeldFrame> held_until_synced_;
  // Requests this replica proposed that have not executed yet: not proposed twice while in flight.
  std::set<std::pair<ClientId, std::uint64_t>> in_flight_;
  // Digests of the batches this leader proposed that have not executed (BatcherLimits::max_in_flight_batches).
  std::set<crypto::Digest> own_batches_in_flight_;
  // Per client, its latest admitted request that has not executed here, as the client sent it: a
  // new leader is handed these (notice_leader_change). One per client, at most this many.
  static constexpr std::size_t kMaxUnexecutedRequests = 1u << 16;
  std::map<ClientId, AdmittedRequest> unexecuted_;
  std::optional<ReplicaId> last_leader_;
  ReplicaCounters counters_;
};

}  // namespace loyal::replica
