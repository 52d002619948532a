// View change at one core (Castro & Liskov, signature variant): VIEW-CHANGE and NEW-VIEW
// validation, computing O, request timers, joining a higher view, and regression scenarios named
// after the failure each one guards against. Whole clusters: view_change_cluster_test.cc.

#include <gtest/gtest.h>

#include "core_fixture.h"
#include "pbft/new_view.h"
#include "pbft/view_change.h"

namespace loyal::pbft::testing {
namespace {

using net::MessageKind;

// Signed evidence built by hand, as a faulty or a correct replica would send it.
class Evidence {
 public:
  explicit Evidence(const TestKeys& keys) : keys_(keys) {}

  PreparedCertificateFrames certificate(View view, Sequence sequence, const TestBatch& batch,
                                        const std::vector<ReplicaId>& backups) const {
    PreparedCertificateFrames frames{
        keys_.frame(primary_of(view, keys_.replica_count()), MessageKind::pbft_pre_prepare,
                    pre_prepare_body(view, sequence, batch)),
        {}};
    for (const ReplicaId backup : backups) {
      frames.prepares.push_back(
          keys_.frame(backup, MessageKind::pbft_prepare, prepare_body(view, sequence, batch.digest)));
    }
    return frames;
  }

  Bytes view_change_body(View view, std::vector<PreparedCertificateFrames> prepared = {}) const {
    return encode_view_change(ViewChange{view, 0, {}, std::move(prepared)});
  }
  Bytes view_change(ReplicaId sender, View view, std::vector<PreparedCertificateFrames> prepared = {}) const {
    return keys_.frame(sender, MessageKind::pbft_view_change, view_change_body(view, std::move(prepared)));
  }

  // The NEW-VIEW body a correct primary would send for these VIEW-CHANGE frames.
  Bytes new_view_body(View view, const std::vector<Bytes>& view_changes) const {
    std::vector<CheckedViewChange> checked;
    for (const Bytes& frame : view_changes) {
      checked.push_back(std::get<CheckedViewChange>(check_embedded_view_change(frame, context())));
    }
    return encode_new_view(NewView{view, view_changes, encode_pre_prepares(plan_new_view(view, checked))});
  }

  EvidenceContext context() const {
    return EvidenceContext{keys_.decode_context(), 3, 8, 4, cluster::pbft_view_change_limit_bytes(4, 8), &keys_.verifier()};
  }

 private:
  const TestKeys& keys_;
};

class ViewChangeTest : public CoreTest {
 protected:
  explicit ViewChangeTest(ReplicaId self = 1) : CoreTest(self) {}

  Delivery deliver_signed(ReplicaId sender, MessageKind kind, const Bytes& body) {
    Delivery delivery = from(sender, kind, body);
    return delivery;
  }
  replica::Actions tick(std::uint32_t ticks) {
    replica::Actions all;
    for (std::uint32_t i = 0; i < ticks; ++i) {
      replica::Actions actions;
      core_.on_tick(actions);
      for (replica::Outgoing& outgoing : sent_messages(actions)) all.send.push_back(std::move(outgoing));
    }
    return all;
  }

