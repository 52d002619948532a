#pragma once
// What loyal-keygen does, as functions: build a cluster with fresh keys for every node, and write
// its directory (cluster.toml plus one secret key file per node). keygen_main.cc only turns
// command-line flags into KeygenOptions and prints the outcome.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/cluster_config.h"
#include "common/ids.h"
#include "common/result.h"
#include "crypto/key_file.h"

namespace loyal::cluster {

inline constexpr std::string_view kDefaultHost = "127.0.0.1";

struct KeygenOptions {
  std::uint32_t replica_count = 4;
  std::uint32_t client_count = 8;
  ProtocolMode protocol = ProtocolMode::pbft;
  // Empty: every replica on kDefaultHost. One host: every replica on it. Otherwise one host per
  // replica, in id order. Replica i always listens on base_port + i, so replicas that share a
  // host never share a port.
  std::vector<std::string> hosts;
  // Wider than a port so that a bad flag value is reported rather than silently truncated.
  std::uint32_t base_port = 7100;
  ClientAuth client_auth = ClientAuth::signature;
  std::optional<std::uint64_t> cluster_id;  // none: derived from the fresh public keys, so random
};

// A cluster and the secrets of each of its nodes. The secrets wipe themselves when destroyed.
struct GeneratedCluster {
  ClusterConfig config;
  std::vector<crypto::NodeSecrets> replica_secrets;  // [i] belongs to replica i
  std::vector<crypto::NodeSecrets> client_secrets;   // [i] belongs to client i
};

// Fresh keys for every node, from the operating system's random source. Fails, naming the
// option (as its command-line flag), when the options describe a cluster the loader would reject.
Result<GeneratedCluster> generate_cluster(const KeygenOptions& options);

// The layout of a cluster directory.
std::filesystem::path cluster_file_path(const std::filesystem::path& directory);   // DIR/cluster.toml
std::filesystem::path keys_directory_path(const std::filesystem::path& directory); // DIR/keys
// DIR/keys/replica-<id>.key or DIR/keys/client-<id>.key
std::filesystem::path key_file_path(const std::filesystem::path& directory, NodeId node);

// Writes the key files (mode 0600, in DIR/keys with mode 0700) and then DIR/cluster.toml,
// creating directories as needed. With Overwrite::refuse nothing is written when any of those
// files exists already. cluster.toml comes last, so a run that fails half-way never leaves a new
// cluster file next to missing keys.
Status write_cluster_directory(const std::filesystem::path& directory, const GeneratedCluster& cluster,
                               crypto::Overwrite overwrite);

// Files in DIR/keys that are not the key file of a node of `config`, in name order: after an
// overwrite with fewer nodes, the keys of the earlier cluster's extra nodes. They are reported
// rather than deleted, since --force pointed at the wrong directory must not destroy keys.
std::vector<std::filesystem::path> foreign_key_files(const std::filesystem::path& directory,
                                                     const ClusterConfig& config);

}  // namespace loyal::cluster
