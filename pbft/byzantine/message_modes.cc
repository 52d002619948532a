#include <algorithm>

#include "cluster/cluster_config.h"
#include "pbft/byzantine/modes.h"
#include "pbft/view_change.h"
#include "replica/request.h"

namespace loyal::pbft::byzantine {

void ReplayPolicy::rewrite(const Outgoing& message, Tick, std::vector<ByzantineSend>& out) {
  out.push_back({message});
  if (capacity_ == 0) return;
  if (sent_.size() == capacity_) sent_.pop_front();
  sent_.push_back(message);
}

void ReplayPolicy::on_tick(Tick, std::vector<ByzantineSend>& out) {
  if (sent_.empty()) return;
  for (std::uint32_t i = 0; i < per_tick_; ++i) out.push_back({sent_[prng_.below(sent_.size())]});
}

void CorruptCheckpointPolicy::rewrite(const Outgoing& message, Tick, std::vector<ByzantineSend>& out) {
  if (message.kind == net::MessageKind::checkpoint) {
    auto decoded = replica::decode_checkpoint(message.body, limits_);
    if (auto* checkpoint = std::get_if<replica::CheckpointMessage>(&decoded)) {
      checkpoint->state_digest = wrong_digest(checkpoint->state_digest);
      out.push_back({Outgoing{message.to, message.kind, replica::encode_checkpoint(*checkpoint)}});
      return;
    }
  }
  out.push_back({message});
}

void CorruptCheckpointPolicy::on_tick(Tick, std::vector<ByzantineSend>&) {}

void ForgeViewChangePolicy::rewrite(const Outgoing& message, Tick, std::vector<ByzantineSend>& out) {
  out.push_back({edit_view_change(message, limits_, [](ViewChange& view_change) {
    for (PreparedCertificateFrames& certificate : view_change.prepared) {
      if (certificate.prepares.empty()) continue;
      certificate.prepares.assign(certificate.prepares.size(), certificate.prepares.front());
    }
    const PrePrepare forged{view_change.view, view_change.stable_sequence + 1, crypto::sha256(empty_batch())};
    if (view_change.prepared.size() < kMaxViewChangeList) {
      view_change.prepared.push_back({encode_pre_prepare(forged), {}});
    }
  })});
}

void ForgeViewChangePolicy::on_tick(Tick, std::vector<ByzantineSend>&) {}

void HideCertificatesPolicy::rewrite(const Outgoing& message, Tick, std::vector<ByzantineSend>& out) {
  out.push_back({edit_view_change(message, limits_, [](ViewChange& view_change) { view_change.prepared.clear(); })});
}

void HideCertificatesPolicy::on_tick(Tick, std::vector<ByzantineSend>&) {}

}  // namespace loyal::pbft::byzantine
