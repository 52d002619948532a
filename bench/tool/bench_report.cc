#include "bench/tool/bench_report.h"

#include <cstdio>
#include <fstream>
#include <system_error>

#include "bench/tool/json_writer.h"

namespace loyal::bench {

namespace {

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

void write_latency(JsonWriter& json, const LatencyHistogram& latency) {
  json.begin_object()
      .key("p50").value(latency.percentile_ms(0.50))
      .key("p90").value(latency.percentile_ms(0.90))
      .key("p99").value(latency.percentile_ms(0.99))
      .key("p999").value(latency.percentile_ms(0.999))
      .key("mean").value(latency.mean_micros() / 1000.0)
      .key("max").value(static_cast<double>(latency.max_micros()) / 1000.0)
      .end_object();
}

void write_config(JsonWriter& json, const ScenarioConfig& config) {
  json.begin_object()
      .key("replicas").value(config.replicas)
      .key("f").value(config.f)
      .key("clients").value(config.clients)
      .key("duration_s").value(config.duration_s)
      .key("warmup_s").value(config.warmup_s)
      .key("payload_bytes").value(config.payload_bytes)
      .key("keys").value(config.keys)
      .key("mix").begin_object().key("put").value(config.put_percent).key("get").value(100 - config.put_percent).end_object()
      .key("target_rate_ops_per_s").value(config.target_rate_ops_per_s)
      .key("load").value(config.target_rate_ops_per_s ? "open loop" : "closed loop")
      .key("client_auth").value(config.client_auth)
      .key("parameters").begin_array();
  for (const std::string& parameter : config.parameters) json.value(parameter);
  json.end_array()
      .key("sync").value(config.sync)
      .key("verify_threads").value(config.verify_threads)
      .key("data_directory").value(config.data_directory)
      .key("cluster_file").value(config.cluster_file)
      .end_object();
}

void write_faults(JsonWriter& json, const ProtocolRun& run) {
  json.begin_array();
  for (const FaultOutcome& fault : run.faults) {
    json.begin_object()
        .key("spec").value(fault.spec.text)
        .key("kind").value(to_string(fault.spec.kind))
        .key("replica").value(fault.spec.replica)
        .key("time_s").value(fault.injected_s);
    if (fault.spec.kind == FaultKind::pause) json.key("pause_duration_s").value(fault.spec.pause_duration_s);
    if (fault.spec.kind == FaultKind::byzantine) json.key("byzantine_mode").value(fault.spec.byzantine_mode);
    json.key("pre_fault_ops_per_s").value(fault.recovery.pre_fault_ops_per_s)
        .key("time_to_recover_s").value(fault.recovery.time_to_recover_s)
        .key("note").value(fault.note)
        .end_object();
  }
  json.end_array();
}

void write_run(JsonWriter& json, const ProtocolRun& run, const ProtocolRun* unreplicated) {
  json.begin_object()
      .key("protocol").value(run.protocol)
      .key("engine").value(run.engine)
      .key("replicas").value(run.replicas);
  if (!run.error.empty()) {
    json.key("error").value(run.error).key("unsupported").value(run.unsupported).end_object();
    return;
  }
  json.key("throughput_ops_per_s").value(run.throughput_ops_per_s())
      .key("completed_ops").value(run.completed_ops)
      .key("failed_ops").value(run.failed_ops)
      .key("measured_s").value(run.measured_s)
      .key("latency_ms");
  write_latency(json, run.latency);
  if (unreplicated != nullptr && unreplicated != &run && unreplicated->throughput_ops_per_s() > 0) {
    json.key("ratio_to_unreplicated")
        .begin_object()
        .key("throughput").value(run.throughput_ops_per_s() / unreplicated->throughput_ops_per_s())
        .key("p50_latency").value(unreplicated->latency.percentile_ms(0.5) > 0
                                      ? run.latency.percentile_ms(0.5) / unreplicated->latency.percentile_ms(0.5)
                                      : 0.0)
        .end_object();
  }
  json.key("faults");
  write_faults(json, run);
  json.key("peak_rss_bytes").begin_array();
  for (const auto& rss : run.peak_rss_bytes) json.value(rss);
  json.end_array();
  json.end_object();
}

}  // namespace

const ProtocolRun* BenchReport::unreplicated() const {
  for (const ProtocolRun& run : runs) {
    if (run.protocol == "unreplicated" && run.error.empty()) return &run;
  }
  return nullptr;
}

std::string epoch_word(const std::string& protocol) {
  if (protocol == "pbft") return "view";
  if (protocol == "paxos") return "ballot";
  return "term";
}

std::string report_json(const BenchReport& report) {
  JsonWriter json;
  json.begin_object()
      .key("command_line").value(report.command_line)
      .key("mode").value(report.mode)
      .key("started_at_utc").value(report.started_at_utc)
      .key("config");
  write_config(json, report.config);
  json.key("recovery_definition")
      .value("time to recover = from the injection until throughput is back to >= " +
             fixed(kRecoveredFraction * 100, 0) + "% of the average over the " + fixed(kPreFaultBaselineSeconds, 0) +
             " s before it (warm-up excluded), sustained for " + fixed(kRecoverySustainSeconds, 1) +
             " s; null when it did not happen before the run ended");
  json.key("runs").begin_array();
  for (const ProtocolRun& run : report.runs) write_run(json, run, report.unreplicated());
  json.end_array().end_object();
  return json.text() + "\n";
}

std::string timeline_csv(const BenchReport& report) {
  std::string csv = std::string(kTimelineCsvHeader) + "\n";
  for (const ProtocolRun& run : report.runs) {
    for (const TimelineSample& sample : run.timeline) {
      csv += run.protocol + "," + fixed(sample.end_s, 1) + "," + std::to_string(sample.completed_ops) + "," +
             fixed(throughput_ops_per_s(sample), 0) + "," + std::to_string(sample.failed_ops) + "," +
             fixed(sample.p50_ms, 3) + "," + fixed(sample.p99_ms, 3) + "," +
             (sample.epoch ? std::to_string(*sample.epoch) : std::string()) + "," +
             (sample.leader ? std::to_string(*sample.leader) : std::string()) + "\n";
    }
  }
  return csv;
}

std::string summary_table(const BenchReport& report) {
  const ProtocolRun* base = report.unreplicated();
  std::string table;
  char line[256];
  std::snprintf(line, sizeof line, "%-13s %8s %12s %9s %9s %9s %9s %8s %10s\n", "protocol", "replicas", "ops/s",
                "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "failed", "vs unrepl");
  table += line;
  for (const ProtocolRun& run : report.runs) {
    if (!run.error.empty()) {
      table += run.protocol + ": not run: " + run.error + "\n";
      continue;
    }
    const std::string ratio =
        base != nullptr && base->throughput_ops_per_s() > 0
            ? fixed(run.throughput_ops_per_s() / base->throughput_ops_per_s(), 2) + "x"
            : std::string("-");
    std::snprintf(line, sizeof line, "%-13s %8u %12.0f %9.2f %9.2f %9.2f %9.2f %8llu %10s\n", run.protocol.c_str(),
                  run.replicas, run.throughput_ops_per_s(), run.latency.percentile_ms(0.5),
                  run.latency.percentile_ms(0.9), run.latency.percentile_ms(0.99), run.latency.percentile_ms(0.999),
                  static_cast<unsigned long long>(run.failed_ops), ratio.c_str());
    table += line;
  }
  for (const ProtocolRun& run : report.runs) {
    for (const FaultOutcome& fault : run.faults) {
      std::string recovered = "-";
      if (fault.injected_s) {
        recovered = fault.recovery.time_to_recover_s ? "recovered in " + fixed(*fault.recovery.time_to_recover_s, 1) + " s"
                                                     : std::string("not back to 90% before the run ended");
      }
      table += "  " + run.protocol + " fault " + fault.spec.text + ": " +
               (fault.injected_s ? "at " + fixed(*fault.injected_s, 1) + " s, " + recovered
                                 : std::string(fault.spec.from_start() ? "from the start" : "not injected")) +
               (fault.note.empty() ? "" : " (" + fault.note + ")") + "\n";
    }
  }
  return table;
}

Status write_report_files(const std::filesystem::path& directory, const BenchReport& report) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) return Error{"cannot create " + directory.string() + ": " + error.message()};
  const std::pair<const char*, std::string> files[] = {
      {"report.json", report_json(report)}, {"timeline.csv", timeline_csv(report)}, {"chart.svg", chart_svg(report)}};
  for (const auto& [name, contents] : files) {
    const std::filesystem::path path = directory / name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << contents;
    out.close();
    if (!out) return Error{"cannot write " + path.string()};
  }
  return {};
}

}  // namespace loyal::bench
