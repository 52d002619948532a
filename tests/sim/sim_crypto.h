#pragma once
// Keys, signers and the verifier of one simulated cluster. By default signatures are the cheap
// deterministic stand-in (tests/support FastSigner/FastVerifier: a tampered message or a wrong
// signer fails exactly as with Ed25519); with real_crypto they are real Ed25519. MAC keys (client
// request authenticators in mac mode, replies) are always the real pairwise keyed BLAKE2b keys:
// they are cheap. Everything is derived from the seed, so keys are part of what a seed replays.
//
// Ownership: replicas and clients borrow the signers and the verifier; a SimCrypto outlives them.

#include <cstdint>
#include <memory>
#include <vector>

#include "crypto/signer.h"
#include "tests/support/test_keys.h"

namespace loyal::sim {

class SimCrypto {
 public:
  SimCrypto(std::uint32_t replica_count, std::uint32_t client_count, std::uint64_t seed, bool real_crypto);

  const testing::TestKeys& keys() const { return keys_; }
  const crypto::Signer& signer(NodeId node) const;
  const crypto::Verifier& verifier() const { return *verifier_; }

 private:
  testing::TestKeys keys_;
  std::unique_ptr<crypto::Verifier> verifier_;
  std::vector<std::unique_ptr<crypto::Signer>> replica_signers_;
  std::vector<std::unique_ptr<crypto::Signer>> client_signers_;
};

}  // namespace loyal::sim
