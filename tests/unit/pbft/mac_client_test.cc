// Issue 12, item 6: with MAC client authentication a replica checks only its own entry of a
// request's MAC vector, so a faulty client can make a request that some replicas authenticate and
// others do not. Such a client must not stall PBFT: a backup that cannot authenticate a request
// does not vote for the batch itself, but follows 2f backups that did (f+1 correct replicas among
// them authenticated it), and a batch a NEW-VIEW re-issued from a prepared certificate is prepared
// whatever this replica's MAC entries say. Before the fix both backups below refused the whole
// PRE-PREPARE as pbft.unauthentic_request, which left the slot without a quorum.

#include <gtest/gtest.h>

#include "pbft/drop_reasons.h"
#include "pbft/new_view.h"
#include "pbft/pbft_core.h"
#include "pbft/view_change.h"
#include "pbft_test_support.h"

namespace loyal::pbft::testing {
namespace {

using net::MessageKind;

class MacClientTest : public ::testing::Test {
 protected:
  explicit MacClientTest(ReplicaId self)
      : self_(self), core_(small_options(self), keys_.authenticator(self), keys_.verifier(), keys_.signer(self)) {}

  Delivery from(ReplicaId sender, MessageKind kind, const Bytes& body) {
    return deliver(core_, keys_, keys_.frame(sender, kind, body));
  }
  // A batch with one request whose MAC entry for this replica is wrong (and right for the others).
  TestBatch batch_this_replica_cannot_authenticate() const {
    return make_batch(replica::Batch{{keys_.client_request(1, 7, "put k v", {self_})}});
  }
  std::uint64_t ignored(std::string_view reason) const {
    const auto it = core_.ignored().find(reason);
    return it == core_.ignored().end() ? 0 : it->second;
  }

  TestKeys keys_{4, cluster::ClientAuth::mac};
  ReplicaId self_;
  PbftCore core_;
};

class BackupWithBadMacEntry : public MacClientTest {
 protected:
  BackupWithBadMacEntry() : MacClientTest(1) {}
};

TEST_F(BackupWithBadMacEntry, WithholdsItsPrepareButCommitsOnceTwoFOtherBackupsVouch) {
  const TestBatch batch = batch_this_replica_cannot_authenticate();
  const Delivery pre_prepared = deliver(core_, keys_, keys_.pre_prepare(0, 0, 1, batch));
  ASSERT_FALSE(pre_prepared.dropped) << *pre_prepared.dropped;
  EXPECT_TRUE(sent_of_kind(pre_prepared.actions, MessageKind::pbft_prepare).empty())
      << "no vote for requests this replica cannot authenticate";
  EXPECT_EQ(ignored(reason::kPrepareWithheldUnauthenticRequest), 1u);
  EXPECT_EQ(pre_prepared.actions.persist.size(), 1u) << "it holds to this batch for the view, restarted too";

  EXPECT_TRUE(sent_of_kind(from(2, MessageKind::pbft_prepare, prepare_body(0, 1, batch.digest)).actions,
                           MessageKind::pbft_commit)
                  .empty())
      << "one other backup is not enough: it may be the faulty client's accomplice";
  const Delivery prepared = from(3, MessageKind::pbft_prepare, prepare_body(0, 1, batch.digest));
  EXPECT_EQ(sent_of_kind(prepared.actions, MessageKind::pbft_commit).size(), 1u)
      << "2f backups vouch: f+1 correct replicas authenticated every request";
  from(0, MessageKind::pbft_commit, commit_body(0, 1, batch.digest));
  const Delivery committed = from(2, MessageKind::pbft_commit, commit_body(0, 1, batch.digest));
  ASSERT_EQ(committed.actions.committed.size(), 1u);
  EXPECT_EQ(committed.actions.committed[0].digest, batch.digest);
}

// A client's signature reads the same everywhere: a batch with a bad one is the primary's fault,
// and is still refused outright in signature mode (ValidatorTest.RefusesBatchWithARequestItsClientDidNotSign).

class BackupOfTheNextView : public MacClientTest {
 protected:
  BackupOfTheNextView() : MacClientTest(2) {}
};

TEST_F(BackupOfTheNextView, PreparesABatchTheNewViewReissuedEvenIfItCannotAuthenticateItsRequests) {
  const TestBatch batch = batch_this_replica_cannot_authenticate();
  // Replicas 0, 1 and 3 prepared the batch at sequence number 1 in view 0; replica 2 never saw it.
  PreparedCertificateFrames certificate{keys_.frame(0, MessageKind::pbft_pre_prepare, pre_prepare_body(0, 1, batch)),
                                        {}};
  for (const ReplicaId backup : {1u, 3u}) {
    certificate.prepares.push_back(keys_.frame(backup, MessageKind::pbft_prepare, prepare_body(0, 1, batch.digest)));
  }
  std::vector<Bytes> view_changes;
  std::vector<CheckedViewChange> checked;
  const EvidenceContext context{keys_.decode_context(), 3, 8, 4, cluster::pbft_view_change_limit_bytes(4, 8),
                                &keys_.verifier()};
  for (const ReplicaId sender : {0u, 1u, 3u}) {
    ViewChange view_change{1, 0, {}, {}};
    if (sender == 3) view_change.prepared.push_back(certificate);
    view_changes.push_back(keys_.frame(sender, MessageKind::pbft_view_change, encode_view_change(view_change)));
    checked.push_back(std::get<CheckedViewChange>(check_embedded_view_change(view_changes.back(), context)));
  }
  const NewViewPlan plan = plan_new_view(1, checked);
  ASSERT_EQ(plan.pre_prepares.size(), 1u);
  ASSERT_EQ(plan.pre_prepares[0].batch_digest, batch.digest);
  ASSERT_FALSE(from(1, MessageKind::pbft_new_view, encode_new_view({1, view_changes, encode_pre_prepares(plan)})).dropped);
  ASSERT_EQ(core_.view(), 1u);

  const Delivery reissued = deliver(core_, keys_, keys_.pre_prepare(1, 1, 1, batch));
  ASSERT_FALSE(reissued.dropped) << *reissued.dropped;
  EXPECT_EQ(sent_of_kind(reissued.actions, MessageKind::pbft_prepare).size(), 1u)
      << "the certificate fixed this batch: refusing it would only leave the slot unfilled";
  EXPECT_EQ(ignored(reason::kPrepareWithheldUnauthenticRequest), 0u);
}

}  // namespace
}  // namespace loyal::pbft::testing
