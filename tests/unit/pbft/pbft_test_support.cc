#include "pbft_test_support.h"

#include <algorithm>
#include <array>

#include "net/authentication.h"
#include "net/envelope_codec.h"

namespace loyal::pbft::testing {

namespace {

crypto::SigningKey key_from(std::uint8_t seed_byte) {
  std::array<std::uint8_t, crypto::SigningKey::kSeedSize> seed{};
  seed.fill(seed_byte);
  return crypto::SigningKey::from_seed(crypto::SigningKey::Seed(seed));
}

constexpr std::uint8_t kReplicaSeedBase = 1;
constexpr std::uint8_t kClientSeedBase = 0x80;

template <typename Signer>
std::vector<crypto::PublicKey> public_keys(const std::vector<Signer>& signers) {
  std::vector<crypto::PublicKey> keys;
  for (const Signer& signer : signers) keys.push_back(signer.public_key());
  return keys;
}

std::vector<crypto::Ed25519Signer> signers(std::uint8_t seed_base, std::uint32_t count) {
  std::vector<crypto::Ed25519Signer> result;
  for (std::uint32_t i = 0; i < count; ++i) result.emplace_back(key_from(static_cast<std::uint8_t>(seed_base + i)));
  return result;
}

}  // namespace

PbftOptions small_options(ReplicaId self, std::uint32_t replica_count, std::uint32_t max_faulty) {
  PbftOptions options;
  options.self = self;
  options.cluster_id = kClusterId;
  options.replica_count = replica_count;
  options.max_faulty = max_faulty;
  options.checkpoint_interval = 4;
  options.window = 8;
  options.retransmit_ticks = 5;
  options.max_batch_requests = 16;
  options.request_timeout_ticks = 20;
  options.view_change_timeout_ticks = 20;
  return options;
}

namespace {

// The client -> replica MAC key: distinct per pair, the same for both ends.
crypto::MacKey client_mac_key(ClientId client, ReplicaId replica) {
  std::array<std::uint8_t, crypto::MacKey::size()> bytes{};
  bytes.fill(static_cast<std::uint8_t>(0x40 + client));
  bytes[0] = static_cast<std::uint8_t>(replica);
  return crypto::MacKey(std::span<const std::uint8_t, crypto::MacKey::size()>(bytes));
}

}  // namespace

TestKeys::TestKeys(std::uint32_t replica_count, cluster::ClientAuth client_auth)
    : replica_signers_(signers(kReplicaSeedBase, replica_count)),
      client_signers_(signers(kClientSeedBase, kClientCount)),
      verifier_(public_keys(replica_signers_), public_keys(client_signers_)),
      client_auth_(client_auth) {
  for (ReplicaId replica = 0; replica < replica_count; ++replica) {
    std::vector<crypto::MacKey> receive_keys;
    for (ClientId client = 0; client < kClientCount; ++client) receive_keys.push_back(client_mac_key(client, replica));
    authenticators_.push_back(std::make_unique<replica::RequestAuthenticator>(
        kClusterId, ProtocolMode::pbft, replica, client_auth, verifier_, std::move(receive_keys)));
  }
}

net::DecodeContext TestKeys::decode_context() const {
  return net::DecodeContext{.cluster_id = kClusterId,
                            .mode = ProtocolMode::pbft,
                            .replica_count = replica_count(),
                            .client_count = kClientCount,
                            .limits = {}};
}

replica::ClientRequest TestKeys::client_request(ClientId client, std::uint64_t request_number,
                                                std::string_view operation, const std::vector<ReplicaId>& bad_for) const {
  replica::ClientRequest request{client, request_number, to_bytes(operation), {}, {}};
  request.body = replica::encode_client_request_body(request_number, request.operation);
  const net::AuthInput input = net::make_auth_input(authenticators_[0]->request_header(client), request.body);
  if (client_auth_ == cluster::ClientAuth::signature) {
    request.authenticator = client_signers_[client].sign(input.view());
    return request;
  }
  net::MacVector macs;
  for (ReplicaId replica = 0; replica < replica_count(); ++replica) {
    macs.push_back(crypto::compute_mac(client_mac_key(client, replica), input.view()));
    if (std::find(bad_for.begin(), bad_for.end(), replica) != bad_for.end()) macs.back().bytes[0] ^= 0x01;
  }
  request.authenticator = std::move(macs);
  return request;
}

Bytes TestKeys::frame(ReplicaId from, net::MessageKind kind, ByteView body, ByteView attachment) const {
  net::Envelope envelope{{kClusterId, ProtocolMode::pbft, NodeId::replica(from), kind}, Bytes(body.begin(), body.end()),
                         net::NoAuthenticator{}, Bytes(attachment.begin(), attachment.end())};
  net::sign_envelope(envelope, replica_signers_[from]);
  return net::encode_envelope(envelope);
}

Bytes TestKeys::pre_prepare(ReplicaId from, View view, Sequence sequence, const TestBatch& batch) const {
  return frame(from, net::MessageKind::pbft_pre_prepare, pre_prepare_body(view, sequence, batch), batch.batch);
}

TestBatch make_batch(const TestKeys& keys, ClientId client, std::uint64_t first_request_number, std::uint32_t count) {
  replica::Batch batch;
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint64_t number = first_request_number + i;
    batch.requests.push_back(keys.client_request(client, number, "put k" + std::to_string(number)));
  }
  return make_batch(batch);
}

