#pragma once
// A whole cluster of loyal-replica processes on loopback: fresh keys, free ports, one process per
// replica with its own data directory and log file, and the faults a test or benchmark injects
// (kill -9, SIGSTOP/SIGCONT, restart with or without data, Byzantine modes). Used by
// tests/integration, loyal-bench and loyal-cluster.
//
// Directory layout (options.directory):
//   cluster.toml, keys/          what loyal-keygen writes (cluster/keygen.h)
//   data/replica-<id>/           each replica's journal and snapshot
//   logs/replica-<id>.log        each replica's output, every run appended after a start marker
//
// Ownership: a LocalCluster owns its processes. stop() (also run by the destructor) ends them all;
// each child also dies with the thread that started it (PR_SET_PDEATHSIG), so a crashed launcher
// leaves no replica behind. The directory is left in place for inspection; its owner removes it.
//
// Threading: one owning thread, which should be the one that lives longest (the main thread).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/cluster_config.h"
#include "common/ids.h"
#include "common/result.h"
#include "deploy/local/child_process.h"
#include "deploy/local/replica_status.h"

namespace loyal::local {

// How long start() and restart() wait for a replica to say it is listening, and stop() for a
// replica to exit after SIGTERM before it is killed.
inline constexpr std::chrono::milliseconds kStartupTimeout{15'000};
inline constexpr std::chrono::milliseconds kStopTimeout{10'000};

struct LocalClusterOptions {
  ProtocolMode protocol = ProtocolMode::pbft;
  std::uint32_t replicas = 4;          // n
  std::uint32_t clients = 64;          // client identities in the cluster file
  std::filesystem::path directory;     // must not hold a cluster.toml yet
  std::filesystem::path replica_binary;  // path of loyal-replica
  cluster::Parameters parameters;      // client_auth, batching, timeouts
  std::map<ReplicaId, std::string> byzantine;  // replica -> mode, pbft only
  std::string sync = "batch";          // journal sync policy: always, batch or none
  std::string log_level = "info";
  std::uint32_t status_interval_ms = 100;
  std::optional<std::uint32_t> verify_threads;  // loyal-replica --verify-threads; none: its default
};

class LocalCluster {
 public:
  // Generates the cluster directory (keys, cluster.toml with free loopback ports), starts every
  // replica and waits until each is listening (listening, not yet connected to its peers: callers
  // that need a cluster in step wait for it, e.g. one operation and matching status lines). A
  // port taken by another program in the meantime is retried with fresh ports. An Error in plain
  // words when the options or the directory are unusable or a replica exits during start-up
  // (with the end of its log); no process is left running then.
  static Result<std::unique_ptr<LocalCluster>> start(LocalClusterOptions options);

  ~LocalCluster();
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;

  const std::filesystem::path& cluster_file() const { return cluster_file_; }
  const cluster::ClusterConfig& config() const { return config_; }
  const LocalClusterOptions& options() const { return options_; }
  std::uint32_t replica_count() const { return config_.replica_count(); }

  // SIGKILL, then reaps: a crash. An Error when r is not running.
  Status kill(ReplicaId r);
  // SIGSTOP / SIGCONT: a replica that hangs and later continues where it was.
  Status pause(ReplicaId r);
  Status resume(ReplicaId r);
  // Starts r again on the same address. A running r is first stopped gracefully (SIGTERM; use
  // kill() first for a crash). `wipe_data` deletes its data directory first (a replaced disk).
  // `byzantine`: the mode of the new run ("" for an honest replica); none keeps the current one.
  // Waits until the new process is listening.
  Status restart(ReplicaId r, bool wipe_data, std::optional<std::string> byzantine = {});
  // Restarts r with --byzantine `mode`, keeping its data.
  Status set_byzantine(ReplicaId r, std::string mode);
  // SIGTERM to every running replica (and SIGCONT to paused ones, so they can act on it), waits up
  // to kStopTimeout, then SIGKILLs the stragglers. The cluster can be brought back with restart().
  // An Error names replicas that had to be killed or exited with a failure code.
  Status stop();

  // Alive and not reaped (a paused replica is running).
  bool running(ReplicaId r) const;
  // How r's last run ended; nullopt while running or before any run ended.
  std::optional<ExitDescription> exit(ReplicaId r) const;
  std::filesystem::path log_file(ReplicaId r) const;
  std::filesystem::path data_directory(ReplicaId r) const;
  // Peak resident set size over every run of r so far (kept after exit).
  std::optional<std::uint64_t> peak_rss_bytes(ReplicaId r) const;
  // r's latest status line since its last start, parsed.
  std::optional<ReplicaStatus> latest_status(ReplicaId r) const;
  // The Byzantine mode r currently runs ("" when honest).
  const std::string& byzantine_mode(ReplicaId r) const;

 private:
  struct ReplicaSlot {
    std::unique_ptr<ChildProcess> process;
    std::string byzantine_mode;
    std::uint32_t starts = 0;
    std::optional<std::uint64_t> peak_rss_bytes;  // of runs already ended
    std::optional<ExitDescription> last_exit;
  };

  LocalCluster(LocalClusterOptions options, std::filesystem::path cluster_file, cluster::ClusterConfig config);

  Status check_replica(ReplicaId r) const;
  // Spawns every replica and waits until each listens.
  Status launch_all();
  std::vector<std::string> replica_arguments(ReplicaId r) const;
  // Spawns r (which must not be running) after writing a start marker into its log.
  Status spawn(ReplicaId r);
  // Waits until r's current run has logged that it listens; an Error with its log if it exits.
  Status wait_until_listening(ReplicaId r) const;
  // Takes over what an ended run leaves behind (exit status, peak memory) and drops the process.
  void retire(ReplicaSlot& slot) const;

  LocalClusterOptions options_;
  std::filesystem::path cluster_file_;
  cluster::ClusterConfig config_;
  // Mutable: looking at a child reaps it once it has exited, which const observers must be able to do.
  mutable std::vector<ReplicaSlot> slots_;
};

}  // namespace loyal::local
