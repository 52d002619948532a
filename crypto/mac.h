#pragma once
// Keyed BLAKE2b MACs (libsodium crypto_generichash with a key): client-request authenticators in
// client_auth = "mac" mode and replies to clients.

#include <array>
#include <compare>
#include <cstdint>

#include "common/bytes.h"
#include "crypto/secret.h"

namespace loyal::crypto {

using MacKey = Secret<32>;

struct Mac {
  static constexpr std::size_t kSize = 16;  // 128-bit tags: ample against forgery, half the bytes
  std::array<std::uint8_t, kSize> bytes{};
  ByteView view() const { return bytes; }
  friend auto operator<=>(const Mac&, const Mac&) = default;
};

Mac compute_mac(const MacKey& key, ByteView message);
// Constant-time comparison against the expected tag.
bool verify_mac(const MacKey& key, ByteView message, const Mac& mac);

}  // namespace loyal::crypto
