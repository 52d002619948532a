#pragma once
// Signer and Verifier decorators that count how often the replicas sign and verify, so that a
// benchmark can report signatures and verifications per committed request next to its
// throughput: the figure that explains most of the difference between the protocols.
//
// Ownership: a decorator borrows the object it wraps, which must outlive it. Counters are atomic
// because the Verifier contract is thread-safe (the runtime verifies on a pool); the benchmark
// itself calls them from one thread.

#include <atomic>
#include <cstdint>

#include "crypto/signer.h"

namespace loyal::bench {

class CountingSigner final : public crypto::Signer {
 public:
  explicit CountingSigner(const crypto::Signer& inner) : inner_(inner) {}

  crypto::Signature sign(ByteView message) const override {
    signatures_.fetch_add(1, std::memory_order_relaxed);
    return inner_.sign(message);
  }
  std::uint64_t signatures() const { return signatures_.load(std::memory_order_relaxed); }

 private:
  const crypto::Signer& inner_;
  mutable std::atomic<std::uint64_t> signatures_{0};
};

class CountingVerifier final : public crypto::Verifier {
 public:
  explicit CountingVerifier(const crypto::Verifier& inner) : inner_(inner) {}

  bool verify(NodeId signer, ByteView message, const crypto::Signature& signature) const override {
    verifications_.fetch_add(1, std::memory_order_relaxed);
    return inner_.verify(signer, message, signature);
  }
  std::uint64_t verifications() const { return verifications_.load(std::memory_order_relaxed); }

 private:
  const crypto::Verifier& inner_;
  mutable std::atomic<std::uint64_t> verifications_{0};
};

}  // namespace loyal::bench
