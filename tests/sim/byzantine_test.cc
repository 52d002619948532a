// Byzantine replicas in the simulator: every mode of pbft/byzantine as a backup (and as the
// primary where the normal case still progresses without view change), `--byzantine random`,
// option checking, checkers that judge only correct replicas, and a control run beyond the fault
// model (f+1 colluding equivocators) in which the checkers must see the fork.

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "pbft/byzantine/byzantine_policy.h"
#include "tests/sim/report.h"
#include "tests/sim/simulation.h"

namespace loyal::sim {
namespace {

// Long enough for several checkpoints and a liveness phase (30 %) longer than the progress bound.
constexpr Tick kTestTicks = 5000;
static_assert(kTestTicks * (100 - kSafetyPhasePercent) / 100 > kProgressBoundTicks);
constexpr ReplicaId kPrimary = 0;  // of view 0
constexpr ReplicaId kBackup = 3;

SimOptions byzantine_options(std::uint64_t seed, std::vector<ByzantineReplica> faulty,
                             FaultMode faults = FaultMode::all) {
  SimOptions options;
  options.seed = seed;
  options.ticks = kTestTicks;
  options.faults = faults;
  options.byzantine.replicas = std::move(faulty);
  return options;
}

void expect_progress_and_agreement(const SimOptions& options) {
  ASSERT_EQ(check_options(options), std::nullopt);
  const SimResult result = run_simulation(options);
  EXPECT_TRUE(result.violations.empty()) << seed_line(result) << "\n" << failure_report(options, result);
  EXPECT_GT(result.committed_requests, 0u) << "replay: " << replay_command(options);
  EXPECT_GT(result.liveness_phase_completions, 0u) << "replay: " << replay_command(options);
  EXPECT_GT(result.checkpoints, 0u) << "replay: " << replay_command(options);
  EXPECT_EQ(result.byzantine, options.byzantine.replicas);
}

// One test per mode: the mode as a backup, with every fault the remaining budget allows (none at
// n = 4, where the Byzantine backup is the one fault; at n = 7 one crash or network victim besides).
class EveryMode : public ::testing::TestWithParam<std::string_view> {};

TEST_P(EveryMode, AsABackupKeepsProgressAndAgreement) {
  const std::string mode(GetParam());
  for (std::uint64_t seed = 1; seed <= 2; ++seed) {
    expect_progress_and_agreement(byzantine_options(seed, {{kBackup, mode}}));
  }
  SimOptions seven = byzantine_options(3, {{5, mode}});
  seven.replicas = 7;
  expect_progress_and_agreement(seven);
}

INSTANTIATE_TEST_SUITE_P(ByzantineSimulation, EveryMode, ::testing::ValuesIn(pbft::byzantine_mode_names()),
                         [](const ::testing::TestParamInfo<std::string_view>& param_info) {
                           std::string name;
                           for (char c : param_info.param) name += c == '-' ? '_' : c;
                           return name;
                         });

// Modes in which a faulty primary still gets every batch ordered by the correct backups: its
// PRE-PREPAREs reach them intact (late, again, or alone without its COMMITs), and a quorum does
// not need its COMMITs or CHECKPOINTs. The other modes stop a faulty primary's progress until a
// view change replaces it (next test).
TEST(ByzantineSimulation, PrimaryModesThatStillProgressWithoutViewChange) {
  for (std::string_view mode :
       {"slow", "replay", "withhold", "wrong-digest", "corrupt-checkpoint", "forge-view-change", "hide-certificates"}) {
    SCOPED_TRACE(std::string(mode));
    for (std::uint64_t seed = 1; seed <= 2; ++seed) {
      expect_progress_and_agreement(byzantine_options(seed, {{kPrimary, std::string(mode)}}));
    }
  }
}

// A primary that proposes nothing, equivocates, signs badly or mutates its PRE-PREPAREs stops the
// normal case; the correct backups' request timers must move them to a view with a correct
// primary, and progress resumes there.
TEST(ByzantineSimulation, PrimaryModesThatNeedAViewChange) {
  for (std::string_view mode : {"silent", "equivocate", "bad-signature", "mutate"}) {
    SCOPED_TRACE(std::string(mode));
    for (std::uint64_t seed = 1; seed <= 2; ++seed) {
      expect_progress_and_agreement(byzantine_options(seed, {{kPrimary, std::string(mode)}}));
    }
  }
}

// A view change in which one backup's VIEW-CHANGEs carry forged prepared certificates: the
// correct replicas refuse them and still complete the view change with the others.
TEST(ByzantineSimulation, ForgedViewChangeCertificatesDoNotStopAViewChange) {
  for (std::uint64_t seed = 1; seed <= 2; ++seed) {
    SimOptions options = byzantine_options(seed, {{kPrimary, "silent"}, {3, "forge-view-change"}});
    options.replicas = 7;
    expect_progress_and_agreement(options);
  }
}

// Whatever an equivocating primary does to progress, it must never fork the correct replicas:
// the only violation it may cause is progress.
TEST(ByzantineSimulation, EquivocatingPrimaryNeverForksTheCorrectReplicas) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const SimOptions options = byzantine_options(seed, {{kPrimary, "equivocate"}}, FaultMode::none);
    const SimResult result = run_simulation(options);
    for (const Violation& violation : result.violations) {
      EXPECT_EQ(violation.property, "progress") << failure_report(options, result);
    }
  }
}

