#pragma once
// The fault schedule of a local benchmark: what happens to which replica when, parsed from the
// --fault flags. Pure parsing and validation, no processes: the scenario runner (local_scenario.h)
// carries the schedule out against a launched cluster.
//
// Spec grammar (times are seconds since the load started, decimals allowed):
//   crash:R@T           kill -9 replica R at T
//   restart:R@T         start replica R again at T with its data directory kept
//   restart-wiped:R@T   start replica R again at T with an empty data directory (state transfer)
//   pause:R@T+D         SIGSTOP replica R at T, SIGCONT D seconds later
//   byzantine:R=MODE@T  restart replica R at T with --byzantine MODE
//   byzantine:R=MODE    replica R runs with --byzantine MODE from the start

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ids.h"
#include "common/result.h"

namespace loyal::bench {

// Far beyond any benchmark this machine runs; a larger number is a typo.
inline constexpr double kMaxFaultTimeSeconds = 24 * 3600;
// A scenario with more faults than this is not a benchmark any reader could follow.
inline constexpr std::size_t kMaxScheduledFaults = 64;

enum class FaultKind : std::uint8_t { crash, restart, restart_wiped, pause, byzantine };
std::string_view to_string(FaultKind kind);

struct FaultSpec {
  FaultKind kind = FaultKind::crash;
  ReplicaId replica = 0;
  // Seconds after the load started; none only for a byzantine replica that is faulty from the start.
  std::optional<double> time_s;
  double pause_duration_s = 0;  // pause only
  std::string byzantine_mode;   // byzantine only
  std::string text;             // the spec as given, for the report

  bool from_start() const { return !time_s.has_value(); }
  friend bool operator==(const FaultSpec&, const FaultSpec&) = default;
};

// Parses one spec. Errors quote the spec and say what the grammar expects.
Result<FaultSpec> parse_fault_spec(std::string_view text);

// Parses every spec, checks replica ids against `replica_count`, and returns them ordered by time
// (from-start byzantine specs first, then by time, ties in the order given).
Result<std::vector<FaultSpec>> parse_fault_schedule(const std::vector<std::string>& texts, std::uint32_t replica_count);

// The grammar above in a few lines, for --help and for errors.
std::string_view fault_spec_help();

}  // namespace loyal::bench
