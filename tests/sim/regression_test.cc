// Scripted regression scenarios in the simulator (DESIGN.md §4), each named after what it guards.
// Faults come from TestHooks::scripted_faults at fixed ticks (on top of --faults none), so each
// scenario is the same run every time; every checker judges every observation, and each test
// also asserts progress after the fault it scripts. Per-replica state at the end comes from the
// run's trace (the `--verbose` summary lines), which is deterministic like everything else.

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "tests/sim/report.h"
#include "tests/sim/simulation.h"

namespace loyal::sim {
namespace {

// What the trace's summary says about one replica at the end of the run.
struct ReplicaSummary {
  bool crashed = false;
  std::uint64_t requests_executed = 0;  // by this replica itself, not installed by state transfer
  std::uint64_t last_executed = 0;
  std::uint64_t stable_checkpoint = 0;
  std::map<std::string, std::uint64_t> ignored;  // by reason
};

std::map<ReplicaId, ReplicaSummary> summaries(const std::string& trace) {
  std::map<ReplicaId, ReplicaSummary> out;
  const std::regex line(R"(  replica (\d+)( \(crashed\))?[^:]*: executed (\d+) requests up to sequence (\d+), )"
                        R"(stable checkpoint (\d+)(.*))");
  const std::regex ignored(R"(ignored (\d+) ([a-z_.]+))");
  std::istringstream in(trace);
  for (std::string text; std::getline(in, text);) {
    std::smatch match;
    if (!std::regex_match(text, match, line)) continue;
    ReplicaSummary& summary = out[static_cast<ReplicaId>(std::stoul(match[1]))];
    summary.crashed = match[2].matched;
    summary.requests_executed = std::stoull(match[3]);
    summary.last_executed = std::stoull(match[4]);
    summary.stable_checkpoint = std::stoull(match[5]);
    const std::string rest = match[6];
    for (auto it = std::sregex_iterator(rest.begin(), rest.end(), ignored); it != std::sregex_iterator(); ++it) {
      summary.ignored[(*it)[2]] = std::stoull((*it)[1]);
    }
  }
  return out;
}

SimOptions scripted(std::uint64_t seed, Tick ticks, std::vector<FaultEvent> faults) {
  SimOptions options;
  options.seed = seed;
  options.ticks = ticks;
  options.faults = FaultMode::none;
  options.test.scripted_faults = std::move(faults);
  return options;
}

FaultEvent event(Tick at, FaultEvent::Kind kind, ReplicaId node, ReplicaId to = 0) {
  return FaultEvent{.at = at, .kind = kind, .node = NodeId::replica(node), .to = NodeId::replica(to)};
}

struct ScriptedRun {
  SimResult result;
  std::map<ReplicaId, ReplicaSummary> replicas;
};

ScriptedRun run_clean(const SimOptions& options) {
  std::ostringstream trace;
  ScriptedRun run{run_simulation(options, &trace), {}};
  run.replicas = summaries(trace.str());
  EXPECT_EQ(run.replicas.size(), options.replicas) << trace.str();
  EXPECT_TRUE(run.result.violations.empty()) << seed_line(run.result) << "\n" << failure_report(options, run.result);
  EXPECT_GT(run.result.liveness_phase_completions, 0u) << "replay: " << replay_command(options);
  return run;
}

// Replica 3 stops hearing from the other replicas (one-way: it still sends) while they move on by
// several windows; once the links come back, the PRE-PREPAREs it gets lie above its window and are
// counted as ignored, and it catches up by state transfer and executes what the others execute.
TEST(Regression, PrePreparesOutsideALaggingReplicasWindow) {
  for (const std::uint64_t seed : {5u, 15u, 25u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    SimOptions options = scripted(seed, 8000, {});
    options.checkpoint_interval = 32;
    options.window = 64;  // L: the others move more than L past replica 3 while it is cut off
    for (ReplicaId from : {0u, 1u, 2u}) {
      options.test.scripted_faults.push_back(event(200, FaultEvent::Kind::cut, from, 3));
      options.test.scripted_faults.push_back(event(3500, FaultEvent::Kind::restore, from, 3));
    }
    const ScriptedRun run = run_clean(options);
    const ReplicaSummary& lagging = run.replicas.at(3);
    const ReplicaSummary& reference = run.replicas.at(0);
    const auto outside_window = lagging.ignored.find("pbft.pre_prepare_outside_window");
    ASSERT_NE(outside_window, lagging.ignored.end());
    EXPECT_GT(outside_window->second, 0u) << "PRE-PREPAREs above the lagging replica's window are ignored, not accepted";
    EXPECT_GT(reference.stable_checkpoint, 3u * options.window) << "the others moved on by several windows";
    EXPECT_EQ(lagging.stable_checkpoint, reference.stable_checkpoint) << "replica 3 caught up";
    EXPECT_LT(lagging.requests_executed + 1000, reference.requests_executed)
        << "by state transfer: it skipped what it missed instead of executing it";
    EXPECT_GE(lagging.last_executed + options.checkpoint_interval, reference.last_executed)
        << "replica 3 executes with the others again (the checkers compare its batches and checkpoint digests)";
  }
}

// Replica 2 is isolated (both ways) for many checkpoints and several windows, then reconnected:
// it fetches a checkpoint's state, and from then on executes and checkpoints with the others (the
// checkpoint_digest checker compares its state digest with theirs at every checkpoint).
TEST(Regression, AReplicaFarBehindCatchesUp) {
  for (const std::uint64_t seed : {9u, 19u, 29u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    SimOptions options = scripted(seed, 9000, {event(100, FaultEvent::Kind::isolate, 2),
                                               event(5000, FaultEvent::Kind::reconnect, 2)});
    options.checkpoint_interval = 32;
    options.window = 64;
    const ScriptedRun run = run_clean(options);
    const ReplicaSummary& behind = run.replicas.at(2);
    const ReplicaSummary& reference = run.replicas.at(0);
    EXPECT_GT(reference.stable_checkpoint, 5u * options.window) << "isolated for several windows";
    EXPECT_EQ(behind.stable_checkpoint, reference.stable_checkpoint);
    EXPECT_LT(behind.requests_executed + 2000, reference.requests_executed) << "it fetched state instead of replaying";
    EXPECT_GT(behind.requests_executed, 500u) << "it executed before the isolation and again after the fetch";
    EXPECT_GE(behind.last_executed + options.checkpoint_interval, reference.last_executed);
    EXPECT_GT(behind.last_executed, behind.stable_checkpoint) << "executing again above the fetched state";
  }
}

// The primary of view 0 crashes in the middle of a loaded run: a view change installs a new view
// and client operations complete afterwards (the at_most_once and execution checkers make sure
// nothing is executed twice across the view change). Several crash ticks and seeds.
TEST(Regression, PrimaryCrashDuringLoadThenViewChange) {
  for (const auto& [seed, crash_at] : {std::pair<std::uint64_t, Tick>{1, 800}, {2, 1500}, {3, 2222}, {4, 3001}}) {
    SCOPED_TRACE("seed " + std::to_string(seed) + ", primary crashes at tick " + std::to_string(crash_at));
    SimOptions options = scripted(seed, 7000, {event(crash_at, FaultEvent::Kind::crash, 0)});
    const ScriptedRun run = run_clean(options);
    EXPECT_EQ(run.result.crashed, std::vector<ReplicaId>{0});
    const std::uint64_t executed_by_primary = run.replicas.at(0).last_executed;
    for (ReplicaId r = 1; r < 4; ++r) {
      EXPECT_GT(run.replicas.at(r).last_executed, executed_by_primary + 32)
          << "replica " << r << " kept executing in a later view";
    }
  }
}

// The same, with seven replicas and f = 2: the primary crashes, and so does the primary of view 1
// shortly after, so a second view change must follow.
TEST(Regression, PrimaryCrashDuringLoadThenTwoViewChangesWithSevenReplicas) {
  SimOptions options = scripted(6, 8000, {event(1000, FaultEvent::Kind::crash, 0),
                                          event(1030, FaultEvent::Kind::crash, 1)});
  options.replicas = 7;
  const ScriptedRun run = run_clean(options);
  EXPECT_EQ(run.result.crashed, (std::vector<ReplicaId>{0, 1}));
  for (ReplicaId r = 2; r < 7; ++r) EXPECT_GT(run.replicas.at(r).last_executed, run.replicas.at(0).last_executed);
}

// The primary crashes while another replica is isolated: the two left cannot form a quorum, so
// view changes fail (with back-off) until the isolated replica comes back, behind the others; then
// a view change must succeed and the returning replica must catch up and take part.
TEST(Regression, PrimaryCrashWhileAnotherReplicaIsIsolatedThenViewChangeAfterItReturns) {
  SimOptions options = scripted(8, 9000, {event(1000, FaultEvent::Kind::isolate, 3),
                                          event(1500, FaultEvent::Kind::crash, 0),
                                          event(3000, FaultEvent::Kind::reconnect, 3)});
  const ScriptedRun run = run_clean(options);
  EXPECT_EQ(run.result.crashed, std::vector<ReplicaId>{0});
  for (ReplicaId r = 1; r < 4; ++r) {
    EXPECT_GT(run.replicas.at(r).last_executed, run.replicas.at(0).last_executed + 32) << "replica " << r;
  }
  EXPECT_EQ(run.replicas.at(3).stable_checkpoint, run.replicas.at(1).stable_checkpoint);
}

TEST(Regression, ScriptedFaultsOutOfRangeAreRefused) {
  SimOptions options = scripted(1, 1000, {event(10, FaultEvent::Kind::isolate, 4)});
  EXPECT_TRUE(check_options(options).has_value());
  options.test.scripted_faults = {event(0, FaultEvent::Kind::crash, 1)};
  EXPECT_TRUE(check_options(options).has_value());
  options.test.scripted_faults = {event(5, FaultEvent::Kind::crash, 1)};
  EXPECT_FALSE(check_options(options).has_value());
  options.test.scripted_faults = {event(700, FaultEvent::Kind::crash, 0)};
  EXPECT_FALSE(check_options(options).has_value()) << "a crash may come in the liveness phase";
  options.test.scripted_faults = {event(700, FaultEvent::Kind::isolate, 1)};
  EXPECT_TRUE(check_options(options).has_value()) << "the liveness phase (from tick 700 of 1000) heals partitions";
}

}  // namespace
}  // namespace loyal::sim
