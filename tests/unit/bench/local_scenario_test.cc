// One short real run: a 3-replica Raft cluster of loyal-replica processes on loopback, two
// closed-loop clients, a crashed replica on schedule. Checks what the report is built from: the
// timeline has one sample per interval, operations completed before and after the crash, the
// crash was injected on time, and every replica's peak memory is known.

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <unistd.h>

#include "bench/tool/local_scenario.h"

namespace loyal::bench {
namespace {

TEST(LocalScenario, RaftRunWithACrashFillsTheReport) {
  LocalScenario scenario;
  scenario.f = 1;
  scenario.fault_texts = {"crash:2@1"};
  scenario.data_root = std::filesystem::temp_directory_path() / ("loyal-bench-test-" + std::to_string(::getpid()));
  scenario.replica_binary = LOYAL_REPLICA_BINARY;
  scenario.load.clients = 2;
  scenario.load.warmup_s = 0.5;
  scenario.drive = DriveOptions{.duration_s = 3, .warmup_s = 0.5, .live_progress = false};
  std::ostringstream progress;

  const ProtocolRun run = run_local_protocol("raft", scenario, progress);
  std::filesystem::remove_all(scenario.data_root);

  ASSERT_EQ(run.error, "") << progress.str();
  EXPECT_EQ(run.replicas, 3u);
  EXPECT_EQ(run.timeline.size(), 30u);
  EXPECT_GT(run.completed_ops, 0u);
  EXPECT_EQ(run.latency.count(), run.completed_ops);
  std::uint64_t before_crash = 0;
  std::uint64_t after_crash = 0;
  for (const TimelineSample& sample : run.timeline) (sample.end_s <= 1.0 ? before_crash : after_crash) += sample.completed_ops;
  EXPECT_GT(before_crash, 0u);
  EXPECT_GT(after_crash, 0u) << "two of three Raft replicas keep going";
  ASSERT_EQ(run.faults.size(), 1u);
  ASSERT_TRUE(run.faults[0].injected_s) << run.faults[0].note;
  EXPECT_NEAR(*run.faults[0].injected_s, 1.0, 0.3);
  ASSERT_EQ(run.peak_rss_bytes.size(), 3u);
  for (const auto& rss : run.peak_rss_bytes) {
    ASSERT_TRUE(rss.has_value());
    EXPECT_GT(*rss, 1'000'000u);
  }
  bool some_leader = false;
  for (const TimelineSample& sample : run.timeline) some_leader = some_leader || sample.leader.has_value();
  EXPECT_TRUE(some_leader) << "the replicas' status lines name a leader";
}

TEST(LocalScenario, TheUnreplicatedBaselineIsOneReplicaAndIgnoresTheFaultSchedule) {
  LocalScenario scenario;
  scenario.fault_texts = {"crash:2@1"};  // for the replicated runs; the baseline has no replica 2
  scenario.data_root = std::filesystem::temp_directory_path() / ("loyal-bench-unrepl-" + std::to_string(::getpid()));
  scenario.replica_binary = LOYAL_REPLICA_BINARY;
  scenario.load.clients = 2;
  scenario.load.warmup_s = 0.2;
  scenario.drive = DriveOptions{.duration_s = 1, .warmup_s = 0.2, .live_progress = false};
  std::ostringstream progress;
  const ProtocolRun run = run_local_protocol("unreplicated", scenario, progress);
  std::filesystem::remove_all(scenario.data_root);
  ASSERT_EQ(run.error, "") << progress.str();
  EXPECT_FALSE(run.unsupported);
  EXPECT_EQ(run.replicas, 1u);
  EXPECT_TRUE(run.faults.empty());
  EXPECT_GT(run.completed_ops, 0u);
}

}  // namespace
}  // namespace loyal::bench
