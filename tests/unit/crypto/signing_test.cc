#include "crypto/signing.h"

#include <gtest/gtest.h>

#include "crypto/signer.h"

namespace loyal::crypto {
namespace {

SigningKey::Seed seed_of(std::uint8_t fill) {
  std::array<std::uint8_t, SigningKey::kSeedSize> bytes;
  bytes.fill(fill);
  return SigningKey::Seed(bytes);
}

TEST(Ed25519, SignatureVerifiesWithTheSignersKey) {
  const SigningKey key = SigningKey::generate();
  const Bytes message = to_bytes("pre-prepare view 3 seq 17");
  EXPECT_TRUE(verify_signature(key.public_key(), message, key.sign(message)));
}

TEST(Ed25519, TamperedMessageOrSignatureIsRejected) {
  const SigningKey key = SigningKey::generate();
  const Bytes message = to_bytes("commit view 3 seq 17");
  const Signature signature = key.sign(message);
  for (std::size_t i = 0; i < message.size(); ++i) {
    Bytes tampered = message;
    tampered[i] ^= 0x80;
    EXPECT_FALSE(verify_signature(key.public_key(), tampered, signature)) << "message byte " << i;
  }
  for (std::size_t i = 0; i < Signature::kSize; ++i) {
    Signature tampered = signature;
    tampered.bytes[i] ^= 0x01;
    EXPECT_FALSE(verify_signature(key.public_key(), message, tampered)) << "signature byte " << i;
  }
}

TEST(Ed25519, AnotherKeysSignatureIsRejected) {
  const SigningKey alice = SigningKey::generate();
  const SigningKey mallory = SigningKey::generate();
  const Bytes message = to_bytes("checkpoint 128");
  EXPECT_FALSE(verify_signature(alice.public_key(), message, mallory.sign(message)));
}

TEST(Ed25519, SameSeedGivesSameKeyAndDeterministicSignatures) {
  const SigningKey a = SigningKey::from_seed(seed_of(7));
  const SigningKey b = SigningKey::from_seed(seed_of(7));
  const SigningKey c = SigningKey::from_seed(seed_of(8));
  EXPECT_EQ(a.public_key(), b.public_key());
  EXPECT_NE(a.public_key(), c.public_key());
  const Bytes message = to_bytes("m");
  EXPECT_EQ(a.sign(message), b.sign(message)) << "Ed25519 signing is deterministic";
}

// RFC 8032 §7.1, test 1: the empty message.
TEST(Ed25519, MatchesRfc8032Vector) {
  const Bytes seed_bytes = {0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
                            0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60};
  const SigningKey key = SigningKey::from_seed(SigningKey::Seed(std::span<const std::uint8_t, 32>(seed_bytes.data(), 32)));
  EXPECT_EQ(to_hex(key.public_key().view()), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  EXPECT_EQ(to_hex(key.sign({}).view()),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
}

TEST(Ed25519Verifier, LooksUpTheSignerByRoleAndIndex) {
  const SigningKey replica0 = SigningKey::from_seed(seed_of(1));
  const SigningKey client0 = SigningKey::from_seed(seed_of(2));
  const Ed25519Verifier verifier({replica0.public_key()}, {client0.public_key()});
  const Bytes message = to_bytes("request");
  EXPECT_TRUE(verifier.verify(NodeId::replica(0), message, replica0.sign(message)));
  EXPECT_TRUE(verifier.verify(NodeId::client(0), message, client0.sign(message)));
  EXPECT_FALSE(verifier.verify(NodeId::client(0), message, replica0.sign(message))) << "roles are separate";
  EXPECT_FALSE(verifier.verify(NodeId::replica(1), message, replica0.sign(message))) << "unknown signer";
}

}  // namespace
}  // namespace loyal::crypto
