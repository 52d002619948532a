// Whole clusters: election and commitment under seeded message loss and reordering, leadership
// transfer, single-replica clusters, and determinism.

#include <gtest/gtest.h>

#include "common/prng.h"
#include "raft_harness.h"

namespace loyal::raft::testing {
namespace {

// Proposes `count` operations at whoever leads while the network loses `loss_percent`, then
// heals the network and waits until every replica executed everything committed. Returns the
// common last executed index (0 if they never agreed).
Index run_lossy_workload(RaftHarness& cluster, int count, std::uint32_t loss_percent) {
  cluster.loss_percent = loss_percent;
  cluster.reorder = true;
  int proposed = 0;
  for (int round = 0; round < 2000 && proposed < count; ++round) {
    if (const auto leader = cluster.leader(); leader && cluster.core(*leader).can_propose()) {
      cluster.propose(*leader, "op" + std::to_string(proposed++));
    }
    cluster.tick(1);
  }
  EXPECT_EQ(proposed, count);
  cluster.loss_percent = 0;
  Index agreed = 0;
  const bool converged = cluster.tick_until(
      [&] {
        const auto leader = cluster.leader();
        if (!leader || cluster.core(*leader).commit_index() != cluster.core(*leader).last_log_index()) return false;
        for (ReplicaId replica = 0; replica < cluster.size(); ++replica) {
          if (cluster.last_executed(replica) != cluster.core(*leader).commit_index()) return false;
        }
        agreed = cluster.core(*leader).commit_index();
        return true;
      },
      1000);
  EXPECT_TRUE(converged);
  EXPECT_FALSE(cluster.violated());
  return agreed;
}

TEST(RaftCluster, ThreeReplicasElectAndCommitUnderLoss) {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    RaftHarness cluster(3, seed);
    const Index agreed = run_lossy_workload(cluster, 40, 20);
    EXPECT_GE(agreed, 41u) << "seed " << seed;  // 40 batches and at least one no-op
  }
}

TEST(RaftCluster, FiveReplicasElectAndCommitUnderLossAndSnapshots) {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    RaftHarness cluster(5, seed);
    cluster.checkpoint_interval = 7;
    const Index agreed = run_lossy_workload(cluster, 40, 25);
    EXPECT_GE(agreed, 41u) << "seed " << seed;
  }
}

TEST(RaftCluster, SingleReplicaElectsItselfAndCommits) {
  RaftHarness cluster(1);
  ASSERT_TRUE(cluster.tick_until([&] { return cluster.leader() == ReplicaId{0}; }, 100));
  cluster.propose(0, "alone");
  EXPECT_EQ(cluster.core(0).commit_index(), 2u);
  EXPECT_EQ(cluster.last_executed(0), 2u);
}

TEST(RaftCluster, LeadershipTransferBringsTheTargetUpToDateFirst) {
  RaftHarness cluster(3, 2);
  ASSERT_TRUE(cluster.tick_until([&] { return cluster.leader().has_value(); }, 200));
  const ReplicaId leader = *cluster.leader();
  const ReplicaId target = (leader + 1) % 3;
  const Term term = cluster.core(leader).current_term();
  cluster.set_connected(target, false);
  for (int i = 0; i < 10; ++i) cluster.propose(leader, "op" + std::to_string(i));
  cluster.run();
  const Index last = cluster.core(leader).last_log_index();
  cluster.set_connected(target, true);
  cluster.transfer_leadership(leader, target);
  EXPECT_FALSE(cluster.core(leader).can_propose());
  EXPECT_EQ(cluster.core(leader).transfer_target(), target);
  cluster.run();
  EXPECT_EQ(cluster.leader(), target);
  EXPECT_EQ(cluster.core(target).current_term(), term + 1);
  EXPECT_EQ(cluster.core(leader).role(), Role::follower);
  // The new leader had everything the old one had, plus its own no-op.
  EXPECT_GE(cluster.core(target).last_log_index(), last + 1);
  ASSERT_TRUE(cluster.tick_until([&] { return cluster.last_executed(leader) == last + 1; }, 50));
  EXPECT_FALSE(cluster.violated());
}

TEST(RaftCluster, LeadershipTransferIsAbandonedAfterAnElectionTimeout) {
  RaftHarness cluster(3, 2);
  ASSERT_TRUE(cluster.tick_until([&] { return cluster.leader().has_value(); }, 200));
  const ReplicaId leader = *cluster.leader();
  const ReplicaId target = (leader + 1) % 3;
  cluster.set_connected(target, false);
  cluster.propose(leader, "x");
  cluster.transfer_leadership(leader, target);
  EXPECT_FALSE(cluster.core(leader).can_propose());
  cluster.tick(static_cast<std::uint32_t>(test_options(0, 3).election_timeout_max_ticks));
  EXPECT_FALSE(cluster.core(leader).transfer_target().has_value());
  EXPECT_EQ(cluster.leader(), leader);
  EXPECT_TRUE(cluster.core(leader).can_propose());
}

