#include "tests/sim/fault_plan.h"

#include <algorithm>

#include "common/assert.h"

namespace loyal::sim {

namespace {

bool injects_network_faults(FaultMode mode) { return mode == FaultMode::network || mode == FaultMode::all; }
bool injects_crashes(FaultMode mode) { return mode == FaultMode::crash || mode == FaultMode::all; }

NetworkConditions steady_conditions() {
  return NetworkConditions{.min_latency_ticks = kSteadyLatencyTicks, .max_latency_ticks = kSteadyLatencyTicks};
}

NetworkConditions faulty_conditions(Prng& prng) {
  return NetworkConditions{
      .loss_per_mille = static_cast<std::uint32_t>(prng.between(10, 50)),
      .duplicate_per_mille = static_cast<std::uint32_t>(prng.between(0, 30)),
      .min_latency_ticks = 1,
      .max_latency_ticks = prng.between(2, 8),
      .long_tail_per_mille = static_cast<std::uint32_t>(prng.between(10, 50)),
      .long_tail_max_ticks = prng.between(20, 100),
  };
}

// Victims in the order drawn (the first ones drawn are the ones that crash), from every replica
// but the spared one and the Byzantine ones.
std::vector<ReplicaId> choose_victims(const FaultPlanInput& input, std::uint32_t count, Prng& prng) {
  std::vector<ReplicaId> candidates;
  for (ReplicaId r = 0; r < input.replica_count; ++r) {
    const bool byzantine = std::find(input.byzantine.begin(), input.byzantine.end(), r) != input.byzantine.end();
    if (r != input.spared && !byzantine) candidates.push_back(r);
  }
  std::vector<ReplicaId> victims;
  for (std::uint32_t i = 0; i < count && !candidates.empty(); ++i) {
    const auto pick = static_cast<std::ptrdiff_t>(prng.below(candidates.size()));
    victims.push_back(candidates[static_cast<std::size_t>(pick)]);
    candidates.erase(candidates.begin() + pick);
  }
  return victims;
}

// Crash-restarts from the journal per run, and how long a replica stays down for one.
constexpr std::uint64_t kMaxRecoveries = 4;
constexpr Tick kMaxRecoveryDowntimeTicks = 300;

// One to three windows, one after the other, in which `victim` is isolated or one link to or
// from it is cut. All of them end before the liveness phase.
void plan_partitions(const FaultPlanInput& input, ReplicaId victim, Tick safety_end, Prng& prng,
                     std::vector<FaultEvent>& events) {
  const Tick shortest = std::max<Tick>(input.ticks / 40, 1);
  const Tick longest = std::max<Tick>(input.ticks / 8, shortest);
  const NodeId node = NodeId::replica(victim);
  Tick cursor = prng.between(1, std::max<Tick>(safety_end / 4, 1));
  const std::uint64_t windows = prng.between(1, 3);
  for (std::uint64_t w = 0; w < windows; ++w) {
    const Tick start = cursor;
    const Tick end = std::min(start + prng.between(shortest, longest), safety_end - 1);
    if (start >= end) return;
    const std::uint64_t kind = prng.below(3);
    if (kind == 0) {
      events.push_back({start, FaultEvent::Kind::isolate, node, {}});
      events.push_back({end, FaultEvent::Kind::reconnect, node, {}});
    } else {
      ReplicaId other = static_cast<ReplicaId>(prng.below(input.replica_count - 1));
      if (other >= victim) ++other;
      NodeId from = node;
      NodeId to = NodeId::replica(other);
      if (kind == 2) std::swap(from, to);
      events.push_back({start, FaultEvent::Kind::cut, from, to});
      events.push_back({end, FaultEvent::Kind::restore, from, to});
    }
    cursor = end + prng.between(shortest, longest);
  }
}

// Up to kMaxRecoveries crash-restarts from the journal of correct replicas that are not victims,
// the primary included: at a random tick, in the middle of a view change (or election), or just
// after one. These are where a replica's persisted promises are tested: what it voted for and
// can prove must survive the restart.
void plan_recoveries(const FaultPlanInput& input, Tick safety_end, Prng& prng, FaultPlan& plan) {
  std::vector<ReplicaId> candidates;
  for (ReplicaId r = 0; r < input.replica_count; ++r) {
    const bool byzantine = std::find(input.byzantine.begin(), input.byzantine.end(), r) != input.byzantine.end();
    const bool victim = std::find(plan.victims.begin(), plan.victims.end(), r) != plan.victims.end();
    if (!byzantine && !victim) candidates.push_back(r);
  }
  if (candidates.empty()) return;
  const Tick earliest = std::max<Tick>(input.ticks / 20, 1);
  const std::uint64_t count = prng.between(0, kMaxRecoveries);
  for (std::uint64_t i = 0; i < count; ++i) {
    const ReplicaId replica = candidates[prng.below(candidates.size())];
    const Tick delay = prng.between(1, kMaxRecoveryDowntimeTicks);
    if (earliest + 2 * delay + 1 >= safety_end) continue;
    const Tick at = prng.between(earliest, safety_end - 2 * delay - 1);
    const NodeId node = NodeId::replica(replica);
    switch (prng.below(3)) {
      case 0:
        plan.events.push_back({at, FaultEvent::Kind::crash, node, {}});
        plan.events.push_back({at + delay, FaultEvent::Kind::restart, node, {}});
        break;
      case 1: plan.events.push_back({at, FaultEvent::Kind::crash_in_view_change, node, {}, delay}); break;
      default: plan.events.push_back({at, FaultEvent::Kind::crash_after_view_change, node, {}, delay}); break;
    }
    if (std::find(plan.recovering.begin(), plan.recovering.end(), replica) == plan.recovering.end()) {
      plan.recovering.push_back(replica);
    }
  }
}

}  // namespace

std::string_view to_string(FaultMode mode) {
  switch (mode) {
    case FaultMode::none: return "none";
    case FaultMode::network: return "network";
    case FaultMode::crash: return "crash";
    case FaultMode::all: return "all";
  }
  return "unknown";
}

std::optional<FaultMode> parse_fault_mode(std::string_view name) {
  for (FaultMode mode : {FaultMode::none, FaultMode::network, FaultMode::crash, FaultMode::all}) {
    if (name == to_string(mode)) return mode;
  }
  return std::nullopt;
}

std::string to_string(const FaultEvent& event) {
  const std::string at = "tick " + std::to_string(event.at) + ": ";
  switch (event.kind) {
    case FaultEvent::Kind::crash: return at + "crash " + loyal::to_string(event.node);
    case FaultEvent::Kind::crash_leader: return at + "crash the leader";
    case FaultEvent::Kind::crash_in_view_change:
      return at + "crash " + loyal::to_string(event.node) + " in its next view change or election, restart " +
             std::to_string(event.restart_delay) + " ticks later";
    case FaultEvent::Kind::crash_after_view_change:
      return at + "crash " + loyal::to_string(event.node) + " after its next view change or election, restart " +
             std::to_string(event.restart_delay) + " ticks later";
    case FaultEvent::Kind::restart: return at + "restart " + loyal::to_string(event.node) + " from its journal";
    case FaultEvent::Kind::restart_wiped: return at + "restart " + loyal::to_string(event.node) + " with a wiped disk";
    case FaultEvent::Kind::isolate: return at + "isolate " + loyal::to_string(event.node);
    case FaultEvent::Kind::reconnect: return at + "reconnect " + loyal::to_string(event.node);
    case FaultEvent::Kind::cut: return at + "cut " + loyal::to_string(event.node) + " -> " + loyal::to_string(event.to);
    case FaultEvent::Kind::restore:
      return at + "restore " + loyal::to_string(event.node) + " -> " + loyal::to_string(event.to);
  }
  return at + "unknown event";
}

FaultPlan plan_faults(const FaultPlanInput& input, Prng& prng) {
  LOYAL_ASSERT(input.replica_count >= 2 && input.spared.value_or(0) < input.replica_count, "a cluster");
  LOYAL_ASSERT(input.max_faulty < input.replica_count, "f < n");
  FaultPlan plan;
  plan.liveness_phase_start = std::max<Tick>(input.ticks * kSafetyPhasePercent / 100, 1);
  plan.safety_conditions = injects_network_faults(input.mode) ? faulty_conditions(prng) : steady_conditions();
  plan.liveness_conditions = plan.safety_conditions;
  plan.liveness_conditions.loss_per_mille = 0;
  if (input.mode == FaultMode::none) return plan;

  const auto byzantine = static_cast<std::uint32_t>(input.byzantine.size());
  const std::uint32_t f = input.max_faulty > byzantine ? input.max_faulty - byzantine : 0;
  // crash alone crashes at least one replica; all may crash none, and partitions the rest.
  std::uint32_t crashes = 0;
  if (injects_crashes(input.mode)) {
    crashes = static_cast<std::uint32_t>(prng.between(input.mode == FaultMode::crash && f > 0 ? 1 : 0, f));
  }
  const std::uint32_t victims = injects_network_faults(input.mode) ? f : crashes;
  plan.victims = choose_victims(input, victims, prng);

  const Tick safety_end = plan.liveness_phase_start;
  for (std::size_t i = 0; i < plan.victims.size(); ++i) {
    const ReplicaId victim = plan.victims[i];
    if (injects_network_faults(input.mode)) plan_partitions(input, victim, safety_end, prng, plan.events);
    if (i < crashes) {
      const Tick at = prng.between(std::max<Tick>(input.ticks / 20, 1), safety_end - 1);
      plan.events.push_back({at, FaultEvent::Kind::crash, NodeId::replica(victim), {}});
      const std::uint64_t outcome = prng.below(3);  // 0: stays down
      if (outcome != 0 && at + 1 < safety_end) {
        const FaultEvent::Kind kind = outcome == 1 ? FaultEvent::Kind::restart : FaultEvent::Kind::restart_wiped;
        plan.events.push_back({prng.between(at + 1, safety_end - 1), kind, NodeId::replica(victim), {}});
      }
    }
  }
  if (injects_crashes(input.mode)) plan_recoveries(input, safety_end, prng, plan);
  std::stable_sort(plan.events.begin(), plan.events.end(),
                   [](const FaultEvent& a, const FaultEvent& b) { return a.at < b.at; });
  return plan;
}

}  // namespace loyal::sim
