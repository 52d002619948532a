#include "tests/sim/paxos_checkers.h"

#include <algorithm>
#include <string>

#include "paxos/paxos_core.h"

namespace loyal::sim {

paxos::Slot PaxosCoreView::stable_slot() const { return core_.stable_slot(); }
paxos::Slot PaxosCoreView::last_chosen_contiguous() const { return core_.last_chosen_contiguous(); }
std::optional<crypto::Digest> PaxosCoreView::chosen_digest(paxos::Slot slot) const {
  return core_.chosen_digest(slot);
}

void PaxosCheckers::observe(const std::vector<const PaxosReplicaView*>& live) {
  for (const PaxosReplicaView* view : live) {
    // A restart (or an installed state) lowers the gap-free prefix: what it re-learns is
    // compared again.
    paxos::Slot& through = checked_through_[view->replica()];
    const paxos::Slot contiguous = view->last_chosen_contiguous();
    through = std::min(through, contiguous);
    const paxos::Slot first = std::max(through, view->stable_slot()) + 1;
    for (paxos::Slot slot = first; slot <= contiguous + kChosenProbeSlots; ++slot) check_slot(*view, slot);
    through = contiguous;
  }
}

void PaxosCheckers::check_slot(const PaxosReplicaView& view, paxos::Slot slot) {
  const std::optional<crypto::Digest> digest = view.chosen_digest(slot);
  if (!digest) return;
  const auto [it, first] = chosen_.try_emplace(slot, Chosen{*digest, view.replica()});
  if (first || it->second.digest == *digest) return;
  report_.report_violation("single_value_chosen",
                           "replica " + std::to_string(view.replica()) + " holds value " +
                               digest->hex().substr(0, 16) + " chosen at slot " + std::to_string(slot) +
                               ", replica " + std::to_string(it->second.first_replica) + " held value " +
                               it->second.digest.hex().substr(0, 16) + " chosen there");
}

}  // namespace loyal::sim
