#include "pbft/validator.h"

#include <gtest/gtest.h>

#include "pbft/drop_reasons.h"
#include "pbft_test_support.h"

namespace loyal::pbft::testing {
namespace {

using net::MessageKind;

class ValidatorTest : public ::testing::Test {
 protected:
  replica::Validation validate(ReplicaId from, MessageKind kind, const Bytes& body, const Bytes& attachment = {}) {
    const Bytes frame = keys_.frame(from, kind, body, attachment);
    const net::Envelope envelope = std::get<net::Envelope>(net::decode_envelope(frame, keys_.decode_context()));
    return validator_.validate(envelope, frame);
  }
  std::string_view reason(ReplicaId from, MessageKind kind, const Bytes& body, const Bytes& attachment = {}) {
    const replica::Validation validation = validate(from, kind, body, attachment);
    return std::holds_alternative<std::string_view>(validation) ? std::get<std::string_view>(validation)
                                                                 : std::string_view("accepted");
  }
  // A PRE-PREPARE naming `batch`'s digest, with `batch`'s bytes attached.
  std::string_view pre_prepare_reason(ReplicaId from, View view, Sequence sequence, const TestBatch& batch) {
    return reason(from, MessageKind::pbft_pre_prepare, pre_prepare_body(view, sequence, batch), batch.batch);
  }
  std::string_view pre_prepare_reason(const replica::Batch& batch, ReplicaId from = 0) {
    return pre_prepare_reason(from, 0, 1, make_batch(batch));
  }

