#pragma once
// Why an untrusted frame was refused. Every refusal has one of these names; the runtime counts
// drops by reason and logs them, so an operator can see what a misbehaving peer sends.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace loyal::net {

enum class DecodeError : std::uint8_t {
  empty,               // zero bytes
  too_large,           // larger than DecodeLimits::max_frame_bytes
  truncated,           // not a whole number of words, or shorter than its segment table says
  malformed,           // Cap'n Proto structure is invalid (bad pointer, wrong type, bad segment table,
                       // more than one segment)
  too_deep,            // pointer nesting beyond DecodeLimits::nesting_limit
  traversal_limit,     // more data reachable than DecodeLimits::traversal_limit_words
  trailing_bytes,      // bytes after the message, or unreachable data inside it
  unsupported_version, // wire version this build does not speak
  wrong_cluster,       // cluster id is not ours
  wrong_mode,          // protocol mode is not the cluster's
  unknown_kind,        // kind number not defined
  kind_not_in_mode,    // kind defined, but not used by the cluster's mode
  unknown_sender,      // sender role/id is not a member of the cluster
  body_too_large,      // body beyond DecodeLimits::max_body_bytes
  bad_authenticator,   // authenticator of the wrong size or shape
  unexpected_attachment,  // an attachment on a kind that carries none, or one beyond max_body_bytes
};

inline constexpr std::size_t kDecodeErrorCount = static_cast<std::size_t>(DecodeError::unexpected_attachment) + 1;

std::string_view to_string(DecodeError error);
// The name under which a drop for this error is counted: "decode.<to_string>". Static storage,
// so counters may key on it.
std::string_view drop_reason(DecodeError error);

}  // namespace loyal::net
