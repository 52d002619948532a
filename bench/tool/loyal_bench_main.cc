// loyal-bench: load, faults and a report. `local` launches a cluster per protocol on loopback and
// breaks replicas on schedule; `run` drives a cluster that is already running. The work is in
// load_generator.h / load_driver.h (load and timeline), local_scenario.h (cluster and faults) and
// bench_report.h (the files and the summary); this file turns flags into those.

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

#include <zmq.hpp>

#include "bench/tool/bench_options.h"
#include "bench/tool/bench_report.h"
#include "bench/tool/fault_schedule.h"
#include "bench/tool/load_driver.h"
#include "bench/tool/load_generator.h"
#include "bench/tool/local_scenario.h"
#include "cluster/cluster_loader.h"

namespace {

namespace fs = std::filesystem;
using namespace loyal;

int fail(const std::string& message) {
  std::cerr << "loyal-bench: " << message << "\n";
  return 1;
}

// The current UTC time, ISO 8601 ("2026-11-26T15:04:05Z") or compact for directory names.
std::string utc_now(bool compact) {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[64];
  if (compact) {
    std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &parts);
  } else {
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  }
  return text;
}

std::string quoted_command_line(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    const std::string word = argv[i];
    const bool plain = !word.empty() && word.find_first_of(" \t\"'\\$`") == std::string::npos;
    line += (i == 0 ? "" : " ") + (plain ? word : "'" + word + "'");
  }
  return line;
}

// Next to this program (build/bin/loyal-replica), else the PATH's.
fs::path default_replica_binary() {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (!error) {
    const fs::path sibling = self.parent_path() / "loyal-replica";
    if (fs::exists(sibling, error)) return sibling;
  }
  return "loyal-replica";
}

// The benchmark measures the protocols, not this machine's disk: journals go to tmpfs when there
// is one (a sync there costs microseconds instead of milliseconds).
fs::path default_data_root(const fs::path& out) {
  std::error_code error;
  if (fs::is_directory("/dev/shm", error)) {
    return fs::path("/dev/shm") / ("loyal-bench-" + std::to_string(::getpid()));
  }
  return out / "data";
}

struct CommonFlags {
  std::uint32_t clients = bench::kDefaultClients;
  double duration_s = bench::kDefaultDurationSeconds;
  double warmup_s = bench::kDefaultWarmupSeconds;
  std::uint32_t payload = bench::kDefaultPayloadBytes;
  std::uint32_t keys = 10'000;
  std::string mix = "put=80,get=20";
  double rate = 0;
  std::string out;
  std::uint32_t timeout_ms = 10'000;
  std::uint64_t seed = 1;
  bool quiet = false;
};

