#pragma once
// The rules a cluster must follow, each written once, in plain words and without a location: the
// loader prefixes the file and line ("cluster.toml:12: ..."), loyal-keygen the flag it came from.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/cluster_config.h"

namespace loyal::cluster {

// One numeric key of [parameters]: its name in the file, where it lives in Parameters, the values
// it may take on its own, and the comment format_cluster() writes next to it.
struct NumericParameter {
  std::string_view name;
  std::uint32_t Parameters::*field;
  std::uint32_t min;
  std::uint32_t max;
  bool is_duration;  // a timeout or interval: it must last at least one tick
  std::string_view comment;
};

inline constexpr std::string_view kClientAuthKey = "client_auth";

// Every numeric parameter, in the order format_cluster() writes them.
std::span<const NumericParameter> numeric_parameters();
// Null when `name` is not a numeric parameter.
const NumericParameter* find_numeric_parameter(std::string_view name);

// A broken relationship between parameters. `keys` are the parameters involved, the one to blame
// first, so that the loader can point at the first of them written in the file.
struct ParameterProblem {
  std::vector<std::string_view> keys;
  std::string message;
};

// Relationships between parameters (window a multiple of checkpoint_interval, heartbeat shorter
// than the election timeout, ...). Each value's own range is NumericParameter::min..max, which
// this does not check again.
std::vector<ParameterProblem> check_parameter_relationships(const Parameters& parameters);

// Enough replicas for the protocol to tolerate at least one fault, and no more than kMaxReplicas.
std::optional<std::string> check_replica_count(ProtocolMode protocol, std::uint64_t replica_count);
// At least one client, and no more than kMaxClients.
std::optional<std::string> check_client_count(std::uint64_t client_count);
// A host name or IP address as ZeroMQ connects to it: no scheme, no port, no spaces.
std::optional<std::string> check_host(std::string_view host);

}  // namespace loyal::cluster
