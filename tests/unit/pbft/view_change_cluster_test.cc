// View change across whole clusters of cores: scripted scenarios, each named after what it guards.

#include <gtest/gtest.h>

#include "pbft/drop_reasons.h"
#include "test_cluster.h"

namespace loyal::pbft::testing {
namespace {

using net::MessageKind;


TEST(ViewChangeCluster, SilentPrimaryBackupsTimersFireViewOneInstalledRequestsCommit) {
  TestCluster cluster;
  cluster.set_behaviour(0, Behaviour::silent);
  cluster.submit_pending();
  cluster.propose();  // the silent primary's PRE-PREPARE never leaves
  cluster.run();
  tick_until(cluster, [&] { return cluster.core(1).view() == 1 && !cluster.core(1).in_view_change(); });
  for (ReplicaId replica = 1; replica < 4; ++replica) {
    EXPECT_EQ(cluster.core(replica).view(), 1u);
    EXPECT_FALSE(cluster.core(replica).in_view_change());
    EXPECT_EQ(cluster.core(replica).status().leader, ReplicaId{1});
  }
  const crypto::Digest digest = cluster.propose();
  cluster.run();
  for (ReplicaId replica = 1; replica < 4; ++replica) {
    ASSERT_EQ(cluster.committed(replica).size(), 1u);
    EXPECT_EQ(cluster.committed(replica)[0].digest, digest);
  }
}

// Safety across a view change: a batch prepared at a quorum in view 0 (its COMMITs lost) commits
// in view 1 at the same sequence number with the same digest.
TEST(ViewChangeCluster, ABatchPreparedAtAQuorumInViewZeroSurvivesIntoViewOne) {
  TestCluster cluster;
  cluster.submit_pending();
  // Every COMMIT of view 0 is lost, so nothing commits before the view change.
  cluster.lose = [&cluster](ReplicaId, ReplicaId to, MessageKind kind) {
    return kind == MessageKind::pbft_commit && cluster.core(to).view() == 0;
  };
  cluster.propose();  // sequence 1
  cluster.run();
  const crypto::Digest second = cluster.propose();  // sequence 2
  cluster.run();
  for (ReplicaId replica = 0; replica < 4; ++replica) {
    ASSERT_TRUE(cluster.core(replica).slot(2)->sent_commit) << "prepared everywhere";
    ASSERT_TRUE(cluster.committed(replica).empty()) << "committed nowhere";
  }
  cluster.set_behaviour(0, Behaviour::silent);
  tick_until(cluster, [&] { return cluster.committed(1).size() == 2; });
  for (ReplicaId replica = 1; replica < 4; ++replica) {
    EXPECT_EQ(cluster.core(replica).view(), 1u);
    ASSERT_EQ(cluster.committed(replica).size(), 2u);
    EXPECT_EQ(cluster.committed(replica)[1].sequence, 2u);
    EXPECT_EQ(cluster.committed(replica)[1].digest, second);
  }
}

TEST(ViewChangeCluster, AViewChangeAfterAStableCheckpointCarriesItsProofAndGoesOnAboveIt) {
  TestCluster cluster;
  for (int i = 0; i < 5; ++i) cluster.propose();
  cluster.run();
  ASSERT_EQ(cluster.core(1).low_watermark(), 4u);
  cluster.set_behaviour(0, Behaviour::silent);
  cluster.submit_pending();
  tick_until(cluster, [&] { return cluster.core(1).view() == 1 && !cluster.core(1).in_view_change(); });
  for (ReplicaId replica = 1; replica < 4; ++replica) {
    EXPECT_EQ(cluster.core(replica).view(), 1u);
    EXPECT_EQ(cluster.drops(replica).count(reason::kBadCheckpointProof), 0u);
  }
  const crypto::Digest digest = cluster.propose();
  cluster.run();
  for (ReplicaId replica = 1; replica < 4; ++replica) {
    ASSERT_EQ(cluster.committed(replica).size(), 6u);
    EXPECT_EQ(cluster.committed(replica)[5].sequence, 6u);
    EXPECT_EQ(cluster.committed(replica)[5].digest, digest);
  }
}

TEST(ViewChangeCluster, LostViewChangesAndNewViewAreRecoveredByRetransmission) {
  TestCluster cluster;
  cluster.set_behaviour(0, Behaviour::silent);
  int view_changes_lost = 0;
  int new_views_lost = 0;
  cluster.lose = [&](ReplicaId, ReplicaId to, MessageKind kind) {
    if (kind == MessageKind::pbft_view_change && view_changes_lost < 6) return ++view_changes_lost, true;
    if (kind == MessageKind::pbft_new_view && to == 3 && new_views_lost < 1) return ++new_views_lost, true;
    return false;
  };
  cluster.submit_pending();
  tick_until(cluster, [&] {
    for (ReplicaId replica = 1; replica < 4; ++replica) {
      if (cluster.core(replica).view() != 1 || cluster.core(replica).in_view_change()) return false;
    }
    return true;
  });
  EXPECT_EQ(view_changes_lost, 6);
  EXPECT_EQ(new_views_lost, 1);
  for (ReplicaId replica = 1; replica < 4; ++replica) {
    EXPECT_EQ(cluster.core(replica).view(), 1u);
    EXPECT_FALSE(cluster.core(replica).in_view_change());
  }
  cluster.propose();
  cluster.run();
  for (ReplicaId replica = 1; replica < 4; ++replica) EXPECT_EQ(cluster.committed(replica).size(), 1u);
}

TEST(ViewChangeCluster, ConsecutiveFailedViewChangesBackOffExponentially) {
  TestCluster cluster(7, 2);
  cluster.set_behaviour(0, Behaviour::silent);
  cluster.set_behaviour(1, Behaviour::silent);  // the primary of view 1 never sends its NEW-VIEW
  cluster.submit_pending();
  PbftCore& watched = cluster.core(4);
  tick_until(cluster, [&] { return watched.view() == 1; });
  EXPECT_EQ(watched.view_change_timeout(), 20u);
  const std::uint32_t to_view_two = tick_until(cluster, [&] { return watched.view() == 2; });
  EXPECT_FALSE(watched.in_view_change()) << "replica 2 leads view 2";
  EXPECT_GE(to_view_two, 20u);
  EXPECT_LE(to_view_two, 21u);

  // Now with the primaries of views 1 and 2 both silent (n = 10, f = 3).
  TestCluster slow(10, 3);
  for (const ReplicaId silent : {0u, 1u, 2u}) slow.set_behaviour(silent, Behaviour::silent);
  slow.submit_pending();
  PbftCore& other = slow.core(4);
  tick_until(slow, [&] { return other.view() == 1; });
  const std::uint32_t first = tick_until(slow, [&] { return other.view() == 2; });
  EXPECT_EQ(other.view_change_timeout(), 40u) << "doubled after one failure";
  const std::uint32_t second = tick_until(slow, [&] { return other.view() == 3; });
  EXPECT_EQ(first, 20u);
  EXPECT_EQ(second, 40u);
  tick_until(slow, [&] { return !other.in_view_change(); });
  EXPECT_EQ(other.view(), 3u);
  EXPECT_EQ(other.view_change_timeout(), 20u) << "reset once a view change succeeds";
}

TEST(ViewChangeCluster, TheSameInputsGiveTheSameActions) {
  const auto run = [] {
    TestCluster cluster;
    cluster.set_behaviour(0, Behaviour::silent);
    cluster.submit_pending();
    cluster.propose();
    cluster.run();
    cluster.tick(60);
    cluster.propose();
    cluster.run();
    return cluster.transcript();
  };
  const std::vector<std::string> first = run();
  EXPECT_EQ(first, run());
  EXPECT_GT(first.size(), 10u);
}

}  // namespace
}  // namespace loyal::pbft::testing
