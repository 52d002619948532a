#pragma once
// The run's timeline: one sample per interval (kTimelineIntervalMs) of completed operations,
// latency percentiles and what the replicas reported (view/term/ballot and leader), plus the
// time-to-recover computation on it. Pure functions over plain values, so the tests can feed a
// synthetic timeline.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ids.h"

namespace loyal::bench {

inline constexpr std::uint32_t kTimelineIntervalMs = 100;
// Recovery means throughput back to this fraction of the pre-fault average...
inline constexpr double kRecoveredFraction = 0.9;
// ...averaged over this long from the recovery point on (one 100 ms sample is too noisy to trust)...
inline constexpr double kRecoverySustainSeconds = 0.5;
// ...where the pre-fault average covers at most this long before the injection.
inline constexpr double kPreFaultBaselineSeconds = 5.0;

struct TimelineSample {
  double end_s = 0;  // end of the interval, seconds since the load started
  std::uint64_t completed_ops = 0;
  std::uint64_t failed_ops = 0;  // timed out or refused
  double p50_ms = 0;             // 0 when nothing completed in the interval
  double p99_ms = 0;
  std::optional<std::uint64_t> epoch;  // view (pbft), term (raft), ballot (paxos): highest reported
  std::optional<ReplicaId> leader;     // as reported by the most advanced live replica
};

inline double interval_seconds() { return kTimelineIntervalMs / 1000.0; }
inline double throughput_ops_per_s(const TimelineSample& sample) {
  return static_cast<double>(sample.completed_ops) / interval_seconds();
}

// Mean throughput over the samples that end in (from_s, to_s]; none when there are none.
std::optional<double> mean_throughput(const std::vector<TimelineSample>& samples, double from_s, double to_s);

struct RecoveryResult {
  std::optional<double> pre_fault_ops_per_s;  // none: no sample before the injection to compare with
  std::optional<double> time_to_recover_s;    // none: not back within the run (or no baseline)
};

// From `injected_s` until throughput is back to >= kRecoveredFraction of the average over the
// kPreFaultBaselineSeconds before the injection (never earlier than `baseline_from_s`, the end of
// the warm-up), sustained over kRecoverySustainSeconds: the recovery point is the start of the
// first such stretch, so a fault that costs nothing recovers in 0 s.
RecoveryResult time_to_recover(const std::vector<TimelineSample>& samples, double injected_s, double baseline_from_s);

// When the reported epoch or leader changed: (time, description) in time order, for the chart.
struct LeaderChange {
  double time_s = 0;
  std::string description;  // "view 1, leader 1"
};
std::vector<LeaderChange> leader_changes(const std::vector<TimelineSample>& samples, const std::string& epoch_word);

}  // namespace loyal::bench
