// Every way untrusted bytes can be wrong, and the reason each is refused with. Several tests pin
// how Cap'n Proto words its exceptions (see decode_error_from()): if an upgrade rewords one, the
// reason here changes and the test fails loudly.

#include <cstring>
#include <functional>
#include <random>
#include <string>

#include <capnp/any.h>
#include <capnp/schema.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>

#include "envelope_samples.h"
#include "net/envelope_codec.h"
#include "net/untrusted_message.h"
#include "tests/unit/net/nesting_test.capnp.h"

namespace loyal::net {
namespace {

using testing::context_for;
using testing::edited_frame;
using testing::kReplicaCount;
using testing::sample_envelope;

std::string reason_of(ByteView frame, const DecodeContext& context) {
  const auto result = decode_envelope(frame, context);
  if (const DecodeError* error = std::get_if<DecodeError>(&result)) return std::string(to_string(*error));
  return "accepted";
}

std::string reason_of(ByteView frame) { return reason_of(frame, context_for(ProtocolMode::pbft)); }

std::string open_reason(ByteView frame, const DecodeLimits& limits = {}) {
  const auto result = UntrustedMessage::open(frame, limits);
  if (const DecodeError* error = std::get_if<DecodeError>(&result)) return std::string(to_string(*error));
  return "opened";
}

Bytes valid_frame() { return encode_envelope(sample_envelope(ProtocolMode::pbft, testing::patterned_mac(5))); }

// Hand-made Cap'n Proto words, for shapes no builder produces.
std::uint64_t struct_pointer(std::int32_t offset_words, std::uint16_t data_words, std::uint16_t pointers) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(offset_words) << 2)) |
         (static_cast<std::uint64_t>(data_words | (static_cast<std::uint32_t>(pointers) << 16)) << 32);
}
constexpr std::uint32_t kBytes = 2;
constexpr std::uint32_t kPointers = 6;
std::uint64_t list_pointer(std::int32_t offset_words, std::uint32_t element_size, std::uint32_t count) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(offset_words) << 2) | 1u) |
         (static_cast<std::uint64_t>((count << 3) | element_size) << 32);
}
std::uint64_t capability_pointer(std::uint32_t index) { return 3u | (static_cast<std::uint64_t>(index) << 32); }

// A one-segment frame around `segment`.
Bytes frame_of(const std::vector<std::uint64_t>& segment) {
  std::vector<std::uint64_t> words;
  words.push_back(static_cast<std::uint64_t>(segment.size()) << 32);
  words.insert(words.end(), segment.begin(), segment.end());
  Bytes frame(words.size() * 8);
  std::memcpy(frame.data(), words.data(), frame.size());
  return frame;
}

Bytes chain_frame(int links) {
  capnp::MallocMessageBuilder message;
  auto link = message.initRoot<test_wire::Chain>();
  for (int i = 1; i < links; ++i) link = link.initNext();
  return message_to_frame(message);
}

// --- Size and framing -------------------------------------------------------------------------

TEST(DecoderRejects, EmptyFrame) {
  EXPECT_EQ(reason_of(Bytes{}), "empty");
}

TEST(DecoderRejects, FrameCutAtEveryLength) {
  const Bytes frame = valid_frame();
  ASSERT_GT(frame.size(), 64u);
  for (std::size_t length = 1; length < frame.size(); ++length) {
    SCOPED_TRACE(length);
    // Odd lengths fail the word check; whole-word cuts fail Cap'n Proto's "Message ends
    // prematurely in first segment".
    EXPECT_EQ(reason_of(ByteView(frame).first(length)), "truncated");
  }
}

TEST(DecoderRejects, FrameLargerThanTheLimit) {
  const Bytes frame = valid_frame();
  DecodeContext context = context_for(ProtocolMode::pbft);
  context.limits.max_frame_bytes = frame.size() - 8;
  EXPECT_EQ(reason_of(frame, context), "too_large");
  context.limits.max_frame_bytes = frame.size();
  EXPECT_EQ(reason_of(frame, context), "accepted");
}

TEST(DecoderRejects, WholeWordsAfterTheMessage) {
  Bytes frame = valid_frame();
  frame.insert(frame.end(), 8, 0);
  EXPECT_EQ(reason_of(frame), "trailing_bytes");
  frame.insert(frame.end(), {1, 2, 3, 4, 5, 6, 7, 8});
  EXPECT_EQ(reason_of(frame), "trailing_bytes");
}

