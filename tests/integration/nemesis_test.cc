// A nemesis against real replica processes, per protocol and per runtime: four clients run put,
// get and compare-and-swap in closed loops while one replica at a time (never more than f) is
// killed with -9 and restarted from its data directory, killed and restarted on a wiped data
// directory, or paused with SIGSTOP for 2-5 s and continued. Victim, fault and timings come from a
// seeded PRNG; the seed is printed. Then, with every replica running and honest:
//  - safety: the whole history (operations with unknown outcomes included) is linearizable per key
//    (register_checker.h);
//  - liveness: every client gets answers to new operations within kLivenessBound of the last
//    fault's healing, and every replica catches up.
// The cluster runs what a user gets: loyal-keygen's default parameters and loyal-replica's default
// flags, with --verify-threads 0 (one thread) and without the flag (its default, the threaded
// runtime) as two variants.
//
// LOYAL_NEMESIS_SECONDS sets the length of the fault phase (default kDefaultFaultSeconds);
// LOYAL_NEMESIS_SEED replays a schedule (the same victims, faults, timings and operations; the
// processes' own timing differs from run to run).

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "deploy/local/wait_until.h"
#include "tests/integration/cluster_fixture.h"
#include "tests/integration/register_workload.h"

namespace loyal::integration {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Short enough for the default suite (six variants), long enough for several faults of each kind.
constexpr int kDefaultFaultSeconds = 15;
constexpr int kMaxFaultSeconds = 3600;
constexpr std::uint32_t kWorkloadClients = 4;
constexpr int kKeys = 8;
// After the last fault healed, each client must have this many answered operations (invoked after
// the healing) within kLivenessBound: a cluster that answers one request and stalls again fails.
constexpr std::size_t kAnswersAfterHealing = 5;
constexpr std::chrono::milliseconds kLivenessBound{20'000};
// A replica restarted on a wiped disk remembers nothing it said before (votes, promises): until it
// caught up it counts as the faulty one, so the next fault waits for that, at most this long.
constexpr std::chrono::milliseconds kWipedCatchUpBound{20'000};
// loyal-replica's --verify-threads default, which the "default" variant runs (checked against
// --help below, so the variant keeps testing what users run).
constexpr std::uint32_t kDefaultVerifyThreads = 1;

struct NemesisVariant {
  ProtocolMode protocol;
  std::optional<std::uint32_t> verify_threads;  // none: loyal-replica's default
};

std::string variant_text(const NemesisVariant& variant) {
  return std::string(to_string(variant.protocol)) +
         (variant.verify_threads ? "_verify_threads_" + std::to_string(*variant.verify_threads)
                                 : std::string("_default_runtime"));
}

std::string variant_name(const ::testing::TestParamInfo<NemesisVariant>& info) { return variant_text(info.param); }

void PrintTo(const NemesisVariant& variant, std::ostream* out) { *out << variant_text(variant); }

int fault_seconds() {
  const char* text = std::getenv("LOYAL_NEMESIS_SECONDS");
  if (text == nullptr || *text == '\0') return kDefaultFaultSeconds;
  const int seconds = std::atoi(text);
  EXPECT_TRUE(seconds > 0 && seconds <= kMaxFaultSeconds)
      << "LOYAL_NEMESIS_SECONDS must be 1 to " << kMaxFaultSeconds << ", not " << text;
  return std::clamp(seconds, 1, kMaxFaultSeconds);
}

std::uint64_t nemesis_seed() {
  if (const char* text = std::getenv("LOYAL_NEMESIS_SEED"); text != nullptr && *text != '\0') {
    return std::strtoull(text, nullptr, 10);
  }
  return std::random_device{}();
}

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// What the nemesis did, for the summary line.
struct FaultCounts {
  int kills = 0;
  int wiped_restarts = 0;
  int pauses = 0;
};

class Nemesis : public ClusterFixture, public ::testing::TestWithParam<NemesisVariant> {
 protected:
  void SetUp() override {
    auto options = test_cluster_options(GetParam().protocol, scratch_.path());
    // What loyal-keygen writes, not the integration tests' fast timeouts: the user's cluster.
    options.parameters = cluster::Parameters{};
    options.verify_threads = GetParam().verify_threads;
    start_cluster(options);
  }

  // Picks and injects faults until `end`, one replica at a time, each healed before the next.
  // Returns false (with a test failure) when the cluster could not be put back together.
  bool run_faults(std::mt19937_64& random, Clock::time_point origin, Clock::time_point end, FaultCounts& counts) {
    const auto between = [&](std::chrono::milliseconds low, std::chrono::milliseconds high) {
      return low + std::chrono::milliseconds(random() % static_cast<std::uint64_t>((high - low).count() + 1));
    };
    const auto say = [&](const std::string& what) {
      std::printf("nemesis [%6.2f s] %s\n", seconds_between(origin, Clock::now()), what.c_str());
      std::fflush(stdout);
    };
    while (Clock::now() < end) {
      // The gap and the fault's length are the schedule itself, not a wait for some state.
      std::this_thread::sleep_for(between(500ms, 1500ms));
      const ReplicaId victim = static_cast<ReplicaId>(random() % cluster_->replica_count());
      const std::uint64_t kind = random() % 3;
      const std::chrono::milliseconds length = kind == 2 ? between(2000ms, 5000ms) : between(300ms, 2000ms);
      const std::string who = "replica " + std::to_string(victim);
      if (kind == 2) {
        say("SIGSTOP " + who + " for " + std::to_string(length.count()) + " ms");
        ++counts.pauses;
        EXPECT_TRUE(cluster_->pause(victim).ok());
        std::this_thread::sleep_for(length);
        EXPECT_TRUE(cluster_->resume(victim).ok());
        continue;
      }
      const bool wipe = kind == 1;
      say("kill -9 " + who + ", restart " + (wipe ? "on a wiped data directory" : "from its data directory") +
          " after " + std::to_string(length.count()) + " ms");
      ++(wipe ? counts.wiped_restarts : counts.kills);
      EXPECT_TRUE(cluster_->kill(victim).ok());
      std::this_thread::sleep_for(length);
      const Status restarted = cluster_->restart(victim, wipe);
      if (!restarted.ok()) {
        ADD_FAILURE() << restarted.error().message;
        return false;
      }
      if (!wipe) continue;
      const std::uint64_t target = max_executed(*cluster_, all_replicas_except(*cluster_, {victim}));
      const bool caught_up = local::wait_until(
          [&] {
            const auto status = cluster_->latest_status(victim);
            return status && status->executed >= target;
          },
          kWipedCatchUpBound);
      if (!caught_up) {
        ADD_FAILURE() << who << " restarted on a wiped disk did not reach executed " << target << " within "
                      << kWipedCatchUpBound.count() << " ms\n"
                      << describe_cluster(*cluster_);
        return false;
      }
      say(who + " caught up to executed " + std::to_string(target));
    }
    return true;
  }
};

TEST_P(Nemesis, HistoryIsLinearizableAndClientsAreAnsweredAfterHealing) {
  const NemesisVariant variant = GetParam();
  const int seconds = fault_seconds();
  const std::uint64_t seed = nemesis_seed();
  std::printf("nemesis: %s, %s, %d s of faults, seed %llu (replay: LOYAL_NEMESIS_SEED=%llu)\n",
              std::string(to_string(variant.protocol)).c_str(),
              variant.verify_threads ? ("--verify-threads " + std::to_string(*variant.verify_threads)).c_str()
                                     : "loyal-replica's default runtime",
              seconds, static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  std::mt19937_64 random(seed);

  const Clock::time_point origin = Clock::now();
  const Clock::time_point faults_end = origin + std::chrono::seconds(seconds);
  WorkloadOptions workload;
  for (int k = 0; k < kKeys; ++k) workload.keys.push_back("nemesis-" + std::to_string(k));
  // The fault phase can overrun by one fault and a wiped replica's catch-up; then the liveness phase.
  workload.end_by = faults_end + 10s + kWipedCatchUpBound + kLivenessBound + workload.operation_timeout;
  std::vector<std::unique_ptr<WorkloadClient>> clients;
  for (ClientId c = 1; c <= kWorkloadClients; ++c) {
    clients.push_back(std::make_unique<WorkloadClient>(cluster_->cluster_file(), c, random(), workload));
  }
  for (auto& client : clients) client->start();

  FaultCounts counts;
  const bool healed = run_faults(random, origin, faults_end, counts);
  const Clock::time_point healing = Clock::now();
  std::printf("nemesis [%6.2f s] faults over (%d kill -9 and restart, %d wiped restarts, %d pauses)\n",
              seconds_between(origin, healing), counts.kills, counts.wiped_restarts, counts.pauses);
  for (ReplicaId r = 0; r < cluster_->replica_count(); ++r) {
    EXPECT_TRUE(cluster_->running(r)) << "replica " << r << " is not running\n" << describe_cluster(*cluster_);
  }

  // Liveness: every client is answered again.
  if (healed) {
    const bool answered = local::wait_until(
        [&] {
          for (const auto& client : clients) {
            if (client->answered_since(healing) < kAnswersAfterHealing) return false;
          }
          return true;
        },
        kLivenessBound);
    double slowest = 0;
    std::string per_client;
    for (const auto& client : clients) {
      const auto first = client->first_answer_since(healing);
      if (first) slowest = std::max(slowest, seconds_between(healing, *first));
      per_client += " " + std::to_string(client->answered_since(healing));
    }
    EXPECT_TRUE(answered) << "within " << kLivenessBound.count() << " ms after the last fault healed, not every client"
                          << " got " << kAnswersAfterHealing << " answers (answers per client:" << per_client << ")\n"
                          << describe_cluster(*cluster_);
    if (answered) {
      std::printf("nemesis: every client answered %zu times after healing; first answer after %.2f s at the latest\n",
                  kAnswersAfterHealing, slowest);
    }
  }
  for (auto& client : clients) client->stop();

  // Safety: one history of every client, checked per key.
  std::vector<RegisterOperation> history;
  std::size_t answered = 0;
  std::size_t unknown = 0;
  for (const auto& client : clients) {
    EXPECT_EQ(client->failure(), "");
    answered += client->answered();
    unknown += client->unknown();
    history.insert(history.end(), client->history().begin(), client->history().end());
  }
  const RegisterCheck check = check_register_history(history, origin);
  EXPECT_EQ(check.verdict, RegisterCheck::Verdict::linearizable) << check.explanation;
  std::printf("nemesis: %zu operations answered, %zu unknown; linearizable: %s (%llu search steps)\n", answered,
              unknown, check.verdict == RegisterCheck::Verdict::linearizable ? "yes" : "NO",
              static_cast<unsigned long long>(check.search_steps));
  EXPECT_GT(answered, 0u);

  // Every replica catches up with the others once the load is gone.
  if (healed) {
    const auto everyone = all_replicas_except(*cluster_, {});
    const bool converged = wait_for_convergence(*cluster_, everyone, *client_).has_value();
    EXPECT_TRUE(converged) << "the replicas did not converge after healing\n" << describe_cluster(*cluster_);
  }
  for (ReplicaId r = 0; r < cluster_->replica_count(); ++r) {
    if (const auto status = cluster_->latest_status(r)) std::printf("nemesis: %s\n", status->line.c_str());
  }
}

INSTANTIATE_TEST_SUITE_P(
    ProtocolsAndRuntimes, Nemesis,
    ::testing::Values(NemesisVariant{ProtocolMode::pbft, 0}, NemesisVariant{ProtocolMode::pbft, std::nullopt},
                      NemesisVariant{ProtocolMode::raft, 0}, NemesisVariant{ProtocolMode::raft, std::nullopt},
                      NemesisVariant{ProtocolMode::paxos, 0}, NemesisVariant{ProtocolMode::paxos, std::nullopt}),
    variant_name);

// The "default runtime" variants above pass no --verify-threads, so they test whatever
// loyal-replica's default is; this keeps their name honest about what that default is.
TEST(NemesisDefaults, TheDefaultRuntimeIsTheThreadedOne) {
  const ProgramRun help = run_program(replica_binary(), {"--help"});
  EXPECT_EQ(help.exit_code, 0) << help.output;
  const std::size_t flag = help.output.find("--verify-threads");
  ASSERT_NE(flag, std::string::npos) << help.output;
  const std::size_t line_end = help.output.find('\n', flag);
  const std::string line = help.output.substr(flag, line_end - flag);
  EXPECT_TRUE(line.ends_with("=" + std::to_string(kDefaultVerifyThreads))) << line;
  EXPECT_NE(help.output.find("--sync TEXT:{always,batch,none}=batch"), std::string::npos)
      << "the launcher passes --sync batch, which must be the default\n" << help.output;
}

}  // namespace
}  // namespace loyal::integration
