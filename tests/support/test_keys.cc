#include "tests/support/test_keys.h"

#include "common/assert.h"
#include "crypto/constant_time.h"
#include "crypto/digest.h"
#include "crypto/mac.h"

namespace loyal::testing {

namespace {

// 32 bytes determined by (seed, purpose, node): SHA-256 of their concatenation.
std::array<std::uint8_t, 32> derive(std::uint64_t seed, std::uint8_t purpose, NodeId node) {
  Bytes input;
  for (int i = 0; i < 8; ++i) input.push_back(static_cast<std::uint8_t>(seed >> (8 * i)));
  input.push_back(purpose);
  input.push_back(static_cast<std::uint8_t>(node.role));
  for (int i = 0; i < 4; ++i) input.push_back(static_cast<std::uint8_t>(node.index >> (8 * i)));
  return crypto::sha256(input).bytes;
}

constexpr std::uint8_t kSigningPurpose = 1;
constexpr std::uint8_t kExchangePurpose = 2;
constexpr std::uint8_t kFastSignPurpose = 3;

crypto::Signature fast_signature(const crypto::MacKey& key, ByteView message) {
  const crypto::Mac tag = crypto::compute_mac(key, message);
  crypto::Signature signature;
  std::copy(tag.bytes.begin(), tag.bytes.end(), signature.bytes.begin());
  return signature;
}

}  // namespace

TestKeys::TestKeys(std::uint32_t replica_count, std::uint32_t client_count, std::uint64_t seed) {
  auto make = [&](NodeId node) {
    const auto signing_seed = derive(seed, kSigningPurpose, node);
    const auto exchange_secret = derive(seed, kExchangePurpose, node);
    return std::make_pair(crypto::SigningKey::from_seed(crypto::SigningKey::Seed(signing_seed)),
                          crypto::ExchangeKey::from_secret(crypto::ExchangeKey::SecretKey(exchange_secret)));
  };
  for (ReplicaId r = 0; r < replica_count; ++r) {
    auto [signing, exchange] = make(NodeId::replica(r));
    replica_signing_.push_back(std::move(signing));
    replica_exchange_.push_back(std::move(exchange));
  }
  for (ClientId c = 0; c < client_count; ++c) {
    auto [signing, exchange] = make(NodeId::client(c));
    client_signing_.push_back(std::move(signing));
    client_exchange_.push_back(std::move(exchange));
  }
}

const crypto::SigningKey& TestKeys::signing_key(NodeId node) const {
  return node.role == NodeRole::replica ? replica_signing_.at(node.index) : client_signing_.at(node.index);
}

const crypto::ExchangeKey& TestKeys::exchange_key(NodeId node) const {
  return node.role == NodeRole::replica ? replica_exchange_.at(node.index) : client_exchange_.at(node.index);
}

crypto::MacKey TestKeys::mac_key(NodeId from, NodeId to) const {
  auto keys = crypto::derive_pairwise_keys(exchange_key(from), exchange_key(to).public_key());
  LOYAL_ASSERT(keys.ok(), "test keys are distinct and valid");
  return keys->send;
}

std::vector<crypto::MacKey> TestKeys::client_to_replicas(ClientId client) const {
  std::vector<crypto::MacKey> keys;
  for (ReplicaId r = 0; r < replica_count(); ++r) keys.push_back(mac_key(NodeId::client(client), NodeId::replica(r)));
  return keys;
}

std::vector<crypto::MacKey> TestKeys::replicas_to_client(ClientId client) const {
  std::vector<crypto::MacKey> keys;
  for (ReplicaId r = 0; r < replica_count(); ++r) keys.push_back(mac_key(NodeId::replica(r), NodeId::client(client)));
  return keys;
}

std::vector<crypto::MacKey> TestKeys::clients_to_replica(ReplicaId replica) const {
  std::vector<crypto::MacKey> keys;
  for (ClientId c = 0; c < client_count(); ++c) keys.push_back(mac_key(NodeId::client(c), NodeId::replica(replica)));
  return keys;
}

std::vector<crypto::MacKey> TestKeys::replica_to_clients(ReplicaId replica) const {
  std::vector<crypto::MacKey> keys;
  for (ClientId c = 0; c < client_count(); ++c) keys.push_back(mac_key(NodeId::replica(replica), NodeId::client(c)));
  return keys;
}

std::vector<crypto::MacKey> TestKeys::replica_to_replicas(ReplicaId replica) const {
  std::vector<crypto::MacKey> keys;
  for (ReplicaId r = 0; r < replica_count(); ++r) {
    keys.push_back(r == replica ? crypto::MacKey() : mac_key(NodeId::replica(replica), NodeId::replica(r)));
  }
  return keys;
}

std::vector<crypto::MacKey> TestKeys::replicas_to_replica(ReplicaId replica) const {
  std::vector<crypto::MacKey> keys;
  for (ReplicaId r = 0; r < replica_count(); ++r) {
    keys.push_back(r == replica ? crypto::MacKey() : mac_key(NodeId::replica(r), NodeId::replica(replica)));
  }
  return keys;
}

crypto::Ed25519Verifier TestKeys::ed25519_verifier() const {
  std::vector<crypto::PublicKey> replicas;
  std::vector<crypto::PublicKey> clients;
  for (const auto& key : replica_signing_) replicas.push_back(key.public_key());
  for (const auto& key : client_signing_) clients.push_back(key.public_key());
  return crypto::Ed25519Verifier(std::move(replicas), std::move(clients));
}

cluster::ClusterConfig TestKeys::cluster_config(ProtocolMode mode, std::uint64_t cluster_id) const {
  cluster::ClusterConfig config;
  config.cluster_id = cluster_id;
  config.protocol = mode;
  for (ReplicaId r = 0; r < replica_count(); ++r) {
    config.replicas.push_back(cluster::ReplicaInfo{r, "127.0.0.1", static_cast<std::uint16_t>(7100 + r),
                                                   replica_signing_[r].public_key(),
                                                   replica_exchange_[r].public_key()});
  }
  for (ClientId c = 0; c < client_count(); ++c) {
    config.clients.push_back(
        cluster::ClientInfo{c, client_signing_[c].public_key(), client_exchange_[c].public_key()});
  }
  return config;
}

FastSigner::FastSigner(NodeId node, std::uint64_t seed)
    : key_(crypto::MacKey(derive(seed, kFastSignPurpose, node))) {}

crypto::Signature FastSigner::sign(ByteView message) const { return fast_signature(key_, message); }

FastVerifier::FastVerifier(std::uint32_t replica_count, std::uint32_t client_count, std::uint64_t seed)
    : replica_count_(replica_count), client_count_(client_count), seed_(seed) {}

bool FastVerifier::verify(NodeId signer, ByteView message, const crypto::Signature& signature) const {
  const std::uint32_t bound = signer.role == NodeRole::replica ? replica_count_ : client_count_;
  if (signer.index >= bound) return false;
  const crypto::MacKey key(derive(seed_, kFastSignPurpose, signer));
  const crypto::Signature expected = fast_signature(key, message);
  return crypto::equal_constant_time(expected.view(), signature.view());
}

}  // namespace loyal::testing
