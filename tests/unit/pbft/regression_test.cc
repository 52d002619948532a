// Scripted regression scenarios on in-process clusters of real cores (DESIGN.md §4), each named
// after what it guards: a stable checkpoint that only f correct replicas hold when a view change
// comes, and Twins (a second honest core with a replica's id and key, each copy connected to a
// different part of the cluster, the partition chosen per view, enumerated exhaustively).

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/assert.h"
#include "common/prng.h"
#include "pbft/drop_reasons.h"
#include "test_cluster.h"

namespace loyal::pbft::testing {
namespace {

using net::MessageKind;


bool in_view(TestCluster& cluster, const std::vector<ReplicaId>& replicas, View view) {
  for (const ReplicaId replica : replicas) {
    if (cluster.core(replica).view() != view || cluster.core(replica).in_view_change()) return false;
  }
  return true;
}

// No two of `replicas` committed different digests at one sequence number.
void expect_agreement(const TestCluster& cluster, const std::vector<ReplicaId>& replicas) {
  std::map<Sequence, std::pair<ReplicaId, crypto::Digest>> seen;
  for (const ReplicaId replica : replicas) {
    for (const replica::CommittedBatch& batch : cluster.committed(replica)) {
      const auto [it, inserted] = seen.try_emplace(batch.sequence, replica, batch.digest);
      EXPECT_TRUE(inserted || it->second.second == batch.digest)
          << "replicas " << it->second.first << " and " << replica << " committed different batches at sequence "
          << batch.sequence;
    }
  }
}

// Installs every state fetch a replica asked for since the last call (state transfer's stand-in).
class Fetches {
 public:
  void install(TestCluster& cluster, const std::vector<ReplicaId>& replicas) {
    for (const ReplicaId replica : replicas) {
      while (done_[replica] < cluster.fetches(replica).size()) {
        const replica::StateFetch fetch = cluster.fetches(replica)[done_[replica]++];
        if (fetch.sequence > cluster.core(replica).low_watermark()) cluster.install_state(replica, fetch);
      }
    }
  }

