// The paper's normal-case rules, one by one, at a single core fed signed frames from its peers.

#include <gtest/gtest.h>

#include "core_fixture.h"

namespace loyal::pbft::testing {
namespace {

using net::MessageKind;

class BackupTest : public CoreTest {};

class PrimaryTest : public CoreTest {
 protected:
  PrimaryTest() : CoreTest(0) {}
};

TEST_F(BackupTest, AcceptsAPrePrepareInItsViewAndWindowAndMulticastsAPrepare) {
  const TestBatch batch = batch_for(1);
  const Delivery delivery = pre_prepare(1, batch);
  ASSERT_FALSE(delivery.dropped);
  ASSERT_EQ(sent_messages(delivery.actions).size(), 1u);
  const replica::Outgoing sent = sent_messages(delivery.actions)[0];
  EXPECT_EQ(sent.kind, MessageKind::pbft_prepare);
  EXPECT_EQ(sent.to, replica::Outgoing::kAllReplicas);
  EXPECT_EQ(sent.body, prepare_body(0, 1, batch.digest));

  const Slot* slot = core_.slot(1);
  ASSERT_NE(slot, nullptr);
  ASSERT_TRUE(slot->pre_prepare);
  EXPECT_EQ(slot->pre_prepare->batch, batch.batch);
  EXPECT_EQ(slot->pre_prepare->frame, keys_.frame(0, MessageKind::pbft_pre_prepare, pre_prepare_body(0, 1, batch)))
      << "the signed frame is kept as evidence";
  EXPECT_TRUE(slot->sent_prepare);
}

TEST_F(BackupTest, RefusesPrePrepareNotFromThePrimaryOrWithAMismatchedDigest) {
  TestBatch batch = batch_for(1);
  EXPECT_EQ(deliver(core_, keys_, keys_.pre_prepare(2, 0, 1, batch)).dropped,
            reason::kPrePrepareNotFromPrimary);
  batch.digest = batch_for(2).digest;
  EXPECT_EQ(pre_prepare(1, batch).dropped, reason::kBatchDigestMismatch);
  EXPECT_EQ(core_.slot(1), nullptr);
}

// From one replica (which may be faulty): f+1 replicas in a newer view move a replica there
// (view_change_test.cc, AReplicaLeftInAnOlderViewCatchesUp...).
TEST_F(BackupTest, IgnoresMessagesOfAnotherView) {
  const TestBatch batch = batch_for(1);
  EXPECT_TRUE(pre_prepare(1, batch, 2).actions.empty());
  EXPECT_TRUE(commit(2, 1, batch.digest, 2).actions.empty());
  EXPECT_EQ(ignored(reason::kWrongView), 2u);
  EXPECT_EQ(core_.slot(1), nullptr);
  EXPECT_EQ(core_.view(), 0u);
}

TEST_F(BackupTest, AcceptsPrePreparesExactlyFromLowToHighWatermark) {
  ASSERT_EQ(core_.low_watermark(), 0u);
  ASSERT_EQ(core_.high_watermark(), 8u);
  EXPECT_EQ(pre_prepare(0, batch_for(0)).dropped, reason::kSequenceZero) << "at h = 0";
  EXPECT_EQ(sent_of_kind(pre_prepare(1, batch_for(1)).actions, MessageKind::pbft_prepare).size(), 1u) << "h+1";
  EXPECT_EQ(sent_of_kind(pre_prepare(8, batch_for(8)).actions, MessageKind::pbft_prepare).size(), 1u) << "h+L";
  EXPECT_TRUE(pre_prepare(9, batch_for(9)).actions.empty()) << "h+L+1";
  EXPECT_EQ(ignored(reason::kPrePrepareOutsideWindow), 1u);
  EXPECT_EQ(core_.slot(9), nullptr);
}

TEST_F(BackupTest, KeepsTheFirstPrePrepareForASequenceNumberAndCountsAConflictingOne) {
  const TestBatch first = batch_for(1);
  pre_prepare(1, first);
  EXPECT_TRUE(pre_prepare(1, batch_for(2)).actions.empty());
  EXPECT_EQ(ignored(reason::kConflictingPrePrepare), 1u);
  EXPECT_EQ(core_.slot(1)->pre_prepare->digest, first.digest);
  EXPECT_TRUE(pre_prepare(1, first).actions.empty()) << "a retransmission sends no second PREPARE";
  EXPECT_EQ(ignored(reason::kDuplicatePrePrepare), 1u);
}

TEST_F(BackupTest, PreparedNeedsTwoFMatchingPreparesItsOwnIncluded) {
  const TestBatch batch = batch_for(1);
  pre_prepare(1, batch);  // its own PREPARE: 2f-1 = 1
  EXPECT_TRUE(prepare(3, 1, batch_for(2).digest).actions.empty()) << "a PREPARE for another digest";
  EXPECT_EQ(prepare(0, 1, batch.digest).dropped, reason::kPrepareFromPrimary);
  const Delivery second = prepare(2, 1, batch.digest);
  ASSERT_EQ(sent_messages(second.actions).size(), 1u);
  EXPECT_EQ(sent_messages(second.actions)[0].kind, MessageKind::pbft_commit);
  EXPECT_EQ(sent_messages(second.actions)[0].body, commit_body(0, 1, batch.digest));
  EXPECT_TRUE(prepare(3, 1, batch.digest).actions.empty()) << "COMMIT goes out once; 3 already voted";
  EXPECT_EQ(ignored(reason::kConflictingPrepare), 1u);
}

TEST_F(PrimaryTest, PreparedNeedsTwoFPreparesFromDistinctBackupsAndDuplicatesCountOnce) {
  const TestBatch batch = batch_for(1);
  replica::Actions proposed;
  core_.propose(batch.batch, batch.digest, proposed);
  ASSERT_EQ(sent_messages(proposed).size(), 1u);
  EXPECT_EQ(sent_messages(proposed)[0].kind, MessageKind::pbft_pre_prepare);
  EXPECT_EQ(sent_messages(proposed)[0].body, pre_prepare_body(0, 1, batch));

  EXPECT_TRUE(prepare(1, 1, batch.digest).actions.empty());
  EXPECT_TRUE(prepare(1, 1, batch.digest).actions.empty());
  EXPECT_EQ(ignored(reason::kDuplicatePrepare), 1u);
  EXPECT_EQ(sent_of_kind(prepare(2, 1, batch.digest).actions, MessageKind::pbft_commit).size(), 1u);
}

TEST_F(BackupTest, CommittedLocalNeedsTwoFPlusOneMatchingCommitsItsOwnIncluded) {
  const TestBatch batch = batch_for(1);
  pre_prepare(1, batch);
  prepare(2, 1, batch.digest);  // prepared: its own COMMIT is the first
  EXPECT_TRUE(commit(3, 1, batch_for(2).digest).actions.empty()) << "a COMMIT for another digest";
  EXPECT_TRUE(commit(0, 1, batch.digest).actions.committed.empty()) << "2f commits";
  const Delivery third = commit(2, 1, batch.digest);
  ASSERT_EQ(third.actions.committed.size(), 1u);
  EXPECT_EQ(third.actions.committed[0].sequence, 1u);
  EXPECT_EQ(third.actions.committed[0].batch, batch.batch);
  EXPECT_EQ(third.actions.committed[0].digest, batch.digest);
  EXPECT_TRUE(core_.slot(1)->committed_local);
  EXPECT_EQ(core_.status().last_committed, 1u);
}

TEST_F(BackupTest, PreparesAndCommitsThatArriveBeforeThePrePrepareAreKept) {
  const TestBatch batch = batch_for(1);
  EXPECT_TRUE(prepare(2, 1, batch.digest).actions.empty());
  EXPECT_TRUE(commit(0, 1, batch.digest).actions.empty());
  EXPECT_TRUE(commit(2, 1, batch.digest).actions.empty());
  const Delivery delivery = pre_prepare(1, batch);
  EXPECT_EQ(sent_of_kind(delivery.actions, MessageKind::pbft_prepare).size(), 1u);
  EXPECT_EQ(sent_of_kind(delivery.actions, MessageKind::pbft_commit).size(), 1u);
  ASSERT_EQ(delivery.actions.committed.size(), 1u) << "its own COMMIT completed the 2f+1";
}

TEST_F(BackupTest, IgnoresPreparesAndCommitsOutsideTheWindow) {
  const crypto::Digest digest = batch_for(9).digest;
  EXPECT_TRUE(prepare(2, 9, digest).actions.empty());
  EXPECT_TRUE(commit(2, 9, digest).actions.empty());
  EXPECT_EQ(ignored(reason::kPrepareOutsideWindow), 1u);
  EXPECT_EQ(ignored(reason::kCommitOutsideWindow), 1u);
  EXPECT_EQ(core_.slot(9), nullptr);
}

TEST_F(BackupTest, HandsOutCommitsInSequenceOrderWhenTheyCompleteOutOfOrder) {
  EXPECT_TRUE(commit_slot(3).committed.empty());
  EXPECT_TRUE(commit_slot(2).committed.empty()) << "waits for 1";
  const replica::Actions actions = commit_slot(1);
  ASSERT_EQ(actions.committed.size(), 3u);
  for (Sequence i = 0; i < 3; ++i) {
    EXPECT_EQ(actions.committed[i].sequence, i + 1);
    EXPECT_EQ(actions.committed[i].digest, batch_for(i + 1).digest);
  }
  EXPECT_EQ(commit_slot(4).committed.size(), 1u);
}

TEST_F(BackupTest, IgnoresItsOwnMessagesReplayedToIt) {
  const TestBatch batch = batch_for(1);
  pre_prepare(1, batch);
  EXPECT_TRUE(prepare(self_, 1, batch.digest).actions.empty());
  EXPECT_EQ(ignored(reason::kOwnMessage), 1u);
}

TEST_F(PrimaryTest, PipelinesEverySequenceNumberOfTheWindow) {
  for (Sequence sequence = 1; sequence <= 8; ++sequence) {
    ASSERT_TRUE(core_.can_propose());
    const TestBatch batch = batch_for(sequence);
    replica::Actions actions;
    core_.propose(batch.batch, batch.digest, actions);
    EXPECT_EQ(sent_messages(actions).at(0).body, pre_prepare_body(0, sequence, batch));
  }
  EXPECT_FALSE(core_.can_propose()) << "h + L reached";
  // The backups' PREPAREs and COMMITs complete them in any order.
  for (Sequence sequence = 8; sequence >= 1; --sequence) {
    const crypto::Digest digest = batch_for(sequence).digest;
    prepare(1, sequence, digest);
    prepare(2, sequence, digest);
    commit(1, sequence, digest);
    const replica::Actions actions = commit(2, sequence, digest).actions;
    EXPECT_EQ(actions.committed.size(), sequence == 1 ? 8u : 0u);
  }
  EXPECT_EQ(core_.status().last_committed, 8u);
}

// A primary restarted from its journal keeps its PRE-PREPAREs but not the PREPAREs it had received:
// its re-sent PRE-PREPARE for a slot committed here is answered with this replica's own votes, to it
// alone (simulator seed 912 of issue 12: otherwise its execution stayed stuck on that gap).
TEST_F(BackupTest, AReSentPrePrepareForACommittedSlotIsAnsweredWithOwnVotesToThePrimaryAlone) {
  const TestBatch batch = batch_for(1);
  commit_slot(1);
  ASSERT_TRUE(core_.slot(1)->committed_local);
  const Delivery again = pre_prepare(1, batch);
  const std::vector<replica::Outgoing> sent = sent_messages(again.actions);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].kind, MessageKind::pbft_prepare);
  EXPECT_EQ(sent[1].kind, MessageKind::pbft_commit);
  for (const replica::Outgoing& outgoing : sent) EXPECT_EQ(outgoing.to, 0u);
  EXPECT_TRUE(sent_messages(pre_prepare(1, batch).actions).empty()) << "once per retransmission period";
}

