#include "tests/sim/report.h"

#include <cstdio>
#include <sstream>

namespace loyal::sim {

namespace {

// Fixed two decimals, independent of the stream's locale and state.
std::string decimal(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

double per(std::uint64_t amount, std::uint64_t count) {
  return count == 0 ? 0.0 : static_cast<double>(amount) / static_cast<double>(count);
}

// PBFT's normal case per batch: n-1 PRE-PREPAREs, (n-1)^2 PREPAREs, n(n-1) COMMITs, and
// n(n-1) CHECKPOINTs every K batches.
double expected_per_batch(std::uint64_t n, std::uint32_t checkpoint_interval) {
  return static_cast<double>(2 * n * (n - 1)) + static_cast<double>(n * (n - 1)) / checkpoint_interval;
}

std::string padded(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
}

}  // namespace

std::string seed_line(const SimResult& result) {
  return "seed " + std::to_string(result.seed) + ": committed " + std::to_string(result.committed_requests) +
         " requests, " + std::to_string(result.checkpoints) + " checkpoints, " +
         std::to_string(result.network.messages_sent) + " messages, " + std::to_string(result.violations.size()) +
         " violations" + (result.byzantine.empty() ? "" : ", byzantine " + to_string(result.byzantine)) +
         (result.large_values ? ", large" : "");
}

std::string replay_command(const SimOptions& options) {
  const SimOptions defaults;
  std::string command = "loyal-sim --protocol " + std::string(to_string(options.protocol)) + " --replicas " +
                        std::to_string(options.replicas) + " --clients " + std::to_string(options.clients) +
                        " --seed " + std::to_string(options.seed) + " --ticks " + std::to_string(options.ticks) +
                        " --faults " + std::string(to_string(options.faults));
  if (!options.byzantine.empty()) command += " --byzantine " + to_string(options.byzantine);
  if (options.loss_on_every_link) command += " --loss-on-every-link";
  if (options.real_crypto) command += " --real-crypto";
  if (options.client_auth != defaults.client_auth) {
    command += " --client-auth " + std::string(cluster::to_string(options.client_auth));
  }
  if (options.batch_max_requests != defaults.batch_max_requests) {
    command += " --batch-size " + std::to_string(options.batch_max_requests);
  }
  if (options.checkpoint_interval != defaults.checkpoint_interval) {
    command += " --checkpoint-interval " + std::to_string(options.checkpoint_interval);
  }
  if (options.window != defaults.window) command += " --window " + std::to_string(options.window);
  // The program's default is by-seed, SimOptions' is never: named unless it is the program's.
  if (options.large_values == LargeValues::never) command += " --large-values never";
  if (options.large_values == LargeValues::always) command += " --large-values always";
  return command;
}

std::string failure_report(const SimOptions& options, const SimResult& result) {
  std::ostringstream out;
  for (const Violation& violation : result.violations) {
    out << "VIOLATION " << violation.property << ": seed " << result.seed << ", tick " << violation.tick << ": "
        << violation.details << "\n";
  }
  out << "replay: " << replay_command(options) << "\n";
  return out.str();
}

std::string cost_table(const SimOptions& options, const std::vector<CostRow>& rows) {
  std::ostringstream out;
  out << "cost of " << to_string(options.protocol) << " without faults: " << options.clients << " clients ("
      << cluster::to_string(options.client_auth) << "), " << options.ticks << " ticks, seed " << options.seed
      << ", batches of at most " << options.batch_max_requests << " requests, checkpoint every "
      << options.checkpoint_interval << "\n";
  const std::vector<std::pair<std::string, std::size_t>> columns = {
      {"n", 3},           {"f", 2},           {"requests", 9},        {"batches", 8},
      {"req/batch", 10},  {"msgs/req", 9},    {"bytes/req", 10},      {"replica msgs/batch", 19},
      {"per replica", 12}, {"expected", 9}};
  auto row_line = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) out << (i == 0 ? "" : " ") << padded(cells[i], columns[i].second);
    out << "\n";
  };
  std::vector<std::string> header;
  for (const auto& column : columns) header.push_back(column.first);
  row_line(header);
  for (const CostRow& row : rows) {
    const SimResult& r = row.result;
    const std::uint64_t n = row.replicas;
    const double replica_per_batch = per(r.network.replica_messages_sent, r.committed_batches);
    const std::vector<std::string> cells = {
        std::to_string(n),
        std::to_string(row.max_faulty),
        std::to_string(r.committed_requests),
        std::to_string(r.committed_batches),
        decimal(per(r.committed_requests, r.committed_batches)),
        decimal(per(r.network.messages_sent, r.committed_requests)),
        decimal(per(r.network.bytes_sent, r.committed_requests)),
        decimal(replica_per_batch),
        decimal(replica_per_batch / static_cast<double>(n)),
        decimal(expected_per_batch(n, options.checkpoint_interval))};
    row_line(cells);
  }
  out << "msgs/req and bytes/req count every frame sent (client requests, protocol messages, replies).\n"
         "replica msgs/batch counts replica-to-replica frames only; expected is PBFT's normal case, O(n^2):\n"
         "n-1 PRE-PREPAREs, (n-1)^2 PREPAREs and n(n-1) COMMITs per batch (2n(n-1)), plus n(n-1) CHECKPOINTs\n"
         "every K batches. The rest is vote retransmission.\n";
  return out.str();
}

}  // namespace loyal::sim