TEST(DecoderRejects, PartialWordAfterTheMessageAsTruncated) {
  Bytes frame = valid_frame();
  frame.insert(frame.end(), {1, 2, 3});
  EXPECT_EQ(reason_of(frame), "truncated");
}

TEST(DecoderRejects, UnreachableWordsInsideTheSegment) {
  Bytes frame = valid_frame();
  frame.insert(frame.end(), {0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0});
  std::uint32_t segment_words = 0;
  std::memcpy(&segment_words, frame.data() + 4, 4);
  ++segment_words;
  std::memcpy(frame.data() + 4, &segment_words, 4);
  EXPECT_EQ(reason_of(frame), "trailing_bytes");
}

TEST(DecoderRejects, MessagesOfSeveralSegments) {
  capnp::MallocMessageBuilder message(1, capnp::AllocationStrategy::FIXED_SIZE);
  auto out = message.initRoot<wire::Envelope>();
  out.setVersion(kWireVersion);
  out.setClusterId(testing::kClusterId);
  out.setKind(static_cast<std::uint16_t>(MessageKind::pbft_commit));
  ASSERT_GT(message.getSegmentsForOutput().size(), 1u);
  const kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  const auto bytes = words.asBytes();
  EXPECT_EQ(reason_of(ByteView(bytes.begin(), bytes.size())), "malformed");
}

TEST(DecoderRejects, SegmentCountThatOverflows) {
  Bytes frame = valid_frame();
  std::memset(frame.data(), 0xff, 4);
  EXPECT_EQ(reason_of(frame), "malformed");
}

TEST(DecoderRejects, SegmentWithoutARootPointer) {
  EXPECT_EQ(reason_of(frame_of({})), "malformed");
}

// --- Structure --------------------------------------------------------------------------------

TEST(DecoderRejects, PointerOutOfBounds) {
  EXPECT_EQ(reason_of(frame_of({struct_pointer(5, 1, 0)})), "malformed");
}

TEST(DecoderRejects, RootThatIsAListInsteadOfAStruct) {
  EXPECT_EQ(reason_of(frame_of({list_pointer(0, kBytes, 8), 0})), "malformed");
}

TEST(DecoderRejects, CapabilityPointers) {
  EXPECT_EQ(reason_of(frame_of({capability_pointer(0)})), "malformed");
}

TEST(DecoderRejects, NestingDeeperThanTheLimit) {
  DecodeLimits limits;
  limits.nesting_limit = 16;
  EXPECT_EQ(open_reason(chain_frame(16), limits), "opened");
  EXPECT_EQ(open_reason(chain_frame(17), limits), "too_deep");
  EXPECT_EQ(reason_of(chain_frame(200)), "too_deep");
}

TEST(DecoderRejects, Cycles) {
  // A struct whose only pointer points back at itself. The walk may visit no more words than the
  // frame holds, so a cycle exhausts that budget long before the nesting limit.
  EXPECT_EQ(reason_of(frame_of({struct_pointer(0, 0, 1), struct_pointer(-1, 0, 1)})), "traversal_limit");
  DecodeLimits nesting_first;
  nesting_first.nesting_limit = 1;
  EXPECT_EQ(open_reason(frame_of({struct_pointer(0, 0, 1), struct_pointer(-1, 0, 1)}), nesting_first), "too_deep");
}

TEST(DecoderRejects, NestingInFieldReadsAsTooDeep) {
  // Field reads word their nesting refusal differently from the up-front walk ("... or contains
  // cycles"); read_fields must name it the same.
  const Bytes frame = chain_frame(10);
  const kj::ArrayPtr<const capnp::word> words(reinterpret_cast<const capnp::word*>(frame.data()),
                                              frame.size() / sizeof(capnp::word));
  capnp::ReaderOptions options;
  options.nestingLimit = 4;
  capnp::FlatArrayMessageReader reader(words, options);
  const auto result = read_fields<int>([&] {
    auto link = reader.getRoot<test_wire::Chain>();
    for (int i = 0; i < 9; ++i) link = link.getNext();
    return 0;
  });
  ASSERT_TRUE(std::holds_alternative<DecodeError>(result));
  EXPECT_EQ(std::get<DecodeError>(result), DecodeError::too_deep);
}

