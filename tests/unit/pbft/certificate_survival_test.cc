// Issue 12: a correct replica's prepared certificate (and its stable checkpoint proof) must be in
// every VIEW-CHANGE it sends, whatever happened in between: a restart, a restart in the middle of a
// view change or after one, a view change in the same round as the PREPARE (group commit). A
// VIEW-CHANGE without it lets a NEW-VIEW give a sequence number that committed at a correct
// replica to another batch: a fork. Each test builds the real core, restarts it from the records
// it asked to persist, and checks its VIEW-CHANGE as a receiving replica would
// (check_embedded_view_change). Castro & Liskov, TOCS 2002, §4.4 (P set: per sequence number, the
// certificate of the highest view in which the replica prepared) and §4.5.3 (what is logged).

#include <gtest/gtest.h>

#include "core_fixture.h"
#include "pbft/new_view.h"
#include "pbft/view_change.h"

namespace loyal::pbft::testing {
namespace {

using net::MessageKind;

class CertificateSurvivalTest : public RestartableCoreTest {
 protected:
  explicit CertificateSurvivalTest(ReplicaId self = 1) : RestartableCoreTest(self) {}

  EvidenceContext context() const { return EvidenceContext{keys_.decode_context(), 3, 8, 4, cluster::pbft_view_change_limit_bytes(4, 8), &keys_.verifier()}; }

  // The VIEW-CHANGE `core` sent in `actions`, decoded and checked as another replica would.
  CheckedViewChange received_view_change(const replica::Actions& actions) const {
    const std::vector<replica::Outgoing> sent = sent_of_kind(actions, MessageKind::pbft_view_change);
    EXPECT_EQ(sent.size(), 1u);
    if (sent.empty()) return {};
    const CheckedViewChangeOrReason checked = check_embedded_view_change(sent.back().frame, context());
    EXPECT_TRUE(std::holds_alternative<CheckedViewChange>(checked))
        << "refused by its receivers: " << std::get<std::string_view>(checked);
    return std::holds_alternative<CheckedViewChange>(checked) ? std::get<CheckedViewChange>(checked)
                                                              : CheckedViewChange{};
  }

  // Ticks `core` until its request timer starts a view change, and returns what it sent.
  replica::Actions time_out(PbftCore& core) const {
    replica::Actions actions;
    core.on_request_pending(3, 1, actions);
    for (replica::Tick t = 0; t <= 64 * small_options(self_).request_timeout_ticks && !core.in_view_change(); ++t) {
      core.on_tick(actions);
    }
    EXPECT_TRUE(core.in_view_change());
    return actions;
  }

  // A correct replica's prepared certificate for `batch` at (view, sequence).
  PreparedCertificateFrames certificate(View view, Sequence sequence, const TestBatch& batch,
                                        const std::vector<ReplicaId>& backups) const {
    PreparedCertificateFrames frames{keys_.frame(primary_of(view, 4), MessageKind::pbft_pre_prepare,
                                                 pre_prepare_body(view, sequence, batch)),
                                     {}};
    for (const ReplicaId backup : backups) {
      frames.prepares.push_back(
          keys_.frame(backup, MessageKind::pbft_prepare, prepare_body(view, sequence, batch.digest)));
    }
    return frames;
  }
  Bytes view_change(ReplicaId sender, View view, std::vector<PreparedCertificateFrames> prepared = {}) const {
    return keys_.frame(sender, MessageKind::pbft_view_change,
                       encode_view_change(ViewChange{view, 0, {}, std::move(prepared)}));
  }
  // The NEW-VIEW a correct primary sends for these VIEW-CHANGE frames.
  Bytes new_view_body(View view, const std::vector<Bytes>& view_changes) const {
    std::vector<CheckedViewChange> checked;
    for (const Bytes& frame : view_changes) {
      checked.push_back(std::get<CheckedViewChange>(check_embedded_view_change(frame, context())));
    }
    return encode_new_view(NewView{view, view_changes, encode_pre_prepares(plan_new_view(view, checked))});
  }

  // Prepares `batch` at (0, 1) here: the primary's PRE-PREPARE and one other backup's PREPARE.
  void prepare_first_slot(const TestBatch& batch) {
    keep(pre_prepare(1, batch).actions);
    keep(prepare(other_backups()[0], 1, batch.digest).actions);
    ASSERT_TRUE(core_.slot(1)->last_prepared);
  }

