#include "pbft/slot.h"

#include <gtest/gtest.h>

#include "pbft/options.h"

namespace loyal::pbft {
namespace {

// n = 4, f = 1, view 0: the primary is replica 0; prepared needs 2f = 2 backup PREPAREs,
// committed-local 2f+1 = 3 COMMITs.
constexpr std::uint32_t kQuorum = quorum_size(4, 1);
constexpr ReplicaId kPrimary = 0;
constexpr View kView = 0;

const crypto::Digest kDigest = crypto::sha256(as_bytes("batch"));
const crypto::Digest kOtherDigest = crypto::sha256(as_bytes("another batch"));

Slot slot_with_pre_prepare() {
  Slot slot;
  slot.pre_prepare = AcceptedPrePrepare{kView, kDigest, to_bytes("batch"), to_bytes("frame")};
  return slot;
}

void add_prepare(Slot& slot, ReplicaId sender, const crypto::Digest& digest = kDigest) {
  record_vote(slot.prepares, kView, digest, sender, to_bytes("prepare frame"));
}

void add_commit(Slot& slot, ReplicaId sender, const crypto::Digest& digest = kDigest) {
  record_vote(slot.commits, kView, digest, sender, to_bytes("commit frame"));
}

TEST(Prepared, NeedsThePrePrepareAndTwoFMatchingPreparesFromDistinctBackups) {
  Slot slot = slot_with_pre_prepare();
  add_prepare(slot, 1);
  EXPECT_FALSE(prepared(slot, kView, kDigest, kQuorum, kPrimary)) << "2f-1 prepares are not enough";
  add_prepare(slot, 2);
  EXPECT_TRUE(prepared(slot, kView, kDigest, kQuorum, kPrimary));
}

TEST(Prepared, PreparesWithoutThePrePrepareAreNotEnough) {
  Slot slot;
  add_prepare(slot, 1);
  add_prepare(slot, 2);
  add_prepare(slot, 3);
  EXPECT_FALSE(prepared(slot, kView, kDigest, kQuorum, kPrimary));
}

TEST(Prepared, PreparesForAnotherDigestDoNotCount) {
  Slot slot = slot_with_pre_prepare();
  add_prepare(slot, 1);
  add_prepare(slot, 2, kOtherDigest);
  add_prepare(slot, 3, kOtherDigest);
  EXPECT_FALSE(prepared(slot, kView, kDigest, kQuorum, kPrimary));
  EXPECT_FALSE(prepared(slot, kView, kOtherDigest, kQuorum, kPrimary)) << "no pre-prepare for that digest";
}

TEST(Prepared, PreparesFromAnotherViewDoNotCount) {
  Slot slot = slot_with_pre_prepare();
  add_prepare(slot, 1);
  record_vote(slot.prepares, kView + 1, kDigest, 2, {});
  EXPECT_FALSE(prepared(slot, kView, kDigest, kQuorum, kPrimary));
}

TEST(Prepared, APrepareFromThePrimaryDoesNotCount) {
  Slot slot = slot_with_pre_prepare();
  add_prepare(slot, kPrimary);
  add_prepare(slot, 1);
  EXPECT_FALSE(prepared(slot, kView, kDigest, kQuorum, kPrimary));
}

TEST(Prepared, DuplicatesFromOneReplicaCountOnce) {
  Slot slot = slot_with_pre_prepare();
  EXPECT_EQ(record_vote(slot.prepares, kView, kDigest, 1, {}), VoteOutcome::recorded);
  EXPECT_EQ(record_vote(slot.prepares, kView, kDigest, 1, {}), VoteOutcome::duplicate);
  EXPECT_FALSE(prepared(slot, kView, kDigest, kQuorum, kPrimary));
}

TEST(RecordVote, KeepsOnlyTheFirstVoteOfAReplicaInAView) {
  std::map<VoteKey, Votes> votes;
  EXPECT_EQ(record_vote(votes, kView, kDigest, 2, to_bytes("first")), VoteOutcome::recorded);
  EXPECT_EQ(record_vote(votes, kView, kOtherDigest, 2, to_bytes("second")), VoteOutcome::conflicting);
  EXPECT_EQ(votes.size(), 1u);
  EXPECT_EQ(votes.at(VoteKey{kView, kDigest}).at(2), to_bytes("first"));
  EXPECT_EQ(record_vote(votes, kView + 1, kOtherDigest, 2, {}), VoteOutcome::recorded) << "a new view, a new vote";
}

TEST(CommittedLocal, NeedsPreparedAndTwoFPlusOneMatchingCommits) {
  Slot slot = slot_with_pre_prepare();
  add_commit(slot, 0);
  add_commit(slot, 1);
  add_commit(slot, 2);
  EXPECT_FALSE(committed_local(slot, kView, kDigest, kQuorum, kPrimary)) << "commits without prepared";
  add_prepare(slot, 1);
  add_prepare(slot, 2);
  EXPECT_TRUE(committed_local(slot, kView, kDigest, kQuorum, kPrimary));
}

TEST(CommittedLocal, TwoFCommitsOrCommitsForAnotherDigestAreNotEnough) {
  Slot slot = slot_with_pre_prepare();
  add_prepare(slot, 1);
  add_prepare(slot, 2);
  add_commit(slot, 0);
  add_commit(slot, 1);
  add_commit(slot, 3, kOtherDigest);
  EXPECT_FALSE(committed_local(slot, kView, kDigest, kQuorum, kPrimary));
  add_commit(slot, 3);  // refused: replica 3 already voted in this view
  EXPECT_FALSE(committed_local(slot, kView, kDigest, kQuorum, kPrimary));
  add_commit(slot, 2);
  EXPECT_TRUE(committed_local(slot, kView, kDigest, kQuorum, kPrimary));
}

TEST(Quorum, IsTwoFPlusOneAtThreeFPlusOneAndIntersectsInACorrectReplicaAbove) {
  EXPECT_EQ(quorum_size(4, 1), 3u);
  EXPECT_EQ(quorum_size(7, 2), 5u);
  for (std::uint32_t n = 4; n <= 40; ++n) {
    const std::uint32_t f = (n - 1) / 3;
    const std::uint32_t q = quorum_size(n, f);
    EXPECT_GE(2 * q, n + f + 1) << "two quorums share f+1 replicas, n = " << n;
    EXPECT_LE(q, n - f) << "reachable with f silent, n = " << n;
  }
}

}  // namespace
}  // namespace loyal::pbft
