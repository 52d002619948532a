// loyal-sim: runs the deterministic simulator for one seed or a range of seeds and prints one line
// per seed; on a violation, the property, seed, tick, details and the command that replays it,
// and exits 1. --report-cost prints what a fault-free run costs per request and per batch.

#include <CLI/CLI.hpp>

#include <charconv>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "pbft/byzantine/byzantine_policy.h"
#include "tests/sim/report.h"
#include "tests/sim/simulation.h"

namespace {

using loyal::sim::SimOptions;

constexpr int kExitViolation = 1;
constexpr int kExitUsage = 2;

struct SeedRange {
  std::uint64_t first = 1;
  std::uint64_t last = 1;
};

std::optional<std::uint64_t> parse_number(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// "A-B" with A <= B, or a single "A".
std::optional<SeedRange> parse_seed_range(std::string_view text) {
  const std::size_t dash = text.find('-');
  const auto first = parse_number(text.substr(0, dash));
  const auto last = dash == std::string_view::npos ? first : parse_number(text.substr(dash + 1));
  if (!first || !last || *first > *last) return std::nullopt;
  return SeedRange{*first, *last};
}

std::string byzantine_modes() {
  std::string list;
  for (std::string_view name : loyal::pbft::byzantine_mode_names()) {
    list += (list.empty() ? "" : ", ") + std::string(name);
  }
  return list;
}

int usage_error(const std::string& message) {
  std::cerr << "loyal-sim: " << message << "\n";
  return kExitUsage;
}

int report_cost(SimOptions options, const std::vector<std::uint32_t>& replica_counts) {
  options.faults = loyal::sim::FaultMode::none;
  options.byzantine = {};
  std::vector<loyal::sim::CostRow> rows;
  int status = 0;
  for (std::uint32_t n : replica_counts) {
    options.replicas = n;
    if (auto problem = loyal::sim::check_options(options)) return usage_error(*problem);
    loyal::sim::SimResult result = loyal::sim::run_simulation(options);
    if (!result.violations.empty()) {
      std::cout << loyal::sim::seed_line(result) << "\n" << loyal::sim::failure_report(options, result);
      status = kExitViolation;
    }
    rows.push_back({n, loyal::cluster::max_faulty(options.protocol, n), std::move(result)});
  }
  std::cout << loyal::sim::cost_table(options, rows);
  return status;
}

int run_seeds(SimOptions options, const SeedRange& seeds, bool verbose) {
  std::uint64_t failed = 0;
  std::uint64_t committed = 0;
  for (std::uint64_t seed = seeds.first;; ++seed) {
    options.seed = seed;
    const loyal::sim::SimResult result = loyal::sim::run_simulation(options, verbose ? &std::cout : nullptr);
    committed += result.committed_requests;
    std::cout << loyal::sim::seed_line(result) << "\n";
    if (!result.violations.empty()) {
      ++failed;
      std::cout << loyal::sim::failure_report(options, result);
    }
    std::cout.flush();
    if (seed == seeds.last) break;
  }
  if (seeds.first != seeds.last) {
    std::cout << "seeds " << seeds.first << "-" << seeds.last << ": " << (seeds.last - seeds.first + 1 - failed)
              << " passed, " << failed << " failed, " << committed << " requests committed in all\n";
  }
  return failed == 0 ? 0 : kExitViolation;
}

}  // namespace

int main(int argc, char** argv) {
  SimOptions options;
  std::string protocol = "pbft";
  std::string faults(loyal::sim::to_string(options.faults));
  std::string client_auth(loyal::cluster::to_string(options.client_auth));
  std::vector<std::uint32_t> replica_counts;
  std::string seeds_text;
  std::string byzantine_text;
  std::string large_values = "by-seed";
  bool report = false;
  bool verbose = false;

  CLI::App app{
      "The deterministic simulator: N replicas running the real pipeline and protocol core and M clients\n"
      "running random key-value operations, over a seeded simulated network, with crash and network\n"
      "faults and Byzantine replicas. Checkers run after every tick on the correct replicas: agreement,\n"
      "checkpoint digests, client operations against the committed log (at most once, real-time\n"
      "order), and progress. Replaying a seed prints the same output byte for byte.",
      "loyal-sim"};
  app.add_option("--protocol", protocol, "Replication protocol: pbft, raft or paxos (the same options and faults for each).")
      ->check(CLI::IsMember({"pbft", "raft", "paxos"}))
      ->capture_default_str();
  app.add_option("--replicas", replica_counts,
                 "Number of replicas n (pbft: n >= 4, tolerating f = (n-1)/3; raft, paxos: n >= 3,\n"
                 "tolerating f = (n-1)/2 crashes). With --report-cost, a\n"
                 "comma-separated list gives one table row each: --replicas 4,7,10,13. Default: the\n"
                 "smallest cluster tolerating one fault: " + std::to_string(options.replicas) +
                     " for pbft, " + std::to_string(loyal::cluster::kMinCrashTolerantReplicas) + " for raft and paxos.")
      ->delimiter(',');
  app.add_option("--clients", options.clients, "Number of closed-loop clients.")->capture_default_str();
  CLI::Option* seed_option =
      app.add_option("--seed", options.seed, "Run this one seed.")->capture_default_str();
  app.add_option("--seeds", seeds_text, "Run every seed of the range A-B, one line each.")
      ->type_name("A-B")
      ->excludes(seed_option);
  app.add_option("--ticks", options.ticks,
                 "Logical ticks per seed. The first " + std::to_string(loyal::sim::kSafetyPhasePercent) +
                     "% are the safety phase (faults on); in the rest\n(network healed, crashed replicas "
                     "stay crashed) some client operation must complete at\nleast every " +
                     std::to_string(loyal::sim::kProgressBoundTicks) + " ticks (the progress bound).")
      ->capture_default_str();
  app.add_option("--faults", faults,
                 "What is injected: none; network (loss on the links of the faulty replicas and of clients,\n"
                 "duplication, latency jitter and reordering, partitions and one-way link cuts); crash (up\n"
                 "to f replicas, each staying down or restarting from its journal or a wiped disk, some\n"
                 "during or right after a view change; the leader is not spared); all (network and crash).\n"
                 "Faults touch at most f replicas, chosen by the seed (fewer by the --byzantine ones).")
      ->check(CLI::IsMember({"none", "network", "crash", "all"}))
      ->capture_default_str();
  app.add_option("--byzantine", byzantine_text,
                 "Byzantine replicas, counted towards f with the victims of --faults (at most f faulty in\n"
                 "all; the checkers judge only the correct replicas). `random`: per seed, 1 to f replicas\n"
                 "with a mode each drawn from the seed, the primary of view 0 included (a view change must\n"
                 "replace it). Or REPLICA=MODE[,REPLICA=MODE...], such as 3=replay or 0=silent. pbft only:\n"
                 "raft and paxos tolerate crashes only. Modes:\n" + byzantine_modes() + ".")
      ->type_name("random|R=MODE,...");
  app.add_flag("--loss-on-every-link", options.loss_on_every_link,
               "Lose frames on every link, not only on links to or from the f faulty replicas and\n"
               "clients. More than f replicas may then fall behind at once (they catch up by state\n"
               "transfer), so the progress bound may be missed; see tests/sim/README.md.");
  app.add_flag("--real-crypto", options.real_crypto,
               "Sign with Ed25519 instead of the fast deterministic stand-in (much slower).");
  app.add_option("--client-auth", client_auth, "How clients authenticate requests: signature or mac.")
      ->check(CLI::IsMember({"signature", "mac"}))
      ->capture_default_str();
  app.add_option("--batch-size", options.batch_max_requests, "Most requests in one batch.")->capture_default_str();
  app.add_option("--large-values", large_values,
                 "Clients write values of 240 KiB to 960 KiB (an operation per 100 ticks each), so requests\n"
                 "and batches reach the largest size a cluster file allows (2 MiB): never, by-seed (one\n"
                 "seed in ten, drawn from the seed) or always. A seed's line says `large` when it did.")
      ->check(CLI::IsMember({"never", "by-seed", "always"}))
      ->capture_default_str();
  app.add_option("--checkpoint-interval", options.checkpoint_interval, "K: a checkpoint every K sequence numbers.")
      ->capture_default_str();
  app.add_option("--window", options.window, "L: sequence numbers in progress at once (a multiple of K, >= 2K).")
      ->capture_default_str();
  app.add_flag("--report-cost", report,
               "Run without faults and print messages and bytes per committed request and\n"
               "replica-to-replica messages per batch, one row per --replicas value.");
  app.add_flag("--verbose", verbose, "Print each seed's fault plan as it is applied and per-replica counters.");
  CLI11_PARSE(app, argc, argv);

  options.protocol = *loyal::parse_protocol_mode(protocol);
  options.faults = *loyal::sim::parse_fault_mode(faults);
  options.client_auth = *loyal::cluster::parse_client_auth(client_auth);
  options.large_values = large_values == "never"    ? loyal::sim::LargeValues::never
                         : large_values == "always" ? loyal::sim::LargeValues::always
                                                    : loyal::sim::LargeValues::by_seed;
  if (replica_counts.empty()) {
    replica_counts = {options.protocol == loyal::ProtocolMode::pbft ? options.replicas
                                                                    : loyal::cluster::kMinCrashTolerantReplicas};
  }
  {
    auto byzantine = loyal::sim::parse_byzantine_spec(byzantine_text);
    if (const auto* problem = std::get_if<std::string>(&byzantine)) return usage_error(*problem);
    options.byzantine = std::get<loyal::sim::ByzantineSpec>(byzantine);
  }
  options.replicas = replica_counts.front();

  if (report) return report_cost(options, replica_counts);
  if (replica_counts.size() != 1) return usage_error("several --replicas values are for --report-cost only");
  if (auto problem = loyal::sim::check_options(options)) return usage_error(*problem);
  SeedRange seeds{options.seed, options.seed};
  if (!seeds_text.empty()) {
    const auto range = parse_seed_range(seeds_text);
    if (!range) return usage_error("--seeds takes a range A-B with A <= B, such as 1-500");
    seeds = *range;
  }
  return run_seeds(options, seeds, verbose);
}
