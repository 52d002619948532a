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

struct PrePrepare {
  View view = 0;
  Sequence sequence = 0;
  crypto::Digest batch_digest;
  Bytes batch;  // the exact encoded replica::Batch, as the primary sent it
  friend bool operator==(const PrePrepare&, const PrePrepare&) = default;
};

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

// A digest field of any size but crypto::Digest::kSize makes the message malformed.
std::variant<PrePrepare, net::DecodeError> decode_pre_prepare(ByteView body, const net::DecodeLimits& limits);
std::variant<Prepare, net::DecodeError> decode_prepare(ByteView body, const net::DecodeLimits& limits);
std::variant<Commit, net::DecodeError> decode_commit(ByteView body, const net::DecodeLimits& limits);

}  // namespace loyal::pbft