TEST(ByzantineSimulation, RandomPicksUpToFReplicasAndPassesAFixedSeedRange) {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    SimOptions options = byzantine_options(seed, {});
    options.byzantine.random = true;
    const SimResult result = run_simulation(options);
    EXPECT_TRUE(result.violations.empty()) << seed_line(result) << "\n" << failure_report(options, result);
    EXPECT_GT(result.liveness_phase_completions, 0u) << replay_command(options);
    ASSERT_EQ(result.byzantine.size(), 1u) << "n = 4: exactly f = 1";
    // The explicit list that random drew replays the very same run.
    if (seed <= 2) {
      EXPECT_EQ(seed_line(run_simulation(byzantine_options(seed, result.byzantine))), seed_line(result));
    }
  }
}

TEST(ByzantineSimulation, RandomWithSevenReplicasCountsByzantineReplicasTowardsF) {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    SimOptions options = byzantine_options(seed, {});
    options.replicas = 7;
    options.byzantine.random = true;
    std::ostringstream trace;
    const SimResult result = run_simulation(options, &trace);
    EXPECT_TRUE(result.violations.empty()) << seed_line(result) << "\n" << failure_report(options, result);
    ASSERT_GE(result.byzantine.size(), 1u);
    ASSERT_LE(result.byzantine.size(), 2u);
    for (const ByzantineReplica& faulty : result.byzantine) {
      EXPECT_EQ(std::count(result.crashed.begin(), result.crashed.end(), faulty.replica), 0);
    }
    EXPECT_LE(result.byzantine.size() + result.crashed.size(), 2u) << "at most f faulty in all";
  }
}

TEST(ByzantineFaultPlan, VictimsAreDrawnFromWhatIsLeftOfF) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    Prng prng(seed);
    const FaultPlan plan = plan_faults({FaultMode::all, 7, 2, 0, 10000, {4}}, prng);
    EXPECT_LE(plan.victims.size(), 1u);
    for (ReplicaId victim : plan.victims) {
      EXPECT_NE(victim, 4u);
      EXPECT_NE(victim, 0u);
    }
    Prng crash_prng(seed);
    const FaultPlan none_left = plan_faults({FaultMode::crash, 4, 1, 0, 10000, {2}}, crash_prng);
    EXPECT_TRUE(none_left.victims.empty());
    for (const FaultEvent& event : none_left.events) {
      EXPECT_NE(event.node.index, 2u) << "only correct replicas crash and recover: " << to_string(event);
    }
  }
}