  static void expect_certificate(const CheckedViewChange& view_change, Sequence sequence, View view,
                                 const crypto::Digest& digest) {
    ASSERT_EQ(view_change.certificates.size(), 1u) << "the prepared certificate is missing";
    EXPECT_EQ(view_change.certificates[0].sequence, sequence);
    EXPECT_EQ(view_change.certificates[0].view, view);
    EXPECT_EQ(view_change.certificates[0].digest, digest);
  }
};

// Failed on main before the fix: the backup's own PREPARE frame was left out of its records.
TEST_F(CertificateSurvivalTest, ARestartedBackupStillProvesWhatItPrepared) {
  const TestBatch batch = batch_for(1);
  prepare_first_slot(batch);
  const std::unique_ptr<PbftCore> again = restarted();
  expect_certificate(received_view_change(time_out(*again)), 1, 0, batch.digest);
}

class PrimaryCertificateSurvivalTest : public CertificateSurvivalTest {
 protected:
  PrimaryCertificateSurvivalTest() : CertificateSurvivalTest(0) {}
};

// Failed on main before the fix: the primary's record was written before its PRE-PREPARE was
// signed, so the restarted primary had no frame to prove its own proposal with.
TEST_F(PrimaryCertificateSurvivalTest, ARestartedPrimaryStillProvesWhatItPrepared) {
  const TestBatch batch = batch_for(1);
  replica::Actions proposed;
  core_.propose(batch.batch, batch.digest, proposed);
  keep(proposed);
  keep(prepare(1, 1, batch.digest).actions);
  keep(prepare(2, 1, batch.digest).actions);
  ASSERT_TRUE(core_.slot(1)->last_prepared);
  const std::unique_ptr<PbftCore> again = restarted();
  expect_certificate(received_view_change(time_out(*again)), 1, 0, batch.digest);
}

// Failed on main before the fix: restored in view 1, the replica ignored its own vote of view 0,
// and the VIEW-CHANGE it re-sent after the restart had no certificate (for that view, for good).
TEST_F(CertificateSurvivalTest, AReplicaRestartedDuringAViewChangeStillProvesWhatItPrepared) {
  const TestBatch batch = batch_for(1);
  prepare_first_slot(batch);
  const replica::Actions timed_out = time_out(core_);
  keep(timed_out);
  expect_certificate(received_view_change(timed_out), 1, 0, batch.digest);

  const std::unique_ptr<PbftCore> again = restarted();
  ASSERT_TRUE(again->in_view_change());
  replica::Actions resent;
  again->on_tick(resent);
  expect_certificate(received_view_change(resent), 1, 0, batch.digest);
}

class BackupOfTwoViewsTest : public CertificateSurvivalTest {
 protected:
  // A backup in views 0 and 1 (whose primaries are 0 and 1).
  BackupOfTwoViewsTest() : CertificateSurvivalTest(2) {}

