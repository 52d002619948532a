#pragma once
// What one benchmark invocation measured, as plain values, and the writers that turn it into the
// files under --out (report.json, timeline.csv, chart.svg) and the terminal summary. Filled in by
// the scenario runners (run_scenario.h, local_scenario.h); the writers only format, so the tests
// check them on hand-made reports.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bench/tool/fault_schedule.h"
#include "bench/tool/latency_histogram.h"
#include "bench/tool/timeline.h"
#include "common/result.h"

namespace loyal::bench {

// The scenario as the user asked for it: the same for every protocol of one invocation.
struct ScenarioConfig {
  std::uint32_t replicas = 0;  // local: the --replicas override, 0 when n follows --f per protocol
  std::uint32_t f = 0;
  std::uint32_t clients = 0;
  double duration_s = 0;
  double warmup_s = 0;
  std::uint32_t payload_bytes = 0;
  std::uint32_t keys = 0;
  std::uint32_t put_percent = 0;  // the rest are gets
  std::optional<double> target_rate_ops_per_s;  // none: closed loop
  std::string client_auth;
  std::vector<std::string> parameters;  // --param overrides of the cluster file, as given
  std::string sync;
  std::optional<std::uint32_t> verify_threads;  // local: the replicas' --verify-threads
  std::string data_directory;  // where the replicas' journals lived
  std::string cluster_file;    // `run` mode
};

struct FaultOutcome {
  FaultSpec spec;
  std::optional<double> injected_s;  // none: from the start, or the injection failed
  RecoveryResult recovery;
  std::string note;  // empty, or why the injection failed or what the fault did not allow measuring
};

struct ProtocolRun {
  std::string protocol;     // pbft, raft, paxos, unreplicated
  std::string engine;       // the protocol the replicas ran (unreplicated runs on raft with n = 1)
  std::string error;        // empty when the run happened; else why it did not
  bool unsupported = false;  // with an error: this build cannot run it (not a failure of the run)
  std::uint32_t replicas = 0;
  LatencyHistogram latency;  // completed operations after the warm-up
  std::uint64_t completed_ops = 0;  // after the warm-up
  std::uint64_t failed_ops = 0;     // after the warm-up: timed out or refused
  double measured_s = 0;            // load time after the warm-up
  std::vector<TimelineSample> timeline;
  std::vector<FaultOutcome> faults;
  std::vector<std::optional<std::uint64_t>> peak_rss_bytes;  // [r]; none where unknown

  double throughput_ops_per_s() const {
    return measured_s > 0 ? static_cast<double>(completed_ops) / measured_s : 0.0;
  }
};

struct BenchReport {
  std::string command_line;
  std::string mode;  // local or run
  std::string started_at_utc;
  ScenarioConfig config;
  std::vector<ProtocolRun> runs;

  const ProtocolRun* unreplicated() const;
};

// The epoch's name in a protocol's own vocabulary: view, term, ballot.
std::string epoch_word(const std::string& protocol);

std::string report_json(const BenchReport& report);
// One row per protocol per timeline interval; kTimelineCsvHeader names the columns.
inline constexpr std::string_view kTimelineCsvHeader =
    "protocol,time_s,completed_ops,ops_per_s,failed_ops,p50_ms,p99_ms,epoch,leader";
std::string timeline_csv(const BenchReport& report);
std::string summary_table(const BenchReport& report);
std::string chart_svg(const BenchReport& report);

// Writes report.json, timeline.csv and chart.svg into `directory` (created if missing).
Status write_report_files(const std::filesystem::path& directory, const BenchReport& report);

}  // namespace loyal::bench
