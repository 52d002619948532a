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
//
// Persistence (pbft_core_persistence.cc, records in pbft/records.h). Before a message leaves that a
// restarted replica must not contradict, its record is persisted, and every message a call sends
// waits for the records the same call wrote (send_after_persist):
//  - a SlotRecord (view, sequence number, batch, the primary's signed PRE-PREPARE, this replica's
//    own signed PREPARE) before this replica's PREPARE (or, as primary, its PRE-PREPARE) for it,
//    and again with the prepared certificate's PREPAREs (its own among them) before its COMMIT;
//  - a SlotRecord (view, sequence number, digest, the batch if held, no vote) for every PRE-PREPARE
//    a NEW-VIEW re-issues, at backups too: restarted before the new primary's PRE-PREPARE arrives,
//    a backup still accepts only the batch the NEW-VIEW named there; again once a batch it lacked
//    arrives (on the primary with its signed PRE-PREPARE, before that leaves);
//  - a SlotRecord (no vote) for a PRE-PREPARE it holds to without voting for it (a request whose
//    MAC entry fails here: it prepares only on 2f other backups' PREPAREs);
//  - a ViewRecord before its VIEW-CHANGE (changing) and when it installs a NEW-VIEW (active);
//  - a StableRecord with the checkpoint proof when a checkpoint becomes stable, with the view
//    restated, after which records older than the window's slots may be discarded.
// Restarted from them, a replica is in the same view, votes only for the batches it voted for
// there, re-sends those votes (its retransmission), keeps per sequence number the prepared
// certificate of the highest view in which it prepared (PBFT's P set) for every later VIEW-CHANGE,
// and, as primary, never assigns a sequence number twice. What it learned only from
// others' messages that did not prepare here (PREPAREs of slots below the quorum, COMMITs, other
// replicas' VIEW-CHANGEs) is gone, and comes back through retransmission.
//
// View change (pbft_core_view_change.cc): a backup that knows of a request it has not executed for
// request_timeout_ticks moves to view v+1 and multicasts a VIEW-CHANGE carrying its stable
// checkpoint proof and a prepared certificate for every sequence number above it. The primary of
// v+1 multicasts a NEW-VIEW with a quorum of VIEW-CHANGEs and the PRE-PREPAREs they imply, which
// every replica recomputes. A view change with a quorum of VIEW-CHANGEs that does not end within
// view_change_timeout_ticks (doubled per consecutive failure) gives way to the next view. While a
// view change is under way status().leader is nullopt, normal-case messages are ignored and
// this replica re-sends its VIEW-CHANGE every retransmit_ticks; the new primary answers a
// VIEW-CHANGE for the view it already installed with its NEW-VIEW.
//
// Batches (pbft_core_batches.cc): a PRE-PREPARE signs (view, sequence number, digest) and carries
// its batch as the envelope's attachment (Outgoing::attachment), so the signed PRE-PREPARE that a
// slot keeps and a certificate carries is digest-sized. A NEW-VIEW names batches by digest only:
// a new primary that does not hold one asks every replica for it (pbft_batch_request) and sends its
// PRE-PREPARE once a reply with that digest arrives; a replica whose slot committed before the
// batch reached it asks the same way, and execution waits for it. A correct replica votes only for
// a batch it holds and keeps it in its journal, so f+1 correct replicas can answer.
//
// Signed frames: this replica signs its own PRE-PREPAREs, PREPAREs, COMMITs, CHECKPOINTs,
// VIEW-CHANGEs and NEW-VIEWs when it decides to send them, and keeps the frames: its certificates
// and journal records hold its own signed votes from that moment on (before any sync or send),
// and a retransmission re-sends the same frame. The pipeline sends these frames as they are.
//
// Ownership: the pipeline owns the core and calls it from one thread (validate() from any). The
// RequestAuthenticator, the Verifier and the Signer must outlive it. Nothing here reads a clock, starts a thread or iterates an
// unordered container: the same inputs give the same Actions, byte for byte.

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "crypto/digest.h"
#include "net/envelope.h"
#include "crypto/signer.h"
#include "pbft/checkpoints.h"
#include "pbft/equivocation.h"
#include "pbft/messages.h"
#include "pbft/options.h"
#include "pbft/records.h"
#include "pbft/slot.h"
#include "pbft/validator.h"
#include "replica/protocol.h"
#include "replica/request_auth.h"

