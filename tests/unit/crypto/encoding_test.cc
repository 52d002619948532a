#include "crypto/encoding.h"

#include <gtest/gtest.h>

namespace loyal::crypto {
namespace {

TEST(Base64, RoundTripsExactLength) {
  const Bytes data = {0, 1, 2, 250, 251, 252, 253, 254, 255, 7};
  const std::string text = to_base64(data);
  EXPECT_EQ(text, "AAEC+vv8/f7/Bw==");
  std::array<std::uint8_t, 10> decoded{};
  ASSERT_TRUE(from_base64(text, decoded));
  EXPECT_TRUE(std::ranges::equal(decoded, data));
}

TEST(Base64, RefusesWrongLengthGarbageAndTrailingText) {
  std::array<std::uint8_t, 10> out{};
  EXPECT_FALSE(from_base64("AAEC", out)) << "too short";
  std::array<std::uint8_t, 2> small{};
  EXPECT_FALSE(from_base64("AAEC+vv8/f7/Bw==", small)) << "too long";
  EXPECT_FALSE(from_base64("AAEC*vv8/f7/Bw==", out)) << "bad character";
  EXPECT_FALSE(from_base64("AAEC+vv8/f7/Bw==xx", out)) << "trailing text";
}

}  // namespace
}  // namespace loyal::crypto