 private:
  std::map<ReplicaId, std::size_t> done_;
};

// Proposes and commits batches (primary of the highest view) until every replica in `replicas`
// committed sequence `last`; returns false if that takes more than `limit` rounds.
bool commit_up_to(TestCluster& cluster, const std::vector<ReplicaId>& replicas, Sequence last, Fetches& fetches,
                  int limit = 64, std::uint32_t replica_count = 4) {
  const auto done = [&] {
    for (const ReplicaId replica : replicas) {
      if (cluster.committed(replica).empty() || cluster.committed(replica).back().sequence < last) return false;
    }
    return true;
  };
  for (int round = 0; round < limit && !done(); ++round) {
    bool can = false;
    for (ReplicaId replica = 0; replica < replica_count; ++replica) can = can || cluster.core(replica).can_propose();
    if (can) cluster.propose();
    cluster.run();
    cluster.tick(1);
    fetches.install(cluster, replicas);
  }
  return done();
}

// Sequences 1-4 commit everywhere, but the CHECKPOINTs for 4 reach only replica 3 (f = 1): it
// alone holds the stable checkpoint (h = 4) while 0, 1 and 2 keep h = 0.
void make_only_replica_three_hold_checkpoint_four(TestCluster& cluster, bool& lose_checkpoints) {
  lose_checkpoints = true;
  for (int i = 0; i < 4; ++i) {
    cluster.propose();
    cluster.run();
  }
  ASSERT_EQ(cluster.core(3).low_watermark(), 4u);
  for (ReplicaId replica = 0; replica < 3; ++replica) {
    ASSERT_EQ(cluster.core(replica).low_watermark(), 0u) << replica;
    ASSERT_EQ(cluster.committed(replica).size(), 4u) << replica;
  }
}

// The primary then goes silent: the NEW-VIEW's quorum is {1, 2, 3}, so it carries replica 3's
// proof of checkpoint 4; the view starts above it, and the cluster goes on (beyond h + L of the
// replicas that never saw checkpoint 4 stable by themselves).
TEST(Regression, OnlyFReplicasHoldTheLatestStableCheckpoint) {
  TestCluster cluster;
  bool lose_checkpoints = false;
  cluster.lose = [&](ReplicaId, ReplicaId to, MessageKind kind) {
    return lose_checkpoints && kind == MessageKind::checkpoint && to != 3;
  };
  make_only_replica_three_hold_checkpoint_four(cluster, lose_checkpoints);
  cluster.set_behaviour(0, Behaviour::silent);
  cluster.submit_pending();
  tick_until(cluster, [&] { return in_view(cluster, {1, 2, 3}, 1); });
  ASSERT_TRUE(in_view(cluster, {1, 2, 3}, 1));
  for (ReplicaId replica = 1; replica < 4; ++replica) {
    EXPECT_EQ(cluster.drops(replica).count(reason::kBadCheckpointProof), 0u);
    EXPECT_GE(cluster.core(replica).low_watermark(), 4u) << "the NEW-VIEW's checkpoint is adopted by " << replica;
  }
  Fetches fetches;
  EXPECT_TRUE(commit_up_to(cluster, {1, 2, 3}, 7, fetches)) << "progress in view 1 while checkpoints are still lost";
  lose_checkpoints = false;
  EXPECT_TRUE(commit_up_to(cluster, {1, 2, 3}, 22, fetches)) << "progress past several windows";
  expect_agreement(cluster, {1, 2, 3});
  for (ReplicaId replica = 1; replica < 4; ++replica) EXPECT_GE(cluster.core(replica).low_watermark(), 16u);
}

// The same with n = 7, f = 2: the CHECKPOINTs for 4 reach only replicas 5 and 6, then the
// primary goes silent and the view change runs among replicas 1-6.
TEST(Regression, OnlyFReplicasHoldTheLatestStableCheckpointWithSevenReplicas) {
  TestCluster cluster(7, 2);
  bool lose_checkpoints = true;
  cluster.lose = [&](ReplicaId, ReplicaId to, MessageKind kind) {
    return lose_checkpoints && kind == MessageKind::checkpoint && to < 5;
  };
  for (int i = 0; i < 4; ++i) {
    cluster.propose();
    cluster.run();
  }
  for (ReplicaId replica = 0; replica < 7; ++replica) {
    ASSERT_EQ(cluster.core(replica).low_watermark(), replica >= 5 ? 4u : 0u) << replica;
  }
  const std::vector<ReplicaId> correct = {1, 2, 3, 4, 5, 6};
  cluster.set_behaviour(0, Behaviour::silent);
  cluster.submit_pending();
  tick_until(cluster, [&] { return in_view(cluster, correct, 1); });
  ASSERT_TRUE(in_view(cluster, correct, 1));
  Fetches fetches;
  EXPECT_TRUE(commit_up_to(cluster, correct, 7, fetches, 64, 7)) << "progress while checkpoints are still lost";
  lose_checkpoints = false;
  EXPECT_TRUE(commit_up_to(cluster, correct, 22, fetches, 64, 7)) << "progress past several windows";
  expect_agreement(cluster, correct);
  for (const ReplicaId replica : correct) EXPECT_GE(cluster.core(replica).low_watermark(), 16u) << replica;
}

// All four replicas are correct, but replica 3's VIEW-CHANGEs are lost: the NEW-VIEW's quorum is
// {0, 1, 2}, none of which holds checkpoint 4, so the new view starts from checkpoint 0 and
// re-proposes 1-4 below replica 3's low watermark. Replica 3 must ignore those and still agree and
// go on with the others.
TEST(Regression, OnlyFReplicasHoldTheLatestStableCheckpointAndTheNewViewLeavesThemOut) {
  TestCluster cluster;
  bool lose_checkpoints = false;
  bool lose_view_changes_of_three = true;
  cluster.lose = [&](ReplicaId from, ReplicaId to, MessageKind kind) {
    if (lose_checkpoints && kind == MessageKind::checkpoint && to != 3) return true;
    return lose_view_changes_of_three && kind == MessageKind::pbft_view_change && from == 3;
  };
  make_only_replica_three_hold_checkpoint_four(cluster, lose_checkpoints);
  cluster.submit_pending();  // never proposed: the backups' request timers start a view change
  tick_until(cluster, [&] { return in_view(cluster, {0, 1, 2, 3}, 1); });
  ASSERT_TRUE(in_view(cluster, {0, 1, 2, 3}, 1));
  EXPECT_EQ(cluster.core(3).low_watermark(), 4u);
  for (ReplicaId replica = 0; replica < 3; ++replica) {
    EXPECT_EQ(cluster.core(replica).low_watermark(), 0u) << "the NEW-VIEW did not carry checkpoint 4 to " << replica;
  }
  Fetches fetches;
  EXPECT_TRUE(commit_up_to(cluster, {0, 1, 2, 3}, 7, fetches)) << "progress in view 1, replica 3 included";
  lose_checkpoints = false;
  lose_view_changes_of_three = false;
  EXPECT_TRUE(commit_up_to(cluster, {0, 1, 2, 3}, 22, fetches)) << "progress past several windows";
  expect_agreement(cluster, {0, 1, 2, 3});
  for (ReplicaId replica = 0; replica < 4; ++replica) {
    EXPECT_EQ(cluster.core(replica).view(), 1u);
    EXPECT_GE(cluster.core(replica).low_watermark(), 16u);
  }
}

// ---------------------------------------------------------------------------------------------
// Twins (Bano et al., "Twins: BFT Systems Made Robust"): a twinned replica runs twice, two honest
// cores with its id and key, which is how a Byzantine replica can equivocate with nothing but
// honest code. n = 4, f = 1: nodes 0-3 are replicas 0-3 and node 4 is the second copy of the twin.
// Per view, a partition puts the first copy with some of the other three replicas and the second
// copy with the rest (or connects everything): a message goes from one node to another only when
// they are on the same side of the partition of the sender's current view. Views 0 and 1 take
// each of the 2^3 splits or "connected" (9 x 9 = 81 runs per twinned replica); later views are
// connected. Each run lasts kTwinRunTicks ticks. Beyond view 1 the choices are sampled: a seeded
// Prng picks the partition of each of views 0 to kSampledTwinViews - 1, in longer runs. The only assertion is safety: no two correct
// replicas (the ones not twinned) commit different batches at one sequence number. With two
// twinned replicas (beyond f, to show the harness sees a fork) nodes 4 and 5 are the second copies.

constexpr std::uint32_t kTwinRunTicks = 90;
constexpr std::uint32_t kSampledTwinViews = 6;
constexpr std::uint32_t kSampledTwinRunTicks = 240;
constexpr std::size_t kMaxTwinDeliveries = 200'000;

class TwinCluster {
 public:
  // Nodes 0-3 are replicas 0-3; node 4 + i is the second copy of twins[i].
  // partitions[v]: the partition of view v (views beyond the list are connected).
  TwinCluster(std::vector<ReplicaId> twins, std::vector<std::uint32_t> partitions,
              std::uint32_t ticks = kTwinRunTicks)
      : keys_(4), twins_(std::move(twins)), partitions_(std::move(partitions)), ticks_(ticks) {
    for (ReplicaId id = 0; id < 4; ++id) {
      if (!twinned(id)) correct_.push_back(id);
    }
    for (std::size_t node = 0; node < 4 + twins_.size(); ++node) {
      const ReplicaId id = node < 4 ? static_cast<ReplicaId>(node) : twins_[node - 4];
      Node added;
      added.id = id;
      added.core = std::make_unique<PbftCore>(small_options(id), keys_.authenticator(id), keys_.verifier(), keys_.signer(id));
      nodes_.push_back(std::move(added));
    }
  }