namespace loyal::pbft {

class PbftCore final : public replica::Protocol {
 public:
  // Stops the process if `options` break a relationship PBFT depends on (see check_options).
  // `recovered`: the records of this replica's journal, on a restart (replica/protocol.h).
  // `signer` signs this replica's own messages (replica/protocol.h, Outgoing::frame).
  PbftCore(const PbftOptions& options, const replica::RequestAuthenticator& authenticator,
           const crypto::Verifier& verifier, const crypto::Signer& signer,
           const std::vector<replica::PersistRecord>& recovered = {});

  ProtocolMode mode() const override { return ProtocolMode::pbft; }
  replica::Validation validate(const net::Envelope& envelope, ByteView frame) const override;
  void on_message(const replica::ValidatedMessage& message, replica::Actions& out) override;
  // PRE-PREPAREs, PREPAREs and COMMITs on_message() would ignore (pbft_core_redundancy.cc).
  bool redundant(const net::Envelope& envelope) const override;
  // VIEW-CHANGEs and NEW-VIEWs on_message() would ignore (pbft_core_redundancy.cc).
  bool redundant_view_message(const net::Envelope& envelope) const;
  bool can_propose() const override;
  void propose(Bytes batch, const crypto::Digest& digest, replica::Actions& out) override;
  void on_tick(replica::Actions& out) override;
  // Messages wait for their records in send_after_persist, which the pipeline releases itself.
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
  void on_request_pending(ClientId client, std::uint64_t request_number, replica::Actions& out) override;
  void on_request_executed(ClientId client, std::uint64_t request_number, replica::Actions& out) override;

  // The view this replica is in, or is changing to while in_view_change().
  View view() const { return view_; }
  bool in_view_change() const { return !view_active_; }
  // The current view-change timeout: view_change_timeout_ticks doubled per consecutive failure.
  replica::Tick view_change_timeout() const;
  // Conflicting signed messages seen from one replica for one (view, sequence number).
  const std::vector<EquivocationEvidence>& equivocations() const { return equivocations_.kept(); }
  std::uint64_t equivocation_count() const { return equivocations_.count(); }
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
  // Every message a call sends depends on the records the same call persisted (a vote on its slot
  // record, a VIEW-CHANGE on its view record), so once a call persists anything, all of that
  // call's sends wait for the sync. One per entry point, alive for the whole call.
  class HoldSendsUntilPersisted {
   public:
    explicit HoldSendsUntilPersisted(replica::Actions& out)
        : out_(out), persist_before_(out.persist.size()), send_before_(out.send.size()) {}
    ~HoldSendsUntilPersisted();
    HoldSendsUntilPersisted(const HoldSendsUntilPersisted&) = delete;
    HoldSendsUntilPersisted& operator=(const HoldSendsUntilPersisted&) = delete;

   private:
    replica::Actions& out_;
    std::size_t persist_before_;
    std::size_t send_before_;
  };

  // Persistence (pbft_core_persistence.cc).
  std::uint64_t persist(const PbftRecord& record, replica::Actions& out);
  void persist_slot(Sequence sequence, const Slot& slot, replica::Actions& out);
  void persist_view(replica::Actions& out);
  void persist_stable_checkpoint(replica::Actions& out);
  void restore(const std::vector<replica::PersistRecord>& records);
  // `latest`: the slot's record of the newest view it has one in; `prepared`: its record of the
  // highest view in which it prepared, if any.
  void restore_slot(const SlotRecord& latest, const SlotRecord* prepared);
  // Whether the journal's StableRecord proved the checkpoint at `sequence` (its votes restored).
  bool restore_checkpoint_proof(Sequence sequence, const crypto::Digest& state_digest);

  void on_pre_prepare(const PrePrepareMessage& message, replica::Actions& out);
  void on_prepare(const PrepareMessage& message, replica::Actions& out);
  void on_commit(const CommitMessage& message, replica::Actions& out);
  void on_checkpoint(const CheckpointVote& message, replica::Actions& out);

