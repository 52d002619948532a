#include "net/envelope_codec.h"

#include <set>
#include <string>

#include <capnp/serialize.h>
#include <gtest/gtest.h>

#include "envelope_samples.h"
#include "net/message_kind.h"

namespace loyal::net {
namespace {

using testing::context_for;
using testing::kReplicaCount;
using testing::sample_envelope;

Envelope decoded(const Bytes& frame, const DecodeContext& context) {
  auto result = decode_envelope(frame, context);
  if (const DecodeError* error = std::get_if<DecodeError>(&result)) {
    ADD_FAILURE() << "refused: " << to_string(*error);
    return {};
  }
  return std::get<Envelope>(std::move(result));
}

void expect_round_trip(const Envelope& envelope, const DecodeContext& context) {
  EXPECT_EQ(decoded(encode_envelope(envelope), context), envelope);
}

std::vector<MessageKind> kinds_of_mode(ProtocolMode mode) {
  std::vector<MessageKind> kinds;
  for (std::uint32_t wire = 0; wire <= 0xffff; ++wire) {
    const auto kind = message_kind_from_wire(static_cast<std::uint16_t>(wire));
    if (kind && kind_belongs_to_mode(*kind, mode)) kinds.push_back(*kind);
  }
  return kinds;
}

class EnvelopeRoundTrip : public ::testing::TestWithParam<ProtocolMode> {};

std::string mode_name(const ::testing::TestParamInfo<ProtocolMode>& mode) { return std::string(to_string(mode.param)); }

INSTANTIATE_TEST_SUITE_P(EveryMode, EnvelopeRoundTrip, ::testing::ValuesIn(testing::kAllModes), mode_name);

TEST_P(EnvelopeRoundTrip, WithoutAuthenticator) {
  expect_round_trip(sample_envelope(GetParam(), NoAuthenticator{}), context_for(GetParam()));
}

TEST_P(EnvelopeRoundTrip, WithSignature) {
  crypto::Signature signature;
  for (std::size_t i = 0; i < signature.bytes.size(); ++i) signature.bytes[i] = static_cast<std::uint8_t>(200 - i);
  expect_round_trip(sample_envelope(GetParam(), signature), context_for(GetParam()));
}

TEST_P(EnvelopeRoundTrip, WithMac) {
  expect_round_trip(sample_envelope(GetParam(), testing::patterned_mac(9)), context_for(GetParam()));
}

TEST_P(EnvelopeRoundTrip, WithMacVector) {
  expect_round_trip(sample_envelope(GetParam(), testing::patterned_mac_vector(kReplicaCount)), context_for(GetParam()));
}

TEST_P(EnvelopeRoundTrip, EveryKindOfTheMode) {
  const std::vector<MessageKind> kinds = kinds_of_mode(GetParam());
  ASSERT_FALSE(kinds.empty());
  for (const MessageKind kind : kinds) {
    SCOPED_TRACE(std::string(to_string(kind)));
    Envelope envelope = sample_envelope(GetParam());
    envelope.header.kind = kind;
    expect_round_trip(envelope, context_for(GetParam()));
  }
}

TEST_P(EnvelopeRoundTrip, ClientSenders) {
  for (std::uint32_t client = 0; client < testing::kClientCount; ++client) {
    Envelope envelope = sample_envelope(GetParam(), testing::patterned_mac_vector(kReplicaCount));
    envelope.header.sender = NodeId::client(client);
    envelope.header.kind = MessageKind::client_request;
    expect_round_trip(envelope, context_for(GetParam()));
  }
}

TEST(EnvelopeCodec, RoundTripsBodiesOfEverySizeClass) {
  const DecodeContext context = context_for(ProtocolMode::pbft);
  for (const std::size_t size : {0, 1, 7, 8, 9, 1024, 64 * 1024, 1 << 20}) {
    SCOPED_TRACE(size);
    Envelope envelope = sample_envelope();
    envelope.body = testing::patterned_bytes(size);
    expect_round_trip(envelope, context);
  }
}

TEST(EnvelopeCodec, RoundTripsABodyOfExactlyTheLimit) {
  DecodeContext context = context_for(ProtocolMode::pbft);
  context.limits.max_body_bytes = 4096;
  Envelope envelope = sample_envelope(ProtocolMode::pbft, testing::patterned_mac_vector(kReplicaCount));
  envelope.body = testing::patterned_bytes(4096);
  expect_round_trip(envelope, context);
}

TEST(EnvelopeCodec, LargeEnvelopesStayInOneSegment) {
  Envelope envelope = sample_envelope();
  envelope.body = testing::patterned_bytes(3 << 20);
  const Bytes frame = encode_envelope(envelope);
  const kj::ArrayPtr<const capnp::word> words(reinterpret_cast<const capnp::word*>(frame.data()),
                                              frame.size() / sizeof(capnp::word));
  capnp::FlatArrayMessageReader reader(words);
  EXPECT_NE(reader.getSegment(0).size(), 0u);
  EXPECT_EQ(reader.getSegment(1).size(), 0u);
  EXPECT_EQ(decoded(frame, context_for(ProtocolMode::pbft)), envelope);
}

// A PRE-PREPARE's batch rides outside the signature: adding it to, or taking it from, a signed
// frame leaves the signature valid, and the frame without it is what certificates carry.
TEST(EnvelopeAttachment, RoundTripsAndCanBeAddedToOrLeftOffASignedFrame) {
  Envelope envelope = sample_envelope(ProtocolMode::pbft, testing::patterned_signature(9));
  envelope.header.kind = MessageKind::pbft_pre_prepare;
  const Bytes kept = encode_envelope(envelope);
  const Bytes batch = testing::patterned_bytes(70'000);
  const Bytes sent = with_attachment(kept, batch);
  Envelope received = decoded(sent, context_for(ProtocolMode::pbft));
  EXPECT_EQ(received.attachment, batch);
  EXPECT_EQ(received.body, envelope.body);
  EXPECT_EQ(received.authenticator, envelope.authenticator);
  EXPECT_EQ(without_attachment(received), kept);
  EXPECT_EQ(decoded(kept, context_for(ProtocolMode::pbft)).attachment, Bytes{});
}

TEST(EnvelopeAttachment, IsRefusedOnKindsThatCarryNone) {
  for (const MessageKind kind : kinds_of_mode(ProtocolMode::pbft)) {
    Envelope envelope = sample_envelope();
    envelope.header.kind = kind;
    envelope.attachment = testing::patterned_bytes(16);
    const auto result = decode_envelope(encode_envelope(envelope), context_for(ProtocolMode::pbft));
    if (kind_carries_attachment(kind)) {
      EXPECT_TRUE(std::holds_alternative<Envelope>(result)) << to_string(kind);
    } else {
      ASSERT_TRUE(std::holds_alternative<DecodeError>(result)) << to_string(kind);
      EXPECT_EQ(std::get<DecodeError>(result), DecodeError::unexpected_attachment) << to_string(kind);
    }
  }
}

TEST(EnvelopeAttachment, BeyondTheBodyLimitIsRefused) {
  DecodeContext context = context_for(ProtocolMode::pbft);
  context.limits.max_body_bytes = 4096;
  Envelope envelope = sample_envelope();
  envelope.header.kind = MessageKind::pbft_pre_prepare;
  envelope.attachment = testing::patterned_bytes(4096);
  expect_round_trip(envelope, context);
  envelope.attachment.push_back(0);
  const auto result = decode_envelope(encode_envelope(envelope), context);
  ASSERT_TRUE(std::holds_alternative<DecodeError>(result));
  EXPECT_EQ(std::get<DecodeError>(result), DecodeError::unexpected_attachment);
}

TEST(EnvelopeCodec, EncodingIsDeterministic) {
  const Envelope envelope = sample_envelope(ProtocolMode::raft, testing::patterned_mac(3));
  EXPECT_EQ(encode_envelope(envelope), encode_envelope(envelope));
}

TEST(MessageToFrame, CompactsAMessageThatSpilledIntoSeveralSegments) {
  capnp::MallocMessageBuilder message(1, capnp::AllocationStrategy::FIXED_SIZE);
  auto out = message.initRoot<wire::Envelope>();
  out.setVersion(kWireVersion);
  out.setClusterId(testing::kClusterId);
  out.setKind(static_cast<std::uint16_t>(MessageKind::pbft_commit));
  const Bytes body = testing::patterned_bytes(5000);
  out.setBody(capnp::Data::Reader(body.data(), body.size()));
  out.getAuthenticator().setMac(capnp::Data::Reader(testing::patterned_mac(1).bytes.data(), crypto::Mac::kSize));
  ASSERT_GT(message.getSegmentsForOutput().size(), 1u);

  const Envelope envelope = decoded(message_to_frame(message), context_for(ProtocolMode::pbft));
  EXPECT_EQ(envelope.body, body);
  EXPECT_EQ(envelope.header.kind, MessageKind::pbft_commit);
}

TEST(MessageToFrame, DropsTheHolesOverwrittenFieldsLeave) {
  const Envelope expected = sample_envelope(ProtocolMode::pbft, testing::patterned_mac(4));
  const Bytes frame = testing::edited_frame(expected, [](wire::Envelope::Builder out) {
    const Bytes unused = testing::patterned_bytes(300);
    out.getAuthenticator().setSignature(capnp::Data::Reader(unused.data(), unused.size()));
    out.getAuthenticator().setMac(capnp::Data::Reader(testing::patterned_mac(4).bytes.data(), crypto::Mac::kSize));
  });
  EXPECT_EQ(decoded(frame, context_for(ProtocolMode::pbft)), expected);
}

TEST(MessageKind, EveryKindRoundTripsThroughItsWireNumberWithAUniqueName) {
  std::set<std::string_view> names;
  std::size_t kinds = 0;
  for (std::uint32_t wire = 0; wire <= 0xffff; ++wire) {
    const auto kind = message_kind_from_wire(static_cast<std::uint16_t>(wire));
    if (!kind) continue;
    ++kinds;
    EXPECT_EQ(static_cast<std::uint16_t>(*kind), wire);
    EXPECT_NE(to_string(*kind), "unknown");
    names.insert(to_string(*kind));
  }
  EXPECT_EQ(kinds, 28u);
  EXPECT_EQ(names.size(), kinds);
}

TEST(MessageKind, NumbersBetweenFamiliesAreUnknown) {
  for (const std::uint16_t wire : {0, 7, 99, 107, 199, 209, 299, 306, 400, 0xffff}) {
    EXPECT_FALSE(message_kind_from_wire(wire).has_value()) << wire;
  }
}

TEST(MessageKind, SharedKindsBelongToEveryModeAndFamiliesToTheirOwn) {
  for (const ProtocolMode mode : testing::kAllModes) {
    EXPECT_TRUE(kind_belongs_to_mode(MessageKind::client_request, mode));
    EXPECT_TRUE(kind_belongs_to_mode(MessageKind::forwarded_request, mode));
    EXPECT_TRUE(kind_belongs_to_mode(MessageKind::checkpoint, mode));
  }
  EXPECT_TRUE(kind_belongs_to_mode(MessageKind::pbft_new_view, ProtocolMode::pbft));
  EXPECT_FALSE(kind_belongs_to_mode(MessageKind::pbft_new_view, ProtocolMode::raft));
  EXPECT_FALSE(kind_belongs_to_mode(MessageKind::pbft_new_view, ProtocolMode::paxos));
  EXPECT_TRUE(kind_belongs_to_mode(MessageKind::raft_timeout_now, ProtocolMode::raft));
  EXPECT_FALSE(kind_belongs_to_mode(MessageKind::raft_timeout_now, ProtocolMode::pbft));
  EXPECT_FALSE(kind_belongs_to_mode(MessageKind::raft_timeout_now, ProtocolMode::paxos));
  EXPECT_TRUE(kind_belongs_to_mode(MessageKind::paxos_commit, ProtocolMode::paxos));
  EXPECT_FALSE(kind_belongs_to_mode(MessageKind::paxos_commit, ProtocolMode::pbft));
  EXPECT_FALSE(kind_belongs_to_mode(MessageKind::paxos_commit, ProtocolMode::raft));
}

TEST(DecodeError, EveryReasonHasItsOwnName) {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < kDecodeErrorCount; ++i) {
    const std::string_view name = to_string(static_cast<DecodeError>(i));
    EXPECT_NE(name, "unknown");
    names.insert(name);
  }
  EXPECT_EQ(names.size(), kDecodeErrorCount);
}

}  // namespace
}  // namespace loyal::net
