#include "cluster/keygen.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cluster/cluster_loader.h"
#include "tests/unit/cluster/cluster_test_support.h"

namespace loyal::cluster {
namespace {

namespace fs = std::filesystem;
using testing_support::ScratchDirectory;

GeneratedCluster generated(const KeygenOptions& options) {
  Result<GeneratedCluster> result = generate_cluster(options);
  EXPECT_TRUE(result.ok()) << result.error().message;
  return std::move(result).value();
}

std::string generate_error(const KeygenOptions& options) {
  const Result<GeneratedCluster> result = generate_cluster(options);
  EXPECT_FALSE(result.ok());
  return result.ok() ? std::string() : result.error().message;
}

std::string contents(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

KeygenOptions four_replicas_eight_clients() {
  KeygenOptions options;
  options.replica_count = 4;
  options.client_count = 8;
  options.protocol = ProtocolMode::pbft;
  return options;
}

TEST(Keygen, GeneratedClusterLoadsBackEqual) {
  const ScratchDirectory directory;
  const GeneratedCluster cluster = generated(four_replicas_eight_clients());
  ASSERT_TRUE(write_cluster_directory(directory.path(), cluster, crypto::Overwrite::refuse).ok());

  const Result<ClusterConfig> loaded = load_cluster_file(directory.path() / "cluster.toml");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(*loaded, cluster.config);
  EXPECT_EQ(loaded->replica_count(), 4u);
  EXPECT_EQ(loaded->client_count(), 8u);
  EXPECT_EQ(loaded->max_faulty(), 1u);
}

TEST(Keygen, KeyFilesHoldTheSecretsOfThePublishedKeys) {
  const ScratchDirectory directory;
  const GeneratedCluster cluster = generated(four_replicas_eight_clients());
  ASSERT_TRUE(write_cluster_directory(directory.path(), cluster, crypto::Overwrite::refuse).ok());

  const Result<crypto::NodeSecrets> replica = crypto::read_key_file(directory.path() / "keys" / "replica-2.key");
  ASSERT_TRUE(replica.ok()) << replica.error().message;
  EXPECT_EQ(replica->node, NodeId::replica(2));
  EXPECT_EQ(replica->signing.public_key(), cluster.config.replicas[2].public_key);
  EXPECT_EQ(replica->exchange.public_key(), cluster.config.replicas[2].exchange_public_key);

  const Result<crypto::NodeSecrets> client = crypto::read_key_file(directory.path() / "keys" / "client-7.key");
  ASSERT_TRUE(client.ok()) << client.error().message;
  EXPECT_EQ(client->node, NodeId::client(7));
  EXPECT_EQ(client->signing.public_key(), cluster.config.clients[7].public_key);
}

TEST(Keygen, Defaults) {
  const GeneratedCluster cluster = generated(KeygenOptions{});
  const ClusterConfig& config = cluster.config;
  EXPECT_EQ(config.protocol, ProtocolMode::pbft);
  ASSERT_EQ(config.replica_count(), 4u);
  EXPECT_EQ(config.client_count(), 8u);
  for (std::uint32_t i = 0; i < config.replica_count(); ++i) {
    EXPECT_EQ(config.replicas[i].host, kDefaultHost);
    EXPECT_EQ(config.replicas[i].port, 7100 + i);
  }
  EXPECT_EQ(config.parameters, Parameters{});
  EXPECT_GT(config.cluster_id, 0u);
  EXPECT_LE(config.cluster_id, kMaxClusterId);
  EXPECT_EQ(cluster.replica_secrets.size(), 4u);
  EXPECT_EQ(cluster.client_secrets.size(), 8u);
}

TEST(Keygen, EveryRunHasFreshKeysAndClusterId) {
  const GeneratedCluster first = generated(KeygenOptions{});
  const GeneratedCluster second = generated(KeygenOptions{});
  EXPECT_NE(first.config.cluster_id, second.config.cluster_id);
  EXPECT_NE(first.config.replicas[0].public_key, second.config.replicas[0].public_key);
  EXPECT_NE(first.config.replicas[0].public_key, first.config.replicas[1].public_key);
}

TEST(Keygen, OptionsReachTheConfig) {
  KeygenOptions options;
  options.protocol = ProtocolMode::raft;
  options.replica_count = 5;
  options.client_count = 1;
  options.client_auth = ClientAuth::mac;
  options.cluster_id = 77;
  options.base_port = 9000;
  const ClusterConfig config = generated(options).config;
  EXPECT_EQ(config.protocol, ProtocolMode::raft);
  EXPECT_EQ(config.max_faulty(), 2u);
  EXPECT_EQ(config.parameters.client_auth, ClientAuth::mac);
  EXPECT_EQ(config.cluster_id, 77u);
  EXPECT_EQ(config.replicas[4].port, 9004);
  EXPECT_TRUE(parse_cluster(format_cluster(config), "generated").ok());
}

TEST(Keygen, KeyFilesArePrivate) {
  const ScratchDirectory directory;
  const GeneratedCluster cluster = generated(four_replicas_eight_clients());
  ASSERT_TRUE(write_cluster_directory(directory.path(), cluster, crypto::Overwrite::refuse).ok());

  const fs::path keys = directory.path() / "keys";
  EXPECT_EQ(fs::status(keys).permissions(), fs::perms::owner_all);
  std::size_t key_files = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(keys)) {
    EXPECT_EQ(entry.status().permissions(), fs::perms::owner_read | fs::perms::owner_write) << entry.path();
    ++key_files;
  }
  EXPECT_EQ(key_files, 12u);
  EXPECT_TRUE(fs::exists(key_file_path(directory.path(), NodeId::replica(3))));
  EXPECT_TRUE(fs::exists(key_file_path(directory.path(), NodeId::client(0))));
}

TEST(Keygen, RestrictsAKeysDirectoryThatWasOpen) {
  const ScratchDirectory directory;
  fs::create_directories(directory.path() / "keys");
  fs::permissions(directory.path() / "keys", fs::perms::all);
  ASSERT_TRUE(write_cluster_directory(directory.path(), generated(KeygenOptions{}), crypto::Overwrite::refuse).ok());
  EXPECT_EQ(fs::status(directory.path() / "keys").permissions(), fs::perms::owner_all);
}

TEST(Keygen, RefusesToOverwriteTheClusterFile) {
  const ScratchDirectory directory;
  ASSERT_TRUE(write_cluster_directory(directory.path(), generated(KeygenOptions{}), crypto::Overwrite::refuse).ok());
  const std::string before = contents(directory.path() / "cluster.toml");

  const Status again = write_cluster_directory(directory.path(), generated(KeygenOptions{}), crypto::Overwrite::refuse);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().message,
            (directory.path() / "cluster.toml").string() + " already exists; pass --force to overwrite it");
  EXPECT_EQ(contents(directory.path() / "cluster.toml"), before);
}

TEST(Keygen, RefusesToOverwriteAKeyFileAndWritesNothing) {
  const ScratchDirectory directory;
  const fs::path stray = directory.path() / "keys" / "client-5.key";
  fs::create_directories(stray.parent_path());
  std::ofstream(stray) << "someone's key";

  const Status status = write_cluster_directory(directory.path(), generated(KeygenOptions{}), crypto::Overwrite::refuse);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message, stray.string() + " already exists; pass --force to overwrite it");
  EXPECT_FALSE(fs::exists(directory.path() / "cluster.toml"));
  EXPECT_FALSE(fs::exists(directory.path() / "keys" / "replica-0.key"));
  EXPECT_EQ(contents(stray), "someone's key");
}