TEST(ByzantineOptions, ParseValidateAndPrint) {
  auto parsed = parse_byzantine_spec("3=replay,2=silent");
  ASSERT_TRUE(std::holds_alternative<ByzantineSpec>(parsed));
  const ByzantineSpec spec = std::get<ByzantineSpec>(parsed);
  EXPECT_EQ(spec.replicas, (std::vector<ByzantineReplica>{{3, "replay"}, {2, "silent"}}));
  EXPECT_EQ(to_string(spec), "3=replay,2=silent");
  EXPECT_TRUE(std::get<ByzantineSpec>(parse_byzantine_spec("random")).random);
  EXPECT_TRUE(std::get<ByzantineSpec>(parse_byzantine_spec("")).empty());
  for (std::string_view bad : {"3", "x=replay", "3=honest", "3=replay,", "-1=slow", "3=equivocate-collude"}) {
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_byzantine_spec(bad))) << bad;
  }
  EXPECT_EQ(check_byzantine(std::get<ByzantineSpec>(parse_byzantine_spec("3=replay")), 4, 1), std::nullopt);
  EXPECT_NE(check_byzantine(spec, 4, 1), std::nullopt) << "two faulty replicas with f = 1";
  EXPECT_EQ(check_byzantine(spec, 7, 2), std::nullopt);
  const auto out_of_range = check_byzantine(std::get<ByzantineSpec>(parse_byzantine_spec("4=replay")), 4, 1);
  ASSERT_NE(out_of_range, std::nullopt);
  EXPECT_NE(out_of_range->find("does not exist"), std::string::npos) << *out_of_range;
  EXPECT_NE(check_byzantine(std::get<ByzantineSpec>(parse_byzantine_spec("1=slow,1=replay")), 7, 2), std::nullopt);

  SimOptions options;
  options.replicas = 4;
  options.byzantine = std::get<ByzantineSpec>(parse_byzantine_spec("4=replay"));
  EXPECT_NE(check_options(options), std::nullopt);
  options.byzantine = std::get<ByzantineSpec>(parse_byzantine_spec("3=replay"));
  EXPECT_EQ(check_options(options), std::nullopt);
  EXPECT_EQ(replay_command(options),
            "loyal-sim --protocol pbft --replicas 4 --clients 8 --seed 1 --ticks 20000 --faults all "
            "--byzantine 3=replay --large-values never");
  options.byzantine = ByzantineSpec{.random = true, .replicas = {}};
  EXPECT_NE(replay_command(options).find("--byzantine random"), std::string::npos);
}

TEST(ByzantineReport, SeedLineNamesTheByzantineReplicas) {
  SimResult result;
  result.seed = 9;
  result.byzantine = {{2, "wrong-digest"}};
  EXPECT_EQ(seed_line(result),
            "seed 9: committed 0 requests, 0 checkpoints, 0 messages, 0 violations, byzantine 2=wrong-digest");
}

TEST(ByzantineCheckers, OnlyCorrectReplicasAreJudged) {
  Checkers checkers(100);
  checkers.mark_byzantine(3);
  checkers.on_submitted(0, 1);
  checkers.on_batch_executed(0, 1, crypto::sha256(as_bytes("batch")));
  checkers.on_request_executed(0, 1, 0, 1, as_bytes("op"), as_bytes("ok"));
  checkers.on_batch_executed(3, 1, crypto::sha256(as_bytes("other batch")));
  checkers.on_request_executed(3, 1, 0, 1, as_bytes("op"), as_bytes("lie"));
  checkers.on_request_executed(3, 2, 0, 7, as_bytes("op"), as_bytes("never submitted"));
  checkers.on_checkpoint(0, 1, crypto::sha256(as_bytes("state")));
  checkers.on_checkpoint(3, 1, crypto::sha256(as_bytes("other state")));
  checkers.on_completed(0, client::Completion{1, to_bytes("ok"), 0, 0});
  EXPECT_TRUE(checkers.violations().empty()) << checkers.violations().front().property;
  EXPECT_EQ(checkers.committed_requests(), 1u);
}

// Beyond the fault model: with f+1 = 2 colluding equivocators out of 4 (the primary and replica
// 1), the two correct replicas are each shown their own batch at the same sequence number and a
// quorum for it, and commit different batches. The agreement checker must see that fork.
TEST(ByzantineControl, FPlusOneColludingEquivocatorsForkAndTheCheckersSeeIt) {
  std::uint64_t forked = 0;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    SimOptions options = byzantine_options(seed, {}, FaultMode::none);
    options.ticks = 2000;
    options.test.colluding_equivocators = {0, 1};
    ASSERT_EQ(check_options(options), std::nullopt);
    const SimResult result = run_simulation(options);
    if (!result.violations.empty() && result.violations.front().property == "agreement") ++forked;
  }
  EXPECT_GE(forked, 1u) << "a fork among correct replicas went unnoticed in seeds 1-5";
}

// The same colluders, but only f of them: a single equivocating primary cannot fork anyone.
TEST(ByzantineControl, OneColludingEquivocatorAloneCannotFork) {
  SimOptions options = byzantine_options(1, {}, FaultMode::none);
  options.ticks = 2000;
  options.test.colluding_equivocators = {0};
  const SimResult result = run_simulation(options);
  for (const Violation& violation : result.violations) EXPECT_EQ(violation.property, "progress");
}

}  // namespace
}  // namespace loyal::sim
