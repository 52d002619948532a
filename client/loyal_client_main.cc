// loyal-client: one key-value operation against a running cluster. The work is in the client
// library (client_setup.h, blocking_client.h) and kv_command.h; this file turns the command line
// into an operation and the outcome into text and an exit code.

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "apps/kv/kv_operations.h"
#include "client/blocking_client.h"
#include "client/client_setup.h"
#include "client/kv_command.h"
#include "client/zmq_connection.h"
#include "cluster/cluster_config.h"

namespace {

using loyal::client::ExitCode;

int exit_with(ExitCode code) { return static_cast<int>(code); }

int fail(ExitCode code, const std::string& message) {
  std::cerr << "loyal-client: " << message << "\n";
  return exit_with(code);
}

constexpr std::uint32_t kDefaultTimeoutMs = 5000;

}  // namespace

int main(int argc, char** argv) {
  std::string cluster_file;
  std::uint32_t client_id = 0;
  std::uint32_t timeout_ms = kDefaultTimeoutMs;
  std::string key_file;
  std::string protocol;
  std::string key;
  std::string value;
  std::vector<std::string> cas_arguments;
  bool cas_if_absent = false;

  CLI::App app{
      "Runs one operation on a loyal cluster's key-value store and prints the answer:\n"
      "  put KEY VALUE         prints OK\n"
      "  get KEY               prints the value, or \"not found\" (exit 1)\n"
      "  del KEY               prints OK, or \"not found\" (exit 1)\n"
      "  cas KEY OLD NEW       sets NEW if the value is OLD: prints OK, or\n"
      "                        \"cas failed: current value is ...\" (exit 1)\n"
      "  cas --if-absent KEY NEW   the same, expecting KEY not to exist\n"
      "The operation is accepted as the cluster's protocol requires (pbft: f+1 matching replies;\n"
      "raft and paxos: the leader's reply), and executed at most once even when retransmitted.",
      "loyal-client"};
  app.footer(
      "Exit codes: 0 done; 1 not found or cas failed; 2 bad arguments; 3 bad cluster or key file;\n"
      "4 no reply in time (cluster down or unreachable: the operation may still take effect);\n"
      "5 refused by the store (key or value too large, store full) or a malformed reply.\n"
      "Example: loyal-client --cluster cluster/cluster.toml --id 0 put color blue");
  app.add_option("--cluster", cluster_file,
                 "The cluster file written by loyal-keygen. The client's secret key is read from\n"
                 "keys/client-ID.key in the same directory unless --key says otherwise.")
      ->required()
      ->type_name("FILE");
  app.add_option("--id", client_id, "This client's id in the cluster file (each client has its own key).")
      ->capture_default_str();
  app.add_option("--key", key_file, "The client's secret key file (mode 0600).")->type_name("FILE");
  app.add_option("--protocol", protocol,
                 "pbft, raft or paxos: the protocol the replicas run (their --protocol). Default: the\n"
                 "cluster file's.")
      ->check(CLI::IsMember({"pbft", "raft", "paxos"}));
  app.add_option("--timeout-ms", timeout_ms,
                 "How long to wait for the cluster's answer, retransmitting to every replica meanwhile.")
      ->check(CLI::Range(1u, loyal::cluster::kMaxDurationMs))
      ->capture_default_str();
  app.require_subcommand(1);

  CLI::App* put = app.add_subcommand("put", "Set KEY to VALUE.");
  put->add_option("KEY", key, "The key (any bytes)")->required();
  put->add_option("VALUE", value, "The value (any bytes)")->required();
  CLI::App* get = app.add_subcommand("get", "Print KEY's value.");
  get->add_option("KEY", key, "The key")->required();
  CLI::App* del = app.add_subcommand("del", "Delete KEY.");
  del->add_option("KEY", key, "The key")->required();
  CLI::App* cas = app.add_subcommand("cas", "Compare and swap: set KEY to NEW only if its value is OLD.");
  cas->add_option("ARGS", cas_arguments, "KEY OLD NEW, or KEY NEW with --if-absent")->required()->expected(2, 3);
  cas->add_flag("--if-absent", cas_if_absent, "Expect KEY not to exist (create it only if absent).");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return exit_with(ExitCode::bad_arguments);
  }

  loyal::Bytes operation;
  if (put->parsed()) {
    operation = loyal::kv::encode_put(loyal::as_bytes(key), loyal::as_bytes(value));
  } else if (get->parsed()) {
    operation = loyal::kv::encode_get(loyal::as_bytes(key));
  } else if (del->parsed()) {
    operation = loyal::kv::encode_delete(loyal::as_bytes(key));
  } else {
    const std::size_t wanted = cas_if_absent ? 2 : 3;
    if (cas_arguments.size() != wanted) {
      return fail(ExitCode::bad_arguments, cas_if_absent ? "cas --if-absent takes KEY NEW" : "cas takes KEY OLD NEW");
    }
    const std::optional<loyal::ByteView> expected =
        cas_if_absent ? std::nullopt : std::optional<loyal::ByteView>(loyal::as_bytes(cas_arguments[1]));
    operation = loyal::kv::encode_compare_and_swap(loyal::as_bytes(cas_arguments[0]), expected,
                                                   loyal::as_bytes(cas_arguments.back()));
  }

  loyal::client::ClientSetupOptions setup_options{.id = client_id, .key_file = std::nullopt,
                                                  .first_request_number = std::nullopt, .protocol = std::nullopt};
  if (!key_file.empty()) setup_options.key_file = std::filesystem::path(key_file);
  if (!protocol.empty()) setup_options.protocol = loyal::parse_protocol_mode(protocol);
  auto setup = loyal::client::load_client_setup(cluster_file, setup_options);
  if (!setup) return fail(ExitCode::bad_setup, setup.error().message);

  // Declared before the client: the transport's sockets must close before their context.
  zmq::context_t context;
  auto transport = loyal::client::connect_to_cluster(context, *setup);
  if (!transport) return fail(ExitCode::bad_setup, transport.error().message);
  loyal::client::BlockingClient client(std::move(*setup), std::move(*transport));

  auto result = client.execute(std::move(operation), std::chrono::milliseconds(timeout_ms));
  if (!result) return fail(ExitCode::no_reply, result.error().message);
  const loyal::client::CommandOutcome outcome = loyal::client::describe_kv_result(*result);
  if (outcome.is_error) return fail(outcome.exit, outcome.text);
  std::cout << outcome.text << "\n";
  return exit_with(outcome.exit);
}