  // The view a PRE-PREPARE, PREPARE or COMMIT was sent in.
  static View normal_case_view(const replica::ValidatedMessage& message);
  // `sender` sent a valid normal-case message in `view`, above this replica's view.
  void note_higher_view(ReplicaId sender, View view, replica::Actions& out);
  bool in_window(Sequence sequence) const;
  void ignore(std::string_view reason);
  // The answers to one replica (help_lagging, send_stable_proof, a NEW-VIEW passed on) go at most
  // once per retransmission period: `last` holds when each replica was last answered.
  bool answered_within_period(const std::map<ReplicaId, replica::Tick>& last, ReplicaId replica) const;
  bool once_per_period(std::map<ReplicaId, replica::Tick>& last, ReplicaId replica);
  // This replica's own envelope for `body`, signed: what it sends and what it keeps as evidence.
  Bytes sign(net::MessageKind kind, const Bytes& body) const;
  void broadcast(net::MessageKind kind, Bytes body, Bytes frame, replica::Actions& out) const;
  // This replica's own signed vote in `votes` at (view, digest), which it recorded when it voted.
  const Bytes& own_vote(const std::map<VoteKey, Votes>& votes, View view, const crypto::Digest& digest) const;
  // Records this replica's checkpoint at `sequence` and signs its CHECKPOINT for it.
  const Bytes& record_own_checkpoint(Sequence sequence, const crypto::Digest& state_digest);
  void send_prepare(Sequence sequence, Slot& slot, replica::Actions& out);
  // The primary's PRE-PREPARE for `slot`, signed without its batch, kept in the slot.
  void sign_pre_prepare(Sequence sequence, Slot& slot) const;
  // `accepted` to `to` (or every replica), with its batch as the envelope's attachment.
  void broadcast_pre_prepare(ReplicaId to, Sequence sequence, const AcceptedPrePrepare& accepted,
                             replica::Actions& out) const;

  // Batches (pbft_core_batches.cc).
  void on_batch_request(const BatchRequestMessage& message, replica::Actions& out);
  void on_batch_reply(const BatchReplyMessage& message, replica::Actions& out);
  // The batch with `digest` this replica holds for `slot`: the one it accepted, or the one it last
  // prepared there (a NEW-VIEW may have named an older batch than the one accepted since).
  static std::optional<Bytes> held_batch(const Slot& slot, const crypto::Digest& digest);
  // Asks every replica for `slot`'s missing batch, at most once per retransmission period.
  void request_batch(Sequence sequence, Slot& slot, replica::Actions& out);
  // Persists `slot` of the current view; as its primary, with the batch at hand and the
  // PRE-PREPARE not sent yet, signs that first and sends it after (a re-issued or fetched slot).
  void record_and_issue(Sequence sequence, Slot& slot, replica::Actions& out);
  // Slots waiting for a batch this replica must send (as the primary of a re-issued slot) or
  // execute: signs and sends what can go now, asks for the rest.
  void complete_waiting_slots(replica::Actions& out);
  // Sends `sender`, which is behind the low watermark, the stable checkpoint's whole proof.
  void send_stable_proof(ReplicaId sender, replica::Actions& out);
  // Answers `sender`'s re-sent vote for a slot committed-local here with this replica's own votes.
  void help_lagging(ReplicaId sender, Sequence sequence, Slot& slot, bool needs_prepares, replica::Actions& out);
  // Moves one slot on: COMMIT once prepared, committed-local once enough COMMITs match.
  void make_progress(Sequence sequence, Slot& slot, replica::Actions& out);
  // Hands out every committed-local batch that directly follows the last one handed out.
  void execute_in_order(replica::Actions& out);

  void check_stability(Sequence sequence, replica::Actions& out);
  void advance_low_watermark(CheckpointCertificate certificate, replica::Actions& out);
  void request_state(const CheckpointCertificate& certificate, replica::Actions& out);
  // Fetches the checkpoint at `sequence` on f+1 matching votes when this replica is far behind it.
  void fetch_if_a_checkpoint_behind(Sequence sequence, replica::Actions& out);
  // Whether stable_certificate_ proves the low watermark to others: a quorum of signers.
  bool stable_proof_complete() const;
  // Signed CHECKPOINTs for (sequence, digest) seen elsewhere (a vote, the proof in a VIEW-CHANGE
  // or NEW-VIEW): they complete the low watermark's proof if it lacks them.
  void complete_stable_proof(Sequence sequence, const crypto::Digest& digest, const std::vector<ReplicaId>& signers,
                             const std::vector<Bytes>& frames, replica::Actions& out);
  void retransmit(replica::Actions& out);

