// The simulated network and the fault plan: deterministic delivery order, loss, duplication,
// one-way cuts, isolation, and plans that respect the rules in fault_plan.h.

#include "tests/sim/sim_network.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "tests/sim/fault_plan.h"

namespace loyal::sim {
namespace {

const NodeId kA = NodeId::replica(0);
const NodeId kB = NodeId::replica(1);
const NodeId kClient = NodeId::client(0);

std::vector<Delivery> drain_until(SimNetwork& network, Tick last) {
  std::vector<Delivery> delivered;
  for (Tick now = 0; now <= last; ++now) {
    while (auto delivery = network.next_due(now)) delivered.push_back(std::move(*delivery));
  }
  return delivered;
}

Bytes frame(std::uint8_t tag) { return Bytes{tag}; }

TEST(SimNetwork, DeliversInTickThenSendOrderAndNeverInTheSameTick) {
  SimNetwork network(1);
  network.set_conditions({.min_latency_ticks = 2, .max_latency_ticks = 2});
  network.send(0, kA, kB, frame(1));
  network.send(0, kB, kA, frame(2));
  network.send(1, kA, kB, frame(3));
  EXPECT_FALSE(network.next_due(1).has_value());
  const auto delivered = drain_until(network, 10);
  ASSERT_EQ(delivered.size(), 3u);
  EXPECT_EQ(delivered[0].frame, frame(1));
  EXPECT_EQ(delivered[1].frame, frame(2));
  EXPECT_EQ(delivered[2].frame, frame(3));
  EXPECT_EQ(delivered[1].to, kA);
}

TEST(SimNetwork, SameSeedSameFates) {
  auto run = [](std::uint64_t seed) {
    SimNetwork network(seed);
    network.set_conditions({.loss_per_mille = 100,
                            .duplicate_per_mille = 100,
                            .min_latency_ticks = 1,
                            .max_latency_ticks = 9,
                            .long_tail_per_mille = 100,
                            .long_tail_max_ticks = 50});
    for (std::uint8_t i = 0; i < 200; ++i) network.send(i / 10, kA, kB, frame(i));
    std::vector<Bytes> order;
    for (const Delivery& delivery : drain_until(network, 400)) order.push_back(delivery.frame);
    return std::make_pair(order, network.counters());
  };
  EXPECT_EQ(run(5), run(5));
  EXPECT_NE(run(5).first, run(6).first);
  const auto [order, counters] = run(5);
  EXPECT_GT(counters.lost, 0u);
  EXPECT_GT(counters.duplicated, 0u);
  EXPECT_EQ(counters.delivered, 200 - counters.lost + counters.duplicated);
  EXPECT_FALSE(std::is_sorted(order.begin(), order.end())) << "jitter reorders";
}

TEST(SimNetwork, CutLinkBlocksOneDirectionOnlyAndDropsWhatIsOnIt) {
  SimNetwork network(1);
  network.set_conditions({.min_latency_ticks = 3, .max_latency_ticks = 3});
  network.send(0, kA, kB, frame(1));  // on the wire when the link is cut
  network.cut(kA, kB);
  network.send(1, kA, kB, frame(2));
  network.send(1, kB, kA, frame(3));
  auto delivered = drain_until(network, 10);
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].frame, frame(3));
  EXPECT_EQ(network.counters().blocked, 2u);
  network.cut(kA, kB);
  network.restore(kA, kB);
  EXPECT_TRUE(network.blocked(kA, kB)) << "overlapping cuts need as many restores";
  network.restore(kA, kB);
  network.send(11, kA, kB, frame(4));
  EXPECT_EQ(drain_until(network, 20).size(), 1u);
}

TEST(SimNetwork, IsolationBlocksEveryLinkOfTheNodeUntilReconnectedOrHealed) {
  SimNetwork network(1);
  network.isolate(kB);
  EXPECT_TRUE(network.blocked(kA, kB));
  EXPECT_TRUE(network.blocked(kB, kClient));
  EXPECT_FALSE(network.blocked(kA, kClient));
  network.reconnect(kB);
  EXPECT_FALSE(network.blocked(kA, kB));
  network.isolate(kA);
  network.cut(kB, kClient);
  network.heal();
  EXPECT_FALSE(network.blocked(kA, kB));
  EXPECT_FALSE(network.blocked(kB, kClient));
}