TEST(DecoderRejects, SharedPointersThatAmplifyTraversal) {
  // 1000 pointers to one 125-word list: a 1.1k-word frame that reaches 125k words.
  constexpr int kFanOut = 1000;
  std::vector<std::uint64_t> segment{list_pointer(0, kPointers, kFanOut)};
  for (int i = 0; i < kFanOut; ++i) segment.push_back(list_pointer(kFanOut - 1 - i, kBytes, 1000));
  segment.resize(segment.size() + 125, 0);
  EXPECT_EQ(reason_of(frame_of(segment)), "traversal_limit");
}

TEST(DecoderRejects, DataReachedTwiceEvenWithinTheFrameSize) {
  // Two pointers to one word: within the traversal budget (the frame's own size), but the walk
  // reaches more words than the segment holds.
  const std::vector<std::uint64_t> segment{list_pointer(0, kPointers, 2), list_pointer(1, kBytes, 8),
                                           list_pointer(0, kBytes, 8), 0x1122334455667788};
  EXPECT_EQ(open_reason(frame_of(segment)), "traversal_limit");
}

TEST(DecoderRejects, RepeatedFieldReadsBeyondTheTraversalBudget) {
  const Bytes frame = valid_frame();
  DecodeLimits limits;
  limits.traversal_limit_words = frame.size() / 8;
  auto opened = UntrustedMessage::open(frame, limits);
  ASSERT_TRUE(std::holds_alternative<UntrustedMessage>(opened));
  auto& message = std::get<UntrustedMessage>(opened);
  const auto result = read_fields<std::size_t>([&] {
    std::size_t total = 0;
    for (int i = 0; i < 100; ++i) total += message.root<wire::Envelope>().getBody().size();
    return total;
  });
  ASSERT_TRUE(std::holds_alternative<DecodeError>(result));
  EXPECT_EQ(std::get<DecodeError>(result), DecodeError::traversal_limit);
}

TEST(DecoderRejects, FrameLargerThanTheTraversalLimit) {
  DecodeContext context = context_for(ProtocolMode::pbft);
  context.limits.traversal_limit_words = 8;
  EXPECT_EQ(reason_of(valid_frame(), context), "traversal_limit");
}

// --- Envelope fields --------------------------------------------------------------------------

TEST(DecoderRejects, UnsupportedVersion) {
  for (const std::uint8_t version : {0, 1, 3, 255}) {
    const Bytes frame = edited_frame(sample_envelope(), [&](wire::Envelope::Builder out) { out.setVersion(version); });
    EXPECT_EQ(reason_of(frame), "unsupported_version") << int{version};
  }
}

TEST(DecoderRejects, WrongCluster) {
  Envelope envelope = sample_envelope();
  envelope.header.cluster_id ^= 1;
  EXPECT_EQ(reason_of(encode_envelope(envelope)), "wrong_cluster");
}

TEST(DecoderRejects, WrongMode) {
  for (const ProtocolMode mode : {ProtocolMode::raft, ProtocolMode::paxos}) {
    Envelope envelope = sample_envelope(mode);
    envelope.header.kind = MessageKind::client_request;
    EXPECT_EQ(reason_of(encode_envelope(envelope)), "wrong_mode");
  }
}

TEST(DecoderRejects, ModeNumbersWithoutAnEnumerant) {
  for (const std::uint16_t mode : {3, 200, 0xffff}) {
    const Bytes frame = edited_frame(sample_envelope(), [&](wire::Envelope::Builder out) {
      out.setMode(static_cast<wire::ProtocolMode>(mode));
    });
    EXPECT_EQ(reason_of(frame), "wrong_mode") << mode;
  }
}

TEST(DecoderRejects, UnknownKind) {
  for (const std::uint16_t kind : {0, 7, 99, 107, 209, 306, 0xffff}) {
    const Bytes frame = edited_frame(sample_envelope(), [&](wire::Envelope::Builder out) { out.setKind(kind); });
    EXPECT_EQ(reason_of(frame), "unknown_kind") << kind;
  }
}

