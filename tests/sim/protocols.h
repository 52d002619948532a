#pragma once
// The protocol cores the simulator runs (PBFT, Raft, Multi-Paxos), as ProtocolFactories whose
// options are derived from SimOptions, and what the simulator needs to know about each mode.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "tests/sim/sim_replica.h"
#include "tests/sim/simulation.h"

namespace loyal::sim {

// The cluster id of every simulated run: in each envelope, and in what PBFT cores sign.
inline constexpr std::uint64_t kSimClusterId = 0x10'7a1;

// Raft and Multi-Paxos timing in simulator ticks. A frame takes kSteadyLatencyTicks (2) without
// faults and up to about +100 in the long tail, so a heartbeat every 20 ticks reaches followers
// several times within the shortest election timeout even with loss, and the 150-tick spread of
// the timeout makes two candidates timing out together rare.
inline constexpr Tick kSimHeartbeatTicks = 20;
inline constexpr Tick kSimElectionTimeoutMinTicks = 150;
inline constexpr Tick kSimElectionTimeoutMaxTicks = 300;
static_assert(kSimHeartbeatTicks * 3 <= kSimElectionTimeoutMinTicks, "a lost heartbeat must not start an election");
static_assert(kSimElectionTimeoutMinTicks < kSimElectionTimeoutMaxTicks, "randomized election timeouts");

// Why `options.protocol` cannot run with `options` in the simulator (cluster size for the mode,
// Byzantine replicas for a crash-tolerant mode), or nothing.
std::optional<std::string> protocol_unavailable(const SimOptions& options);

// Precondition: !protocol_unavailable(options). `crypto` signs each PBFT core's own messages and
// checks the signed evidence inside PBFT messages (VIEW-CHANGE, NEW-VIEW); it must outlive every
// core the factory makes. The cores'
// Prngs are seeded from options.seed (each core mixes in its replica id), so a run replays.
ProtocolFactory protocol_factory(const SimOptions& options, const SimCrypto& crypto);

// The replica that leads when a run starts: PBFT's primary of view 0. Raft and Multi-Paxos elect
// their first leader, so none leads at tick 0 (nothing).
std::optional<ReplicaId> initial_leader(const SimOptions& options);

// Valid messages a core made by protocol_factory() did not act on, by reason (for --verbose).
std::map<std::string_view, std::uint64_t> ignored_messages(const replica::Protocol& protocol);

}  // namespace loyal::sim
