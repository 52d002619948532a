// PBFT with one replica in each Byzantine mode (pbft/byzantine/byzantine_policy.h), started as a
// real process with --byzantine: the cluster keeps making progress, the correct replicas agree
// (same executed sequence number and stable checkpoint) and reads return what was written.

#include <algorithm>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pbft/byzantine/byzantine_policy.h"
#include "tests/integration/cluster_fixture.h"

namespace loyal::integration {
namespace {

// Modes that only matter in the primary's seat (a silent, slow or equivocating backup is a much
// weaker fault); every other mode runs on a backup, where its votes are the ones being attacked.
const std::set<std::string> kPrimaryModes = {"silent", "slow", "equivocate"};
constexpr ReplicaId kPrimaryOfViewZero = 0;
constexpr ReplicaId kFaultyBackup = 2;

std::vector<std::string> all_modes() {
  std::vector<std::string> modes;
  for (std::string_view mode : pbft::byzantine_mode_names()) modes.emplace_back(mode);
  return modes;
}

class ByzantineReplica : public ClusterFixture, public ::testing::TestWithParam<std::string> {};

TEST_P(ByzantineReplica, CorrectReplicasMakeProgressAndAgree) {
  const std::string mode = GetParam();
  const ReplicaId faulty = kPrimaryModes.contains(mode) ? kPrimaryOfViewZero : kFaultyBackup;
  local::LocalClusterOptions options = test_cluster_options(ProtocolMode::pbft, scratch_.path());
  options.byzantine[faulty] = mode;
  start_cluster(options);
  if (HasFatalFailure()) return;
  EXPECT_EQ(cluster_->byzantine_mode(faulty), mode);

  write_keys("byzantine", static_cast<int>(kTestCheckpointInterval) + 4);
  expect_acknowledged_writes_readable();

  const std::set<ReplicaId> correct = all_replicas_except(*cluster_, {faulty});
  const auto agreed = wait_for_convergence(*cluster_, correct, *client_);
  ASSERT_TRUE(agreed.has_value()) << "correct replicas did not converge\n" << describe_cluster(*cluster_);
  EXPECT_GE(agreed->executed, kTestCheckpointInterval);
  EXPECT_GE(agreed->stable_checkpoint, kTestCheckpointInterval) << "a checkpoint became stable despite the fault";
  EXPECT_TRUE(cluster_->running(faulty)) << "the faulty replica is still there, misbehaving";
}

// set_byzantine() and restart() switch a running replica's behaviour without losing its data:
// honest, then withholding its votes, then honest again and back in step with the others.
class ByzantineSwitch : public ClusterFixture, public ::testing::Test {};

TEST_F(ByzantineSwitch, ReplicaTurnsByzantineAndBackWhileTheClusterRuns) {
  start_cluster(test_cluster_options(ProtocolMode::pbft, scratch_.path()));
  if (HasFatalFailure()) return;
  write_keys("honest", 3);
  ASSERT_TRUE(cluster_->set_byzantine(kFaultyBackup, "withhold").ok()) << describe_cluster(*cluster_);
  EXPECT_EQ(cluster_->byzantine_mode(kFaultyBackup), "withhold");
  EXPECT_THAT(local::log_tail(cluster_->log_file(kFaultyBackup), 100), ::testing::HasSubstr("--byzantine withhold"));
  write_keys("withheld", 5);
  ASSERT_TRUE(cluster_->restart(kFaultyBackup, /*wipe_data=*/false, std::string()).ok()) << describe_cluster(*cluster_);
  EXPECT_EQ(cluster_->byzantine_mode(kFaultyBackup), "");
  write_keys("honest-again", 3);
  const auto agreed = wait_for_convergence(*cluster_, all_replicas_except(*cluster_, {}), *client_);
  EXPECT_TRUE(agreed.has_value()) << describe_cluster(*cluster_);
  expect_acknowledged_writes_readable();
}

// A new mode added to the policy list gets a test here automatically; this keeps the seat choice
// honest by checking that the primary-only modes still exist.
TEST(ByzantineModes, PrimaryModesAreKnownToTheReplica) {
  const std::vector<std::string> modes = all_modes();
  for (const std::string& mode : kPrimaryModes) {
    EXPECT_NE(std::find(modes.begin(), modes.end(), mode), modes.end()) << mode;
  }
}

std::string mode_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Pbft, ByzantineReplica, ::testing::ValuesIn(all_modes()), mode_name);

}  // namespace
}  // namespace loyal::integration
