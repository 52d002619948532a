#pragma once
// Parsing of loyal-bench's composite flag values (--mix, --protocol lists) and the defaults that
// make up the default scenario, apart from the CLI so that the tests can check them.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/cluster_config.h"
#include "common/result.h"

namespace loyal::bench {

// The default scenario (`loyal-bench local` with no flags): about 30-40 s on a 2-core machine.
inline constexpr std::string_view kDefaultProtocol = "pbft";
inline constexpr std::uint32_t kDefaultF = 1;
inline constexpr std::uint32_t kDefaultClients = 32;
inline constexpr double kDefaultDurationSeconds = 20;
inline constexpr double kDefaultWarmupSeconds = 1;
inline constexpr std::uint32_t kDefaultPayloadBytes = 64;
// One fault at a time, since f = 1 tolerates only one: a backup crashes at 4 s (PBFT carries on
// without a view change), comes back with its data at 8 s and catches up, then the primary turns
// silent at 12 s, which forces a view change: the recovery the chart should show.
inline const std::vector<std::string>& default_fault_schedule();

// The names --protocol accepts; unreplicated is one replica of a crash-tolerant engine.
inline constexpr std::string_view kUnreplicated = "unreplicated";

// "put=80,get=20" -> 80 (the put percentage). Both shares present or one of them; they add to 100.
Result<std::uint32_t> parse_mix(std::string_view text);
// "pbft,raft" -> {"pbft", "raft"}; each once, each one of pbft, raft, paxos, unreplicated.
Result<std::vector<std::string>> parse_protocol_list(std::string_view text);
// "batch_max_in_flight=2" -> that numeric [parameters] key of the cluster file set in `parameters`,
// within its own range (relationships between keys are the cluster loader's to check).
Status apply_parameter(std::string_view text, cluster::Parameters& parameters);
// n for a protocol and f: 3f+1 for pbft, 2f+1 for raft and paxos, 1 for unreplicated.
std::uint32_t replicas_for(std::string_view protocol, std::uint32_t f);

inline const std::vector<std::string>& default_fault_schedule() {
  static const std::vector<std::string> schedule{"crash:3@4", "restart:3@8", "byzantine:0=silent@12"};
  return schedule;
}

}  // namespace loyal::bench
