#pragma once
// One deterministic simulation run: N replicas (the real pipeline, protocol core and key-value
// store) and M closed-loop clients (the real client core) over the simulated network, under the
// fault plan the seed chooses, with every checker run on every observation and the progress
// check once per tick. Everything random comes from Prngs seeded from SimOptions::seed, so the
// same options give the same SimResult, and the same printed output, byte for byte.
//
// One tick: scheduled faults of the tick; at the start of the liveness phase the network heals;
// every frame due is delivered (in (tick, send order)); every live replica is ticked (in id
// order); every client is ticked and, when idle, submits its next operation; the mode's own
// checkers read the live cores (Raft, Multi-Paxos); the progress check. The run stops at the end
// of the first tick that produced a violation.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cluster/cluster_config.h"
#include "common/ids.h"
#include "tests/sim/batch_corruption.h"
#include "tests/sim/byzantine_setup.h"
#include "tests/sim/checkers.h"
#include "tests/sim/fault_plan.h"
#include "tests/sim/sim_network.h"

namespace loyal::sim {

// In the liveness phase, some client operation must complete at least this often. After the
// network heals, a stalled sequence number needs a vote retransmission (SimOptions::
// retransmit_ticks) and a client whose request was lost needs a retry (client_retry_ticks): both
// are far below this bound. (Over seeds 1-300 with --faults all, the longest wait was 175 ticks.)
inline constexpr Tick kProgressBoundTicks = 1000;
// Below this, the phases are too short to say anything.
inline constexpr Tick kMinTicks = 100;

// TEST ONLY: ways to break a run on purpose, to show that the checkers can fail.
struct TestHooks {
  std::optional<BatchCorruption> corrupt_batch;
  // Isolated from the first tick and never healed, even in the liveness phase.
  std::vector<ReplicaId> isolate_forever;
  // Beyond the fault model: these replicas (more than f of them may be named, the primary among
  // them) run the colluding equivocation of colluding_equivocation.h and are left out of the
  // checkers, which must then see the correct replicas fork.
  std::vector<ReplicaId> colluding_equivocators;
  // Scripted faults (regression scenarios), applied on top of the seed's fault plan: crash,
  // isolate/reconnect, cut/restore at fixed ticks; any replica may be named, the primary too.
  // Partitions (and their ends) must come before the liveness phase, which heals the network.
  std::vector<FaultEvent> scripted_faults;
  // Clients submit no new operation in the last this many ticks, so that at the end every live
  // replica has executed every completed operation (SimResult::completed_executed).
  Tick quiet_final_ticks = 0;
  friend bool operator==(const TestHooks&, const TestHooks&) = default;
};

// Large client values, so that batches reach the largest size the cluster file allows
// (cluster::kMaxBatchBytes, a PRE-PREPARE of about 2 MiB in a 4 MiB frame), while views change,
// replicas restart and new primaries fetch the batches a NEW-VIEW names by digest. `by_seed`: one
// seed in ten, drawn from the seed.
enum class LargeValues { never, by_seed, always };
// Value sizes in large runs: the workload's four values are 1, 2, 3 and 4 times this, so a
// compare-and-swap of the two largest is a request just under 2 MiB, a batch by itself.
inline constexpr std::size_t kLargeValueStepBytes = 240 * 1024;
// In large runs a client waits this long after each completion before its next operation: the
// bytes, not the operations, are what such a run is for, and they cost time to hash and copy.
inline constexpr Tick kLargeValueThinkTicks = 100;

struct SimOptions {
  ProtocolMode protocol = ProtocolMode::pbft;
  std::uint32_t replicas = 4;
  std::uint32_t clients = 8;
  std::uint64_t seed = 1;
  Tick ticks = 20000;
  FaultMode faults = FaultMode::all;
  // Byzantine replicas (byzantine_setup.h); they count towards f with the victims of `faults`.
  ByzantineSpec byzantine;
  // Loss on every link, not only on links to or from a victim or a client (see fault_plan.h).
  // Replicas that are not victims may then fall behind too, so more than f may be behind or
  // crashed at once and the progress bound may be missed.
  bool loss_on_every_link = false;
  bool real_crypto = false;
  LargeValues large_values = LargeValues::never;
  cluster::ClientAuth client_auth = cluster::ClientAuth::signature;
  std::uint32_t batch_max_requests = 16;
  Tick batch_linger_ticks = 2;
  std::uint32_t checkpoint_interval = 32;  // K
  std::uint32_t window = 128;              // L
  Tick retransmit_ticks = 100;             // PBFT's vote retransmission
  Tick client_retry_ticks = 250;
  Tick progress_bound_ticks = kProgressBoundTicks;
  TestHooks test;
  friend bool operator==(const SimOptions&, const SimOptions&) = default;
};

// What is wrong with `options`, in plain words, or nothing.
std::optional<std::string> check_options(const SimOptions& options);

struct SimResult {
  std::uint64_t seed = 0;
  Tick ticks_run = 0;
  std::uint64_t committed_requests = 0;  // distinct requests executed
  std::uint64_t committed_batches = 0;   // distinct sequence numbers executed
  std::uint64_t checkpoints = 0;         // distinct checkpoint sequence numbers taken
  std::uint64_t safety_phase_completions = 0;
  std::uint64_t liveness_phase_completions = 0;
  Tick longest_liveness_wait = 0;  // longest stretch of the liveness phase without a completion
  NetworkCounters network;
  std::vector<ReplicaId> crashed;
  std::vector<ByzantineReplica> byzantine;  // the faulty replicas of this run and their modes
  bool large_values = false;                // whether this run's clients wrote large values
  std::vector<Violation> violations;
  // Distinct client operations completed, and per replica (by id) how many of them it executed on
  // its current state (Checkers::completed_executed_by).
  std::uint64_t completed_operations = 0;
  std::vector<std::uint64_t> completed_executed;
  friend bool operator==(const SimResult&, const SimResult&) = default;
};

// Precondition: !check_options(options). `trace`, if given, receives the fault plan as it is
// applied and per-replica counters at the end (deterministic, like everything else).
SimResult run_simulation(const SimOptions& options, std::ostream* trace = nullptr);

}  // namespace loyal::sim
