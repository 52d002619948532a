// Whole clusters of cores over the harness's network: election, commitment under loss and
// reordering, competing proposers, leader crashes, compaction and a lagging follower's state
// transfer. Every run checks agreement (one digest per slot across replicas) and gap-free
// execution after every batch.

#include <gtest/gtest.h>

#include "paxos_harness.h"

namespace loyal::paxos {
namespace {

using testing::PaxosCluster;

// Proposes (up to four values a tick) whenever the leader can, until every live replica executed
// `count` slots.
bool commit_everywhere(PaxosCluster& cluster, Slot count, std::uint32_t max_ticks) {
  return cluster.tick_until(
      [&] {
        for (int i = 0; i < 4; ++i) cluster.propose();
        return cluster.min_executed_live() >= count;
      },
      max_ticks);
}

void expect_safe(const PaxosCluster& cluster) {
  EXPECT_EQ(cluster.agreement_violations(), 0u);
  EXPECT_EQ(cluster.gap_violations(), 0u);
  EXPECT_EQ(cluster.sent_before_durable(), 0u);
}

TEST(PaxosCluster, ElectsOneLeaderAndCommitsInOrder) {
  PaxosCluster cluster(3, 1);
  ASSERT_TRUE(cluster.tick_until([&] { return cluster.leader().has_value(); }, 200));
  const ReplicaId leader = *cluster.leader();
  ASSERT_TRUE(commit_everywhere(cluster, 20, 500));
  expect_safe(cluster);
  for (ReplicaId r = 0; r < 3; ++r) {
    EXPECT_EQ(cluster.core(r).status().leader, leader);
    ASSERT_GE(cluster.executed(r).size(), 20u);
    for (std::size_t i = 0; i < cluster.executed(r).size(); ++i) EXPECT_EQ(cluster.executed(r)[i].sequence, i + 1);
  }
}

class SeededLoss : public ::testing::TestWithParam<std::tuple<std::uint32_t, std::uint64_t>> {};

TEST_P(SeededLoss, CommitsUnderLossAndReordering) {
  const auto [replicas, seed] = GetParam();
  PaxosCluster cluster(replicas, seed);
  cluster.loss_percent = 20;
  cluster.shuffle = true;
  ASSERT_TRUE(commit_everywhere(cluster, 30, 5000)) << "seed " << seed;
  expect_safe(cluster);
}

INSTANTIATE_TEST_SUITE_P(ThreeAndFive, SeededLoss,
                         ::testing::Combine(::testing::Values(3u, 5u), ::testing::Values(1u, 2u, 3u, 4u, 5u)));

// Short, overlapping timeouts, loss, reordering and replicas whose outgoing links go silent for
// a while (a muted leader keeps proposing while the others elect another) make proposers compete
// all the time; no two replicas may ever choose different values for one slot.
TEST(PaxosCluster, CompetingProposersNeverChooseTwoValues) {
  std::uint64_t campaigns_seen = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    PaxosCluster cluster(seed % 2 == 0 ? 3 : 5, seed, 1000, [](PaxosOptions& options) {
      options.leader_timeout_min_ticks = 6;
      options.leader_timeout_max_ticks = 9;
      options.heartbeat_ticks = 5;
    });
    cluster.loss_percent = 10;
    cluster.shuffle = true;
    Prng schedule(seed * 7919);
    std::optional<ReplicaId> muted;
    std::uint64_t muted_until = 0;
    cluster.cut = [&](const testing::Packet& packet) { return muted && packet.from == *muted; };
    for (std::uint64_t tick = 0; tick < 400; ++tick) {
      if (muted && tick >= muted_until) muted.reset();
      if (!muted && schedule.chance(1, 15)) {
        muted = static_cast<ReplicaId>(schedule.below(cluster.size()));
        muted_until = tick + schedule.between(5, 25);
      }
      cluster.propose();
      cluster.tick(1, 20);  // few deliveries per tick: messages linger and cross campaigns
    }
    cluster.run();
    campaigns_seen += cluster.core(0).status().epoch;
    EXPECT_GT(cluster.decided().size(), 0u) << "seed " << seed;
    EXPECT_EQ(cluster.agreement_violations(), 0u) << "seed " << seed;
    EXPECT_EQ(cluster.gap_violations(), 0u) << "seed " << seed;
    EXPECT_EQ(cluster.sent_before_durable(), 0u) << "seed " << seed;
    // Every chosen digest any replica still holds agrees with the decided one.
    for (ReplicaId r = 0; r < cluster.size(); ++r) {
      for (const auto& [slot, digest] : cluster.decided()) {
        const auto chosen = cluster.core(r).chosen_digest(slot);
        if (chosen) {
          EXPECT_EQ(*chosen, digest) << "seed " << seed << " slot " << slot;
        }
      }
    }
  }
  // The schedule really made replicas compete: many ballots over the runs.
  EXPECT_GT(campaigns_seen, 40u * 2);
}

TEST(PaxosCluster, NewLeaderAfterLeaderCrashResumesProgress) {
  PaxosCluster cluster(5, 11);
  ASSERT_TRUE(commit_everywhere(cluster, 10, 1000));
  const ReplicaId old_leader = *cluster.leader();
  const Ballot old_ballot = cluster.core(old_leader).own_ballot();
  cluster.crash(old_leader);
  ASSERT_TRUE(cluster.tick_until([&] { return cluster.leader().has_value(); }, 500));
  EXPECT_NE(*cluster.leader(), old_leader);
  EXPECT_GT(cluster.core(*cluster.leader()).own_ballot(), old_ballot);
  ASSERT_TRUE(commit_everywhere(cluster, 25, 2000));
  expect_safe(cluster);
}

TEST(PaxosCluster, CheckpointsCompactAndDiscardRecords) {
  PaxosCluster cluster(3, 5, /*checkpoint_interval=*/10);
  int proposed = 0;
  ASSERT_TRUE(cluster.tick_until(
      [&] {
        if (proposed < 25 && cluster.propose()) ++proposed;
        return cluster.min_executed_live() >= 25;
      },
      2000));
  cluster.run();
  ASSERT_EQ(cluster.min_executed_live(), 25u);
  for (ReplicaId r = 0; r < 3; ++r) {
    ASSERT_GE(cluster.stable(r).size(), 2u);
    EXPECT_EQ(cluster.stable(r)[0].sequence, 10u);
    EXPECT_EQ(cluster.stable(r)[1].sequence, 20u);
    EXPECT_EQ(cluster.core(r).stable_slot(), 20u);
    // Compacted: nothing held at or below the stable slot.
    EXPECT_FALSE(cluster.core(r).chosen_digest(20));
    EXPECT_FALSE(cluster.core(r).accepted_at(5));
    EXPECT_TRUE(cluster.core(r).chosen_digest(21));
    // The journal starts with the restatement written at the last checkpoint.
    ASSERT_FALSE(cluster.journal(r).empty());
    EXPECT_EQ(cluster.journal(r).front().type, kRestatementRecord);
    const AcceptorRecord restated =
        std::get<AcceptorRecord>(decode_acceptor_record(cluster.journal(r).front().payload, {}));
    EXPECT_EQ(restated.stable_slot, 20u);
    EXPECT_EQ(restated.promised, cluster.core(r).promised_ballot());
    for (const AcceptedValue& value : restated.accepted) EXPECT_GT(value.slot, 20u);
  }
  expect_safe(cluster);
}

TEST(PaxosCluster, LaggingFollowerFetchesStateAfterLeaderCompacted) {
  PaxosCluster cluster(3, 9, /*checkpoint_interval=*/10);
  ASSERT_TRUE(cluster.tick_until([&] { return cluster.leader().has_value(); }, 200));
  const ReplicaId leader = *cluster.leader();
  const ReplicaId lagging = (leader + 1) % 3;
  // The follower hears nothing; the others go on and compact past what it has.
  cluster.cut = [&](const testing::Packet& packet) { return packet.to == lagging || packet.from == lagging; };
  const ReplicaId other = (leader + 2) % 3;
  ASSERT_TRUE(cluster.tick_until(
      [&] {
        cluster.propose();
        return cluster.last_executed(leader) >= 35 && cluster.last_executed(other) >= 35;
      },
      2000));
  EXPECT_EQ(cluster.last_executed(lagging), 0u);
  cluster.cut = nullptr;
  ASSERT_TRUE(cluster.tick_until([&] { return cluster.last_executed(lagging) >= cluster.last_executed(leader); }, 1000));
  ASSERT_FALSE(cluster.fetches(lagging).empty());
  const replica::StateFetch& fetch = cluster.fetches(lagging).front();
  EXPECT_GE(fetch.sequence, 30u);
  EXPECT_EQ(fetch.sources.front(), leader);
  EXPECT_EQ(fetch.sources.size(), 2u);
  EXPECT_EQ(cluster.installs(lagging), 1u);
  expect_safe(cluster);
}

TEST(PaxosCluster, FollowerBehindWithinTheLogCatchesUpFromValues) {
  PaxosCluster cluster(3, 4);
  ASSERT_TRUE(cluster.tick_until([&] { return cluster.leader().has_value(); }, 200));
  const ReplicaId leader = *cluster.leader();
  const ReplicaId lagging = (leader + 1) % 3;
  cluster.cut = [&](const testing::Packet& packet) { return packet.to == lagging || packet.from == lagging; };
  ASSERT_TRUE(cluster.tick_until(
      [&] {
        cluster.propose();
        return cluster.last_executed(leader) >= 12;
      },
      2000));
  cluster.cut = nullptr;
  ASSERT_TRUE(cluster.tick_until([&] { return cluster.last_executed(lagging) >= 12; }, 500));
  EXPECT_TRUE(cluster.fetches(lagging).empty());
  expect_safe(cluster);
}

// The old leader's values were accepted by the followers but never chosen (every ACCEPTED to it
// was lost). The new leader learns them through PROMISEs split over several messages (at most
// four values each here) and chooses exactly those values, not no-ops.
TEST(PaxosCluster, NewLeaderKeepsValuesAcceptedUnderTheOldOne) {
  PaxosCluster cluster(3, 21);
  ASSERT_TRUE(cluster.tick_until([&] { return cluster.leader().has_value(); }, 200));
  const ReplicaId old_leader = *cluster.leader();
  cluster.cut = [&](const testing::Packet& packet) {
    return packet.to == old_leader && packet.kind == net::MessageKind::paxos_accepted;
  };
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(cluster.propose());
  cluster.run();
  EXPECT_TRUE(cluster.decided().empty());
  cluster.crash(old_leader);
  cluster.cut = nullptr;
  ASSERT_TRUE(cluster.tick_until([&] { return cluster.min_executed_live() >= 10; }, 1000));
  for (Slot slot = 1; slot <= 10; ++slot) {
    EXPECT_EQ(cluster.decided().at(slot), crypto::sha256(testing::make_value(slot))) << "slot " << slot;
  }
  expect_safe(cluster);
}

// The same seed gives the same run: every replica executes the same batches, in the same order.
TEST(PaxosCluster, SameSeedSameRun) {
  auto run = [](std::uint64_t seed) {
    PaxosCluster cluster(5, seed);
    cluster.loss_percent = 15;
    cluster.shuffle = true;
    commit_everywhere(cluster, 20, 3000);
    std::vector<std::vector<crypto::Digest>> executed(cluster.size());
    for (ReplicaId r = 0; r < cluster.size(); ++r) {
      for (const replica::CommittedBatch& batch : cluster.executed(r)) executed[r].push_back(batch.digest);
    }
    return std::make_pair(executed, cluster.core(0).status().epoch);
  };
  EXPECT_EQ(run(31), run(31));
}

}  // namespace
}  // namespace loyal::paxos
