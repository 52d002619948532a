#include "bench/tool/timeline.h"

#include <algorithm>
#include <cmath>

namespace loyal::bench {

namespace {
// Sample end times are multiples of the interval computed in floating point; compare with slack.
constexpr double kTimeSlackSeconds = 1e-6;
}  // namespace

std::optional<double> mean_throughput(const std::vector<TimelineSample>& samples, double from_s, double to_s) {
  double sum = 0;
  std::size_t count = 0;
  for (const TimelineSample& sample : samples) {
    if (sample.end_s > from_s + kTimeSlackSeconds && sample.end_s <= to_s + kTimeSlackSeconds) {
      sum += throughput_ops_per_s(sample);
      ++count;
    }
  }
  if (count == 0) return std::nullopt;
  return sum / static_cast<double>(count);
}

RecoveryResult time_to_recover(const std::vector<TimelineSample>& samples, double injected_s, double baseline_from_s) {
  RecoveryResult result;
  const double baseline_start = std::max(baseline_from_s, injected_s - kPreFaultBaselineSeconds);
  result.pre_fault_ops_per_s = mean_throughput(samples, baseline_start, injected_s);
  if (!result.pre_fault_ops_per_s) return result;
  const double target = kRecoveredFraction * *result.pre_fault_ops_per_s;
  const auto sustain_samples =
      static_cast<std::size_t>(std::llround(kRecoverySustainSeconds / interval_seconds()));

  for (std::size_t first = 0; first < samples.size(); ++first) {
    const double start_s = samples[first].end_s - interval_seconds();
    if (start_s < injected_s - kTimeSlackSeconds) continue;
    if (first + sustain_samples > samples.size()) break;
    double sum = 0;
    for (std::size_t i = first; i < first + sustain_samples; ++i) sum += throughput_ops_per_s(samples[i]);
    if (sum / static_cast<double>(sustain_samples) >= target) {
      result.time_to_recover_s = std::max(0.0, start_s - injected_s);
      return result;
    }
  }
  return result;
}

std::vector<LeaderChange> leader_changes(const std::vector<TimelineSample>& samples, const std::string& epoch_word) {
  std::vector<LeaderChange> changes;
  std::optional<std::uint64_t> epoch;
  std::optional<ReplicaId> leader;
  bool first = true;
  for (const TimelineSample& sample : samples) {
    if (!sample.epoch && !sample.leader) continue;
    if (!first && sample.epoch == epoch && sample.leader == leader) continue;
    if (!first) {
      changes.push_back(LeaderChange{
          .time_s = sample.end_s,
          .description = epoch_word + " " + (sample.epoch ? std::to_string(*sample.epoch) : std::string("?")) +
                         ", leader " + (sample.leader ? std::to_string(*sample.leader) : std::string("none"))});
    }
    first = false;
    epoch = sample.epoch;
    leader = sample.leader;
  }
  return changes;
}

}  // namespace loyal::bench
