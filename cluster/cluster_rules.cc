#include "cluster/cluster_rules.h"

#include <array>

namespace loyal::cluster {
namespace {

constexpr std::size_t kMaxHostLength = 253;  // the longest DNS name

constexpr std::array kNumericParameters = {
    NumericParameter{"batch_max_requests", &Parameters::batch_max_requests, 1, kMaxBatchRequests, false,
                     "most requests in one batch"},
    NumericParameter{"batch_max_bytes", &Parameters::batch_max_bytes, 1, kMaxBatchBytes, false,
                     "most request bytes in one batch"},
    NumericParameter{"batch_linger_ms", &Parameters::batch_linger_ms, 1, kMaxDurationMs, true,
                     "how long a partial batch waits for more requests"},
    NumericParameter{"batch_max_in_flight", &Parameters::batch_max_in_flight, 1, kMaxWindow, false,
                     "leader's batches in flight before a partial one waits for a slot (full ones never wait)"},
    NumericParameter{"checkpoint_interval", &Parameters::checkpoint_interval, 1, kMaxWindow / 2, false,
                     "K: sequence numbers between checkpoints"},
    NumericParameter{"window", &Parameters::window, 2, kMaxWindow, false,
                     "L: sequence numbers in progress at once; a multiple of K, at least 2K"},
    NumericParameter{"request_timeout_ms", &Parameters::request_timeout_ms, 1, kMaxDurationMs, true,
                     "pbft: a backup starts a view change when a request waits this long"},
    NumericParameter{"view_change_timeout_ms", &Parameters::view_change_timeout_ms, 1, kMaxDurationMs, true,
                     "pbft: a view change that takes this long moves on to the next view"},
    NumericParameter{"election_timeout_min_ms", &Parameters::election_timeout_min_ms, 1, kMaxDurationMs, true,
                     "raft/paxos: shortest wait without a leader before an election"},
    NumericParameter{"election_timeout_max_ms", &Parameters::election_timeout_max_ms, 1, kMaxDurationMs, true,
                     "raft/paxos: longest such wait; each replica draws one in between"},
    NumericParameter{"heartbeat_ms", &Parameters::heartbeat_ms, 1, kMaxDurationMs, true,
                     "raft/paxos: leader's heartbeat interval, below election_timeout_min_ms"},
    NumericParameter{"client_retry_ms", &Parameters::client_retry_ms, 1, kMaxDurationMs, true,
                     "a client retransmits to every replica after this"},
    NumericParameter{"max_request_bytes", &Parameters::max_request_bytes, 1, kMaxBatchBytes, false,
                     "largest request admitted; at most batch_max_bytes"},
    NumericParameter{"tick_ms", &Parameters::tick_ms, 1, kMaxTickMs, false,
                     "one logical tick of the protocol cores; every time above is at least one tick"},
};

std::string number(std::uint64_t value) { return std::to_string(value); }

}  // namespace

std::span<const NumericParameter> numeric_parameters() { return kNumericParameters; }

const NumericParameter* find_numeric_parameter(std::string_view name) {
  for (const NumericParameter& parameter : kNumericParameters) {
    if (parameter.name == name) return &parameter;
  }
  return nullptr;
}

std::vector<ParameterProblem> check_parameter_relationships(const Parameters& p) {
  std::vector<ParameterProblem> problems;
  if (p.window % p.checkpoint_interval != 0) {
    problems.push_back({{"window", "checkpoint_interval"},
                        "window " + number(p.window) + " must be a multiple of checkpoint_interval " +
                            number(p.checkpoint_interval) +
                            " (the log window L advances by whole checkpoint intervals)"});
  }
  if (p.window < 2 * static_cast<std::uint64_t>(p.checkpoint_interval)) {
    problems.push_back({{"window", "checkpoint_interval"},
                        "window " + number(p.window) + " must be at least twice checkpoint_interval " +
                            number(p.checkpoint_interval) +
                            " (PBFT's log window L holds at least two checkpoints, so that new requests "
                            "keep being ordered while the next checkpoint becomes stable)"});
  }
  if (p.election_timeout_min_ms >= p.election_timeout_max_ms) {
    problems.push_back({{"election_timeout_min_ms", "election_timeout_max_ms"},
                        "election_timeout_min_ms " + number(p.election_timeout_min_ms) +
                            " must be less than election_timeout_max_ms " + number(p.election_timeout_max_ms) +
                            " (each replica draws its timeout at random between them, so that they rarely "
                            "start elections at the same time)"});
  }
  if (p.heartbeat_ms >= p.election_timeout_min_ms) {
    problems.push_back({{"heartbeat_ms", "election_timeout_min_ms"},
                        "heartbeat_ms " + number(p.heartbeat_ms) + " must be less than election_timeout_min_ms " +
                            number(p.election_timeout_min_ms) +
                            " (or followers would start elections against a healthy leader)"});
  }
  for (const NumericParameter& parameter : kNumericParameters) {
    const std::uint32_t value = p.*parameter.field;
    if (parameter.is_duration && value < p.tick_ms) {
      problems.push_back({{parameter.name, "tick_ms"},
                          std::string(parameter.name) + " " + number(value) + " must be at least tick_ms " +
                              number(p.tick_ms) + " (nothing shorter than one tick can be timed)"});
    }
  }
  if (p.max_request_bytes > p.batch_max_bytes) {
    problems.push_back({{"max_request_bytes", "batch_max_bytes"},
                        "max_request_bytes " + number(p.max_request_bytes) + " must not exceed batch_max_bytes " +
                            number(p.batch_max_bytes) + " (every admitted request must fit in a batch)"});
  }
  return problems;
}

std::optional<std::string> check_replica_count(ProtocolMode protocol, std::uint64_t replica_count) {
  if (replica_count > kMaxReplicas) {
    return "found " + number(replica_count) + " replicas; the limit is " + number(kMaxReplicas);
  }
  const std::string name(to_string(protocol));
  if (protocol == ProtocolMode::pbft && replica_count < kMinPbftReplicas) {
    return "pbft needs at least " + number(kMinPbftReplicas) + " replicas, found " + number(replica_count) +
           ": it tolerates f Byzantine replicas with n >= 3f+1 replicas, and f must be at least 1";
  }
  if (protocol != ProtocolMode::pbft && replica_count < kMinCrashTolerantReplicas &&
      replica_count != kSingleReplica) {
    return name + " needs at least " + number(kMinCrashTolerantReplicas) + " replicas, found " +
           number(replica_count) + ": it tolerates f crashed replicas with n >= 2f+1 replicas, and f must be at least 1" +
           " (or exactly 1 replica, which tolerates none: for development and benchmark baselines)";
  }
  return std::nullopt;
}

std::optional<std::string> check_client_count(std::uint64_t client_count) {
  if (client_count == 0) return "the cluster has no clients; it needs at least one";
  if (client_count > kMaxClients) {
    return "found " + number(client_count) + " clients; the limit is " + number(kMaxClients);
  }
  return std::nullopt;
}

std::optional<std::string> check_host(std::string_view host) {
  const auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           c == '_' || c == ':';
  };
  if (host.empty()) return "host is empty";
  bool valid = host.size() <= kMaxHostLength;
  for (const char c : host) valid = valid && allowed(c);
  if (!valid) {
    return "host \"" + std::string(host) +
           "\" is not a host name or IP address (letters, digits, '.', '-', '_' and ':' only; at most " +
           number(kMaxHostLength) + " characters)";
  }
  return std::nullopt;
}

}  // namespace loyal::cluster
