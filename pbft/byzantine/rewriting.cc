#include "common/assert.h"
#include "pbft/byzantine/modes.h"
#include "replica/request.h"

namespace loyal::pbft::byzantine {

std::vector<ReplicaId> destinations(const Outgoing& message, ReplicaId self, std::uint32_t replica_count) {
  if (message.to != Outgoing::kAllReplicas) return {message.to};
  std::vector<ReplicaId> all;
  for (ReplicaId r = 0; r < replica_count; ++r) {
    if (r != self) all.push_back(r);
  }
  return all;
}

crypto::Digest wrong_digest(const crypto::Digest& digest) { return crypto::sha256(digest.view()); }

const Bytes& empty_batch() {
  static const Bytes encoded = replica::encode_batch(replica::Batch{});
  return encoded;
}

bool is_vote(net::MessageKind kind) {
  return kind == net::MessageKind::pbft_prepare || kind == net::MessageKind::pbft_commit;
}

std::optional<VoteFields> decode_vote_fields(const Outgoing& message, const net::DecodeLimits& limits) {
  if (message.kind == net::MessageKind::pbft_prepare) {
    const auto decoded = decode_prepare(message.body, limits);
    if (const auto* prepare = std::get_if<Prepare>(&decoded)) {
      return VoteFields{prepare->view, prepare->sequence, prepare->batch_digest};
    }
  } else if (message.kind == net::MessageKind::pbft_commit) {
    const auto decoded = decode_commit(message.body, limits);
    if (const auto* commit = std::get_if<Commit>(&decoded)) {
      return VoteFields{commit->view, commit->sequence, commit->batch_digest};
    }
  }
  return std::nullopt;
}

Outgoing with_vote_fields(const Outgoing& message, const VoteFields& fields) {
  LOYAL_ASSERT(is_vote(message.kind), "only PREPAREs and COMMITs have vote fields");
  Bytes body = message.kind == net::MessageKind::pbft_prepare
                   ? encode_prepare({fields.view, fields.sequence, fields.digest})
                   : encode_commit({fields.view, fields.sequence, fields.digest});
  return Outgoing{message.to, message.kind, std::move(body)};
}

}  // namespace loyal::pbft::byzantine
