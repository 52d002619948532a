// PBFT's journal records: what is persisted before which message, and what a core restarted from
// its records will and will not do (pbft/pbft_core.h, "Persistence").

#include <gtest/gtest.h>

#include "core_fixture.h"

namespace loyal::pbft::testing {
namespace {

using net::MessageKind;

class PersistenceTest : public RestartableCoreTest {
 protected:
  explicit PersistenceTest(ReplicaId self = 1) : RestartableCoreTest(self) {}
};

class PrimaryPersistenceTest : public PersistenceTest {
 protected:
  PrimaryPersistenceTest() : PersistenceTest(0) {}
};

TEST_F(PersistenceTest, APrepareLeavesOnlyAfterTheSlotRecordIsPersisted) {
  const TestBatch batch = batch_for(1);
  const Delivery delivery = pre_prepare(1, batch);
  ASSERT_EQ(delivery.actions.persist.size(), 1u);
  EXPECT_TRUE(delivery.actions.send.empty()) << "nothing may leave before the record";
  ASSERT_EQ(delivery.actions.send_after_persist.size(), 1u);
  EXPECT_EQ(delivery.actions.send_after_persist[0].kind, MessageKind::pbft_prepare);
  const PbftRecord record = decode_record(delivery.actions.persist[0]);
  ASSERT_TRUE(std::holds_alternative<SlotRecord>(record));
  EXPECT_EQ(std::get<SlotRecord>(record).digest, batch.digest);
  EXPECT_EQ(std::get<SlotRecord>(record).batch, batch.batch);
  EXPECT_FALSE(std::get<SlotRecord>(record).prepared);
}

TEST_F(PersistenceTest, ACommitLeavesOnlyAfterThePreparedCertificateIsPersisted) {
  const TestBatch batch = batch_for(1);
  keep(pre_prepare(1, batch).actions);
  const Delivery prepared = prepare(other_backups()[0], 1, batch.digest);
  ASSERT_EQ(prepared.actions.persist.size(), 1u);
  EXPECT_TRUE(prepared.actions.send.empty());
  ASSERT_EQ(prepared.actions.send_after_persist.size(), 1u);
  EXPECT_EQ(prepared.actions.send_after_persist[0].kind, MessageKind::pbft_commit);
  const SlotRecord record = std::get<SlotRecord>(decode_record(prepared.actions.persist[0]));
  EXPECT_TRUE(record.prepared);
  // The certificate's PREPAREs, this replica's own among them: restarted, it still proves it.
  ASSERT_EQ(record.prepare_senders, (std::vector<ReplicaId>{self_, other_backups()[0]}));
  const Bytes prepare = prepare_body(0, 1, batch.digest);
  EXPECT_EQ(record.prepare_frames[0], keys_.frame(self_, MessageKind::pbft_prepare, prepare));
  EXPECT_EQ(record.prepare_frames[1], keys_.frame(other_backups()[0], MessageKind::pbft_prepare, prepare));
  EXPECT_TRUE(!record.batch && record.pre_prepare_frame.empty()) << "the first record holds them, once";
}

TEST_F(PersistenceTest, RecordIdsIncreaseByOneAndContinueAfterARestart) {
  keep(pre_prepare(1, batch_for(1)).actions);
  keep(pre_prepare(2, batch_for(2)).actions);
  ASSERT_EQ(records_.size(), 2u);
  EXPECT_EQ(records_[0].id, 1u);
  EXPECT_EQ(records_[1].id, 2u);
  const std::unique_ptr<PbftCore> restarted_core = restarted();
  PbftCore& again = *restarted_core;
  replica::Actions actions;
  Delivery delivery = deliver(again, keys_, keys_.pre_prepare(0, 0, 3, batch_for(3)));
  ASSERT_EQ(delivery.actions.persist.size(), 1u);
  EXPECT_EQ(delivery.actions.persist[0].id, 3u);
}

TEST_F(PersistenceTest, ARestartedBackupNeverPreparesAnotherBatchWhereItPreparedOne) {
  const TestBatch first = batch_for(1);
  keep(pre_prepare(1, first).actions);
  const std::unique_ptr<PbftCore> restarted_core = restarted();
  PbftCore& again = *restarted_core;
  const Slot* slot = again.slot(1);
  ASSERT_NE(slot, nullptr);
  ASSERT_TRUE(slot->pre_prepare);
  EXPECT_EQ(slot->pre_prepare->digest, first.digest);
  EXPECT_TRUE(slot->sent_prepare);

  // A faulty primary offers another batch at (0, 1) after the restart: refused, no vote.
  const TestBatch other = make_batch(keys_, 2, 77, 1);
  const Delivery conflicting =
      deliver(again, keys_, keys_.pre_prepare(0, 0, 1, other));
  EXPECT_TRUE(sent_messages(conflicting.actions).empty());
  EXPECT_EQ(again.ignored().at(reason::kConflictingPrePrepare), 1u);
}

TEST_F(PersistenceTest, ARestartedBackupResendsItsVotesAndKeepsItsPreparedCertificate) {
  const TestBatch batch = batch_for(1);
  keep(pre_prepare(1, batch).actions);
  keep(prepare(other_backups()[0], 1, batch.digest).actions);
  const std::unique_ptr<PbftCore> restarted_core = restarted();
  PbftCore& again = *restarted_core;
  const Slot* slot = again.slot(1);
  ASSERT_NE(slot, nullptr);
  ASSERT_TRUE(slot->last_prepared);
  EXPECT_EQ(slot->last_prepared->digest, batch.digest);
  EXPECT_TRUE(slot->sent_commit);
  EXPECT_EQ(slot->last_prepared->batch, batch.batch) << "restored from the slot's first record";
  EXPECT_EQ(slot->last_prepared->pre_prepare_frame,
            keys_.frame(0, MessageKind::pbft_pre_prepare, pre_prepare_body(0, 1, batch)));
  EXPECT_TRUE(prepared(*slot, 0, batch.digest, 3, 0)) << "the certificate's PREPAREs came back";

  replica::Actions resent;
  for (replica::Tick t = 0; t < small_options(self_).retransmit_ticks; ++t) again.on_tick(resent);
  const auto prepares = sent_of_kind(resent, MessageKind::pbft_prepare);
  const auto commits = sent_of_kind(resent, MessageKind::pbft_commit);
  ASSERT_EQ(prepares.size(), 1u);
  EXPECT_EQ(prepares[0].body, prepare_body(0, 1, batch.digest));
  ASSERT_EQ(commits.size(), 1u);
  EXPECT_EQ(commits[0].body, commit_body(0, 1, batch.digest));
}

TEST_F(PrimaryPersistenceTest, ARestartedPrimaryNeverAssignsASequenceNumberTwice) {
  for (Sequence sequence = 1; sequence <= 3; ++sequence) {
    const TestBatch batch = batch_for(sequence);
    replica::Actions proposed;
    core_.propose(batch.batch, batch.digest, proposed);
    EXPECT_TRUE(proposed.send.empty()) << "the PRE-PREPARE waits for its record";
    keep(proposed);
  }
  const std::unique_ptr<PbftCore> restarted_core = restarted();
  PbftCore& again = *restarted_core;
  ASSERT_TRUE(again.can_propose());
  const TestBatch next = batch_for(9);
  replica::Actions proposed;
  again.propose(next.batch, next.digest, proposed);
  const auto pre_prepares = sent_of_kind(proposed, MessageKind::pbft_pre_prepare);
  ASSERT_EQ(pre_prepares.size(), 1u);
  EXPECT_EQ(pre_prepares[0].body, pre_prepare_body(0, 4, next));
}

TEST_F(PersistenceTest, AReplicaRestartedDuringAViewChangeStaysInItAndSendsItsViewChangeAgain) {
  replica::Actions timer;
  core_.on_request_pending(5, 1, timer);
  replica::Actions view_change;
  for (replica::Tick t = 0; t <= small_options(self_).request_timeout_ticks && !core_.in_view_change(); ++t) {
    core_.on_tick(view_change);
  }
  ASSERT_TRUE(core_.in_view_change());
  keep(view_change);
  ASSERT_TRUE(view_change.send.empty());
  ASSERT_FALSE(sent_of_kind(view_change, MessageKind::pbft_view_change).empty())
      << "the VIEW-CHANGE waits for the view record";

  const std::unique_ptr<PbftCore> restarted_core = restarted();
  PbftCore& again = *restarted_core;
  EXPECT_EQ(again.view(), 1u);
  EXPECT_TRUE(again.in_view_change());
  EXPECT_FALSE(again.status().leader) << "no leader while the view change is under way";
  replica::Actions first_tick;
  again.on_tick(first_tick);
  EXPECT_EQ(sent_of_kind(first_tick, MessageKind::pbft_view_change).size(), 1u);
}

TEST_F(PersistenceTest, AStableCheckpointRestatesTheViewAndLetsOlderRecordsGo) {
  Sequence committed = 0;
  for (Sequence sequence = 1; sequence <= 4; ++sequence) {
    const TestBatch batch = batch_for(sequence);
    keep(pre_prepare(sequence, batch).actions);
    keep(prepare(other_backups()[0], sequence, batch.digest).actions);
    keep(commit(0, sequence, batch.digest).actions);
    keep(commit(other_backups()[0], sequence, batch.digest).actions);
    committed = core_.status().last_committed;
  }
  ASSERT_EQ(committed, 4u);
  keep(pre_prepare(5, batch_for(5)).actions);  // above the coming checkpoint: must be kept
  const std::uint64_t slot5_record = records_.back().id;
  const crypto::Digest digest = state_digest("state 4");
  replica::Actions taken;
  core_.on_checkpoint_taken(4, digest, taken);
  keep(taken);
  keep(checkpoint(0, 4, digest).actions);
  const Delivery stable = checkpoint(other_backups()[0], 4, digest);
  keep(stable.actions);
  ASSERT_EQ(core_.low_watermark(), 4u);
  ASSERT_TRUE(stable.actions.discard_records_before);
  EXPECT_EQ(*stable.actions.discard_records_before, slot5_record);
  // What survives the discard is enough: same view, slot 5 still voted, the proof restored once
  // the snapshot at 4 is installed.
  std::vector<replica::PersistRecord> kept;
  for (const auto& record : records_) {
    if (record.id >= *stable.actions.discard_records_before) kept.push_back(record);
  }
  const std::unique_ptr<PbftCore> restarted_core = restarted(kept);
  PbftCore& again = *restarted_core;
  replica::Actions installed;
  again.on_state_installed(4, digest, installed);
  EXPECT_EQ(again.low_watermark(), 4u);
  ASSERT_TRUE(again.stable_certificate());
  EXPECT_EQ(again.stable_certificate()->sequence, 4u);
  ASSERT_NE(again.slot(5), nullptr);
  EXPECT_TRUE(again.slot(5)->sent_prepare);
}

}  // namespace
}  // namespace loyal::pbft::testing
