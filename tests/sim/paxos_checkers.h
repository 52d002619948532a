#pragma once
// Multi-Paxos's safety property, judged once per tick on what the live cores hold, through their
// read-only accessors, and reported into the pipeline-level Checkers (checkers.h):
//  - single_value_chosen: at most one value is chosen per slot. Every value a learner holds as
//    chosen is compared, by digest, with the first one any replica held as chosen at that slot,
//    across replicas and over the whole run (a restarted replica re-learns its values and is
//    compared again).
// A learner may know slots chosen above its last slot chosen without gaps; the checkers read up
// to kChosenProbeSlots beyond it each tick, and every slot again once it joins the gap-free prefix.
//
// Ownership and ordering: observe() reads the views only during the call. One digest per slot is
// kept for the whole run (bounded by the run's length, like the executions Checkers keeps).

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "crypto/digest.h"
#include "paxos/ballot.h"
#include "tests/sim/checkers.h"

namespace loyal::paxos {
class PaxosCore;
}

namespace loyal::sim {

inline constexpr paxos::Slot kChosenProbeSlots = 16;

// What the checkers read of one replica's Multi-Paxos core: PaxosCore's accessors, or fabricated
// learner state in the checkers' own tests.
class PaxosReplicaView {
 public:
  virtual ~PaxosReplicaView() = default;
  virtual ReplicaId replica() const = 0;
  virtual paxos::Slot stable_slot() const = 0;
  virtual paxos::Slot last_chosen_contiguous() const = 0;
  // For slots above stable_slot() known chosen here.
  virtual std::optional<crypto::Digest> chosen_digest(paxos::Slot slot) const = 0;
};

// A live PaxosCore, borrowed for as long as the view lives.
class PaxosCoreView final : public PaxosReplicaView {
 public:
  PaxosCoreView(ReplicaId replica, const paxos::PaxosCore& core) : replica_(replica), core_(core) {}
  ReplicaId replica() const override { return replica_; }
  paxos::Slot stable_slot() const override;
  paxos::Slot last_chosen_contiguous() const override;
  std::optional<crypto::Digest> chosen_digest(paxos::Slot slot) const override;

 private:
  ReplicaId replica_;
  const paxos::PaxosCore& core_;
};

class PaxosCheckers {
 public:
  // Violations go to `report` (with its current tick), which must outlive the checkers.
  explicit PaxosCheckers(Checkers& report) : report_(report) {}

  // Once per tick, after every replica was ticked: the views of the live replicas.
  void observe(const std::vector<const PaxosReplicaView*>& live);

  std::uint64_t slots_known_chosen() const { return chosen_.size(); }

 private:
  struct Chosen {
    crypto::Digest digest;
    ReplicaId first_replica = 0;
  };

  void check_slot(const PaxosReplicaView& view, paxos::Slot slot);

  Checkers& report_;
  std::map<paxos::Slot, Chosen> chosen_;
  // Per replica, the gap-free prefix already compared.
  std::map<ReplicaId, paxos::Slot> checked_through_;
};

}  // namespace loyal::sim
