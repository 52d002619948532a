#include "crypto/key_exchange.h"

#include <sodium.h>

#include "common/assert.h"
#include "crypto/sodium.h"

namespace loyal::crypto {

static_assert(ExchangePublicKey::kSize == crypto_scalarmult_BYTES);
static_assert(ExchangeKey::kSecretSize == crypto_scalarmult_SCALARBYTES);

namespace {

constexpr std::string_view kPairwiseContext = "loyal/pairwise-mac-key/v1";

// key(from -> to) = BLAKE2b-256(key = X25519 shared secret,
//                               message = context | from public key | to public key).
// Binding both public keys in order makes the two directions of a pair, and every pair, distinct.
MacKey directional_key(const Secret<crypto_scalarmult_BYTES>& shared, const ExchangePublicKey& from,
                       const ExchangePublicKey& to) {
  MacKey key;
  crypto_generichash_state state;
  crypto_generichash_init(&state, shared.data(), shared.size(), key.size());
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(kPairwiseContext.data()),
                            kPairwiseContext.size());
  crypto_generichash_update(&state, from.bytes.data(), from.bytes.size());
  crypto_generichash_update(&state, to.bytes.data(), to.bytes.size());
  crypto_generichash_final(&state, key.data(), key.size());
  sodium_memzero(&state, sizeof state);
  return key;
}

}  // namespace

ExchangeKey ExchangeKey::generate() {
  ensure_sodium();
  SecretKey secret;
  randombytes_buf(secret.data(), secret.size());
  return from_secret(secret);
}

ExchangeKey ExchangeKey::from_secret(const SecretKey& secret) {
  ensure_sodium();
  ExchangeKey key;
  key.secret_ = secret;
  LOYAL_ASSERT(crypto_scalarmult_base(key.public_key_.bytes.data(), secret.data()) == 0,
               "X25519 public key derivation failed");
  return key;
}

Result<PairwiseKeys> derive_pairwise_keys(const ExchangeKey& mine, const ExchangePublicKey& theirs) {
  ensure_sodium();
  if (theirs == mine.public_key()) {
    return Error{"cannot derive pairwise keys with our own exchange key"};
  }
  Secret<crypto_scalarmult_BYTES> shared;
  // libsodium refuses (returns -1) when the result is all zeros, i.e. for low-order points.
  if (crypto_scalarmult(shared.data(), mine.secret().data(), theirs.bytes.data()) != 0) {
    return Error{"peer exchange public key is a low-order point"};
  }
  return PairwiseKeys{directional_key(shared, mine.public_key(), theirs),
                      directional_key(shared, theirs, mine.public_key())};
}

}  // namespace loyal::crypto
