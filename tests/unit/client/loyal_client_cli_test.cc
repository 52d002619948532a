// Runs the real loyal-client program (LOYAL_CLIENT_PROGRAM) against a cluster directory where no
// replica runs, and with bad arguments and bad files: what a user sees, including exit codes.

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "client/kv_command.h"
#include "cluster/keygen.h"
#include "temp_directory.h"

namespace loyal::client {
namespace {

namespace fs = std::filesystem;
using testing::TempDirectory;

struct ProgramRun {
  int exit_code = -1;
  std::string output;  // standard output and standard error together
};

// `arguments` are passed through the shell unquoted: tests use only plain words and paths without
// spaces (TempDir paths on CI have none).
ProgramRun run_client(const std::string& arguments) {
  const std::string command = std::string(LOYAL_CLIENT_PROGRAM) + " " + arguments + " 2>&1";
  ProgramRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "cannot run " << command;
    return run;
  }
  std::array<char, 4096> buffer{};
  std::size_t read = 0;
  while ((read = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) run.output.append(buffer.data(), read);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A cluster whose replicas would listen on ports nobody uses: base port from the process id, in a
// range away from the defaults other tests and demos use.
class ClientProgram : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster::KeygenOptions options;
    options.replica_count = 4;
    options.client_count = 2;
    options.base_port = 40'000 + static_cast<std::uint32_t>(::getpid() % 5'000) * 4;
    auto generated = cluster::generate_cluster(options);
    ASSERT_TRUE(generated.ok()) << generated.error().message;
    const Status written = cluster::write_cluster_directory(directory_.path(), *generated, crypto::Overwrite::refuse);
    ASSERT_TRUE(written.ok()) << written.error().message;
    base_port_ = options.base_port;
  }

  std::string cluster_file() const { return cluster::cluster_file_path(directory_.path()).string(); }

  TempDirectory directory_;
  std::uint32_t base_port_ = 0;
};

constexpr int exit_code(ExitCode code) { return static_cast<int>(code); }

TEST_F(ClientProgram, UnreachableClusterFailsWithNoReplyNamingTheReplicas) {
  const ProgramRun run = run_client("--cluster " + cluster_file() + " --id 1 --timeout-ms 300 put color blue");
  EXPECT_EQ(run.exit_code, exit_code(ExitCode::no_reply)) << run.output;
  EXPECT_TRUE(contains(run.output, "loyal-client: no reply from the cluster within 300 ms")) << run.output;
  EXPECT_TRUE(contains(run.output, "replica 0 at 127.0.0.1:" + std::to_string(base_port_))) << run.output;
}

TEST_F(ClientProgram, UnreachableClusterAfterTheRetryNamesEveryReplica) {
  // client_retry_ms defaults to 300: past it the request went to every replica.
  const ProgramRun run = run_client("--cluster " + cluster_file() + " --timeout-ms 1300 get color");
  EXPECT_EQ(run.exit_code, exit_code(ExitCode::no_reply)) << run.output;
  EXPECT_TRUE(contains(run.output, "replica 3 at 127.0.0.1:" + std::to_string(base_port_ + 3))) << run.output;
}

TEST_F(ClientProgram, BadArgumentsExitTwo) {
  for (const std::string& arguments : {std::string("--cluster ") + cluster_file(),              // no command
                                      "--cluster " + cluster_file() + " put onlykey",          // missing value
                                      "--cluster " + cluster_file() + " cas k old",            // missing new
                                      "--cluster " + cluster_file() + " --if-absent cas k v",  // flag misplaced
                                      "--cluster " + cluster_file() + " frobnicate k",         // unknown command
                                      "--cluster " + cluster_file() + " --timeout-ms 0 get k", // out of range
                                      std::string("get k")}) {                                 // no --cluster
    const ProgramRun run = run_client(arguments);
    EXPECT_EQ(run.exit_code, exit_code(ExitCode::bad_arguments)) << arguments << "\n" << run.output;
    EXPECT_FALSE(run.output.empty()) << arguments;
  }
}

TEST_F(ClientProgram, HelpExplainsTheCommandsAndExitsZero) {
  const ProgramRun run = run_client("--help");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  for (const char* part : {"put KEY VALUE", "get KEY", "del KEY", "cas KEY OLD NEW", "--cluster", "--timeout-ms",
                           "Exit codes"}) {
    EXPECT_TRUE(contains(run.output, part)) << "help lacks \"" << part << "\":\n" << run.output;
  }
}

TEST_F(ClientProgram, MalformedClusterFileIsReportedByName) {
  std::ofstream(cluster_file(), std::ios::trunc) << "protocol = \"pbft\"\nreplicas = 4x\n";
  const ProgramRun run = run_client("--cluster " + cluster_file() + " get k");
  EXPECT_EQ(run.exit_code, exit_code(ExitCode::bad_setup)) << run.output;
  EXPECT_TRUE(contains(run.output, "cluster.toml")) << run.output;
}

TEST_F(ClientProgram, MissingKeyIsReportedWithItsPath) {
  const fs::path key = cluster::key_file_path(directory_.path(), NodeId::client(0));
  fs::remove(key);
  const ProgramRun run = run_client("--cluster " + cluster_file() + " --id 0 get k");
  EXPECT_EQ(run.exit_code, exit_code(ExitCode::bad_setup)) << run.output;
  EXPECT_TRUE(contains(run.output, key.string())) << run.output;
}

TEST_F(ClientProgram, UnknownClientIdIsReported) {
  const ProgramRun run = run_client("--cluster " + cluster_file() + " --id 9 get k");
  EXPECT_EQ(run.exit_code, exit_code(ExitCode::bad_setup)) << run.output;
  EXPECT_TRUE(contains(run.output, "client 9 is not in")) << run.output;
}

}  // namespace
}  // namespace loyal::client
