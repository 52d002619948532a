#include "net/untrusted_message.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

#include <capnp/any.h>
#include <capnp/serialize.h>
#include <kj/array.h>

#include "common/assert.h"

namespace loyal::net {

struct UntrustedMessage::Storage {
  kj::Array<capnp::word> words;
};

namespace {

constexpr std::size_t kWordBytes = sizeof(capnp::word);

// A one-segment flat array starts with a one-word segment table: (segment count - 1) as a
// little-endian u32, which is zero, then the segment's size in words.
constexpr std::size_t kSegmentTableWords = 1;
// A segment's size field is 29 bits wide (in words).
constexpr std::uint64_t kMaxSegmentWords = (std::uint64_t{1} << 29) - 1;

bool declares_one_segment(ByteView frame) {
  return frame[0] == 0 && frame[1] == 0 && frame[2] == 0 && frame[3] == 0;
}

capnp::ReaderOptions reader_options(std::uint64_t traversal_limit_words, std::uint32_t nesting_limit) {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = traversal_limit_words;
  options.nestingLimit = static_cast<int>(std::min<std::uint32_t>(nesting_limit, INT32_MAX));
  return options;
}

// Walks every pointer once with a reader of its own, so the walk's traversal budget is separate
// from the one field reads get afterwards. Throws kj::Exception for what Cap'n Proto refuses.
std::optional<DecodeError> walk_whole_message(kj::ArrayPtr<const capnp::word> words, const DecodeLimits& limits) {
  const std::uint64_t walk_budget = std::min<std::uint64_t>(limits.traversal_limit_words, words.size());
  capnp::FlatArrayMessageReader walker(words, reader_options(walk_budget, limits.nesting_limit));
  if (walker.getEnd() != words.end()) return DecodeError::trailing_bytes;

  const capnp::MessageSize reached = walker.getRoot<capnp::AnyPointer>().targetSize();
  // loyal never sends capabilities; a capability pointer has no meaning in a frame.
  if (reached.capCount != 0) return DecodeError::malformed;
  // Every word of the segment is the root pointer or part of an object reached from it, exactly
  // once. Fewer means unreachable data was smuggled in; more means some data was reached twice
  // (shared pointers), which only an amplification attempt produces.
  const std::uint64_t segment_words = words.size() - kSegmentTableWords;
  const std::uint64_t accounted_words = reached.wordCount + 1;
  if (accounted_words < segment_words) return DecodeError::trailing_bytes;
  if (accounted_words > segment_words) return DecodeError::traversal_limit;
  return std::nullopt;
}

// The flat-array framing of a one-segment message, appended without first zero-filling the frame.
Bytes write_frame(kj::ArrayPtr<const capnp::word> segment) {
  std::array<std::uint8_t, kSegmentTableWords * kWordBytes> table{};  // segment count - 1 stays 0
  const auto segment_words = static_cast<std::uint32_t>(segment.size());
  for (std::size_t i = 0; i < 4; ++i) table[4 + i] = static_cast<std::uint8_t>(segment_words >> (8 * i));
  const kj::ArrayPtr<const kj::byte> contents = segment.asBytes();
  Bytes frame;
  frame.reserve(table.size() + contents.size());
  frame.assign(table.begin(), table.end());
  frame.insert(frame.end(), contents.begin(), contents.end());
  return frame;
}

bool contains(const kj::StringPtr text, std::string_view part) {
  return std::string_view(text.cStr(), text.size()).find(part) != std::string_view::npos;
}

}  // namespace

std::variant<UntrustedMessage, DecodeError> UntrustedMessage::open(ByteView frame, const DecodeLimits& limits) {
  if (frame.empty()) return DecodeError::empty;
  if (frame.size() > limits.max_frame_bytes) return DecodeError::too_large;
  if (frame.size() % kWordBytes != 0) return DecodeError::truncated;
  if (!declares_one_segment(frame)) return DecodeError::malformed;

  auto storage = std::make_unique<Storage>();
  storage->words = kj::heapArray<capnp::word>(frame.size() / kWordBytes);
  std::memcpy(storage->words.begin(), frame.data(), frame.size());

  try {
    if (const auto refused = walk_whole_message(storage->words, limits)) return *refused;
    auto reader = std::make_unique<capnp::FlatArrayMessageReader>(
        storage->words, reader_options(limits.traversal_limit_words, limits.nesting_limit));
    return UntrustedMessage(std::move(storage), std::move(reader));
  } catch (const kj::Exception& exception) {
    return decode_error_from(exception);
  }
}

UntrustedMessage::UntrustedMessage(std::unique_ptr<Storage> storage, std::unique_ptr<capnp::MessageReader> reader)
    : storage_(std::move(storage)), reader_(std::move(reader)) {}
UntrustedMessage::UntrustedMessage(UntrustedMessage&&) noexcept = default;
UntrustedMessage& UntrustedMessage::operator=(UntrustedMessage&&) noexcept = default;
UntrustedMessage::~UntrustedMessage() = default;

// Cap'n Proto reports every refusal as a kj::Exception of type FAILED; only the description says
// which. The texts matched here were checked against Cap'n Proto 0.9.2 (layout.c++: "Message is
// too deeply-nested." in the walk, "Message is too deeply-nested or contains cycles." in field
// reads; arena.c++: "Exceeded message traversal limit."; serialize.c++: "Message ends prematurely
// in first segment."). decoder_rejection_test.cc pins each of them, so a Cap'n Proto upgrade that
// rewords one fails those tests instead of silently renaming drops.
DecodeError decode_error_from(const kj::Exception& exception) {
  const kj::StringPtr description = exception.getDescription();
  if (contains(description, "too deeply-nested")) return DecodeError::too_deep;
  if (contains(description, "traversal limit")) return DecodeError::traversal_limit;
  if (contains(description, "ends prematurely")) return DecodeError::truncated;
  return DecodeError::malformed;
}

Bytes message_to_frame(capnp::MessageBuilder& message) {
  const capnp::AnyPointer::Reader root = message.getRoot<capnp::AnyPointer>().asReader();
  const std::uint64_t compact_words = root.targetSize().wordCount + 1;  // + the root pointer
  const auto segments = message.getSegmentsForOutput();
  if (segments.size() == 1 && segments[0].size() == compact_words) return write_frame(segments[0]);

  LOYAL_ASSERT(compact_words <= kMaxSegmentWords, "our own message exceeds a Cap'n Proto segment");
  capnp::MallocMessageBuilder compact(static_cast<unsigned>(compact_words), capnp::AllocationStrategy::FIXED_SIZE);
  compact.getRoot<capnp::AnyPointer>().set(root);
  const auto compact_segments = compact.getSegmentsForOutput();
  LOYAL_ASSERT(compact_segments.size() == 1 && compact_segments[0].size() == compact_words,
               "a copy into a segment of exactly the message's size fills that one segment");
  return write_frame(compact_segments[0]);
}

}  // namespace loyal::net
