#include "pbft/equivocation.h"

namespace loyal::pbft {

void Equivocations::record(ReplicaId sender, net::MessageKind kind, View view, Sequence sequence,
                           const Bytes& first, const Bytes& second) {
  if (first.empty() || second.empty()) return;
  ++count_;
  if (kept_.size() >= kMaxEquivocationsKept) return;
  if (!keys_.emplace(sender, kind, view, sequence).second) return;
  kept_.push_back(EquivocationEvidence{sender, kind, view, sequence, first, second});
}

}  // namespace loyal::pbft
