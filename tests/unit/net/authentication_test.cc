#include "net/authentication.h"

#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/digest.h"
#include "crypto/key_exchange.h"
#include "crypto/signer.h"
#include "envelope_samples.h"
#include "net/envelope_codec.h"

namespace loyal::net {
namespace {

using testing::kReplicaCount;
using testing::sample_envelope;

crypto::SigningKey signing_key(std::uint8_t seed_byte) {
  std::array<std::uint8_t, crypto::SigningKey::kSeedSize> seed{};
  seed.fill(seed_byte);
  return crypto::SigningKey::from_seed(crypto::SigningKey::Seed(seed));
}

crypto::ExchangeKey exchange_key(std::uint8_t secret_byte) {
  std::array<std::uint8_t, crypto::ExchangeKey::kSecretSize> secret{};
  secret.fill(secret_byte);
  return crypto::ExchangeKey::from_secret(crypto::ExchangeKey::SecretKey(secret));
}

crypto::PairwiseKeys pairwise(const crypto::ExchangeKey& mine, const crypto::ExchangeKey& theirs) {
  auto keys = crypto::derive_pairwise_keys(mine, theirs.public_key());
  EXPECT_TRUE(keys.ok());
  return keys.ok() ? *keys : crypto::PairwiseKeys{};
}

// Replica keys 1..4 sign; the verifier knows them as replicas 0..3 and client 0 as key 9.
class Signatures : public ::testing::Test {
 protected:
  Signatures() : verifier_(replica_public_keys(), {signing_key(9).public_key()}) {}

  static std::vector<crypto::PublicKey> replica_public_keys() {
    std::vector<crypto::PublicKey> keys;
    for (std::uint8_t i = 0; i < kReplicaCount; ++i) keys.push_back(signing_key(i + 1).public_key());
    return keys;
  }

  Envelope signed_by_replica_2() {
    Envelope envelope = sample_envelope();
    sign_envelope(envelope, replica_2_);
    return envelope;
  }