  Evidence evidence_{keys_};
};

class NewPrimaryTest : public ViewChangeTest {
 protected:
  NewPrimaryTest() : ViewChangeTest(1) {}
};

class BackupViewChangeTest : public ViewChangeTest {
 protected:
  BackupViewChangeTest() : ViewChangeTest(2) {}
};

class OldPrimaryTest : public ViewChangeTest {
 protected:
  OldPrimaryTest() : ViewChangeTest(0) {}
};


// ---- messages ----------------------------------------------------------------------------------

TEST(ViewChangeMessages, ViewChangeAndNewViewRoundTrip) {
  const ViewChange view_change{
      3, 8, {Bytes{1, 2}, Bytes{3}}, {PreparedCertificateFrames{Bytes{4}, {Bytes{5}, Bytes{6}}}}};
  EXPECT_EQ(std::get<ViewChange>(decode_view_change(encode_view_change(view_change), {}, 8)), view_change);
  const NewView new_view{3, {Bytes{7}}, {Bytes{8}, Bytes{9}}};
  EXPECT_EQ(std::get<NewView>(decode_new_view(encode_new_view(new_view), {}, 8)), new_view);
}

TEST(ViewChangeMessages, ListsLongerThanTheirLimitAreMalformed) {
  const ViewChange view_change{1, 0, {}, std::vector<PreparedCertificateFrames>(5, PreparedCertificateFrames{})};
  EXPECT_TRUE(std::holds_alternative<net::DecodeError>(decode_view_change(encode_view_change(view_change), {}, 4)));
  const NewView new_view{1, std::vector<Bytes>(5, Bytes{1}), {}};
  EXPECT_TRUE(std::holds_alternative<net::DecodeError>(decode_new_view(encode_new_view(new_view), {}, 4)));
}

TEST(NewViewPlan, ReissuesTheHighestViewCertificateAndNullRequestsForGaps) {
  TestKeys keys(4);
  const Evidence evidence(keys);
  const TestBatch old_batch = make_batch(keys, 1, 10, 1);
  const TestBatch new_batch = make_batch(keys, 1, 20, 1);
  const TestBatch third = make_batch(keys, 1, 30, 1);
  std::vector<CheckedViewChange> view_changes;
  for (const Bytes& frame : {evidence.view_change(0, 2, {evidence.certificate(0, 1, old_batch, {1, 2})}),
                             evidence.view_change(2, 2, {evidence.certificate(1, 1, new_batch, {0, 2}),
                                                         evidence.certificate(0, 3, third, {1, 3})}),
                             evidence.view_change(3, 2)}) {
    view_changes.push_back(std::get<CheckedViewChange>(check_embedded_view_change(frame, evidence.context())));
  }
  const NewViewPlan plan = plan_new_view(2, view_changes);
  EXPECT_EQ(plan.min_s, 0u);
  EXPECT_EQ(plan.max_s, 3u);
  ASSERT_EQ(plan.pre_prepares.size(), 3u);
  EXPECT_EQ(plan.pre_prepares[0], (PrePrepare{2, 1, new_batch.digest})) << "highest view wins";
  EXPECT_EQ(plan.pre_prepares[1], (PrePrepare{2, 2, crypto::sha256({})})) << "a null request fills the gap";
  EXPECT_EQ(plan.pre_prepares[2], (PrePrepare{2, 3, third.digest}));
}

// ---- validation --------------------------------------------------------------------------------

TEST_F(NewPrimaryTest, ViewChangeFromANonMemberIsRejected) {
  const Bytes body = evidence_.view_change_body(1);
  for (const NodeId sender : {NodeId::replica(4), NodeId::replica(100), NodeId::client(0)}) {
    const net::Envelope envelope{{kClusterId, ProtocolMode::pbft, sender, MessageKind::pbft_view_change}, body,
                                 net::NoAuthenticator{}};
    const replica::Validation validation =
        core_.validate(envelope, keys_.frame(0, MessageKind::pbft_view_change, body));
    ASSERT_TRUE(std::holds_alternative<std::string_view>(validation));
    EXPECT_EQ(std::get<std::string_view>(validation), reason::kSenderNotReplica);
  }
  // Nor can a non-member's VIEW-CHANGE ride inside a NEW-VIEW: it does not decode as a member's.
  TestKeys bigger(5);
  const Bytes outsider = bigger.frame(4, MessageKind::pbft_view_change, body);
  EXPECT_TRUE(std::holds_alternative<std::string_view>(check_embedded_view_change(outsider, evidence_.context())));
}

TEST_F(NewPrimaryTest, ViewChangeWithAnInvalidCertificateIsRejected) {
  const TestBatch batch = batch_for(1);
  // Prepares from only one backup.
  EXPECT_EQ(from(2, MessageKind::pbft_view_change,
                 evidence_.view_change_body(1, {evidence_.certificate(0, 1, batch, {2})}))
                .dropped,
            reason::kBadPreparedCertificate);
  // A PREPARE with a broken signature.
  PreparedCertificateFrames forged = evidence_.certificate(0, 1, batch, {2, 3});
  forged.prepares[1][forged.prepares[1].size() - 1] ^= 0x01;
  EXPECT_EQ(from(2, MessageKind::pbft_view_change, evidence_.view_change_body(1, {forged})).dropped,
            reason::kBadPreparedCertificate);
  // A pre-prepare not from that view's primary.
  PreparedCertificateFrames wrong_primary = evidence_.certificate(0, 1, batch, {2, 3});
  wrong_primary.pre_prepare = keys_.frame(3, MessageKind::pbft_pre_prepare, pre_prepare_body(0, 1, batch));
  EXPECT_EQ(from(2, MessageKind::pbft_view_change, evidence_.view_change_body(1, {wrong_primary})).dropped,
            reason::kBadPreparedCertificate);
  // PREPAREs for another digest.
  PreparedCertificateFrames mismatched = evidence_.certificate(0, 1, batch, {2, 3});
  mismatched.prepares[0] = keys_.frame(2, MessageKind::pbft_prepare, prepare_body(0, 1, batch_for(2).digest));
  EXPECT_EQ(from(2, MessageKind::pbft_view_change, evidence_.view_change_body(1, {mismatched})).dropped,
            reason::kBadPreparedCertificate);
  // A checkpoint proof at sequence 4 with one signature.
  const Bytes proof_body = encode_view_change(
      ViewChange{1, 4, {keys_.frame(0, MessageKind::checkpoint, checkpoint_body(4, state_digest("s")))}, {}});
  EXPECT_EQ(from(2, MessageKind::pbft_view_change, proof_body).dropped, reason::kBadCheckpointProof);
  // And a valid one is accepted.
  EXPECT_FALSE(from(2, MessageKind::pbft_view_change,
                    evidence_.view_change_body(1, {evidence_.certificate(0, 1, batch, {2, 3})}))
                   .dropped);
}

TEST_F(BackupViewChangeTest, NewViewWithoutTwoFPlusOneValidViewChangesIsRejected) {
  const std::vector<Bytes> quorum{evidence_.view_change(0, 1), evidence_.view_change(1, 1),
                                  evidence_.view_change(3, 1)};
  const std::vector<Bytes> two(quorum.begin(), quorum.begin() + 2);
  EXPECT_EQ(from(1, MessageKind::pbft_new_view, evidence_.new_view_body(1, two)).dropped,
            reason::kNewViewTooFewViewChanges);

  // The same VIEW-CHANGE twice does not count twice.
  std::vector<Bytes> repeated = two;
  repeated.push_back(two[0]);
  EXPECT_EQ(from(1, MessageKind::pbft_new_view,
                 encode_new_view(NewView{1, repeated, {}}))
                .dropped,
            reason::kNewViewBadViewChange);

  // An invalid VIEW-CHANGE (a broken signature) cannot make up the quorum.
  std::vector<Bytes> with_invalid = two;
  Bytes broken = quorum[2];
  broken[broken.size() - 1] ^= 0x01;
  with_invalid.push_back(broken);
  EXPECT_EQ(from(1, MessageKind::pbft_new_view, encode_new_view(NewView{1, with_invalid, {}})).dropped,
            reason::kNewViewBadViewChange);

  // VIEW-CHANGEs for another view.
  const std::vector<Bytes> other_view{evidence_.view_change(0, 5), evidence_.view_change(1, 5),
                                      evidence_.view_change(3, 5)};
  EXPECT_EQ(from(1, MessageKind::pbft_new_view, encode_new_view(NewView{1, other_view, {}})).dropped,
            reason::kNewViewBadViewChange);

  // Not from the new view's primary.
  EXPECT_EQ(from(3, MessageKind::pbft_new_view, evidence_.new_view_body(1, quorum)).dropped,
            reason::kNewViewNotFromPrimary);

  // Re-issued PRE-PREPAREs that V does not imply.
  NewView padded{1, quorum, {encode_pre_prepare(PrePrepare{1, 1, crypto::sha256({})})}};
  EXPECT_EQ(from(1, MessageKind::pbft_new_view, encode_new_view(padded)).dropped, reason::kNewViewWrongPrePrepares);

  EXPECT_EQ(core_.view(), 0u);
  const Delivery accepted = from(1, MessageKind::pbft_new_view, evidence_.new_view_body(1, quorum));
  EXPECT_FALSE(accepted.dropped);
  EXPECT_EQ(core_.view(), 1u);
  EXPECT_FALSE(core_.in_view_change());
  EXPECT_EQ(core_.status().leader, ReplicaId{1});
}

TEST_F(BackupViewChangeTest, ABackupBehindTheNewViewsCheckpointFetchesIt) {
  const crypto::Digest digest = state_digest("state 4");
  std::vector<Bytes> proof;
  for (const ReplicaId signer : {0u, 1u, 3u}) {
    proof.push_back(keys_.frame(signer, MessageKind::checkpoint, checkpoint_body(4, digest)));
  }
  const std::vector<Bytes> view_changes{
      keys_.frame(0, MessageKind::pbft_view_change, encode_view_change(ViewChange{1, 4, proof, {}})),
      evidence_.view_change(1, 1), evidence_.view_change(3, 1)};
  const Delivery delivery = from(1, MessageKind::pbft_new_view, evidence_.new_view_body(1, view_changes));
  ASSERT_FALSE(delivery.dropped);
  EXPECT_EQ(core_.view(), 1u);
  ASSERT_TRUE(delivery.actions.fetch_state);
  EXPECT_EQ(delivery.actions.fetch_state->sequence, 4u);
  EXPECT_EQ(delivery.actions.fetch_state->state_digest, digest);
  EXPECT_EQ(delivery.actions.fetch_state->sources, (std::vector<ReplicaId>{0, 1, 3}));
}

TEST_F(BackupViewChangeTest, ABatchCommittedInAnEarlierViewIsNotReplacedByANewPrimary) {
  const TestBatch committed = batch_for(2);
  commit_slot(2);  // committed-local, waiting for sequence 1
  ASSERT_TRUE(core_.slot(2)->committed_local);
  const crypto::Digest digest = state_digest("state 4");
  std::vector<Bytes> proof;
  for (const ReplicaId signer : {0u, 1u, 3u}) {
    proof.push_back(keys_.frame(signer, MessageKind::checkpoint, checkpoint_body(4, digest)));
  }
  const std::vector<Bytes> view_changes{
      keys_.frame(0, MessageKind::pbft_view_change, encode_view_change(ViewChange{1, 4, proof, {}})),
      evidence_.view_change(1, 1), evidence_.view_change(3, 1)};
  ASSERT_FALSE(from(1, MessageKind::pbft_new_view, evidence_.new_view_body(1, view_changes)).dropped);
  ASSERT_EQ(core_.low_watermark(), 0u) << "behind: the checkpoint is being fetched";
  EXPECT_TRUE(pre_prepare(2, batch_for(7), 1).actions.empty());
  EXPECT_EQ(ignored(reason::kConflictingPrePrepare), 1u);
  EXPECT_EQ(core_.slot(2)->pre_prepare->digest, committed.digest);
}

// Issue 12, item 7: every stale VIEW-CHANGE made the new primary re-send its whole NEW-VIEW (a
// quorum of VIEW-CHANGEs, up to thousands of signatures), so one replica re-sending fast could
// make it send NEW-VIEWs without end. Now at most once per retransmission period per replica.
TEST_F(NewPrimaryTest, AStaleViewChangeGetsTheNewViewAtMostOncePerRetransmissionPeriod) {
  ASSERT_FALSE(deliver_signed(0, MessageKind::pbft_view_change, evidence_.view_change_body(1)).dropped);
  ASSERT_FALSE(deliver_signed(2, MessageKind::pbft_view_change, evidence_.view_change_body(1)).dropped);
  ASSERT_EQ(core_.view(), 1u);
  ASSERT_FALSE(core_.in_view_change()) << "this replica is the primary of view 1 and installed it";

  const Bytes stale = evidence_.view_change(3, 1);
  const auto envelope = std::get<net::Envelope>(net::decode_envelope(stale, keys_.decode_context()));
  EXPECT_FALSE(core_.redundant(envelope)) << "the primary answers it: it is checked";
  EXPECT_EQ(sent_of_kind(deliver(core_, keys_, stale).actions, MessageKind::pbft_new_view).size(), 1u);
  EXPECT_TRUE(sent_of_kind(deliver(core_, keys_, stale).actions, MessageKind::pbft_new_view).empty());
  tick(small_options(self_).retransmit_ticks);
  EXPECT_EQ(sent_of_kind(deliver(core_, keys_, stale).actions, MessageKind::pbft_new_view).size(), 1u);
}

// Found by the real-process nemesis test (issue 12): a replica restarted with a wiped disk while
// the others were in view 1 ignored all of view 1's messages and rejoined only at the next view
// change. f+1 replicas voting in view 1 now take it there: its VIEW-CHANGE for view 1, which the
// primary of view 1 answers with its NEW-VIEW.
TEST_F(BackupViewChangeTest, AReplicaLeftInAnOlderViewCatchesUpWhenFPlusOneReplicasVoteInANewerOne) {
  const TestBatch batch = batch_for(1);
  EXPECT_TRUE(sent_messages(prepare(0, 1, batch.digest, 1).actions).empty()) << "one replica may be faulty";
  EXPECT_EQ(core_.view(), 0u);
  const Delivery second = prepare(3, 1, batch.digest, 1);
  EXPECT_EQ(core_.view(), 1u);
  EXPECT_TRUE(core_.in_view_change());
  ASSERT_EQ(sent_of_kind(second.actions, MessageKind::pbft_view_change).size(), 1u);

  const std::vector<Bytes> view_changes{evidence_.view_change(0, 1), evidence_.view_change(1, 1),
                                        evidence_.view_change(3, 1)};
  ASSERT_FALSE(from(1, MessageKind::pbft_new_view, evidence_.new_view_body(1, view_changes)).dropped);
  EXPECT_FALSE(core_.in_view_change());
  EXPECT_EQ(core_.status().leader, 1u);
}

// Found by the nemesis test: a replica that missed a NEW-VIEW re-sent its VIEW-CHANGE, but only
// the primary answered with the NEW-VIEW, and a primary restarted since no longer held it: the
// replica stayed in the view change for good. Every replica that installed the view passes on the
// primary's signed NEW-VIEW as it was sent.
TEST_F(BackupViewChangeTest, ABackupPassesOnTheNewViewItInstalledToAReplicaThatMissedIt) {
  const std::vector<Bytes> view_changes{evidence_.view_change(0, 1), evidence_.view_change(1, 1),
                                        evidence_.view_change(3, 1)};
  const Bytes new_view = keys_.frame(1, MessageKind::pbft_new_view, evidence_.new_view_body(1, view_changes));
  ASSERT_FALSE(deliver(core_, keys_, new_view).dropped);
  const std::vector<replica::Outgoing> passed =
      sent_of_kind(deliver(core_, keys_, view_changes[2]).actions, MessageKind::pbft_new_view);
  ASSERT_EQ(passed.size(), 1u);
  EXPECT_EQ(passed[0].to, 3u);
  EXPECT_EQ(passed[0].frame, new_view) << "the primary's own signed frame";
}

// A VIEW-CHANGE that changes nothing here is dropped before its certificates are verified: once
// its sender got the NEW-VIEW within the retransmission period, nothing would answer it.
TEST_F(BackupViewChangeTest, AViewChangeForAViewAlreadyInstalledIsSkippedUnverified) {
  const std::vector<Bytes> view_changes{evidence_.view_change(0, 1), evidence_.view_change(1, 1),
                                        evidence_.view_change(3, 1)};
  ASSERT_FALSE(from(1, MessageKind::pbft_new_view, evidence_.new_view_body(1, view_changes)).dropped);
  ASSERT_EQ(core_.view(), 1u);
  const auto envelope = std::get<net::Envelope>(net::decode_envelope(view_changes[0], keys_.decode_context()));
  EXPECT_FALSE(core_.redundant(envelope)) << "the first is answered with the NEW-VIEW";
  deliver(core_, keys_, view_changes[0]);
  EXPECT_TRUE(core_.redundant(envelope));
  EXPECT_EQ(ignored(reason::kStaleViewChange), 2u) << "the answered one, and the skipped one";
}

// Guards against one replica's VIEW-CHANGE with invalid certificates masking valid ones: a forged
// certificate for a higher view, if it counted, would replace the batch that really prepared.
TEST_F(NewPrimaryTest, OneViewChangeWithInvalidCertificatesDoesNotMaskOtherReplicasValidOnes) {
  const TestBatch prepared_batch = batch_for(1);
  const TestBatch forged_batch = batch_for(2);
  // Replica 3 claims a certificate for sequence 1 from view 0 with a forged PREPARE (signed by 3
  // for replica 2's slot), so its whole VIEW-CHANGE is invalid.
  PreparedCertificateFrames forged = evidence_.certificate(0, 1, forged_batch, {3, 3});
  EXPECT_EQ(from(3, MessageKind::pbft_view_change, evidence_.view_change_body(1, {forged})).dropped,
            reason::kBadPreparedCertificate);
  // Replicas 0 and 2 report what really prepared.
  EXPECT_FALSE(from(2, MessageKind::pbft_view_change,
                    evidence_.view_change_body(1, {evidence_.certificate(0, 1, prepared_batch, {2, 3})}))
                   .dropped);
  // f+1 ask for view 1: this replica joins, and its own signed VIEW-CHANGE completes the quorum in
  // the same call, so the NEW-VIEW goes out with it.
  const Delivery joined = deliver_signed(0, MessageKind::pbft_view_change, evidence_.view_change_body(1));
  ASSERT_EQ(sent_of_kind(joined.actions, MessageKind::pbft_view_change).size(), 1u);
  const replica::Actions& sent = joined.actions;
  const std::vector<replica::Outgoing> new_views = sent_of_kind(sent, MessageKind::pbft_new_view);
  ASSERT_EQ(new_views.size(), 1u);
  const NewView new_view = std::get<NewView>(decode_new_view(new_views[0].body, {}, 8));
  ASSERT_EQ(new_view.pre_prepares.size(), 1u);
  EXPECT_EQ(std::get<PrePrepare>(decode_pre_prepare(new_view.pre_prepares[0], {})),
            (PrePrepare{1, 1, prepared_batch.digest}));
  EXPECT_EQ(core_.view(), 1u);
  EXPECT_TRUE(core_.can_propose());
  // This replica never saw the batch, only its digest in replica 2's certificate: it asks for it,
  // and the PRE-PREPARE goes out once a replica that prepared it answers.
  EXPECT_TRUE(sent_of_kind(sent, MessageKind::pbft_pre_prepare).empty());
  const std::vector<replica::Outgoing> requests = sent_of_kind(sent, MessageKind::pbft_batch_request);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(std::get<BatchRequest>(decode_batch_request(requests[0].body, {})),
            (BatchRequest{1, prepared_batch.digest}));
  const Bytes wrong = batch_for(3).batch;
  EXPECT_EQ(deliver(core_, keys_,
                    keys_.frame(3, MessageKind::pbft_batch_reply, encode_batch_reply({1, prepared_batch.digest}), wrong))
                .dropped,
            reason::kBatchDigestMismatch);
  const Delivery answered = deliver(core_, keys_,
                                    keys_.frame(2, MessageKind::pbft_batch_reply,
                                                encode_batch_reply({1, prepared_batch.digest}), prepared_batch.batch));
  ASSERT_FALSE(answered.dropped);
  const std::vector<replica::Outgoing> pre_prepares = sent_of_kind(answered.actions, MessageKind::pbft_pre_prepare);
  ASSERT_EQ(pre_prepares.size(), 1u) << "O goes out as signed PRE-PREPAREs, each with its batch";
  EXPECT_EQ(pre_prepares[0].attachment, prepared_batch.batch);
  EXPECT_EQ(answered.actions.persist.size(), 1u) << "the slot's record holds the batch before it leaves";
}

TEST_F(BackupViewChangeTest, JoinsTheSmallestHigherViewAfterFPlusOneViewChanges) {
  EXPECT_TRUE(sent_messages(from(0, MessageKind::pbft_view_change, evidence_.view_change_body(3)).actions).empty())
      << "f view changes may all be faulty";
  EXPECT_EQ(core_.view(), 0u);
  const Delivery second = from(3, MessageKind::pbft_view_change, evidence_.view_change_body(5));
  const std::vector<replica::Outgoing> sent = sent_of_kind(second.actions, MessageKind::pbft_view_change);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(std::get<ViewChange>(decode_view_change(sent[0].body, {}, 8)).view, 3u);
  EXPECT_EQ(core_.view(), 3u);
  EXPECT_TRUE(core_.in_view_change());
  EXPECT_EQ(ignored(reason::kInViewChange), 0u);
  EXPECT_TRUE(prepare(3, 1, batch_for(1).digest).actions.empty());
  EXPECT_EQ(ignored(reason::kInViewChange), 1u) << "normal-case messages wait for the NEW-VIEW";
}

TEST_F(BackupViewChangeTest, RequestTimerStartsAtABackupAndAnExecutionRestartsIt) {
  replica::Actions actions;
  core_.on_request_pending(0, 1, actions);
  EXPECT_TRUE(sent_of_kind(tick(19), MessageKind::pbft_view_change).empty());
  core_.on_request_pending(0, 2, actions);
  core_.on_request_executed(0, 1, actions);  // restarts the timer: request 2 is still pending
  EXPECT_TRUE(sent_of_kind(tick(19), MessageKind::pbft_view_change).empty());
  const replica::Actions fired = tick(1);
  const std::vector<replica::Outgoing> sent = sent_of_kind(fired, MessageKind::pbft_view_change);
  ASSERT_EQ(sent.size(), 1u);
  const ViewChange view_change = std::get<ViewChange>(decode_view_change(sent[0].body, {}, 8));
  EXPECT_EQ(view_change.view, 1u);
  EXPECT_EQ(view_change.stable_sequence, 0u);
  EXPECT_EQ(core_.status().leader, std::nullopt);
  // Re-sent every retransmission period while the view change lasts.
  EXPECT_EQ(sent_of_kind(tick(5), MessageKind::pbft_view_change).size(), 1u);
}

TEST_F(BackupViewChangeTest, NoTimerWhenEveryPendingRequestExecuted) {
  replica::Actions actions;
  core_.on_request_pending(0, 1, actions);
  core_.on_request_executed(0, 1, actions);
  EXPECT_TRUE(sent_of_kind(tick(100), MessageKind::pbft_view_change).empty());
  EXPECT_FALSE(core_.in_view_change());
}

// A primary whose proposals stop committing (a backup it needs left for a view change alone) is
// the one replica left with requests pending while the others have executed them: it moves on.
TEST_F(OldPrimaryTest, APrimaryWhoseRequestsDoNotExecuteGivesWayAfterTheRequestTimeout) {
  replica::Actions actions;
  core_.on_request_pending(0, 1, actions);
  const replica::Tick timeout = small_options(0).request_timeout_ticks;
  EXPECT_TRUE(sent_of_kind(tick(static_cast<std::uint32_t>(timeout) - 1), MessageKind::pbft_view_change).empty());
  EXPECT_FALSE(sent_of_kind(tick(1), MessageKind::pbft_view_change).empty());
  EXPECT_TRUE(core_.in_view_change());
}

TEST_F(OldPrimaryTest, APrimaryWhoseRequestsExecuteKeepsItsView) {
  replica::Actions actions;
  const replica::Tick timeout = small_options(0).request_timeout_ticks;
  for (std::uint64_t number = 1; number <= 5; ++number) {
    core_.on_request_pending(0, number, actions);
    EXPECT_TRUE(sent_of_kind(tick(static_cast<std::uint32_t>(timeout) - 1), MessageKind::pbft_view_change).empty());
    core_.on_request_executed(0, number, actions);
  }
  EXPECT_FALSE(core_.in_view_change());
}

TEST_F(BackupViewChangeTest, AViewChangeCarriesThisReplicasPreparedCertificates) {
  const TestBatch batch = batch_for(1);
  pre_prepare(1, batch);  // its own PREPARE, signed
  prepare(3, 1, batch.digest);  // prepared: COMMIT
  ASSERT_TRUE(core_.slot(1)->sent_commit);
  replica::Actions actions;
  core_.on_request_pending(0, 1, actions);
  const replica::Actions fired = tick(20);
  const std::vector<replica::Outgoing> sent = sent_of_kind(fired, MessageKind::pbft_view_change);
  ASSERT_EQ(sent.size(), 1u);
  // Other replicas accept it, certificate and all.
  const Bytes frame = keys_.frame(2, MessageKind::pbft_view_change, sent[0].body);
  const auto checked = check_embedded_view_change(frame, evidence_.context());
  ASSERT_TRUE(std::holds_alternative<CheckedViewChange>(checked));
  const CheckedViewChange& view_change = std::get<CheckedViewChange>(checked);
  ASSERT_EQ(view_change.certificates.size(), 1u);
  EXPECT_EQ(view_change.certificates[0].sequence, 1u);
  EXPECT_EQ(view_change.certificates[0].digest, batch.digest);
}

}  // namespace
}  // namespace loyal::pbft::testing
