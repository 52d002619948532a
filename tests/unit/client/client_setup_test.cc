#include "client/client_setup.h"

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "cluster/keygen.h"
#include "temp_directory.h"

namespace loyal::client {
namespace {

namespace fs = std::filesystem;
using testing::TempDirectory;

cluster::GeneratedCluster write_cluster(const fs::path& directory, cluster::ClientAuth auth = cluster::ClientAuth::signature) {
  cluster::KeygenOptions options;
  options.replica_count = 4;
  options.client_count = 3;
  options.client_auth = auth;
  options.base_port = 7300;
  auto generated = cluster::generate_cluster(options);
  EXPECT_TRUE(generated.ok());
  const Status written = cluster::write_cluster_directory(directory, *generated, crypto::Overwrite::refuse);
  EXPECT_TRUE(written.ok()) << (written.ok() ? "" : written.error().message);
  return std::move(generated).value();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

ClientSetupOptions options_for(ClientId id, std::optional<fs::path> key_file = std::nullopt) {
  return ClientSetupOptions{.id = id, .key_file = std::move(key_file), .first_request_number = std::nullopt, .protocol = std::nullopt};
}

TEST(ClientSetup, LoadsTheClusterAndTheClientsKeyFromTheClusterDirectory) {
  const TempDirectory directory;
  const cluster::GeneratedCluster generated = write_cluster(directory.path());
  auto setup = load_client_setup(cluster::cluster_file_path(directory.path()),
                                 ClientSetupOptions{.id = 2, .key_file = std::nullopt, .first_request_number = 77, .protocol = std::nullopt});
  ASSERT_TRUE(setup.ok()) << setup.error().message;

  EXPECT_EQ(setup->cluster, generated.config);
  EXPECT_EQ(setup->options.id, 2u);
  EXPECT_EQ(setup->options.cluster_id, generated.config.cluster_id);
  EXPECT_EQ(setup->options.replica_count, 4u);
  EXPECT_EQ(setup->options.max_faulty, 1u);
  EXPECT_EQ(setup->options.client_count, 3u);
  EXPECT_EQ(setup->options.retry_ticks, generated.config.parameters.client_retry_ms);
  EXPECT_EQ(setup->options.first_request_number, 77u);
  EXPECT_EQ(setup->signer->public_key(), generated.config.clients[2].public_key);
  ASSERT_EQ(setup->replica_addresses.size(), 4u);
  for (ReplicaId r = 0; r < 4; ++r) {
    EXPECT_EQ(setup->replica_addresses[r], (net::PeerAddress{.host = "127.0.0.1", .port = std::uint16_t(7300 + r)}));
  }
  EXPECT_FALSE(setup->core->busy());
}

TEST(ClientSetup, FirstRequestNumberComesFromTheWallClockByDefault) {
  const TempDirectory directory;
  write_cluster(directory.path());
  const std::uint64_t before = first_request_number_from_wall_clock(std::chrono::system_clock::now());
  auto setup = load_client_setup(cluster::cluster_file_path(directory.path()), options_for(0));
  const std::uint64_t after = first_request_number_from_wall_clock(std::chrono::system_clock::now());
  ASSERT_TRUE(setup.ok()) << setup.error().message;
  EXPECT_GE(setup->options.first_request_number, before);
  EXPECT_LE(setup->options.first_request_number, after);
}

TEST(ClientSetup, WallClockRequestNumbersGrowWithTimeAndStartAboveZero) {
  const auto now = std::chrono::system_clock::now();
  EXPECT_LT(first_request_number_from_wall_clock(now), first_request_number_from_wall_clock(now + std::chrono::microseconds(1)));
  EXPECT_EQ(first_request_number_from_wall_clock(std::chrono::system_clock::time_point{}), 1u);
}

TEST(ClientSetup, RefusesAKeyFromAnotherCluster) {
  const TempDirectory ours;
  const TempDirectory theirs;
  write_cluster(ours.path());
  write_cluster(theirs.path());
  const fs::path foreign_key = cluster::key_file_path(theirs.path(), NodeId::client(0));
  auto setup = load_client_setup(cluster::cluster_file_path(ours.path()),
                                 ClientSetupOptions{.id = 0, .key_file = foreign_key, .first_request_number = 1, .protocol = std::nullopt});
  ASSERT_FALSE(setup.ok());
  EXPECT_TRUE(contains(setup.error().message, foreign_key.string())) << setup.error().message;
  EXPECT_TRUE(contains(setup.error().message, "does not match client 0")) << setup.error().message;
}

TEST(ClientSetup, RefusesAnotherNodesKey) {
  const TempDirectory directory;
  write_cluster(directory.path());
  const fs::path file = cluster::cluster_file_path(directory.path());
  auto other_client = load_client_setup(
      file, options_for(0, cluster::key_file_path(directory.path(), NodeId::client(1))));
  ASSERT_FALSE(other_client.ok());
  EXPECT_TRUE(contains(other_client.error().message, "this is the key of client 1, not of client 0"))
      << other_client.error().message;

  auto replica_key = load_client_setup(
      file, options_for(0, cluster::key_file_path(directory.path(), NodeId::replica(0))));
  ASSERT_FALSE(replica_key.ok());
  EXPECT_TRUE(contains(replica_key.error().message, "replica 0")) << replica_key.error().message;
}

TEST(ClientSetup, RefusesAClientTheClusterDoesNotHave) {
  const TempDirectory directory;
  write_cluster(directory.path());
  auto setup = load_client_setup(cluster::cluster_file_path(directory.path()), options_for(3));
  ASSERT_FALSE(setup.ok());
  EXPECT_TRUE(contains(setup.error().message, "client 3 is not in")) << setup.error().message;
  EXPECT_TRUE(contains(setup.error().message, "ids 0 to 2")) << setup.error().message;
}

TEST(ClientSetup, ReportsAMissingOrExposedKeyFile) {
  const TempDirectory directory;
  write_cluster(directory.path());
  const fs::path key = cluster::key_file_path(directory.path(), NodeId::client(1));

  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  auto exposed = load_client_setup(cluster::cluster_file_path(directory.path()), options_for(1));
  ASSERT_FALSE(exposed.ok());
  EXPECT_TRUE(contains(exposed.error().message, "chmod 600")) << exposed.error().message;

  fs::remove(key);
  auto missing = load_client_setup(cluster::cluster_file_path(directory.path()), options_for(1));
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(contains(missing.error().message, key.string())) << missing.error().message;
}

TEST(ClientSetup, ReportsAMalformedClusterFileByName) {
  const TempDirectory directory;
  write_cluster(directory.path());
  const fs::path file = cluster::cluster_file_path(directory.path());
  std::ofstream(file, std::ios::trunc) << "cluster_id = [\n";
  auto setup = load_client_setup(file, options_for(0));
  ASSERT_FALSE(setup.ok());
  EXPECT_TRUE(contains(setup.error().message, "cluster.toml")) << setup.error().message;
}

TEST(ClientSetup, MakeClientSetupRefusesSecretsThatDoNotMatchTheCluster) {
  const TempDirectory directory;
  const cluster::GeneratedCluster ours = write_cluster(directory.path());
  const crypto::NodeSecrets impostor = crypto::generate_node_secrets(NodeId::client(0));
  auto setup = make_client_setup(ours.config, impostor, "impostor.key", 1);
  ASSERT_FALSE(setup.ok());
  EXPECT_TRUE(contains(setup.error().message, "impostor.key: the signing key does not match client 0"))
      << setup.error().message;

  // Right signing key, wrong exchange key: the MAC keys would silently disagree with the replicas'.
  crypto::NodeSecrets half = ours.client_secrets[0];
  half.exchange = crypto::ExchangeKey::generate();
  auto half_setup = make_client_setup(ours.config, half, "half.key", 1);
  ASSERT_FALSE(half_setup.ok());
  EXPECT_TRUE(contains(half_setup.error().message, "exchange key does not match")) << half_setup.error().message;
}

}  // namespace
}  // namespace loyal::client
