// loyal-replica: runs one replica of a cluster. The work is in replica_setup.h (what a replica is
// made of) and replica_process.h (its threads); this file turns flags into those, opens the
// journal and the transport, prints what runs where, and waits for SIGTERM or SIGINT.

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <charconv>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "cluster/cluster_loader.h"
#include "cluster/keygen.h"
#include "net/zmq/zmq_transport.h"
#include "pbft/byzantine/byzantine_policy.h"
#include "replica/journal/file_journal.h"
#include "replica/journal/sync_policy.h"
#include "replica/runtime/logging.h"
#include "replica/runtime/replica_process.h"
#include "replica/runtime/replica_setup.h"
#include "replica/runtime/signals.h"

namespace {

namespace fs = std::filesystem;
using namespace loyal;

int fail(const std::string& message) {
  std::cerr << "loyal-replica: " << message << "\n";
  return 1;
}

// The mode names, wrapped like the rest of the help text.
std::string byzantine_help() {
  constexpr std::size_t kHelpLineChars = 90;
  std::string text = "Run as a Byzantine replica (pbft only), for tests and benchmarks. Modes:";
  std::size_t line_start = 0;
  const std::vector<std::string_view> names = pbft::byzantine_mode_names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (text.size() - line_start + names[i].size() + 2 > kHelpLineChars) {
      text += "\n";
      line_start = text.size();
    } else {
      text += " ";
    }
    text += std::string(names[i]) + (i + 1 < names.size() ? "," : ".");
  }
  return text + "\nSee pbft/byzantine/byzantine_policy.h for what each does.";
}

std::vector<std::string> log_levels() {
  std::vector<std::string> levels;
  for (std::string_view level : runtime::log_level_names()) levels.emplace_back(level);
  return levels;
}

// HOST:PORT, the port after the last colon (so IPv6 hosts in brackets keep theirs).
Result<net::PeerAddress> parse_listen(const std::string& text) {
  const std::size_t colon = text.rfind(':');
  const std::string usage = "--listen takes HOST:PORT (for example 0.0.0.0:7100), not `" + text + "`";
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return Error{usage};
  unsigned port = 0;
  const char* begin = text.data() + colon + 1;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(begin, end, port);
  if (error != std::errc() || stop != end || port > 65535) return Error{usage + ": the port must be 0 to 65535"};
  return net::PeerAddress{text.substr(0, colon), static_cast<std::uint16_t>(port)};
}

std::string address_text(const net::PeerAddress& address) { return address.host + ":" + std::to_string(address.port); }

}  // namespace