  // View 1 begins with a NEW-VIEW from replica 1 built on VIEW-CHANGEs from 0, 1 and this replica,
  // 0 and 1 reporting `prepared` (none: nothing prepared anywhere).
  void install_view_one(const std::vector<PreparedCertificateFrames>& prepared) {
    const replica::Actions timed_out = time_out(core_);
    keep(timed_out);
    const std::vector<replica::Outgoing> own = sent_of_kind(timed_out, MessageKind::pbft_view_change);
    ASSERT_EQ(own.size(), 1u);
    const std::vector<Bytes> view_changes{view_change(0, 1, prepared), view_change(1, 1, prepared), own[0].frame};
    const Delivery installed = from(1, MessageKind::pbft_new_view, new_view_body(1, view_changes));
    ASSERT_FALSE(installed.dropped);
    keep(installed.actions);
    ASSERT_EQ(core_.view(), 1u);
    ASSERT_FALSE(core_.in_view_change());
  }
};

// Failed on main before the fix: after the view change, the slot's record of view 1 (re-issued,
// voted, not prepared) replaced that of view 0 at the restart, and every later VIEW-CHANGE left out
// the batch that had prepared (and possibly committed) in view 0.
TEST_F(BackupOfTwoViewsTest, ARestartAfterAViewChangeKeepsTheCertificateOfTheEarlierView) {
  const TestBatch batch = batch_for(1);
  keep(pre_prepare(1, batch).actions);
  keep(prepare(3, 1, batch.digest).actions);
  ASSERT_TRUE(core_.slot(1)->last_prepared);
  install_view_one({certificate(0, 1, batch, {2, 3})});
  // The new primary's PRE-PREPARE of the re-issued batch: this replica votes for it in view 1.
  keep(pre_prepare(1, batch, 1).actions);
  ASSERT_TRUE(core_.slot(1)->sent_prepare);

  const std::unique_ptr<PbftCore> again = restarted();
  ASSERT_EQ(again->view(), 1u);
  expect_certificate(received_view_change(time_out(*again)), 1, 0, batch.digest);
}

// Failed on main before the fix: backups did not persist the PRE-PREPAREs a NEW-VIEW re-issued, so
// one restarted before the new primary's PRE-PREPARE arrived accepted any batch there.
TEST_F(BackupOfTwoViewsTest, ARestartedBackupAcceptsOnlyTheBatchTheNewViewNamed) {
  const TestBatch named = batch_for(1);
  install_view_one({certificate(0, 1, named, {2, 3})});
  const std::unique_ptr<PbftCore> again = restarted();
  ASSERT_EQ(again->view(), 1u);
  const TestBatch other = make_batch(keys_, 2, 77, 1);
  const Delivery conflicting =
      deliver(*again, keys_, keys_.pre_prepare(1, 1, 1, other));
  EXPECT_TRUE(sent_of_kind(conflicting.actions, MessageKind::pbft_prepare).empty());
  EXPECT_EQ(again->ignored().at(reason::kConflictingPrePrepare), 1u);

  const Delivery named_one =
      deliver(*again, keys_, keys_.pre_prepare(1, 1, 1, named));
  EXPECT_EQ(sent_of_kind(named_one.actions, MessageKind::pbft_prepare).size(), 1u);
}

// Failed on main before the fix (the race of the runtime's group commit): the slot prepared and
// f+1 VIEW-CHANGEs arrived in one round, before the pipeline had synced and signed this replica's
// PREPARE, so its VIEW-CHANGE left the certificate out, in its retransmissions too.
TEST_F(BackupOfTwoViewsTest, AViewChangeInTheRoundOfThePrepareCarriesTheCertificate) {
  const TestBatch batch = batch_for(1);
  prepare_first_slot(batch);
  ASSERT_FALSE(from(0, MessageKind::pbft_view_change,
                    encode_view_change(ViewChange{1, 0, {}, {}})).dropped);
  const Delivery joined = from(3, MessageKind::pbft_view_change, encode_view_change(ViewChange{1, 0, {}, {}}));
  ASSERT_TRUE(core_.in_view_change());
  expect_certificate(received_view_change(joined.actions), 1, 0, batch.digest);
  replica::Actions retransmitted;
  for (replica::Tick t = 0; t < small_options(self_).retransmit_ticks; ++t) core_.on_tick(retransmitted);
  expect_certificate(received_view_change(retransmitted), 1, 0, batch.digest);
}

// Failed on main before the fix: a checkpoint that became stable in the very call that took it was
// persisted without this replica's own CHECKPOINT (not signed yet), so after a restart every
// VIEW-CHANGE carried a proof one vote short and every replica refused it
// (pbft.bad_checkpoint_proof): the restarted replica could never take part in a view change.
TEST_F(CertificateSurvivalTest, ARestartedReplicaSendsACheckpointProofOthersAccept) {
  for (Sequence sequence = 1; sequence <= 4; ++sequence) {
    const TestBatch batch = batch_for(sequence);
    keep(pre_prepare(sequence, batch).actions);
    keep(prepare(other_backups()[0], sequence, batch.digest).actions);
    keep(commit(0, sequence, batch.digest).actions);
    keep(commit(other_backups()[0], sequence, batch.digest).actions);
  }
  const crypto::Digest digest = state_digest("state 4");
  keep(checkpoint(0, 4, digest).actions);
  keep(checkpoint(other_backups()[0], 4, digest).actions);
  replica::Actions taken;
  core_.on_checkpoint_taken(4, digest, taken);  // stable in this call
  keep(taken);
  ASSERT_EQ(core_.low_watermark(), 4u);

  const std::unique_ptr<PbftCore> again = restarted();
  replica::Actions installed;
  again->on_state_installed(4, digest, installed);  // the pipeline restores the saved snapshot first
  const CheckedViewChange view_change = received_view_change(time_out(*again));
  EXPECT_EQ(view_change.stable_sequence, 4u);
  EXPECT_EQ(view_change.stable_digest, digest);
}

}  // namespace
}  // namespace loyal::pbft::testing
