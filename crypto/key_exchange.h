#pragma once
// Pairwise MAC keys from static X25519 key pairs, with no handshake: each node knows its own
// exchange secret and every peer's exchange public key (from the cluster file), so both ends of a
// pair derive the same keys offline.
//
// Keys are directional: the key for MACs that A sends to B differs from the one for B to A, so a
// MAC cannot be reflected back to its sender as if the peer had produced it. Every pair of nodes
// gets keys of its own.

#include <array>
#include <compare>
#include <cstdint>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/mac.h"
#include "crypto/secret.h"

namespace loyal::crypto {

struct ExchangePublicKey {
  static constexpr std::size_t kSize = 32;
  std::array<std::uint8_t, kSize> bytes{};
  ByteView view() const { return bytes; }
  friend auto operator<=>(const ExchangePublicKey&, const ExchangePublicKey&) = default;
};

class ExchangeKey {
 public:
  static constexpr std::size_t kSecretSize = 32;
  using SecretKey = Secret<kSecretSize>;

  static ExchangeKey generate();
  static ExchangeKey from_secret(const SecretKey& secret);

  const ExchangePublicKey& public_key() const { return public_key_; }
  const SecretKey& secret() const { return secret_; }

 private:
  ExchangeKey() = default;
  SecretKey secret_;
  ExchangePublicKey public_key_;
};

struct PairwiseKeys {
  MacKey send;     // MACs this node computes for the peer
  MacKey receive;  // MACs the peer computed for this node
};

// Fails when the peer's public key is a low-order point (the shared secret would be predictable),
// or is our own key (a node never needs keys with itself).
Result<PairwiseKeys> derive_pairwise_keys(const ExchangeKey& mine, const ExchangePublicKey& theirs);

}  // namespace loyal::crypto
