#pragma once
// Helpers shared by the store's Cap'n Proto encoders and decoders (not part of the public API).

#include <cstddef>

#include <capnp/blob.h>
#include <capnp/common.h>

#include "apps/kv/kv_limits.h"
#include "common/bytes.h"
#include "net/limits.h"

namespace loyal::kv::detail {

// Borrows `bytes` for a setter; Cap'n Proto copies them into the message.
inline capnp::Data::Reader as_data(ByteView bytes) { return {bytes.data(), bytes.size()}; }

inline Bytes bytes_of(capnp::Data::Reader data) { return {data.begin(), data.end()}; }

// A first segment large enough for the whole message, so that net::message_to_frame() writes it
// out directly instead of copying it into a compact segment first (that copy would double the
// cost of a 1 MiB value or a large snapshot). Too small an estimate costs only that copy.
inline unsigned first_segment_words(std::size_t payload_bytes) {
  return static_cast<unsigned>((payload_bytes + kFramingBytes) / sizeof(capnp::word) + 1);
}

// Limits for opening one of the store's own frames (an operation, a result or a snapshot) of at
// most `max_frame_bytes`; the traversal budget covers exactly that many bytes.
inline net::DecodeLimits decode_limits_for(std::size_t max_frame_bytes) {
  net::DecodeLimits limits;
  limits.max_frame_bytes = max_frame_bytes;
  limits.max_body_bytes = max_frame_bytes;
  limits.traversal_limit_words = max_frame_bytes / sizeof(capnp::word);
  return limits;
}

}  // namespace loyal::kv::detail
