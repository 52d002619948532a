#include "client/client_core.h"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "common/assert.h"
#include "net/authentication.h"
#include "net/envelope.h"
#include "net/envelope_codec.h"

namespace loyal::client {

ClientCore::ClientCore(ClientOptions options, const crypto::Signer& signer,
                       std::vector<crypto::MacKey> send_keys_by_replica,
                       std::vector<crypto::MacKey> receive_keys_by_replica)
    : options_(std::move(options)),
      signer_(signer),
      send_keys_by_replica_(std::move(send_keys_by_replica)),
      receive_keys_by_replica_(std::move(receive_keys_by_replica)),
      next_request_number_(options_.first_request_number) {
  LOYAL_ASSERT(options_.replica_count >= 1 && options_.replica_count <= net::kMaxReplicas,
               "replica_count out of range");
  LOYAL_ASSERT(options_.client_count <= net::kMaxClients && options_.id < options_.client_count,
               "the client must be a member of the cluster, or replicas refuse its requests");
  LOYAL_ASSERT(options_.mode != ProtocolMode::pbft || 3 * options_.max_faulty + 1 <= options_.replica_count,
               "pbft needs n >= 3f+1");
  LOYAL_ASSERT(receive_keys_by_replica_.size() == options_.replica_count, "one reply key per replica");
  LOYAL_ASSERT(options_.client_auth != cluster::ClientAuth::mac ||
                   send_keys_by_replica_.size() == options_.replica_count,
               "mac mode needs one request key per replica");
  LOYAL_ASSERT(options_.retry_ticks > 0, "retry_ticks must be positive");
  // Replicas start every client at "request 0 executed" and run only higher numbers.
  LOYAL_ASSERT(options_.first_request_number >= 1, "request numbers start at 1 or above");
}

std::uint64_t ClientCore::submit(Bytes operation, replica::Tick now, ClientOutput& out) {
  LOYAL_ASSERT(!busy(), "submit() while a request is outstanding");
  LOYAL_ASSERT(next_request_number_ < std::numeric_limits<std::uint64_t>::max(), "request numbers exhausted");
  const std::uint64_t request_number = next_request_number_++;

  net::Envelope envelope{
      .header = {.cluster_id = options_.cluster_id,
                 .mode = options_.mode,
                 .sender = NodeId::client(options_.id),
                 .kind = net::MessageKind::client_request},
      .body = replica::encode_client_request_body(request_number, operation),
      .authenticator = {}};
  switch (options_.client_auth) {
    case cluster::ClientAuth::signature: net::sign_envelope(envelope, signer_); break;
    case cluster::ClientAuth::mac: net::attach_mac_vector(envelope, send_keys_by_replica_); break;
  }
  Bytes frame = net::encode_envelope(envelope);

  out.send.push_back(ClientSend{.to = leader_, .frame = frame});
  outstanding_ = Outstanding{.request_number = request_number,
                             .frame = std::move(frame),
                             .submitted_at = now,
                             .next_retry_at = now + options_.retry_ticks,
                             .replies = {}};
  return request_number;
}

void ClientCore::on_tick(replica::Tick now, ClientOutput& out) {
  if (!outstanding_ || now < outstanding_->next_retry_at) return;
  // The leader may have crashed, or (pbft) a faulty primary may be sitting on the request: every
  // replica gets it, so backups start their request timers and the view changes if it must.
  out.send.push_back(ClientSend{.to = std::nullopt, .frame = outstanding_->frame});
  ++retransmissions_;
  outstanding_->next_retry_at = now + options_.retry_ticks;
}

void ClientCore::on_frame(ByteView frame, replica::Tick now, ClientOutput& out) {
  auto read = read_reply(frame);
  if (const auto* reason = std::get_if<std::string_view>(&read)) {
    drops_.count(*reason);
    return;
  }
  auto& [sender, reply] = std::get<AuthenticReply>(read);
  if (!outstanding_) {
    drops_.count("no_outstanding_request");
    return;
  }
  if (reply.request_number != outstanding_->request_number) {
    drops_.count("stale_reply");
    return;
  }

  // A wrong hint (from a Byzantine replica, in pbft) costs at most retry_ticks: the retransmission
  // goes to every replica.
  if (reply.leader < options_.replica_count) leader_ = reply.leader;
  outstanding_->replies[sender] = reply.result;
  if (accepted(sender, reply)) complete(now, std::move(reply.result), out);
}

std::variant<ClientCore::AuthenticReply, std::string_view> ClientCore::read_reply(ByteView frame) const {
  const net::DecodeContext context{.cluster_id = options_.cluster_id,
                                   .mode = options_.mode,
                                   .replica_count = options_.replica_count,
                                   .client_count = options_.client_count,
                                   .limits = options_.limits};
  auto decoded = net::decode_envelope(frame, context);
  if (const auto* error = std::get_if<net::DecodeError>(&decoded)) return net::drop_reason(*error);
  const net::Envelope& envelope = std::get<net::Envelope>(decoded);
  if (envelope.header.kind != net::MessageKind::client_reply) return std::string_view("not_a_reply");
  if (envelope.header.sender.role != NodeRole::replica) return std::string_view("from_client");
  const ReplicaId sender = envelope.header.sender.index;  // < replica_count: the decoder checked it
  // Authenticated before the body is parsed, and before the outstanding request is consulted, so a
  // forged frame always counts as bad_mac: that is the count an operator needs to see.
  if (!net::verify_envelope_mac(envelope, receive_keys_by_replica_[sender])) return std::string_view("bad_mac");
  auto body = replica::decode_client_reply(envelope.body, options_.limits);
  if (std::holds_alternative<net::DecodeError>(body)) return std::string_view("bad_reply_body");
  return AuthenticReply{.sender = sender, .reply = std::move(std::get<replica::ClientReply>(body))};
}

bool ClientCore::accepted(ReplicaId sender, const replica::ClientReply& reply) const {
  switch (options_.mode) {
    case ProtocolMode::pbft: {
      // At most f replicas lie, so f+1 distinct replicas agreeing include a correct one. Only the
      // latest reply changed, so only its result can have just reached f+1.
      const auto matching = std::count_if(outstanding_->replies.begin(), outstanding_->replies.end(),
                                          [&](const auto& entry) { return entry.second == reply.result; });
      return static_cast<std::uint64_t>(matching) >= std::uint64_t{options_.max_faulty} + 1;
    }
    case ProtocolMode::raft:
    case ProtocolMode::paxos:
      // Replicas only crash, so one authentic reply is true; the leader's is the one that answers
      // for the cluster, a follower's reply only redirects.
      return sender == reply.leader;
  }
  return false;
}

void ClientCore::complete(replica::Tick now, Bytes result, ClientOutput& out) {
  out.completed.push_back(Completion{.request_number = outstanding_->request_number,
                                     .result = std::move(result),
                                     .submitted_at = outstanding_->submitted_at,
                                     .completed_at = now});
  outstanding_.reset();
}

}  // namespace loyal::client