int main(int argc, char** argv) {
  std::string cluster_file;
  std::uint32_t id = 0;
  std::string protocol;
  std::string data_dir;
  std::string byzantine;
  std::string log_level = "info";
  std::uint32_t status_interval_ms = 1000;
  std::uint32_t verify_threads = 1;
  std::string sync = "batch";
  std::string listen;

  CLI::App app{"Runs one replica of a loyal cluster until SIGTERM or SIGINT (then it syncs its journal and exits 0).",
               "loyal-replica"};
  app.add_option("--cluster", cluster_file,
                 "The cluster file, DIR/cluster.toml, written by loyal-keygen. This replica's secret key is\n"
                 "read from DIR/keys/replica-<id>.key next to it (mode 0600).")
      ->required()
      ->type_name("FILE");
  app.add_option("--id", id, "This replica's id in the cluster file (0 to n-1).")->required();
  app.add_option("--protocol", protocol,
                 "Replication protocol: pbft, raft or paxos. Default: the cluster file's. Every replica of a\n"
                 "cluster must run the same one.")
      ->check(CLI::IsMember({"pbft", "raft", "paxos"}));
  app.add_option("--data-dir", data_dir,
                 "Directory of this replica's journal and snapshot (created if missing; one replica per\n"
                 "directory). Default: ./loyal-data/replica-<id>.")
      ->type_name("DIR");
  app.add_option("--byzantine", byzantine, byzantine_help())->type_name("MODE");
  app.add_option("--log-level", log_level, "Log verbosity: trace, debug, info, warn, error or off.")
      ->check(CLI::IsMember(log_levels()))
      ->capture_default_str();
  app.add_option("--status-interval-ms", status_interval_ms,
                 "Log a status line (view/term, leader, executed, checkpoint, requests/s, drops by reason)\n"
                 "this often; 0 turns it off.")
      ->capture_default_str();
  app.add_option("--verify-threads", verify_threads,
                 "Threads that check signatures of incoming messages (1 to " +
                     std::to_string(runtime::kMaxVerifyThreads) +
                     "), beside the I/O and replica threads.\n"
                     "0: one thread receives, checks, runs the protocol and sends, with no hand-offs: best\n"
                     "when replicas share a machine's cores.")
      ->check(CLI::Range(0u, runtime::kMaxVerifyThreads))
      ->capture_default_str();
  app.add_option("--sync", sync,
                 "When the journal forces writes to disk: always (every record), batch (once per step, the\n"
                 "default and what the protocols need) or none (never: benchmarks only, a machine crash\n"
                 "loses acknowledged state).")
      ->check(CLI::IsMember({"always", "batch", "none"}))
      ->capture_default_str();
  app.add_option("--listen", listen,
                 "Address to bind instead of the cluster file's, e.g. 0.0.0.0:7100 inside a container. Peers\n"
                 "still reach this replica at the cluster file's address.")
      ->type_name("HOST:PORT");
  CLI11_PARSE(app, argc, argv);

  // Before any thread exists, so that every thread inherits the mask and only sigwait() sees them.
  if (Status blocked = runtime::block_termination_signals(); !blocked) return fail(blocked.error().message);
  if (Status logging = runtime::setup_logging(log_level); !logging) return fail(logging.error().message);

  const fs::path cluster_path(cluster_file);
  auto cluster = cluster::load_cluster_file(cluster_path);
  if (!cluster) return fail(cluster.error().message);
  if (Status known = runtime::check_replica_id(*cluster, id); !known) return fail(known.error().message);

  runtime::SetupRequest request;
  request.self = id;
  if (!protocol.empty()) request.protocol = parse_protocol_mode(protocol);
  if (!byzantine.empty()) request.byzantine = byzantine;
  request.key_file = cluster::key_file_path(cluster_path.parent_path(), NodeId::replica(id));

  net::PeerAddress listen_address{cluster->replicas[id].host, cluster->replicas[id].port};
  if (!listen.empty()) {
    auto parsed = parse_listen(listen);
    if (!parsed) return fail(parsed.error().message);
    listen_address = *parsed;
  }

  // Every mistake in the cluster file, key or flags is reported before the journal is touched.
  auto setup = runtime::build_replica_setup(*cluster, request);
  if (!setup) return fail(setup.error().message);

  auto sync_policy = journal::parse_sync_policy(sync);
  if (!sync_policy) return fail(sync_policy.error().message);
  const fs::path data_path =
      data_dir.empty() ? fs::path("loyal-data") / ("replica-" + std::to_string(id)) : fs::path(data_dir);
  auto opened = journal::FileJournal::open(data_path, journal::JournalOptions{.sync_policy = *sync_policy});
  if (!opened) return fail(opened.error().message);

  if (Status core = (*setup)->build_protocol(opened->recovered.records); !core) return fail(core.error().message);

  zmq::context_t context;
  net::ZmqTransportOptions transport_options;
  transport_options.self = NodeId::replica(id);
  transport_options.listen = listen_address;
  for (const cluster::ReplicaInfo& replica : cluster->replicas) {
    transport_options.replicas.push_back(net::PeerAddress{replica.host, replica.port});
  }
  auto transport = net::ZmqTransport::create(context, transport_options);
  if (!transport) return fail(transport.error().message);

  runtime::ProcessOptions process_options;
  process_options.verify_threads = verify_threads;
  process_options.status_interval = std::chrono::milliseconds(status_interval_ms);
  const runtime::ReplicaSetup& ready = **setup;
  spdlog::info("replica {} runs {} (n = {}, f = {}{}), listening on {}, data dir {} (sync {}); journal: {}", id,
               to_string(ready.mode()), cluster->replica_count(), ready.max_faulty(),
               ready.byzantine_mode().empty() ? "" : ", Byzantine mode " + ready.byzantine_mode(),
               address_text({listen_address.host, (*transport)->bound_port()}), data_path.string(), sync,
               opened->report.describe());
  {
    runtime::ReplicaProcess process(**setup, **transport, *opened->journal, process_options,
                                    std::move(opened->recovered.snapshot));
    process.start();
    const int signal_number = runtime::wait_for_termination_signal();
    spdlog::info("replica {}: signal {} received, stopping", id, signal_number);
    process.stop();
  }
  spdlog::info("replica {} stopped; journal synced", id);
  return 0;
}
