// The register checker on small hand-written histories: it must accept what a linearizable store
// can produce (concurrent operations in either order, unknown outcomes taking effect or not) and
// reject what none can (stale reads, a value coming back after it was overwritten, two swaps from
// one expected value, a read of a write that had not started).

#include <gtest/gtest.h>

#include "tests/integration/register_checker.h"

namespace loyal::integration {
namespace {

using Kind = RegisterOperation::Kind;
using Outcome = RegisterOperation::Outcome;
using Verdict = RegisterCheck::Verdict;

const std::chrono::steady_clock::time_point kOrigin{};

std::chrono::steady_clock::time_point at(int milliseconds) { return kOrigin + std::chrono::milliseconds(milliseconds); }

RegisterOperation operation(Kind kind, int invoked, int completed, Outcome outcome, std::string key) {
  RegisterOperation made;
  made.key = std::move(key);
  made.kind = kind;
  made.outcome = outcome;
  made.invoked = at(invoked);
  made.completed = at(completed);
  return made;
}

RegisterOperation put(std::string value, int invoked, int completed, Outcome outcome = Outcome::ok,
                      std::string key = "k") {
  RegisterOperation made = operation(Kind::write, invoked, completed, outcome, std::move(key));
  made.written = std::move(value);
  return made;
}

RegisterOperation get(RegisterValue observed, int invoked, int completed, std::string key = "k") {
  RegisterOperation made = operation(Kind::read, invoked, completed, Outcome::ok, std::move(key));
  made.observed = std::move(observed);
  return made;
}

RegisterOperation cas(RegisterValue expected, std::string written, int invoked, int completed,
                      Outcome outcome = Outcome::ok, RegisterValue observed = {}) {
  RegisterOperation made = operation(Kind::compare_and_swap, invoked, completed, outcome, "k");
  made.expected = std::move(expected);
  made.written = std::move(written);
  made.observed = std::move(observed);
  return made;
}

Verdict verdict(const std::vector<RegisterOperation>& history) {
  return check_register_history(history, kOrigin).verdict;
}

TEST(RegisterChecker, AcceptsTheEmptyHistoryAndAReadOfAnAbsentKey) {
  EXPECT_EQ(verdict({}), Verdict::linearizable);
  EXPECT_EQ(verdict({get(std::nullopt, 0, 1)}), Verdict::linearizable);
}

TEST(RegisterChecker, AcceptsSequentialWritesAndReads) {
  EXPECT_EQ(verdict({put("a", 0, 1), get("a", 2, 3), put("b", 4, 5), get("b", 6, 7)}), Verdict::linearizable);
}

TEST(RegisterChecker, RejectsAStaleRead) {
  const std::vector<RegisterOperation> history = {put("a", 0, 1), put("b", 2, 3), get("a", 4, 5)};
  const RegisterCheck check = check_register_history(history, kOrigin);
  EXPECT_EQ(check.verdict, Verdict::not_linearizable);
  EXPECT_NE(check.explanation.find("key k"), std::string::npos) << check.explanation;
  EXPECT_NE(check.explanation.find("get k: a"), std::string::npos) << check.explanation;
}

TEST(RegisterChecker, RejectsAReadOfAValueNeverWritten) {
  EXPECT_EQ(verdict({put("a", 0, 1), get("z", 2, 3)}), Verdict::not_linearizable);
  EXPECT_EQ(verdict({get("a", 0, 1)}), Verdict::not_linearizable);
}

TEST(RegisterChecker, AReadConcurrentWithAWriteMaySeeEitherValue) {
  EXPECT_EQ(verdict({put("a", 0, 1), put("b", 2, 10), get("a", 3, 4)}), Verdict::linearizable);
  EXPECT_EQ(verdict({put("a", 0, 1), put("b", 2, 10), get("b", 3, 4)}), Verdict::linearizable);
  // Once one read saw the new value, a later read may not see the old one.
  EXPECT_EQ(verdict({put("a", 0, 1), put("b", 2, 10), get("b", 3, 4), get("a", 5, 6)}), Verdict::not_linearizable);
}

TEST(RegisterChecker, RejectsAValueThatComesBackAfterItWasOverwritten) {
  // Two long concurrent writes, three reads one after another: a, b, a needs "a" written twice.
  EXPECT_EQ(verdict({put("a", 0, 100), put("b", 0, 100), get("a", 10, 11), get("b", 20, 21), get("a", 30, 31)}),
            Verdict::not_linearizable);
  EXPECT_EQ(verdict({put("a", 0, 100), put("b", 0, 100), get("b", 10, 11), get("a", 20, 21)}), Verdict::linearizable);
}

TEST(RegisterChecker, AnUnknownWriteMayTakeEffectLateOrNever) {
  // Seen long after the client gave up on it: it executed late.
  EXPECT_EQ(verdict({put("a", 0, 1), put("x", 2, 3, Outcome::unknown), get("a", 4, 5), get("x", 50, 51)}),
            Verdict::linearizable);
  // Never seen: it never executed.
  EXPECT_EQ(verdict({put("a", 0, 1), put("x", 2, 3, Outcome::unknown), get("a", 50, 51)}), Verdict::linearizable);
  // But not before it was invoked.
  EXPECT_EQ(verdict({get("x", 0, 1), put("x", 2, 3, Outcome::unknown)}), Verdict::not_linearizable);
  // And at most once: x, then the later write b, then x again is impossible.
  EXPECT_EQ(verdict({put("x", 0, 1, Outcome::unknown), get("x", 10, 11), put("b", 12, 13), get("x", 14, 15)}),
            Verdict::not_linearizable);
}

TEST(RegisterChecker, CompareAndSwapSucceedsOnlyFromTheExpectedValue) {
  EXPECT_EQ(verdict({put("a", 0, 1), cas("a", "b", 2, 3), get("b", 4, 5)}), Verdict::linearizable);
  EXPECT_EQ(verdict({put("a", 0, 1), cas("z", "b", 2, 3)}), Verdict::not_linearizable);
  EXPECT_EQ(verdict({cas(std::nullopt, "a", 0, 1), get("a", 2, 3)}), Verdict::linearizable);
  // Two swaps from the same value cannot both succeed, however they overlap.
  EXPECT_EQ(verdict({put("a", 0, 1), cas("a", "b", 2, 10), cas("a", "c", 2, 10)}), Verdict::not_linearizable);
}

TEST(RegisterChecker, AFailedCompareAndSwapReadsTheCurrentValue) {
  EXPECT_EQ(verdict({put("a", 0, 1), cas("z", "b", 2, 3, Outcome::cas_failed, "a")}), Verdict::linearizable);
  // The value it reports must be the register's, and must differ from the expected one.
  EXPECT_EQ(verdict({put("a", 0, 1), cas("z", "b", 2, 3, Outcome::cas_failed, "q")}), Verdict::not_linearizable);
  EXPECT_EQ(verdict({put("a", 0, 1), cas("a", "b", 2, 3, Outcome::cas_failed, "a")}), Verdict::not_linearizable);
  // It changes nothing.
  EXPECT_EQ(verdict({put("a", 0, 1), cas("z", "b", 2, 3, Outcome::cas_failed, "a"), get("b", 4, 5)}),
            Verdict::not_linearizable);
}

TEST(RegisterChecker, AnUnknownCompareAndSwapMaySwapOnlyFromTheExpectedValue) {
  EXPECT_EQ(verdict({put("a", 0, 1), cas("a", "b", 2, 3, Outcome::unknown), get("b", 20, 21)}), Verdict::linearizable);
  EXPECT_EQ(verdict({put("a", 0, 1), cas("z", "b", 2, 3, Outcome::unknown), get("b", 20, 21)}),
            Verdict::not_linearizable);
}

TEST(RegisterChecker, KeysAreIndependentRegisters) {
  EXPECT_EQ(verdict({put("a", 0, 1, Outcome::ok, "k1"), put("b", 0, 1, Outcome::ok, "k2"), get("a", 2, 3, "k1"),
                     get("b", 2, 3, "k2")}),
            Verdict::linearizable);
  EXPECT_EQ(verdict({put("a", 0, 1, Outcome::ok, "k1"), get("a", 2, 3, "k2")}), Verdict::not_linearizable);
}

TEST(RegisterChecker, OperationsThatTouchAtTheSameInstantAreConcurrent) {
  // The read completes at the instant the write is invoked: either order is possible.
  EXPECT_EQ(verdict({put("a", 0, 1), get("b", 2, 5), put("b", 5, 6)}), Verdict::linearizable);
}

TEST(RegisterChecker, GivesUpRatherThanGuessWhenTheBudgetRunsOut) {
  std::vector<RegisterOperation> history;
  for (int i = 0; i < 8; ++i) history.push_back(put("v" + std::to_string(i), 0, 100));
  history.push_back(get("v3", 101, 102));
  EXPECT_EQ(check_register_history(history, kOrigin, 5).verdict, Verdict::undecided);
  EXPECT_EQ(check_register_history(history, kOrigin).verdict, Verdict::linearizable);
}

TEST(RegisterChecker, ManyConcurrentUnknownWritesStayTractable) {
  // Four clients for a thousand operations, one write in ten unknown: the shape of a nemesis run.
  std::vector<RegisterOperation> history;
  RegisterValue current;
  int time = 0;
  for (int i = 0; i < 1000; ++i, time += 10) {
    if (i % 3 == 0) {
      const std::string value = "v" + std::to_string(i);
      const bool unknown = i % 30 == 0;
      history.push_back(put(value, time, time + 15, unknown ? Outcome::unknown : Outcome::ok));
      if (!unknown) current = value;
    } else {
      history.push_back(get(current, time, time + 5));
    }
  }
  const RegisterCheck check = check_register_history(history, kOrigin);
  EXPECT_EQ(check.verdict, Verdict::linearizable) << check.explanation;
  EXPECT_LT(check.search_steps, 100'000u);
}

}  // namespace
}  // namespace loyal::integration
