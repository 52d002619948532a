#pragma once
// Multi-Paxos parameters. One PaxosOptions configures both the validator and the core, so the two
// agree on n and the limits.

#include <cstdint>

#include "cluster/cluster_config.h"
#include "common/ids.h"
#include "net/limits.h"
#include "replica/types.h"

namespace loyal::paxos {

// Values (and slot entries) one PROMISE, ACCEPT, ACCEPTED or COMMIT may carry, whatever the options.
inline constexpr std::uint32_t kMaxSlotsPerMessage = 1024;
// Value bytes one message may carry: a body always holds at least one whole batch, plus room
// for the other fields.
inline constexpr std::size_t kMaxValueBytesPerMessage = net::kMaxBodyBytes - (64u << 10);
static_assert(cluster::kMaxBatchBytes <= kMaxValueBytesPerMessage, "one batch always fits a message");

struct PaxosOptions {
  ReplicaId self = 0;
  std::uint32_t replica_count = 3;  // n; a majority is n/2 + 1
  // A replica that has heard no leader for a timeout drawn from [min, max] runs phase 1; the
  // spread keeps two replicas from timing out together, again and again.
  replica::Tick leader_timeout_min_ticks = 150;
  replica::Tick leader_timeout_max_ticks = 300;
  // The leader's COMMIT heartbeat, and its re-sending of ACCEPTs (and a candidate's PREPAREs)
  // that are not answered yet.
  replica::Tick heartbeat_ticks = 30;
  // Slots the leader may have proposed above the last one chosen without gaps (can_propose()).
  std::uint32_t max_open_slots = 256;
  // An acceptor accepts (and a learner holds chosen values) at most this far above its last
  // slot chosen without gaps; a replica further behind catches up first.
  std::uint32_t max_slots_ahead = 4096;
  std::uint32_t max_slots_per_message = 64;
  std::uint64_t prng_seed = 1;
  net::DecodeLimits limits;
};

// Stops the process when the options break a relationship the protocol depends on (self a
// member, timeouts above the heartbeat, limits positive and within the wire's). These are
// configuration bugs: the cluster loader refuses such files.
void check_options(const PaxosOptions& options);

constexpr std::uint32_t majority(std::uint32_t replica_count) { return replica_count / 2 + 1; }

static_assert(majority(3) == 2 && majority(4) == 3 && majority(5) == 3, "any two majorities intersect");

}  // namespace loyal::paxos
