#include "crypto/mac.h"

#include <gtest/gtest.h>

#include "crypto/constant_time.h"

namespace loyal::crypto {
namespace {

MacKey key_of(std::uint8_t fill) {
  std::array<std::uint8_t, MacKey::size()> bytes;
  bytes.fill(fill);
  return MacKey(bytes);
}

TEST(Mac, VerifiesWithTheSameKeyOnly) {
  const Bytes message = to_bytes("reply to client 3, request 42");
  const Mac mac = compute_mac(key_of(1), message);
  EXPECT_TRUE(verify_mac(key_of(1), message, mac));
  EXPECT_FALSE(verify_mac(key_of(2), message, mac));
}

TEST(Mac, AnyTamperingIsDetected) {
  const Bytes message = to_bytes("reply to client 3, request 42");
  const Mac mac = compute_mac(key_of(1), message);
  for (std::size_t i = 0; i < message.size(); ++i) {
    Bytes tampered = message;
    tampered[i] ^= 0x04;
    EXPECT_FALSE(verify_mac(key_of(1), tampered, mac)) << "message byte " << i;
  }
  for (std::size_t i = 0; i < Mac::kSize; ++i) {
    Mac tampered = mac;
    tampered.bytes[i] ^= 0x04;
    EXPECT_FALSE(verify_mac(key_of(1), message, tampered)) << "tag byte " << i;
  }
}

TEST(Mac, IsDeterministic) {
  const Bytes message = to_bytes("m");
  EXPECT_EQ(compute_mac(key_of(9), message), compute_mac(key_of(9), message));
}

TEST(ConstantTime, ComparesContentAndLength) {
  const Bytes a = to_bytes("abcdef");
  EXPECT_TRUE(equal_constant_time(a, to_bytes("abcdef")));
  EXPECT_FALSE(equal_constant_time(a, to_bytes("abcdeg")));
  EXPECT_FALSE(equal_constant_time(a, to_bytes("abcde")));
  EXPECT_TRUE(equal_constant_time({}, {}));
}

TEST(Secret, WipeClearsTheBytes) {
  std::array<std::uint8_t, 8> bytes{1, 2, 3, 4, 5, 6, 7, 8};
  wipe(bytes);
  for (const std::uint8_t b : bytes) EXPECT_EQ(b, 0);
}

}  // namespace
}  // namespace loyal::crypto
