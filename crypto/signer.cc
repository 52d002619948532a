#include "crypto/signer.h"

namespace loyal::crypto {

bool Ed25519Verifier::verify(NodeId signer, ByteView message, const Signature& signature) const {
  const std::vector<PublicKey>& keys = signer.role == NodeRole::replica ? replica_keys_ : client_keys_;
  if (signer.index >= keys.size()) return false;
  return verify_signature(keys[signer.index], message, signature);
}

}  // namespace loyal::crypto
