// Checkpoints at the core: stability, the low watermark and the window moving with it, garbage
// collection of the log, and asking for state transfer when this replica lags or diverges.

#include <gtest/gtest.h>

#include "core_fixture.h"

namespace loyal::pbft::testing {
namespace {

using net::MessageKind;

const crypto::Digest kState4 = state_digest("state 4");

using CheckpointTest = CoreTest;

TEST_F(CheckpointTest, TakingACheckpointMulticastsItsVote) {
  for (Sequence sequence = 1; sequence <= 4; ++sequence) commit_slot(sequence);
  replica::Actions actions;
  core_.on_checkpoint_taken(4, kState4, actions);
  ASSERT_EQ(sent_messages(actions).size(), 1u);
  EXPECT_EQ(sent_messages(actions)[0].kind, MessageKind::checkpoint);
  EXPECT_EQ(sent_messages(actions)[0].to, replica::Outgoing::kAllReplicas);
  EXPECT_EQ(sent_messages(actions)[0].body, checkpoint_body(4, kState4));
  EXPECT_FALSE(actions.stable_checkpoint);
}

TEST_F(CheckpointTest, StableAtTwoFPlusOneMatchingVotesThenGarbageCollectsTheLog) {
  for (Sequence sequence = 1; sequence <= 5; ++sequence) commit_slot(sequence);
  replica::Actions taken;
  core_.on_checkpoint_taken(4, kState4, taken);
  EXPECT_FALSE(checkpoint(0, 4, state_digest("another state")).actions.stable_checkpoint)
      << "a mismatched vote does not combine";
  const Delivery second = checkpoint(2, 4, kState4);
  EXPECT_FALSE(second.actions.stable_checkpoint) << "2f matching votes";
  EXPECT_EQ(core_.low_watermark(), 0u);

  const Delivery third = checkpoint(3, 4, kState4);
  ASSERT_TRUE(third.actions.stable_checkpoint);
  const replica::StableCheckpoint& stable = *third.actions.stable_checkpoint;
  EXPECT_EQ(stable.sequence, 4u);
  EXPECT_EQ(stable.state_digest, kState4);
  EXPECT_EQ(stable.proof, (std::vector<Bytes>{keys_.frame(2, MessageKind::checkpoint, checkpoint_body(4, kState4)),
                                              keys_.frame(3, MessageKind::checkpoint, checkpoint_body(4, kState4))}));
  EXPECT_FALSE(third.actions.fetch_state);

  EXPECT_EQ(core_.low_watermark(), 4u);
  EXPECT_EQ(core_.status().stable_checkpoint, 4u);
  for (Sequence sequence = 1; sequence <= 4; ++sequence) EXPECT_EQ(core_.slot(sequence), nullptr) << sequence;
  EXPECT_NE(core_.slot(5), nullptr);
  ASSERT_TRUE(core_.stable_certificate());
  EXPECT_EQ(core_.stable_certificate()->signers, (std::vector<ReplicaId>{2, 3}));

  EXPECT_TRUE(checkpoint(0, 4, kState4).actions.empty()) << "late votes for a stable checkpoint";
  EXPECT_EQ(ignored(reason::kStaleCheckpoint), 1u);
}

TEST_F(CheckpointTest, TheWindowMovesWithTheLowWatermark) {
  advance_to(4);
  ASSERT_EQ(core_.high_watermark(), 12u);
  // Below or at h: no vote, but the sender is behind the stable checkpoint and gets its whole proof
  // (this replica's CHECKPOINT and 2's; 0 signed the third itself), once per retransmission period.
  const std::vector<replica::Outgoing> proof = sent_messages(pre_prepare(3, batch_for(3)).actions);
  ASSERT_EQ(proof.size(), 2u) << "below h";
  for (const replica::Outgoing& outgoing : proof) {
    EXPECT_EQ(outgoing.kind, MessageKind::checkpoint);
    EXPECT_EQ(outgoing.to, 0u);
  }
  EXPECT_TRUE(pre_prepare(4, batch_for(4)).actions.empty()) << "at h, within the period";
  EXPECT_EQ(sent_of_kind(pre_prepare(5, batch_for(5)).actions, MessageKind::pbft_prepare).size(), 1u) << "h+1";
  EXPECT_EQ(sent_of_kind(pre_prepare(12, batch_for(12)).actions, MessageKind::pbft_prepare).size(), 1u) << "h+L";
  EXPECT_TRUE(pre_prepare(13, batch_for(13)).actions.empty()) << "h+L+1";
  EXPECT_EQ(ignored(reason::kPrePrepareOutsideWindow), 3u);
  EXPECT_TRUE(sent_of_kind(prepare(2, 3, batch_for(3).digest).actions, MessageKind::pbft_commit).empty());
  EXPECT_EQ(ignored(reason::kPrepareOutsideWindow), 1u) << "below h as well as above h+L";
}

TEST_F(CheckpointTest, StabilityWaitsForThisReplicasOwnCheckpointWhenItHasExecutedThatFar) {
  for (Sequence sequence = 1; sequence <= 4; ++sequence) commit_slot(sequence);
  checkpoint(0, 4, kState4);
  checkpoint(2, 4, kState4);
  const Delivery third = checkpoint(3, 4, kState4);
  EXPECT_FALSE(third.actions.stable_checkpoint);
  EXPECT_FALSE(third.actions.fetch_state) << "it executed 4 and is about to take the checkpoint";

  replica::Actions taken;
  core_.on_checkpoint_taken(4, kState4, taken);
  ASSERT_TRUE(taken.stable_checkpoint);
  EXPECT_EQ(taken.stable_checkpoint->proof.size(), 3u);
  EXPECT_EQ(core_.low_watermark(), 4u);
}

// A whole interval behind, f+1 matching votes (one of them from a correct replica) are enough to
// fetch: without them a replica whose own earlier vote belongs to the quorum could wait for ever
// (issue 12, simulator seeds 1480 and 1752). Asked once, from the replicas that vouch.
TEST_F(CheckpointTest, ALaggingReplicaAsksOnceForTheStableStateFromItsSigners) {
  EXPECT_FALSE(checkpoint(0, 8, state_digest("state 8")).actions.fetch_state) << "one replica may be faulty";
  const Delivery second = checkpoint(2, 8, state_digest("state 8"));
  ASSERT_TRUE(second.actions.fetch_state);
  EXPECT_EQ(second.actions.fetch_state->sequence, 8u);
  EXPECT_EQ(second.actions.fetch_state->state_digest, state_digest("state 8"));
  EXPECT_EQ(second.actions.fetch_state->sources, (std::vector<ReplicaId>{0, 2}));
  const Delivery third = checkpoint(3, 8, state_digest("state 8"));
  EXPECT_FALSE(third.actions.fetch_state) << "asked once";
  EXPECT_FALSE(third.actions.stable_checkpoint) << "h moves only once the state is here";
  EXPECT_EQ(core_.low_watermark(), 0u);

  replica::Actions ticks;
  for (int i = 0; i < 20; ++i) core_.on_tick(ticks);
  EXPECT_FALSE(ticks.fetch_state) << "asked once";
}

TEST_F(CheckpointTest, AReplicaWhoseStateDivergesFromTheStableOneAsksForItAndReexecutes) {
  for (Sequence sequence = 1; sequence <= 5; ++sequence) commit_slot(sequence);
  replica::Actions taken;
  core_.on_checkpoint_taken(4, state_digest("a diverging state"), taken);
  checkpoint(0, 4, kState4);
  checkpoint(2, 4, kState4);
  const Delivery third = checkpoint(3, 4, kState4);
  EXPECT_FALSE(third.actions.stable_checkpoint);
  ASSERT_TRUE(third.actions.fetch_state);
  EXPECT_EQ(third.actions.fetch_state->sequence, 4u);
  EXPECT_EQ(third.actions.fetch_state->state_digest, kState4);
  EXPECT_EQ(core_.low_watermark(), 0u);

  replica::Actions installed;
  core_.on_state_installed(4, kState4, installed);
  EXPECT_EQ(core_.low_watermark(), 4u);
  ASSERT_EQ(installed.committed.size(), 1u) << "5 once more, on the installed state";
  EXPECT_EQ(installed.committed[0].sequence, 5u);
  EXPECT_EQ(core_.status().last_committed, 5u);
}

TEST_F(CheckpointTest, InstallingStateMovesTheReplicaToItAndOn) {
  checkpoint(0, 4, kState4);
  ASSERT_TRUE(checkpoint(2, 4, kState4).actions.fetch_state) << "f+1 vouch, a whole interval behind";
  checkpoint(3, 4, kState4);
  // Slot 5 completes while the state is on its way; it waits for 1 to 4.
  EXPECT_TRUE(commit_slot(5).committed.empty());

  replica::Actions installed;
  core_.on_state_installed(4, kState4, installed);
  EXPECT_EQ(core_.low_watermark(), 4u);
  EXPECT_EQ(core_.status().last_committed, 5u);
  ASSERT_EQ(installed.committed.size(), 1u);
  EXPECT_EQ(installed.committed[0].sequence, 5u);
  ASSERT_TRUE(core_.stable_certificate());
  EXPECT_EQ(core_.stable_certificate()->sequence, 4u);
  EXPECT_EQ(sent_of_kind(pre_prepare(12, batch_for(12)).actions, MessageKind::pbft_prepare).size(), 1u)
      << "the window is (4, 12] now";
}

class PrimaryCheckpointTest : public CoreTest {
 protected:
  PrimaryCheckpointTest() : CoreTest(0) {}
};

TEST_F(PrimaryCheckpointTest, ThePrimaryProposesAgainOnceTheWindowMoves) {
  for (Sequence sequence = 1; sequence <= 8; ++sequence) {
    const TestBatch batch = batch_for(sequence);
    replica::Actions actions;
    core_.propose(batch.batch, batch.digest, actions);
    prepare(1, sequence, batch.digest);
    prepare(2, sequence, batch.digest);
    commit(1, sequence, batch.digest);
    commit(2, sequence, batch.digest);
  }
  ASSERT_EQ(core_.status().last_committed, 8u);
  EXPECT_FALSE(core_.can_propose());
  replica::Actions taken;
  core_.on_checkpoint_taken(4, kState4, taken);
  checkpoint(1, 4, kState4);
  checkpoint(2, 4, kState4);
  ASSERT_EQ(core_.low_watermark(), 4u);
  EXPECT_TRUE(core_.can_propose());
  const TestBatch batch = batch_for(9);
  replica::Actions actions;
  core_.propose(batch.batch, batch.digest, actions);
  EXPECT_EQ(sent_messages(actions).at(0).body, pre_prepare_body(0, 9, batch));
}

}  // namespace
}  // namespace loyal::pbft::testing
