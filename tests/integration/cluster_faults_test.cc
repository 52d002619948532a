// Real replica processes over ZeroMQ on loopback, per protocol (pbft n = 4, raft and paxos n = 3):
// round trips through loyal-client, crashes (kill -9) of a backup and of the leader, a hung leader
// (SIGSTOP/SIGCONT), a replica restarted on an empty disk, and a restart of the whole cluster.

#include <signal.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/cluster_fixture.h"

namespace loyal::integration {
namespace {

using ::testing::HasSubstr;

class ClusterFaults : public ClusterFixture, public ::testing::TestWithParam<ProtocolMode> {
 protected:
  void SetUp() override { start_cluster(test_cluster_options(GetParam(), scratch_.path())); }

  // The leader all replicas agree on, or a failed test.
  ReplicaId agreed_leader(const std::set<ReplicaId>& replicas) {
    const auto leader = wait_for_agreed_leader(*cluster_, replicas);
    EXPECT_TRUE(leader.has_value()) << "no agreed leader\n" << describe_cluster(*cluster_);
    return leader.value_or(0);
  }
};

TEST_P(ClusterFaults, PutAndGetRoundTripThroughTheLoyalClientProgram) {
  const std::string cluster_file = cluster_->cluster_file().string();
  const ProgramRun put = run_loyal_client(cluster_file, {"--id", "1", "put", "color", "blue"});
  EXPECT_EQ(put.exit_code, 0) << put.output << describe_cluster(*cluster_);
  EXPECT_EQ(put.output, "OK\n");
  const ProgramRun get = run_loyal_client(cluster_file, {"--id", "2", "get", "color"});
  EXPECT_EQ(get.exit_code, 0) << get.output;
  EXPECT_EQ(get.output, "blue\n");
  const ProgramRun missing = run_loyal_client(cluster_file, {"--id", "2", "get", "shape"});
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_THAT(missing.output, HasSubstr("not found"));

  // The in-process client sees what the program wrote: one store behind both.
  auto read = client_->get("color");
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->value_or("<absent>"), "blue");

  // Every replica executed the writes, and the launcher observes the processes it owns.
  const std::set<ReplicaId> everyone = all_replicas_except(*cluster_, {});
  ASSERT_TRUE(wait_for_convergence(*cluster_, everyone, *client_).has_value()) << describe_cluster(*cluster_);
  for (ReplicaId r : everyone) {
    EXPECT_TRUE(cluster_->running(r));
    EXPECT_GT(cluster_->peak_rss_bytes(r).value_or(0), 0u) << "replica " << r;
  }
  EXPECT_TRUE(cluster_->stop().ok());
  for (ReplicaId r : everyone) EXPECT_FALSE(cluster_->running(r));
  EXPECT_GT(cluster_->peak_rss_bytes(0).value_or(0), 0u) << "kept after exit";
}

TEST_P(ClusterFaults, ProgressContinuesAfterABackupIsKilled) {
  write_keys("before", 5);
  const ReplicaId leader = agreed_leader(all_replicas_except(*cluster_, {}));
  const ReplicaId backup = (leader + 1) % cluster_->replica_count();
  ASSERT_TRUE(cluster_->kill(backup).ok());
  EXPECT_FALSE(cluster_->running(backup));
  write_keys("after", 10);
  expect_acknowledged_writes_readable();
  const auto others = all_replicas_except(*cluster_, {backup});
  EXPECT_EQ(wait_for_agreed_leader(*cluster_, others).value_or(backup), leader) << "no leader change was needed";
}

TEST_P(ClusterFaults, NewLeaderTakesOverAfterTheLeaderIsKilled) {
  write_keys("before", 5);
  const ReplicaId leader = agreed_leader(all_replicas_except(*cluster_, {}));
  const std::uint64_t epoch_before = cluster_->latest_status(leader)->epoch;
  ASSERT_TRUE(cluster_->kill(leader).ok());
  write_keys("after", 10);
  const auto survivors = all_replicas_except(*cluster_, {leader});
  const ReplicaId new_leader = agreed_leader(survivors);
  EXPECT_NE(new_leader, leader);
  EXPECT_GT(cluster_->latest_status(new_leader)->epoch, epoch_before);
  expect_acknowledged_writes_readable();
}

TEST_P(ClusterFaults, PausedLeaderIsReplacedAndCatchesUpAfterResuming) {
  write_keys("before", 5);
  const ReplicaId leader = agreed_leader(all_replicas_except(*cluster_, {}));
  ASSERT_TRUE(cluster_->pause(leader).ok());
  write_keys("while-paused", 10 + static_cast<int>(kTestCheckpointInterval));
  const auto others = all_replicas_except(*cluster_, {leader});
  EXPECT_NE(agreed_leader(others), leader);
  const std::uint64_t target = max_executed(*cluster_, others);
  ASSERT_TRUE(cluster_->resume(leader).ok());
  EXPECT_TRUE(wait_for_catch_up(*cluster_, leader, target, *client_))
      << "replica " << leader << " did not reach executed " << target << "\n" << describe_cluster(*cluster_);
  expect_acknowledged_writes_readable();
}

TEST_P(ClusterFaults, ReplicaRestartedOnAnEmptyDiskCatchesUpAndServes) {
  const ReplicaId leader = agreed_leader(all_replicas_except(*cluster_, {}));
  const ReplicaId wiped = (leader + 1) % cluster_->replica_count();
  ASSERT_TRUE(cluster_->kill(wiped).ok());
  // Far enough ahead that the log the restarted replica needs has been truncated at checkpoints.
  write_keys("while-down", 3 * static_cast<int>(kTestCheckpointInterval));
  const std::uint64_t target = max_executed(*cluster_, all_replicas_except(*cluster_, {wiped}));
  ASSERT_TRUE(cluster_->restart(wiped, /*wipe_data=*/true).ok());
  EXPECT_TRUE(wait_for_catch_up(*cluster_, wiped, target, *client_))
      << "replica " << wiped << " did not reach executed " << target << "\n" << describe_cluster(*cluster_);

  // With another non-leader down, every quorum needs the restarted replica.
  ReplicaId other = (wiped + 1) % cluster_->replica_count();
  if (other == leader) other = (other + 1) % cluster_->replica_count();
  ASSERT_TRUE(cluster_->kill(other).ok());
  write_keys("served", 5);
  expect_acknowledged_writes_readable();
}

TEST_P(ClusterFaults, EveryAcknowledgedWriteSurvivesARestartOfTheWholeCluster) {
  write_keys("durable", 2 * static_cast<int>(kTestCheckpointInterval) + 3);
  client_.reset();
  ASSERT_TRUE(cluster_->stop().ok()) << describe_cluster(*cluster_);
  for (ReplicaId r = 0; r < cluster_->replica_count(); ++r) {
    ASSERT_TRUE(cluster_->restart(r, /*wipe_data=*/false).ok()) << describe_cluster(*cluster_);
  }
  KvClient fresh(cluster_->cluster_file(), 3);
  expect_acknowledged_writes_readable(&fresh);
  client_ = std::make_unique<KvClient>(cluster_->cluster_file(), 4);
  write_keys("after-restart", 3);
  expect_acknowledged_writes_readable();
}

INSTANTIATE_TEST_SUITE_P(Protocols, ClusterFaults,
                         ::testing::Values(ProtocolMode::pbft, ProtocolMode::raft, ProtocolMode::paxos),
                         protocol_test_name);

}  // namespace
}  // namespace loyal::integration
