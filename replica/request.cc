#include "replica/request.h"

#include <capnp/message.h>

#include "cluster/cluster_config.h"
#include "net/capnp_data.h"
#include "net/untrusted_message.h"
#include "replica/messages.capnp.h"

namespace loyal::replica {

using net::as_data;
using net::to_bytes;

namespace {

std::optional<net::Authenticator> read_request_authenticator(wire::BatchedRequest::Authenticator::Reader in,
                                                             std::uint32_t replica_count) {
  switch (in.which()) {
    case wire::BatchedRequest::Authenticator::SIGNATURE: {
      const auto data = in.getSignature();
      if (data.size() != crypto::Signature::kSize) return std::nullopt;
      crypto::Signature signature;
      std::copy(data.begin(), data.end(), signature.bytes.begin());
      return signature;
    }
    case wire::BatchedRequest::Authenticator::MAC_VECTOR: {
      const auto entries = in.getMacVector();
      if (entries.size() != replica_count) return std::nullopt;
      net::MacVector macs(entries.size());
      for (std::uint32_t i = 0; i < entries.size(); ++i) {
        if (entries[i].size() != crypto::Mac::kSize) return std::nullopt;
        std::copy(entries[i].begin(), entries[i].end(), macs[i].bytes.begin());
      }
      return macs;
    }
  }
  return std::nullopt;
}

}  // namespace

Bytes encode_client_request_body(std::uint64_t request_number, ByteView operation) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::ClientRequest>();
  out.setRequestNumber(request_number);
  out.setOperation(as_data(operation));
  return net::message_to_frame(message);
}

std::variant<ClientRequestBody, net::DecodeError> decode_client_request_body(ByteView body,
                                                                             const net::DecodeLimits& limits) {
  return net::decode_message<wire::ClientRequest, ClientRequestBody>(
      body, limits, [](wire::ClientRequest::Reader in) -> std::variant<ClientRequestBody, net::DecodeError> {
        return ClientRequestBody{in.getRequestNumber(), to_bytes(in.getOperation())};
      });
}

Bytes encode_client_reply(const ClientReply& reply) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::ClientReply>();
  out.setRequestNumber(reply.request_number);
  out.setEpoch(reply.epoch);
  out.setLeader(reply.leader);
  out.setResult(as_data(reply.result));
  return net::message_to_frame(message);
}

std::variant<ClientReply, net::DecodeError> decode_client_reply(ByteView body, const net::DecodeLimits& limits) {
  return net::decode_message<wire::ClientReply, ClientReply>(
      body, limits, [](wire::ClientReply::Reader in) -> std::variant<ClientReply, net::DecodeError> {
        return ClientReply{in.getRequestNumber(), in.getEpoch(), in.getLeader(), to_bytes(in.getResult())};
      });
}

std::size_t batched_size(const ClientRequest& request) {
  const auto words = [](std::size_t bytes) { return (bytes + 7) / 8 * 8; };
  constexpr std::size_t kEntryBytes = 24;  // BatchedRequest: one data word, two pointers
  std::size_t size = kEntryBytes + words(request.body.size());
  if (std::holds_alternative<crypto::Signature>(request.authenticator)) size += crypto::Signature::kSize;
  if (const auto* macs = std::get_if<net::MacVector>(&request.authenticator)) {
    size += 8 + macs->size() * (8 + words(crypto::Mac::kSize));  // list tag, then a pointer and data per entry
  }
  return size;
}

Bytes encode_batch(const Batch& batch) {
  capnp::MallocMessageBuilder message;
  auto requests = message.initRoot<wire::Batch>().initRequests(static_cast<unsigned>(batch.requests.size()));
  for (unsigned i = 0; i < batch.requests.size(); ++i) {
    const ClientRequest& request = batch.requests[i];
    auto out = requests[i];
    out.setClient(request.client);
    out.setBody(as_data(request.body));
    if (const auto* signature = std::get_if<crypto::Signature>(&request.authenticator)) {
      out.getAuthenticator().setSignature(as_data(signature->view()));
    } else if (const auto* macs = std::get_if<net::MacVector>(&request.authenticator)) {
      auto list = out.getAuthenticator().initMacVector(static_cast<unsigned>(macs->size()));
      for (unsigned j = 0; j < macs->size(); ++j) list.set(j, as_data((*macs)[j].view()));
    }
  }
  return net::message_to_frame(message);
}

std::variant<Batch, net::DecodeError> decode_batch(ByteView bytes, std::uint32_t replica_count,
                                                   const net::DecodeLimits& limits) {
  return net::decode_message<wire::Batch, Batch>(
      bytes, limits, [&](wire::Batch::Reader in) -> std::variant<Batch, net::DecodeError> {
        Batch batch;
        // The count comes from the sender: refused past the limit before anything is reserved.
        if (in.getRequests().size() > cluster::kMaxBatchRequests) return net::DecodeError::malformed;
        batch.requests.reserve(in.getRequests().size());
        for (const wire::BatchedRequest::Reader request : in.getRequests()) {
          std::optional<net::Authenticator> authenticator =
              read_request_authenticator(request.getAuthenticator(), replica_count);
          if (!authenticator) return net::DecodeError::bad_authenticator;
          Bytes body = to_bytes(request.getBody());
          auto decoded = decode_client_request_body(body, limits);
          if (auto* error = std::get_if<net::DecodeError>(&decoded)) return *error;
          auto& fields = std::get<ClientRequestBody>(decoded);
          batch.requests.push_back(ClientRequest{request.getClient(), fields.request_number,
                                                 std::move(fields.operation), std::move(body),
                                                 std::move(*authenticator)});
        }
        return batch;
      });
}

Bytes encode_checkpoint(const CheckpointMessage& checkpoint) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::Checkpoint>();
  out.setSequence(checkpoint.sequence);
  out.setStateDigest(as_data(checkpoint.state_digest.view()));
  return net::message_to_frame(message);
}

std::variant<CheckpointMessage, net::DecodeError> decode_checkpoint(ByteView body, const net::DecodeLimits& limits) {
  return net::decode_message<wire::Checkpoint, CheckpointMessage>(
      body, limits, [](wire::Checkpoint::Reader in) -> std::variant<CheckpointMessage, net::DecodeError> {
        const auto digest = in.getStateDigest();
        if (digest.size() != crypto::Digest::kSize) return net::DecodeError::malformed;
        CheckpointMessage checkpoint{in.getSequence(), {}};
        std::copy(digest.begin(), digest.end(), checkpoint.state_digest.bytes.begin());
        return checkpoint;
      });
}

Bytes encode_forwarded_request(ByteView client_envelope) {
  capnp::MallocMessageBuilder message;
  message.initRoot<wire::ForwardedRequest>().setClientEnvelope(as_data(client_envelope));
  return net::message_to_frame(message);
}

std::variant<Bytes, net::DecodeError> decode_forwarded_request(ByteView body, const net::DecodeLimits& limits) {
  return net::decode_message<wire::ForwardedRequest, Bytes>(
      body, limits, [](wire::ForwardedRequest::Reader in) -> std::variant<Bytes, net::DecodeError> {
        return to_bytes(in.getClientEnvelope());
      });
}

}  // namespace loyal::replica
