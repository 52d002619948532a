#pragma once
// Ed25519 signatures (libsodium): every replica-to-replica protocol message, and client requests
// in the default client_auth = "signature" mode.

#include <array>
#include <compare>
#include <cstdint>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/secret.h"

namespace loyal::crypto {

struct PublicKey {
  static constexpr std::size_t kSize = 32;
  std::array<std::uint8_t, kSize> bytes{};
  ByteView view() const { return bytes; }
  friend auto operator<=>(const PublicKey&, const PublicKey&) = default;
};

struct Signature {
  static constexpr std::size_t kSize = 64;
  std::array<std::uint8_t, kSize> bytes{};
  ByteView view() const { return bytes; }
  friend auto operator<=>(const Signature&, const Signature&) = default;
};

// An Ed25519 key pair. The 32-byte seed determines it completely; the secret part is wiped on
// destruction.
class SigningKey {
 public:
  static constexpr std::size_t kSeedSize = 32;
  using Seed = Secret<kSeedSize>;

  // A fresh key from the operating system's random source (key generation only; never in a core).
  static SigningKey generate();
  // The same seed always gives the same key: the simulator derives keys from its PRNG.
  static SigningKey from_seed(const Seed& seed);

  const PublicKey& public_key() const { return public_key_; }
  const Seed& seed() const { return seed_; }
  Signature sign(ByteView message) const;

 private:
  SigningKey() = default;
  Seed seed_;
  Secret<64> secret_key_;
  PublicKey public_key_;
};

bool verify_signature(const PublicKey& signer, ByteView message, const Signature& signature);

}  // namespace loyal::crypto
