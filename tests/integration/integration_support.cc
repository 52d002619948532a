#include "tests/integration/integration_support.h"

#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <variant>

#include <gtest/gtest.h>

#include "apps/kv/kv_operations.h"
#include "client/client_setup.h"
#include "client/zmq_connection.h"
#include "deploy/local/wait_until.h"

namespace loyal::integration {
namespace {

namespace fs = std::filesystem;

// How long wait_for_convergence() lets the replicas settle before it writes another filler key.
constexpr std::chrono::milliseconds kSettleInterval{300};
constexpr std::chrono::milliseconds kFillerDeadline{3'000};

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

void write_filler(KvClient& client) {
  static std::uint64_t next_filler = 0;
  static_cast<void>(client.put("filler-" + std::to_string(next_filler++), "x", kFillerDeadline));
}

}  // namespace

ScratchDirectory::ScratchDirectory() {
  std::string pattern = (fs::temp_directory_path() / "loyal-integration-XXXXXX").string();
  const char* made = ::mkdtemp(pattern.data());
  EXPECT_NE(made, nullptr) << "cannot create a scratch directory";
  path_ = pattern;
}

ScratchDirectory::~ScratchDirectory() {
  if (::testing::Test::HasFailure()) {
    std::fprintf(stderr, "integration test failed: its cluster directory and logs are kept in %s\n", path_.c_str());
    return;
  }
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

cluster::Parameters fast_parameters() {
  cluster::Parameters parameters;
  parameters.checkpoint_interval = kTestCheckpointInterval;
  parameters.window = 4 * kTestCheckpointInterval;
  parameters.request_timeout_ms = 300;
  parameters.view_change_timeout_ms = 600;
  parameters.election_timeout_min_ms = 150;
  parameters.election_timeout_max_ms = 300;
  parameters.heartbeat_ms = 30;
  parameters.client_retry_ms = 200;
  return parameters;
}

std::uint32_t replicas_for(ProtocolMode protocol) { return protocol == ProtocolMode::pbft ? 4 : 3; }

local::LocalClusterOptions test_cluster_options(ProtocolMode protocol, const fs::path& directory) {
  local::LocalClusterOptions options;
  options.protocol = protocol;
  options.replicas = replicas_for(protocol);
  options.clients = 8;
  options.directory = directory / "cluster";
  options.replica_binary = replica_binary();
  options.parameters = fast_parameters();
  options.status_interval_ms = 50;
  return options;
}

fs::path replica_binary() { return LOYAL_REPLICA_BINARY; }
fs::path client_binary() { return LOYAL_CLIENT_BINARY; }

KvClient::KvClient(const fs::path& cluster_file, ClientId id) {
  client::ClientSetupOptions options;
  options.id = id;
  auto setup = client::load_client_setup(cluster_file, options);
  if (!setup) {
    ADD_FAILURE() << setup.error().message;
    return;
  }
  auto transport = client::connect_to_cluster(context_, *setup);
  if (!transport) {
    ADD_FAILURE() << transport.error().message;
    return;
  }
  client_ = std::make_unique<client::BlockingClient>(std::move(*setup), std::move(*transport));
}

// The client (and its sockets) must go before the context.
KvClient::~KvClient() { client_.reset(); }

Result<Bytes> KvClient::execute(const Bytes& operation, std::chrono::milliseconds deadline) {
  if (!client_) return Error{"the client could not be set up"};
  const auto give_up = std::chrono::steady_clock::now() + deadline;
  std::string last_error = "no attempt made";
  while (std::chrono::steady_clock::now() < give_up) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(give_up - std::chrono::steady_clock::now());
    auto result = client_->execute(operation, std::min(left, kClientAttemptTimeout));
    if (result) return result;
    last_error = result.error().message;
  }
  return Error{"no answer within " + std::to_string(deadline.count()) + " ms: " + last_error};
}

Result<Bytes> KvClient::execute_once(const Bytes& operation, std::chrono::milliseconds timeout, std::stop_token stop) {
  if (!client_) return Error{"the client could not be set up"};
  return client_->execute(operation, timeout, std::move(stop));
}

void KvClient::wake() {
  if (client_) client_->wake();
}

Status KvClient::put(const std::string& key, const std::string& value, std::chrono::milliseconds deadline) {
  auto reply = execute(kv::encode_put(as_bytes(key), as_bytes(value)), deadline);
  if (!reply) return reply.error();
  const auto decoded = kv::decode_result(*reply);
  const auto* result = std::get_if<kv::OperationResult>(&decoded);
  if (result == nullptr || !std::holds_alternative<kv::Ok>(*result))
    return Error{"put " + key + " was not answered OK"};
  return {};
}

Result<std::optional<std::string>> KvClient::get(const std::string& key, std::chrono::milliseconds deadline) {
  auto reply = execute(kv::encode_get(as_bytes(key)), deadline);
  if (!reply) return reply.error();
  const auto decoded = kv::decode_result(*reply);
  const auto* result = std::get_if<kv::OperationResult>(&decoded);
  if (result == nullptr) return Error{"get " + key + ": malformed result"};
  if (std::holds_alternative<kv::NotFound>(*result)) return std::optional<std::string>();
  if (const auto* value = std::get_if<kv::Value>(result)) {
    return std::optional<std::string>(std::string(as_chars(value->value)));
  }
  return Error{"get " + key + ": unexpected result"};
}

ProgramRun run_program(const fs::path& binary, const std::vector<std::string>& arguments) {
  std::string command = shell_quote(binary.string());
  for (const std::string& argument : arguments) command += " " + shell_quote(argument);
  command += " 2>&1";
  ProgramRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) run.output += buffer;
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

ProgramRun run_loyal_client(const fs::path& cluster_file, const std::vector<std::string>& arguments) {
  std::vector<std::string> all = {"--cluster", cluster_file.string(), "--timeout-ms",
                                  std::to_string(kOperationDeadline.count())};
  all.insert(all.end(), arguments.begin(), arguments.end());
  return run_program(client_binary(), all);
}

std::set<ReplicaId> all_replicas_except(const local::LocalCluster& cluster, const std::set<ReplicaId>& excluded) {
  std::set<ReplicaId> replicas;
  for (ReplicaId r = 0; r < cluster.replica_count(); ++r) {
    if (!excluded.contains(r)) replicas.insert(r);
  }
  return replicas;
}

std::optional<ReplicaId> wait_for_agreed_leader(const local::LocalCluster& cluster, const std::set<ReplicaId>& replicas,
                                                std::chrono::milliseconds timeout) {
  std::optional<ReplicaId> agreed;
  const auto agree = [&] {
    std::optional<std::pair<std::uint64_t, std::optional<ReplicaId>>> seen;
    for (ReplicaId r : replicas) {
      const auto status = cluster.latest_status(r);
      if (!status || !status->leader) return false;
      const std::pair<std::uint64_t, std::optional<ReplicaId>> view{status->epoch, status->leader};
      if (seen && *seen != view) return false;
      seen = view;
    }
    if (!seen || !replicas.contains(*seen->second)) return false;
    agreed = seen->second;
    return true;
  };
  if (!local::wait_until(agree, timeout)) return std::nullopt;
  return agreed;
}

std::uint64_t max_executed(const local::LocalCluster& cluster, const std::set<ReplicaId>& replicas) {
  std::uint64_t most = 0;
  for (ReplicaId r : replicas) {
    if (const auto status = cluster.latest_status(r)) most = std::max(most, status->executed);
  }
  return most;
}

std::optional<local::ReplicaStatus> wait_for_convergence(const local::LocalCluster& cluster,
                                                         const std::set<ReplicaId>& replicas, KvClient& client,
                                                         std::chrono::milliseconds timeout) {
  std::optional<local::ReplicaStatus> agreed;
  const auto converged = [&] {
    std::optional<local::ReplicaStatus> first;
    for (ReplicaId r : replicas) {
      auto status = cluster.latest_status(r);
      if (!status) return false;
      if (first && (status->executed != first->executed || status->stable_checkpoint != first->stable_checkpoint)) {
        return false;
      }
      if (!first) first = std::move(status);
    }
    agreed = std::move(first);
    return agreed.has_value();
  };
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < give_up) {
    if (local::wait_until(converged, kSettleInterval)) return agreed;
    write_filler(client);
  }
  return std::nullopt;
}

bool wait_for_catch_up(const local::LocalCluster& cluster, ReplicaId replica, std::uint64_t target, KvClient& client,
                       std::chrono::milliseconds timeout) {
  const auto caught_up = [&] {
    const auto status = cluster.latest_status(replica);
    return status && status->executed >= target;
  };
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < give_up) {
    if (local::wait_until(caught_up, kSettleInterval)) return true;
    write_filler(client);
  }
  return false;
}

std::string describe_cluster(const local::LocalCluster& cluster) {
  std::string text;
  for (ReplicaId r = 0; r < cluster.replica_count(); ++r) {
    text += "--- replica " + std::to_string(r) + (cluster.running(r) ? " (running)" : " (not running)") + ", " +
            cluster.log_file(r).string() + ":\n" + local::log_tail(cluster.log_file(r), 8);
  }
  return text;
}

}  // namespace loyal::integration