TEST(RaftCluster, StatusReportsTermLeaderAndProgress) {
  RaftHarness cluster(3, 3);
  ASSERT_TRUE(cluster.tick_until([&] { return cluster.leader().has_value(); }, 200));
  const ReplicaId leader = *cluster.leader();
  cluster.propose(leader, "x");
  cluster.tick(5);
  for (ReplicaId replica = 0; replica < 3; ++replica) {
    const replica::ProtocolStatus status = cluster.core(replica).status();
    EXPECT_EQ(status.epoch, cluster.core(leader).current_term());
    EXPECT_EQ(status.leader, leader);
    EXPECT_EQ(status.last_committed, 2u);
    EXPECT_EQ(status.stable_checkpoint, 0u);
  }
}

// Everything at once, from a seeded schedule: lost and reordered messages, partitions, replicas
// restarting (losing what their disks had not synced), slow disks, checkpoints and leadership
// transfers. The checkers (one leader per term, one batch per index, Log Matching) must hold
// throughout, and once the faults stop every replica must catch up.
TEST(RaftCluster, AgreementSurvivesCrashesPartitionsAndSlowDisks) {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    const std::uint32_t replicas = seed % 2 == 1 ? 5 : 3;
    RaftHarness cluster(replicas, seed);
    cluster.checkpoint_interval = 6;
    cluster.loss_percent = 20;
    cluster.reorder = true;
    Prng faults(seed * 77);
    auto some_replica = [&] { return static_cast<ReplicaId>(faults.below(replicas)); };
    for (int round = 0, proposed = 0; round < 600; ++round) {
      if (const auto leader = cluster.leader(); leader && cluster.core(*leader).can_propose() && faults.chance(1, 2)) {
        cluster.propose(*leader, "op" + std::to_string(proposed++));
      }
      if (faults.chance(1, 30)) cluster.set_manual_sync(some_replica(), faults.chance(1, 2));
      if (faults.chance(1, 3)) cluster.sync(some_replica());
      if (faults.chance(1, 40)) cluster.restart(some_replica());
      if (faults.chance(1, 60)) cluster.set_connected(some_replica(), false);
      if (faults.chance(1, 20)) {
        for (ReplicaId replica = 0; replica < replicas; ++replica) cluster.set_connected(replica, true);
      }
      if (const auto leader = cluster.leader(); leader && faults.chance(1, 80)) {
        cluster.transfer_leadership(*leader, some_replica());
      }
      cluster.tick(1);
      if (round % 50 == 0) cluster.check_log_matching();
    }
    for (ReplicaId replica = 0; replica < replicas; ++replica) {
      cluster.set_connected(replica, true);
      cluster.set_manual_sync(replica, false);
      cluster.sync(replica);
    }
    cluster.loss_percent = 0;
    const bool caught_up = cluster.tick_until(
        [&] {
          const auto leader = cluster.leader();
          if (!leader || cluster.core(*leader).commit_index() != cluster.core(*leader).last_log_index()) return false;
          for (ReplicaId replica = 0; replica < replicas; ++replica) {
            if (cluster.last_executed(replica) != cluster.core(*leader).commit_index()) return false;
          }
          return true;
        },
        2000);
    EXPECT_TRUE(caught_up) << "seed " << seed;
    cluster.check_log_matching();
    ASSERT_FALSE(cluster.violated()) << "seed " << seed;
    EXPECT_GT(cluster.last_executed(0), 50u) << "seed " << seed;
  }
}

TEST(RaftCluster, SameSeedSameTranscript) {
  auto transcript = [](std::uint64_t seed) {
    RaftHarness cluster(5, seed);
    cluster.checkpoint_interval = 4;
    run_lossy_workload(cluster, 15, 20);
    return cluster.transcript();
  };
  const auto first = transcript(21);
  EXPECT_EQ(first, transcript(21));
  EXPECT_NE(first, transcript(22));
}

}  // namespace
}  // namespace loyal::raft::testing

namespace loyal::raft::testing {
namespace {

// Check-quorum: a leader cut off from every follower stops claiming leadership within
// election_timeout_max_ticks (twice, at most, since its first check may come just before the cut),
// and the rest of the cluster elects a new leader it then follows when it comes back.
TEST(RaftCluster, LeaderCutOffFromAMajorityStepsDown) {
  RaftHarness cluster(3, 4);
  ASSERT_TRUE(cluster.tick_until([&] { return cluster.leader().has_value(); }, 200));
  const ReplicaId leader = *cluster.leader();
  const Term term = cluster.core(leader).current_term();
  cluster.set_connected(leader, false);
  cluster.tick(static_cast<std::uint32_t>(2 * test_options(0, 3).election_timeout_max_ticks));
  EXPECT_EQ(cluster.core(leader).role(), Role::follower);
  EXPECT_EQ(cluster.core(leader).current_term(), term);
  EXPECT_FALSE(cluster.core(leader).status().leader.has_value());
  EXPECT_FALSE(cluster.core(leader).can_propose());
  cluster.set_connected(leader, true);
  ASSERT_TRUE(cluster.tick_until([&] { return cluster.leader().has_value(); }, 200));
  const ReplicaId new_leader = *cluster.leader();
  EXPECT_NE(new_leader, leader);
  ASSERT_TRUE(cluster.tick_until([&] { return cluster.core(leader).leader() == new_leader; }, 50));
  EXPECT_FALSE(cluster.violated());
}

}  // namespace
}  // namespace loyal::raft::testing
