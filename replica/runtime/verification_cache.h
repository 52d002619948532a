#pragma once
// A Verifier that remembers which signatures it found valid, so that a signature is checked once
// however often it arrives. PBFT sees the same signed bytes many times: a replica in a view change
// re-sends the same VIEW-CHANGE frame every retransmission interval, each VIEW-CHANGE embeds the
// signed PRE-PREPAREs and PREPAREs of its prepared certificates (which the receiver mostly checked
// already when they first arrived), and a NEW-VIEW embeds a quorum of VIEW-CHANGEs. A VIEW-CHANGE
// with a window of prepared certificates holds hundreds of signatures (tens of milliseconds of
// Ed25519 at ~55 µs each); checking it again on every retransmission from every peer kept the
// verification thread of a replica behind by seconds after faults, while the replica thread's
// view-change timers kept running, and views followed one another without one being installed
// (issue 12).
//
// Only valid results are kept, under the exact (signer, message, signature) bytes: Ed25519
// verification is deterministic, so a remembered success is the answer the check would give, and
// nobody without a signer's key can add an entry. A failed check is always repeated. The memory
// is bounded: two generations of at most capacity / 2 entries each; a hit in the older one moves
// the entry to the newer one, and when the newer one is full the older one is forgotten.
//
// Thread-safe (the verification pool calls it concurrently): a mutex guards the generations, and
// the inner check runs outside it. The inner verifier must be thread-safe too.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

#include "crypto/signer.h"

namespace loyal::runtime {

// About 200 bytes an entry: 16384 entries are a few MiB and hold every signature of several
// NEW-VIEWs at the largest window, or a few thousand batches of normal-case votes.
inline constexpr std::size_t kVerificationCacheEntries = 16384;

class CachingVerifier final : public crypto::Verifier {
 public:
  CachingVerifier(std::unique_ptr<crypto::Verifier> inner, std::size_t capacity = kVerificationCacheEntries);

  bool verify(NodeId signer, ByteView message, const crypto::Signature& signature) const override;

  struct Counters {
    std::uint64_t hits = 0;
    std::uint64_t checks = 0;  // handed to the inner verifier
  };
  Counters counters() const;

 private:
  std::unique_ptr<crypto::Verifier> inner_;
  std::size_t generation_capacity_;
  mutable std::mutex mutex_;
  mutable std::unordered_set<std::string> newer_;
  mutable std::unordered_set<std::string> older_;
  mutable Counters counters_;
};

}  // namespace loyal::runtime
