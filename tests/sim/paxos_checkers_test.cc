// Multi-Paxos's checker can fail: two values chosen at one slot, across replicas or over time, are
// reported as single_value_chosen, and consistent learners report nothing.

#include "tests/sim/paxos_checkers.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace loyal::sim {
namespace {

using paxos::Slot;

crypto::Digest digest_of(std::string_view text) { return crypto::sha256(as_bytes(text)); }

// A learner as the checkers see it: the values it knows chosen, by slot.
class FakeLearner final : public PaxosReplicaView {
 public:
  FakeLearner(ReplicaId replica, std::map<Slot, std::string> chosen, Slot stable = 0)
      : replica_(replica), chosen_(std::move(chosen)), stable_(stable) {}
  ReplicaId replica() const override { return replica_; }
  Slot stable_slot() const override { return stable_; }
  Slot last_chosen_contiguous() const override {
    Slot slot = stable_;
    while (chosen_.contains(slot + 1)) ++slot;
    return slot;
  }
  std::optional<crypto::Digest> chosen_digest(Slot slot) const override {
    const auto it = chosen_.find(slot);
    if (slot <= stable_ || it == chosen_.end()) return std::nullopt;
    return digest_of(it->second);
  }

 private:
  ReplicaId replica_;
  std::map<Slot, std::string> chosen_;
  Slot stable_;
};

std::vector<std::string> properties(const Checkers& checkers) {
  std::vector<std::string> names;
  for (const Violation& violation : checkers.violations()) names.push_back(violation.property);
  return names;
}

using Properties = std::vector<std::string>;

TEST(PaxosCheckers, LearnersThatAgreePass) {
  Checkers report(100);
  PaxosCheckers paxos(report);
  const FakeLearner a(0, {{1, "x"}, {2, "y"}, {4, "w"}});
  const FakeLearner b(1, {{1, "x"}});
  const FakeLearner c(2, {{3, "z"}, {4, "w"}}, 2);
  paxos.observe({&a, &b, &c});
  EXPECT_EQ(properties(report), Properties{});
  EXPECT_EQ(paxos.slots_known_chosen(), 4u);
}

TEST(PaxosCheckers, TwoValuesChosenAtOneSlotByTwoReplicasAreAViolation) {
  Checkers report(100);
  PaxosCheckers paxos(report);
  report.set_now(12);
  const FakeLearner a(0, {{1, "x"}, {2, "y"}});
  const FakeLearner b(1, {{1, "x"}, {2, "other y"}});
  paxos.observe({&a, &b});
  ASSERT_EQ(properties(report), Properties{"single_value_chosen"});
  EXPECT_EQ(report.violations()[0].tick, 12u);
  EXPECT_NE(report.violations()[0].details.find("slot 2"), std::string::npos) << report.violations()[0].details;
}

TEST(PaxosCheckers, AValueChosenAboveTheGapFreePrefixIsCompared) {
  Checkers report(100);
  PaxosCheckers paxos(report);
  const FakeLearner a(0, {{1, "x"}, {5, "v"}});
  const FakeLearner b(1, {{5, "not v"}});
  paxos.observe({&a, &b});
  EXPECT_EQ(properties(report), Properties{"single_value_chosen"});
}

TEST(PaxosCheckers, AReplicaThatRelearnsADifferentValueAfterARestartIsAViolation) {
  Checkers report(100);
  PaxosCheckers paxos(report);
  const FakeLearner before(0, {{1, "x"}, {2, "y"}});
  paxos.observe({&before});
  const FakeLearner restarted(0, {});
  paxos.observe({&restarted});
  const FakeLearner relearned(0, {{1, "x"}, {2, "changed"}});
  paxos.observe({&relearned});
  EXPECT_EQ(properties(report), Properties{"single_value_chosen"});
}

}  // namespace
}  // namespace loyal::sim