  void run_scenario() {
    // Every client's first request reaches every node; the primary of view 0 proposes (both copies
    // when it is the twin, each its own batch).
    for (std::size_t node = 0; node < nodes_.size(); ++node) {
      for (ClientId client = 0; client < kClientCount; ++client) {
        replica::Actions actions;
        nodes_[node].core->on_request_pending(client, 1, actions);
        handle(node, std::move(actions));
      }
    }
    propose_where_primary();
    run_network();
    for (std::uint32_t tick = 0; tick < ticks_; ++tick) {
      for (std::size_t node = 0; node < nodes_.size(); ++node) {
        replica::Actions actions;
        nodes_[node].core->on_tick(actions);
        handle(node, std::move(actions));
      }
      run_network();
      propose_where_primary();
      run_network();
    }
  }

  // The first conflict among correct replicas, or "".
  std::string conflict() const {
    std::map<Sequence, std::pair<ReplicaId, crypto::Digest>> seen;
    for (std::size_t node = 0; node < 4; ++node) {
      if (twinned(nodes_[node].id)) continue;
      for (const replica::CommittedBatch& batch : nodes_[node].committed) {
        const auto [it, inserted] = seen.try_emplace(batch.sequence, nodes_[node].id, batch.digest);
        if (!inserted && it->second.second != batch.digest) {
          return "replicas " + std::to_string(it->second.first) + " and " + std::to_string(nodes_[node].id) +
                 " committed different batches at sequence " + std::to_string(batch.sequence);
        }
      }
    }
    return "";
  }
  std::size_t committed_by_correct() const {
    std::size_t count = 0;
    for (std::size_t node = 0; node < 4; ++node) {
      if (!twinned(nodes_[node].id)) count += nodes_[node].committed.size();
    }
    return count;
  }
  bool twins_equivocated() const { return equivocations_ > 0; }
  // The highest view a correct replica reached.
  View highest_view() const {
    View highest = 0;
    for (std::size_t node = 0; node < 4; ++node) {
      if (!twinned(nodes_[node].id)) highest = std::max(highest, nodes_[node].core->view());
    }
    return highest;
  }
  // The partition choice "no partition": one past the 2^(correct replicas) splits.
  std::uint32_t connected() const { return 1u << correct_.size(); }

