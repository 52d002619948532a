#include "pbft/pbft_core.h"

#include <algorithm>
#include <utility>

#include "common/assert.h"
#include "net/authentication.h"
#include "pbft/drop_reasons.h"

namespace loyal::pbft {

namespace {

// Votes kept per sender: every checkpoint one window can hold, and one beyond it, which is what
// tells a replica that it lags; capped for windows of very many small checkpoint intervals.
std::uint32_t checkpoint_votes_per_replica(const PbftOptions& options) {
  return std::min(options.window / options.checkpoint_interval + 1, kMaxCheckpointVotesPerReplica);
}

// Checked before any member is built from them.
const PbftOptions& checked(const PbftOptions& options) {
  check_options(options);
  return options;
}

// Only PbftValidator makes PBFT messages; any other type here is a pipeline bug.
template <typename Message>
const Message& as(const replica::ValidatedMessage& message) {
  const auto* typed = dynamic_cast<const Message*>(&message);
  LOYAL_ASSERT(typed != nullptr, "PBFT messages come from PbftValidator");
  return *typed;
}

}  // namespace

PbftCore::PbftCore(const PbftOptions& options, const replica::RequestAuthenticator& authenticator,
                   const crypto::Verifier& verifier, const crypto::Signer& signer,
                   const std::vector<replica::PersistRecord>& recovered)
    : options_(checked(options)),
      signer_(signer),
      quorum_(quorum_size(options.replica_count, options.max_faulty)),
      validator_(options, authenticator, verifier),
      checkpoints_(options.self, quorum_, checkpoint_votes_per_replica(options)) {
  restore(recovered);
}

replica::Validation PbftCore::validate(const net::Envelope& envelope, ByteView frame) const {
  return validator_.validate(envelope, frame);
}

void PbftCore::on_message(const replica::ValidatedMessage& message, replica::Actions& out) {
  const HoldSendsUntilPersisted hold(out);
  // The pipeline never delivers this replica's own messages; one arriving is a replay.
  if (message.sender() == options_.self) return ignore(reason::kOwnMessage);
  switch (message.kind()) {
    case net::MessageKind::pbft_view_change: return on_view_change(as<ViewChangeMessage>(message), out);
    case net::MessageKind::pbft_new_view: return on_new_view(as<NewViewMessage>(message), out);
    case net::MessageKind::checkpoint: return on_checkpoint(as<CheckpointVote>(message), out);
    // Batches are asked for and answered in any view, a view change included: a batch is bound to
    // its digest, not to a view.
    case net::MessageKind::pbft_batch_request: return on_batch_request(as<BatchRequestMessage>(message), out);
    case net::MessageKind::pbft_batch_reply: return on_batch_reply(as<BatchReplyMessage>(message), out);
    default: break;
  }
  if (const View view = normal_case_view(message); view > view_) return note_higher_view(message.sender(), view, out);
  // A replica changing views has stopped taking part in the view it left, and the new view
  // starts only with its NEW-VIEW.
  if (!view_active_) return ignore(reason::kInViewChange);
  switch (message.kind()) {
    case net::MessageKind::pbft_pre_prepare: return on_pre_prepare(as<PrePrepareMessage>(message), out);
    case net::MessageKind::pbft_prepare: return on_prepare(as<PrepareMessage>(message), out);
    case net::MessageKind::pbft_commit: return on_commit(as<CommitMessage>(message), out);
    default: LOYAL_ASSERT(false, "PbftValidator passes only PBFT's kinds");
  }
}

View PbftCore::normal_case_view(const replica::ValidatedMessage& message) {
  switch (message.kind()) {
    case net::MessageKind::pbft_pre_prepare: return as<PrePrepareMessage>(message).pre_prepare().view;
    case net::MessageKind::pbft_prepare: return as<PrepareMessage>(message).prepare().view;
    case net::MessageKind::pbft_commit: return as<CommitMessage>(message).commit().view;
    default: LOYAL_ASSERT(false, "PbftValidator passes only PBFT's kinds");
  }
}

// A replica left behind in an older view (restarted with a wiped disk, or cut off through a view
// change) ignores every normal-case message of the view the others are in, and would rejoin only
// at the next view change, which a healthy cluster never needs. f+1 replicas sending in views
// above this one include a correct one, so the (f+1)-th highest of their views was begun by a
// correct replica: this replica moves to it with a VIEW-CHANGE, which the primary of that view
// answers with its NEW-VIEW if it installed it (and which counts toward the view change if not).
void PbftCore::note_higher_view(ReplicaId sender, View view, replica::Actions& out) {
  ignore(reason::kWrongView);
  View& seen = higher_views_[sender];
  seen = std::max(seen, view);
  std::vector<View> above;
  for (const auto& [replica, highest] : higher_views_) {
    if (highest > view_) above.push_back(highest);
  }
  if (above.size() < options_.max_faulty + 1) return;
  std::sort(above.begin(), above.end(), std::greater<>());
  const View target = above[options_.max_faulty];
  higher_views_.clear();
  if (target > view_) start_view_change(target, out);
}

bool PbftCore::can_propose() const {
  return view_active_ && options_.self == primary() && last_assigned_ + 1 <= high_watermark();
}

void PbftCore::propose(Bytes batch, const crypto::Digest& digest, replica::Actions& out) {
  LOYAL_ASSERT(can_propose(), "propose() only when can_propose()");
  const HoldSendsUntilPersisted hold(out);
  // `digest` is the pipeline's SHA-256 of `batch` (the Protocol contract); hashing the batch again
  // here would double the primary's hashing per batch, so it is trusted, not recomputed.
  const Sequence sequence = ++last_assigned_;
  Slot& slot = log_[sequence];
  LOYAL_ASSERT(!slot.pre_prepare, "the primary assigns each sequence number once per view");
  slot.pre_prepare = AcceptedPrePrepare{view_, digest, std::move(batch), {}};
  sign_pre_prepare(sequence, slot);
  persist_slot(sequence, slot, out);
  broadcast_pre_prepare(replica::Outgoing::kAllReplicas, sequence, *slot.pre_prepare, out);
  make_progress(sequence, slot, out);
}

void PbftCore::on_pre_prepare(const PrePrepareMessage& message, replica::Actions& out) {
  const PrePrepare& pre_prepare = message.pre_prepare();
  if (pre_prepare.view != view_) return ignore(reason::kWrongView);
  if (!in_window(pre_prepare.sequence)) {
    if (pre_prepare.sequence <= low_watermark_) send_stable_proof(message.sender(), out);
    return ignore(reason::kPrePrepareOutsideWindow);
  }
  Slot& slot = log_[pre_prepare.sequence];
  if (slot.pre_prepare && slot.pre_prepare->view == pre_prepare.view) {
    // Keep the first: a backup prepares at most one batch per (view, sequence number), which is
    // what stops a faulty primary from getting two batches prepared there.
    if (slot.pre_prepare->digest != pre_prepare.batch_digest) {
      note_equivocation(message.sender(), net::MessageKind::pbft_pre_prepare, pre_prepare.view, pre_prepare.sequence,
                        &slot.pre_prepare->frame, message.frame());
      return ignore(reason::kConflictingPrePrepare);
    }
    // A slot a NEW-VIEW re-issued has no signed PRE-PREPARE of its own yet; the new primary sends
    // one, and this replica prepares once it has it, so its prepared certificate is complete.
    if (!slot.pre_prepare->frame.empty() || slot.sent_prepare) {
      // A primary re-sends its PRE-PREPARE only while the slot is not committed-local at it.
      help_lagging(message.sender(), pre_prepare.sequence, slot, /*needs_prepares=*/true, out);
      return ignore(reason::kDuplicatePrePrepare);
    }
    // A NEW-VIEW named this digest from a prepared certificate (or a null request): its requests
    // were authenticated by f+1 correct replicas, whatever this one's MAC entries say.
    slot.pre_prepare->frame = message.frame();
    slot.pre_prepare->batch = message.batch();
    send_prepare(pre_prepare.sequence, slot, out);
    return make_progress(pre_prepare.sequence, slot, out);
  }
  // A batch committed in an earlier view stays: only a faulty primary would order another there.
  if (slot.committed_local) return ignore(reason::kConflictingPrePrepare);
  // The validator checked that the sender is the view's primary, so this replica is a backup.
  slot.pre_prepare = AcceptedPrePrepare{pre_prepare.view, pre_prepare.batch_digest, message.batch(), message.frame()};
  slot.sent_commit = false;  // votes of an earlier view do not count in this one
  if (!message.requests_authentic_here()) {
    // No PREPARE from here for requests this replica cannot authenticate. It still holds to this
    // batch for the view (the record, so a restart does too), and prepares once 2f other backups
    // have: f+1 correct replicas among them authenticated every request. A faulty client whose
    // MACs fail at f backups or fewer therefore costs nothing; at more, the batch cannot prepare
    // and the request timer replaces the primary (see README, "Client authentication").
    ignore(reason::kPrepareWithheldUnauthenticRequest);
    persist_slot(pre_prepare.sequence, slot, out);
    return make_progress(pre_prepare.sequence, slot, out);
  }
  send_prepare(pre_prepare.sequence, slot, out);
  make_progress(pre_prepare.sequence, slot, out);
}

void PbftCore::send_prepare(Sequence sequence, Slot& slot, replica::Actions& out) {
  const Prepare prepare{slot.pre_prepare->view, sequence, slot.pre_prepare->digest};
  Bytes body = encode_prepare(prepare);
  Bytes frame = sign(net::MessageKind::pbft_prepare, body);
  record_vote(slot.prepares, prepare.view, prepare.batch_digest, options_.self, frame);
  slot.sent_prepare = true;
  // The record holds the vote's frame: restarted, this replica still proves what it prepared.
  persist_slot(sequence, slot, out);
  broadcast(net::MessageKind::pbft_prepare, std::move(body), std::move(frame), out);
}

void PbftCore::on_prepare(const PrepareMessage& message, replica::Actions& out) {
  const Prepare& prepare = message.prepare();
  if (prepare.view != view_) return ignore(reason::kWrongView);
  if (!in_window(prepare.sequence)) {
    if (prepare.sequence <= low_watermark_) send_stable_proof(message.sender(), out);
    return ignore(reason::kPrepareOutsideWindow);
  }
  Slot& slot = log_[prepare.sequence];
  switch (record_vote(slot.prepares, prepare.view, prepare.batch_digest, message.sender(), message.frame())) {
    case VoteOutcome::duplicate:
      help_lagging(message.sender(), prepare.sequence, slot, /*needs_prepares=*/true, out);
      return ignore(reason::kDuplicatePrepare);
    case VoteOutcome::conflicting:
      note_equivocation(message.sender(), net::MessageKind::pbft_prepare, prepare.view, prepare.sequence,
                        vote_frame(slot.prepares, prepare.view, message.sender()), message.frame());
      return ignore(reason::kConflictingPrepare);
    case VoteOutcome::recorded: return make_progress(prepare.sequence, slot, out);
  }
}

void PbftCore::on_commit(const CommitMessage& message, replica::Actions& out) {
  const Commit& commit = message.commit();
  if (commit.view != view_) return ignore(reason::kWrongView);
  if (!in_window(commit.sequence)) {
    if (commit.sequence <= low_watermark_) send_stable_proof(message.sender(), out);
    return ignore(reason::kCommitOutsideWindow);
  }
  Slot& slot = log_[commit.sequence];
  switch (record_vote(slot.commits, commit.view, commit.batch_digest, message.sender(), message.frame())) {
    case VoteOutcome::duplicate:
      help_lagging(message.sender(), commit.sequence, slot, /*needs_prepares=*/false, out);
      return ignore(reason::kDuplicateCommit);
    case VoteOutcome::conflicting:
      note_equivocation(message.sender(), net::MessageKind::pbft_commit, commit.view, commit.sequence,
                        vote_frame(slot.commits, commit.view, message.sender()), message.frame());
      return ignore(reason::kConflictingCommit);
    case VoteOutcome::recorded: return make_progress(commit.sequence, slot, out);
  }
}

// A replica re-sends its votes (a primary its PRE-PREPARE) only for slots that are not
// committed-local at it, so one it sends again for a slot committed here says that it still lacks
// votes there: typically one restarted from its journal, which keeps its own votes but not the
// PREPAREs and COMMITs it had received. The
// others move on with its votes for newer slots and never re-send the older ones (nothing stalls
// here), and it cannot reach the next checkpoint without them: where f replicas are faulty, no
// checkpoint would become stable again. So it gets this replica's own votes for the slot, to it
// alone: one kept frame per vote it re-sent, no signature. A forged "retransmission" costs the
// forger as much as it costs here. Once per sender and slot per retransmission period: a replica
// that committed meanwhile may take this answer for a re-sent vote and answer it in turn.
void PbftCore::help_lagging(ReplicaId sender, Sequence sequence, Slot& slot, bool needs_prepares,
                            replica::Actions& out) {
  if (!slot.committed_local || !slot.pre_prepare || !once_per_period(slot.helped_at, sender)) return;
  const AcceptedPrePrepare& accepted = *slot.pre_prepare;
  const auto to_sender = [&](net::MessageKind kind, Bytes body, const Bytes& frame) {
    out.send.push_back(replica::Outgoing{sender, kind, std::move(body), frame});
  };
  if (needs_prepares && slot.sent_prepare) {
    to_sender(net::MessageKind::pbft_prepare, encode_prepare({accepted.view, sequence, accepted.digest}),
              own_vote(slot.prepares, accepted.view, accepted.digest));
  }
  if (slot.sent_commit) {
    to_sender(net::MessageKind::pbft_commit, encode_commit({accepted.view, sequence, accepted.digest}),
              own_vote(slot.commits, accepted.view, accepted.digest));
  }
}

// A replica that sends a message for a sequence number at or below this replica's stable
// checkpoint is behind it: typically one restarted from its journal whose snapshot is older. It
// cannot make that checkpoint stable itself (it has not executed that far, and with f replicas
// faulty the correct others' votes alone are one short of a quorum), and the log below it is gone
// here. So it gets the checkpoint's whole proof, to it alone: this replica's own signed CHECKPOINT
// and the others' signed CHECKPOINTs as they were received (each verifiable on its own), from
// which it sees the checkpoint stable and fetches the state. At most once per retransmission
// period per replica.
void PbftCore::send_stable_proof(ReplicaId sender, replica::Actions& out) {
  if (low_watermark_ == 0 || !stable_proof_complete() || !once_per_period(stable_proof_sent_at_, sender)) return;
  const CheckpointCertificate& certificate = *stable_certificate_;
  const Bytes body = replica::encode_checkpoint({certificate.sequence, certificate.state_digest});
  const auto to_sender = [&](const Bytes& frame) {
    out.send.push_back(replica::Outgoing{sender, net::MessageKind::checkpoint, body, frame});
  };
  if (const auto own = own_checkpoint_frames_.find(certificate.sequence);
      certificate.includes_own && own != own_checkpoint_frames_.end()) {
    to_sender(own->second);
  }
  for (std::size_t i = 0; i < certificate.frames.size() && i < certificate.signers.size(); ++i) {
    if (certificate.signers[i] != sender) to_sender(certificate.frames[i]);
  }
}

void PbftCore::make_progress(Sequence sequence, Slot& slot, replica::Actions& out) {
  if (!slot.pre_prepare) return;
  const View view = slot.pre_prepare->view;
  const crypto::Digest digest = slot.pre_prepare->digest;
  const ReplicaId primary = primary_of(view, options_.replica_count);
  // A replica commits only what it can prove prepared in a VIEW-CHANGE: with the primary's signed
  // PRE-PREPARE (a slot a NEW-VIEW re-issued has none at a backup until the new primary's arrives).
  const bool provable = !slot.pre_prepare->frame.empty();
  if (!slot.sent_commit && provable && prepared(slot, view, digest, quorum_, primary)) {
    LOYAL_ASSERT(slot.pre_prepare->batch.has_value(), "a signed PRE-PREPARE is accepted only with its batch");
    slot.last_prepared = PreparedRecord{view, digest, *slot.pre_prepare->batch, slot.pre_prepare->frame};
    Bytes body = encode_commit({view, sequence, digest});
    Bytes frame = sign(net::MessageKind::pbft_commit, body);
    record_vote(slot.commits, view, digest, options_.self, frame);
    slot.sent_commit = true;
    persist_slot(sequence, slot, out);
    broadcast(net::MessageKind::pbft_commit, std::move(body), std::move(frame), out);
  }
  if (!slot.committed_local && committed_local(slot, view, digest, quorum_, primary)) {
    slot.committed_local = true;
    execute_in_order(out);
  }
}

void PbftCore::execute_in_order(replica::Actions& out) {
  for (auto next = log_.find(last_committed_ + 1); next != log_.end() && next->second.committed_local;
       next = log_.find(last_committed_ + 1)) {
    const AcceptedPrePrepare& accepted = *next->second.pre_prepare;
    // Committed by its digest before the batch arrived here: execution waits for it.
    if (!accepted.batch) return request_batch(next->first, next->second, out);
    out.committed.push_back(replica::CommittedBatch{next->first, *accepted.batch, accepted.digest});
    last_committed_ = next->first;
  }
}

void PbftCore::on_tick(replica::Actions& out) {
  const HoldSendsUntilPersisted hold(out);
  ++now_;
  if (resend_view_change_after_restart_) {
    resend_view_change_after_restart_ = false;
    if (!view_active_) {
      make_own_view_change();
      retransmit_view_change(out);
    }
  }
  if (view_active_ && request_deadline_ && now_ >= *request_deadline_) {
    ticks_since_retransmit_ = 0;
    return start_view_change(view_ + 1, out);
  }
  if (!view_active_ && view_change_deadline_ && now_ >= *view_change_deadline_) {
    failed_view_changes_ = std::min(failed_view_changes_ + 1, kMaxViewChangeBackoffShift);
    ticks_since_retransmit_ = 0;
    return start_view_change(view_ + 1, out);
  }
  if (++ticks_since_retransmit_ < options_.retransmit_ticks) return;
  ticks_since_retransmit_ = 0;
  if (!view_active_) return retransmit_view_change(out);
  retransmit(out);
}

// Re-sends the same bodies the first sends carried: a replica that already has a message
// ignores it as a duplicate, and one that lost it can move on. Slots that are not committed-local
// here are re-sent every round. Slots that are committed-local here may still be missing messages
// elsewhere, and the sign that the cluster needs them is that nothing moved here for a whole
// round: no new commit and no new stable checkpoint (with one replica silent, the quorum cannot
// go on without the one that lags). Then everything in the window is re-sent, with this
// replica's vote for the stable checkpoint, which a replica that missed it needs to move its own
// window. Without that, one silent replica and one lost COMMIT or CHECKPOINT would leave the
// window stuck for good. Under load nothing extra is sent; an idle cluster re-sends its window
// (at most L slots) once per round. A replica that lags while the others go on needs state
// transfer instead.
void PbftCore::retransmit(replica::Actions& out) {
  const std::pair<Sequence, Sequence> progress{low_watermark_, last_committed_};
  const bool stalled = progress_at_last_retransmit_ == progress;
  progress_at_last_retransmit_ = progress;
  complete_waiting_slots(out);

  for (const auto& [sequence, slot] : log_) {
    if (!slot.pre_prepare || (slot.committed_local && !stalled)) continue;
    const AcceptedPrePrepare& accepted = *slot.pre_prepare;
    if (slot.sent_pre_prepare) broadcast_pre_prepare(replica::Outgoing::kAllReplicas, sequence, accepted, out);
    if (slot.sent_prepare) {
      broadcast(net::MessageKind::pbft_prepare, encode_prepare({accepted.view, sequence, accepted.digest}),
                own_vote(slot.prepares, accepted.view, accepted.digest), out);
    }
    if (slot.sent_commit) {
      broadcast(net::MessageKind::pbft_commit, encode_commit({accepted.view, sequence, accepted.digest}),
                own_vote(slot.commits, accepted.view, accepted.digest), out);
    }
  }
  // Own checkpoints at or below h are discarded when h moves, so any left is not yet stable.
  if (const std::optional<replica::CheckpointMessage> unstable = checkpoints_.latest_own()) {
    const auto own = own_checkpoint_frames_.find(unstable->sequence);
    LOYAL_ASSERT(own != own_checkpoint_frames_.end(), "an own checkpoint is signed when it is recorded");
    broadcast(net::MessageKind::checkpoint, replica::encode_checkpoint(*unstable), own->second, out);
  }
  if (stalled && stable_certificate_ && stable_certificate_->includes_own) {
    const auto own = own_checkpoint_frames_.find(stable_certificate_->sequence);
    if (own != own_checkpoint_frames_.end()) {
      broadcast(net::MessageKind::checkpoint,
                replica::encode_checkpoint({stable_certificate_->sequence, stable_certificate_->state_digest}),
                own->second, out);
    }
  }
}

void PbftCore::on_persisted(std::uint64_t, replica::Actions&) {}

replica::ProtocolStatus PbftCore::status() const {
  std::optional<ReplicaId> leader;
  if (view_active_) leader = primary();
  return replica::ProtocolStatus{view_, leader, last_committed_, low_watermark_};
}

const Slot* PbftCore::slot(Sequence sequence) const {
  const auto it = log_.find(sequence);
  return it == log_.end() ? nullptr : &it->second;
}

bool PbftCore::in_window(Sequence sequence) const {
  return sequence > low_watermark_ && sequence <= high_watermark();
}

void PbftCore::ignore(std::string_view reason) { ++ignored_[reason]; }

bool PbftCore::answered_within_period(const std::map<ReplicaId, replica::Tick>& last, ReplicaId replica) const {
  const auto it = last.find(replica);
  return it != last.end() && now_ < it->second + options_.retransmit_ticks;
}

bool PbftCore::once_per_period(std::map<ReplicaId, replica::Tick>& last, ReplicaId replica) {
  if (answered_within_period(last, replica)) return false;
  last.insert_or_assign(replica, now_);
  return true;
}

Bytes PbftCore::sign(net::MessageKind kind, const Bytes& body) const {
  return net::signed_frame({options_.cluster_id, ProtocolMode::pbft, NodeId::replica(options_.self), kind}, body,
                           signer_);
}

void PbftCore::sign_pre_prepare(Sequence sequence, Slot& slot) const {
  AcceptedPrePrepare& accepted = *slot.pre_prepare;
  LOYAL_ASSERT(accepted.batch.has_value(), "a PRE-PREPARE is signed only with its batch at hand");
  accepted.frame = sign(net::MessageKind::pbft_pre_prepare, encode_pre_prepare({accepted.view, sequence, accepted.digest}));
  slot.sent_pre_prepare = true;
}

void PbftCore::broadcast_pre_prepare(ReplicaId to, Sequence sequence, const AcceptedPrePrepare& accepted,
                                     replica::Actions& out) const {
  LOYAL_ASSERT(!accepted.frame.empty() && accepted.batch.has_value(), "a PRE-PREPARE goes out signed, with its batch");
  out.send.push_back(replica::Outgoing{to, net::MessageKind::pbft_pre_prepare,
                                       encode_pre_prepare({accepted.view, sequence, accepted.digest}), accepted.frame,
                                       *accepted.batch});
}

void PbftCore::broadcast(net::MessageKind kind, Bytes body, Bytes frame, replica::Actions& out) const {
  LOYAL_ASSERT(!frame.empty(), "PBFT sends only frames it signed itself");
  out.send.push_back(replica::Outgoing{replica::Outgoing::kAllReplicas, kind, std::move(body), std::move(frame)});
}

const Bytes& PbftCore::own_vote(const std::map<VoteKey, Votes>& votes, View view, const crypto::Digest& digest) const {
  const auto key = votes.find(VoteKey{view, digest});
  LOYAL_ASSERT(key != votes.end(), "this replica recorded its own vote when it voted");
  const auto own = key->second.find(options_.self);
  LOYAL_ASSERT(own != key->second.end() && !own->second.empty(), "own votes are kept signed");
  return own->second;
}

}  // namespace loyal::pbft
