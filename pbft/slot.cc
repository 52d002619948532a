#include "pbft/slot.h"

#include <utility>

namespace loyal::pbft {

VoteOutcome record_vote(std::map<VoteKey, Votes>& votes, View view, const crypto::Digest& digest, ReplicaId sender,
                        Bytes frame) {
  // Keys are ordered by view first, so this visits only `view`'s digests: at most n of them.
  for (auto it = votes.lower_bound(VoteKey{view, {}}); it != votes.end() && it->first.view == view; ++it) {
    if (it->second.contains(sender)) {
      return it->first.digest == digest ? VoteOutcome::duplicate : VoteOutcome::conflicting;
    }
  }
  votes[VoteKey{view, digest}].emplace(sender, std::move(frame));
  return VoteOutcome::recorded;
}

const Bytes* vote_frame(const std::map<VoteKey, Votes>& votes, View view, ReplicaId sender) {
  for (auto it = votes.lower_bound(VoteKey{view, {}}); it != votes.end() && it->first.view == view; ++it) {
    if (const auto found = it->second.find(sender); found != it->second.end()) return &found->second;
  }
  return nullptr;
}

std::optional<crypto::Digest> vote_digest(const std::map<VoteKey, Votes>& votes, View view, ReplicaId sender) {
  for (auto it = votes.lower_bound(VoteKey{view, {}}); it != votes.end() && it->first.view == view; ++it) {
    if (it->second.contains(sender)) return it->first.digest;
  }
  return std::nullopt;
}

namespace {

std::uint32_t count_votes(const std::map<VoteKey, Votes>& votes, View view, const crypto::Digest& digest,
                          std::optional<ReplicaId> excluded) {
  const auto it = votes.find(VoteKey{view, digest});
  if (it == votes.end()) return 0;
  std::uint32_t count = 0;
  for (const auto& [sender, frame] : it->second) {
    if (sender != excluded) ++count;
  }
  return count;
}

}  // namespace

bool prepared(const Slot& slot, View view, const crypto::Digest& digest, std::uint32_t quorum, ReplicaId primary) {
  if (!slot.pre_prepare || slot.pre_prepare->view != view || slot.pre_prepare->digest != digest) return false;
  return count_votes(slot.prepares, view, digest, primary) + 1 >= quorum;
}

bool committed_local(const Slot& slot, View view, const crypto::Digest& digest, std::uint32_t quorum,
                     ReplicaId primary) {
  return prepared(slot, view, digest, quorum, primary) &&
         count_votes(slot.commits, view, digest, std::nullopt) >= quorum;
}

}  // namespace loyal::pbft