TEST_F(BackupTest, ReSendsUncommittedVotesEveryPeriodAndCommittedOnesOnlyWhenNothingMoves) {
  const TestBatch batch = batch_for(1);
  pre_prepare(1, batch);
  prepare(2, 1, batch.digest);
  const replica::Tick period = small_options(self_).retransmit_ticks;
  replica::Actions early;
  for (replica::Tick tick = 1; tick < period; ++tick) core_.on_tick(early);
  EXPECT_TRUE(early.empty());
  replica::Actions resent;
  core_.on_tick(resent);
  constexpr ReplicaId kAll = replica::Outgoing::kAllReplicas;
  // The same signed frames as the first time: a retransmission costs no signature.
  const Bytes prepare_vote = prepare_body(0, 1, batch.digest);
  const Bytes commit_vote = commit_body(0, 1, batch.digest);
  EXPECT_EQ(sent_messages(resent),
            (std::vector<replica::Outgoing>{
                {kAll, MessageKind::pbft_prepare, prepare_vote, keys_.frame(self_, MessageKind::pbft_prepare, prepare_vote)},
                {kAll, MessageKind::pbft_commit, commit_vote, keys_.frame(self_, MessageKind::pbft_commit, commit_vote)}}));

  commit(0, 1, batch.digest);
  commit(2, 1, batch.digest);
  ASSERT_EQ(core_.status().last_committed, 1u);
  replica::Actions after_commit;
  for (replica::Tick tick = 0; tick < period; ++tick) core_.on_tick(after_commit);
  EXPECT_TRUE(after_commit.empty()) << "the round saw progress: a committed slot is not re-sent";
  // A whole round without a new commit or stable checkpoint: a replica that missed these votes
  // may be what the cluster waits for, so they come again.
  replica::Actions stalled;
  for (replica::Tick tick = 0; tick < period; ++tick) core_.on_tick(stalled);
  EXPECT_EQ(sent_messages(stalled), sent_messages(resent));
}

