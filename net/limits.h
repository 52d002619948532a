#pragma once
// Named limits for everything the network can make us hold. Relationships between them are
// checked at compile time.

#include <cstddef>
#include <cstdint>

namespace loyal::net {

inline constexpr std::size_t kMaxFrameBytes = 4u << 20;     // whole envelope on the wire
inline constexpr std::size_t kMaxBodyBytes = kMaxFrameBytes - 1024;  // room for the envelope itself
inline constexpr std::uint32_t kMaxNestingDepth = 16;       // deepest legitimate message is ~6
inline constexpr std::uint32_t kMaxReplicas = 128;
inline constexpr std::uint32_t kMaxClients = 1u << 16;

static_assert(kMaxBodyBytes < kMaxFrameBytes, "the body travels inside the frame");
static_assert(kMaxFrameBytes % 8 == 0, "Cap'n Proto frames are whole 8-byte words");

struct DecodeLimits {
  std::size_t max_frame_bytes = kMaxFrameBytes;
  std::size_t max_body_bytes = kMaxBodyBytes;
  std::uint32_t nesting_limit = kMaxNestingDepth;
  // Words a reader may visit. The up-front walk of a frame may visit at most the smaller of this
  // and the frame's own size: a frame can never legitimately reach more words than it holds, so
  // anything beyond that is an amplification attempt (shared or looping pointers). Field reads
  // after the walk get this budget afresh, since reading a field twice visits its words twice.
  std::uint64_t traversal_limit_words = kMaxFrameBytes / 8;
};

}  // namespace loyal::net
