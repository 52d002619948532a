// replica_setup: what a replica is built from a cluster file, and the operator mistakes it refuses.

#include "replica/runtime/replica_setup.h"

#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/runtime/cluster_directory.h"

namespace loyal::runtime {
namespace {

using ::testing::HasSubstr;
using testing::ClusterDirectory;
using testing::pbft_cluster;

// Both steps, as loyal-replica takes them on a fresh start.
Result<std::unique_ptr<ReplicaSetup>> build_all(const cluster::ClusterConfig& config, const SetupRequest& request) {
  auto setup = build_replica_setup(config, request);
  if (!setup) return setup;
  if (Status core = (*setup)->build_protocol({}); !core) return core.error();
  return setup;
}

SetupRequest request_for(const ClusterDirectory& directory, ReplicaId self) {
  SetupRequest request;
  request.self = self;
  request.key_file = directory.replica_key(self);
  return request;
}

std::string error_of(const Result<std::unique_ptr<ReplicaSetup>>& result) {
  return result.ok() ? std::string("(no error)") : result.error().message;
}

TEST(MsToTicks, RoundsUpAndNeverReturnsZero) {
  EXPECT_EQ(ms_to_ticks(500, 1), 500u);
  EXPECT_EQ(ms_to_ticks(500, 2), 250u);
  EXPECT_EQ(ms_to_ticks(5, 2), 3u);   // a timeout never fires early
  EXPECT_EQ(ms_to_ticks(1, 10), 1u);
  EXPECT_EQ(ms_to_ticks(0, 10), 1u);  // nor on every tick
}

TEST(ReplicaSetup, BuildsOptionsFromTheClusterFileInTicks) {
  ClusterDirectory directory(pbft_cluster(3));
  cluster::ClusterConfig config = directory.config();
  config.parameters.tick_ms = 5;
  config.parameters.batch_linger_ms = 12;
  config.parameters.request_timeout_ms = 1000;
  config.parameters.view_change_timeout_ms = 2000;
  auto setup = build_all(config, request_for(directory, 2));
  ASSERT_TRUE(setup.ok()) << error_of(setup);
  const replica::ReplicaOptions& options = (*setup)->options();
  EXPECT_EQ(options.self, 2u);
  EXPECT_EQ(options.cluster_id, 4242u);
  EXPECT_EQ(options.mode, ProtocolMode::pbft);
  EXPECT_EQ(options.replica_count, 4u);
  EXPECT_EQ(options.client_count, 3u);
  EXPECT_EQ(options.checkpoint_interval, config.parameters.checkpoint_interval);
  EXPECT_EQ(options.max_request_bytes, config.parameters.max_request_bytes);
  EXPECT_EQ(options.batching.max_requests, config.parameters.batch_max_requests);
  EXPECT_EQ(options.batching.linger_ticks, 3u);  // 12 ms at 5 ms per tick, rounded up
  EXPECT_EQ(options.state_transfer.timeout_ticks, ms_to_ticks(kStateTransferTimeoutMs, 5));
  EXPECT_EQ((*setup)->max_faulty(), 1u);
  EXPECT_EQ((*setup)->tick_ms(), 5u);
  EXPECT_TRUE((*setup)->byzantine_mode().empty());

  const pbft::PbftOptions pbft = pbft_options(config, 2);
  EXPECT_EQ(pbft.self, 2u);
  EXPECT_EQ(pbft.max_faulty, 1u);
  EXPECT_EQ(pbft.request_timeout_ticks, 200u);
  EXPECT_EQ(pbft.view_change_timeout_ticks, 400u);
  EXPECT_EQ(pbft.retransmit_ticks, 20u);
  EXPECT_EQ(pbft.window, config.parameters.window);
}

TEST(ReplicaSetup, TheBuiltPartsMakeAReplicaOfTheCluster) {
  ClusterDirectory directory(pbft_cluster());
  auto setup = build_all(directory.config(), request_for(directory, 0));
  ASSERT_TRUE(setup.ok()) << error_of(setup);
  struct : replica::Outbox {
    void to_replica(ReplicaId, ByteView) override {}
    void to_client(ClientId, ByteView) override {}
  } outbox;
  struct : replica::Journal {
    void append(const replica::PersistRecord&) override {}
    std::uint64_t sync() override { return 0; }
    void discard_before(std::uint64_t) override {}
    void save_snapshot(const replica::SavedSnapshot&) override {}
  } journal;
  replica::Replica replica((*setup)->options(), (*setup)->take_parts(outbox, journal, std::nullopt));
  EXPECT_EQ(replica.protocol().mode(), ProtocolMode::pbft);
  EXPECT_EQ(replica.status().leader, std::optional<ReplicaId>(0));
}

TEST(ReplicaSetup, RefusesAnIdOutsideTheCluster) {
  ClusterDirectory directory(pbft_cluster());
  SetupRequest request = request_for(directory, 0);
  request.self = 4;
  auto setup = build_all(directory.config(), request);
  EXPECT_THAT(error_of(setup), HasSubstr("replica id 4 is out of range: the cluster file has 4 replicas (ids 0 to 3)"));
}

TEST(ReplicaSetup, RefusesAnotherReplicasKeyFile) {
  ClusterDirectory directory(pbft_cluster());
  SetupRequest request = request_for(directory, 2);
  request.key_file = directory.replica_key(1);
  auto setup = build_all(directory.config(), request);
  EXPECT_THAT(error_of(setup), HasSubstr("this is the key of replica 1, not of replica 2"));
}

TEST(ReplicaSetup, RefusesAKeyThatDoesNotMatchTheClusterFile) {
  ClusterDirectory directory(pbft_cluster());
  ClusterDirectory other(pbft_cluster());  // same ids, fresh keys
  SetupRequest request = request_for(directory, 2);
  request.key_file = other.replica_key(2);
  auto setup = build_all(directory.config(), request);
  EXPECT_THAT(error_of(setup), HasSubstr("the key does not match replica 2's public key in the cluster file"));
}

TEST(ReplicaSetup, RefusesAMissingOrGroupReadableKey) {
  ClusterDirectory directory(pbft_cluster());
  SetupRequest request = request_for(directory, 3);
  ASSERT_EQ(::chmod(request.key_file.c_str(), 0640), 0);
  EXPECT_THAT(error_of(build_all(directory.config(), request)), HasSubstr("mode 0640"));
  request.key_file = directory.path() / "keys" / "missing.key";
  EXPECT_THAT(error_of(build_all(directory.config(), request)),
              HasSubstr("cannot read key file"));
}

TEST(ReplicaSetup, TheProtocolFlagSwapsTheCoreOverTheSameClusterFile) {
  cluster::KeygenOptions options = pbft_cluster();
  options.protocol = ProtocolMode::raft;
  options.replica_count = 3;
  ClusterDirectory raft(options);
  auto raft_setup = build_all(raft.config(), request_for(raft, 1));
  ASSERT_TRUE(raft_setup.ok()) << error_of(raft_setup);
  EXPECT_EQ((*raft_setup)->options().mode, ProtocolMode::raft);

  // A PBFT cluster file runs Multi-Paxos when the flag says so (n = 4 tolerates one crash).
  ClusterDirectory pbft(pbft_cluster());
  SetupRequest request = request_for(pbft, 1);
  request.protocol = ProtocolMode::paxos;
  auto paxos_setup = build_all(pbft.config(), request);
  ASSERT_TRUE(paxos_setup.ok()) << error_of(paxos_setup);
  EXPECT_EQ((*paxos_setup)->options().mode, ProtocolMode::paxos);
}

TEST(ReplicaSetup, RaftAndPaxosTimeoutsComeFromTheClusterFile) {
  ClusterDirectory directory(pbft_cluster());
  cluster::ClusterConfig config = directory.config();
  config.parameters.election_timeout_min_ms = 200;
  config.parameters.election_timeout_max_ms = 400;
  config.parameters.heartbeat_ms = 20;
  config.parameters.tick_ms = 2;
  const raft::RaftOptions raft = raft_options(config, 1, 7);
  EXPECT_EQ(raft.election_timeout_min_ticks, 100u);
  EXPECT_EQ(raft.election_timeout_max_ticks, 200u);
  EXPECT_EQ(raft.heartbeat_ticks, 10u);
  EXPECT_EQ(raft.max_uncommitted_entries, config.parameters.window);
  const paxos::PaxosOptions paxos = paxos_options(config, 1, 7);
  EXPECT_EQ(paxos.leader_timeout_min_ticks, 100u);
  EXPECT_EQ(paxos.leader_timeout_max_ticks, 200u);
  EXPECT_EQ(paxos.heartbeat_ticks, 10u);
}

TEST(ReplicaSetup, PbftNeedsFourReplicas) {
  cluster::KeygenOptions options = pbft_cluster();
  options.protocol = ProtocolMode::raft;
  options.replica_count = 3;
  ClusterDirectory raft(options);
  SetupRequest request = request_for(raft, 0);
  request.protocol = ProtocolMode::pbft;
  EXPECT_THAT(error_of(build_all(raft.config(), request)),
              HasSubstr("pbft needs at least 4 replicas, but the cluster file has 3"));
}

TEST(ReplicaSetup, ByzantineModesArePbftOnlyAndNamed) {
  ClusterDirectory directory(pbft_cluster());
  SetupRequest request = request_for(directory, 1);
  request.byzantine = "silent";
  auto silent = build_all(directory.config(), request);
  ASSERT_TRUE(silent.ok()) << error_of(silent);
  EXPECT_EQ((*silent)->byzantine_mode(), "silent");

  request.byzantine = "sneaky";
  EXPECT_THAT(error_of(build_all(directory.config(), request)),
              HasSubstr("unknown mode `sneaky`; the modes are silent, slow, equivocate"));

  request.byzantine = "silent";
  request.protocol = ProtocolMode::raft;
  EXPECT_THAT(error_of(build_all(directory.config(), request)),
              HasSubstr("--byzantine is for pbft only"));
}

}  // namespace
}  // namespace loyal::runtime