TEST(DecoderRejects, KindOfAnotherMode) {
  for (const ProtocolMode cluster_mode : testing::kAllModes) {
    for (const ProtocolMode other_mode : testing::kAllModes) {
      if (other_mode == cluster_mode) continue;
      Envelope envelope = sample_envelope(cluster_mode);
      envelope.header.kind = testing::kind_of_mode(other_mode);
      EXPECT_EQ(reason_of(encode_envelope(envelope), context_for(cluster_mode)), "kind_not_in_mode")
          << to_string(cluster_mode) << " cluster, " << to_string(envelope.header.kind);
    }
  }
}

TEST(DecoderRejects, ReplicaIndexBeyondTheCluster) {
  for (const std::uint32_t index : {kReplicaCount, kReplicaCount + 1, UINT32_MAX}) {
    Envelope envelope = sample_envelope();
    envelope.header.sender = NodeId::replica(index);
    EXPECT_EQ(reason_of(encode_envelope(envelope)), "unknown_sender") << index;
  }
}

TEST(DecoderRejects, ClientIndexBeyondTheClientTable) {
  for (const std::uint32_t index : {testing::kClientCount, UINT32_MAX}) {
    Envelope envelope = sample_envelope();
    envelope.header.sender = NodeId::client(index);
    envelope.header.kind = MessageKind::client_request;
    EXPECT_EQ(reason_of(encode_envelope(envelope)), "unknown_sender") << index;
  }
}

TEST(DecoderRejects, SenderRoleNumbersWithoutAnEnumerant) {
  for (const std::uint16_t role : {2, 0xffff}) {
    const Bytes frame = edited_frame(sample_envelope(), [&](wire::Envelope::Builder out) {
      out.setSenderRole(static_cast<wire::SenderRole>(role));
      out.setSender(0);
    });
    EXPECT_EQ(reason_of(frame), "unknown_sender") << role;
  }
}

TEST(DecoderRejects, BodyLargerThanTheLimit) {
  DecodeContext context = context_for(ProtocolMode::pbft);
  context.limits.max_body_bytes = sample_envelope().body.size() - 1;
  EXPECT_EQ(reason_of(encode_envelope(sample_envelope()), context), "body_too_large");
}

// --- Authenticator shapes ---------------------------------------------------------------------

Bytes frame_with_authenticator(const std::function<void(wire::Envelope::Authenticator::Builder)>& set) {
  return edited_frame(sample_envelope(), [&](wire::Envelope::Builder out) { set(out.getAuthenticator()); });
}

capnp::Data::Reader data_of(const Bytes& bytes) { return {bytes.data(), bytes.size()}; }

TEST(DecoderRejects, SignatureOfTheWrongSize) {
  for (const std::size_t size : {0, 16, 63, 65, 128}) {
    const Bytes signature = testing::patterned_bytes(size);
    const Bytes frame = frame_with_authenticator([&](auto out) { out.setSignature(data_of(signature)); });
    EXPECT_EQ(reason_of(frame), "bad_authenticator") << size;
  }
}

TEST(DecoderRejects, MacOfTheWrongSize) {
  for (const std::size_t size : {0, 15, 17, 32, 64}) {
    const Bytes mac = testing::patterned_bytes(size);
    const Bytes frame = frame_with_authenticator([&](auto out) { out.setMac(data_of(mac)); });
    EXPECT_EQ(reason_of(frame), "bad_authenticator") << size;
  }
}

TEST(DecoderRejects, MacVectorWithoutOneEntryPerReplica) {
  for (const std::uint32_t entries : {0u, kReplicaCount - 1, kReplicaCount + 1, 100u}) {
    const Bytes mac = testing::patterned_bytes(crypto::Mac::kSize);
    const Bytes frame = frame_with_authenticator([&](auto out) {
      auto list = out.initMacVector(entries);
      for (unsigned i = 0; i < entries; ++i) list.set(i, data_of(mac));
    });
    EXPECT_EQ(reason_of(frame), "bad_authenticator") << entries;
  }
}

TEST(DecoderRejects, MacVectorWithAnEntryOfTheWrongSize) {
  for (const std::size_t size : {0, 15, 17}) {
    const Bytes good = testing::patterned_bytes(crypto::Mac::kSize);
    const Bytes bad = testing::patterned_bytes(size);
    const Bytes frame = frame_with_authenticator([&](auto out) {
      auto list = out.initMacVector(kReplicaCount);
      for (unsigned i = 0; i < kReplicaCount; ++i) list.set(i, data_of(i == 2 ? bad : good));
    });
    EXPECT_EQ(reason_of(frame), "bad_authenticator") << size;
  }
}

