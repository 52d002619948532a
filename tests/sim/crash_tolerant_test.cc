// Raft and Multi-Paxos in the simulator (with PBFT where the scenario applies to every mode): a
// fixed seed range and fresh random seeds with every fault, a whole-cluster crash and restart from
// the journals, exactly-once execution across leader changes, and PBFT's restart in the middle of
// a view change. Every checker judges every run (checkers.h, raft_checkers.h, paxos_checkers.h).
// PBFT's own seed ranges are in sim_test.cc.

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/sim/report.h"
#include "tests/sim/simulation.h"

namespace loyal::sim {
namespace {

constexpr Tick kTestTicks = 10000;
constexpr std::uint64_t kLastFixedSeed = 30;
constexpr int kFreshSeeds = 4;

std::string mode_name(ProtocolMode mode) { return std::string(to_string(mode)); }
std::string test_name(const ::testing::TestParamInfo<ProtocolMode>& param) { return mode_name(param.param); }

SimOptions options_for(ProtocolMode mode, std::uint64_t seed, FaultMode faults = FaultMode::all) {
  SimOptions options;
  options.protocol = mode;
  options.replicas = mode == ProtocolMode::pbft ? 4 : 3;
  options.seed = seed;
  options.ticks = kTestTicks;
  options.faults = faults;
  return options;
}

FaultEvent event(Tick at, FaultEvent::Kind kind, ReplicaId node = 0) {
  return FaultEvent{.at = at, .kind = kind, .node = NodeId::replica(node), .to = {}};
}

SimResult expect_clean_run(const SimOptions& options, std::ostream* trace = nullptr) {
  const SimResult result = run_simulation(options, trace);
  EXPECT_TRUE(result.violations.empty()) << seed_line(result) << "\n" << failure_report(options, result);
  EXPECT_GT(result.committed_requests, 0u) << "replay: " << replay_command(options);
  EXPECT_GT(result.liveness_phase_completions, 0u) << "replay: " << replay_command(options);
  EXPECT_GT(result.checkpoints, 0u) << "replay: " << replay_command(options);
  return result;
}

// What the trace's summary says about one replica at the end of the run.
struct ReplicaSummary {
  bool crashed = false;
  std::uint64_t last_executed = 0;
};

std::map<ReplicaId, ReplicaSummary> summaries(const std::string& trace) {
  std::map<ReplicaId, ReplicaSummary> out;
  const std::regex line(R"(  replica (\d+)( \(crashed\))?[^:]*: executed \d+ requests up to sequence (\d+), .*)");
  std::istringstream in(trace);
  for (std::string text; std::getline(in, text);) {
    std::smatch match;
    if (!std::regex_match(text, match, line)) continue;
    out[static_cast<ReplicaId>(std::stoul(match[1]))] = {match[2].matched, std::stoull(match[3])};
  }
  return out;
}

class CrashTolerant : public ::testing::TestWithParam<ProtocolMode> {};

INSTANTIATE_TEST_SUITE_P(Modes, CrashTolerant, ::testing::Values(ProtocolMode::raft, ProtocolMode::paxos),
                         test_name);

TEST_P(CrashTolerant, FixedSeedsWithAllFaults) {
  for (std::uint64_t seed = 1; seed <= kLastFixedSeed; ++seed) expect_clean_run(options_for(GetParam(), seed));
}

TEST_P(CrashTolerant, FixedSeedsWithFiveReplicasAndMacClients) {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    SimOptions options = options_for(GetParam(), seed);
    options.replicas = 5;
    options.client_auth = cluster::ClientAuth::mac;
    expect_clean_run(options);
  }
}

// New seeds every run widen the search; the failure message carries the command that replays one.
TEST_P(CrashTolerant, FreshRandomSeeds) {
  std::random_device device;
  for (int i = 0; i < kFreshSeeds; ++i) {
    const std::uint64_t seed = (std::uint64_t{device()} << 32) | device();
    const SimOptions options = options_for(GetParam(), seed);
    SCOPED_TRACE("fresh seed " + std::to_string(seed) + ", replay: " + replay_command(options));
    expect_clean_run(options);
  }
}

TEST_P(CrashTolerant, ReplayingASeedGivesTheSameResultAndOutputByteForByte) {
  const SimOptions options = options_for(GetParam(), 42);
  std::ostringstream first_trace;
  std::ostringstream second_trace;
  EXPECT_EQ(run_simulation(options, &first_trace), run_simulation(options, &second_trace));
  EXPECT_EQ(first_trace.str(), second_trace.str());
}

// The leader crashes while clients have operations outstanding (a closed loop always has one), so
// they time out and retry to every replica; a new leader is elected and commits the retried
// requests. No request may execute twice anywhere (at_most_once), every completion must match the
// log (completed_result), and since clients go quiet for the last ticks, every replica that stayed
// up executed every completed operation: exactly once each.
TEST_P(CrashTolerant, ExactlyOnceAcrossLeaderChanges) {
  struct Scenario {
    std::uint64_t seed;
    std::uint32_t replicas;
    std::vector<Tick> leader_crashes;
  };
  for (const Scenario& scenario : {Scenario{1, 3, {2000}}, Scenario{2, 3, {3333}}, Scenario{3, 5, {1500, 3000}},
                                   Scenario{4, 5, {2500, 2900}}}) {
    SimOptions options = options_for(GetParam(), scenario.seed, FaultMode::none);
    options.replicas = scenario.replicas;
    options.ticks = 8000;
    options.test.quiet_final_ticks = 400;
    for (Tick at : scenario.leader_crashes) options.test.scripted_faults.push_back(event(at, FaultEvent::Kind::crash_leader));
    SCOPED_TRACE("replay: " + replay_command(options) + " (and the scripted leader crashes)");
    const SimResult result = expect_clean_run(options);
    ASSERT_EQ(result.crashed.size(), scenario.leader_crashes.size()) << "each scripted crash found a leader";
    EXPECT_GT(result.completed_operations, 1000u);
    for (ReplicaId r = 0; r < options.replicas; ++r) {
      if (std::find(result.crashed.begin(), result.crashed.end(), r) != result.crashed.end()) continue;
      EXPECT_EQ(result.completed_executed.at(r), result.completed_operations)
          << "replica " << r << " executed every completed operation once";
    }
  }
}

// The same with the crashed leader restarting from its journal 500 ticks later: it rejoins as a
// follower and catches up (by re-executing the log above its saved snapshot, or by installing the
// leader's snapshot when the leader compacted what it missed, which Raft's leader does within a
// few checkpoints). The replicas that stayed up executed every completed operation exactly once;
// the restarted one executed none twice (at_most_once) and ends level with them. The first run
// finds who led at the crash (runs replay exactly, so the second run crashes the same replica).
TEST_P(CrashTolerant, ExactlyOnceWhenTheCrashedLeaderRestartsFromItsJournal) {
  for (const std::uint64_t seed : {5u, 6u, 7u}) {
    SimOptions options = options_for(GetParam(), seed, FaultMode::none);
    options.ticks = 8000;
    options.test.quiet_final_ticks = 400;
    options.test.scripted_faults = {event(2000, FaultEvent::Kind::crash_leader)};
    const SimResult probe = run_simulation(options);
    ASSERT_EQ(probe.crashed.size(), 1u);
    const ReplicaId leader = probe.crashed.front();
    options.test.scripted_faults.push_back(event(2500, FaultEvent::Kind::restart, leader));
    SCOPED_TRACE("seed " + std::to_string(seed) + ", leader " + std::to_string(leader));
    std::ostringstream trace;
    const SimResult result = expect_clean_run(options, &trace);
    EXPECT_TRUE(result.crashed.empty());
    const std::map<ReplicaId, ReplicaSummary> replicas = summaries(trace.str());
    ASSERT_EQ(replicas.size(), options.replicas) << trace.str();
    for (ReplicaId r = 0; r < options.replicas; ++r) {
      EXPECT_EQ(replicas.at(r).last_executed, replicas.at(leader).last_executed) << "replica " << r;
      if (r == leader) continue;
      EXPECT_EQ(result.completed_executed.at(r), result.completed_operations) << "replica " << r;
    }
  }
}

class WholeCluster : public ::testing::TestWithParam<ProtocolMode> {};

INSTANTIATE_TEST_SUITE_P(Modes, WholeCluster,
                         ::testing::Values(ProtocolMode::pbft, ProtocolMode::raft, ProtocolMode::paxos),
                         test_name);

// Every replica crashes at the same tick (unsynced journal writes lost, the last record possibly
// torn) and all restart from their journals a little later. Whatever a client saw acknowledged
// must survive: a lost acknowledged write would show as a different log at that sequence number
// (agreement, execution_consistency) or a result the log no longer produces (completed_result).
// Clients complete operations again afterwards.
TEST_P(WholeCluster, CrashAndRestartFromTheJournals) {
  for (const auto& [seed, crash_at] : {std::pair<std::uint64_t, Tick>{1, 1500}, {2, 2777}, {3, 4001}}) {
    SimOptions options = options_for(GetParam(), seed, FaultMode::none);
    options.ticks = 8000;
    for (ReplicaId r = 0; r < options.replicas; ++r) {
      options.test.scripted_faults.push_back(event(crash_at, FaultEvent::Kind::crash, r));
      options.test.scripted_faults.push_back(event(crash_at + 60, FaultEvent::Kind::restart, r));
    }
    SCOPED_TRACE("seed " + std::to_string(seed) + ", whole cluster crashes at tick " + std::to_string(crash_at));
    std::ostringstream trace;
    const SimResult result = expect_clean_run(options, &trace);
    EXPECT_TRUE(result.crashed.empty());
    const std::map<ReplicaId, ReplicaSummary> replicas = summaries(trace.str());
    ASSERT_EQ(replicas.size(), options.replicas) << trace.str();
    for (const auto& [r, summary] : replicas) {
      EXPECT_GT(summary.last_executed, 0u) << "replica " << r;
      EXPECT_GE(summary.last_executed + options.checkpoint_interval, replicas.at(0).last_executed) << "replica " << r;
    }
  }
}

// The checkers are not blind to a lost acknowledged write: when every replica loses its disk at
// once (beyond the fault model: more than f replicas lose state), the cluster starts a new log at
// sequence 1, and the checkers see batches other than the ones clients' completed operations
// executed in.
TEST_P(WholeCluster, LosingEveryDiskAtOnceIsCaught) {
  SimOptions options = options_for(GetParam(), 1, FaultMode::none);
  options.ticks = 8000;
  for (ReplicaId r = 0; r < options.replicas; ++r) {
    options.test.scripted_faults.push_back(event(2000, FaultEvent::Kind::crash, r));
    options.test.scripted_faults.push_back(event(2060, FaultEvent::Kind::restart_wiped, r));
  }
  const SimResult result = run_simulation(options);
  ASSERT_FALSE(result.violations.empty()) << "acknowledged writes vanished unnoticed";
  const std::string& property = result.violations.front().property;
  EXPECT_TRUE(property == "agreement" || property == "execution_consistency" || property == "completed_result" ||
              property == "state_machine_safety" || property == "single_value_chosen")
      << property << ": " << result.violations.front().details;
  EXPECT_GT(result.violations.front().tick, 2060u);
}

// The same under network faults on f victims, so the crash catches replicas at different points.
TEST_P(WholeCluster, CrashAndRestartUnderNetworkFaults) {
  for (const std::uint64_t seed : {11u, 12u}) {
    SimOptions options = options_for(GetParam(), seed, FaultMode::network);
    for (ReplicaId r = 0; r < options.replicas; ++r) {
      options.test.scripted_faults.push_back(event(3000, FaultEvent::Kind::crash, r));
      options.test.scripted_faults.push_back(event(3100, FaultEvent::Kind::restart, r));
    }
    SCOPED_TRACE("seed " + std::to_string(seed));
    expect_clean_run(options);
  }
}

// PBFT (DESIGN.md §4): the primary of view 0 crashes; while the view change to view 1 is under way
// replica 1, the next primary, crashes too (two faults at n = 4: nothing can commit), then restarts
// from its journal. With its journaled view-change state it takes part in the view change again;
// the cluster makes progress and replica 1 catches up with the others. Replica 3's messages to
// replica 1 are cut for a while, so replica 1 cannot gather the 2f+1 VIEW-CHANGEs it needs and
// stays in the view change long enough to be crashed there; the trace shows where the crash caught
// it: in view 1 without a leader.
TEST(PbftRestart, NextPrimaryRestartsInTheMiddleOfAViewChange) {
  for (const Tick crash_at : {1870u, 1950u, 2100u}) {
    SimOptions options = options_for(ProtocolMode::pbft, 3, FaultMode::none);
    options.ticks = 9000;
    options.test.scripted_faults = {
        event(1000, FaultEvent::Kind::crash, 0),
        FaultEvent{.at = 1500, .kind = FaultEvent::Kind::cut, .node = NodeId::replica(3), .to = NodeId::replica(1)},
        event(crash_at, FaultEvent::Kind::crash, 1),
        event(crash_at + 300, FaultEvent::Kind::restart, 1),
        FaultEvent{.at = 2600, .kind = FaultEvent::Kind::restore, .node = NodeId::replica(3), .to = NodeId::replica(1)},
    };
    SCOPED_TRACE("replica 1 crashes at tick " + std::to_string(crash_at));
    std::ostringstream trace;
    expect_clean_run(options, &trace);
    EXPECT_NE(trace.str().find("crashing replica 1 at epoch 1, leader none"), std::string::npos)
        << "replica 1 crashed in the middle of the view change to view 1\n" << trace.str().substr(0, 2000);
    const std::map<ReplicaId, ReplicaSummary> replicas = summaries(trace.str());
    ASSERT_EQ(replicas.size(), 4u) << trace.str();
    EXPECT_TRUE(replicas.at(0).crashed);
    EXPECT_FALSE(replicas.at(1).crashed);
    EXPECT_GT(replicas.at(2).last_executed, replicas.at(0).last_executed + 32) << "progress in a later view";
    EXPECT_GE(replicas.at(1).last_executed + options.checkpoint_interval, replicas.at(2).last_executed)
        << "replica 1 caught up";
  }
}

}  // namespace
}  // namespace loyal::sim
