#pragma once
// Internals of the cluster loader, shared by its three steps:
//   1. read_cluster_document: TOML document -> FileCluster, checking each key on its own (known
//      key, type, range, base64);
//   2. check_whole_cluster: the rules that involve several entries (ids 0..n-1, distinct
//      addresses and keys, replica count, parameter relationships);
//   3. the loader puts replicas and clients in id order.
// Every problem carries the line it was found at, and all problems of a step are reported together
// so that an operator fixes a file in few passes. Step 2 runs only once every key is valid on its
// own: a missing id or key would otherwise echo as "id 0 is missing" or "same key as ...".

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "cluster/cluster_config.h"
#include "common/result.h"

namespace loyal::cluster {

class ProblemList {
 public:
  void add(std::uint32_t line, std::string message);
  bool empty() const { return problems_.empty(); }
  // "source:line: message", one problem a line, in line order (the order found within a line).
  Error to_error(std::string_view source_name) const;

 private:
  struct Problem {
    std::uint32_t line;
    std::string message;
  };
  std::vector<Problem> problems_;
};

// Where things were written, for messages about rules that involve several of them.
struct FileLines {
  static constexpr std::uint32_t kTop = 1;  // problems with the file as a whole
  std::uint32_t parameters_table = 0;       // 0 when the file has no [parameters]
  std::map<std::string, std::uint32_t, std::less<>> parameter_keys;  // keys written in [parameters]
  std::uint32_t first_replica = kTop;       // first [[replica]], or kTop when there is none
  std::uint32_t first_client = kTop;
  std::vector<std::uint32_t> replicas;      // the [[replica]] header of config.replicas[i]
  std::vector<std::uint32_t> clients;
};

// The cluster as written: replicas and clients in file order, ids not yet checked.
struct FileCluster {
  ClusterConfig config;
  FileLines lines;
};

// Reports every problem with a single key to `problems`. The result is complete (every required
// key present and valid) only when no problem was reported.
FileCluster read_cluster_document(const toml::table& document, ProblemList& problems);

// Precondition: `cluster` came from read_cluster_document without problems.
void check_whole_cluster(const FileCluster& cluster, ProblemList& problems);

}  // namespace loyal::cluster