 private:
  struct Node {
    ReplicaId id = 0;
    std::unique_ptr<PbftCore> core;
    std::vector<replica::CommittedBatch> committed;
    crypto::Digest state;
    std::set<View> proposed_in;
  };
  struct Packet {
    std::size_t to;
    Bytes frame;
  };

  bool twinned(ReplicaId id) const { return std::find(twins_.begin(), twins_.end(), id) != twins_.end(); }
  // Side 0 holds the first copies of the twins, side 1 the second copies; correct replica
  // correct_[i]'s side is bit i of the mask.
  int side(std::size_t node, std::uint32_t mask) const {
    if (node >= 4) return 1;
    const ReplicaId id = nodes_[node].id;
    if (twinned(id)) return 0;
    const auto bit = static_cast<std::uint32_t>(std::find(correct_.begin(), correct_.end(), id) - correct_.begin());
    return static_cast<int>((mask >> bit) & 1u);
  }
  bool linked(std::size_t from, std::size_t to, View view) const {
    if (view >= partitions_.size()) return true;
    const std::uint32_t mask = partitions_[view];
    return mask == connected() || side(from, mask) == side(to, mask);
  }

  void propose_where_primary() {
    for (std::size_t node = 0; node < nodes_.size(); ++node) {
      PbftCore& core = *nodes_[node].core;
      if (core.in_view_change() || core.primary() != nodes_[node].id || !core.can_propose()) continue;
      if (!nodes_[node].proposed_in.insert(core.view()).second) continue;
      // Each copy of a twinned primary proposes its own batch: client 2's request from one, client
      // 3's from the other; a correct primary proposes client 2's (and the twins also 0 and 1 in
      // view 0).
      const ClientId client = core.view() == 0 ? (node >= 4 ? 1 : 0) : (node >= 4 ? 3 : 2);
      const TestBatch batch = make_batch(keys_, client, 1, 1);
      replica::Actions actions;
      core.propose(batch.batch, batch.digest, actions);
      handle(node, std::move(actions));
    }
  }

