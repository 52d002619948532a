#include "net/decode_error.h"

namespace loyal::net {

namespace {
constexpr std::string_view kDropReasonPrefix = "decode.";
}  // namespace

std::string_view drop_reason(DecodeError error) {
  switch (error) {
    case DecodeError::empty: return "decode.empty";
    case DecodeError::too_large: return "decode.too_large";
    case DecodeError::truncated: return "decode.truncated";
    case DecodeError::malformed: return "decode.malformed";
    case DecodeError::too_deep: return "decode.too_deep";
    case DecodeError::traversal_limit: return "decode.traversal_limit";
    case DecodeError::trailing_bytes: return "decode.trailing_bytes";
    case DecodeError::unsupported_version: return "decode.unsupported_version";
    case DecodeError::wrong_cluster: return "decode.wrong_cluster";
    case DecodeError::wrong_mode: return "decode.wrong_mode";
    case DecodeError::unknown_kind: return "decode.unknown_kind";
    case DecodeError::kind_not_in_mode: return "decode.kind_not_in_mode";
    case DecodeError::unknown_sender: return "decode.unknown_sender";
    case DecodeError::body_too_large: return "decode.body_too_large";
    case DecodeError::bad_authenticator: return "decode.bad_authenticator";
    case DecodeError::unexpected_attachment: return "decode.unexpected_attachment";
  }
  return "decode.unknown";
}

std::string_view to_string(DecodeError error) { return drop_reason(error).substr(kDropReasonPrefix.size()); }

}  // namespace loyal::net