TEST_F(BackupTest, CannotPropose) { EXPECT_FALSE(core_.can_propose()); }

TEST_F(BackupTest, ReportsViewPrimaryAndProgressInItsStatus) {
  commit_slot(1);
  const replica::ProtocolStatus status = core_.status();
  EXPECT_EQ(status.epoch, 0u);
  EXPECT_EQ(status.leader, ReplicaId{0});
  EXPECT_EQ(status.last_committed, 1u);
  EXPECT_EQ(status.stable_checkpoint, 0u);
}

TEST(LargerCluster, FiveReplicasWithFOneNeedFourCommits) {
  TestKeys keys(5);
  PbftCore core(small_options(1, 5, 1), keys.authenticator(1), keys.verifier(), keys.signer(1));
  const TestBatch batch = make_batch(keys, 0, 1, 1);
  const auto from = [&](ReplicaId sender, MessageKind kind, const Bytes& body) {
    return deliver(core, keys, keys.frame(sender, kind, body));
  };
  deliver(core, keys, keys.pre_prepare(0, 0, 1, batch));
  from(2, MessageKind::pbft_prepare, prepare_body(0, 1, batch.digest));
  EXPECT_FALSE(core.slot(1)->sent_commit) << "2f = 2 backups are not a quorum of 4 at n = 5";
  from(3, MessageKind::pbft_prepare, prepare_body(0, 1, batch.digest));
  EXPECT_TRUE(core.slot(1)->sent_commit);
  from(0, MessageKind::pbft_commit, commit_body(0, 1, batch.digest));
  EXPECT_TRUE(from(2, MessageKind::pbft_commit, commit_body(0, 1, batch.digest)).actions.committed.empty());
  EXPECT_EQ(from(3, MessageKind::pbft_commit, commit_body(0, 1, batch.digest)).actions.committed.size(), 1u);
}

}  // namespace
}  // namespace loyal::pbft::testing
