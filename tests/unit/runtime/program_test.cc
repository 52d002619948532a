// The real loyal-replica binary refuses bad input with a clear message and a non-zero exit code,
// before it opens any socket.

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/runtime/cluster_directory.h"

namespace loyal::runtime {
namespace {

using ::testing::HasSubstr;
using testing::ClusterDirectory;
using testing::pbft_cluster;

struct ProgramRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

ProgramRun run_replica(const std::string& arguments) {
  const std::string command = std::string(LOYAL_REPLICA_BINARY) + " " + arguments + " 2>&1";
  ProgramRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) run.output += buffer;
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

TEST(LoyalReplicaProgram, RefusesAMalformedClusterFile) {
  ClusterDirectory directory(pbft_cluster());
  const std::filesystem::path broken = directory.path() / "broken.toml";
  std::ofstream(broken) << "cluster_id = \"not a number\"\n[[replica]\n";
  const ProgramRun run = run_replica("--cluster " + broken.string() + " --id 0 --data-dir " +
                              (directory.path() / "data").string());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.output, HasSubstr("loyal-replica: "));
  EXPECT_THAT(run.output, HasSubstr("broken.toml"));
}

TEST(LoyalReplicaProgram, RefusesAMissingClusterFile) {
  const ProgramRun run = run_replica("--cluster /nonexistent/cluster.toml --id 0");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.output, HasSubstr("/nonexistent/cluster.toml"));
}

TEST(LoyalReplicaProgram, RefusesAnIdOutsideTheCluster) {
  ClusterDirectory directory(pbft_cluster());
  const ProgramRun run = run_replica("--cluster " + directory.cluster_file().string() + " --id 9 --data-dir " +
                              (directory.path() / "data").string());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.output, HasSubstr("replica id 9 is out of range: the cluster file has 4 replicas (ids 0 to 3)"));
  EXPECT_FALSE(std::filesystem::exists(directory.path() / "data")) << "nothing is created for a bad id";
}

TEST(LoyalReplicaProgram, RefusesByzantineModesForRaft) {
  ClusterDirectory directory(pbft_cluster());
  const ProgramRun run = run_replica("--cluster " + directory.cluster_file().string() +
                              " --id 1 --protocol raft --byzantine silent --data-dir " +
                              (directory.path() / "data").string());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.output, HasSubstr("--byzantine is for pbft only"));
}

TEST(LoyalReplicaProgram, RefusesAMissingKeyFile) {
  ClusterDirectory directory(pbft_cluster());
  std::filesystem::remove(directory.replica_key(2));
  const ProgramRun run = run_replica("--cluster " + directory.cluster_file().string() + " --id 2 --data-dir " +
                                     (directory.path() / "data").string());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.output, HasSubstr("replica-2.key: cannot read key file"));
  EXPECT_FALSE(std::filesystem::exists(directory.path() / "data")) << "the journal is opened only after the key";
}

// A TCP port on loopback held open for the test's duration.
class HeldPort {
 public:
  HeldPort() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(fd_, 1), 0);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length), 0);
    port_ = ntohs(address.sin_port);
  }
  ~HeldPort() { ::close(fd_); }
  std::uint16_t port() const { return port_; }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

TEST(LoyalReplicaProgram, RefusesAPortInUse) {
  HeldPort held;
  cluster::KeygenOptions options = pbft_cluster();
  options.base_port = held.port();  // replica 0 listens on base_port
  ClusterDirectory directory(options);
  const ProgramRun run = run_replica("--cluster " + directory.cluster_file().string() + " --id 0 --data-dir " +
                                     (directory.path() / "data").string());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.output, HasSubstr("Address already in use"));
}

// Starts the binary with its output on a pipe; reads it with a bounded wait.
class RunningReplica {
 public:
  explicit RunningReplica(const std::vector<std::string>& arguments) {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::dup2(fds[1], STDERR_FILENO);
      ::close(fds[0]);
      std::vector<char*> argv;
      std::string binary = LOYAL_REPLICA_BINARY;
      argv.push_back(binary.data());
      std::vector<std::string> copies = arguments;
      for (std::string& argument : copies) argv.push_back(argument.data());
      argv.push_back(nullptr);
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    output_fd_ = fds[0];
  }
  ~RunningReplica() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(output_fd_);
  }

  // Reads output until it contains `text` or `timeout` passes without it.
  bool wait_for_output(const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (output_.find(text) == std::string::npos) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd item{output_fd_, POLLIN, 0};
      if (::poll(&item, 1, static_cast<int>(left.count())) <= 0) return false;
      char buffer[4096];
      const ssize_t n = ::read(output_fd_, buffer, sizeof buffer);
      if (n <= 0) return false;
      output_.append(buffer, static_cast<std::size_t>(n));
    }
    return true;
  }
  int terminate_and_wait() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    exited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int output_fd_ = -1;
  bool exited_ = false;
  std::string output_;
};

TEST(LoyalReplicaProgram, StartsSaysWhatRunsWhereAndStopsCleanlyOnSigterm) {
  ClusterDirectory directory(pbft_cluster());
  const std::string data = (directory.path() / "data").string();
  for (int run = 0; run < 2; ++run) {  // the second start recovers the first one's journal
    RunningReplica replica({"--cluster", directory.cluster_file().string(), "--id", "3", "--listen", "127.0.0.1:0",
                            "--data-dir", data, "--status-interval-ms", "50"});
    ASSERT_TRUE(replica.wait_for_output("replica 3 runs pbft (n = 4, f = 1), listening on 127.0.0.1:",
                                        std::chrono::seconds(30)))
        << replica.output();
    EXPECT_THAT(replica.output(), HasSubstr("data dir " + data));
    EXPECT_THAT(replica.output(), HasSubstr("journal: recovered "));
    ASSERT_TRUE(replica.wait_for_output("replica 3 pbft: view 0, leader 0", std::chrono::seconds(30)))
        << replica.output();
    EXPECT_EQ(replica.terminate_and_wait(), 0);
    replica.wait_for_output("stopped; journal synced", std::chrono::seconds(30));
    EXPECT_THAT(replica.output(), HasSubstr("replica 3 stopped; journal synced"));
  }
}

TEST(LoyalReplicaProgram, HelpExplainsEveryFlag) {
  const ProgramRun run = run_replica("--help");
  EXPECT_EQ(run.exit_code, 0);
  for (const char* flag : {"--cluster", "--id", "--protocol", "--data-dir", "--byzantine", "--log-level",
                           "--status-interval-ms", "--verify-threads", "--sync", "--listen"}) {
    EXPECT_THAT(run.output, HasSubstr(flag));
  }
  EXPECT_THAT(run.output, HasSubstr("equivocate"));
}

}  // namespace
}  // namespace loyal::runtime
