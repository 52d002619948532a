#pragma once
// PBFT's deterministic core (Castro & Liskov, OSDI '99 / TOCS 2002, with signatures): the normal
// case and checkpoints. The primary of view v (v mod n) assigns sequence numbers to batches in
// PRE-PREPAREs; a backup that accepts one multicasts a PREPARE; a replica where (v, n, d) is
// prepared multicasts a COMMIT; a committed-local batch is handed out for execution once every
// sequence number below it is. Every K sequence numbers the pipeline takes a checkpoint; a quorum
// of matching CHECKPOINTs makes it stable, which moves the low watermark h and discards the log
// below it. Sequence numbers in (h, h + L] may be in progress at once.
//
// What goes out in Actions:
//  - send: this replica's PRE-PREPAREs (primary), PREPAREs, COMMITs and CHECKPOINTs, to every
//    other replica; on_tick() re-sends them every retransmit_ticks while they may still be needed.
//  - committed: in sequence order, each batch once it and every batch below it are
//    committed-local.
//  - stable_checkpoint: once a quorum matches this replica's own checkpoint. Its proof holds the
//    other replicas' signed CHECKPOINTs; this replica's own completes the certificate, and the
//    pipeline, which signed it (Ed25519 is deterministic), can reproduce it.
//  - fetch_state: once per checkpoint, when one is stable that this replica cannot reach by itself
//    (it has not executed that far) or whose digest differs from its own.
// No PersistRecords yet: the normal case needs none until view change has to survive restarts.
//
// The view stays 0: view change, equivocation evidence and state transfer's serving side build on
// the slots, signed frames and certificates kept here.
//
// Ownership: the pipeline owns the core and calls it from one thread (validate() from any). The
// RequestAuthenticator must outlive it. Nothing here reads a clock, starts a thread or iterates an
// unordered container: the same inputs give the same Actions, byte for byte.

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>

#include "common/bytes.h"
#include "crypto/digest.h"
#include "net/envelope.h"
#include "pbft/checkpoints.h"
#include "pbft/messages.h"
#include "pbft/options.h"
#include "pbft/slot.h"
#include "pbft/validator.h"
#include "replica/protocol.h"
#include "replica/request_auth.h"

namespace loyal::pbft {

class PbftCore final : public replica::Protocol {
 public:
  // Stops the process if `options` break a relationship PBFT depends on (see check_options).
  PbftCore(const PbftOptions& options, const replica::RequestAuthenticator& authenticator);

  ProtocolMode mode() const override { return ProtocolMode::pbft; }
  replica::Validation validate(const net::Envelope& envelope, ByteView frame) const override;
  void on_message(const replica::ValidatedMessage& message, replica::Actions& out) override;
  bool can_propose() const override;
  void propose(Bytes batch, const crypto::Digest& digest, replica::Actions& out) override;
  void on_tick(replica::Actions& out) override;
  // The normal case writes no records yet, so there is nothing to wait for.
  void on_persisted(std::uint64_t last_durable_id, replica::Actions& out) override;
  // Precondition: `sequence` is a positive multiple of K and at most status().last_committed.
  void on_checkpoint_taken(replica::Sequence sequence, const crypto::Digest& state_digest,
                           replica::Actions& out) override;
  // Precondition: `sequence` is above status().stable_checkpoint. Execution continues from
  // `sequence`: committed-local batches above it are handed out, again if they were before (a
  // replica whose state diverged re-executes them on the installed state).
  void on_state_installed(replica::Sequence sequence, const crypto::Digest& state_digest,
                          replica::Actions& out) override;
  replica::ProtocolStatus status() const override;

  View view() const { return view_; }
  ReplicaId primary() const { return primary_of(view_, options_.replica_count); }
  Sequence low_watermark() const { return low_watermark_; }
  Sequence high_watermark() const { return low_watermark_ + options_.window; }
  // The log entry for `sequence`, if it is in the window and anything arrived for it.
  const Slot* slot(Sequence sequence) const;
  // The proof of the checkpoint at the low watermark, when this replica saw it become stable.
  const std::optional<CheckpointCertificate>& stable_certificate() const { return stable_certificate_; }
  // Valid messages the core did not act on, by reason (pbft/drop_reasons.h).
  const std::map<std::string_view, std::uint64_t>& ignored() const { return ignored_; }

 private:
  void on_pre_prepare(const PrePrepareMessage& message, replica::Actions& out);
  void on_prepare(const PrepareMessage& message, replica::Actions& out);
  void on_commit(const CommitMessage& message, replica::Actions& out);
  void on_checkpoint(const CheckpointVote& message, replica::Actions& out);

  bool in_window(Sequence sequence) const;
  void ignore(std::string_view reason);
  void broadcast(net::MessageKind kind, Bytes body, replica::Actions& out) const;
  void send_prepare(Sequence sequence, Slot& slot, replica::Actions& out);
  // Moves one slot on: COMMIT once prepared, committed-local once enough COMMITs match.
  void make_progress(Sequence sequence, Slot& slot, replica::Actions& out);
  // Hands out every committed-local batch that directly follows the last one handed out.
  void execute_in_order(replica::Actions& out);

  void check_stability(Sequence sequence, replica::Actions& out);
  void advance_low_watermark(CheckpointCertificate certificate, replica::Actions& out);
  void request_state(const CheckpointCertificate& certificate, replica::Actions& out);
  void retransmit(replica::Actions& out);

  PbftOptions options_;
  std::uint32_t quorum_;
  PbftValidator validator_;
  View view_ = 0;
  Sequence low_watermark_ = 0;     // h: the last stable checkpoint
  Sequence last_assigned_ = 0;     // the primary's last sequence number given to a batch
  Sequence last_committed_ = 0;    // the last sequence number handed out in Actions::committed
  Sequence state_requested_ = 0;   // the highest checkpoint a state fetch was asked for
  std::map<Sequence, Slot> log_;   // only sequence numbers in (h, h + L]: at most L slots
  Checkpoints checkpoints_;
  std::optional<CheckpointCertificate> stable_certificate_;
  replica::Tick ticks_since_retransmit_ = 0;
  // Progress at the previous retransmission: neither h nor the last committed sequence moving for
  // a whole round means "stalled".
  std::optional<std::pair<Sequence, Sequence>> progress_at_last_retransmit_;
  std::map<std::string_view, std::uint64_t> ignored_;
};

}  // namespace loyal::pbft
