#pragma once
// A freshly generated cluster written to a temporary directory (cluster.toml and keys/), removed
// when the test ends: what loyal-keygen would produce, for the runtime's tests.

#include <stdlib.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "cluster/keygen.h"

namespace loyal::runtime::testing {

class ClusterDirectory {
 public:
  explicit ClusterDirectory(const cluster::KeygenOptions& options) {
    std::string pattern = (std::filesystem::temp_directory_path() / "loyal-runtime-test-XXXXXX").string();
    const char* made = ::mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr);
    path_ = pattern;
    auto generated = cluster::generate_cluster(options);
    EXPECT_TRUE(generated.ok()) << (generated.ok() ? "" : generated.error().message);
    generated_ = std::move(*generated);
    const Status written = cluster::write_cluster_directory(path_, generated_, crypto::Overwrite::refuse);
    EXPECT_TRUE(written.ok()) << (written.ok() ? "" : written.error().message);
  }
  ~ClusterDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ClusterDirectory(const ClusterDirectory&) = delete;
  ClusterDirectory& operator=(const ClusterDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path cluster_file() const { return cluster::cluster_file_path(path_); }
  std::filesystem::path replica_key(ReplicaId id) const { return cluster::key_file_path(path_, NodeId::replica(id)); }
  const cluster::ClusterConfig& config() const { return generated_.config; }
  const cluster::GeneratedCluster& generated() const { return generated_; }

 private:
  std::filesystem::path path_;
  cluster::GeneratedCluster generated_;
};

inline cluster::KeygenOptions pbft_cluster(std::uint32_t clients = 2) {
  cluster::KeygenOptions options;
  options.replica_count = 4;
  options.client_count = clients;
  options.protocol = ProtocolMode::pbft;
  options.cluster_id = 4242;
  return options;
}

}  // namespace loyal::runtime::testing
