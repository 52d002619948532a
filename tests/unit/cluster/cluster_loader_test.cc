#include "cluster/cluster_loader.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/unit/cluster/cluster_test_support.h"

namespace loyal::cluster {
namespace {

using testing_support::delete_lines;
using testing_support::insert_line_before;
using testing_support::replace_line;
using testing_support::ScratchDirectory;
using testing_support::valid_cluster_text;

// Lines of valid_cluster_text().
constexpr std::size_t kProtocolLine = 3;
constexpr std::size_t kCheckpointIntervalLine = 6;
constexpr std::size_t kWindowLine = 7;
constexpr std::size_t replica_header_line(std::size_t id) { return 9 + 7 * id; }
constexpr std::size_t replica_port_line(std::size_t id) { return replica_header_line(id) + 3; }
constexpr std::size_t replica_public_key_line(std::size_t id) { return replica_header_line(id) + 4; }
constexpr std::size_t client_header_line(std::size_t id) { return 37 + 5 * id; }

std::string error_of(const std::string& text) {
  const Result<ClusterConfig> result = parse_cluster(text, "cluster.toml");
  EXPECT_FALSE(result.ok()) << "the cluster loaded although it should not have";
  return result.ok() ? std::string() : result.error().message;
}

ClusterConfig parsed(const std::string& text) {
  Result<ClusterConfig> result = parse_cluster(text, "cluster.toml");
  EXPECT_TRUE(result.ok()) << result.error().message;
  return result.ok() ? std::move(result).value() : ClusterConfig{};
}

TEST(ClusterLoader, LoadsAValidCluster) {
  const ClusterConfig config = parsed(valid_cluster_text());
  EXPECT_EQ(config.cluster_id, 42u);
  EXPECT_EQ(config.protocol, ProtocolMode::pbft);
  ASSERT_EQ(config.replica_count(), 4u);
  ASSERT_EQ(config.client_count(), 2u);
  EXPECT_EQ(config.max_faulty(), 1u);
  for (std::uint32_t i = 0; i < 4; ++i) {
    EXPECT_EQ(config.replicas[i].id, i);
    EXPECT_EQ(config.replicas[i].host, "127.0.0.1");
    EXPECT_EQ(config.replicas[i].port, 7100 + i);
    EXPECT_EQ(config.replicas[i].public_key.bytes[0], 0x10 + i);
    EXPECT_EQ(config.replicas[i].exchange_public_key.bytes[31], 0x20 + i);
  }
  EXPECT_EQ(config.clients[1].public_key.bytes[0], 0x31);
  EXPECT_EQ(config.parameters, Parameters{});
}

TEST(ClusterLoader, PutsReplicasInIdOrderWhateverTheFileOrder) {
  std::string text = valid_cluster_text();
  text = replace_line(text, replica_header_line(0) + 1, "id = 3");
  text = replace_line(text, replica_header_line(3) + 1, "id = 0");
  const ClusterConfig config = parsed(text);
  EXPECT_EQ(config.replicas[0].port, 7103);
  EXPECT_EQ(config.replicas[3].port, 7100);
  EXPECT_EQ(config.replicas[3].id, 3u);
}

TEST(ClusterLoader, MissingParametersTakeTheirDefaults) {
  const ClusterConfig config = parsed(delete_lines(valid_cluster_text(), 5, 8));
  EXPECT_EQ(config.parameters, Parameters{});
}

TEST(ClusterLoader, ReadsEveryParameter) {
  const std::string text = delete_lines(valid_cluster_text(), kCheckpointIntervalLine, kWindowLine);
  const std::string parameters =
      "client_auth = \"mac\"\nbatch_max_requests = 10\nbatch_max_bytes = 100000\nbatch_linger_ms = 2\n"
      "checkpoint_interval = 50\nwindow = 150\nrequest_timeout_ms = 700\nview_change_timeout_ms = 1500\n"
      "election_timeout_min_ms = 200\nelection_timeout_max_ms = 400\nheartbeat_ms = 20\nclient_retry_ms = 900\n"
      "max_request_bytes = 4096\ntick_ms = 2";
  const ClusterConfig config = parsed(insert_line_before(text, kCheckpointIntervalLine, parameters));
  const Parameters& p = config.parameters;
  EXPECT_EQ(p.client_auth, ClientAuth::mac);
  EXPECT_EQ(p.batch_max_requests, 10u);
  EXPECT_EQ(p.batch_max_bytes, 100000u);
  EXPECT_EQ(p.batch_linger_ms, 2u);
  EXPECT_EQ(p.checkpoint_interval, 50u);
  EXPECT_EQ(p.window, 150u);
  EXPECT_EQ(p.request_timeout_ms, 700u);
  EXPECT_EQ(p.view_change_timeout_ms, 1500u);
  EXPECT_EQ(p.election_timeout_min_ms, 200u);
  EXPECT_EQ(p.election_timeout_max_ms, 400u);
  EXPECT_EQ(p.heartbeat_ms, 20u);
  EXPECT_EQ(p.client_retry_ms, 900u);
  EXPECT_EQ(p.max_request_bytes, 4096u);
  EXPECT_EQ(p.tick_ms, 2u);
}

TEST(ClusterLoader, FormatThenParseGivesTheSameCluster) {
  ClusterConfig config = parsed(valid_cluster_text());
  config.protocol = ProtocolMode::raft;
  config.cluster_id = 9'000'000'000'000'000'000u;
  config.replicas[2].host = "node-2.example.org";
  config.parameters.client_auth = ClientAuth::mac;
  config.parameters.window = 512;
  config.parameters.heartbeat_ms = 75;
  const std::string text = format_cluster(config);
  const Result<ClusterConfig> reparsed = parse_cluster(text, "formatted.toml");
  ASSERT_TRUE(reparsed.ok()) << reparsed.error().message << "\n" << text;
  EXPECT_EQ(*reparsed, config);
  EXPECT_EQ(format_cluster(*reparsed), text);
}

TEST(ClusterLoader, MissingKeyIsReportedAtItsTable) {
  const std::string text = delete_lines(valid_cluster_text(), replica_public_key_line(2), replica_public_key_line(2));
  EXPECT_EQ(error_of(text), "cluster.toml:23: replica 2 has no public_key");
}

TEST(ClusterLoader, MissingTopLevelKeyIsReportedAtTheTop) {
  EXPECT_EQ(error_of(delete_lines(valid_cluster_text(), 2, 2)), "cluster.toml:1: cluster_id is missing");
}

TEST(ClusterLoader, MisspelledTopLevelKey) {
  const std::string text = replace_line(valid_cluster_text(), kProtocolLine, "protocl = \"pbft\"");
  EXPECT_EQ(error_of(text),
            "cluster.toml:1: protocol is missing\n"
            "cluster.toml:3: unknown key \"protocl\" at the top level; did you mean \"protocol\"?");
}

TEST(ClusterLoader, UnknownParameter) {
  const std::string text = insert_line_before(valid_cluster_text(), kWindowLine, "prot = 3");
  EXPECT_EQ(error_of(text), "cluster.toml:7: unknown key \"prot\" in [parameters]");
}

TEST(ClusterLoader, MisspelledParameterGetsAHint) {
  const std::string text = replace_line(valid_cluster_text(), kWindowLine, "windw = 256");
  EXPECT_EQ(error_of(text), "cluster.toml:7: unknown key \"windw\" in [parameters]; did you mean \"window\"?");
}

TEST(ClusterLoader, ParameterOutsideParametersTable) {
  const std::string text = insert_line_before(valid_cluster_text(), 4, "tick_ms = 2");
  EXPECT_EQ(error_of(text),
            "cluster.toml:4: unknown key \"tick_ms\" at the top level; parameters belong under [parameters]");
}

TEST(ClusterLoader, MisspelledReplicaKey) {
  const std::size_t line = replica_public_key_line(1);
  const std::string text = replace_line(valid_cluster_text(), line, "public_ky = \"AAAA\"");
  EXPECT_EQ(error_of(text),
            "cluster.toml:16: replica 1 has no public_key\n"
            "cluster.toml:20: unknown key \"public_ky\" in [[replica]]; did you mean \"public_key\"?");
}

TEST(ClusterLoader, DuplicateReplicaIdAndTheIdItHides) {
  const std::string text = replace_line(valid_cluster_text(), replica_header_line(2) + 1, "id = 1");
  EXPECT_EQ(error_of(text),
            "cluster.toml:9: replica ids must be 0-3, each used once; 2 is missing\n"
            "cluster.toml:23: replica id 1 is used twice (first at line 16)");
}

TEST(ClusterLoader, ReplicaIdBeyondTheReplicaCount) {
  const std::string text = replace_line(valid_cluster_text(), replica_header_line(3) + 1, "id = 7");
  EXPECT_EQ(error_of(text),
            "cluster.toml:9: replica ids must be 0-3, each used once; 3 is missing\n"
            "cluster.toml:30: replica id 7 is out of range: with 4 replicas the ids are 0-3");
}

TEST(ClusterLoader, DuplicateClientId) {
  const std::string text = replace_line(valid_cluster_text(), client_header_line(1) + 1, "id = 0");
  EXPECT_EQ(error_of(text),
            "cluster.toml:37: client ids must be 0-1, each used once; 1 is missing\n"
            "cluster.toml:42: client id 0 is used twice (first at line 37)");
}

TEST(ClusterLoader, BadBase64Key) {
  const std::string text =
      replace_line(valid_cluster_text(), replica_public_key_line(1), "public_key = \"not base64!\"");
  EXPECT_EQ(error_of(text),
            "cluster.toml:20: replica 1: public_key is not a base64-encoded Ed25519 public key (32 bytes)");
}

TEST(ClusterLoader, KeyOfTheWrongLength) {
  const std::string sixteen_bytes = "AAAAAAAAAAAAAAAAAAAAAA==";
  const std::string text = replace_line(valid_cluster_text(), client_header_line(0) + 3,
                                        "exchange_public_key = \"" + sixteen_bytes + "\"");
  EXPECT_EQ(error_of(text),
            "cluster.toml:40: client 0: exchange_public_key is not a base64-encoded X25519 public key (32 bytes)");
}

TEST(ClusterLoader, PortOutOfRange) {
  const std::string text = replace_line(valid_cluster_text(), replica_port_line(1), "port = 99999");
  EXPECT_EQ(error_of(text), "cluster.toml:19: replica 1: port 99999 is out of range (1-65535)");
}

TEST(ClusterLoader, ValueOfTheWrongType) {
  const std::string text = replace_line(valid_cluster_text(), replica_port_line(1), "port = \"7101\"");
  EXPECT_EQ(error_of(text), "cluster.toml:19: replica 1: port must be an integer, found a string");
}

TEST(ClusterLoader, UnknownProtocol) {
  const std::string text = replace_line(valid_cluster_text(), kProtocolLine, "protocol = \"pbfx\"");
  EXPECT_EQ(error_of(text), "cluster.toml:3: protocol \"pbfx\" is unknown; expected pbft, raft or paxos");
}

TEST(ClusterLoader, ClusterIdMustBePositive) {
  EXPECT_EQ(error_of(replace_line(valid_cluster_text(), 2, "cluster_id = 0")),
            "cluster.toml:2: cluster_id must be positive, found 0");
  EXPECT_EQ(error_of(replace_line(valid_cluster_text(), 2, "cluster_id = -8")),
            "cluster.toml:2: cluster_id must be positive, found -8");
}

TEST(ClusterLoader, TomlSyntaxErrorHasLineAndColumn) {
  const std::string text = replace_line(valid_cluster_text(), replica_port_line(2), "port = ");
  EXPECT_EQ(error_of(text).rfind("cluster.toml:26:8: invalid TOML: ", 0), 0u) << error_of(text);
}

TEST(ClusterLoader, PbftNeedsFourReplicas) {
  const std::string text = delete_lines(valid_cluster_text(), replica_header_line(3), replica_header_line(3) + 6);
  EXPECT_EQ(error_of(text),
            "cluster.toml:9: pbft needs at least 4 replicas, found 3: it tolerates f Byzantine replicas with "
            "n >= 3f+1 replicas, and f must be at least 1");
}

TEST(ClusterLoader, RaftAndPaxosRunWithThreeReplicasButNotTwo) {
  const std::string three = delete_lines(valid_cluster_text(), replica_header_line(3), replica_header_line(3) + 6);
  for (const std::string protocol : {"raft", "paxos"}) {
    const std::string text = replace_line(three, kProtocolLine, "protocol = \"" + protocol + "\"");
    EXPECT_EQ(parsed(text).max_faulty(), 1u);
    const std::string two = delete_lines(text, replica_header_line(2), replica_header_line(2) + 6);
    EXPECT_EQ(error_of(two), "cluster.toml:9: " + protocol +
                                 " needs at least 3 replicas, found 2: it tolerates f crashed replicas with "
                                 "n >= 2f+1 replicas, and f must be at least 1 (or exactly 1 replica, which "
                                 "tolerates none: for development and benchmark baselines)");
    const std::string one = delete_lines(two, replica_header_line(1), replica_header_line(1) + 6);
    EXPECT_EQ(parsed(one).max_faulty(), 0u) << "a single replica is allowed, tolerating no crash";
  }
}

TEST(ClusterLoader, NeedsAClient) {
  const std::string text = delete_lines(valid_cluster_text(), client_header_line(0) - 1, client_header_line(1) + 3);
  EXPECT_EQ(error_of(text), "cluster.toml:1: the cluster has no clients; it needs at least one");
}

TEST(ClusterLoader, WindowMustBeAMultipleOfTheCheckpointInterval) {
  const std::string text = replace_line(valid_cluster_text(), kWindowLine, "window = 300");
  EXPECT_EQ(error_of(text),
            "cluster.toml:7: window 300 must be a multiple of checkpoint_interval 128 (the log window L advances "
            "by whole checkpoint intervals)");
}

TEST(ClusterLoader, WindowMustHoldTwoCheckpoints) {
  const std::string text = replace_line(valid_cluster_text(), kWindowLine, "window = 128");
  EXPECT_EQ(error_of(text),
            "cluster.toml:7: window 128 must be at least twice checkpoint_interval 128 (PBFT's log window L holds "
            "at least two checkpoints, so that new requests keep being ordered while the next checkpoint becomes "
            "stable)");
}

TEST(ClusterLoader, RelationshipIsReportedAtTheKeyThatIsWritten) {
  // window keeps its default (256), which is no multiple of the checkpoint_interval written.
  std::string text = delete_lines(valid_cluster_text(), kWindowLine, kWindowLine);
  text = replace_line(text, kCheckpointIntervalLine, "checkpoint_interval = 100");
  EXPECT_EQ(error_of(text).rfind("cluster.toml:6: window 256 must be a multiple of checkpoint_interval 100", 0), 0u);
}

TEST(ClusterLoader, TimingRelationships) {
  const auto with_parameter = [](std::string_view line) {
    return insert_line_before(valid_cluster_text(), kWindowLine + 1, line);
  };
  EXPECT_EQ(error_of(with_parameter("election_timeout_min_ms = 600")).rfind(
                "cluster.toml:8: election_timeout_min_ms 600 must be less than election_timeout_max_ms 600", 0),
            0u);
  EXPECT_EQ(error_of(with_parameter("heartbeat_ms = 300"))
                .rfind("cluster.toml:8: heartbeat_ms 300 must be less than election_timeout_min_ms 300", 0),
            0u);
  EXPECT_EQ(error_of(with_parameter("tick_ms = 10")),
            "cluster.toml:8: batch_linger_ms 1 must be at least tick_ms 10 (nothing shorter than one tick can be "
            "timed)");
  EXPECT_EQ(error_of(with_parameter("max_request_bytes = 300000")),
            "cluster.toml:8: max_request_bytes 300000 must not exceed batch_max_bytes 262144 (every admitted "
            "request must fit in a batch)");
}

TEST(ClusterLoader, ParameterOutOfRange) {
  const std::string text = insert_line_before(valid_cluster_text(), kWindowLine, "batch_max_requests = 0");
  EXPECT_EQ(error_of(text), "cluster.toml:7: batch_max_requests 0 is out of range (1-8192)");
}

TEST(ClusterLoader, UnknownClientAuth) {
  const std::string text = insert_line_before(valid_cluster_text(), kWindowLine, "client_auth = \"password\"");
  EXPECT_EQ(error_of(text), "cluster.toml:7: client_auth \"password\" is unknown; expected signature or mac");
}

TEST(ClusterLoader, TwoReplicasAtOneAddress) {
  const std::string text = replace_line(valid_cluster_text(), replica_port_line(1), "port = 7100");
  EXPECT_EQ(error_of(text), "cluster.toml:16: replica 1 has the same address 127.0.0.1:7100 as replica 0 (line 9)");
}

TEST(ClusterLoader, ReplicasShareAHostOnDifferentPorts) {
  const std::string text = replace_line(valid_cluster_text(), replica_header_line(1) + 2, "host = \"127.0.0.1\"");
  EXPECT_EQ(parsed(text).replicas[1].host, "127.0.0.1");
}

TEST(ClusterLoader, TwoNodesWithOnePublicKey) {
  const std::string text = valid_cluster_text();
  const std::string replica_key = testing_support::line_at(text, replica_public_key_line(0));
  EXPECT_EQ(error_of(replace_line(text, client_header_line(0) + 2, replica_key)),
            "cluster.toml:37: client 0 has the same public_key as replica 0 (line 9); every node needs keys of its "
            "own");
}

TEST(ClusterLoader, HostMustBeAHostName) {
  const std::string text = replace_line(valid_cluster_text(), replica_header_line(0) + 2, "host = \"tcp://a b\"");
  EXPECT_EQ(error_of(text),
            "cluster.toml:11: replica 0: host \"tcp://a b\" is not a host name or IP address (letters, digits, '.', "
            "'-', '_' and ':' only; at most 253 characters)");
}

TEST(ClusterLoader, ReplicaWrittenAsASingleTable) {
  std::string text = delete_lines(valid_cluster_text(), replica_header_line(1), replica_header_line(3) + 6);
  text = replace_line(text, replica_header_line(0), "[replica]");
  EXPECT_EQ(error_of(text),
            "cluster.toml:9: replica must be an array of tables: write [[replica]] above each replica");
}

TEST(ClusterLoader, LoadsFromAFileAndNamesItInErrors) {
  const ScratchDirectory directory;
  const std::filesystem::path path = directory.path() / "cluster.toml";
  std::ofstream(path) << replace_line(valid_cluster_text(), replica_port_line(3), "port = 0");
  const Result<ClusterConfig> broken = load_cluster_file(path);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().message, path.string() + ":33: replica 3: port 0 is out of range (1-65535)");

  std::ofstream(path, std::ios::trunc) << valid_cluster_text();
  const Result<ClusterConfig> loaded = load_cluster_file(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(*loaded, parsed(valid_cluster_text()));
}

TEST(ClusterLoader, MissingFile) {
  const ScratchDirectory directory;
  const std::filesystem::path path = directory.path() / "absent.toml";
  const Result<ClusterConfig> result = load_cluster_file(path);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, "cannot read cluster file " + path.string() + ": No such file or directory");
}

}  // namespace
}  // namespace loyal::cluster