  void run_network() {
    for (std::size_t delivered = 0; !network_.empty(); ++delivered) {
      LOYAL_ASSERT(delivered < kMaxTwinDeliveries, "the twins' network goes quiet");
      const Packet packet = std::move(network_.front());
      network_.pop_front();
      Delivery delivery = deliver(*nodes_[packet.to].core, keys_, packet.frame);
      if (!delivery.dropped) handle(packet.to, std::move(delivery.actions));
    }
  }

  void handle(std::size_t node, replica::Actions actions) {
    Node& self = nodes_[node];
    for (const replica::Outgoing& outgoing : sent_messages(actions)) {
      const Bytes frame = wire_frame(outgoing);
      const View view = self.core->view();
      for (std::size_t to = 0; to < nodes_.size(); ++to) {
        if (nodes_[to].id == self.id) continue;
        if (outgoing.to != replica::Outgoing::kAllReplicas && outgoing.to != nodes_[to].id) continue;
        if (linked(node, to, view)) network_.push_back(Packet{to, frame});
      }
    }
    for (const replica::CommittedBatch& batch : actions.committed) execute(node, batch);
    if (node < 4 && !twinned(self.id) && self.core->equivocation_count() > 0) ++equivocations_;
  }

  void execute(std::size_t node, const replica::CommittedBatch& batch) {
    Node& self = nodes_[node];
    self.committed.push_back(batch);
    Bytes chained(self.state.bytes.begin(), self.state.bytes.end());
    chained.insert(chained.end(), batch.digest.bytes.begin(), batch.digest.bytes.end());
    self.state = crypto::sha256(chained);
    if (!batch.batch.empty()) {
      const auto decoded = replica::decode_batch(batch.batch, 4, net::DecodeLimits{});
      LOYAL_ASSERT(std::holds_alternative<replica::Batch>(decoded), "a committed batch decodes");
      for (const replica::ClientRequest& request : std::get<replica::Batch>(decoded).requests) {
        replica::Actions actions;
        self.core->on_request_executed(request.client, request.request_number, actions);
        handle(node, std::move(actions));
      }
    }
    if (batch.sequence % small_options(self.id).checkpoint_interval != 0) return;
    replica::Actions actions;
    self.core->on_checkpoint_taken(batch.sequence, self.state, actions);
    handle(node, std::move(actions));
  }

