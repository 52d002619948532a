#include "crypto/signing.h"

#include <sodium.h>

#include "common/assert.h"
#include "crypto/sodium.h"

namespace loyal::crypto {

static_assert(PublicKey::kSize == crypto_sign_PUBLICKEYBYTES);
static_assert(Signature::kSize == crypto_sign_BYTES);
static_assert(SigningKey::kSeedSize == crypto_sign_SEEDBYTES);

SigningKey SigningKey::generate() {
  ensure_sodium();
  Seed seed;
  randombytes_buf(seed.data(), seed.size());
  return from_seed(seed);
}

SigningKey SigningKey::from_seed(const Seed& seed) {
  ensure_sodium();
  SigningKey key;
  key.seed_ = seed;
  LOYAL_ASSERT(crypto_sign_seed_keypair(key.public_key_.bytes.data(), key.secret_key_.data(), seed.data()) == 0,
               "Ed25519 key derivation failed");
  return key;
}

Signature SigningKey::sign(ByteView message) const {
  Signature signature;
  LOYAL_ASSERT(crypto_sign_detached(signature.bytes.data(), nullptr, message.data(), message.size(),
                                    secret_key_.data()) == 0,
               "Ed25519 signing failed");
  return signature;
}

bool verify_signature(const PublicKey& signer, ByteView message, const Signature& signature) {
  ensure_sodium();
  return crypto_sign_verify_detached(signature.bytes.data(), message.data(), message.size(), signer.bytes.data()) ==
         0;
}

}  // namespace loyal::crypto