  TestKeys keys_{4};
  PbftValidator validator_{small_options(1), keys_.authenticator(1), keys_.verifier()};
};

TEST_F(ValidatorTest, AcceptsPrePrepareFromThePrimaryAndKeepsItsSignedFrameWithoutTheBatch) {
  const TestBatch batch = make_batch(keys_, 0, 1, 3);
  const Bytes frame = keys_.pre_prepare(0, 0, 1, batch);
  const net::Envelope envelope = std::get<net::Envelope>(net::decode_envelope(frame, keys_.decode_context()));
  const replica::Validation validation = validator_.validate(envelope, frame);
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<const replica::ValidatedMessage>>(validation));
  const auto& message = dynamic_cast<const PrePrepareMessage&>(
      *std::get<std::unique_ptr<const replica::ValidatedMessage>>(validation));
  EXPECT_EQ(message.sender(), 0u);
  EXPECT_EQ(message.pre_prepare(), (PrePrepare{0, 1, batch.digest}));
  EXPECT_EQ(message.batch(), batch.batch);
  // Evidence is digest-sized: the same signed envelope without the batch, still verifiable.
  const Bytes kept = keys_.frame(0, MessageKind::pbft_pre_prepare, pre_prepare_body(0, 1, batch));
  EXPECT_EQ(message.frame(), kept);
  EXPECT_LT(message.frame().size(), frame.size());
  const auto kept_envelope = net::decode_envelope(kept, keys_.decode_context());
  ASSERT_TRUE(std::holds_alternative<net::Envelope>(kept_envelope));
  EXPECT_TRUE(net::verify_envelope_signature(std::get<net::Envelope>(kept_envelope), keys_.verifier()));
}

TEST_F(ValidatorTest, AcceptsAnEmptyBatchAsANullRequest) {
  EXPECT_EQ(pre_prepare_reason(replica::Batch{}), "accepted");
}

TEST_F(ValidatorTest, RefusesPrePrepareNotFromThePrimaryOfItsView) {
  const TestBatch batch = make_batch(keys_, 0, 1, 1);
  EXPECT_EQ(pre_prepare_reason(1, 0, 1, batch),
            reason::kPrePrepareNotFromPrimary);
  EXPECT_EQ(pre_prepare_reason(1, 1, 1, batch), "accepted");
  EXPECT_EQ(pre_prepare_reason(1, 5, 1, batch), "accepted");  // 5 mod 4
}

TEST_F(ValidatorTest, RefusesBatchWhoseDigestDoesNotMatchItsBytes) {
  TestBatch batch = make_batch(keys_, 0, 1, 1);
  batch.digest.bytes[31] ^= 1;
  EXPECT_EQ(pre_prepare_reason(0, 0, 1, batch), reason::kBatchDigestMismatch);
}

TEST_F(ValidatorTest, RefusesBatchThatDoesNotDecode) {
  const Bytes garbage = to_bytes("not a batch at all");
  const TestBatch batch{garbage, crypto::sha256(garbage)};
  EXPECT_EQ(pre_prepare_reason(0, 0, 1, batch), reason::kMalformedBatch);
}

TEST_F(ValidatorTest, RefusesBatchOverTheRequestLimit) {
  const std::uint32_t limit = small_options(1).max_batch_requests;
  EXPECT_EQ(pre_prepare_reason(0, 0, 1, make_batch(keys_, 0, 1, limit)),
            "accepted");
  EXPECT_EQ(pre_prepare_reason(0, 0, 1, make_batch(keys_, 0, 1, limit + 1)),
            reason::kBatchTooLarge);
}

TEST_F(ValidatorTest, RefusesTheSameRequestTwiceInOneBatch) {
  const replica::ClientRequest request = keys_.client_request(2, 7, "put x");
  EXPECT_EQ(pre_prepare_reason(replica::Batch{{request, request}}), reason::kDuplicateRequestInBatch);
  EXPECT_EQ(pre_prepare_reason(replica::Batch{{request, keys_.client_request(3, 7, "put x")}}), "accepted");
}

TEST_F(ValidatorTest, RefusesBatchWithARequestItsClientDidNotSign) {
  replica::ClientRequest forged = keys_.client_request(1, 5, "put x");
  forged.client = 2;  // client 1's signature, claimed for client 2
  EXPECT_EQ(pre_prepare_reason(replica::Batch{{keys_.client_request(0, 1, "ok"), forged}}),
            reason::kUnauthenticRequest);

  replica::ClientRequest altered = keys_.client_request(1, 5, "put x");
  altered.body = replica::encode_client_request_body(5, as_bytes("put y"));  // primary changed the operation
  EXPECT_EQ(pre_prepare_reason(replica::Batch{{altered}}), reason::kUnauthenticRequest);
}

TEST_F(ValidatorTest, RefusesSequenceNumberZero) {
  const crypto::Digest digest = state_digest("d");
  EXPECT_EQ(pre_prepare_reason(0, 0, 0, make_batch(keys_, 0, 1, 1)),
            reason::kSequenceZero);
  EXPECT_EQ(reason(2, MessageKind::pbft_prepare, prepare_body(0, 0, digest)), reason::kSequenceZero);
  EXPECT_EQ(reason(2, MessageKind::pbft_commit, commit_body(0, 0, digest)), reason::kSequenceZero);
}

TEST_F(ValidatorTest, RefusesPrepareFromThePrimaryButNotItsCommit) {
  const crypto::Digest digest = state_digest("d");
  EXPECT_EQ(reason(0, MessageKind::pbft_prepare, prepare_body(0, 1, digest)), reason::kPrepareFromPrimary);
  EXPECT_EQ(reason(1, MessageKind::pbft_prepare, prepare_body(1, 1, digest)), reason::kPrepareFromPrimary);
  EXPECT_EQ(reason(2, MessageKind::pbft_prepare, prepare_body(0, 1, digest)), "accepted");
  EXPECT_EQ(reason(0, MessageKind::pbft_commit, commit_body(0, 1, digest)), "accepted");
}

TEST_F(ValidatorTest, RefusesBodiesThatDoNotDecodeAsTheirKind) {
  const Bytes garbage = to_bytes("12345678 not capnp at all");
  EXPECT_EQ(reason(0, MessageKind::pbft_pre_prepare, garbage), reason::kMalformedPrePrepare);
  EXPECT_EQ(reason(2, MessageKind::pbft_prepare, garbage), reason::kMalformedPrepare);
  EXPECT_EQ(reason(2, MessageKind::pbft_commit, garbage), reason::kMalformedCommit);
  EXPECT_EQ(reason(2, MessageKind::checkpoint, garbage), reason::kMalformedCheckpoint);
  // Well-formed Cap'n Proto of another schema, where the digest field is not 32 bytes.
  EXPECT_EQ(reason(2, MessageKind::pbft_prepare, replica::encode_client_request_body(1, as_bytes("op"))),
            reason::kMalformedPrepare);
}

TEST_F(ValidatorTest, RefusesCheckpointsOffTheCheckpointInterval) {
  const crypto::Digest digest = state_digest("s");
  EXPECT_EQ(reason(2, MessageKind::checkpoint, checkpoint_body(4, digest)), "accepted");
  EXPECT_EQ(reason(2, MessageKind::checkpoint, checkpoint_body(3, digest)), reason::kCheckpointNotAtInterval);
  EXPECT_EQ(reason(2, MessageKind::checkpoint, checkpoint_body(0, digest)), reason::kCheckpointNotAtInterval);
}

TEST_F(ValidatorTest, RefusesKindsThatPbftDoesNotUse) {
  EXPECT_EQ(reason(2, MessageKind::client_reply, to_bytes("x")), reason::kUnexpectedKind);
  EXPECT_EQ(reason(2, MessageKind::pbft_view_change, to_bytes("x")), reason::kMalformedViewChange);
  EXPECT_EQ(reason(2, MessageKind::pbft_new_view, to_bytes("x")), reason::kMalformedNewView);
}

TEST_F(ValidatorTest, RefusesSendersThatAreNotReplicas) {
  const Bytes body = prepare_body(0, 1, state_digest("d"));
  const net::Envelope from_client{{kClusterId, ProtocolMode::pbft, NodeId::client(0), MessageKind::pbft_prepare},
                                  body, net::NoAuthenticator{}};
  const net::Envelope from_stranger{{kClusterId, ProtocolMode::pbft, NodeId::replica(4), MessageKind::pbft_prepare},
                                    body, net::NoAuthenticator{}};
  EXPECT_EQ(std::get<std::string_view>(validator_.validate(from_client, {})), reason::kSenderNotReplica);
  EXPECT_EQ(std::get<std::string_view>(validator_.validate(from_stranger, {})), reason::kSenderNotReplica);
}

}  // namespace
}  // namespace loyal::pbft::testing
