// Step 2 of the loader: rules that involve several entries (see cluster_file.h).

#include <algorithm>
#include <map>
#include <utility>

#include "cluster/cluster_file.h"
#include "cluster/cluster_rules.h"
#include "cluster/pbft_bounds.h"

namespace loyal::cluster {
namespace {

constexpr std::size_t kMaxListedIds = 8;  // a longer list of missing ids is summarized

std::string line_reference(std::uint32_t line) { return "line " + std::to_string(line); }

// "2", "2 and 5", "2, 3 and 5", "2, 3, 4, 5, 6, 7, 8, 9 and 3 more".
std::string list_ids(const std::vector<std::uint32_t>& ids) {
  std::string text;
  const std::size_t listed = std::min(ids.size(), kMaxListedIds);
  for (std::size_t i = 0; i < listed; ++i) {
    if (i > 0) text += (i + 1 == listed && listed == ids.size()) ? " and " : ", ";
    text += std::to_string(ids[i]);
  }
  if (listed < ids.size()) text += " and " + std::to_string(ids.size() - listed) + " more";
  return text;
}

// Ids of `role` entries must be exactly 0..n-1, each once.
void check_ids(std::string_view role, const std::vector<std::uint32_t>& ids, const std::vector<std::uint32_t>& lines,
               std::uint32_t first_line, ProblemList& problems) {
  const std::uint32_t count = static_cast<std::uint32_t>(ids.size());
  const std::string name(role);
  const std::string id_range = "0-" + std::to_string(count - 1);
  std::vector<std::uint32_t> line_of_id(count, 0);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::uint32_t id = ids[i];
    if (id >= count) {
      problems.add(lines[i], name + " id " + std::to_string(id) + " is out of range: with " + std::to_string(count) +
                                 " " + name + "s the ids are " + id_range);
    } else if (line_of_id[id] != 0) {
      problems.add(lines[i], name + " id " + std::to_string(id) + " is used twice (first at " +
                                 line_reference(line_of_id[id]) + ")");
    } else {
      line_of_id[id] = lines[i];
    }
  }
  std::vector<std::uint32_t> missing;
  for (std::uint32_t id = 0; id < count; ++id) {
    if (line_of_id[id] == 0) missing.push_back(id);
  }
  if (!missing.empty()) {
    problems.add(first_line, name + " ids must be " + id_range + ", each used once; " + list_ids(missing) +
                                 (missing.size() == 1 ? " is" : " are") + " missing");
  }
}

void check_addresses(const FileCluster& cluster, ProblemList& problems) {
  std::map<std::pair<std::string_view, std::uint16_t>, std::size_t> first_with_address;
  const auto& replicas = cluster.config.replicas;
  for (std::size_t i = 0; i < replicas.size(); ++i) {
    const auto [first, inserted] = first_with_address.try_emplace({replicas[i].host, replicas[i].port}, i);
    if (inserted) continue;
    const ReplicaInfo& other = replicas[first->second];
    problems.add(cluster.lines.replicas[i],
                 "replica " + std::to_string(replicas[i].id) + " has the same address " + replicas[i].host + ":" +
                     std::to_string(replicas[i].port) + " as replica " + std::to_string(other.id) + " (" +
                     line_reference(cluster.lines.replicas[first->second]) + ")");
  }
}

struct KeyOwner {
  std::string name;  // "replica 2"
  std::uint32_t line;
};

// Every node signs and derives pairwise MAC keys with keys of its own: a shared key would let one
// node speak for another.
template <typename Key>
void check_distinct(std::string_view key_name, Key ReplicaInfo::*replica_key, Key ClientInfo::*client_key,
                    const FileCluster& cluster, ProblemList& problems) {
  std::map<Key, KeyOwner> owners;
  const auto claim = [&](const Key& key, KeyOwner owner) {
    const auto [first, inserted] = owners.try_emplace(key, owner);
    if (inserted) return;
    problems.add(owner.line, owner.name + " has the same " + std::string(key_name) + " as " + first->second.name +
                                 " (" + line_reference(first->second.line) + "); every node needs keys of its own");
  };
  for (std::size_t i = 0; i < cluster.config.replicas.size(); ++i) {
    const ReplicaInfo& replica = cluster.config.replicas[i];
    claim(replica.*replica_key, {"replica " + std::to_string(replica.id), cluster.lines.replicas[i]});
  }
  for (std::size_t i = 0; i < cluster.config.clients.size(); ++i) {
    const ClientInfo& client = cluster.config.clients[i];
    claim(client.*client_key, {"client " + std::to_string(client.id), cluster.lines.clients[i]});
  }
}

// A broken relationship is reported at the first of its keys written in the file, else at
// [parameters], else at the top of the file (the defaults themselves are always consistent).
void check_parameters(const FileCluster& cluster, ProblemList& problems) {
  const FileLines& lines = cluster.lines;
  for (const ParameterProblem& problem : check_parameter_relationships(cluster.config.parameters)) {
    std::uint32_t line = lines.parameters_table != 0 ? lines.parameters_table : FileLines::kTop;
    for (const std::string_view key : problem.keys) {
      if (const auto written = lines.parameter_keys.find(key); written != lines.parameter_keys.end()) {
        line = written->second;
        break;
      }
    }
    problems.add(line, problem.message);
  }
}

}  // namespace

void check_whole_cluster(const FileCluster& cluster, ProblemList& problems) {
  const ClusterConfig& config = cluster.config;
  const FileLines& lines = cluster.lines;
  const auto replica_count_problem = check_replica_count(config.protocol, config.replicas.size());
  if (replica_count_problem) problems.add(lines.first_replica, *replica_count_problem);
  const auto client_count_problem = check_client_count(config.clients.size());
  if (client_count_problem) problems.add(lines.first_client, *client_count_problem);

  // Beyond the limit the ids, which are bounded by it, cannot all differ: one message is enough.
  if (!config.replicas.empty() && config.replicas.size() <= kMaxReplicas) {
    std::vector<std::uint32_t> ids;
    for (const ReplicaInfo& replica : config.replicas) ids.push_back(replica.id);
    check_ids("replica", ids, lines.replicas, lines.first_replica, problems);
  }
  if (!config.clients.empty() && config.clients.size() <= kMaxClients) {
    std::vector<std::uint32_t> ids;
    for (const ClientInfo& client : config.clients) ids.push_back(client.id);
    check_ids("client", ids, lines.clients, lines.first_client, problems);
  }
  check_addresses(cluster, problems);
  check_distinct("public_key", &ReplicaInfo::public_key, &ClientInfo::public_key, cluster, problems);
  check_distinct("exchange_public_key", &ReplicaInfo::exchange_public_key, &ClientInfo::exchange_public_key, cluster,
                 problems);
  check_parameters(cluster, problems);
  if (config.protocol == ProtocolMode::pbft && !config.replicas.empty() && config.replicas.size() <= kMaxReplicas) {
    const Parameters& p = config.parameters;
    if (const auto problem =
            check_pbft_window(static_cast<std::uint32_t>(config.replicas.size()), p.window, p.checkpoint_interval)) {
      const auto written = lines.parameter_keys.find("window");
      problems.add(written != lines.parameter_keys.end() ? written->second
                   : lines.parameters_table != 0       ? lines.parameters_table
                                                       : FileLines::kTop,
                   *problem);
    }
  }
}

}  // namespace loyal::cluster
