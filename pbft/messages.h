#pragma once
// Plain C++ forms of PBFT's normal-case messages (pbft/pbft.capnp), with their encoders and
// untrusted decoders. Decoders check structure and field sizes only; who may send what, and
// whether a digest matches its batch, is pbft/validator.h's job.

#include <cstdint>
#include <variant>

#include "common/bytes.h"
#include "common/ids.h"
#include "crypto/digest.h"
#include "net/decode_error.h"
#include "net/limits.h"
#include "replica/types.h"

namespace loyal::pbft {

// The paper's vocabulary: a view is PBFT's leadership epoch; its primary is view mod n.
using View = replica::Epoch;
using replica::Sequence;

constexpr ReplicaId primary_of(View view, std::uint32_t replica_count) {
  return static_cast<ReplicaId>(view % replica_count);
}

// The signed part of a PRE-PREPARE. Its batch travels as the envelope's attachment.
struct PrePrepare {
  View view = 0;
  Sequence sequence = 0;
  crypto::Digest batch_digest;
  friend bool operator==(const PrePrepare&, const PrePrepare&) = default;
};

// Asks for, and answers with, the batch of a digest (the reply's attachment holds the batch).
struct BatchRequest {
  Sequence sequence = 0;
  crypto::Digest batch_digest;
  friend bool operator==(const BatchRequest&, const BatchRequest&) = default;
};
using BatchReply = BatchRequest;

struct Prepare {
  View view = 0;
  Sequence sequence = 0;
  crypto::Digest batch_digest;
  friend bool operator==(const Prepare&, const Prepare&) = default;
};

struct Commit {
  View view = 0;
  Sequence sequence = 0;
  crypto::Digest batch_digest;
  friend bool operator==(const Commit&, const Commit&) = default;
};

Bytes encode_pre_prepare(const PrePrepare& pre_prepare);
Bytes encode_prepare(const Prepare& prepare);
Bytes encode_commit(const Commit& commit);
Bytes encode_batch_request(const BatchRequest& request);
Bytes encode_batch_reply(const BatchReply& reply);

// A digest field of any size but crypto::Digest::kSize makes the message malformed.
std::variant<PrePrepare, net::DecodeError> decode_pre_prepare(ByteView body, const net::DecodeLimits& limits);
std::variant<Prepare, net::DecodeError> decode_prepare(ByteView body, const net::DecodeLimits& limits);
std::variant<Commit, net::DecodeError> decode_commit(ByteView body, const net::DecodeLimits& limits);
std::variant<BatchRequest, net::DecodeError> decode_batch_request(ByteView body, const net::DecodeLimits& limits);
std::variant<BatchReply, net::DecodeError> decode_batch_reply(ByteView body, const net::DecodeLimits& limits);

// SHA-256 of the empty batch: the null request a new primary re-issues for a gap in the log.
const crypto::Digest& null_batch_digest();

}  // namespace loyal::pbft
