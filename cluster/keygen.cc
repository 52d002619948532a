#include "cluster/keygen.h"

#include <sodium.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>

#include "cluster/cluster_loader.h"
#include "cluster/cluster_rules.h"
#include "cluster/pbft_bounds.h"
#include "crypto/sodium.h"

namespace loyal::cluster {
namespace {

constexpr std::uint32_t kMaxPort = std::numeric_limits<std::uint16_t>::max();

std::uint64_t random_cluster_id() {
  crypto::ensure_sodium();
  std::uint64_t id = 0;
  while (id == 0) {
    randombytes_buf(&id, sizeof id);
    id &= kMaxClusterId;
  }
  return id;
}

Status check_options(const KeygenOptions& options) {
  const std::uint32_t n = options.replica_count;
  if (const auto problem = check_replica_count(options.protocol, n)) {
    return Error{"--replicas " + std::to_string(n) + ": " + *problem};
  }
  if (const auto problem = check_client_count(options.client_count)) {
    return Error{"--clients " + std::to_string(options.client_count) + ": " + *problem};
  }
  if (options.hosts.size() > 1 && options.hosts.size() != n) {
    return Error{"--hosts lists " + std::to_string(options.hosts.size()) + " hosts for " + std::to_string(n) +
                 " replicas; give one host per replica, or a single host for all of them"};
  }
  for (const std::string& host : options.hosts) {
    if (const auto problem = check_host(host)) return Error{"--hosts: " + *problem};
  }
  if (options.base_port == 0 || options.base_port > kMaxPort) {
    return Error{"--base-port " + std::to_string(options.base_port) + " is out of range (1-65535)"};
  }
  const std::uint64_t last_port = std::uint64_t{options.base_port} + n - 1;
  if (last_port > kMaxPort) {
    return Error{"--base-port " + std::to_string(options.base_port) + ": replica i listens on base-port + i, so " +
                 std::to_string(n) + " replicas need ports up to " + std::to_string(last_port) +
                 ", beyond 65535"};
  }
  if (options.cluster_id && (*options.cluster_id == 0 || *options.cluster_id > kMaxClusterId)) {
    return Error{"--cluster-id " + std::to_string(*options.cluster_id) + " is out of range (1-" +
                 std::to_string(kMaxClusterId) + ")"};
  }
  return {};
}

std::string host_of_replica(const KeygenOptions& options, ReplicaId id) {
  if (options.hosts.empty()) return std::string(kDefaultHost);
  return options.hosts.size() == 1 ? options.hosts.front() : options.hosts[id];
}

Status write_text_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::path temporary = path;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return Error{"cannot write " + temporary.string() + ": " + std::strerror(errno)};
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::filesystem::remove(temporary, error);
    return Error{"cannot write " + path.string() + ": " + error.message()};
  }
  return {};
}

Status make_private_directory(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) return Error{"cannot create directory " + path.string() + ": " + error.message()};
  if (!std::filesystem::is_directory(path, error)) {
    return Error{"cannot create directory " + path.string() + ": a file of that name is in the way"};
  }
  std::filesystem::permissions(path, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace,
                               error);
  if (error) return Error{"cannot restrict " + path.string() + " to its owner: " + error.message()};
  return {};
}

}  // namespace

Result<GeneratedCluster> generate_cluster(const KeygenOptions& options) {
  if (Status status = check_options(options); !status) return status.error();
  GeneratedCluster cluster;
  ClusterConfig& config = cluster.config;
  config.protocol = options.protocol;
  config.parameters.client_auth = options.client_auth;
  if (options.protocol == ProtocolMode::pbft) {
    // Large clusters need a smaller window for a NEW-VIEW to fit one frame (cluster/pbft_bounds.h).
    const auto window = pbft_fitting_window(options.replica_count, config.parameters.checkpoint_interval,
                                            config.parameters.window);
    if (!window) {
      return Error{"--replicas " + std::to_string(options.replica_count) + ": " +
                   *check_pbft_window(options.replica_count, 2, 1)};
    }
    config.parameters.checkpoint_interval = window->first;
    config.parameters.window = window->second;
  }
  for (ReplicaId id = 0; id < options.replica_count; ++id) {
    crypto::NodeSecrets secrets = crypto::generate_node_secrets(NodeId::replica(id));
    config.replicas.push_back({id, host_of_replica(options, id), static_cast<std::uint16_t>(options.base_port + id),
                               secrets.signing.public_key(), secrets.exchange.public_key()});
    cluster.replica_secrets.push_back(std::move(secrets));
  }
  for (ClientId id = 0; id < options.client_count; ++id) {
    crypto::NodeSecrets secrets = crypto::generate_node_secrets(NodeId::client(id));
    config.clients.push_back({id, secrets.signing.public_key(), secrets.exchange.public_key()});
    cluster.client_secrets.push_back(std::move(secrets));
  }
  config.cluster_id = options.cluster_id ? *options.cluster_id : random_cluster_id();
  return cluster;
}

std::filesystem::path cluster_file_path(const std::filesystem::path& directory) {
  return directory / "cluster.toml";
}

std::filesystem::path keys_directory_path(const std::filesystem::path& directory) { return directory / "keys"; }

std::filesystem::path key_file_path(const std::filesystem::path& directory, NodeId node) {
  return keys_directory_path(directory) / (std::string(to_string(node.role)) + "-" + std::to_string(node.index) + ".key");
}

Status write_cluster_directory(const std::filesystem::path& directory, const GeneratedCluster& cluster,
                               crypto::Overwrite overwrite) {
  std::vector<const crypto::NodeSecrets*> nodes;
  for (const crypto::NodeSecrets& secrets : cluster.replica_secrets) nodes.push_back(&secrets);
  for (const crypto::NodeSecrets& secrets : cluster.client_secrets) nodes.push_back(&secrets);
  const std::filesystem::path cluster_file = cluster_file_path(directory);

  if (overwrite == crypto::Overwrite::refuse) {
    std::vector<std::filesystem::path> outputs = {cluster_file};
    for (const crypto::NodeSecrets* secrets : nodes) outputs.push_back(key_file_path(directory, secrets->node));
    for (const std::filesystem::path& output : outputs) {
      std::error_code error;
      if (std::filesystem::exists(std::filesystem::symlink_status(output, error))) {
        return Error{output.string() + " already exists; pass --force to overwrite it"};
      }
    }
  }
  if (Status status = make_private_directory(keys_directory_path(directory)); !status) return status;
  for (const crypto::NodeSecrets* secrets : nodes) {
    Status status = crypto::write_key_file(key_file_path(directory, secrets->node), *secrets, overwrite);
    if (!status) return status;
  }
  return write_text_file(cluster_file, format_cluster(cluster.config));
}

std::vector<std::filesystem::path> foreign_key_files(const std::filesystem::path& directory,
                                                     const ClusterConfig& config) {
  std::set<std::filesystem::path> own;
  for (const ReplicaInfo& replica : config.replicas) own.insert(key_file_path(directory, NodeId::replica(replica.id)));
  for (const ClientInfo& client : config.clients) own.insert(key_file_path(directory, NodeId::client(client.id)));
  std::vector<std::filesystem::path> foreign;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(keys_directory_path(directory), error)) {
    if (!own.contains(entry.path())) foreign.push_back(entry.path());
  }
  std::sort(foreign.begin(), foreign.end());
  return foreign;
}

}  // namespace loyal::cluster
