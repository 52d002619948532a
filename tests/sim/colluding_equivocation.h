#pragma once
// TEST ONLY, beyond the fault model: f+1 replicas, the primary among them, that collude to fork
// the correct replicas. Not a production mode (pbft/byzantine has no such name) and not reachable
// from loyal-sim's flags: only SimOptions::test.colluding_equivocators uses it, to show that the
// agreement checker sees a fork when more than f replicas are faulty.
//
// The correct replicas are split in two halves, "told real" (the first half, by id) and "told
// empty". As primary, a colluder sends the real PRE-PREPARE to the other colluders and the first
// half, and a PRE-PREPARE with the same view and sequence number but the empty batch to the second
// half. Every colluder's PREPAREs and COMMITs (which its honest core makes for the real batch)
// carry the real digest to the colluders and the first half and the empty batch's digest to the
// second. With n = 3f+1, each half of f correct replicas plus the f+1 colluders is a quorum of
// 2f+1, so each half commits its own batch at the same sequence number.

#include <cstdint>
#include <vector>

#include "net/limits.h"
#include "replica/byzantine.h"

namespace loyal::sim {

class ColludingEquivocation final : public replica::ByzantinePolicy {
 public:
  ColludingEquivocation(ReplicaId self, std::uint32_t replica_count, std::vector<ReplicaId> colluders);
  std::string_view name() const override { return "equivocate-collude (test only)"; }
  void rewrite(const replica::Outgoing& message, replica::Tick now,
               std::vector<replica::ByzantineSend>& out) override;
  void on_tick(replica::Tick, std::vector<replica::ByzantineSend>&) override {}

 private:
  bool told_real(ReplicaId destination) const;

  ReplicaId self_;
  std::uint32_t replica_count_;
  std::vector<ReplicaId> colluders_;
  std::vector<ReplicaId> told_real_;  // the first half of the correct replicas, and the colluders
  net::DecodeLimits limits_;
};

}  // namespace loyal::sim