  crypto::Ed25519Signer replica_2_{signing_key(3)};
  crypto::Ed25519Verifier verifier_;
};

TEST(AuthInput, FollowsTheDocumentedLayout) {
  const EnvelopeHeader header{.cluster_id = 0x0807060504030201,
                              .mode = ProtocolMode::paxos,
                              .sender = NodeId::client(0x0d0c0b0a),
                              .kind = MessageKind::paxos_accept};
  const Bytes body = testing::patterned_bytes(300);
  const AuthInput input = make_auth_input(header, body);

  const Bytes prefix = {'l', 'o', 'y', 'a', 'l', '/', 'a', '2',  // tag
                        1, 2, 3, 4, 5, 6, 7, 8,                  // cluster id
                        2,                                       // mode paxos
                        0x2e, 0x01,                              // kind 302
                        1,                                       // role client
                        0x0a, 0x0b, 0x0c, 0x0d};                 // sender index
  ASSERT_EQ(prefix.size() + crypto::Digest::kSize, AuthInput::kSize);
  EXPECT_EQ(Bytes(input.bytes.begin(), input.bytes.begin() + prefix.size()), prefix);
  const crypto::Digest body_digest = crypto::sha256(body);
  EXPECT_EQ(Bytes(input.bytes.begin() + prefix.size(), input.bytes.end()),
            Bytes(body_digest.bytes.begin(), body_digest.bytes.end()));
}

TEST_F(Signatures, SignedEnvelopeVerifies) {
  EXPECT_TRUE(verify_envelope_signature(signed_by_replica_2(), verifier_));
}

TEST_F(Signatures, VerifyWithAPrecomputedAuthInput) {
  const Envelope envelope = signed_by_replica_2();
  EXPECT_TRUE(verify_envelope_signature(envelope, make_auth_input(envelope.header, envelope.body), verifier_));
  Envelope other = envelope;
  other.body[0] ^= 1;
  EXPECT_FALSE(verify_envelope_signature(envelope, make_auth_input(other.header, other.body), verifier_));
}

TEST_F(Signatures, SurvivesTheWireAndVerifiesTheExactBytesReceived) {
  const auto decoded = decode_envelope(encode_envelope(signed_by_replica_2()), testing::context_for(ProtocolMode::pbft));
  ASSERT_TRUE(std::holds_alternative<Envelope>(decoded));
  EXPECT_TRUE(verify_envelope_signature(std::get<Envelope>(decoded), verifier_));
}

TEST_F(Signatures, TamperingAnyBodyByteBreaksIt) {
  const Envelope original = signed_by_replica_2();
  for (std::size_t i = 0; i < original.body.size(); ++i) {
    Envelope tampered = original;
    tampered.body[i] ^= 0x80;
    EXPECT_FALSE(verify_envelope_signature(tampered, verifier_)) << "byte " << i;
  }
  Envelope extended = original;
  extended.body.push_back(0);
  EXPECT_FALSE(verify_envelope_signature(extended, verifier_));
}

TEST_F(Signatures, TamperingAnyHeaderFieldBreaksIt) {
  const std::vector<std::pair<std::string, std::function<void(EnvelopeHeader&)>>> tamperings = {
      {"cluster id", [](EnvelopeHeader& h) { h.cluster_id ^= 1; }},
      {"mode", [](EnvelopeHeader& h) { h.mode = ProtocolMode::raft; }},
      {"kind", [](EnvelopeHeader& h) { h.kind = MessageKind::pbft_commit; }},
      {"sender index", [](EnvelopeHeader& h) { h.sender = NodeId::replica(1); }},
      {"sender role", [](EnvelopeHeader& h) { h.sender = NodeId::client(2); }},
  };
  const Envelope original = signed_by_replica_2();
  for (const auto& [what, tamper] : tamperings) {
    Envelope tampered = original;
    tamper(tampered.header);
    EXPECT_FALSE(verify_envelope_signature(tampered, verifier_)) << what;
  }
}

TEST_F(Signatures, SignatureFromAnotherKeyFails) {
  Envelope envelope = sample_envelope();
  sign_envelope(envelope, crypto::Ed25519Signer(signing_key(77)));
  EXPECT_FALSE(verify_envelope_signature(envelope, verifier_));
  // Replica 1's genuine signature claimed as replica 2's.
  sign_envelope(envelope, crypto::Ed25519Signer(signing_key(2)));
  EXPECT_FALSE(verify_envelope_signature(envelope, verifier_));
}

TEST_F(Signatures, AnotherAuthenticatorIsNoSignature) {
  for (const Authenticator& authenticator :
       {Authenticator{NoAuthenticator{}}, Authenticator{testing::patterned_mac(1)},
        Authenticator{testing::patterned_mac_vector(kReplicaCount)}}) {
    EXPECT_FALSE(verify_envelope_signature(sample_envelope(ProtocolMode::pbft, authenticator), verifier_));
  }
}

TEST(Macs, ReceiverVerifiesTheSendersMac) {
  const crypto::ExchangeKey alice = exchange_key(1);
  const crypto::ExchangeKey bob = exchange_key(2);
  Envelope envelope = sample_envelope();
  attach_mac(envelope, pairwise(alice, bob).send);
  ASSERT_TRUE(std::holds_alternative<crypto::Mac>(envelope.authenticator));
  EXPECT_TRUE(verify_envelope_mac(envelope, pairwise(bob, alice).receive));
}

TEST(Macs, KeysAreDirectional) {
  const crypto::ExchangeKey alice = exchange_key(1);
  const crypto::ExchangeKey bob = exchange_key(2);
  Envelope envelope = sample_envelope();
  attach_mac(envelope, pairwise(alice, bob).send);
  // The same pair's key for the other direction, from either end, does not verify it.
  EXPECT_FALSE(verify_envelope_mac(envelope, pairwise(bob, alice).send));
  EXPECT_FALSE(verify_envelope_mac(envelope, pairwise(alice, bob).receive));
}

TEST(Macs, TamperingBreaksIt) {
  const crypto::ExchangeKey alice = exchange_key(1);
  const crypto::ExchangeKey bob = exchange_key(2);
  Envelope envelope = sample_envelope();
  attach_mac(envelope, pairwise(alice, bob).send);
  Envelope tampered_body = envelope;
  tampered_body.body[50] ^= 1;
  EXPECT_FALSE(verify_envelope_mac(tampered_body, pairwise(bob, alice).receive));
  Envelope tampered_kind = envelope;
  tampered_kind.header.kind = MessageKind::checkpoint;
  EXPECT_FALSE(verify_envelope_mac(tampered_kind, pairwise(bob, alice).receive));
}

TEST(Macs, WrongShapeFails) {
  const crypto::MacKey key;
  EXPECT_FALSE(verify_envelope_mac(sample_envelope(ProtocolMode::pbft, NoAuthenticator{}), key));
  EXPECT_FALSE(verify_envelope_mac(sample_envelope(ProtocolMode::pbft, testing::patterned_mac_vector(1)), key));
}

class MacVectors : public ::testing::Test {
 protected:
  MacVectors() {
    for (std::uint8_t i = 0; i < kReplicaCount; ++i) replicas_.push_back(exchange_key(10 + i));
    for (const crypto::ExchangeKey& replica : replicas_) send_keys_.push_back(pairwise(client_, replica).send);
  }

