#include "bench/tool/local_scenario.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <map>
#include <set>
#include <tuple>
#include <system_error>
#include <zmq.hpp>

#include "bench/tool/bench_options.h"
#include "cluster/cluster_config.h"
#include "deploy/local/local_cluster.h"

namespace loyal::bench {

namespace {

namespace fs = std::filesystem;

// Carries out the schedule against the cluster from the controlling thread: due faults when asked,
// and the SIGCONT that ends each pause.
class FaultInjector {
 public:
  FaultInjector(local::LocalCluster& cluster, LoadGenerator& load, std::vector<FaultOutcome>& outcomes)
      : cluster_(cluster), load_(load), outcomes_(outcomes) {}

  std::size_t inject_due(double now_s) {
    for (FaultOutcome& outcome : outcomes_) {
      if (outcome.spec.from_start() || done_.contains(&outcome) || *outcome.spec.time_s > now_s) continue;
      done_.insert(&outcome);
      if (!outcome.note.empty()) continue;  // refused before the run (for example byzantine on raft)
      const double at = load_.elapsed_s();
      const Status injected = inject(outcome.spec, at);
      if (injected) {
        outcome.injected_s = at;
        ++events_;
      } else {
        outcome.note = "injection failed: " + injected.error().message;
      }
    }
    for (auto resume = resumes_.begin(); resume != resumes_.end();) {
      if (resume->first > now_s) {
        ++resume;
        continue;
      }
      (void)cluster_.resume(resume->second);  // an Error means it died meanwhile: nothing to resume
      ++events_;
      resume = resumes_.erase(resume);
    }
    return events_;
  }

 private:
  Status inject(const FaultSpec& spec, double at_s) {
    switch (spec.kind) {
      case FaultKind::crash: return cluster_.kill(spec.replica);
      case FaultKind::restart: return cluster_.restart(spec.replica, false);
      case FaultKind::restart_wiped: return cluster_.restart(spec.replica, true);
      case FaultKind::pause: {
        Status paused = cluster_.pause(spec.replica);
        if (paused) resumes_.emplace(at_s + spec.pause_duration_s, spec.replica);
        return paused;
      }
      case FaultKind::byzantine: return cluster_.set_byzantine(spec.replica, spec.byzantine_mode);
    }
    return Error{"unknown fault kind"};
  }

