#pragma once
// Real keys for one client and n replicas, and the replica side of the client protocol: the test
// plays the replicas, so it builds their MAC'd replies and checks the client's requests the way
// a replica does.

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "client/client_core.h"
#include "crypto/key_exchange.h"
#include "crypto/signer.h"
#include "net/authentication.h"
#include "net/envelope_codec.h"
#include "replica/request.h"
#include "replica/request_auth.h"

namespace loyal::client::testing {

inline constexpr std::uint64_t kClusterId = 77;
inline constexpr ClientId kClientId = 1;  // not 0, so a mixed-up index shows
inline constexpr std::uint32_t kClientCount = 3;
inline constexpr replica::Tick kRetryTicks = 50;

struct ClusterShape {
  ProtocolMode mode = ProtocolMode::pbft;
  std::uint32_t replica_count = 4;
  std::uint32_t max_faulty = 1;
  cluster::ClientAuth client_auth = cluster::ClientAuth::signature;
};

inline crypto::SigningKey signing_key(std::uint8_t seed_byte) {
  std::array<std::uint8_t, crypto::SigningKey::kSeedSize> seed{};
  seed.fill(seed_byte);
  return crypto::SigningKey::from_seed(crypto::SigningKey::Seed(seed));
}

inline crypto::ExchangeKey exchange_key(std::uint8_t secret_byte) {
  std::array<std::uint8_t, crypto::ExchangeKey::kSecretSize> secret{};
  secret.fill(secret_byte);
  return crypto::ExchangeKey::from_secret(crypto::ExchangeKey::SecretKey(secret));
}

inline crypto::PairwiseKeys pairwise(const crypto::ExchangeKey& mine, const crypto::ExchangeKey& theirs) {
  auto keys = crypto::derive_pairwise_keys(mine, theirs.public_key());
  EXPECT_TRUE(keys.ok());
  return keys.ok() ? *keys : crypto::PairwiseKeys{};
}

// Client c has signing seed 100+c and exchange secret 150+c; replica r has 10+r and 50+r.
class TestCluster {
 public:
  explicit TestCluster(ClusterShape shape) : shape_(shape), client_signer_(signing_key(100 + kClientId)) {
    const crypto::ExchangeKey client_exchange = exchange_key(150 + kClientId);
    std::vector<crypto::PublicKey> replica_public_keys;
    for (std::uint32_t r = 0; r < shape.replica_count; ++r) {
      const crypto::ExchangeKey replica_exchange = exchange_key(static_cast<std::uint8_t>(50 + r));
      const crypto::PairwiseKeys client_side = pairwise(client_exchange, replica_exchange);
      const crypto::PairwiseKeys replica_side = pairwise(replica_exchange, client_exchange);
      client_send_keys_.push_back(client_side.send);
      client_receive_keys_.push_back(client_side.receive);
      replica_send_keys_.push_back(replica_side.send);
      replica_receive_keys_.push_back(replica_side.receive);
      replica_public_keys.push_back(signing_key(static_cast<std::uint8_t>(10 + r)).public_key());
    }
    std::vector<crypto::PublicKey> client_public_keys;
    for (std::uint32_t c = 0; c < kClientCount; ++c) {
      client_public_keys.push_back(signing_key(static_cast<std::uint8_t>(100 + c)).public_key());
    }
    verifier_ = std::make_unique<crypto::Ed25519Verifier>(replica_public_keys, client_public_keys);
  }

  ClientOptions options(std::uint64_t first_request_number = 1) const {
    return ClientOptions{.id = kClientId,
                         .cluster_id = kClusterId,
                         .mode = shape_.mode,
                         .replica_count = shape_.replica_count,
                         .max_faulty = shape_.max_faulty,
                         .client_count = kClientCount,
                         .client_auth = shape_.client_auth,
                         .retry_ticks = kRetryTicks,
                         .first_request_number = first_request_number,
                         .limits = {}};
  }

