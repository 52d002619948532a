// Batches apart from their PRE-PREPAREs (pbft/pbft_core_batches.cc): a replica answers a request
// for a batch it holds with the batch attached, points a replica behind its stable checkpoint to
// the checkpoint instead, and bounds what one asker gets per retransmission period. The asking side
// (a new primary that knew a batch by digest only) is in view_change_test.cc,
// NewPrimaryTest.OneViewChangeWithInvalidCertificatesDoesNotMaskOtherReplicasValidOnes.

#include <gtest/gtest.h>

#include "core_fixture.h"

namespace loyal::pbft::testing {
namespace {

using net::MessageKind;

class BatchFetchTest : public CoreTest {
 protected:
  Delivery ask(ReplicaId asker, Sequence sequence, const crypto::Digest& digest) {
    return from(asker, MessageKind::pbft_batch_request, encode_batch_request({sequence, digest}));
  }
};

TEST_F(BatchFetchTest, AReplicaThatHoldsABatchAnswersWithItAttached) {
  const TestBatch batch = batch_for(1);
  ASSERT_FALSE(pre_prepare(1, batch).dropped);
  const Delivery answered = ask(2, 1, batch.digest);
  const std::vector<replica::Outgoing> replies = sent_of_kind(answered.actions, MessageKind::pbft_batch_reply);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].to, 2u);
  EXPECT_EQ(replies[0].attachment, batch.batch);
  EXPECT_EQ(std::get<BatchReply>(decode_batch_reply(replies[0].body, {})), (BatchReply{1, batch.digest}));

  EXPECT_TRUE(sent_messages(ask(2, 1, batch_for(2).digest).actions).empty()) << "not the batch it holds there";
  EXPECT_EQ(ignored(reason::kBatchNotHeld), 1u);
  EXPECT_TRUE(sent_messages(ask(2, 1, batch.digest).actions).empty()) << "once per period per asker and slot";
  EXPECT_EQ(ignored(reason::kBatchRequestTooSoon), 1u);
}

// A faulty replica naming every slot of the window would get a whole batch (up to 2 MiB) per slot.
TEST_F(BatchFetchTest, OneAskerGetsAtMostFourBatchesPerRetransmissionPeriod) {
  std::vector<TestBatch> batches;
  for (Sequence sequence = 1; sequence <= 8; ++sequence) {
    batches.push_back(batch_for(sequence));
    ASSERT_FALSE(pre_prepare(sequence, batches.back()).dropped);
  }
  std::size_t answered = 0;
  for (Sequence sequence = 1; sequence <= 8; ++sequence) {
    answered += sent_of_kind(ask(3, sequence, batches[sequence - 1].digest).actions, MessageKind::pbft_batch_reply).size();
  }
  EXPECT_EQ(answered, 4u);
  EXPECT_EQ(sent_of_kind(ask(2, 5, batches[4].digest).actions, MessageKind::pbft_batch_reply).size(), 1u)
      << "each asker has a budget of its own";
  for (replica::Tick t = 0; t < small_options(1).retransmit_ticks; ++t) {
    replica::Actions actions;
    core_.on_tick(actions);
  }
  EXPECT_EQ(sent_of_kind(ask(3, 5, batches[4].digest).actions, MessageKind::pbft_batch_reply).size(), 1u)
      << "a new period, a new budget";
}

}  // namespace
}  // namespace loyal::pbft::testing
