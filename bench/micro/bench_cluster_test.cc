// The benchmark cluster measures what it claims to: every mode commits every request, on every
// replica, into the same state; no frame is dropped and no timer does the work; the signature
// scheme changes the cost of each check, never which messages are sent or checked; and MAC'd
// client requests remove the client signature checks and nothing else.

#include <gtest/gtest.h>

#include <string>

#include "bench/micro/bench_cluster.h"

namespace loyal::bench {
namespace {

constexpr std::uint32_t kRounds = 40;  // enough for PBFT's checkpoints at K = 16
constexpr std::uint32_t kCheckpointInterval = 16;
constexpr std::uint32_t kSettleTicks = 100;  // beyond Raft's and Paxos's 30-tick heartbeat

struct Case {
  ProtocolMode mode;
  std::uint32_t replicas;
  std::uint32_t batch;
  // Replicas that authenticate each client request: in PBFT every one (the primary at admission,
  // each backup in the PRE-PREPARE's batch, so a primary cannot invent requests); in Raft and
  // Paxos the leader only.
  std::uint32_t request_checks;
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return std::string(to_string(info.param.mode)) + "_batch" + std::to_string(info.param.batch);
}

BenchClusterOptions options_for(const Case& c, SignatureScheme signatures,
                                cluster::ClientAuth client_auth = cluster::ClientAuth::signature) {
  return BenchClusterOptions{.mode = c.mode,
                             .replicas = c.replicas,
                             .clients = c.batch,
                             .batch_max_requests = c.batch,
                             .value_bytes = 64,
                             .checkpoint_interval = kCheckpointInterval,
                             .signatures = signatures,
                             .client_auth = client_auth};
}

// Runs kRounds measured rounds; returns what they cost.
ClusterTotals run_rounds(BenchCluster& cluster) {
  const Status started = cluster.start();
  EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().message);
  const ClusterTotals before = cluster.totals();
  for (std::uint32_t round = 0; round < kRounds; ++round) {
    const Status ran = cluster.run_round(nullptr);
    EXPECT_TRUE(ran.ok()) << (ran.ok() ? "" : ran.error().message);
    if (!ran.ok()) break;
  }
  return cluster.totals() - before;
}

class BenchClusterTest : public ::testing::TestWithParam<Case> {};

TEST_P(BenchClusterTest, EveryRequestCommitsEverywhereWithoutTicksOrDrops) {
  const Case c = GetParam();
  BenchCluster cluster(options_for(c, SignatureScheme::fast));
  const ClusterTotals run = run_rounds(cluster);
  EXPECT_EQ(run.requests_completed, std::uint64_t{kRounds} * c.batch);
  EXPECT_EQ(run.batches_committed, kRounds);  // one full batch per round, no no-ops
  EXPECT_EQ(run.ticks, 0u);
  EXPECT_EQ(run.dropped, 0u);
  EXPECT_GT(run.replica_messages, 0u);
  // PBFT signs its protocol messages; Raft and Paxos authenticate them with MACs and sign nothing.
  if (c.mode == ProtocolMode::pbft) {
    EXPECT_GT(run.signatures, 0u);
  } else {
    EXPECT_EQ(run.signatures, 0u);
  }

  cluster.settle(kSettleTicks);
  const replica::Replica& first = cluster.replica(0);
  // Warm-up and measured rounds, one put per client each.
  EXPECT_EQ(first.counters().requests_executed, std::uint64_t{kRounds + 1} * c.batch);
  for (ReplicaId r = 1; r < c.replicas; ++r) {
    EXPECT_EQ(cluster.replica(r).last_executed(), first.last_executed()) << "replica " << r;
    EXPECT_EQ(cluster.replica(r).application().digest(), first.application().digest()) << "replica " << r;
  }
}

TEST_P(BenchClusterTest, SignatureSchemeChangesNoMessageAndNoCheck) {
  const Case c = GetParam();
  BenchCluster with_ed25519(options_for(c, SignatureScheme::ed25519));
  BenchCluster with_fast(options_for(c, SignatureScheme::fast));
  const ClusterTotals ed25519 = run_rounds(with_ed25519);
  const ClusterTotals fast = run_rounds(with_fast);
  EXPECT_EQ(ed25519.replica_messages, fast.replica_messages);
  EXPECT_EQ(ed25519.signatures, fast.signatures);
  EXPECT_EQ(ed25519.verifications, fast.verifications);
  EXPECT_EQ(ed25519.requests_completed, fast.requests_completed);
  EXPECT_EQ(ed25519.dropped, 0u);
}

TEST_P(BenchClusterTest, MacRequestsReplaceExactlyTheClientSignatureChecks) {
  const Case c = GetParam();
  BenchCluster signed_requests(options_for(c, SignatureScheme::fast, cluster::ClientAuth::signature));
  BenchCluster mac_requests(options_for(c, SignatureScheme::fast, cluster::ClientAuth::mac));
  const ClusterTotals with_signatures = run_rounds(signed_requests);
  const ClusterTotals with_macs = run_rounds(mac_requests);
  EXPECT_EQ(with_macs.requests_completed, with_signatures.requests_completed);
  EXPECT_EQ(with_macs.dropped, 0u);
  EXPECT_EQ(with_macs.signatures, with_signatures.signatures);
  EXPECT_EQ(with_signatures.verifications - with_macs.verifications,
            with_signatures.requests_completed * c.request_checks);
}

INSTANTIATE_TEST_SUITE_P(Modes, BenchClusterTest,
                         ::testing::Values(Case{ProtocolMode::pbft, 4, 1, 4}, Case{ProtocolMode::pbft, 4, 8, 4},
                                           Case{ProtocolMode::raft, 3, 1, 1}, Case{ProtocolMode::raft, 3, 8, 1},
                                           Case{ProtocolMode::paxos, 3, 1, 1}, Case{ProtocolMode::paxos, 3, 8, 1}),
                         case_name);

}  // namespace
}  // namespace loyal::bench