  TestKeys keys_;
  std::vector<ReplicaId> twins_;
  std::vector<ReplicaId> correct_;
  std::vector<std::uint32_t> partitions_;
  std::uint32_t ticks_;
  std::vector<Node> nodes_;
  std::deque<Packet> network_;
  std::uint64_t equivocations_ = 0;
};

struct TwinStats {
  std::size_t runs = 0;
  std::size_t runs_with_commits = 0;
  std::size_t runs_with_equivocation = 0;
  View highest_view = 0;
  std::vector<std::string> forks;  // the partitions and the conflict of every run that forked
};

// Every partition choice for views 0 and 1 (each split of the correct replicas, or connected).
TwinStats run_every_twin_partition(const std::vector<ReplicaId>& twins) {
  TwinStats stats;
  const std::uint32_t connected = 1u << (4 - twins.size());
  for (std::uint32_t first = 0; first <= connected; ++first) {
    for (std::uint32_t second = 0; second <= connected; ++second) {
      TwinCluster cluster(twins, {first, second});
      cluster.run_scenario();
      ++stats.runs;
      if (const std::string conflict = cluster.conflict(); !conflict.empty()) {
        stats.forks.push_back("view 0 partition " + std::to_string(first) + ", view 1 partition " +
                              std::to_string(second) + " (" + std::to_string(connected) + " = connected): " + conflict);
      }
      stats.runs_with_commits += cluster.committed_by_correct() > 0 ? 1 : 0;
      stats.runs_with_equivocation += cluster.twins_equivocated() ? 1 : 0;
    }
  }
  return stats;
}

void expect_no_fork_with_one_twin(ReplicaId twin) {
  const TwinStats stats = run_every_twin_partition({twin});
  EXPECT_EQ(stats.runs, 81u);
  EXPECT_TRUE(stats.forks.empty()) << stats.forks.size() << " forks, the first: " << (stats.forks.empty() ? "" : stats.forks.front());
  // Not vacuous: correct replicas commit in every run, and in some they catch the twins equivocating.
  EXPECT_EQ(stats.runs_with_commits, stats.runs);
  EXPECT_GT(stats.runs_with_equivocation, 0u);
}

// Sampled partitions for views 0 to kSampledTwinViews - 1, one Prng seed per run.
TwinStats run_sampled_twin_partitions(const std::vector<ReplicaId>& twins, std::uint64_t first_seed,
                                      std::uint32_t samples) {
  TwinStats stats;
  const std::uint32_t connected = 1u << (4 - twins.size());
  for (std::uint64_t seed = first_seed; seed < first_seed + samples; ++seed) {
    loyal::Prng prng(seed);
    std::vector<std::uint32_t> partitions;
    for (std::uint32_t view = 0; view < kSampledTwinViews; ++view) {
      partitions.push_back(static_cast<std::uint32_t>(prng.below(connected + 1)));
    }
    TwinCluster cluster(twins, partitions, kSampledTwinRunTicks);
    cluster.run_scenario();
    ++stats.runs;
    if (const std::string conflict = cluster.conflict(); !conflict.empty()) {
      stats.forks.push_back("seed " + std::to_string(seed) + ": " + conflict);
    }
    stats.runs_with_commits += cluster.committed_by_correct() > 0 ? 1 : 0;
    stats.runs_with_equivocation += cluster.twins_equivocated() ? 1 : 0;
    stats.highest_view = std::max(stats.highest_view, cluster.highest_view());
  }
  return stats;
}

TEST(Regression, TwinOfThePrimaryNeverForksTheCorrectReplicas) { expect_no_fork_with_one_twin(0); }

TEST(Regression, TwinsWithSampledPartitionsOverSixViewsNeverForkTheCorrectReplicas) {
  for (const ReplicaId twin : {ReplicaId{0}, ReplicaId{1}, ReplicaId{2}}) {
    const TwinStats stats = run_sampled_twin_partitions({twin}, 1000 * (twin + 1), 8);
    EXPECT_TRUE(stats.forks.empty()) << "twin " << twin << ": " << stats.forks.size()
                                     << " forks, the first: " << (stats.forks.empty() ? "" : stats.forks.front());
    EXPECT_GT(stats.runs_with_commits, 0u) << "twin " << twin;
    // Not only the first two views: the sampled partitions drive the correct replicas further.
    EXPECT_GE(stats.highest_view, 2u) << "twin " << twin;
  }
}
TEST(Regression, TwinOfTheNextPrimaryNeverForksTheCorrectReplicas) { expect_no_fork_with_one_twin(1); }

// Beyond the fault model, to show the twins harness can see a fork: with f + 1 = 2 twinned
// replicas (the primaries of views 0 and 1), each copy pair plus one correct replica is a quorum
// of 3, and the two correct replicas, put on different sides in view 0, commit different batches.
TEST(Regression, TwoTwinsBeyondFCanForkAndTheTwinsHarnessSeesIt) {
  const TwinStats stats = run_every_twin_partition({0, 1});
  EXPECT_EQ(stats.runs, 25u);
  ASSERT_FALSE(stats.forks.empty()) << "f + 1 twins never forked the correct replicas";
  EXPECT_NE(stats.forks.front().find("committed different batches at sequence"), std::string::npos);
}

}  // namespace
}  // namespace loyal::pbft::testing
