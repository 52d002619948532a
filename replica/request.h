#pragma once
// Plain C++ forms of the shared messages in replica/messages.capnp, with their encoders and
// untrusted decoders. Decoders check structure and ranges only; authenticity is
// replica/request_auth.h's job.

#include <cstdint>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "common/ids.h"
#include "crypto/digest.h"
#include "net/decode_error.h"
#include "net/envelope.h"
#include "net/limits.h"
#include "replica/types.h"

namespace loyal::replica {

// A client request as it travels from admission into a batch and out to execution.
struct ClientRequest {
  ClientId client = 0;
  std::uint64_t request_number = 0;
  Bytes operation;
  Bytes body;                        // the exact ClientRequest bytes the client authenticated
  net::Authenticator authenticator;  // crypto::Signature or net::MacVector, as the client sent it
  friend bool operator==(const ClientRequest&, const ClientRequest&) = default;
};

struct ClientRequestBody {
  std::uint64_t request_number = 0;
  Bytes operation;
};
Bytes encode_client_request_body(std::uint64_t request_number, ByteView operation);
std::variant<ClientRequestBody, net::DecodeError> decode_client_request_body(ByteView body,
                                                                             const net::DecodeLimits& limits);

struct ClientReply {
  std::uint64_t request_number = 0;
  Epoch epoch = 0;
  ReplicaId leader = 0;
  Bytes result;
  friend bool operator==(const ClientReply&, const ClientReply&) = default;
};
Bytes encode_client_reply(const ClientReply& reply);
std::variant<ClientReply, net::DecodeError> decode_client_reply(ByteView body, const net::DecodeLimits& limits);

// A batch of requests: what every mode agrees on, one batch per sequence number.
struct Batch {
  std::vector<ClientRequest> requests;
};
Bytes encode_batch(const Batch& batch);
// What `request` adds to encode_batch()'s output, at most: its entry, its body and its
// authenticator (a MAC vector grows with n). A batch of requests encodes to at most
// kBatchHeaderBytes plus the sum of theirs, which is how the batcher keeps a PRE-PREPARE inside
// one frame.
std::size_t batched_size(const ClientRequest& request);
inline constexpr std::size_t kBatchHeaderBytes = 16;
// `replica_count` bounds MAC vectors. Each request's body is decoded too (request number and
// operation filled in); a request whose body does not decode makes the whole batch malformed.
std::variant<Batch, net::DecodeError> decode_batch(ByteView bytes, std::uint32_t replica_count,
                                                   const net::DecodeLimits& limits);

struct CheckpointMessage {
  Sequence sequence = 0;
  crypto::Digest state_digest;
  friend bool operator==(const CheckpointMessage&, const CheckpointMessage&) = default;
};
Bytes encode_checkpoint(const CheckpointMessage& checkpoint);
std::variant<CheckpointMessage, net::DecodeError> decode_checkpoint(ByteView body, const net::DecodeLimits& limits);

// The client's original envelope bytes, forwarded by a replica that is not the leader.
Bytes encode_forwarded_request(ByteView client_envelope);
std::variant<Bytes, net::DecodeError> decode_forwarded_request(ByteView body, const net::DecodeLimits& limits);

}  // namespace loyal::replica
