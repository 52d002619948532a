// PbftCore's view change (Castro & Liskov, TOCS 2002, §4.4 with signatures): request timers,
// VIEW-CHANGE, NEW-VIEW, joining a higher view, and this replica's own signed frames.

#include <algorithm>
#include <utility>

#include "common/assert.h"
#include "pbft/drop_reasons.h"
#include "pbft/new_view.h"
#include "pbft/pbft_core.h"

namespace loyal::pbft {

namespace {

ViewChange to_wire(const CheckedViewChange& checked) {
  ViewChange view_change{checked.view, checked.stable_sequence, checked.checkpoint_proof, {}};
  for (const CheckedCertificate& certificate : checked.certificates) view_change.prepared.push_back(certificate.frames);
  return view_change;
}

}  // namespace

replica::Tick PbftCore::view_change_timeout() const {
  return options_.view_change_timeout_ticks << failed_view_changes_;
}

// ---- request timers -----------------------------------------------------------------------

void PbftCore::on_request_pending(ClientId client, std::uint64_t request_number, replica::Actions&) {
  auto [it, inserted] = pending_requests_.try_emplace(client, request_number);
  if (!inserted) it->second = std::max(it->second, request_number);
  start_request_timer();
}

void PbftCore::on_request_executed(ClientId client, std::uint64_t request_number, replica::Actions&) {
  const auto it = pending_requests_.find(client);
  if (it != pending_requests_.end() && it->second <= request_number) pending_requests_.erase(it);
  // The primary is making progress: give the requests still pending a whole timeout again, and
  // the next views no longer need the longer ones.
  views_without_execution_ = 0;
  request_deadline_.reset();
  start_request_timer();
}

// Only in a view that is running. The primary runs the timer too: a primary whose proposals stop
// committing (a backup it needs has moved on to a view change alone, say) cannot tell that apart
// from being suspected, and the backups that already executed what their clients retransmit have
// nothing pending to suspect it with; its own VIEW-CHANGE is what brings the others along.
void PbftCore::start_request_timer() {
  if (!view_active_ || request_deadline_ || pending_requests_.empty()) return;
  // Doubled for every view that began and executed nothing (Castro & Liskov's 2T rule): a new view
  // needs time for its NEW-VIEW to reach everyone and its first batch to commit, which on a loaded
  // machine can take longer than the timeout, and a fixed timeout would then move on for ever.
  request_deadline_ = now_ + (options_.request_timeout_ticks << views_without_execution_);
}

// ---- view change --------------------------------------------------------------------------

void PbftCore::start_view_change(View view, replica::Actions& out) {
  LOYAL_ASSERT(view > view_, "views only move forward");
  view_ = view;
  view_active_ = false;
  views_without_execution_ = std::min(views_without_execution_ + 1, kMaxViewChangeBackoffShift);
  persist_view(out);
  request_deadline_.reset();
  view_change_deadline_.reset();
  new_view_body_.clear();
  new_view_frame_.clear();
  new_view_resent_at_.clear();
  make_own_view_change();
  for (auto it = view_changes_.begin(); it != view_changes_.end();) {
    it = it->second.view < view_ ? view_changes_.erase(it) : std::next(it);
  }
  retransmit_view_change(out);
  check_view_change_quorum(out);
}

std::vector<Bytes> PbftCore::checkpoint_proof() const {
  if (low_watermark_ == 0 || !stable_certificate_) return {};
  std::vector<Bytes> proof = stable_certificate_->frames;
  const auto own = own_checkpoint_frames_.find(low_watermark_);
  if (stable_certificate_->includes_own && own != own_checkpoint_frames_.end()) proof.push_back(own->second);
  return proof;
}

void PbftCore::make_own_view_change() {
  CheckedViewChange own;
  own.sender = options_.self;
  own.view = view_;
  own.stable_sequence = low_watermark_;
  if (stable_certificate_ && low_watermark_ > 0) {
    own.stable_digest = stable_certificate_->state_digest;
    own.checkpoint_signers = stable_certificate_->signers;
    if (stable_certificate_->includes_own && own_checkpoint_frames_.contains(low_watermark_)) {
      own.checkpoint_signers.push_back(options_.self);
    }
  }
  own.checkpoint_proof = checkpoint_proof();
  for (const auto& [sequence, slot] : log_) {
    if (sequence <= low_watermark_ || !slot.last_prepared) continue;
    const PreparedRecord& record = *slot.last_prepared;
    LOYAL_ASSERT(!record.pre_prepare_frame.empty(), "a replica prepares only with the primary's signed PRE-PREPARE");
    const ReplicaId primary = primary_of(record.view, options_.replica_count);
    PreparedCertificateFrames frames{record.pre_prepare_frame, {}};
    if (const auto votes = slot.prepares.find(VoteKey{record.view, record.digest}); votes != slot.prepares.end()) {
      for (const auto& [sender, frame] : votes->second) {
        if (frames.prepares.size() + 1 >= quorum_) break;
        if (sender != primary && !frame.empty()) frames.prepares.push_back(frame);
      }
    }
    LOYAL_ASSERT(frames.prepares.size() + 1 >= quorum_, "a prepared record keeps the PREPAREs that prepared it");
    own.certificates.push_back(CheckedCertificate{record.view, sequence, record.digest, std::move(frames)});
  }
  own_view_change_body_ = encode_view_change(to_wire(own));
  own.frame = sign(net::MessageKind::pbft_view_change, own_view_change_body_);
  own_view_change_ = std::move(own);
}

void PbftCore::on_view_change(const ViewChangeMessage& message, replica::Actions& out) {
  const CheckedViewChange& view_change = message.view_change();
  if (view_change.view < view_ || (view_change.view == view_ && view_active_)) {
    // The sender has not seen the NEW-VIEW of the view this replica is in: it may have been lost.
    // Any replica that installed the view passes on the primary's signed NEW-VIEW, as it was sent.
    if (view_active_ && !new_view_frame_.empty()) {
      if (once_per_period(new_view_resent_at_, view_change.sender)) {
        out.send.push_back(
            replica::Outgoing{view_change.sender, net::MessageKind::pbft_new_view, new_view_body_, new_view_frame_});
      }
    }
    return ignore(reason::kStaleViewChange);
  }
  const auto known = view_changes_.find(view_change.sender);
  if (known != view_changes_.end() && known->second.view >= view_change.view) {
    return ignore(reason::kStaleViewChange);
  }
  complete_stable_proof(view_change.stable_sequence, view_change.stable_digest, view_change.checkpoint_signers,
                        view_change.checkpoint_proof, out);
  view_changes_.insert_or_assign(view_change.sender, view_change);
  join_higher_view(out);
  check_view_change_quorum(out);
}

// f+1 replicas asking for views above this replica's include a correct one, so this replica
// joins the smallest of those views instead of waiting for its own timer.
void PbftCore::join_higher_view(replica::Actions& out) {
  std::vector<View> higher;
  for (const auto& [sender, view_change] : view_changes_) {
    if (view_change.view > view_) higher.push_back(view_change.view);
  }
  if (higher.size() < options_.max_faulty + 1) return;
  start_view_change(*std::min_element(higher.begin(), higher.end()), out);
}

void PbftCore::check_view_change_quorum(replica::Actions& out) {
  if (view_active_) return;
  std::vector<const CheckedViewChange*> for_view;  // in replica order, this replica's in place
  for (ReplicaId replica = 0; replica < options_.replica_count; ++replica) {
    if (replica == options_.self) {
      for_view.push_back(&own_view_change_);
      continue;
    }
    const auto it = view_changes_.find(replica);
    if (it != view_changes_.end() && it->second.view == view_) for_view.push_back(&it->second);
  }
  if (for_view.size() < quorum_) return;
  // Paper: the timer for the new view starts once a quorum asks for it, so a lone replica whose
  // request timer fired does not race through views on its own.
  if (!view_change_deadline_) view_change_deadline_ = now_ + view_change_timeout();
  if (options_.self != primary()) return;

  std::vector<CheckedViewChange> chosen;
  for (const CheckedViewChange* view_change : for_view) {
    LOYAL_ASSERT(!view_change->frame.empty(), "VIEW-CHANGEs are kept signed, this replica's own included");
    if (chosen.size() < quorum_) chosen.push_back(*view_change);
  }
  const NewViewPlan plan = plan_new_view(view_, chosen);
  NewView new_view{view_, {}, encode_pre_prepares(plan)};
  for (const CheckedViewChange& view_change : chosen) new_view.view_changes.push_back(view_change.frame);
  Bytes body = encode_new_view(new_view);
  Bytes frame = sign(net::MessageKind::pbft_new_view, body);
  broadcast(net::MessageKind::pbft_new_view, body, frame, out);
  install_view(view_, plan, out);
  new_view_body_ = std::move(body);
  new_view_frame_ = std::move(frame);
}

void PbftCore::on_new_view(const NewViewMessage& message, replica::Actions& out) {
  if (message.view() < view_ || (message.view() == view_ && view_active_)) return ignore(reason::kStaleNewView);
  install_view(message.view(), message.plan(), out);
  // Kept to pass on to a replica that missed it (on_view_change): the primary may have restarted
  // since, and a restarted primary no longer holds it.
  new_view_body_ = message.body();
  new_view_frame_ = message.frame();
}

void PbftCore::install_view(View view, const NewViewPlan& plan, replica::Actions& out) {
  view_ = view;
  view_active_ = true;
  persist_view(out);
  view_change_deadline_.reset();
  failed_view_changes_ = 0;
  own_view_change_ = CheckedViewChange{};
  own_view_change_body_.clear();
  for (auto it = view_changes_.begin(); it != view_changes_.end();) {
    it = it->second.view <= view_ ? view_changes_.erase(it) : std::next(it);
  }
  adopt_checkpoint(plan, out);

  // Nothing above max-s prepared at a quorum, so nothing there committed anywhere.
  log_.erase(log_.upper_bound(std::max(plan.max_s, low_watermark_)), log_.end());
  const bool is_primary = options_.self == primary();
  for (const PrePrepare& pre_prepare : plan.pre_prepares) {
    if (!in_window(pre_prepare.sequence)) continue;
    Slot& slot = log_[pre_prepare.sequence];
    // A batch committed here is the one a quorum prepared, so O names it again; anything else
    // would take more than f faulty replicas.
    if (slot.committed_local && slot.pre_prepare && slot.pre_prepare->digest != pre_prepare.batch_digest) continue;
    // The NEW-VIEW names digests only; the batch is here if this replica accepted it before.
    slot.pre_prepare = AcceptedPrePrepare{view, pre_prepare.batch_digest, held_batch(slot, pre_prepare.batch_digest), {}};
    slot.sent_pre_prepare = false;
    slot.sent_prepare = false;
    slot.sent_commit = false;
    // Votes of older views are no longer needed, except those backing the prepared record.
    const bool has_record = slot.last_prepared.has_value();
    const View record_view = has_record ? slot.last_prepared->view : 0;
    for (auto it = slot.prepares.begin(); it != slot.prepares.end();) {
      const bool keep = it->first.view == view || (has_record && it->first.view == record_view);
      it = keep ? std::next(it) : slot.prepares.erase(it);
    }
    for (auto it = slot.commits.begin(); it != slot.commits.end();) {
      it = it->first.view == view ? std::next(it) : slot.commits.erase(it);
    }
    // Persisted at a backup too: restarted before the new primary's PRE-PREPARE arrives, it must
    // still accept nothing but this batch here. The new primary sends the PRE-PREPARE now if it
    // holds the batch, else once a batch request brings it (on_batch_reply): f+1 correct replicas
    // that prepared it keep it.
    record_and_issue(pre_prepare.sequence, slot, out);
    if (is_primary && !slot.pre_prepare->batch) request_batch(pre_prepare.sequence, slot, out);
  }
  last_assigned_ = std::max(plan.max_s, low_watermark_);
  request_deadline_.reset();
  start_request_timer();
  ticks_since_retransmit_ = 0;
  progress_at_last_retransmit_.reset();
}

// The new view starts at min-s. A replica that has that checkpoint makes it stable; one that does
// not fetch it.
void PbftCore::adopt_checkpoint(const NewViewPlan& plan, replica::Actions& out) {
  complete_stable_proof(plan.min_s, plan.min_s_digest, plan.checkpoint_signers, plan.checkpoint_proof, out);
  if (plan.min_s <= low_watermark_) return;
  CheckpointCertificate certificate{plan.min_s, plan.min_s_digest, {}, {}, false};
  for (std::size_t i = 0; i < plan.checkpoint_signers.size(); ++i) {
    if (plan.checkpoint_signers[i] == options_.self) {
      own_checkpoint_frames_.try_emplace(plan.min_s, plan.checkpoint_proof[i]);
      continue;
    }
    certificate.signers.push_back(plan.checkpoint_signers[i]);
    certificate.frames.push_back(plan.checkpoint_proof[i]);
  }
  certificate.includes_own = checkpoints_.own(plan.min_s) == plan.min_s_digest;
  if (certificate.includes_own && last_committed_ >= plan.min_s) {
    return advance_low_watermark(std::move(certificate), out);
  }
  request_state(certificate, out);
}

void PbftCore::retransmit_view_change(replica::Actions& out) {
  broadcast(net::MessageKind::pbft_view_change, own_view_change_body_, own_view_change_.frame, out);
}

void PbftCore::note_equivocation(ReplicaId sender, net::MessageKind kind, View view, Sequence sequence,
                                 const Bytes* first, const Bytes& second) {
  if (first != nullptr) equivocations_.record(sender, kind, view, sequence, *first, second);
}

}  // namespace loyal::pbft
