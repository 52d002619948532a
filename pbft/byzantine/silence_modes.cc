#include "pbft/byzantine/modes.h"

namespace loyal::pbft::byzantine {

void SilentPolicy::rewrite(const Outgoing&, Tick, std::vector<ByzantineSend>&) {}
void SilentPolicy::on_tick(Tick, std::vector<ByzantineSend>&) {}

void WithholdPolicy::rewrite(const Outgoing& message, Tick, std::vector<ByzantineSend>& out) {
  if (!is_vote(message.kind)) out.push_back({message});
}
void WithholdPolicy::on_tick(Tick, std::vector<ByzantineSend>&) {}

void BadSignaturePolicy::rewrite(const Outgoing& message, Tick, std::vector<ByzantineSend>& out) {
  out.push_back({message, /*corrupt_signature=*/true});
}
void BadSignaturePolicy::on_tick(Tick, std::vector<ByzantineSend>&) {}

}  // namespace loyal::pbft::byzantine
