#pragma once
// The one loader of cluster files. Errors name the file, the line and the problem, one problem a
// line when there are several:
//   cluster.toml:12: replica 3 has no public_key
//   cluster.toml:19: replica 1: port 99999 is out of range (1-65535)
// Unknown keys are errors (a typo must not silently leave a default in force). Beyond each key on
// its own, the loader checks the cluster as a whole (ids 0..n-1 without gaps, distinct keys and
// addresses, n >= 3f+1 with f >= 1 for pbft, n >= 3 for raft and paxos, parameters consistent
// with each other); the rules are in cluster/cluster_rules.h.

#include <filesystem>
#include <string>
#include <string_view>

#include "cluster/cluster_config.h"
#include "common/result.h"

namespace loyal::cluster {

Result<ClusterConfig> load_cluster_file(const std::filesystem::path& path);
// Same checks on text already in memory; `source_name` is used in messages in place of a path.
// The returned config has replicas[i].id == i and clients[i].id == i.
Result<ClusterConfig> parse_cluster(std::string_view toml_text, std::string_view source_name);

// The cluster file text for `config` (what loyal-keygen writes). Round-trips through
// parse_cluster().
std::string format_cluster(const ClusterConfig& config);

}  // namespace loyal::cluster
