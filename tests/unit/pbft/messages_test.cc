#include "pbft/messages.h"

#include <random>

#include <capnp/message.h>
#include <gtest/gtest.h>

#include "net/untrusted_message.h"
#include "pbft/pbft.capnp.h"

namespace loyal::pbft {
namespace {

const net::DecodeLimits kLimits;

crypto::Digest digest_of(std::string_view text) { return crypto::sha256(as_bytes(text)); }

TEST(PbftMessages, PrePrepareRoundTrips) {
  const PrePrepare pre_prepare{3, 17, digest_of("batch")};
  const auto decoded = decode_pre_prepare(encode_pre_prepare(pre_prepare), kLimits);
  ASSERT_TRUE(std::holds_alternative<PrePrepare>(decoded));
  EXPECT_EQ(std::get<PrePrepare>(decoded), pre_prepare);
}

// Wire version 1 carried the batch inside the signed body; now it is the envelope's attachment,
// and a body that still carries one is refused rather than half understood.
TEST(PbftMessages, PrePrepareWithABatchInsideItsBodyIsMalformed) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::PrePrepare>();
  out.setSequence(1);
  const crypto::Digest digest = digest_of("batch");
  out.setBatchDigest({digest.bytes.data(), digest.bytes.size()});
  const Bytes batch = to_bytes("batch");
  out.setBatch({batch.data(), batch.size()});
  const auto decoded = decode_pre_prepare(net::message_to_frame(message), kLimits);
  ASSERT_TRUE(std::holds_alternative<net::DecodeError>(decoded));
  EXPECT_EQ(std::get<net::DecodeError>(decoded), net::DecodeError::malformed);
}

TEST(PbftMessages, BatchRequestAndReplyRoundTrip) {
  const BatchRequest request{12, digest_of("wanted")};
  EXPECT_EQ(std::get<BatchRequest>(decode_batch_request(encode_batch_request(request), kLimits)), request);
  EXPECT_EQ(std::get<BatchReply>(decode_batch_reply(encode_batch_reply(request), kLimits)), request);
}

TEST(PbftMessages, PrepareAndCommitRoundTrip) {
  const Prepare prepare{2, 9, digest_of("a")};
  const Commit commit{4, 11, digest_of("b")};
  EXPECT_EQ(std::get<Prepare>(decode_prepare(encode_prepare(prepare), kLimits)), prepare);
  EXPECT_EQ(std::get<Commit>(decode_commit(encode_commit(commit), kLimits)), commit);
}

TEST(PbftMessages, DigestOfAnyOtherSizeIsMalformed) {
  for (const std::size_t size : {0u, 31u, 33u}) {
    capnp::MallocMessageBuilder message;
    auto out = message.initRoot<wire::Prepare>();
    out.setSequence(1);
    const Bytes digest(size, 0xab);
    out.setBatchDigest({digest.data(), digest.size()});
    const auto decoded = decode_prepare(net::message_to_frame(message), kLimits);
    ASSERT_TRUE(std::holds_alternative<net::DecodeError>(decoded)) << size;
    EXPECT_EQ(std::get<net::DecodeError>(decoded), net::DecodeError::malformed);
  }
}

// Under the sanitizers this is also the check that no input crashes the decoders.
TEST(PbftMessages, RandomBytesAreRefused) {
  std::mt19937_64 random(1);
  for (int round = 0; round < 200; ++round) {
    Bytes bytes(8 * (1 + random() % 16));
    for (std::uint8_t& byte : bytes) byte = static_cast<std::uint8_t>(random());
    bytes[0] = bytes[1] = bytes[2] = bytes[3] = 0;  // a one-segment table, to get past the first check
    EXPECT_TRUE(std::holds_alternative<net::DecodeError>(decode_pre_prepare(bytes, kLimits)));
    EXPECT_TRUE(std::holds_alternative<net::DecodeError>(decode_prepare(bytes, kLimits)));
    EXPECT_TRUE(std::holds_alternative<net::DecodeError>(decode_commit(bytes, kLimits)));
  }
}

TEST(PbftMessages, EmptyAndTruncatedBodiesAreRefused) {
  EXPECT_EQ(std::get<net::DecodeError>(decode_commit({}, kLimits)), net::DecodeError::empty);
  Bytes body = encode_commit({0, 1, digest_of("c")});
  body.resize(body.size() - 8);
  EXPECT_TRUE(std::holds_alternative<net::DecodeError>(decode_commit(body, kLimits)));
}

}  // namespace
}  // namespace loyal::pbft
