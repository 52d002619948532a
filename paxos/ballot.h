#pragma once
// Multi-Paxos vocabulary: ballots and slots. A ballot is (round, proposer): proposers never share
// a ballot, and ballots are totally ordered (round first, then proposer id), so "a ballot above
// any seen" is always available to any replica. Round 0 is "no ballot yet".

#include <compare>
#include <cstdint>

#include "common/ids.h"
#include "replica/types.h"

namespace loyal::paxos {

using Slot = replica::Sequence;
using Round = replica::Epoch;

struct Ballot {
  Round round = 0;
  ReplicaId proposer = 0;

  bool is_zero() const { return round == 0; }
  friend constexpr auto operator<=>(const Ballot&, const Ballot&) = default;
};

}  // namespace loyal::paxos
