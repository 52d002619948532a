#pragma once
// SHA-256 digests (OpenSSL EVP, which uses the SHA extensions where the CPU has them): batch
// digests, state digests, and the body hash under every signature and MAC.

#include <array>
#include <compare>
#include <cstdint>
#include <memory>
#include <string>

#include "common/bytes.h"

namespace loyal::crypto {

struct Digest {
  static constexpr std::size_t kSize = 32;
  std::array<std::uint8_t, kSize> bytes{};

  ByteView view() const { return bytes; }
  std::string hex() const { return to_hex(bytes); }
  friend auto operator<=>(const Digest&, const Digest&) = default;
};

Digest sha256(ByteView data);

// Incremental SHA-256 over several pieces, without concatenating them first.
// Not thread-safe; one instance per thread. finish() resets it for reuse.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  Sha256& update(ByteView data);
  Digest finish();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

}  // namespace loyal::crypto