TEST(DecoderRejects, AuthenticatorVariantNumbersWithoutAVariant) {
  const auto discriminant_offset =
      capnp::Schema::from<wire::Envelope::Authenticator>().getProto().getStruct().getDiscriminantOffset();
  for (const std::uint16_t variant : {4, 9, 0xffff}) {
    const Bytes frame = edited_frame(sample_envelope(), [&](wire::Envelope::Builder out) {
      wire::Envelope::Builder handle = out;
      kj::ArrayPtr<kj::byte> data = capnp::AnyStruct::Builder(kj::mv(handle)).getDataSection();
      ASSERT_LE(discriminant_offset * 2 + 2, data.size());
      data[discriminant_offset * 2] = static_cast<kj::byte>(variant);
      data[discriminant_offset * 2 + 1] = static_cast<kj::byte>(variant >> 8);
    });
    EXPECT_EQ(reason_of(frame), "bad_authenticator") << variant;
  }
}

// --- Garbage ----------------------------------------------------------------------------------

// Whatever the decoder accepts from garbage must satisfy every promise decode_envelope makes.
void expect_checked(const std::variant<Envelope, DecodeError>& result, const DecodeContext& context) {
  const Envelope* envelope = std::get_if<Envelope>(&result);
  if (envelope == nullptr) return;
  EXPECT_EQ(envelope->header.cluster_id, context.cluster_id);
  EXPECT_EQ(envelope->header.mode, context.mode);
  EXPECT_TRUE(message_kind_from_wire(static_cast<std::uint16_t>(envelope->header.kind)).has_value());
  EXPECT_TRUE(kind_belongs_to_mode(envelope->header.kind, context.mode));
  const NodeId sender = envelope->header.sender;
  EXPECT_LT(sender.index, sender.role == NodeRole::replica ? context.replica_count : context.client_count);
  EXPECT_LE(envelope->body.size(), context.limits.max_body_bytes);
  if (const auto* macs = std::get_if<MacVector>(&envelope->authenticator)) {
    EXPECT_EQ(macs->size(), context.replica_count);
  }
}

TEST(DecoderSurvivesGarbage, RandomBytes) {
  std::mt19937_64 random(20240601);
  const DecodeContext context = context_for(ProtocolMode::pbft);
  for (int iteration = 0; iteration < 20000; ++iteration) {
    Bytes frame(random() % 600);
    for (auto& byte : frame) byte = static_cast<std::uint8_t>(random());
    expect_checked(decode_envelope(frame, context), context);
  }
}

TEST(DecoderSurvivesGarbage, RandomWordsBehindAPlausibleSegmentTable) {
  std::mt19937_64 random(7);
  const DecodeContext context = context_for(ProtocolMode::pbft);
  for (int iteration = 0; iteration < 20000; ++iteration) {
    std::vector<std::uint64_t> segment(1 + random() % 40);
    for (auto& word : segment) word = random();
    // Make most root pointers plausible struct pointers, so the walk goes beyond the root.
    if (iteration % 4 != 0) segment[0] = struct_pointer(static_cast<std::int32_t>(random() % 3), random() % 4, random() % 3);
    expect_checked(decode_envelope(frame_of(segment), context), context);
  }
}

TEST(DecoderSurvivesGarbage, ValidFramesWithFlippedBytes) {
  std::mt19937_64 random(99);
  const DecodeContext context = context_for(ProtocolMode::pbft);
  const Bytes original = encode_envelope(sample_envelope(ProtocolMode::pbft, testing::patterned_mac_vector(kReplicaCount)));
  for (int iteration = 0; iteration < 20000; ++iteration) {
    Bytes frame = original;
    const int flips = 1 + static_cast<int>(random() % 4);
    for (int i = 0; i < flips; ++i) frame[random() % frame.size()] ^= static_cast<std::uint8_t>(1 + random() % 255);
    expect_checked(decode_envelope(frame, context), context);
  }
}

}  // namespace
}  // namespace loyal::net
