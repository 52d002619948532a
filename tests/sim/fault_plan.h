#pragma once
// What a seed injects, decided up front from the seed: network conditions for the two phases of
// a run and a schedule of crashes and partitions.
//
// A run has a safety phase (faults on, the first kSafetyPhasePercent of the ticks) and a liveness
// phase (partitions healed, no loss; crashed replicas stay crashed) in which progress must resume.
// Faults touch only the "victims": at most f replicas, fewer by the number of Byzantine replicas
// (which are faulty already and never victims), and never the replica FaultPlanInput::spared
// names. PBFT spares the primary of view 0: the plan was made before view change, and its seeds
// are kept as they were (scripted regression scenarios crash primaries instead). Raft and
// Multi-Paxos spare nobody: they elect their first leader themselves, any replica may be it, and
// crashing or cutting off whoever leads is exactly what their election must survive. A victim may be
// isolated long enough to fall behind a stable checkpoint and, without state transfer, never catch
// up; the other n - f replicas still make progress. So a victim counts against f whether it
// crashes or is only cut off, and liveness is judged on client completions. For the same reason
// loss hits only links to or from a victim or a client: a replica that loses one PRE-PREPARE just
// before the others make the next checkpoint stable is behind for good, so loss between the
// others would let more than f replicas fall behind. Links between non-victims are still delayed,
// duplicated and reordered.
//
//  - network: loss 1-5% (on the links above), duplication 0-3%, latency jitter with a long tail
//    (which reorders), and for every victim one to three windows of isolation or of one cut
//    one-way link to or from it;
//  - crash: up to f victims (at least one) crash at random ticks of the safety phase; each then
//    stays down, restarts from its journal (unsynced writes lost, the last record possibly torn),
//    or restarts with a wiped disk, later in the safety phase, one outcome in three each;
//  - all: both.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ids.h"
#include "common/prng.h"
#include "tests/sim/sim_network.h"

namespace loyal::sim {

inline constexpr Tick kSafetyPhasePercent = 70;
// Latency of every frame when the network is not a fault being injected.
inline constexpr Tick kSteadyLatencyTicks = 2;

enum class FaultMode { none, network, crash, all };
std::string_view to_string(FaultMode mode);
std::optional<FaultMode> parse_fault_mode(std::string_view name);

struct FaultEvent {
  // restart: the crashed replica starts again from its journal; restart_wiped: from nothing.
  // crash_leader (scripted only): whichever live replica leads at that tick (the highest epoch
  // among those that name themselves leader; nobody if none does) crashes; `node` is unused.
  // crash_in_view_change, crash_after_view_change: from `at` on, `node` crashes at the first tick
  // at which it has no leader (a view change or an election under way), or at which it has a
  // leader again in a higher epoch than at `at`; at the latest `restart_delay` ticks before the
  // liveness phase. It restarts from its journal `restart_delay` ticks after it crashed.
  enum class Kind {
    crash,
    isolate,
    reconnect,
    cut,
    restore,
    restart,
    restart_wiped,
    crash_leader,
    crash_in_view_change,
    crash_after_view_change
  };
  Tick at = 0;
  Kind kind = Kind::crash;
  NodeId node;  // crash, restart, isolate, reconnect: the replica; cut, restore: the link's sender
  NodeId to;    // cut, restore: the link's receiver
  Tick restart_delay = 0;  // crash_in_view_change, crash_after_view_change
  friend bool operator==(const FaultEvent&, const FaultEvent&) = default;
};
std::string to_string(const FaultEvent& event);

struct FaultPlan {
  NetworkConditions safety_conditions;
  NetworkConditions liveness_conditions;
  Tick liveness_phase_start = 0;
  std::vector<ReplicaId> victims;
  // Correct replicas that crash and restart from their journal (a crash-recovery with its stable
  // storage is not a fault in any mode's model, so these are not victims and need not be few).
  std::vector<ReplicaId> recovering;
  std::vector<FaultEvent> events;  // ordered by tick; every partition ends before the liveness phase
};

struct FaultPlanInput {
  FaultMode mode = FaultMode::none;
  std::uint32_t replica_count = 0;
  std::uint32_t max_faulty = 0;
  // Never a victim; nothing spares nobody (the default: leaders crash and are partitioned too).
  std::optional<ReplicaId> spared;
  Tick ticks = 0;
  // Byzantine replicas: already faulty, so they are never victims, and each one takes one of the f
  // faults a run may have (victims = f minus their number, at least zero).
  std::vector<ReplicaId> byzantine;
};

FaultPlan plan_faults(const FaultPlanInput& input, Prng& prng);

}  // namespace loyal::sim
