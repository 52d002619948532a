// Four real cores exchanging real signed frames: the normal case end to end, with a silent
// backup, a backup sending garbage, lost messages, and a replica that fell behind.

#include <gtest/gtest.h>

#include "pbft/drop_reasons.h"
#include "test_cluster.h"

namespace loyal::pbft::testing {
namespace {

std::vector<Sequence> one_to(Sequence last) {
  std::vector<Sequence> sequences;
  for (Sequence sequence = 1; sequence <= last; ++sequence) sequences.push_back(sequence);
  return sequences;
}

// Proposes `batches` batches, as many at once as the primary's window allows, running the
// network whenever it is full. Returns their digests in proposal order.
std::vector<crypto::Digest> propose_and_run(TestCluster& cluster, std::uint32_t batches) {
  std::vector<crypto::Digest> digests;
  while (digests.size() < batches) {
    if (!cluster.core(0).can_propose()) cluster.run();
    digests.push_back(cluster.propose(2));
  }
  cluster.run();
  return digests;
}

void expect_committed_everywhere(TestCluster& cluster, const std::vector<ReplicaId>& replicas,
                                 const std::vector<crypto::Digest>& digests) {
  for (const ReplicaId replica : replicas) {
    ASSERT_EQ(cluster.committed_sequences(replica), one_to(digests.size())) << "replica " << replica;
    for (std::size_t i = 0; i < digests.size(); ++i) {
      EXPECT_EQ(cluster.committed(replica)[i].digest, digests[i]) << "replica " << replica << " sequence " << i + 1;
    }
  }
}

std::vector<Sequence> stable_sequences(const TestCluster& cluster, ReplicaId replica) {
  std::vector<Sequence> sequences;
  for (const replica::StableCheckpoint& stable : cluster.stable(replica)) sequences.push_back(stable.sequence);
  return sequences;
}

TEST(Cluster, FourReplicasCommitEveryBatchInTheSameOrder) {
  TestCluster cluster;
  std::vector<crypto::Digest> digests;
  for (int round = 0; round < 3; ++round) {
    digests.push_back(cluster.propose(3));
    cluster.run();
  }
  expect_committed_everywhere(cluster, {0, 1, 2, 3}, digests);
}

TEST(Cluster, PipelinesWholeWindowsAndCollectsGarbageAtEveryCheckpoint) {
  TestCluster cluster;
  const std::vector<crypto::Digest> digests = propose_and_run(cluster, 20);
  expect_committed_everywhere(cluster, {0, 1, 2, 3}, digests);
  for (ReplicaId replica = 0; replica < 4; ++replica) {
    EXPECT_EQ(stable_sequences(cluster, replica), (std::vector<Sequence>{4, 8, 12, 16, 20})) << replica;
    EXPECT_EQ(cluster.core(replica).low_watermark(), 20u);
    for (Sequence sequence = 1; sequence <= 20; ++sequence) EXPECT_EQ(cluster.core(replica).slot(sequence), nullptr);
    EXPECT_TRUE(cluster.fetches(replica).empty());
  }
}

TEST(Cluster, CommitsWithOneSilentBackup) {
  TestCluster cluster;
  cluster.set_behaviour(3, Behaviour::silent);
  const std::vector<crypto::Digest> digests = propose_and_run(cluster, 10);
  expect_committed_everywhere(cluster, {0, 1, 2, 3}, digests);
  EXPECT_EQ(stable_sequences(cluster, 0), (std::vector<Sequence>{4, 8}));
}

TEST(Cluster, CommitsWithOneBackupSendingGarbage) {
  TestCluster cluster;
  cluster.set_behaviour(2, Behaviour::garbage);
  const std::vector<crypto::Digest> digests = propose_and_run(cluster, 10);
  expect_committed_everywhere(cluster, {0, 1, 3}, digests);
  EXPECT_EQ(stable_sequences(cluster, 1), (std::vector<Sequence>{4, 8}));
  const auto& drops = cluster.drops(1);
  EXPECT_GT(drops.at(kUndecodableEnvelope), 0u);
  EXPECT_GT(drops.at(reason::kMalformedPrepare), 0u);
  EXPECT_GT(drops.at(reason::kMalformedCommit), 0u);
  EXPECT_GT(drops.at(reason::kMalformedCheckpoint), 0u);
}

TEST(Cluster, RetransmissionRecoversFromALostPrepare) {
  TestCluster cluster;
  cluster.set_behaviour(3, Behaviour::silent);
  // Without replica 3, replica 1 needs 2's PREPARE to prepare, and 0 and 2 need 1's COMMIT.
  bool lost = false;
  cluster.lose = [&lost](ReplicaId from, ReplicaId to, net::MessageKind kind) {
    if (lost || from != 2 || to != 1 || kind != net::MessageKind::pbft_prepare) return false;
    return lost = true;
  };
  const crypto::Digest digest = cluster.propose();
  cluster.run();
  ASSERT_TRUE(lost);
  // (Silent replica 3 hears everything and commits; its COMMIT just never reaches the others.)
  for (ReplicaId replica = 0; replica < 3; ++replica) EXPECT_TRUE(cluster.committed(replica).empty()) << replica;

  cluster.tick(small_options(0).retransmit_ticks);
  expect_committed_everywhere(cluster, {0, 1, 2, 3}, {digest});
  EXPECT_GT(cluster.core(2).ignored().at(reason::kDuplicatePrePrepare), 0u) << "the primary re-sent too";
}

TEST(Cluster, RetransmissionReachesAReplicaThatMissedACommitTheOthersNoLongerNeed) {
  TestCluster cluster;
  cluster.set_behaviour(3, Behaviour::silent);
  // 0 and 1 commit sequence 1; 2 misses 1's COMMIT and cannot, so it cannot execute 1 to 4, and
  // the checkpoint at 4 lacks a third vote while 3 stays silent.
  bool lost = false;
  cluster.lose = [&lost](ReplicaId from, ReplicaId to, net::MessageKind kind) {
    if (lost || from != 1 || to != 2 || kind != net::MessageKind::pbft_commit) return false;
    return lost = true;
  };
  const std::vector<crypto::Digest> digests = propose_and_run(cluster, 4);
  EXPECT_TRUE(cluster.committed(2).empty());
  EXPECT_EQ(cluster.core(0).low_watermark(), 0u);

  // One round: 2 re-sends its COMMIT for sequence 1, which 0 and 1 answer with theirs
  // (PbftCore::help_lagging), without waiting for the cluster to stall.
  cluster.tick(small_options(0).retransmit_ticks);
  expect_committed_everywhere(cluster, {0, 1, 2}, digests);
  for (ReplicaId replica = 0; replica < 3; ++replica) EXPECT_EQ(cluster.core(replica).low_watermark(), 4u);
}

TEST(Cluster, ALaggingReplicaFetchesTheStableStateAndRejoins) {
  TestCluster cluster;
  bool cut_off = true;
  cluster.lose = [&cut_off](ReplicaId, ReplicaId to, net::MessageKind) { return cut_off && to == 3; };
  propose_and_run(cluster, 8);
  EXPECT_TRUE(cluster.committed(3).empty());
  EXPECT_EQ(cluster.core(0).low_watermark(), 8u);

  cut_off = false;
  propose_and_run(cluster, 4);  // 9..12: outside replica 3's window, but their checkpoint reaches it
  ASSERT_EQ(cluster.fetches(3).size(), 1u);
  const replica::StateFetch fetch = cluster.fetches(3)[0];
  EXPECT_EQ(fetch.sequence, 12u);
  EXPECT_EQ(fetch.sources, (std::vector<ReplicaId>{0, 1})) << "the first f+1 that vouch for it";
  EXPECT_GT(cluster.core(3).ignored().at(reason::kPrePrepareOutsideWindow), 0u);

  cluster.install_state(3, fetch);
  EXPECT_EQ(cluster.core(3).low_watermark(), 12u);
  EXPECT_EQ(cluster.core(3).status().last_committed, 12u);
  const std::vector<crypto::Digest> digests = propose_and_run(cluster, 4);
  ASSERT_EQ(cluster.committed_sequences(3), (std::vector<Sequence>{13, 14, 15, 16}));
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(cluster.committed(3)[i].digest, digests[i]);
  EXPECT_EQ(stable_sequences(cluster, 3), (std::vector<Sequence>{16})) << "its state digest agrees with the others'";
}

std::vector<std::string> eventful_run() {
  TestCluster cluster;
  cluster.set_behaviour(3, Behaviour::garbage);
  int prepares_from_2 = 0;
  cluster.lose = [&prepares_from_2](ReplicaId from, ReplicaId, net::MessageKind kind) {
    return from == 2 && kind == net::MessageKind::pbft_prepare && ++prepares_from_2 % 5 == 0;
  };
  propose_and_run(cluster, 6);
  // Four retransmission rounds: with every fifth PREPARE of 2 lost, the first rounds' re-sent
  // votes (and the answers to them) can lose the very PREPAREs sequence 2 still needs.
  cluster.tick(20);
  propose_and_run(cluster, 6);
  cluster.tick(12);
  return cluster.transcript();
}

TEST(Cluster, TheSameInputsGiveTheSameActions) {
  const std::vector<std::string> first = eventful_run();
  const std::vector<std::string> second = eventful_run();
  EXPECT_GT(first.size(), 100u);
  EXPECT_EQ(first, second);
}

}  // namespace
}  // namespace loyal::pbft::testing