TEST(Keygen, ForceOverwrites) {
  const ScratchDirectory directory;
  ASSERT_TRUE(write_cluster_directory(directory.path(), generated(KeygenOptions{}), crypto::Overwrite::refuse).ok());
  const GeneratedCluster replacement = generated(KeygenOptions{});
  ASSERT_TRUE(write_cluster_directory(directory.path(), replacement, crypto::Overwrite::allow).ok());

  const Result<ClusterConfig> loaded = load_cluster_file(directory.path() / "cluster.toml");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(*loaded, replacement.config);
  const Result<crypto::NodeSecrets> key = crypto::read_key_file(directory.path() / "keys" / "replica-0.key");
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(key->signing.public_key(), replacement.config.replicas[0].public_key);
}

TEST(Keygen, ReportsKeyFilesLeftFromAnEarlierCluster) {
  const ScratchDirectory directory;
  ASSERT_TRUE(write_cluster_directory(directory.path(), generated(KeygenOptions{}), crypto::Overwrite::refuse).ok());
  KeygenOptions smaller;
  smaller.client_count = 6;
  const GeneratedCluster replacement = generated(smaller);
  ASSERT_TRUE(write_cluster_directory(directory.path(), replacement, crypto::Overwrite::allow).ok());
  const std::vector<fs::path> expected = {directory.path() / "keys" / "client-6.key",
                                          directory.path() / "keys" / "client-7.key"};
  EXPECT_EQ(foreign_key_files(directory.path(), replacement.config), expected);
}

