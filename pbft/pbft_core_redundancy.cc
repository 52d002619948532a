// Which peer messages the core would ignore whatever their signature, so that the pipeline can
// drop them before paying for the check (Protocol::redundant). Under load most of a replica's
// signature checks are votes it no longer needs: with n = 4 a slot is prepared after one other
// backup's PREPARE and committed-local after two other COMMITs, yet three of each arrive, and
// retransmissions repeat what already counted. Each rule below mirrors an early return of
// on_pre_prepare / on_prepare / on_commit that comes before anything is recorded, or a vote that
// would be recorded but can no longer change a predicate. A vote that conflicts with one the
// sender already cast is never redundant: it is equivocation evidence and must be verified.

#include <variant>

#include <algorithm>

#include "pbft/drop_reasons.h"
#include "pbft/view_change.h"
#include "pbft/pbft_core.h"

namespace loyal::pbft {

namespace {

// The (view, sequence, digest) a PREPARE or COMMIT carries; nullopt when the body does not decode
// (the validator reports that after the authenticator check, as for any malformed message).
struct VoteFields {
  View view = 0;
  Sequence sequence = 0;
  crypto::Digest digest;
};

std::optional<VoteFields> vote_fields(const net::Envelope& envelope, const net::DecodeLimits& limits) {
  if (envelope.header.kind == net::MessageKind::pbft_prepare) {
    const auto decoded = decode_prepare(envelope.body, limits);
    if (const auto* prepare = std::get_if<Prepare>(&decoded)) {
      return VoteFields{prepare->view, prepare->sequence, prepare->batch_digest};
    }
  } else {
    const auto decoded = decode_commit(envelope.body, limits);
    if (const auto* commit = std::get_if<Commit>(&decoded)) {
      return VoteFields{commit->view, commit->sequence, commit->batch_digest};
    }
  }
  return std::nullopt;
}

}  // namespace

// A VIEW-CHANGE carries up to L prepared certificates and a NEW-VIEW a quorum of VIEW-CHANGEs: up
// to thousands of signatures. One for a view this replica has left, or older than what the sender
// already sent, changes nothing here, and a re-sent one is checked only where the answer is a
// NEW-VIEW (this replica installed a view the sender has not seen installed).
bool PbftCore::redundant_view_message(const net::Envelope& envelope) const {
  const auto skip = [this](std::string_view reason) {
    ++ignored_[reason];
    return true;
  };
  const std::uint32_t max_list = std::max(options_.replica_count, options_.window);
  if (envelope.header.kind == net::MessageKind::pbft_new_view) {
    const auto decoded = decode_new_view(envelope.body, options_.limits, max_list);
    const auto* new_view = std::get_if<NewView>(&decoded);
    if (new_view == nullptr) return false;
    return (new_view->view < view_ || (new_view->view == view_ && view_active_)) && skip(reason::kStaleNewView);
  }
  const auto decoded = decode_view_change(envelope.body, options_.limits, max_list);
  const auto* view_change = std::get_if<ViewChange>(&decoded);
  if (view_change == nullptr) return false;
  // Answered with the NEW-VIEW, unless this sender got it within the retransmission period.
  const bool answered_with_new_view = view_active_ && !new_view_frame_.empty() &&
                                      !answered_within_period(new_view_resent_at_, envelope.header.sender.index);
  if (view_change->view < view_ || (view_change->view == view_ && view_active_)) {
    return !answered_with_new_view && skip(reason::kStaleViewChange);
  }
  const auto known = view_changes_.find(envelope.header.sender.index);
  return known != view_changes_.end() && known->second.view >= view_change->view && skip(reason::kStaleViewChange);
}

bool PbftCore::redundant(const net::Envelope& envelope) const {
  const net::MessageKind kind = envelope.header.kind;
  if (envelope.header.sender.index == options_.self) return false;  // on_message's own reason, once verified
  if (kind == net::MessageKind::pbft_view_change || kind == net::MessageKind::pbft_new_view) {
    return redundant_view_message(envelope);
  }
  const bool vote = kind == net::MessageKind::pbft_prepare || kind == net::MessageKind::pbft_commit;
  if (!vote && kind != net::MessageKind::pbft_pre_prepare) return false;
  const auto skip = [this](std::string_view reason) {
    ++ignored_[reason];
    return true;
  };
  // A message of a higher view is verified: it may tell a replica left behind to catch up
  // (note_higher_view). Otherwise, as on_message: a replica changing views takes no part in the
  // normal case until the NEW-VIEW, and other views' messages do not count.
  if (!vote) {
    const auto decoded = decode_pre_prepare(envelope.body, options_.limits);
    const auto* pre_prepare = std::get_if<PrePrepare>(&decoded);
    if (pre_prepare == nullptr || pre_prepare->view > view_) return false;
    if (!view_active_) return skip(reason::kInViewChange);
    if (pre_prepare->view != view_) return skip(reason::kWrongView);
    // At or below h it is answered with the stable checkpoint's proof (send_stable_proof).
    if (pre_prepare->sequence <= low_watermark_) return false;
    if (!in_window(pre_prepare->sequence)) return skip(reason::kPrePrepareOutsideWindow);
    const auto slot = log_.find(pre_prepare->sequence);
    // A retransmission of the PRE-PREPARE this replica already accepted and prepared on; for a
    // slot committed-local here it is answered (help_lagging), so it is verified first.
    const bool again = slot != log_.end() && slot->second.pre_prepare && slot->second.pre_prepare->view == view_ &&
                       slot->second.pre_prepare->digest == pre_prepare->batch_digest &&
                       (!slot->second.pre_prepare->frame.empty() || slot->second.sent_prepare);
    return again && !slot->second.committed_local && skip(reason::kDuplicatePrePrepare);
  }

  const bool prepare = kind == net::MessageKind::pbft_prepare;
  const std::optional<VoteFields> fields = vote_fields(envelope, options_.limits);
  if (!fields || fields->view > view_) return false;
  if (!view_active_) return skip(reason::kInViewChange);
  if (fields->view != view_) return skip(reason::kWrongView);
  if (fields->sequence <= low_watermark_) return false;  // answered (send_stable_proof)
  if (!in_window(fields->sequence)) return skip(prepare ? reason::kPrepareOutsideWindow : reason::kCommitOutsideWindow);
  const auto found = log_.find(fields->sequence);
  if (found == log_.end()) return false;
  const Slot& slot = found->second;
  // One vote per sender per view: the same digest again is a duplicate, another one is evidence.
  // A duplicate for a slot committed-local here is a retransmission from a replica that has not
  // committed it: on_message answers it (PbftCore::help_lagging), so it is verified first.
  if (const std::optional<crypto::Digest> earlier =
          vote_digest(prepare ? slot.prepares : slot.commits, view_, envelope.header.sender.index)) {
    if (*earlier == fields->digest && slot.committed_local) return false;
    return *earlier == fields->digest && skip(prepare ? reason::kDuplicatePrepare : reason::kDuplicateCommit);
  }
  // A first vote from this sender, for the batch the slot already holds with enough votes.
  const ReplicaId view_primary = primary();
  if (committed_local(slot, view_, fields->digest, quorum_, view_primary)) return skip(reason::kVoteAfterCommittedLocal);
  return prepare && prepared(slot, view_, fields->digest, quorum_, view_primary) &&
         skip(reason::kPrepareAfterPrepared);
}

}  // namespace loyal::pbft