// Victims (partitions, crashes that stay down or lose the disk) are at most f and never the spared
// replica; the other crashes are recoveries from the journal of correct replicas, which restart
// before the liveness phase.
TEST(FaultPlan, TouchesAtMostFReplicasNeverTheSparedOneAndHealsBeforeTheLivenessPhase) {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    for (FaultMode mode : {FaultMode::network, FaultMode::crash, FaultMode::all}) {
      Prng prng(seed);
      const FaultPlanInput input{mode, 7, 2, 0, 20000, {}};
      const FaultPlan plan = plan_faults(input, prng);
      EXPECT_LE(plan.victims.size(), 2u);
      EXPECT_EQ(plan.liveness_phase_start, 14000u);
      EXPECT_EQ(plan.liveness_conditions.loss_per_mille, 0u);
      std::set<ReplicaId> touched;
      int crashes = 0;
      std::set<ReplicaId> crashed;
      int open_partitions = 0;
      Tick previous = 0;
      for (const FaultEvent& event : plan.events) {
        EXPECT_GE(event.at, previous) << "events in tick order";
        EXPECT_LT(event.at, plan.liveness_phase_start);
        previous = event.at;
        auto is_victim = [&](NodeId node) {
          return node.role == NodeRole::replica &&
                 std::find(plan.victims.begin(), plan.victims.end(), node.index) != plan.victims.end();
        };
        const auto is_recovering = [&](NodeId node) {
          return std::find(plan.recovering.begin(), plan.recovering.end(), node.index) != plan.recovering.end();
        };
        const bool link_event = event.kind == FaultEvent::Kind::cut || event.kind == FaultEvent::Kind::restore;
        const bool conditional = event.kind == FaultEvent::Kind::crash_in_view_change ||
                                 event.kind == FaultEvent::Kind::crash_after_view_change;
        const bool process = event.kind == FaultEvent::Kind::crash || event.kind == FaultEvent::Kind::restart;
        EXPECT_TRUE(is_victim(event.node) || (link_event && is_victim(event.to)) ||
                    ((process || conditional) && is_recovering(event.node)))
            << to_string(event);
        if (conditional) {
          EXPECT_GE(event.restart_delay, 1u);
          EXPECT_LT(event.at + 2 * event.restart_delay, plan.liveness_phase_start) << "restarts in the safety phase";
        }
        if (event.kind == FaultEvent::Kind::restart || event.kind == FaultEvent::Kind::restart_wiped) {
          EXPECT_TRUE(crashed.contains(event.node.index)) << "only a crashed replica restarts";
          crashed.erase(event.node.index);
        }
        if (event.kind == FaultEvent::Kind::crash) {
          crashed.insert(event.node.index);
          if (is_victim(event.node)) ++crashes;
        }
        if (event.kind == FaultEvent::Kind::isolate || event.kind == FaultEvent::Kind::cut) ++open_partitions;
        if (event.kind == FaultEvent::Kind::reconnect || event.kind == FaultEvent::Kind::restore) --open_partitions;
      }
      EXPECT_EQ(open_partitions, 0) << "every partition ends in the safety phase";
      for (ReplicaId recovering : plan.recovering) {
        EXPECT_EQ(std::count(plan.victims.begin(), plan.victims.end(), recovering), 0) << "recoveries are not victims";
        if (!crashed.contains(recovering)) continue;
        ADD_FAILURE() << "recovering replica " << recovering << " stays down";
      }
      EXPECT_LE(crashes, 2);
      if (mode == FaultMode::crash) {
        EXPECT_GE(crashes, 1);
        EXPECT_EQ(plan.safety_conditions.loss_per_mille, 0u);
      } else {
        EXPECT_GE(plan.safety_conditions.loss_per_mille, 10u);
      }
      for (ReplicaId victim : plan.victims) EXPECT_NE(victim, 0u);
    }
  }
}

TEST(FaultPlan, NoneInjectsNothing) {
  Prng prng(3);
  const FaultPlan plan = plan_faults({FaultMode::none, 4, 1, 0, 1000, {}}, prng);
  EXPECT_TRUE(plan.events.empty());
  EXPECT_TRUE(plan.victims.empty());
  EXPECT_EQ(plan.safety_conditions, plan.liveness_conditions);
}

TEST(FaultPlan, ModesRoundTripThroughTheirNames) {
  for (FaultMode mode : {FaultMode::none, FaultMode::network, FaultMode::crash, FaultMode::all}) {
    EXPECT_EQ(parse_fault_mode(to_string(mode)), mode);
  }
  EXPECT_EQ(parse_fault_mode("byzantine"), std::nullopt);
}

}  // namespace
}  // namespace loyal::sim
