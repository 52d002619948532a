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

}  // namespace loyal::net