  local::LocalCluster& cluster_;
  LoadGenerator& load_;
  std::vector<FaultOutcome>& outcomes_;
  std::set<const FaultOutcome*> done_;
  std::multimap<double, ReplicaId> resumes_;  // due time -> replica to SIGCONT
  std::size_t events_ = 0;
};

// The cluster's view of itself: the highest epoch any running replica reports, and the leader
// named by the most advanced replica in it (a silent or partitioned old leader still believes
// in its old epoch; the others have moved on).
void annotate_from_status(const local::LocalCluster& cluster, TimelineSample& sample) {
  std::optional<local::ReplicaStatus> best;
  for (ReplicaId r = 0; r < cluster.replica_count(); ++r) {
    if (!cluster.running(r)) continue;
    auto status = cluster.latest_status(r);
    if (!status) continue;
    if (!best || std::tie(status->epoch, status->executed) > std::tie(best->epoch, best->executed)) best = status;
  }
  if (!best) return;
  sample.epoch = best->epoch;
  sample.leader = best->leader;
}

// The load starts once the replicas report a leader, so that the first election (Raft and Paxos
// elect one after start-up) is not counted as the protocol's latency.
constexpr std::chrono::milliseconds kLeaderWaitTimeout{10'000};
constexpr std::chrono::milliseconds kLeaderPollInterval{50};

bool wait_for_leader(const local::LocalCluster& cluster) {
  const auto deadline = std::chrono::steady_clock::now() + kLeaderWaitTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    TimelineSample probe;
    annotate_from_status(cluster, probe);
    if (probe.leader) return true;
    std::this_thread::sleep_for(kLeaderPollInterval);
  }
  return false;
}

void copy_logs(const local::LocalCluster& cluster, const fs::path& destination) {
  std::error_code error;
  fs::create_directories(destination, error);
  for (ReplicaId r = 0; r < cluster.replica_count(); ++r) {
    fs::copy_file(cluster.log_file(r), destination / cluster.log_file(r).filename(),
                  fs::copy_options::overwrite_existing, error);
  }
}

}  // namespace

bool local_clusters_supported() { return true; }

ProtocolRun run_local_protocol(const std::string& protocol, const LocalScenario& scenario, std::ostream& progress) {
  ProtocolRun run;
  run.protocol = protocol;
  const bool unreplicated = protocol == kUnreplicated;
  // Raft accepts n = 1 as a core; the engine of the baseline is Raft with one replica.
  run.engine = unreplicated ? "raft" : protocol;
  run.replicas = unreplicated ? 1 : scenario.replicas.value_or(replicas_for(protocol, scenario.f));
  auto schedule = parse_fault_schedule(unreplicated ? std::vector<std::string>{} : scenario.fault_texts, run.replicas);
  if (!schedule) {
    run.error = schedule.error().message;
    return run;
  }
  local::LocalClusterOptions options;
  options.protocol = *parse_protocol_mode(run.engine);
  options.replicas = run.replicas;
  options.clients = scenario.load.clients;
  options.directory = scenario.data_root / protocol;
  options.replica_binary = scenario.replica_binary;
  options.parameters = scenario.parameters;
  options.sync = scenario.sync;
  options.verify_threads = scenario.verify_threads;
  options.log_level = scenario.log_level;
  options.status_interval_ms = scenario.status_interval_ms;
  for (const FaultSpec& spec : *schedule) {
    FaultOutcome outcome;
    outcome.spec = spec;
    if (spec.kind == FaultKind::byzantine && protocol != "pbft") {
      outcome.note = "not injected: Byzantine modes exist for pbft only";
    } else if (spec.kind == FaultKind::byzantine && spec.from_start()) {
      options.byzantine[spec.replica] = spec.byzantine_mode;
      outcome.note = "Byzantine from the start";
    }
    run.faults.push_back(std::move(outcome));
  }

  std::error_code ignored;
  fs::remove_all(options.directory, ignored);
  auto cluster = local::LocalCluster::start(options);
  if (!cluster) {
    run.error = cluster.error().message;
    return run;
  }

  if (!wait_for_leader(**cluster)) {
    progress << protocol << ": no replica reported a leader within " << kLeaderWaitTimeout.count()
             << " ms; starting the load anyway\n";
  }
  LoadOptions load_options = scenario.load;
  load_options.cluster_file = (*cluster)->cluster_file();
  zmq::context_t context;
  auto load = LoadGenerator::create(load_options, context);
  if (!load) {
    run.error = load.error().message;
    (void)(*cluster)->stop();
    return run;
  }
  FaultInjector injector(**cluster, **load, run.faults);
  DriveHooks hooks;
  hooks.annotate = [&](TimelineSample& sample) { annotate_from_status(**cluster, sample); };
  hooks.inject_due_faults = [&](double now_s) { return injector.inject_due(now_s); };
  drive_load(**load, scenario.drive, hooks, run, progress);
  if (run.completed_ops == 0) run.error = "no operation completed: " + (*load)->first_failure();
  // The clients go first: their sockets close before the replicas they point at stop.
  load->reset();

  // A replica that had to be killed at the end still ran the benchmark: its figures stand.
  (void)(*cluster)->stop();
  for (ReplicaId r = 0; r < run.replicas; ++r) run.peak_rss_bytes.push_back((*cluster)->peak_rss_bytes(r));
  for (FaultOutcome& outcome : run.faults) {
    if (outcome.injected_s) outcome.recovery = time_to_recover(run.timeline, *outcome.injected_s, scenario.drive.warmup_s);
  }
  if (!scenario.logs_out.empty()) copy_logs(**cluster, scenario.logs_out / protocol);
  return run;
}

}  // namespace loyal::bench