TestBatch make_batch(const replica::Batch& batch) {
  Bytes bytes = replica::encode_batch(batch);
  const crypto::Digest digest = crypto::sha256(bytes);
  return TestBatch{std::move(bytes), digest};
}

Bytes pre_prepare_body(View view, Sequence sequence, const TestBatch& batch) {
  return encode_pre_prepare({view, sequence, batch.digest});
}
Bytes wire_frame(const replica::Outgoing& outgoing) {
  return outgoing.attachment.empty() ? outgoing.frame : net::with_attachment(outgoing.frame, outgoing.attachment);
}
Bytes prepare_body(View view, Sequence sequence, const crypto::Digest& digest) {
  return encode_prepare({view, sequence, digest});
}
Bytes commit_body(View view, Sequence sequence, const crypto::Digest& digest) {
  return encode_commit({view, sequence, digest});
}
Bytes checkpoint_body(Sequence sequence, const crypto::Digest& state_digest) {
  return replica::encode_checkpoint({sequence, state_digest});
}
crypto::Digest state_digest(std::string_view seed) { return crypto::sha256(as_bytes(seed)); }

Delivery deliver(PbftCore& core, const TestKeys& keys, ByteView frame) {
  Delivery delivery;
  auto decoded = net::decode_envelope(frame, keys.decode_context());
  if (!std::holds_alternative<net::Envelope>(decoded)) {
    delivery.dropped = kUndecodableEnvelope;
    return delivery;
  }
  const net::Envelope& envelope = std::get<net::Envelope>(decoded);
  if (!net::verify_envelope_signature(envelope, keys.verifier())) {
    delivery.dropped = kBadSignature;
    return delivery;
  }
  replica::Validation validation = core.validate(envelope, frame);
  if (const auto* reason = std::get_if<std::string_view>(&validation)) {
    delivery.dropped = *reason;
    return delivery;
  }
  core.on_message(*std::get<std::unique_ptr<const replica::ValidatedMessage>>(validation), delivery.actions);
  return delivery;
}

std::vector<replica::Outgoing> sent_of_kind(const replica::Actions& actions, net::MessageKind kind) {
  std::vector<replica::Outgoing> result;
  for (const replica::Outgoing& outgoing : sent_messages(actions)) {
    if (outgoing.kind == kind) result.push_back(outgoing);
  }
  return result;
}

std::vector<replica::Outgoing> sent_messages(const replica::Actions& actions) {
  std::vector<replica::Outgoing> all = actions.send;
  all.insert(all.end(), actions.send_after_persist.begin(), actions.send_after_persist.end());
  return all;
}

}  // namespace loyal::pbft::testing
