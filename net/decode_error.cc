#include "net/decode_error.h"

namespace loyal::net {

std::string_view to_string(DecodeError error) {
  switch (error) {
    case DecodeError::empty: return "empty";
    case DecodeError::too_large: return "too_large";
    case DecodeError::truncated: return "truncated";
    case DecodeError::malformed: return "malformed";
    case DecodeError::too_deep: return "too_deep";
    case DecodeError::traversal_limit: return "traversal_limit";
    case DecodeError::trailing_bytes: return "trailing_bytes";
    case DecodeError::unsupported_version: return "unsupported_version";
    case DecodeError::wrong_cluster: return "wrong_cluster";
    case DecodeError::wrong_mode: return "wrong_mode";
    case DecodeError::unknown_kind: return "unknown_kind";
    case DecodeError::kind_not_in_mode: return "kind_not_in_mode";
    case DecodeError::unknown_sender: return "unknown_sender";
    case DecodeError::body_too_large: return "body_too_large";
    case DecodeError::bad_authenticator: return "bad_authenticator";
  }
  return "unknown";
}

}  // namespace loyal::net
