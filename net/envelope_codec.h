#pragma once
// Envelope <-> bytes. encode_envelope() is for our own messages; decode_envelope() is the only
// way untrusted bytes become an Envelope, and everything it returns has been range-checked
// against the cluster (DecodeContext). It never throws and never crashes on any input.

#include <cstdint>
#include <variant>

#include "common/bytes.h"
#include "common/ids.h"
#include "net/decode_error.h"
#include "net/envelope.h"
#include "net/limits.h"

namespace loyal::net {

struct DecodeContext {
  std::uint64_t cluster_id = 0;
  ProtocolMode mode = ProtocolMode::pbft;
  std::uint32_t replica_count = 0;  // senders with role replica must have index < replica_count
  std::uint32_t client_count = 0;   // senders with role client must have index < client_count
  DecodeLimits limits;
};

Bytes encode_envelope(const Envelope& envelope);

std::variant<Envelope, DecodeError> decode_envelope(ByteView frame, const DecodeContext& context);

// `own_frame` (a frame this process encoded, without attachment) with `attachment` added: what a
// primary sends for the PRE-PREPARE it keeps as evidence without its batch. The authenticator is
// untouched, since it never covers the attachment.
Bytes with_attachment(ByteView own_frame, ByteView attachment);
// The envelope's frame without its attachment: the signed message as evidence, digest-sized.
Bytes without_attachment(const Envelope& envelope);

}  // namespace loyal::net
