#include "deploy/local/local_cluster.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <system_error>

#include "cluster/cluster_loader.h"
#include "cluster/keygen.h"
#include "common/assert.h"
#include "deploy/local/loopback_ports.h"
#include "deploy/local/wait_until.h"

namespace loyal::local {
namespace {

namespace fs = std::filesystem;

// What loyal-replica logs once its socket is bound (replica/runtime/loyal_replica_main.cc).
constexpr std::string_view kListeningText = ", listening on ";
// What a replica says when its port is taken (net/zmq/zmq_transport.h), and how often start()
// tries new ports then.
constexpr std::string_view kPortTakenText = "Address already in use";
constexpr std::uint32_t kStartAttempts = 3;
// Lines of a replica's log quoted in an error.
constexpr std::size_t kLogLinesInErrors = 15;

Status check_options(const LocalClusterOptions& options) {
  if (options.directory.empty()) return Error{"no cluster directory given"};
  if (options.replica_binary.empty()) return Error{"no loyal-replica binary given"};
  if (::access(options.replica_binary.c_str(), X_OK) != 0) {
    return Error{"the replica binary " + options.replica_binary.string() + " does not exist or is not executable"};
  }
  if (fs::exists(cluster::cluster_file_path(options.directory))) {
    return Error{cluster::cluster_file_path(options.directory).string() +
                 " exists already: give a new or empty directory (a local cluster always starts with fresh keys)"};
  }
  for (const auto& [replica, mode] : options.byzantine) {
    if (replica >= options.replicas) {
      return Error{"Byzantine replica " + std::to_string(replica) + " is not in the cluster (ids 0 to " +
                   std::to_string(options.replicas) + "-1)"};
    }
    if (options.protocol != ProtocolMode::pbft) {
      return Error{"Byzantine replicas are for pbft only: " + std::string(to_string(options.protocol)) +
                   " tolerates crashes, not Byzantine behaviour"};
    }
  }
  return {};
}

// Keys, free ports and the operator's parameters, written as loyal-keygen would, then read back
// through the one loader so that a bad parameter is reported exactly as loyal-replica would.
Result<cluster::ClusterConfig> write_cluster(const LocalClusterOptions& options, crypto::Overwrite overwrite) {
  cluster::KeygenOptions keygen;
  keygen.replica_count = options.replicas;
  keygen.client_count = options.clients;
  keygen.protocol = options.protocol;
  keygen.client_auth = options.parameters.client_auth;
  auto generated = cluster::generate_cluster(keygen);
  if (!generated) return generated.error();
  auto ports = find_free_loopback_ports(options.replicas);
  if (!ports) return ports.error();
  for (std::uint32_t r = 0; r < options.replicas; ++r) generated->config.replicas[r].port = (*ports)[r];
  generated->config.parameters = options.parameters;
  std::error_code error;
  fs::create_directories(options.directory, error);
  if (error) return Error{"cannot create " + options.directory.string() + ": " + error.message()};
  if (Status written = cluster::write_cluster_directory(options.directory, *generated, overwrite);
      !written) {
    return written.error();
  }
  return cluster::load_cluster_file(cluster::cluster_file_path(options.directory));
}

}  // namespace

Result<std::unique_ptr<LocalCluster>> LocalCluster::start(LocalClusterOptions options) {
  if (Status usable = check_options(options); !usable) return usable.error();
  for (std::uint32_t attempt = 1;; ++attempt) {
    // Later attempts replace the cluster the failed one wrote (same directory, new ports and keys).
    auto config = write_cluster(options, attempt == 1 ? crypto::Overwrite::refuse : crypto::Overwrite::allow);
    if (!config) return config.error();
    const fs::path cluster_file = cluster::cluster_file_path(options.directory);
    std::unique_ptr<LocalCluster> cluster(new LocalCluster(options, cluster_file, std::move(*config)));
    Status launched = cluster->launch_all();
    if (launched) return cluster;
    // Another program took a port between find_free_loopback_ports() and the replica's bind.
    const bool port_taken = launched.error().message.find(kPortTakenText) != std::string::npos;
    if (!port_taken || attempt == kStartAttempts) return launched.error();
    // The replicas that did start wrote journals for the abandoned cluster's keys.
    cluster.reset();
    std::error_code error;
    fs::remove_all(options.directory / "data", error);
    if (error) return Error{"cannot clear " + (options.directory / "data").string() + ": " + error.message()};
  }
}

Status LocalCluster::launch_all() {
  for (ReplicaId r = 0; r < replica_count(); ++r) {
    if (Status spawned = spawn(r); !spawned) return spawned;
  }
  for (ReplicaId r = 0; r < replica_count(); ++r) {
    if (Status listening = wait_until_listening(r); !listening) return listening;
  }
  return {};
}

LocalCluster::LocalCluster(LocalClusterOptions options, fs::path cluster_file, cluster::ClusterConfig config)
    : options_(std::move(options)),
      cluster_file_(std::move(cluster_file)),
      config_(std::move(config)),
      slots_(config_.replica_count()) {
  for (const auto& [replica, mode] : options_.byzantine) slots_[replica].byzantine_mode = mode;
  std::error_code ignored;
  fs::create_directories(options_.directory / "logs", ignored);
  fs::create_directories(options_.directory / "data", ignored);
}

LocalCluster::~LocalCluster() { static_cast<void>(stop()); }

Status LocalCluster::check_replica(ReplicaId r) const {
  if (r >= replica_count()) {
    return Error{"replica " + std::to_string(r) + " is not in the cluster (" + std::to_string(replica_count()) +
                 " replicas)"};
  }
  return {};
}

fs::path LocalCluster::log_file(ReplicaId r) const {
  return options_.directory / "logs" / ("replica-" + std::to_string(r) + ".log");
}

fs::path LocalCluster::data_directory(ReplicaId r) const {
  return options_.directory / "data" / ("replica-" + std::to_string(r));
}

std::vector<std::string> LocalCluster::replica_arguments(ReplicaId r) const {
  std::vector<std::string> arguments = {
      "--cluster", cluster_file_.string(),
      "--id", std::to_string(r),
      "--protocol", std::string(to_string(options_.protocol)),
      "--data-dir", data_directory(r).string(),
      "--sync", options_.sync,
      "--log-level", options_.log_level,
      "--status-interval-ms", std::to_string(options_.status_interval_ms)};
  if (options_.verify_threads) {
    arguments.push_back("--verify-threads");
    arguments.push_back(std::to_string(*options_.verify_threads));
  }
  if (!slots_[r].byzantine_mode.empty()) {
    arguments.push_back("--byzantine");
    arguments.push_back(slots_[r].byzantine_mode);
  }
  return arguments;
}

Status LocalCluster::spawn(ReplicaId r) {
  ReplicaSlot& slot = slots_[r];
  LOYAL_ASSERT(!slot.process || !slot.process->running(), "spawn() of a replica that runs");
  retire(slot);
  SpawnRequest request{options_.replica_binary, replica_arguments(r), log_file(r)};
  {
    std::ofstream log(request.log_file, std::ios::app);
    log << kStartMarker << " " << r << " (start " << ++slot.starts << "):";
    log << " " << request.binary.string();
    for (const std::string& argument : request.arguments) log << " " << argument;
    log << "\n";
    if (!log) return Error{"cannot write " + request.log_file.string()};
  }
  auto process = ChildProcess::spawn(request);
  if (!process) return process.error();
  slot.process = std::move(*process);
  return {};
}

Status LocalCluster::wait_until_listening(ReplicaId r) const {
  ReplicaSlot& slot = slots_[r];
  bool listening = false;
  const auto started_or_exited = [&] {
    if (!slot.process->running()) return true;
    listening =
        log_tail(log_file(r), std::numeric_limits<std::size_t>::max()).find(kListeningText) != std::string::npos;
    return listening;
  };
  wait_until(started_or_exited, kStartupTimeout);
  if (listening) return {};
  std::string what;
  if (slot.process->running()) {
    what = "did not start listening within " + std::to_string(kStartupTimeout.count()) + " ms";
    slot.process->kill_and_reap();
  } else {
    what = "exited during start-up (" + slot.process->exit()->describe() + ")";
  }
  return Error{"replica " + std::to_string(r) + " " + what + "; the end of " + log_file(r).string() + ":\n" +
               log_tail(log_file(r), kLogLinesInErrors)};
}

void LocalCluster::retire(ReplicaSlot& slot) const {
  if (!slot.process) return;
  LOYAL_ASSERT(!slot.process->running(), "retire() of a replica that runs");
  if (const auto peak = slot.process->peak_rss_bytes()) {
    slot.peak_rss_bytes = std::max(slot.peak_rss_bytes.value_or(0), *peak);
  }
  slot.last_exit = slot.process->exit();
  slot.process.reset();
}

bool LocalCluster::running(ReplicaId r) const {
  if (!check_replica(r)) return false;
  return slots_[r].process && slots_[r].process->running();
}

std::optional<ExitDescription> LocalCluster::exit(ReplicaId r) const {
  if (!check_replica(r)) return std::nullopt;
  const ReplicaSlot& slot = slots_[r];
  if (slot.process) return slot.process->exit();
  return slot.last_exit;
}

Status LocalCluster::kill(ReplicaId r) {
  if (Status known = check_replica(r); !known) return known;
  if (!running(r)) return Error{"replica " + std::to_string(r) + " is not running"};
  slots_[r].process->peak_rss_bytes();  // the last sample before the kernel forgets it
  slots_[r].process->kill_and_reap();
  return {};
}

Status LocalCluster::pause(ReplicaId r) {
  if (Status known = check_replica(r); !known) return known;
  if (!running(r)) return Error{"replica " + std::to_string(r) + " is not running"};
  return slots_[r].process->send_signal(SIGSTOP);
}

Status LocalCluster::resume(ReplicaId r) {
  if (Status known = check_replica(r); !known) return known;
  if (!running(r)) return Error{"replica " + std::to_string(r) + " is not running"};
  return slots_[r].process->send_signal(SIGCONT);
}

Status LocalCluster::restart(ReplicaId r, bool wipe_data, std::optional<std::string> byzantine) {
  if (Status known = check_replica(r); !known) return known;
  if (byzantine && !byzantine->empty() && options_.protocol != ProtocolMode::pbft) {
    return Error{"Byzantine replicas are for pbft only"};
  }
  ReplicaSlot& slot = slots_[r];
  if (running(r)) {
    static_cast<void>(slot.process->send_signal(SIGTERM));
    static_cast<void>(slot.process->send_signal(SIGCONT));
    if (!slot.process->wait_for_exit(kStopTimeout)) slot.process->kill_and_reap();
  }
  if (wipe_data) {
    std::error_code error;
    fs::remove_all(data_directory(r), error);
    if (error) return Error{"cannot wipe " + data_directory(r).string() + ": " + error.message()};
  }
  if (byzantine) slot.byzantine_mode = *byzantine;
  if (Status spawned = spawn(r); !spawned) return spawned;
  return wait_until_listening(r);
}

Status LocalCluster::set_byzantine(ReplicaId r, std::string mode) { return restart(r, false, std::move(mode)); }

Status LocalCluster::stop() {
  std::vector<bool> was_running(slots_.size(), false);
  for (std::size_t r = 0; r < slots_.size(); ++r) {
    ReplicaSlot& slot = slots_[r];
    if (!slot.process || !slot.process->running()) continue;
    was_running[r] = true;
    static_cast<void>(slot.process->send_signal(SIGTERM));
    static_cast<void>(slot.process->send_signal(SIGCONT));  // a stopped process acts on SIGTERM only once continued
  }
  const auto all_exited = [&] {
    for (ReplicaSlot& slot : slots_) {
      if (slot.process && slot.process->running()) return false;
    }
    return true;
  };
  wait_until(all_exited, kStopTimeout);
  std::string problems;
  for (ReplicaId r = 0; r < replica_count(); ++r) {
    ReplicaSlot& slot = slots_[r];
    if (!slot.process) continue;
    if (slot.process->running()) {
      slot.process->kill_and_reap();
      problems += " replica " + std::to_string(r) + " did not stop within " + std::to_string(kStopTimeout.count()) +
                  " ms and was killed;";
    } else if (was_running[r] && slot.process->exit()->wait_status != 0) {
      problems += " replica " + std::to_string(r) + " ended with " + slot.process->exit()->describe() + ";";
    }
    retire(slot);
  }
  if (!problems.empty()) problems.pop_back();
  if (!problems.empty()) return Error{"stopping the cluster:" + problems};
  return {};
}

std::optional<std::uint64_t> LocalCluster::peak_rss_bytes(ReplicaId r) const {
  if (!check_replica(r)) return std::nullopt;
  const ReplicaSlot& slot = slots_[r];
  std::optional<std::uint64_t> peak = slot.peak_rss_bytes;
  if (slot.process) {
    if (const auto current = slot.process->peak_rss_bytes()) peak = std::max(peak.value_or(0), *current);
  }
  return peak;
}

std::optional<ReplicaStatus> LocalCluster::latest_status(ReplicaId r) const {
  if (!check_replica(r)) return std::nullopt;
  return latest_status_in_log(log_file(r));
}

const std::string& LocalCluster::byzantine_mode(ReplicaId r) const {
  LOYAL_ASSERT(r < replica_count(), "byzantine_mode() of a replica outside the cluster");
  return slots_[r].byzantine_mode;
}

}  // namespace loyal::local
