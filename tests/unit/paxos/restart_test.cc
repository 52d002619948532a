// Restarts: what the records give back, and clusters whose replicas crash and restart.

#include <gtest/gtest.h>

#include "paxos/drop_reasons.h"
#include "paxos_harness.h"

namespace loyal::paxos {
namespace {

using testing::deliver;
using testing::make_value;
using testing::PaxosCluster;
using testing::test_options;

TEST(PaxosRestart, RecordsRestorePromiseAndAcceptedValues) {
  std::vector<replica::PersistRecord> journal;
  const Bytes value = make_value(1);
  {
    PaxosCore core(test_options(0, 3));
    replica::Actions out;
    ASSERT_FALSE(deliver(core, 1, net::MessageKind::paxos_prepare, encode_prepare({{5, 1}, 1}), out));
    ASSERT_FALSE(deliver(core, 1, net::MessageKind::paxos_accept,
                         encode_accept({{5, 1}, {{1, crypto::sha256(value), value}}}), out));
    ASSERT_FALSE(deliver(core, 2, net::MessageKind::paxos_prepare, encode_prepare({{6, 2}, 1}), out));
    journal = out.persist;
  }
  PaxosCore restarted(test_options(0, 3), journal);
  EXPECT_EQ(restarted.promised_ballot(), (Ballot{6, 2}));
  EXPECT_EQ(restarted.accepted_at(1), (AcceptedSummary{{5, 1}, crypto::sha256(value)}));
  EXPECT_FALSE(restarted.leading());
  // Never accepts below the recovered promise.
  replica::Actions out;
  const Bytes other = make_value(2);
  ASSERT_FALSE(deliver(restarted, 1, net::MessageKind::paxos_accept,
                       encode_accept({{5, 1}, {{1, crypto::sha256(other), other}}}), out));
  EXPECT_EQ(restarted.accepted_at(1), (AcceptedSummary{{5, 1}, crypto::sha256(value)}));
  ASSERT_FALSE(deliver(restarted, 1, net::MessageKind::paxos_prepare, encode_prepare({{5, 1}, 1}), out));
  EXPECT_EQ(restarted.ignored().at(reason::kAcceptBelowPromise), 1u);
  EXPECT_EQ(restarted.ignored().at(reason::kPrepareBelowPromise), 1u);
  // New records continue the id sequence.
  replica::Actions next;
  ASSERT_FALSE(deliver(restarted, 2, net::MessageKind::paxos_prepare, encode_prepare({{9, 2}, 1}), next));
  EXPECT_EQ(next.persist.at(0).id, journal.back().id + 1);
}

TEST(PaxosRestart, RestatementReplacesEarlierRecords) {
  PaxosCluster cluster(3, 2, /*checkpoint_interval=*/10);
  ASSERT_TRUE(cluster.tick_until(
      [&] {
        cluster.propose();
        return cluster.min_executed_live() >= 15;
      },
      2000));
  cluster.run();
  const ReplicaId follower = (*cluster.leader() + 1) % 3;
  const Ballot promised = cluster.core(follower).promised_ballot();
  const auto accepted_above = cluster.core(follower).accepted_at(15);
  ASSERT_TRUE(accepted_above);
  PaxosCore restarted(test_options(follower, 3), cluster.journal(follower));
  EXPECT_EQ(restarted.promised_ballot(), promised);
  EXPECT_EQ(restarted.stable_slot(), 10u);
  EXPECT_FALSE(restarted.accepted_at(5));
  EXPECT_EQ(restarted.accepted_at(15), accepted_above);
}

TEST(PaxosRestart, RestartedLeaderFollowsAndNeverReusesItsBallot) {
  PaxosCluster cluster(3, 3, /*checkpoint_interval=*/10);
  ASSERT_TRUE(cluster.tick_until(
      [&] {
        cluster.propose();
        return cluster.min_executed_live() >= 12;
      },
      2000));
  const ReplicaId old_leader = *cluster.leader();
  const Ballot old_ballot = cluster.core(old_leader).own_ballot();
  cluster.crash(old_leader);
  cluster.restart(old_leader);
  EXPECT_FALSE(cluster.core(old_leader).leading());
  EXPECT_GE(cluster.core(old_leader).promised_ballot(), old_ballot);
  EXPECT_EQ(cluster.core(old_leader).last_chosen_contiguous(), 10u);  // its saved snapshot
  ASSERT_TRUE(cluster.tick_until(
      [&] {
        cluster.propose();
        return cluster.min_executed_live() >= 30;
      },
      3000));
  EXPECT_GT(cluster.core(*cluster.leader()).own_ballot(), old_ballot);
  EXPECT_EQ(cluster.agreement_violations(), 0u);
  EXPECT_EQ(cluster.gap_violations(), 0u);
}

TEST(PaxosRestart, WholeClusterRestartsWithSlowDisksAndKeepsAgreement) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    PaxosCluster cluster(3, seed, /*checkpoint_interval=*/8);
    cluster.shuffle = true;
    cluster.loss_percent = 5;
    for (ReplicaId r = 0; r < 3; ++r) cluster.set_persist_delay(r, static_cast<std::uint32_t>((seed + r) % 3));
    for (int round = 0; round < 3; ++round) {
      for (int tick = 0; tick < 80; ++tick) {
        cluster.propose();
        cluster.tick(1, 50);
      }
      // Crash everything mid-flight (unsynced records are lost), then bring all back.
      for (ReplicaId r = 0; r < 3; ++r) cluster.crash(r);
      for (ReplicaId r = 0; r < 3; ++r) cluster.restart(r);
    }
    const Slot before = cluster.decided().empty() ? 0 : cluster.decided().rbegin()->first;
    ASSERT_TRUE(cluster.tick_until(
        [&] {
          cluster.propose();
          return cluster.min_executed_live() >= before + 5;
        },
        5000))
        << "seed " << seed;
    EXPECT_EQ(cluster.agreement_violations(), 0u) << "seed " << seed;
    EXPECT_EQ(cluster.gap_violations(), 0u) << "seed " << seed;
    EXPECT_EQ(cluster.sent_before_durable(), 0u) << "seed " << seed;
  }
}