  // View change (pbft_core_view_change.cc).
  void on_view_change(const ViewChangeMessage& message, replica::Actions& out);
  void on_new_view(const NewViewMessage& message, replica::Actions& out);
  void start_request_timer();
  void start_view_change(View view, replica::Actions& out);
  // This replica's VIEW-CHANGE for view_, from its stable checkpoint and prepared records, signed,
  // in own_view_change_ and own_view_change_body_.
  void make_own_view_change();
  std::vector<Bytes> checkpoint_proof() const;
  // A quorum of VIEW-CHANGEs for view_ starts the view-change timer, and lets its primary send
  // the NEW-VIEW.
  void check_view_change_quorum(replica::Actions& out);
  void join_higher_view(replica::Actions& out);
  void install_view(View view, const NewViewPlan& plan, replica::Actions& out);
  void adopt_checkpoint(const NewViewPlan& plan, replica::Actions& out);
  void retransmit_view_change(replica::Actions& out);
  void note_equivocation(ReplicaId sender, net::MessageKind kind, View view, Sequence sequence,
                         const Bytes* first, const Bytes& second);
  PbftOptions options_;
  const crypto::Signer& signer_;
  std::uint32_t quorum_;
  PbftValidator validator_;
  View view_ = 0;
  bool view_active_ = true;          // false from sending a VIEW-CHANGE until the NEW-VIEW
  replica::Tick now_ = 0;            // ticks since construction
  // Requests known here and not yet executed: per client its highest request number (a client
  // has one request outstanding at a time, so this is bounded by the number of clients).
  std::map<ClientId, std::uint64_t> pending_requests_;
  std::optional<replica::Tick> request_deadline_;
  std::optional<replica::Tick> view_change_deadline_;
  std::uint32_t failed_view_changes_ = 0;  // consecutive, for the back-off
  // Views begun since a request last executed here: the request timer doubles for each.
  std::uint32_t views_without_execution_ = 0;
  // Per replica, the highest view above this replica's in which it sent a valid normal-case
  // message (note_higher_view): at most n.
  std::map<ReplicaId, View> higher_views_;
  // Each replica's latest valid VIEW-CHANGE (highest view): at most n.
  std::map<ReplicaId, CheckedViewChange> view_changes_;
  // This replica's VIEW-CHANGE for view_ while changing views, with its signed frame.
  CheckedViewChange own_view_change_;
  Bytes own_view_change_body_;
  // The NEW-VIEW that began view_ (sent as its primary, or received), and the primary's signed
  // frame of it: passed on to replicas that missed it.
  Bytes new_view_body_;
  Bytes new_view_frame_;
  // When the NEW-VIEW was last re-sent to each replica that asked with a stale VIEW-CHANGE: at most
  // once per retransmission period each, however often it asks (at most n entries).
  std::map<ReplicaId, replica::Tick> new_view_resent_at_;
  // When the stable checkpoint's proof was last sent to each replica found behind it (at most n).
  std::map<ReplicaId, replica::Tick> stable_proof_sent_at_;
  // Batch replies sent to each replica in the current retransmission period (at most n entries).
  struct BatchReplyBudget {
    replica::Tick period_start = 0;
    std::uint32_t sent = 0;
  };
  static constexpr std::uint32_t kBatchRepliesPerPeriod = 4;
  std::map<ReplicaId, BatchReplyBudget> batch_reply_budgets_;
  std::map<Sequence, Bytes> own_checkpoint_frames_;  // signed own CHECKPOINTs at or above h
  Equivocations equivocations_;
  Sequence low_watermark_ = 0;     // h: the last stable checkpoint
  Sequence last_assigned_ = 0;     // the primary's last sequence number given to a batch
  Sequence last_committed_ = 0;    // the last sequence number handed out in Actions::committed
  Sequence state_requested_ = 0;   // the highest checkpoint a state fetch was asked for
  // The certificate of that fetch: once installed, its checkpoint is the low watermark, which this
  // replica's VIEW-CHANGEs must prove.
  std::optional<CheckpointCertificate> fetch_certificate_;
  std::map<Sequence, Slot> log_;   // only sequence numbers in (h, h + L]: at most L slots
  Checkpoints checkpoints_;
  std::optional<CheckpointCertificate> stable_certificate_;
  replica::Tick ticks_since_retransmit_ = 0;
  // Progress at the previous retransmission: neither h nor the last committed sequence moving for
  // a whole round means "stalled".
  std::optional<std::pair<Sequence, Sequence>> progress_at_last_retransmit_;
  // Mutable: redundant() is a const peek, yet what it skips is counted like what on_message ignores.
  mutable std::map<std::string_view, std::uint64_t> ignored_;
  // Journal (pbft_core_persistence.cc).
  std::uint64_t next_record_id_ = 1;
  std::uint64_t view_record_id_ = 0;                   // the newest ViewRecord
  std::map<Sequence, std::uint64_t> first_record_of_slot_;  // for slots above h: what must be kept
  std::optional<StableRecord> recovered_stable_;      // until the pipeline installs its snapshot
  bool resend_view_change_after_restart_ = false;
};

}  // namespace loyal::pbft
