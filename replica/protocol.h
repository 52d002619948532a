#pragma once
// The one interface every replication mode implements (PBFT, Raft, Multi-Paxos). A Protocol is a
// pure, deterministic state machine: it touches no clock, thread, socket, file or global; time
// arrives as on_tick(); randomness comes from a seeded PRNG given at construction. The same inputs
// produce the same Actions, byte for byte, which is what lets the simulator replay a seed.
//
// The pipeline (replica/replica.h) owns the Protocol and is its only caller, from one thread.
// Inputs: a validated peer message, a batch to propose, a tick, "records persisted", "checkpoint
// taken", "state installed". Outputs: an Actions bundle the pipeline drains after each input.

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "common/ids.h"
#include "crypto/digest.h"
#include "net/envelope.h"
#include "replica/types.h"

namespace loyal::replica {

// A message for peers. The pipeline applies the Byzantine fault policy (if any), then
// authenticates and encodes it into an envelope. A core whose own messages are evidence (PBFT:
// its PRE-PREPAREs, PREPAREs, CHECKPOINTs and VIEW-CHANGEs join certificates and journal records)
// signs them itself, through its injected Signer, when it creates them: then `frame` is that
// signed envelope, and the pipeline sends it as it is unless a Byzantine policy changed the
// message. The core thus holds its own evidence from the moment it decides to send, before any
// sync or send happens, and a retransmission costs no new signature.
struct Outgoing {
  static constexpr ReplicaId kAllReplicas = ~ReplicaId{0};
  ReplicaId to = kAllReplicas;  // one replica, or every replica except the sender
  net::MessageKind kind = net::MessageKind::checkpoint;
  Bytes body;
  Bytes frame{};  // the signed envelope of `body`, or empty for the pipeline to authenticate
  // Goes out as the envelope's attachment, outside the authenticator (net/envelope.capnp): a
  // PRE-PREPARE's batch, which its body binds by digest. `frame` never holds it.
  Bytes attachment{};
  friend bool operator==(const Outgoing&, const Outgoing&) = default;
};

// A record the core needs on stable storage before some of its messages may leave (Raft's term,
// vote and entries; Paxos's promised and accepted ballots; PBFT's own votes). Opaque to the
// pipeline; the core reads its records back on recovery. `id` increases by one per record.
struct PersistRecord {
  std::uint64_t id = 0;
  std::uint32_t type = 0;
  Bytes payload;
};

// A batch the protocol has decided at `sequence`. `batch` is the exact encoded Batch (empty bytes
// for a no-op / null request); `digest` is SHA-256 of those bytes.
struct CommittedBatch {
  Sequence sequence = 0;
  Bytes batch;
  crypto::Digest digest;
};

// A checkpoint every correct replica will keep: PBFT, once 2f+1 matching signed CHECKPOINTs were
// seen; Raft and Paxos, once the local snapshot was taken. State below it may be discarded.
struct StableCheckpoint {
  Sequence sequence = 0;
  crypto::Digest state_digest;
  // PBFT: the other replicas' matching signed CHECKPOINT envelopes that made it stable. Empty for
  // Raft and Paxos.
  std::vector<Bytes> proof;
};

// Ask the pipeline to fetch the checkpoint snapshot at `sequence` whose digest is `state_digest`
// from `sources` (state transfer), then call on_state_installed().
struct StateFetch {
  Sequence sequence = 0;
  crypto::Digest state_digest;
  std::vector<ReplicaId> sources;
};

// What the pipeline drains after every call into the Protocol. Ordering contract:
//  1. `persist` records are appended to the journal, in order.
//  2. `send` does not depend on this call's `persist`.
//  3. `send_after_persist` must not leave before every record in `persist` is durable.
//     The pipeline keeps a stricter rule than 2 and 3 ask for: no message leaves for a peer while
//     any record appended so far is not durable (replica.cc, drain()). `send`, `send_after_persist`
//     and the pipeline's own messages all wait for the next sync and then go in the order made, so
//     a message can never overtake a record an earlier call appended either.
//  4. `committed` is in strictly increasing, gap-free sequence order continuing from the last
//     batch committed; the pipeline executes each batch in that order, exactly once. A batch may
//     be executed as soon as it is drained (commitment never depends on this replica's own
//     pending persistence; the core only reports what is decided).
//  5. `stable_checkpoint`, if set, is at or below the last committed sequence executed by the
//     time the pipeline handles it; the pipeline then discards older snapshots.
//  6. `fetch_state`, if set, starts (or replaces) a state transfer.
//  7. `discard_records_before`, if set, is passed to Journal::discard_before() after `persist`
//     was appended: records with a smaller id are no longer needed for recovery.
struct Actions {
  std::vector<PersistRecord> persist;
  std::vector<Outgoing> send;
  std::vector<Outgoing> send_after_persist;
  std::vector<CommittedBatch> committed;
  std::optional<StableCheckpoint> stable_checkpoint;
  std::optional<StateFetch> fetch_state;
  std::optional<std::uint64_t> discard_records_before;