// Crashes and restarts of a minority at random moments, on slow disks, with loss, reordering and
// checkpoints every 8 slots (so compaction, restatements and state transfer all happen): never
// two values for one slot, and once the faults stop every replica catches up and progress resumes.
TEST(PaxosRestart, RandomCrashesKeepAgreementAndProgressResumesAfterwards) {
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    const std::uint32_t replicas = seed % 2 == 0 ? 3 : 5;
    PaxosCluster cluster(replicas, seed, /*checkpoint_interval=*/8);
    cluster.shuffle = true;
    cluster.loss_percent = 10;
    Prng faults(seed * 104729);
    for (ReplicaId r = 0; r < replicas; ++r) cluster.set_persist_delay(r, static_cast<std::uint32_t>(faults.below(3)));
    for (int tick = 0; tick < 600; ++tick) {
      std::uint32_t down = 0;
      for (ReplicaId r = 0; r < replicas; ++r) down += cluster.crashed(r) ? 1 : 0;
      const auto victim = static_cast<ReplicaId>(faults.below(replicas));
      if (!cluster.crashed(victim) && down + 1 <= (replicas - 1) / 2 && faults.chance(1, 40)) {
        cluster.crash(victim);
      } else if (cluster.crashed(victim) && faults.chance(1, 15)) {
        cluster.restart(victim);
      }
      cluster.propose();
      cluster.tick(1, 40);
    }
    for (ReplicaId r = 0; r < replicas; ++r) {
      if (cluster.crashed(r)) cluster.restart(r);
    }
    cluster.loss_percent = 0;
    const Slot before = cluster.decided().empty() ? 0 : cluster.decided().rbegin()->first;
    EXPECT_TRUE(cluster.tick_until(
        [&] {
          cluster.propose();
          return cluster.min_executed_live() >= before + 5;
        },
        3000))
        << "seed " << seed;
    EXPECT_EQ(cluster.agreement_violations(), 0u) << "seed " << seed;
    EXPECT_EQ(cluster.gap_violations(), 0u) << "seed " << seed;
    EXPECT_EQ(cluster.sent_before_durable(), 0u) << "seed " << seed;
  }
}

}  // namespace
}  // namespace loyal::paxos