  crypto::MacKey receive_key(ReplicaId replica) { return pairwise(replicas_[replica], client_).receive; }

  Envelope authenticated() {
    Envelope envelope = sample_envelope();
    envelope.header.sender = NodeId::client(3);
    envelope.header.kind = MessageKind::client_request;
    attach_mac_vector(envelope, send_keys_);
    return envelope;
  }

  crypto::ExchangeKey client_ = exchange_key(99);
  std::vector<crypto::ExchangeKey> replicas_;
  std::vector<crypto::MacKey> send_keys_;
};

TEST_F(MacVectors, EveryReplicaVerifiesItsOwnEntry) {
  const Envelope envelope = authenticated();
  ASSERT_EQ(std::get<MacVector>(envelope.authenticator).size(), kReplicaCount);
  for (ReplicaId replica = 0; replica < kReplicaCount; ++replica) {
    EXPECT_TRUE(verify_envelope_mac_vector_entry(envelope, replica, receive_key(replica))) << replica;
  }
}

TEST_F(MacVectors, OnlyTheReceiversEntryIsChecked) {
  Envelope envelope = authenticated();
  std::get<MacVector>(envelope.authenticator)[2].bytes[0] ^= 1;
  for (ReplicaId replica = 0; replica < kReplicaCount; ++replica) {
    EXPECT_EQ(verify_envelope_mac_vector_entry(envelope, replica, receive_key(replica)), replica != 2) << replica;
  }
}

TEST_F(MacVectors, AnotherReplicasKeyOrEntryFails) {
  const Envelope envelope = authenticated();
  EXPECT_FALSE(verify_envelope_mac_vector_entry(envelope, 1, receive_key(0)));
  EXPECT_FALSE(verify_envelope_mac_vector_entry(envelope, 0, receive_key(1)));
}

TEST_F(MacVectors, TamperingBreaksEveryEntry) {
  Envelope envelope = authenticated();
  envelope.body[0] ^= 1;
  for (ReplicaId replica = 0; replica < kReplicaCount; ++replica) {
    EXPECT_FALSE(verify_envelope_mac_vector_entry(envelope, replica, receive_key(replica))) << replica;
  }
}

TEST_F(MacVectors, WrongShapeFails) {
  const Envelope envelope = authenticated();
  EXPECT_FALSE(verify_envelope_mac_vector_entry(envelope, kReplicaCount, receive_key(0)));
  Envelope single_mac = envelope;
  single_mac.authenticator = std::get<MacVector>(envelope.authenticator)[0];
  EXPECT_FALSE(verify_envelope_mac_vector_entry(single_mac, 0, receive_key(0)));
  Envelope short_vector = envelope;
  std::get<MacVector>(short_vector.authenticator).resize(2);
  EXPECT_FALSE(verify_envelope_mac_vector_entry(short_vector, 3, receive_key(3)));
}

}  // namespace
}  // namespace loyal::net
