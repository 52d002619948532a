#pragma once
// CHECKPOINT votes and the stability rule: a checkpoint is stable once a quorum of replicas (2f+1
// when n = 3f+1), this one included, signed CHECKPOINTs with the same sequence number and state
// digest. The signed frames of the others are the certificate's proof; a VIEW-CHANGE carries it,
// and a lagging replica fetches state from its signers.
//
// Votes above the window are kept too, because they are how a replica learns that it lags. Memory
// stays bounded per sender instead: each replica's votes fill at most `max_votes_per_replica`
// places, and a newer vote replaces its sender's oldest, so a faulty replica can only crowd out
// its own votes.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/ids.h"
#include "crypto/digest.h"
#include "pbft/messages.h"
#include "replica/request.h"

namespace loyal::pbft {

// The most votes kept per replica. A vote beyond this replaces the sender's oldest one, which only
// matters for a sender that is far ahead, and then its newest vote is the one worth keeping.
inline constexpr std::uint32_t kMaxCheckpointVotesPerReplica = 64;

struct CheckpointCertificate {
  Sequence sequence = 0;
  crypto::Digest state_digest;
  std::vector<ReplicaId> signers;  // the other replicas whose votes match, ascending
  std::vector<Bytes> frames;       // their signed CHECKPOINTs, in the order of `signers`
  bool includes_own = false;       // whether this replica's own checkpoint matches too
};

class Checkpoints {
 public:
  Checkpoints(ReplicaId self, std::uint32_t quorum, std::uint32_t max_votes_per_replica);

  // This replica executed up to `sequence` and its state there has `state_digest`.
  void record_own(Sequence sequence, const crypto::Digest& state_digest);
  std::optional<crypto::Digest> own(Sequence sequence) const;
  // This replica's most recent checkpoint still held here, if any.
  std::optional<replica::CheckpointMessage> latest_own() const;

  // Records another replica's signed CHECKPOINT. Nullopt when recorded, else why it was ignored.
  std::optional<std::string_view> record(ReplicaId sender, Sequence sequence,
                                         const crypto::Digest& state_digest, Bytes frame);

  // The stable certificate at `sequence`, if a quorum of matching votes exists there.
  std::optional<CheckpointCertificate> stable_certificate(Sequence sequence) const;
  // Matching votes of at least `others` other replicas at `sequence` (this replica's own not
  // counted, includes_own false), if any: with others = f+1, a correct replica's digest.
  std::optional<CheckpointCertificate> matching_votes(Sequence sequence, std::uint32_t others) const;

  // Forgets votes and own checkpoints at or below `sequence`, once it is the low watermark (its
  // proof has been kept elsewhere).
  void discard_through(Sequence sequence);

 private:
  // The first digest (in digest order) at `sequence` with `needed` matching votes, this replica's
  // own counted when `count_own`.
  std::optional<CheckpointCertificate> first_matching(Sequence sequence, std::uint32_t needed, bool count_own) const;
  struct Vote {
    crypto::Digest state_digest;
    Bytes frame;
  };
  void forget_vote(ReplicaId sender, Sequence sequence);

  ReplicaId self_;
  std::uint32_t quorum_;
  std::uint32_t max_votes_per_replica_;
  std::map<Sequence, std::map<ReplicaId, Vote>> votes_;
  std::map<ReplicaId, std::set<Sequence>> sequences_by_sender_;
  std::map<Sequence, crypto::Digest> own_;
};

}  // namespace loyal::pbft
