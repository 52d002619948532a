// The verification cache: a valid signature is checked once, an invalid one every time, and the
// answer never changes whatever the cache holds.

#include "replica/runtime/verification_cache.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "crypto/signing.h"

namespace loyal::runtime {
namespace {

// Counts the checks that reach it; answers like Ed25519 for replica 0's key.
class CountingVerifier final : public crypto::Verifier {
 public:
  explicit CountingVerifier(crypto::PublicKey key, std::atomic<int>& checks) : inner_({key}, {}), checks_(checks) {}
  bool verify(NodeId signer, ByteView message, const crypto::Signature& signature) const override {
    ++checks_;
    return inner_.verify(signer, message, signature);
  }

 private:
  crypto::Ed25519Verifier inner_;
  std::atomic<int>& checks_;
};

class VerificationCache : public ::testing::Test {
 protected:
  CachingVerifier make(std::size_t capacity) {
    return CachingVerifier(std::make_unique<CountingVerifier>(key_.public_key(), checks_), capacity);
  }
  crypto::Signature sign(const std::string& text) const { return key_.sign(as_bytes(text)); }

  crypto::SigningKey key_ = crypto::SigningKey::generate();
  std::atomic<int> checks_{0};
};

TEST_F(VerificationCache, AValidSignatureIsCheckedOnce) {
  const CachingVerifier verifier = make(16);
  const crypto::Signature signature = sign("prepare 7");
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(verifier.verify(NodeId::replica(0), as_bytes("prepare 7"), signature));
  EXPECT_EQ(checks_, 1);
  EXPECT_EQ(verifier.counters().hits, 4u);
}

TEST_F(VerificationCache, AnInvalidSignatureIsCheckedEveryTimeAndNeverRemembered) {
  const CachingVerifier verifier = make(16);
  const crypto::Signature signature = sign("prepare 7");
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(verifier.verify(NodeId::replica(0), as_bytes("prepare 8"), signature));
  EXPECT_EQ(checks_, 3);
}

TEST_F(VerificationCache, AValidEntryDoesNotVouchForOtherSignersMessagesOrSignatures) {
  const CachingVerifier verifier = make(16);
  const crypto::Signature signature = sign("prepare 7");
  ASSERT_TRUE(verifier.verify(NodeId::replica(0), as_bytes("prepare 7"), signature));
  // Same message and signature, another signer: the inner verifier does not know replica 1's key.
  EXPECT_FALSE(verifier.verify(NodeId::replica(1), as_bytes("prepare 7"), signature));
  EXPECT_FALSE(verifier.verify(NodeId::client(0), as_bytes("prepare 7"), signature));
  EXPECT_FALSE(verifier.verify(NodeId::replica(0), as_bytes("prepare 7!"), signature));
  crypto::Signature altered = signature;
  altered.bytes[10] ^= 1;
  EXPECT_FALSE(verifier.verify(NodeId::replica(0), as_bytes("prepare 7"), altered));
  EXPECT_EQ(checks_, 5);
}

TEST_F(VerificationCache, MemoryIsBoundedAndTheOldestEntriesAreForgottenFirst) {
  const CachingVerifier verifier = make(4);  // two generations of two
  std::vector<crypto::Signature> signatures;
  for (int i = 0; i < 6; ++i) signatures.push_back(sign("m" + std::to_string(i)));
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(verifier.verify(NodeId::replica(0), as_bytes("m" + std::to_string(i)), signatures[i]));
  EXPECT_EQ(checks_, 6);
  // The last ones are remembered, the first one is not any more.
  EXPECT_TRUE(verifier.verify(NodeId::replica(0), as_bytes("m5"), signatures[5]));
  EXPECT_EQ(checks_, 6);
  EXPECT_TRUE(verifier.verify(NodeId::replica(0), as_bytes("m0"), signatures[0]));
  EXPECT_EQ(checks_, 7);
}

TEST_F(VerificationCache, ConcurrentChecksGiveTheSameAnswers) {
  const CachingVerifier verifier = make(64);
  const crypto::Signature good = sign("commit 3");
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (!verifier.verify(NodeId::replica(0), as_bytes("commit 3"), good)) ++wrong;
        if (verifier.verify(NodeId::replica(0), as_bytes("commit 4"), good)) ++wrong;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong, 0);
}

}  // namespace
}  // namespace loyal::runtime