  ClientCore make_client(std::uint64_t first_request_number = 1) const {
    return ClientCore(options(first_request_number), client_signer_, client_send_keys_, client_receive_keys_);
  }

  net::DecodeContext decode_context() const {
    return net::DecodeContext{.cluster_id = kClusterId,
                              .mode = shape_.mode,
                              .replica_count = shape_.replica_count,
                              .client_count = kClientCount,
                              .limits = {}};
  }

  // What replica `self` does on admission: decode the frame and check the client's authenticator.
  // Fails the test if the frame is not a well-formed request; returns whether it is authentic.
  bool replica_admits(ReplicaId self, ByteView frame) const {
    auto envelope = net::decode_envelope(frame, decode_context());
    EXPECT_TRUE(std::holds_alternative<net::Envelope>(envelope));
    if (!std::holds_alternative<net::Envelope>(envelope)) return false;
    const net::Envelope& request_envelope = std::get<net::Envelope>(envelope);
    EXPECT_EQ(request_envelope.header.kind, net::MessageKind::client_request);
    EXPECT_EQ(request_envelope.header.sender, NodeId::client(kClientId));
    auto body = replica::decode_client_request_body(request_envelope.body, {});
    EXPECT_TRUE(std::holds_alternative<replica::ClientRequestBody>(body));
    if (!std::holds_alternative<replica::ClientRequestBody>(body)) return false;
    const auto& decoded = std::get<replica::ClientRequestBody>(body);
    const replica::ClientRequest request{.client = request_envelope.header.sender.index,
                                         .request_number = decoded.request_number,
                                         .operation = decoded.operation,
                                         .body = request_envelope.body,
                                         .authenticator = request_envelope.authenticator};
    return authenticator(self).authentic(request);
  }

  replica::RequestAuthenticator authenticator(ReplicaId self) const {
    std::vector<crypto::MacKey> receive_keys_by_client(kClientCount);
    receive_keys_by_client[kClientId] = replica_receive_keys_[self];
    return replica::RequestAuthenticator(kClusterId, shape_.mode, self, shape_.client_auth, *verifier_,
                                         std::move(receive_keys_by_client));
  }

  // An envelope from replica `from` to the client, MAC'd with `from`'s key unless told otherwise.
  net::Envelope reply_envelope(ReplicaId from, const replica::ClientReply& reply) const {
    net::Envelope envelope{.header = {.cluster_id = kClusterId,
                                      .mode = shape_.mode,
                                      .sender = NodeId::replica(from),
                                      .kind = net::MessageKind::client_reply},
                           .body = replica::encode_client_reply(reply),
                           .authenticator = {}};
    net::attach_mac(envelope, replica_send_keys_[from]);
    return envelope;
  }

  Bytes reply(ReplicaId from, std::uint64_t request_number, std::string_view result, ReplicaId leader = 0) const {
    return net::encode_envelope(reply_envelope(
        from, replica::ClientReply{.request_number = request_number, .epoch = 3, .leader = leader,
                                   .result = to_bytes(result)}));
  }

  const crypto::MacKey& replica_send_key(ReplicaId replica) const { return replica_send_keys_[replica]; }
  const crypto::MacKey& replica_receive_key(ReplicaId replica) const { return replica_receive_keys_[replica]; }

 private:
  ClusterShape shape_;
  crypto::Ed25519Signer client_signer_;
  std::unique_ptr<crypto::Ed25519Verifier> verifier_;
  std::vector<crypto::MacKey> client_send_keys_;     // client -> replica r
  std::vector<crypto::MacKey> client_receive_keys_;  // replica r -> client, as the client holds it
  std::vector<crypto::MacKey> replica_send_keys_;    // replica r -> client, as replica r holds it
  std::vector<crypto::MacKey> replica_receive_keys_; // client -> replica r, as replica r holds it
};

}  // namespace loyal::client::testing
