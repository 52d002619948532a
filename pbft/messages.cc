#include "pbft/messages.h"

#include <algorithm>
#include <optional>

#include <capnp/message.h>

#include "net/capnp_data.h"
#include "net/untrusted_message.h"
#include "pbft/pbft.capnp.h"

namespace loyal::pbft {

using net::as_data;
using net::read_digest;

namespace {

// PREPARE and COMMIT share their fields; the envelope kind, which the signature covers, is what
// keeps a replica's PREPARE from being replayed as its COMMIT.
template <typename Schema, typename Vote>
Bytes encode_vote(const Vote& vote) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<Schema>();
  out.setView(vote.view);
  out.setSequence(vote.sequence);
  out.setBatchDigest(as_data(vote.batch_digest.view()));
  return net::message_to_frame(message);
}

// A batch request and its reply share their fields; the kind tells them apart.
template <typename Schema>
Bytes encode_batch_fields(const BatchRequest& request) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<Schema>();
  out.setSequence(request.sequence);
  out.setBatchDigest(as_data(request.batch_digest.view()));
  return net::message_to_frame(message);
}

template <typename Schema>
std::variant<BatchRequest, net::DecodeError> decode_batch_fields(ByteView body, const net::DecodeLimits& limits) {
  return net::decode_message<Schema, BatchRequest>(
      body, limits, [](typename Schema::Reader in) -> std::variant<BatchRequest, net::DecodeError> {
        const auto digest = read_digest(in.getBatchDigest());
        if (!digest) return net::DecodeError::malformed;
        return BatchRequest{in.getSequence(), *digest};
      });
}

template <typename Schema, typename Vote>
std::variant<Vote, net::DecodeError> decode_vote(ByteView body, const net::DecodeLimits& limits) {
  return net::decode_message<Schema, Vote>(body, limits,
                                   [](typename Schema::Reader in) -> std::variant<Vote, net::DecodeError> {
                                     const auto digest = read_digest(in.getBatchDigest());
                                     if (!digest) return net::DecodeError::malformed;
                                     return Vote{in.getView(), in.getSequence(), *digest};
                                   });
}

}  // namespace

Bytes encode_pre_prepare(const PrePrepare& pre_prepare) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::PrePrepare>();
  out.setView(pre_prepare.view);
  out.setSequence(pre_prepare.sequence);
  out.setBatchDigest(as_data(pre_prepare.batch_digest.view()));
  return net::message_to_frame(message);
}

Bytes encode_prepare(const Prepare& prepare) { return encode_vote<wire::Prepare>(prepare); }
Bytes encode_commit(const Commit& commit) { return encode_vote<wire::Commit>(commit); }

std::variant<PrePrepare, net::DecodeError> decode_pre_prepare(ByteView body, const net::DecodeLimits& limits) {
  return net::decode_message<wire::PrePrepare, PrePrepare>(
      body, limits, [](wire::PrePrepare::Reader in) -> std::variant<PrePrepare, net::DecodeError> {
        const auto digest = read_digest(in.getBatchDigest());
        if (!digest) return net::DecodeError::malformed;
        // Wire version 1 carried the batch here; now it is the envelope's attachment.
        if (in.getBatch().size() != 0) return net::DecodeError::malformed;
        return PrePrepare{in.getView(), in.getSequence(), *digest};
      });
}

std::variant<Prepare, net::DecodeError> decode_prepare(ByteView body, const net::DecodeLimits& limits) {
  return decode_vote<wire::Prepare, Prepare>(body, limits);
}

std::variant<Commit, net::DecodeError> decode_commit(ByteView body, const net::DecodeLimits& limits) {
  return decode_vote<wire::Commit, Commit>(body, limits);
}

Bytes encode_batch_request(const BatchRequest& request) { return encode_batch_fields<wire::BatchRequest>(request); }
Bytes encode_batch_reply(const BatchReply& reply) { return encode_batch_fields<wire::BatchReply>(reply); }

std::variant<BatchRequest, net::DecodeError> decode_batch_request(ByteView body, const net::DecodeLimits& limits) {
  return decode_batch_fields<wire::BatchRequest>(body, limits);
}

std::variant<BatchReply, net::DecodeError> decode_batch_reply(ByteView body, const net::DecodeLimits& limits) {
  return decode_batch_fields<wire::BatchReply>(body, limits);
}

const crypto::Digest& null_batch_digest() {
  static const crypto::Digest digest = crypto::sha256(Bytes{});
  return digest;
}

}  // namespace loyal::pbft
