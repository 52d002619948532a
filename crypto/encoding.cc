#include "crypto/encoding.h"

#include <sodium.h>

#include "crypto/sodium.h"

namespace loyal::crypto {

std::string to_base64(ByteView bytes) {
  ensure_sodium();
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // drop the terminating NUL written by libsodium
  return out;
}

bool from_base64(std::string_view text, std::span<std::uint8_t> out) {
  ensure_sodium();
  std::size_t decoded = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &decoded, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return false;
  }
  return decoded == out.size() && end == text.data() + text.size();
}

}  // namespace loyal::crypto
