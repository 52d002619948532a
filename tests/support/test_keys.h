#pragma once
// Deterministic key material for tests and the simulator: every replica's and client's signing
// and exchange keys derived from one seed, and the pairwise MAC keys between them.
//
// FastSigner / FastVerifier are the simulator's cheap stand-in for Ed25519 (DESIGN.md §2.1): a
// "signature" is a keyed BLAKE2b tag of the message under a per-node secret, padded to 64 bytes.
// Only the holder of the table can forge, which is everyone in the simulator; what matters there is
// that a tampered message or a wrong signer fails verification, exactly as with Ed25519.

#include <cstdint>
#include <vector>

#include "cluster/cluster_config.h"
#include "crypto/key_exchange.h"
#include "crypto/signer.h"
#include "crypto/signing.h"

namespace loyal::testing {

class TestKeys {
 public:
  TestKeys(std::uint32_t replica_count, std::uint32_t client_count, std::uint64_t seed);

  std::uint32_t replica_count() const { return static_cast<std::uint32_t>(replica_signing_.size()); }
  std::uint32_t client_count() const { return static_cast<std::uint32_t>(client_signing_.size()); }

  const crypto::SigningKey& signing_key(NodeId node) const;
  const crypto::ExchangeKey& exchange_key(NodeId node) const;
  // MAC key for messages from `from` to `to`.
  crypto::MacKey mac_key(NodeId from, NodeId to) const;

  // client -> replica r keys of one client (request authenticators), indexed by replica.
  std::vector<crypto::MacKey> client_to_replicas(ClientId client) const;
  // replica r -> client keys (replies), indexed by replica.
  std::vector<crypto::MacKey> replicas_to_client(ClientId client) const;
  // client c -> replica keys as seen by one replica, indexed by client.
  std::vector<crypto::MacKey> clients_to_replica(ReplicaId replica) const;
  // replica -> client c keys of one replica, indexed by client.
  std::vector<crypto::MacKey> replica_to_clients(ReplicaId replica) const;

  // replica -> replica r keys of one replica, and r -> replica as it holds them, indexed by r (the
  // own entry is a default key, never used): ReplicaParts' keys in raft and paxos.
  std::vector<crypto::MacKey> replica_to_replicas(ReplicaId replica) const;
  std::vector<crypto::MacKey> replicas_to_replica(ReplicaId replica) const;

  // An Ed25519 verifier knowing every node's public key.
  crypto::Ed25519Verifier ed25519_verifier() const;

  // A cluster file's worth of members (loopback addresses, ports from 7100) with these keys.
  cluster::ClusterConfig cluster_config(ProtocolMode mode, std::uint64_t cluster_id) const;

 private:
  std::vector<crypto::SigningKey> replica_signing_;
  std::vector<crypto::SigningKey> client_signing_;
  std::vector<crypto::ExchangeKey> replica_exchange_;
  std::vector<crypto::ExchangeKey> client_exchange_;
};

class FastSigner final : public crypto::Signer {
 public:
  FastSigner(NodeId node, std::uint64_t seed);
  crypto::Signature sign(ByteView message) const override;

 private:
  crypto::MacKey key_;
};

class FastVerifier final : public crypto::Verifier {
 public:
  FastVerifier(std::uint32_t replica_count, std::uint32_t client_count, std::uint64_t seed);
  bool verify(NodeId signer, ByteView message, const crypto::Signature& signature) const override;

 private:
  std::uint32_t replica_count_;
  std::uint32_t client_count_;
  std::uint64_t seed_;
};

}  // namespace loyal::testing
