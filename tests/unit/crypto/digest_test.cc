#include "crypto/digest.h"

#include <gtest/gtest.h>

namespace loyal::crypto {
namespace {

// FIPS 180-2 test vectors.
TEST(Sha256, MatchesKnownVectors) {
  EXPECT_EQ(sha256(as_bytes("")).hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256(as_bytes("abc")).hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256(as_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).hex(),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, IncrementalEqualsOneShotAndResetsAfterFinish) {
  const Bytes data = to_bytes("the quick brown fox jumps over the lazy dog, twice over");
  Sha256 hasher;
  hasher.update(ByteView(data).first(10)).update(ByteView(data).subspan(10));
  EXPECT_EQ(hasher.finish(), sha256(data));
  hasher.update(data);
  EXPECT_EQ(hasher.finish(), sha256(data)) << "finish() must leave the hasher ready for a new message";
}

TEST(Sha256, AnyChangedByteChangesTheDigest) {
  Bytes data(300, 0x5a);
  const Digest original = sha256(data);
  for (std::size_t i = 0; i < data.size(); i += 37) {
    Bytes changed = data;
    changed[i] ^= 0x01;
    EXPECT_NE(sha256(changed), original) << "byte " << i;
  }
}

}  // namespace
}  // namespace loyal::crypto