  bool empty() const {
    return persist.empty() && send.empty() && send_after_persist.empty() && committed.empty() &&
           !stable_checkpoint && !fetch_state && !discard_records_before;
  }
};

// A peer message after its envelope signature and the mode's validator checked it. Each mode
// derives its own message types from this; only the mode's validator creates them, so a core can
// trust every field it is handed to be well-formed and authentic (though not necessarily current:
// view, watermark and duplicate checks need the core's state and happen in the core).
class ValidatedMessage {
 public:
  ValidatedMessage(net::MessageKind kind, ReplicaId sender) : kind_(kind), sender_(sender) {}
  virtual ~ValidatedMessage() = default;
  net::MessageKind kind() const { return kind_; }
  ReplicaId sender() const { return sender_; }

 private:
  net::MessageKind kind_;
  ReplicaId sender_;
};

// A validator's verdict: the message, or the name of the reason it was dropped ("pbft.bad_digest").
// Reason names are static strings; the pipeline counts drops by name.
using Validation = std::variant<std::unique_ptr<const ValidatedMessage>, std::string_view>;

struct ProtocolStatus {
  Epoch epoch = 0;                  // view / term / ballot round
  std::optional<ReplicaId> leader;  // who this replica believes leads `epoch`, if anyone
  Sequence last_committed = 0;      // highest sequence handed out in Actions::committed
  Sequence stable_checkpoint = 0;
};

// Restart. A core restarted from its journal is constructed (through its mode's options) from
// RecoveredState::records, in id order; its next PersistRecord id is one more than the largest
// recovered id (a core only asks to discard records it restated in a later one, so the newest
// record always survives).
// Then, if the journal held a snapshot, the pipeline restores it and calls on_state_installed()
// with its sequence and digest before any other input; committed batches resume above it. A core
// restarted with nothing (wiped disk) starts like a new one and catches up by state transfer.
class Protocol {
 public:
  virtual ~Protocol() = default;

  virtual ProtocolMode mode() const = 0;

  // Decodes and checks a peer's envelope whose signature the pipeline has already verified
  // (sender is a replica of the cluster). Must not change state and must be thread-safe: the
  // runtime runs it on the verification pool. `frame` is the envelope's exact bytes, for messages
  // a core keeps as evidence.
  virtual Validation validate(const net::Envelope& envelope, ByteView frame) const = 0;

  virtual void on_message(const ValidatedMessage& message, Actions& out) = 0;

  // On the replica thread, before the envelope's authenticator is checked (the expensive step):
  // true when the message cannot change anything here whatever its signature, because the core
  // would ignore it (a retransmitted vote, a vote for a slot already prepared or committed here, a
  // message for another view or outside the window). The pipeline then drops it unverified.
  // Must be false for anything that could move the core or be evidence (a conflicting vote).
  // Reads core state, so only Replica::on_frame() calls it, never the verification pool.
  virtual bool redundant(const net::Envelope& /*envelope*/) const { return false; }

  // Whether propose() would be accepted now: this replica leads and its window has room.
  virtual bool can_propose() const = 0;
  // Precondition: can_propose(). `batch` is an encoded Batch; `digest` its SHA-256.
  virtual void propose(Bytes batch, const crypto::Digest& digest, Actions& out) = 0;

  virtual void on_tick(Actions& out) = 0;

  // Every PersistRecord with id <= `last_durable_id` is on stable storage.
  virtual void on_persisted(std::uint64_t last_durable_id, Actions& out) = 0;

  // The pipeline executed everything up to `sequence` and took a checkpoint snapshot of it.
  virtual void on_checkpoint_taken(Sequence sequence, const crypto::Digest& state_digest, Actions& out) = 0;

  // State transfer installed the snapshot at `sequence` (above the current stable checkpoint); the
  // core continues from there: Actions::committed resumes at sequence + 1, and batches above
  // `sequence` handed out before may be handed out again (a replica whose state diverged
  // re-executes them on the installed state).
  virtual void on_state_installed(Sequence sequence, const crypto::Digest& state_digest, Actions& out) = 0;

  virtual ProtocolStatus status() const = 0;

  // Request watching, for modes that suspect a leader that sits on requests (PBFT's view-change
  // timers). The pipeline reports every authentic request that has not executed yet when it
  // arrives (from the client, or forwarded), and every request when it executes. Modes that detect
  // leader failure otherwise (Raft, Paxos: heartbeats) ignore both.
  virtual void on_request_pending(ClientId /*client*/, std::uint64_t /*request_number*/, Actions& /*out*/) {}
  virtual void on_request_executed(ClientId /*client*/, std::uint64_t /*request_number*/, Actions& /*out*/) {}

};

}  // namespace loyal::replica
