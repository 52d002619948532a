// loyal-cluster as a user runs it: it starts a cluster, says how to reach it, serves loyal-client,
// shows status lines, and on Ctrl-C (SIGINT) stops every replica and exits 0.

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "deploy/local/child_process.h"
#include "deploy/local/wait_until.h"
#include "tests/integration/integration_support.h"

namespace loyal::integration {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr std::chrono::milliseconds kProgramDeadline{20'000};

std::string read_file(const fs::path& path) {
  std::ifstream file(path);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

TEST(LoyalClusterProgram, ServesClientsAndStopsEverythingOnCtrlC) {
  ScratchDirectory scratch;
  const fs::path output = scratch.path() / "loyal-cluster.out";
  const fs::path directory = scratch.path() / "demo";
  auto program = local::ChildProcess::spawn(
      {LOYAL_CLUSTER_BINARY,
       {"--protocol", "pbft", "--f", "1", "--dir", directory.string(), "--replica-binary", replica_binary().string(),
        "--byzantine", "3=withhold"},
       output});
  ASSERT_TRUE(program.ok()) << program.error().message;
  local::ChildProcess& cluster = **program;

  const auto shows_statuses = [&] { return read_file(output).find("replica 3 pbft: view") != std::string::npos; };
  ASSERT_TRUE(local::wait_until(shows_statuses, kProgramDeadline)) << read_file(output);
  const std::string banner = read_file(output);
  EXPECT_THAT(banner, HasSubstr("Cluster file: " + (directory / "cluster.toml").string()));
  EXPECT_THAT(banner, HasSubstr("loyal-client --cluster " + (directory / "cluster.toml").string() + " --id 0 put"));

  const std::string cluster_file = (directory / "cluster.toml").string();
  const ProgramRun put = run_loyal_client(cluster_file, {"put", "color", "blue"});
  EXPECT_EQ(put.exit_code, 0) << put.output;
  const ProgramRun get = run_loyal_client(cluster_file, {"get", "color"});
  EXPECT_EQ(get.output, "blue\n");

  ASSERT_TRUE(cluster.send_signal(SIGINT).ok());
  ASSERT_TRUE(cluster.wait_for_exit(kProgramDeadline)) << read_file(output);
  EXPECT_EQ(cluster.exit()->describe(), "exit code 0") << read_file(output);
  EXPECT_THAT(read_file(output), HasSubstr("Stopped."));
  for (int r = 0; r < 4; ++r) {
    const std::string log = read_file(directory / "logs" / ("replica-" + std::to_string(r) + ".log"));
    EXPECT_THAT(log, HasSubstr("replica " + std::to_string(r) + " stopped; journal synced")) << "replica " << r;
  }
}

TEST(LoyalClusterProgram, ExplainsItselfAndRefusesBadFlags) {
  const ProgramRun help = run_program(LOYAL_CLUSTER_BINARY, {"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.output, HasSubstr("--protocol"));
  EXPECT_THAT(help.output, HasSubstr("--byzantine"));
  ScratchDirectory scratch;
  const ProgramRun bad = run_program(LOYAL_CLUSTER_BINARY, {"--dir", scratch.path().string(), "--byzantine", "three"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.output, HasSubstr("--byzantine takes REPLICA=MODE"));
}

}  // namespace
}  // namespace loyal::integration
