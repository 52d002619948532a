#include "bench/tool/timeline.h"

#include <gtest/gtest.h>

namespace loyal::bench {
namespace {

// A synthetic timeline: `ops_per_interval(k)` operations in the interval ending at k * 0.1 s.
template <typename F>
std::vector<TimelineSample> timeline(int intervals, F ops_per_interval) {
  std::vector<TimelineSample> samples;
  for (int k = 1; k <= intervals; ++k) {
    TimelineSample sample;
    sample.end_s = k * interval_seconds();
    sample.completed_ops = ops_per_interval(k);
    samples.push_back(sample);
  }
  return samples;
}

TEST(TimeToRecover, ADipOfTwoSecondsRecoversWhenThroughputReturns) {
  // 100 ops per 100 ms (1000 ops/s) until 5 s, nothing from 5 s to 7 s, then 95 per interval.
  const auto samples = timeline(150, [](int k) -> std::uint64_t {
    if (k <= 50) return 100;
    if (k <= 70) return 0;
    return 95;
  });
  const RecoveryResult result = time_to_recover(samples, 5.0, 1.0);
  ASSERT_TRUE(result.pre_fault_ops_per_s);
  EXPECT_DOUBLE_EQ(*result.pre_fault_ops_per_s, 1000.0);
  ASSERT_TRUE(result.time_to_recover_s);
  EXPECT_NEAR(*result.time_to_recover_s, 2.0, 1e-9);
}

TEST(TimeToRecover, AFaultThatCostsNothingRecoversAtOnce) {
  const auto samples = timeline(100, [](int) -> std::uint64_t { return 100; });
  const RecoveryResult result = time_to_recover(samples, 5.0, 0.0);
  ASSERT_TRUE(result.time_to_recover_s);
  EXPECT_NEAR(*result.time_to_recover_s, 0.0, 1e-9);
}

TEST(TimeToRecover, BelowNinetyPercentIsNotRecovered) {
  // Back to 85% only: never recovered within the run.
  const auto samples = timeline(150, [](int k) -> std::uint64_t { return k <= 50 ? 100 : 85; });
  const RecoveryResult result = time_to_recover(samples, 5.0, 1.0);
  EXPECT_TRUE(result.pre_fault_ops_per_s);
  EXPECT_FALSE(result.time_to_recover_s);
}

TEST(TimeToRecover, ASingleGoodIntervalIsNotARecovery) {
  // One interval back at full speed at 6 s inside an outage that lasts until 8 s.
  const auto samples = timeline(150, [](int k) -> std::uint64_t {
    if (k <= 50) return 100;
    if (k == 61) return 100;
    if (k <= 80) return 0;
    return 100;
  });
  const RecoveryResult result = time_to_recover(samples, 5.0, 1.0);
  ASSERT_TRUE(result.time_to_recover_s);
  EXPECT_NEAR(*result.time_to_recover_s, 3.0, 1e-9);
}

TEST(TimeToRecover, TheBaselineExcludesTheWarmupAndLooksBackFiveSeconds) {
  // 10 ops per interval during a 2 s warm-up, then 100: the baseline is 1000 ops/s, not less.
  const auto samples = timeline(100, [](int k) -> std::uint64_t { return k <= 20 ? 10 : 100; });
  const RecoveryResult result = time_to_recover(samples, 4.0, 2.0);
  ASSERT_TRUE(result.pre_fault_ops_per_s);
  EXPECT_DOUBLE_EQ(*result.pre_fault_ops_per_s, 1000.0);
}

TEST(TimeToRecover, NoBaselineBeforeTheFault) {
  const auto samples = timeline(50, [](int) -> std::uint64_t { return 100; });
  const RecoveryResult result = time_to_recover(samples, 0.0, 0.0);
  EXPECT_FALSE(result.pre_fault_ops_per_s);
  EXPECT_FALSE(result.time_to_recover_s);
}

TEST(LeaderChanges, ReportsEachChangeOnce) {
  auto samples = timeline(5, [](int) -> std::uint64_t { return 1; });
  samples[0].epoch = 0;
  samples[0].leader = 0;
  samples[1].epoch = 0;
  samples[1].leader = 0;
  samples[2].epoch = 1;
  samples[2].leader = 1;
  samples[3].epoch = 1;
  samples[3].leader = 1;
  const auto changes = leader_changes(samples, "view");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_NEAR(changes[0].time_s, 0.3, 1e-9);
  EXPECT_EQ(changes[0].description, "view 1, leader 1");
}

}  // namespace
}  // namespace loyal::bench
