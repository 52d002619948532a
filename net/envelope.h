#pragma once
// The envelope every loyal message travels in (DESIGN.md §3), as a plain C++ value. The Cap'n
// Proto form lives in net/envelope.capnp; net/envelope_codec.h converts between the two and is
// the only code that reads untrusted bytes into an Envelope.

#include <array>
#include <cstdint>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "common/ids.h"
#include "crypto/mac.h"
#include "crypto/signing.h"
#include "net/message_kind.h"

namespace loyal::net {

// 2: a PRE-PREPARE's batch travels as the envelope's attachment, outside the signed body.
inline constexpr std::uint8_t kWireVersion = 2;

// Who may authenticate how:
//  - Signature: replica-to-replica protocol messages; client requests when client_auth = signature.
//  - Mac: one tag for one receiver (replies to a client; point-to-point messages).
//  - MacVector: a PBFT authenticator, one tag per replica, indexed by replica id (client requests
//    when client_auth = mac).
struct NoAuthenticator {
  friend bool operator==(const NoAuthenticator&, const NoAuthenticator&) = default;
};
using MacVector = std::vector<crypto::Mac>;
using Authenticator = std::variant<NoAuthenticator, crypto::Signature, crypto::Mac, MacVector>;

struct EnvelopeHeader {
  std::uint64_t cluster_id = 0;
  ProtocolMode mode = ProtocolMode::pbft;
  NodeId sender;
  MessageKind kind = MessageKind::client_request;
  friend bool operator==(const EnvelopeHeader&, const EnvelopeHeader&) = default;
};

struct Envelope {
  EnvelopeHeader header;
  Bytes body;  // the message itself, Cap'n Proto bytes of the kind's own schema
  Authenticator authenticator;
  // Not covered by the authenticator; the body binds it by digest (net/envelope.capnp). Empty for
  // every kind but those kind_carries_attachment() names.
  Bytes attachment{};
  friend bool operator==(const Envelope&, const Envelope&) = default;
};

}  // namespace loyal::net
