#include "pbft/checkpoints.h"

#include <utility>

#include "common/assert.h"
#include "pbft/drop_reasons.h"

namespace loyal::pbft {

Checkpoints::Checkpoints(ReplicaId self, std::uint32_t quorum, std::uint32_t max_votes_per_replica)
    : self_(self), quorum_(quorum), max_votes_per_replica_(max_votes_per_replica) {
  LOYAL_ASSERT(quorum_ > 0 && max_votes_per_replica_ > 0, "checkpoint limits are positive");
}

void Checkpoints::record_own(Sequence sequence, const crypto::Digest& state_digest) {
  own_[sequence] = state_digest;
}

std::optional<crypto::Digest> Checkpoints::own(Sequence sequence) const {
  const auto it = own_.find(sequence);
  if (it == own_.end()) return std::nullopt;
  return it->second;
}

std::optional<replica::CheckpointMessage> Checkpoints::latest_own() const {
  if (own_.empty()) return std::nullopt;
  return replica::CheckpointMessage{own_.rbegin()->first, own_.rbegin()->second};
}

std::optional<std::string_view> Checkpoints::record(ReplicaId sender, Sequence sequence,
                                                    const crypto::Digest& state_digest, Bytes frame) {
  LOYAL_ASSERT(sender != self_, "own checkpoints are recorded with record_own");
  if (const auto at_sequence = votes_.find(sequence); at_sequence != votes_.end()) {
    if (const auto it = at_sequence->second.find(sender); it != at_sequence->second.end()) {
      return it->second.state_digest == state_digest ? reason::kDuplicateCheckpoint
                                                      : reason::kConflictingCheckpoint;
    }
  }
  std::set<Sequence>& sequences = sequences_by_sender_[sender];
  if (sequences.size() >= max_votes_per_replica_) {
    // A replica's checkpoints only move forward, so its oldest vote is the least useful one.
    if (sequence < *sequences.begin()) return reason::kCheckpointSuperseded;
    forget_vote(sender, *sequences.begin());
  }
  sequences.insert(sequence);
  votes_[sequence].emplace(sender, Vote{state_digest, std::move(frame)});
  return std::nullopt;
}

void Checkpoints::forget_vote(ReplicaId sender, Sequence sequence) {
  sequences_by_sender_[sender].erase(sequence);
  const auto it = votes_.find(sequence);
  if (it == votes_.end()) return;
  it->second.erase(sender);
  if (it->second.empty()) votes_.erase(it);
}

std::optional<CheckpointCertificate> Checkpoints::stable_certificate(Sequence sequence) const {
  return first_matching(sequence, quorum_, /*count_own=*/true);
}

std::optional<CheckpointCertificate> Checkpoints::matching_votes(Sequence sequence, std::uint32_t others) const {
  return first_matching(sequence, others, /*count_own=*/false);
}

std::optional<CheckpointCertificate> Checkpoints::first_matching(Sequence sequence, std::uint32_t needed,
                                                                 bool count_own) const {
  const auto at_sequence = votes_.find(sequence);
  if (at_sequence == votes_.end()) return std::nullopt;
  const std::optional<crypto::Digest> own_digest = count_own ? own(sequence) : std::nullopt;
  // Digests in order, so the outcome never depends on arrival order. Two digests can both reach
  // a quorum only with more than f faulty replicas.
  std::map<crypto::Digest, std::uint32_t> matching;
  for (const auto& [sender, vote] : at_sequence->second) ++matching[vote.state_digest];
  for (const auto& [digest, others] : matching) {
    const bool includes_own = own_digest == digest;
    if (others + (includes_own ? 1 : 0) < needed) continue;
    CheckpointCertificate certificate{sequence, digest, {}, {}, includes_own};
    for (const auto& [sender, vote] : at_sequence->second) {
      if (vote.state_digest != digest) continue;
      certificate.signers.push_back(sender);
      certificate.frames.push_back(vote.frame);
    }
    return certificate;
  }
  return std::nullopt;
}

void Checkpoints::discard_through(Sequence sequence) {
  while (!votes_.empty() && votes_.begin()->first <= sequence) {
    const auto oldest = votes_.begin();
    for (const auto& [sender, vote] : oldest->second) sequences_by_sender_[sender].erase(oldest->first);
    votes_.erase(oldest);
  }
  own_.erase(own_.begin(), own_.upper_bound(sequence));
}

}  // namespace loyal::pbft
