// The launcher itself: what it refuses, what it reports when a replica cannot start, and that it
// never leaves a process behind (paused, killed or running) once stopped.

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cluster/keygen.h"
#include "tests/integration/cluster_fixture.h"

namespace loyal::integration {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// Processes whose command line mentions `text` (the replicas name their cluster file there).
int processes_mentioning(const std::string& text) {
  int count = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator("/proc")) {
    std::ifstream file(entry.path() / "cmdline", std::ios::binary);
    const std::string command_line((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (command_line.find(text) != std::string::npos) ++count;
  }
  return count;
}

TEST(LocalClusterStart, ReportsAReplicaThatExitsDuringStartUpAndLeavesNothingRunning) {
  ScratchDirectory scratch;
  local::LocalClusterOptions options = test_cluster_options(ProtocolMode::pbft, scratch.path());
  options.byzantine[3] = "no-such-mode";
  auto started = local::LocalCluster::start(options);
  ASSERT_FALSE(started.ok());
  EXPECT_THAT(started.error().message, HasSubstr("replica 3 exited during start-up (exit code 1)"));
  EXPECT_THAT(started.error().message, HasSubstr("no-such-mode"));
  EXPECT_EQ(processes_mentioning(options.directory.string()), 0) << "the replicas that did start were stopped";
}

TEST(LocalClusterStart, RefusesADirectoryThatHoldsACluster) {
  ScratchDirectory scratch;
  local::LocalClusterOptions options = test_cluster_options(ProtocolMode::pbft, scratch.path());
  fs::create_directories(options.directory);
  std::ofstream(cluster::cluster_file_path(options.directory)) << "";
  auto started = local::LocalCluster::start(options);
  ASSERT_FALSE(started.ok());
  EXPECT_THAT(started.error().message, HasSubstr("exists already"));
}

class LocalClusterStop : public ClusterFixture, public ::testing::Test {};

TEST_F(LocalClusterStop, EndsPausedAndRunningReplicasCleanlyAndKeepsKilledOnesDown) {
  start_cluster(test_cluster_options(ProtocolMode::pbft, scratch_.path()));
  if (HasFatalFailure()) return;
  ASSERT_TRUE(cluster_->pause(1).ok());
  ASSERT_TRUE(cluster_->kill(2).ok());
  EXPECT_FALSE(cluster_->kill(2).ok()) << "a replica that is down cannot be killed again";
  EXPECT_EQ(cluster_->exit(2)->describe(), "killed by signal " + std::to_string(SIGKILL));
  EXPECT_TRUE(cluster_->running(1)) << "a paused replica is still running";
  client_.reset();
  EXPECT_TRUE(cluster_->stop().ok()) << describe_cluster(*cluster_);
  for (ReplicaId r : {0u, 1u, 3u}) {
    EXPECT_FALSE(cluster_->running(r));
    EXPECT_EQ(cluster_->exit(r)->describe(), "exit code 0") << "replica " << r << " stopped on SIGTERM";
  }
  EXPECT_EQ(processes_mentioning(cluster_->cluster_file().string()), 0);
  EXPECT_FALSE(cluster_->kill(7).ok()) << "no replica 7";
}

}  // namespace
}  // namespace loyal::integration
