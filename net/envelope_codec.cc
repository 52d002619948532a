#include "net/envelope_codec.h"

#include <algorithm>
#include <optional>

#include <capnp/message.h>

#include "common/assert.h"
#include "net/envelope.capnp.h"
#include "net/capnp_data.h"
#include "net/untrusted_message.h"

namespace loyal::net {

namespace {

static_assert(static_cast<std::uint16_t>(wire::ProtocolMode::PBFT) == static_cast<std::uint16_t>(ProtocolMode::pbft));
static_assert(static_cast<std::uint16_t>(wire::ProtocolMode::RAFT) == static_cast<std::uint16_t>(ProtocolMode::raft));
static_assert(static_cast<std::uint16_t>(wire::ProtocolMode::PAXOS) == static_cast<std::uint16_t>(ProtocolMode::paxos));
static_assert(static_cast<std::uint16_t>(wire::SenderRole::REPLICA) == static_cast<std::uint16_t>(NodeRole::replica));
static_assert(static_cast<std::uint16_t>(wire::SenderRole::CLIENT) == static_cast<std::uint16_t>(NodeRole::client));

constexpr std::size_t words_for(std::size_t bytes) { return (bytes + 7) / 8; }

// Room for the root pointer and the envelope struct itself (3 data words, 2 pointers today),
// with slack for fields a later version adds. Sizing the first segment to hold the whole
// envelope keeps it in one segment and one allocation.
constexpr std::size_t kEnvelopeFixedWords = 16;

struct AuthenticatorWords {
  std::size_t operator()(const NoAuthenticator&) const { return 0; }
  std::size_t operator()(const crypto::Signature&) const { return words_for(crypto::Signature::kSize); }
  std::size_t operator()(const crypto::Mac&) const { return words_for(crypto::Mac::kSize); }
  std::size_t operator()(const MacVector& macs) const { return macs.size() * (1 + words_for(crypto::Mac::kSize)); }
};


struct AuthenticatorWriter {
  wire::Envelope::Authenticator::Builder out;
  void operator()(const NoAuthenticator&) { out.setNone(); }
  void operator()(const crypto::Signature& signature) { out.setSignature(as_data(signature.view())); }
  void operator()(const crypto::Mac& mac) { out.setMac(as_data(mac.view())); }
  void operator()(const MacVector& macs) {
    auto list = out.initMacVector(static_cast<unsigned>(macs.size()));
    for (unsigned i = 0; i < list.size(); ++i) list.set(i, as_data(macs[i].view()));
  }
};

template <typename Fixed>
std::optional<Fixed> read_fixed_size(capnp::Data::Reader data) {
  if (data.size() != Fixed::kSize) return std::nullopt;
  Fixed value;
  std::copy(data.begin(), data.end(), value.bytes.begin());
  return value;
}

std::optional<Authenticator> read_authenticator(wire::Envelope::Authenticator::Reader in,
                                                std::uint32_t replica_count) {
  switch (in.which()) {
    case wire::Envelope::Authenticator::NONE:
      return NoAuthenticator{};
    case wire::Envelope::Authenticator::SIGNATURE:
      return read_fixed_size<crypto::Signature>(in.getSignature());
    case wire::Envelope::Authenticator::MAC:
      return read_fixed_size<crypto::Mac>(in.getMac());
    case wire::Envelope::Authenticator::MAC_VECTOR: {
      const auto entries = in.getMacVector();
      if (entries.size() != replica_count) return std::nullopt;
      MacVector macs;
      macs.reserve(entries.size());
      for (const capnp::Data::Reader entry : entries) {
        const auto mac = read_fixed_size<crypto::Mac>(entry);
        if (!mac) return std::nullopt;
        macs.push_back(*mac);
      }
      return macs;
    }
  }
  return std::nullopt;  // a union discriminant beyond the schema's variants
}

// The enum arrives as a raw number that may have no enumerant.
std::optional<NodeId> read_sender(wire::SenderRole role, std::uint32_t index, const DecodeContext& context) {
  switch (static_cast<std::uint16_t>(role)) {
    case static_cast<std::uint16_t>(NodeRole::replica):
      if (index < context.replica_count) return NodeId::replica(index);
      return std::nullopt;
    case static_cast<std::uint16_t>(NodeRole::client):
      if (index < context.client_count) return NodeId::client(index);
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

std::variant<Envelope, DecodeError> read_envelope(wire::Envelope::Reader in, const DecodeContext& context) {
  // The version first: the layout of everything else depends on it.
  if (in.getVersion() != kWireVersion) return DecodeError::unsupported_version;
  if (in.getClusterId() != context.cluster_id) return DecodeError::wrong_cluster;
  // context.mode is a valid enumerant, so this also refuses raw values with no enumerant.
  if (static_cast<std::uint16_t>(in.getMode()) != static_cast<std::uint16_t>(context.mode)) {
    return DecodeError::wrong_mode;
  }

  const std::optional<MessageKind> kind = message_kind_from_wire(in.getKind());
  if (!kind) return DecodeError::unknown_kind;
  if (!kind_belongs_to_mode(*kind, context.mode)) return DecodeError::kind_not_in_mode;

  const std::optional<NodeId> sender = read_sender(in.getSenderRole(), in.getSender(), context);
  if (!sender) return DecodeError::unknown_sender;

  const capnp::Data::Reader body = in.getBody();
  if (body.size() > context.limits.max_body_bytes) return DecodeError::body_too_large;

  std::optional<Authenticator> authenticator = read_authenticator(in.getAuthenticator(), context.replica_count);
  if (!authenticator) return DecodeError::bad_authenticator;

  const capnp::Data::Reader attachment = in.getAttachment();
  if (attachment.size() > 0 && !kind_carries_attachment(*kind)) return DecodeError::unexpected_attachment;
  if (attachment.size() > context.limits.max_body_bytes) return DecodeError::unexpected_attachment;

  return Envelope{
      .header = {.cluster_id = context.cluster_id, .mode = context.mode, .sender = *sender, .kind = *kind},
      .body = Bytes(body.begin(), body.end()),
      .authenticator = std::move(*authenticator),
      .attachment = Bytes(attachment.begin(), attachment.end()),
  };
}

}  // namespace

Bytes encode_envelope(const Envelope& envelope) {
  const std::size_t words = kEnvelopeFixedWords + words_for(envelope.body.size()) +
                            words_for(envelope.attachment.size()) +
                            std::visit(AuthenticatorWords{}, envelope.authenticator);
  capnp::MallocMessageBuilder message(static_cast<unsigned>(words));
  auto out = message.initRoot<wire::Envelope>();
  out.setVersion(kWireVersion);
  out.setClusterId(envelope.header.cluster_id);
  out.setMode(static_cast<wire::ProtocolMode>(envelope.header.mode));
  out.setSenderRole(static_cast<wire::SenderRole>(envelope.header.sender.role));
  out.setSender(envelope.header.sender.index);
  out.setKind(static_cast<std::uint16_t>(envelope.header.kind));
  out.setBody(as_data(envelope.body));
  std::visit(AuthenticatorWriter{out.getAuthenticator()}, envelope.authenticator);
  if (!envelope.attachment.empty()) out.setAttachment(as_data(envelope.attachment));
  return message_to_frame(message);
}

Bytes with_attachment(ByteView own_frame, ByteView attachment) {
  auto opened = UntrustedMessage::open(own_frame, DecodeLimits{});
  LOYAL_ASSERT(std::holds_alternative<UntrustedMessage>(opened), "this replica's own frame must open");
  auto in = std::get<UntrustedMessage>(opened).root<wire::Envelope>();
  const std::size_t words = words_for(own_frame.size()) + words_for(attachment.size()) + kEnvelopeFixedWords;
  capnp::MallocMessageBuilder message(static_cast<unsigned>(words));
  message.setRoot(in);
  auto out = message.getRoot<wire::Envelope>();
  LOYAL_ASSERT(out.getAttachment().size() == 0, "a kept frame has no attachment");
  if (attachment.size() > 0) out.setAttachment(as_data(attachment));
  return message_to_frame(message);
}

Bytes without_attachment(const Envelope& envelope) {
  Envelope kept{envelope.header, envelope.body, envelope.authenticator, {}};
  return encode_envelope(kept);
}

std::variant<Envelope, DecodeError> decode_envelope(ByteView frame, const DecodeContext& context) {
  auto opened = UntrustedMessage::open(frame, context.limits);
  if (const DecodeError* refused = std::get_if<DecodeError>(&opened)) return *refused;
  UntrustedMessage& message = std::get<UntrustedMessage>(opened);
  return read_fields<Envelope>([&] { return read_envelope(message.root<wire::Envelope>(), context); });
}

}  // namespace loyal::net
