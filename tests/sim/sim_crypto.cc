#include "tests/sim/sim_crypto.h"

namespace loyal::sim {

SimCrypto::SimCrypto(std::uint32_t replica_count, std::uint32_t client_count, std::uint64_t seed, bool real_crypto)
    : keys_(replica_count, client_count, seed) {
  auto make_signer = [&](NodeId node) -> std::unique_ptr<crypto::Signer> {
    if (real_crypto) return std::make_unique<crypto::Ed25519Signer>(keys_.signing_key(node));
    return std::make_unique<testing::FastSigner>(node, seed);
  };
  if (real_crypto) {
    verifier_ = std::make_unique<crypto::Ed25519Verifier>(keys_.ed25519_verifier());
  } else {
    verifier_ = std::make_unique<testing::FastVerifier>(replica_count, client_count, seed);
  }
  for (ReplicaId r = 0; r < replica_count; ++r) replica_signers_.push_back(make_signer(NodeId::replica(r)));
  for (ClientId c = 0; c < client_count; ++c) client_signers_.push_back(make_signer(NodeId::client(c)));
}

const crypto::Signer& SimCrypto::signer(NodeId node) const {
  return node.role == NodeRole::replica ? *replica_signers_.at(node.index) : *client_signers_.at(node.index);
}

}  // namespace loyal::sim
