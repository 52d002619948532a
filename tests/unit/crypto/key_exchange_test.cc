#include "crypto/key_exchange.h"

#include <gtest/gtest.h>

namespace loyal::crypto {
namespace {

TEST(PairwiseKeys, BothSidesDeriveTheSameKeysWithoutAHandshake) {
  const ExchangeKey alice = ExchangeKey::generate();
  const ExchangeKey bob = ExchangeKey::generate();
  const Result<PairwiseKeys> at_alice = derive_pairwise_keys(alice, bob.public_key());
  const Result<PairwiseKeys> at_bob = derive_pairwise_keys(bob, alice.public_key());
  ASSERT_TRUE(at_alice.ok());
  ASSERT_TRUE(at_bob.ok());
  EXPECT_TRUE(std::ranges::equal(at_alice->send.view(), at_bob->receive.view()));
  EXPECT_TRUE(std::ranges::equal(at_alice->receive.view(), at_bob->send.view()));
}

TEST(PairwiseKeys, DirectionsDiffer) {
  const ExchangeKey alice = ExchangeKey::generate();
  const ExchangeKey bob = ExchangeKey::generate();
  const PairwiseKeys keys = derive_pairwise_keys(alice, bob.public_key()).value();
  EXPECT_FALSE(std::ranges::equal(keys.send.view(), keys.receive.view()))
      << "a MAC Alice sends must not verify as one Bob sent";
  const Bytes message = to_bytes("m");
  EXPECT_FALSE(verify_mac(keys.receive, message, compute_mac(keys.send, message)));
}

TEST(PairwiseKeys, EveryPairHasItsOwnKeys) {
  const ExchangeKey a = ExchangeKey::generate();
  const ExchangeKey b = ExchangeKey::generate();
  const ExchangeKey c = ExchangeKey::generate();
  const PairwiseKeys ab = derive_pairwise_keys(a, b.public_key()).value();
  const PairwiseKeys ac = derive_pairwise_keys(a, c.public_key()).value();
  EXPECT_FALSE(std::ranges::equal(ab.send.view(), ac.send.view()));
  EXPECT_FALSE(std::ranges::equal(ab.receive.view(), ac.receive.view()));
}

TEST(PairwiseKeys, SameSecretGivesSameKeys) {
  std::array<std::uint8_t, 32> bytes;
  bytes.fill(3);
  const ExchangeKey a1 = ExchangeKey::from_secret(ExchangeKey::SecretKey(bytes));
  const ExchangeKey a2 = ExchangeKey::from_secret(ExchangeKey::SecretKey(bytes));
  EXPECT_EQ(a1.public_key(), a2.public_key());
}

TEST(PairwiseKeys, LowOrderPeerKeyIsRefused) {
  const ExchangeKey alice = ExchangeKey::generate();
  const ExchangePublicKey zero{};  // the identity point: every shared secret would be zero
  const Result<PairwiseKeys> keys = derive_pairwise_keys(alice, zero);
  ASSERT_FALSE(keys.ok());
  EXPECT_NE(keys.error().message.find("low-order"), std::string::npos);
}

TEST(PairwiseKeys, OwnKeyIsRefused) {
  const ExchangeKey alice = ExchangeKey::generate();
  EXPECT_FALSE(derive_pairwise_keys(alice, alice.public_key()).ok());
}

}  // namespace
}  // namespace loyal::crypto
