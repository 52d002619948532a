#pragma once
// What every integration test needs around a LocalCluster of real loyal-replica processes: a
// scratch directory, small timeouts so faults heal quickly, a key-value client with bounded
// retries, and waits on the replicas' status lines. Every wait is bounded and polls observable
// state (deploy/local/wait_until.h); nothing sleeps a fixed time and hopes.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "client/blocking_client.h"
#include "common/ids.h"
#include "common/result.h"
#include "deploy/local/local_cluster.h"

namespace loyal::integration {

// Bounds of the waits. Generous next to what the cluster needs (tens of milliseconds without
// faults, about a second across a view change or election) so that a loaded 2-core machine does
// not make the suite flaky; a healthy run never waits for them.
inline constexpr std::chrono::milliseconds kOperationDeadline{20'000};
inline constexpr std::chrono::milliseconds kClientAttemptTimeout{2'000};
inline constexpr std::chrono::milliseconds kConvergenceDeadline{20'000};

// A scratch directory under the system's temporary directory. Removed at the end unless the test
// failed, so that the logs of a failure stay for inspection (the path is printed).
class ScratchDirectory {
 public:
  ScratchDirectory();
  ~ScratchDirectory();
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Checkpoint interval of the test clusters: small, so that a few dozen operations cross several
// checkpoints and exercise log truncation and state transfer.
inline constexpr std::uint32_t kTestCheckpointInterval = 8;

// Timeouts of a few hundred milliseconds, a small checkpoint interval and window.
cluster::Parameters fast_parameters();

// n = 4 for pbft, 3 for raft and paxos.
std::uint32_t replicas_for(ProtocolMode protocol);

local::LocalClusterOptions test_cluster_options(ProtocolMode protocol, const std::filesystem::path& directory);

// The paths CMake passes in.
std::filesystem::path replica_binary();
std::filesystem::path client_binary();

// A key-value client in this process (the real client library over ZeroMQ).
class KvClient {
 public:
  // Precondition: the cluster file and the client's key exist (LocalCluster wrote them).
  KvClient(const std::filesystem::path& cluster_file, ClientId id);
  ~KvClient();
  KvClient(const KvClient&) = delete;
  KvClient& operator=(const KvClient&) = delete;

  // Retries (each retry a new request) until the store answers or `deadline` passes. Errors
  // carry the last attempt's message.
  Status put(const std::string& key, const std::string& value, std::chrono::milliseconds deadline = kOperationDeadline);
  // nullopt: the key is absent.
  Result<std::optional<std::string>> get(const std::string& key,
                                         std::chrono::milliseconds deadline = kOperationDeadline);

  // One attempt, no retry with a new request: an Error means the outcome is unknown (the
  // operation may still execute, once), which is what a history checker needs to know. `stop`
  // ends the wait early (thread-safe through wake()).
  Result<Bytes> execute_once(const Bytes& operation, std::chrono::milliseconds timeout, std::stop_token stop = {});
  // Thread-safe: makes an execute_once() in progress look at its stop token.
  void wake();

 private:
  Result<Bytes> execute(const Bytes& operation, std::chrono::milliseconds deadline);

  zmq::context_t context_;
  std::unique_ptr<client::BlockingClient> client_;
};

// A program's exit code and its output (standard output and error together).
struct ProgramRun {
  int exit_code = -1;
  std::string output;
};
// Runs `binary` with `arguments` (each quoted for the shell) and waits for it.
ProgramRun run_program(const std::filesystem::path& binary, const std::vector<std::string>& arguments);

// Runs loyal-client against `cluster_file` with `arguments` ("--id", "1", "put", "k", "v"),
// waiting up to kOperationDeadline for the cluster's answer.
ProgramRun run_loyal_client(const std::filesystem::path& cluster_file, const std::vector<std::string>& arguments);

// Replicas 0..n-1 except `excluded`.
std::set<ReplicaId> all_replicas_except(const local::LocalCluster& cluster, const std::set<ReplicaId>& excluded);

// The leader every replica in `replicas` reports, once they all report the same epoch and leader
// and that leader is one of them; nullopt if that does not happen within `timeout`.
std::optional<ReplicaId> wait_for_agreed_leader(const local::LocalCluster& cluster, const std::set<ReplicaId>& replicas,
                                                std::chrono::milliseconds timeout = kConvergenceDeadline);

// Largest executed sequence number any of `replicas` reports.
std::uint64_t max_executed(const local::LocalCluster& cluster, const std::set<ReplicaId>& replicas);

// Waits until every replica in `replicas` reports the same executed sequence number and stable
// checkpoint. A lagging replica catches up only when the cluster moves on (the next stable
// checkpoint tells it it is behind), so while they disagree this writes a filler key through
// `client` every so often. Returns the agreed status of the first replica, or nullopt.
std::optional<local::ReplicaStatus> wait_for_convergence(const local::LocalCluster& cluster,
                                                         const std::set<ReplicaId>& replicas, KvClient& client,
                                                         std::chrono::milliseconds timeout = kConvergenceDeadline);

// Waits until `replica` reports executed >= `target`, writing filler keys as above.
bool wait_for_catch_up(const local::LocalCluster& cluster, ReplicaId replica, std::uint64_t target, KvClient& client,
                       std::chrono::milliseconds timeout = kConvergenceDeadline);

// Every replica's latest status line and the end of its log, for failure messages.
std::string describe_cluster(const local::LocalCluster& cluster);

}  // namespace loyal::integration
