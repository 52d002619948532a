#include "crypto/mac.h"

#include <sodium.h>

#include "common/assert.h"
#include "crypto/constant_time.h"

namespace loyal::crypto {

static_assert(Mac::kSize >= crypto_generichash_BYTES_MIN && Mac::kSize <= crypto_generichash_BYTES_MAX);
static_assert(MacKey::size() >= crypto_generichash_KEYBYTES_MIN && MacKey::size() <= crypto_generichash_KEYBYTES_MAX);

Mac compute_mac(const MacKey& key, ByteView message) {
  Mac mac;
  LOYAL_ASSERT(crypto_generichash(mac.bytes.data(), mac.bytes.size(), message.data(), message.size(), key.data(),
                                  key.size()) == 0,
               "BLAKE2b MAC failed");
  return mac;
}

bool verify_mac(const MacKey& key, ByteView message, const Mac& mac) {
  const Mac expected = compute_mac(key, message);
  return equal_constant_time(expected.view(), mac.view());
}

}  // namespace loyal::crypto
