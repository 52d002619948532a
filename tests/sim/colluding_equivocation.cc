#include "tests/sim/colluding_equivocation.h"

#include <algorithm>

#include "pbft/messages.h"
#include "replica/request.h"

namespace loyal::sim {

namespace {

const Bytes& empty_batch() {
  static const Bytes encoded = replica::encode_batch(replica::Batch{});
  return encoded;
}

bool contains(const std::vector<ReplicaId>& ids, ReplicaId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

ColludingEquivocation::ColludingEquivocation(ReplicaId self, std::uint32_t replica_count,
                                             std::vector<ReplicaId> colluders)
    : self_(self), replica_count_(replica_count), colluders_(std::move(colluders)), told_real_(colluders_) {
  std::vector<ReplicaId> correct;
  for (ReplicaId r = 0; r < replica_count; ++r) {
    if (!contains(colluders_, r)) correct.push_back(r);
  }
  const auto first_half = static_cast<std::ptrdiff_t>(correct.size() / 2);
  told_real_.insert(told_real_.end(), correct.begin(), correct.begin() + first_half);
}

bool ColludingEquivocation::told_real(ReplicaId destination) const { return contains(told_real_, destination); }

void ColludingEquivocation::rewrite(const replica::Outgoing& message, replica::Tick,
                                    std::vector<replica::ByzantineSend>& out) {
  const crypto::Digest empty_digest = crypto::sha256(empty_batch());
  std::optional<Bytes> other_body;
  if (message.kind == net::MessageKind::pbft_pre_prepare) {
    auto decoded = pbft::decode_pre_prepare(message.body, limits_);
    if (const auto* real = std::get_if<pbft::PrePrepare>(&decoded); real && real->batch_digest != empty_digest) {
      other_body = pbft::encode_pre_prepare({real->view, real->sequence, empty_digest});
    }
  } else if (message.kind == net::MessageKind::pbft_prepare) {
    auto decoded = pbft::decode_prepare(message.body, limits_);
    if (const auto* real = std::get_if<pbft::Prepare>(&decoded); real && real->batch_digest != empty_digest) {
      other_body = pbft::encode_prepare({real->view, real->sequence, empty_digest});
    }
  } else if (message.kind == net::MessageKind::pbft_commit) {
    auto decoded = pbft::decode_commit(message.body, limits_);
    if (const auto* real = std::get_if<pbft::Commit>(&decoded); real && real->batch_digest != empty_digest) {
      other_body = pbft::encode_commit({real->view, real->sequence, empty_digest});
    }
  }
  if (!other_body || message.to != replica::Outgoing::kAllReplicas) {
    out.push_back({message});
    return;
  }
  for (ReplicaId r = 0; r < replica_count_; ++r) {
    if (r == self_) continue;
    // The other PRE-PREPARE carries the empty batch its digest names; votes carry no batch.
    const bool real = told_real(r);
    const bool batch = message.kind == net::MessageKind::pbft_pre_prepare;
    out.push_back({replica::Outgoing{r, message.kind, real ? message.body : *other_body, {},
                                     real || !batch ? message.attachment : empty_batch()}});
  }
}

}  // namespace loyal::sim
