#pragma once
// Envelopes and frames shared by the net tests: valid samples, and Cap'n Proto envelopes with
// fields our encoder would never produce, as a hostile sender could.

#include <cstdint>
#include <vector>

#include <capnp/message.h>

#include "common/bytes.h"
#include "common/ids.h"
#include "net/envelope.capnp.h"
#include "net/envelope.h"
#include "net/envelope_codec.h"
#include "net/untrusted_message.h"

namespace loyal::net::testing {

inline constexpr std::uint64_t kClusterId = 0x6c6f79616c2d7431;
inline constexpr std::uint32_t kReplicaCount = 4;
inline constexpr std::uint32_t kClientCount = 8;
inline constexpr ProtocolMode kAllModes[] = {ProtocolMode::pbft, ProtocolMode::raft, ProtocolMode::paxos};

inline DecodeContext context_for(ProtocolMode mode) {
  return DecodeContext{.cluster_id = kClusterId, .mode = mode, .replica_count = kReplicaCount,
                       .client_count = kClientCount, .limits = {}};
}

// A kind that belongs to `mode` and no other.
inline MessageKind kind_of_mode(ProtocolMode mode) {
  switch (mode) {
    case ProtocolMode::pbft: return MessageKind::pbft_prepare;
    case ProtocolMode::raft: return MessageKind::raft_append_entries;
    case ProtocolMode::paxos: return MessageKind::paxos_accept;
  }
  return MessageKind::client_request;
}

inline Bytes patterned_bytes(std::size_t size, std::uint8_t seed = 1) {
  Bytes bytes(size);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::uint8_t>(seed + i * 31);
  return bytes;
}

inline crypto::Mac patterned_mac(std::uint8_t seed) {
  crypto::Mac mac;
  for (std::size_t i = 0; i < mac.bytes.size(); ++i) mac.bytes[i] = static_cast<std::uint8_t>(seed ^ i);
  return mac;
}

inline crypto::Signature patterned_signature(std::uint8_t seed) {
  crypto::Signature signature;
  for (std::size_t i = 0; i < signature.bytes.size(); ++i) signature.bytes[i] = static_cast<std::uint8_t>(seed + i);
  return signature;
}

inline MacVector patterned_mac_vector(std::size_t count) {
  MacVector macs;
  for (std::size_t i = 0; i < count; ++i) macs.push_back(patterned_mac(static_cast<std::uint8_t>(i + 1)));
  return macs;
}

inline Envelope sample_envelope(ProtocolMode mode = ProtocolMode::pbft, Authenticator authenticator = {}) {
  return Envelope{
      .header = {.cluster_id = kClusterId, .mode = mode, .sender = NodeId::replica(2), .kind = kind_of_mode(mode)},
      .body = patterned_bytes(100),
      .authenticator = std::move(authenticator),
  };
}

// A frame holding `envelope`'s header and body with no authenticator, after `edit` has had its
// way with the Cap'n Proto builder.
template <typename Edit>
Bytes edited_frame(const Envelope& envelope, Edit edit) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::Envelope>();
  out.setVersion(kWireVersion);
  out.setClusterId(envelope.header.cluster_id);
  out.setMode(static_cast<wire::ProtocolMode>(envelope.header.mode));
  out.setSenderRole(static_cast<wire::SenderRole>(envelope.header.sender.role));
  out.setSender(envelope.header.sender.index);
  out.setKind(static_cast<std::uint16_t>(envelope.header.kind));
  out.setBody(capnp::Data::Reader(envelope.body.data(), envelope.body.size()));
  edit(out);
  return message_to_frame(message);
}

}  // namespace loyal::net::testing
