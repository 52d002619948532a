#include "pbft/byzantine/modes.h"

namespace loyal::pbft::byzantine {

void SlowPolicy::rewrite(const Outgoing& message, Tick now, std::vector<ByzantineSend>& out) {
  if (message.kind != net::MessageKind::pbft_pre_prepare) {
    out.push_back({message});
    return;
  }
  held_.push_back({now + delay_ticks_, message});
}

void SlowPolicy::on_tick(Tick now, std::vector<ByzantineSend>& out) {
  while (!held_.empty() && held_.front().release_at <= now) {
    out.push_back({std::move(held_.front().message)});
    held_.pop_front();
  }
}

// The split is by destination, the same for every sequence number and every retransmission: a
// destination is always told the same story, so correct replicas never see the primary
// contradict itself to them, only to each other.
void EquivocatePolicy::rewrite(const Outgoing& message, Tick, std::vector<ByzantineSend>& out) {
  if (message.kind != net::MessageKind::pbft_pre_prepare) {
    out.push_back({message});
    return;
  }
  auto decoded = decode_pre_prepare(message.body, limits_);
  const auto* real = std::get_if<PrePrepare>(&decoded);
  if (real == nullptr || message.attachment == empty_batch()) {
    out.push_back({message});
    return;
  }
  const PrePrepare other{real->view, real->sequence, crypto::sha256(empty_batch())};
  const Bytes other_body = encode_pre_prepare(other);
  const std::vector<ReplicaId> to = destinations(message, self_, replica_count_);
  const std::size_t told_real = (to.size() + 1) / 2;
  for (std::size_t i = 0; i < to.size(); ++i) {
    const bool real_one = i < told_real;
    out.push_back({Outgoing{to[i], message.kind, real_one ? message.body : other_body, {},
                            real_one ? message.attachment : empty_batch()}});
  }
}

void EquivocatePolicy::on_tick(Tick, std::vector<ByzantineSend>&) {}

}  // namespace loyal::pbft::byzantine
