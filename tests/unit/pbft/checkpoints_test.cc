#include "pbft/checkpoints.h"

#include <gtest/gtest.h>

#include "pbft/drop_reasons.h"
#include "pbft/options.h"

namespace loyal::pbft {
namespace {

// Replica 1 of n = 4, f = 1: stable at 2f+1 = 3 matching votes, its own included.
constexpr ReplicaId kSelf = 1;
constexpr std::uint32_t kVotesPerReplica = 3;

const crypto::Digest kState = crypto::sha256(as_bytes("state"));
const crypto::Digest kOtherState = crypto::sha256(as_bytes("other state"));

Bytes frame_of(ReplicaId sender) { return to_bytes("checkpoint frame from " + std::to_string(sender)); }

class CheckpointsTest : public ::testing::Test {
 protected:
  std::optional<std::string_view> vote(ReplicaId sender, Sequence sequence, const crypto::Digest& digest = kState) {
    return checkpoints_.record(sender, sequence, digest, frame_of(sender));
  }
  Checkpoints checkpoints_{kSelf, quorum_size(4, 1), kVotesPerReplica};
};

TEST_F(CheckpointsTest, StableAtExactlyTwoFPlusOneMatchingVotesOwnIncluded) {
  checkpoints_.record_own(4, kState);
  EXPECT_EQ(vote(0, 4), std::nullopt);
  EXPECT_FALSE(checkpoints_.stable_certificate(4)) << "2f votes are not enough";
  EXPECT_EQ(vote(3, 4), std::nullopt);
  const auto certificate = checkpoints_.stable_certificate(4);
  ASSERT_TRUE(certificate);
  EXPECT_EQ(certificate->sequence, 4u);
  EXPECT_EQ(certificate->state_digest, kState);
  EXPECT_TRUE(certificate->includes_own);
  EXPECT_EQ(certificate->signers, (std::vector<ReplicaId>{0, 3}));
  EXPECT_EQ(certificate->frames, (std::vector<Bytes>{frame_of(0), frame_of(3)}));
}

TEST_F(CheckpointsTest, StableWithoutThisReplicaWhenTwoFPlusOneOthersMatch) {
  vote(0, 8);
  vote(2, 8);
  EXPECT_FALSE(checkpoints_.stable_certificate(8));
  vote(3, 8);
  const auto certificate = checkpoints_.stable_certificate(8);
  ASSERT_TRUE(certificate);
  EXPECT_FALSE(certificate->includes_own);
  EXPECT_EQ(certificate->signers, (std::vector<ReplicaId>{0, 2, 3}));
}

TEST_F(CheckpointsTest, MismatchedDigestsDoNotCombine) {
  checkpoints_.record_own(4, kState);
  vote(0, 4, kOtherState);
  vote(2, 4);
  EXPECT_FALSE(checkpoints_.stable_certificate(4));
  vote(3, 4, kOtherState);
  EXPECT_FALSE(checkpoints_.stable_certificate(4)) << "two votes each way";
}

TEST_F(CheckpointsTest, OwnCheckpointWithAnotherDigestDoesNotCount) {
  checkpoints_.record_own(4, kOtherState);
  vote(0, 4);
  vote(2, 4);
  EXPECT_FALSE(checkpoints_.stable_certificate(4));
  vote(3, 4);
  const auto certificate = checkpoints_.stable_certificate(4);
  ASSERT_TRUE(certificate);
  EXPECT_EQ(certificate->state_digest, kState);
  EXPECT_FALSE(certificate->includes_own);
}

TEST_F(CheckpointsTest, ARepeatedVoteCountsOnceAndAChangedOneIsRefused) {
  checkpoints_.record_own(4, kState);
  EXPECT_EQ(vote(0, 4), std::nullopt);
  EXPECT_EQ(vote(0, 4), reason::kDuplicateCheckpoint);
  EXPECT_EQ(vote(0, 4, kOtherState), reason::kConflictingCheckpoint);
  EXPECT_FALSE(checkpoints_.stable_certificate(4));
}

TEST_F(CheckpointsTest, EachReplicaHoldsABoundedNumberOfVotesAndNewerOnesWin) {
  for (Sequence sequence : {4, 8, 12}) EXPECT_EQ(vote(0, sequence), std::nullopt);
  EXPECT_EQ(vote(0, 16), std::nullopt) << "replaces replica 0's oldest vote, at 4";
  EXPECT_EQ(vote(0, 4), reason::kCheckpointSuperseded);
  checkpoints_.record_own(4, kState);
  vote(2, 4);
  EXPECT_FALSE(checkpoints_.stable_certificate(4)) << "replica 0's vote at 4 is gone";
  checkpoints_.record_own(16, kState);
  vote(2, 16);
  EXPECT_TRUE(checkpoints_.stable_certificate(16));
}

TEST_F(CheckpointsTest, DiscardThroughForgetsVotesAndOwnCheckpointsUpToTheWatermark) {
  checkpoints_.record_own(4, kState);
  checkpoints_.record_own(8, kState);
  vote(0, 4);
  vote(0, 8);
  checkpoints_.discard_through(4);
  EXPECT_FALSE(checkpoints_.own(4));
  EXPECT_EQ(checkpoints_.own(8), kState);
  EXPECT_EQ(checkpoints_.latest_own(), (replica::CheckpointMessage{8, kState}));
  EXPECT_EQ(vote(0, 12), std::nullopt);
  EXPECT_EQ(vote(0, 16), std::nullopt) << "the discarded vote freed its place";
  EXPECT_EQ(vote(0, 20), std::nullopt);
  EXPECT_EQ(vote(0, 8), reason::kCheckpointSuperseded) << "8 was the oldest and made room for 20";
}

}  // namespace
}  // namespace loyal::pbft
