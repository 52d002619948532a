// loyal-cluster: a whole cluster on this machine, for trying loyal out. Generates keys, starts one
// loyal-replica per replica on free loopback ports, prints how to talk to it, shows each replica's
// status every second and stops everything on Ctrl-C. The work is in local_cluster.h.

#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "cluster/cluster_config.h"
#include "deploy/local/local_cluster.h"

namespace {

namespace fs = std::filesystem;
using namespace loyal;

int fail(const std::string& message) {
  std::cerr << "loyal-cluster: " << message << "\n";
  return 1;
}

// The directory this program lives in: loyal-replica and loyal-client are built next to it.
fs::path own_directory() {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  return error ? fs::current_path() : self.parent_path();
}

// R=MODE, e.g. 0=silent.
Result<std::map<ReplicaId, std::string>> parse_byzantine(const std::vector<std::string>& items) {
  std::map<ReplicaId, std::string> modes;
  for (const std::string& item : items) {
    const std::size_t equals = item.find('=');
    std::size_t digits = 0;
    unsigned long replica = 0;
    try {
      if (equals != std::string::npos) replica = std::stoul(item.substr(0, equals), &digits);
    } catch (const std::exception&) {
      digits = 0;
    }
    if (equals == std::string::npos || digits != equals || equals + 1 == item.size()) {
      return Error{"--byzantine takes REPLICA=MODE (for example 0=silent), not `" + item + "`"};
    }
    modes[static_cast<ReplicaId>(replica)] = item.substr(equals + 1);
  }
  return modes;
}

void print_statuses(const local::LocalCluster& cluster) {
  for (ReplicaId r = 0; r < cluster.replica_count(); ++r) {
    if (!cluster.running(r)) {
      const auto ended = cluster.exit(r);
      std::cout << "  replica " << r << ": not running (" << (ended ? ended->describe() : "never started")
                << "); see " << cluster.log_file(r).string() << "\n";
      continue;
    }
    const auto status = cluster.latest_status(r);
    std::cout << "  "
              << (status ? status->line.substr(status->line.find("replica "))
                         : "replica " + std::to_string(r) + ": starting")
              << "\n";
  }
  std::cout << std::flush;
}

}  // namespace

int main(int argc, char** argv) {
  std::string protocol = "pbft";
  std::uint32_t faults = 1;
  std::uint32_t replicas = 0;
  std::uint32_t clients = 8;
  std::string directory;
  std::vector<std::string> byzantine;
  std::string client_auth = "signature";
  std::string replica_binary = (own_directory() / "loyal-replica").string();
  std::string log_level = "info";

  CLI::App app{
      "Starts a loyal cluster on this machine (loopback only) and keeps it running until Ctrl-C.\n"
      "Generates fresh keys in DIR (cluster.toml, keys/), starts one loyal-replica per replica on free\n"
      "ports with its data in DIR/data/replica-ID and its log in DIR/logs/replica-ID.log, prints a\n"
      "loyal-client command to paste, and shows every replica's status line each second. Ctrl-C (or\n"
      "SIGTERM) stops every replica cleanly; DIR is kept.",
      "loyal-cluster"};
  app.footer("Example: loyal-cluster --protocol pbft --f 1 --dir /tmp/demo --byzantine 3=withhold");
  app.add_option("--protocol", protocol, "Replication protocol: pbft, raft or paxos.")
      ->check(CLI::IsMember({"pbft", "raft", "paxos"}))
      ->capture_default_str();
  auto* f_option = app.add_option("--f", faults,
                                  "Faults to tolerate: n = 3f+1 replicas for pbft, 2f+1 for raft and paxos.")
                       ->check(CLI::Range(1u, 42u))
                       ->capture_default_str();
  app.add_option("--replicas", replicas, "Number of replicas n, instead of --f.")
      ->check(CLI::Range(3u, cluster::kMaxReplicas))
      ->excludes(f_option);
  app.add_option("--clients", clients, "Client identities (keys) to generate.")
      ->check(CLI::Range(1u, cluster::kMaxClients))
      ->capture_default_str();
  app.add_option("--dir", directory, "Directory for the cluster; must not hold a cluster.toml yet.")
      ->required()
      ->type_name("DIR");
  app.add_option("--byzantine", byzantine,
                 "Run replica R in a Byzantine mode (pbft only), e.g. --byzantine 0=silent. Repeatable.\n"
                 "Modes: see `loyal-replica --help`.")
      ->type_name("R=MODE");
  app.add_option("--client-auth", client_auth,
                 "How replicas authenticate clients: signature (robust) or mac (faster; a faulty client\n"
                 "can force view changes).")
      ->check(CLI::IsMember({"signature", "mac"}))
      ->capture_default_str();
  app.add_option("--replica-binary", replica_binary, "The loyal-replica program to run.")
      ->type_name("FILE")
      ->capture_default_str();
  app.add_option("--log-level", log_level, "The replicas' log level: trace, debug, info, warn, error or off.")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  local::LocalClusterOptions options;
  options.protocol = *parse_protocol_mode(protocol);
  const std::uint32_t replicas_for_faults = options.protocol == ProtocolMode::pbft ? 3 * faults + 1 : 2 * faults + 1;
  options.replicas = replicas != 0 ? replicas : replicas_for_faults;
  options.clients = clients;
  options.directory = directory;
  options.replica_binary = replica_binary;
  options.parameters.client_auth = *cluster::parse_client_auth(client_auth);
  options.log_level = log_level;
  options.status_interval_ms = 1000;
  auto modes = parse_byzantine(byzantine);
  if (!modes) return fail(modes.error().message);
  options.byzantine = std::move(*modes);

  // Blocked before any replica starts, so that they come only to sigtimedwait() below; the
  // children start with an empty mask of their own.
  sigset_t termination;
  sigemptyset(&termination);
  sigaddset(&termination, SIGINT);
  sigaddset(&termination, SIGTERM);
  if (sigprocmask(SIG_BLOCK, &termination, nullptr) != 0) return fail("cannot block SIGINT and SIGTERM");

  auto started = local::LocalCluster::start(options);
  if (!started) return fail(started.error().message);
  local::LocalCluster& cluster = **started;

  const fs::path client_binary = fs::path(replica_binary).parent_path() / "loyal-client";
  std::cout << to_string(options.protocol) << " cluster of " << cluster.replica_count() << " replicas (tolerates f = "
            << cluster.config().max_faulty() << (options.protocol == ProtocolMode::pbft ? " Byzantine" : " crashed")
            << ") is running.\n"
            << "Cluster file: " << cluster.cluster_file().string() << "\n"
            << "Logs:         " << (fs::path(directory) / "logs").string() << "\n"
            << "Try:\n  " << client_binary.string() << " --cluster " << cluster.cluster_file().string()
            << " --id 0 put color blue\n  " << client_binary.string() << " --cluster "
            << cluster.cluster_file().string() << " --id 0 get color\n"
            << "Ctrl-C stops the cluster.\n"
            << std::flush;

  const timespec one_second{1, 0};
  int signal_number = -1;
  while (signal_number < 0) {
    signal_number = sigtimedwait(&termination, nullptr, &one_second);
    if (signal_number < 0 && errno != EAGAIN && errno != EINTR) return fail("waiting for signals failed");
    if (signal_number < 0) print_statuses(cluster);
  }
  std::cout << "Signal " << signal_number << " received; stopping the replicas." << std::endl;
  if (Status stopped = cluster.stop(); !stopped) return fail(stopped.error().message);
  std::cout << "Stopped. The cluster directory " << directory << " is kept." << std::endl;
  return 0;
}
