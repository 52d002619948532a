#pragma once
// The protocol cores the simulator can run, as ProtocolFactories. PBFT only, for now: Raft and
// Multi-Paxos are refused by check_options() until their cores exist.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "tests/sim/sim_replica.h"
#include "tests/sim/simulation.h"

namespace loyal::sim {

// Why `options.protocol` cannot run in the simulator, or nothing.
std::optional<std::string> protocol_unavailable(const SimOptions& options);

// Precondition: !protocol_unavailable(options). `verifier` checks the signed evidence inside
// messages (VIEW-CHANGE, NEW-VIEW); it must outlive every core the factory makes.
ProtocolFactory protocol_factory(const SimOptions& options, const crypto::Verifier& verifier);

// The replica that leads when a run starts (PBFT: the primary of view 0).
ReplicaId initial_leader(const SimOptions& options);

// Valid messages a core made by protocol_factory() did not act on, by reason (for --verbose).
std::map<std::string_view, std::uint64_t> ignored_messages(const replica::Protocol& protocol);

}  // namespace loyal::sim