TEST(Keygen, OneHostPerReplica) {
  KeygenOptions options;
  options.hosts = {"10.0.0.1", "10.0.0.2", "node-c", "node-d"};
  const ClusterConfig config = generated(options).config;
  for (std::uint32_t i = 0; i < 4; ++i) {
    EXPECT_EQ(config.replicas[i].host, options.hosts[i]);
    EXPECT_EQ(config.replicas[i].port, 7100 + i);
  }
}

TEST(Keygen, SingleHostForEveryReplica) {
  KeygenOptions options;
  options.hosts = {"10.1.2.3"};
  const ClusterConfig config = generated(options).config;
  for (std::uint32_t i = 0; i < 4; ++i) {
    EXPECT_EQ(config.replicas[i].host, "10.1.2.3");
    EXPECT_EQ(config.replicas[i].port, 7100 + i);
  }
}

TEST(Keygen, RepeatedHostsStillGetDistinctPorts) {
  KeygenOptions options;
  options.hosts = {"alpha", "alpha", "beta", "beta"};
  const ClusterConfig config = generated(options).config;
  EXPECT_EQ(config.replicas[1].host, "alpha");
  EXPECT_EQ(config.replicas[1].port, 7101);
  EXPECT_EQ(config.replicas[2].port, 7102);
  EXPECT_TRUE(parse_cluster(format_cluster(config), "generated").ok());
}

TEST(Keygen, WrongNumberOfHosts) {
  KeygenOptions options;
  options.hosts = {"a", "b"};
  EXPECT_EQ(generate_error(options),
            "--hosts lists 2 hosts for 4 replicas; give one host per replica, or a single host for all of them");
}

TEST(Keygen, BadHost) {
  KeygenOptions options;
  options.hosts = {"tcp://x:1"};
  EXPECT_EQ(generate_error(options).rfind("--hosts: host \"tcp://x:1\" is not a host name or IP address", 0), 0u);
  options.hosts = {""};
  EXPECT_EQ(generate_error(options), "--hosts: host is empty");
}

TEST(Keygen, ReplicaCountFollowsTheProtocol) {
  KeygenOptions options;
  options.replica_count = 3;
  EXPECT_EQ(generate_error(options),
            "--replicas 3: pbft needs at least 4 replicas, found 3: it tolerates f Byzantine replicas with "
            "n >= 3f+1 replicas, and f must be at least 1");
  options.protocol = ProtocolMode::paxos;
  EXPECT_EQ(generated(options).config.max_faulty(), 1u);
  options.replica_count = 129;
  EXPECT_EQ(generate_error(options), "--replicas 129: found 129 replicas; the limit is 128");
}

TEST(Keygen, NeedsAClient) {
  KeygenOptions options;
  options.client_count = 0;
  EXPECT_EQ(generate_error(options), "--clients 0: the cluster has no clients; it needs at least one");
}

TEST(Keygen, PortsMustFit) {
  KeygenOptions options;
  options.base_port = 65534;
  EXPECT_EQ(generate_error(options),
            "--base-port 65534: replica i listens on base-port + i, so 4 replicas need ports up to 65537, beyond "
            "65535");
  options.base_port = 0;
  EXPECT_EQ(generate_error(options), "--base-port 0 is out of range (1-65535)");
  options.base_port = 65532;
  EXPECT_EQ(generated(options).config.replicas[3].port, 65535);
}

TEST(Keygen, ClusterIdMustBePositive) {
  KeygenOptions options;
  options.cluster_id = 0;
  EXPECT_EQ(generate_error(options), "--cluster-id 0 is out of range (1-9223372036854775807)");
}

}  // namespace
}  // namespace loyal::cluster