void add_common_flags(CLI::App& command, CommonFlags& flags) {
  command.add_option("--clients", flags.clients, "Closed-loop clients: each its own client id and connections, all driven by one load thread.")
      ->check(CLI::Range(1u, bench::kMaxLoadClients))
      ->capture_default_str();
  command.add_option("--duration", flags.duration_s, "Seconds of load per protocol, warm-up included.")
      ->check(CLI::Range(1.0, 3600.0))
      ->capture_default_str();
  command.add_option("--warmup", flags.warmup_s, "Seconds at the start excluded from the results (not the timeline).")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  command.add_option("--payload", flags.payload, "Bytes of each put's value.")
      ->check(CLI::Range(0u, bench::kMaxPayloadBytes))
      ->capture_default_str();
  command.add_option("--keys", flags.keys, "Key space: keys are drawn uniformly from this many.")
      ->check(CLI::Range(1u, bench::kMaxKeys))
      ->capture_default_str();
  command.add_option("--mix", flags.mix, "Operation mix, percentages: put=P,get=G.")->capture_default_str();
  command.add_option("--rate", flags.rate,
                     "Open loop: target operations per second over all clients (latency counted from the\n"
                     "scheduled send). 0: closed loop, each client sends when its previous reply came.")
      ->check(CLI::Range(0.0, 1e7))
      ->capture_default_str();
  command.add_option("--out", flags.out, "Directory for report.json, timeline.csv and chart.svg.\n"
                                         "Default: bench-results/<UTC timestamp>.")
      ->type_name("DIR");
  command.add_option("--timeout-ms", flags.timeout_ms, "An operation without an accepted reply this long fails.")
      ->check(CLI::Range(100u, 600'000u))
      ->capture_default_str();
  command.add_option("--seed", flags.seed, "Seed of the key and operation choices.")->capture_default_str();
  command.add_flag("--quiet", flags.quiet, "No live progress line.");
}

bench::ScenarioConfig scenario_config(const CommonFlags& flags, std::uint32_t put_percent) {
  bench::ScenarioConfig config;
  config.clients = flags.clients;
  config.duration_s = flags.duration_s;
  config.warmup_s = flags.warmup_s;
  config.payload_bytes = flags.payload;
  config.keys = flags.keys;
  config.put_percent = put_percent;
  if (flags.rate > 0) config.target_rate_ops_per_s = flags.rate;
  return config;
}

bench::LoadOptions load_options(const CommonFlags& flags, std::uint32_t put_percent) {
  bench::LoadOptions load;
  load.clients = flags.clients;
  load.payload_bytes = flags.payload;
  load.keys = flags.keys;
  load.put_percent = put_percent;
  if (flags.rate > 0) load.target_rate_ops_per_s = flags.rate;
  load.warmup_s = flags.warmup_s;
  load.operation_timeout = std::chrono::milliseconds(flags.timeout_ms);
  load.seed = flags.seed;
  return load;
}

int finish(bench::BenchReport& report, const fs::path& out) {
  std::cout << "\n" << bench::summary_table(report);
  if (Status written = bench::write_report_files(out, report); !written) return fail(written.error().message);
  std::cout << "report: " << (out / "report.json").string() << ", " << (out / "timeline.csv").string() << ", "
            << (out / "chart.svg").string() << "\n";
  for (const bench::ProtocolRun& run : report.runs) {
    if (!run.error.empty() && !run.unsupported) return 1;
  }
  return 0;
}

int run_against_cluster(const std::string& cluster_file, ClientId first_client, const CommonFlags& flags,
                        std::uint32_t put_percent, bench::BenchReport& report, const fs::path& out) {
  auto cluster = cluster::load_cluster_file(cluster_file);
  if (!cluster) return fail(cluster.error().message);
  report.config.cluster_file = cluster_file;
  report.config.replicas = cluster->replica_count();
  report.config.f = cluster->max_faulty();
  report.config.client_auth = std::string(to_string(cluster->parameters.client_auth));

  bench::LoadOptions load = load_options(flags, put_percent);
  load.cluster_file = cluster_file;
  load.first_client_id = first_client;
  zmq::context_t context;
  auto generator = bench::LoadGenerator::create(load, context);
  if (!generator) return fail(generator.error().message);

  bench::ProtocolRun run;
  run.protocol = std::string(to_string(cluster->protocol));
  run.engine = run.protocol;
  run.replicas = cluster->replica_count();
  run.peak_rss_bytes.assign(run.replicas, std::nullopt);
  bench::drive_load(**generator, bench::DriveOptions{flags.duration_s, flags.warmup_s, !flags.quiet}, {}, run,
                    std::cout);
  if (run.completed_ops == 0) {
    run.error = "no operation completed: " + (*generator)->first_failure();
  }
  report.runs.push_back(std::move(run));
  return finish(report, out);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Benchmarks a loyal cluster: closed- or open-loop key-value load, optional faults on a schedule,\n"
               "and a report (terminal summary, report.json, timeline.csv, chart.svg).",
               "loyal-bench"};
  app.require_subcommand(0, 1);

  CommonFlags flags;
  std::string protocols = std::string(bench::kDefaultProtocol);
  std::uint32_t f = bench::kDefaultF;
  std::uint32_t replicas = 0;
  std::vector<std::string> faults;
  bool no_faults = false;
  std::string client_auth = "signature";
  std::vector<std::string> parameter_texts;
  std::uint32_t verify_threads = 0;
  std::string sync = "batch";
  std::string data_dir;
  std::string replica_binary;
  std::string log_level = "info";
  CLI::App* local = app.add_subcommand(
      "local",
      "Launch a cluster per protocol on loopback (fresh keys), drive load, inject faults, report.\n"
      "With no flags: pbft, f = 1, 32 clients, 64-byte values, 20 s, faults crash:3@4, restart:3@8 and\n"
      "byzantine:0=silent@12 (a backup crashes and returns, then a silent primary forces a view change).");
  add_common_flags(*local, flags);
  local->add_option("--protocol", protocols,
                    "Comma-separated, run one after the other and compared: pbft, raft, paxos, unreplicated\n"
                    "(unreplicated = one replica, the baseline for the ratios).")
      ->capture_default_str();
  local->add_option("--f", f, "Faults tolerated: n = 3f+1 for pbft, 2f+1 for raft and paxos.")
      ->check(CLI::Range(1u, 42u))
      ->capture_default_str();
  local->add_option("--replicas", replicas, "n, overriding what --f implies.")->check(CLI::Range(1u, 128u));
  local->add_option("--fault", faults,
                    "A fault on schedule (repeatable; replaces the default schedule). T and D are seconds\n"
                    "since the load started, R a replica id:\n"
                    "  crash:R@T            kill -9\n"
                    "  restart:R@T          start again, data kept\n"
                    "  restart-wiped:R@T    start again with an empty data directory\n"
                    "  pause:R@T+D          SIGSTOP, SIGCONT D seconds later\n"
                    "  byzantine:R=MODE@T   restart with --byzantine MODE (pbft only)\n"
                    "  byzantine:R=MODE     Byzantine from the start\n"
                    "Network partitions are not offered: they need root to change the network.")
      ->type_name("SPEC");
  local->add_flag("--no-faults", no_faults, "No faults at all (the default schedule is dropped).");
  local->add_option("--client-auth", client_auth, "How clients authenticate requests: signature or mac.")
      ->check(CLI::IsMember({"signature", "mac"}))
      ->capture_default_str();
  local->add_option("--param", parameter_texts,
                    "NAME=VALUE: a numeric [parameters] key of the cluster file (repeatable), for example\n"
                    "batch_max_in_flight=2 or request_timeout_ms=1000 (cluster.toml describes every key).")
      ->type_name("NAME=VALUE");
  local->add_option("--verify-threads", verify_threads,
                    "The replicas' --verify-threads. 0: each replica runs on one thread, which is fastest when\n"
                    "all of them share this machine's cores; N: an I/O thread, N signature-checking threads\n"
                    "and the replica thread each.")
      ->check(CLI::Range(0u, 64u))
      ->capture_default_str();
  local->add_option("--sync", sync, "The replicas' journal sync policy: always, batch or none.")
      ->check(CLI::IsMember({"always", "batch", "none"}))
      ->capture_default_str();
  local->add_option("--data-dir", data_dir,
                    "Where the replicas' journals go. Default: /dev/shm/loyal-bench-<pid> (tmpfs, so the run\n"
                    "measures the protocols rather than the disk), else DIR/data under --out.")
      ->type_name("DIR");
  local->add_option("--replica-binary", replica_binary, "loyal-replica to launch. Default: next to loyal-bench.")
      ->type_name("FILE");
  local->add_option("--log-level", log_level, "The replicas' log level.")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();

  std::string cluster_file;
  std::uint32_t first_client = 0;
  CLI::App* run = app.add_subcommand("run", "Drive load against a running cluster (no faults) and report.");
  run->add_option("--cluster", cluster_file, "The cluster file, DIR/cluster.toml, with the clients' keys in DIR/keys.")
      ->required()
      ->type_name("FILE");
  run->add_option("--first-client", first_client, "Client ids used: this one and the next --clients - 1.")
      ->capture_default_str();
  add_common_flags(*run, flags);
  CLI11_PARSE(app, argc, argv);

  if (flags.warmup_s >= flags.duration_s) return fail("--warmup must be shorter than --duration");
  auto put_percent = bench::parse_mix(flags.mix);
  if (!put_percent) return fail(put_percent.error().message);
  const fs::path out = flags.out.empty() ? fs::path("bench-results") / utc_now(true) : fs::path(flags.out);

  bench::BenchReport report;
  report.command_line = quoted_command_line(argc, argv);
  report.started_at_utc = utc_now(false);
  report.config = scenario_config(flags, *put_percent);

  if (run->parsed()) {
    report.mode = "run";
    return run_against_cluster(cluster_file, first_client, flags, *put_percent, report, out);
  }

  // `local`, also when no subcommand was given.
  report.mode = "local";
  if (!bench::local_clusters_supported()) {
    return fail("`local` needs the local cluster launcher (deploy/local), which this build does not have; "
                "start a cluster yourself and use `loyal-bench run --cluster FILE`");
  }
  auto protocol_list = bench::parse_protocol_list(protocols);
  if (!protocol_list) return fail(protocol_list.error().message);
  // Every spec against every protocol's n before any cluster starts (unreplicated runs no faults).
  if (!no_faults) {
    for (const std::string& protocol : *protocol_list) {
      if (protocol == bench::kUnreplicated) continue;
      const std::uint32_t n = replicas > 0 ? replicas : bench::replicas_for(protocol, f);
      if (auto parsed = bench::parse_fault_schedule(faults, n); !parsed) {
        return fail(protocol + " with " + std::to_string(n) + " replicas: " + parsed.error().message);
      }
    }
  }
  bench::LocalScenario scenario;
  scenario.f = f;
  if (replicas > 0) scenario.replicas = replicas;
  scenario.fault_texts = no_faults ? std::vector<std::string>{} : faults.empty() ? bench::default_fault_schedule() : faults;
  scenario.parameters.client_auth = *cluster::parse_client_auth(client_auth);
  for (const std::string& text : parameter_texts) {
    if (Status applied = bench::apply_parameter(text, scenario.parameters); !applied) {
      return fail(applied.error().message);
    }
  }
  scenario.sync = sync;
  scenario.verify_threads = verify_threads;
  scenario.log_level = log_level;
  scenario.data_root = data_dir.empty() ? default_data_root(out) : fs::path(data_dir);
  scenario.replica_binary = replica_binary.empty() ? default_replica_binary() : fs::path(replica_binary);
  scenario.logs_out = out / "logs";
  scenario.load = load_options(flags, *put_percent);
  scenario.drive = bench::DriveOptions{flags.duration_s, flags.warmup_s, !flags.quiet};

  report.config.f = f;
  report.config.replicas = replicas;
  report.config.client_auth = client_auth;
  report.config.parameters = parameter_texts;
  report.config.sync = sync;
  report.config.verify_threads = verify_threads;
  report.config.data_directory = scenario.data_root.string();
  std::cout << "loyal-bench local: " << protocols << ", " << flags.clients << " clients, " << flags.duration_s
            << " s each; replica data in " << scenario.data_root.string()
            << (scenario.data_root.string().starts_with("/dev/shm") ? " (tmpfs)" : "") << "; results in "
            << out.string() << "\n";
  for (const std::string& protocol : *protocol_list) {
    report.runs.push_back(bench::run_local_protocol(protocol, scenario, std::cout));
    if (!report.runs.back().error.empty()) {
      std::cout << protocol << ": not run: " << report.runs.back().error << "\n";
    }
  }
  std::error_code ignored;
  if (data_dir.empty()) fs::remove_all(scenario.data_root, ignored);
  return finish(report, out);
}
