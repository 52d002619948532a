#pragma once
// Signing and verification as injected objects: protocol cores and the pipeline never call
// Ed25519 directly, so the simulator can run either the real code or a cheap deterministic
// stand-in with the same interface.

#include <vector>

#include "common/bytes.h"
#include "common/ids.h"
#include "crypto/signing.h"

namespace loyal::crypto {

class Signer {
 public:
  virtual ~Signer() = default;
  virtual Signature sign(ByteView message) const = 0;
};

class Verifier {
 public:
  virtual ~Verifier() = default;
  // False when `signer` is unknown or the signature does not match. Thread-safe: the runtime calls
  // it from its verification pool.
  virtual bool verify(NodeId signer, ByteView message, const Signature& signature) const = 0;
};

class Ed25519Signer final : public Signer {
 public:
  explicit Ed25519Signer(SigningKey key) : key_(std::move(key)) {}
  Signature sign(ByteView message) const override { return key_.sign(message); }
  const PublicKey& public_key() const { return key_.public_key(); }

 private:
  SigningKey key_;
};

// Knows every replica's and client's public key (from the cluster file). Immutable once built.
class Ed25519Verifier final : public Verifier {
 public:
  Ed25519Verifier(std::vector<PublicKey> replica_keys, std::vector<PublicKey> client_keys)
      : replica_keys_(std::move(replica_keys)), client_keys_(std::move(client_keys)) {}
  bool verify(NodeId signer, ByteView message, const Signature& signature) const override;

 private:
  std::vector<PublicKey> replica_keys_;  // indexed by replica id
  std::vector<PublicKey> client_keys_;   // indexed by client id
};

}  // namespace loyal::crypto
