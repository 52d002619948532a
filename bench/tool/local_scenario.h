#pragma once
// `loyal-bench local`: for each protocol, launch a fresh cluster on loopback (fresh keys, data on
// tmpfs by default), drive the load, carry out the fault schedule against the replica processes,
// stop everything and return the measurements. The launcher is deploy/local (LocalCluster); this
// file decides what to launch and when to break what.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "bench/tool/bench_report.h"
#include "bench/tool/load_driver.h"
#include "bench/tool/load_generator.h"
#include "cluster/cluster_config.h"

namespace loyal::bench {

struct LocalScenario {
  std::uint32_t f = 1;
  std::optional<std::uint32_t> replicas;  // overrides the n that f implies
  std::vector<std::string> fault_texts;
  cluster::Parameters parameters;  // the cluster file's [parameters]: client_auth and --param overrides
  std::string sync = "batch";
  std::optional<std::uint32_t> verify_threads;  // the replicas' --verify-threads; none: their default
  std::string log_level = "info";
  std::uint32_t status_interval_ms = 100;  // replicas' status lines feed the timeline's view/leader
  std::filesystem::path data_root;         // one subdirectory per protocol run
  std::filesystem::path replica_binary;
  std::filesystem::path logs_out;  // each run's replica logs are copied to logs_out/<protocol>/
  LoadOptions load;    // cluster_file is set per run
  DriveOptions drive;
};

// Whether this build has the launcher; without it `local` explains and exits.
bool local_clusters_supported();

// Runs `protocol` (pbft, raft, paxos or unreplicated). A run that could not happen comes back with
// `error` set, so the other protocols of the invocation still run and the report says why.
ProtocolRun run_local_protocol(const std::string& protocol, const LocalScenario& scenario, std::ostream& progress);

}  // namespace loyal::bench
