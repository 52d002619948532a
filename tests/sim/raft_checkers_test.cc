// Raft's checkers can fail: each property, fed fabricated logs that break it, reports a violation
// under its name, and consistent logs report none.

#include "tests/sim/raft_checkers.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace loyal::sim {
namespace {

using raft::Index;
using raft::Term;

crypto::Digest digest_of(std::string_view text) { return crypto::sha256(as_bytes(text)); }

struct FakeEntry {
  Term term = 0;
  std::string batch;
};

// A replica's log as the checkers see it: entries after `snapshot`, in index order.
class FakeRaftLog final : public RaftReplicaView {
 public:
  FakeRaftLog(ReplicaId replica, Term term, std::vector<FakeEntry> entries, Index commit = 0, bool leading = false,
              Index snapshot = 0)
      : replica_(replica), term_(term), entries_(std::move(entries)), commit_(commit), leading_(leading),
        snapshot_(snapshot) {}
  ReplicaId replica() const override { return replica_; }
  Term current_term() const override { return term_; }
  bool leading() const override { return leading_; }
  Index commit_index() const override { return commit_; }
  Index snapshot_index() const override { return snapshot_; }
  Index last_log_index() const override { return snapshot_ + entries_.size(); }
  Term term_at(Index index) const override { return entry(index).term; }
  crypto::Digest digest_at(Index index) const override { return digest_of(entry(index).batch); }

 private:
  const FakeEntry& entry(Index index) const { return entries_.at(index - snapshot_ - 1); }
  ReplicaId replica_;
  Term term_;
  std::vector<FakeEntry> entries_;
  Index commit_;
  bool leading_;
  Index snapshot_;
};

std::vector<std::string> properties(const Checkers& checkers) {
  std::vector<std::string> names;
  for (const Violation& violation : checkers.violations()) names.push_back(violation.property);
  return names;
}

using Properties = std::vector<std::string>;

struct Harness {
  Checkers report{100};
  RaftCheckers raft{report};
  void observe(const std::vector<const RaftReplicaView*>& live) { raft.observe(live); }
};

TEST(RaftCheckers, ConsistentLogsPass) {
  Harness h;
  const FakeRaftLog leader(0, 2, {{1, "a"}, {1, "b"}, {2, "noop"}, {2, "c"}}, 4, true);
  const FakeRaftLog follower(1, 2, {{1, "a"}, {1, "b"}, {2, "noop"}}, 3);
  const FakeRaftLog stale(2, 1, {{1, "a"}, {1, "b"}, {1, "uncommitted"}}, 2);
  h.observe({&leader, &follower, &stale});
  const FakeRaftLog compacted(2, 2, {{2, "noop"}, {2, "c"}}, 4, false, 2);
  h.observe({&leader, &follower, &compacted});
  EXPECT_EQ(properties(h.report), Properties{});
  EXPECT_EQ(h.raft.leaders_seen(), 1u);
  EXPECT_EQ(h.raft.entries_known_committed(), 4u);
}

TEST(RaftCheckers, TwoLeadersOfOneTermViolateElectionSafety) {
  Harness h;
  h.report.set_now(9);
  const FakeRaftLog first(0, 3, {{3, "noop"}}, 0, true);
  h.observe({&first});
  EXPECT_EQ(properties(h.report), Properties{});
  // Replica 0 crashed since; replica 2 leading term 3 as well is still a second leader of term 3.
  const FakeRaftLog second(2, 3, {{3, "other noop"}}, 0, true);
  const FakeRaftLog follower(1, 3, {});
  h.observe({&follower, &second});
  ASSERT_EQ(properties(h.report), Properties{"election_safety"});
  EXPECT_EQ(h.report.violations()[0].tick, 9u);
  EXPECT_NE(h.report.violations()[0].details.find("term 3"), std::string::npos);
}

TEST(RaftCheckers, SameTermAtAnIndexWithDifferentEntriesBelowViolatesLogMatching) {
  Harness h;
  const FakeRaftLog a(0, 2, {{1, "x"}, {1, "y"}, {2, "z"}});
  const FakeRaftLog b(1, 2, {{1, "x"}, {1, "other y"}, {2, "z"}});
  h.observe({&a, &b});
  ASSERT_EQ(properties(h.report), Properties{"log_matching"});
  EXPECT_NE(h.report.violations()[0].details.find("differ at index 2"), std::string::npos)
      << h.report.violations()[0].details;
}

TEST(RaftCheckers, SameTermAndIndexWithDifferentBatchesViolatesLogMatching) {
  Harness h;
  const FakeRaftLog a(0, 2, {{1, "x"}, {2, "y"}});
  const FakeRaftLog b(1, 2, {{1, "x"}, {2, "other y"}});
  h.observe({&a, &b});
  EXPECT_EQ(properties(h.report), Properties{"log_matching"});
}

TEST(RaftCheckers, DivergentUncommittedSuffixesOfDifferentTermsAreFine) {
  Harness h;
  const FakeRaftLog a(0, 3, {{1, "x"}, {2, "from leader 2"}, {2, "more"}});
  const FakeRaftLog b(1, 3, {{1, "x"}, {3, "from leader 3"}});
  h.observe({&a, &b});
  EXPECT_EQ(properties(h.report), Properties{});
}

TEST(RaftCheckers, ANewLeaderWithoutACommittedEntryViolatesLeaderCompleteness) {
  Harness h;
  const FakeRaftLog old_leader(0, 1, {{1, "x"}, {1, "y"}}, 2, true);
  h.observe({&old_leader});
  // Replica 1 wins term 2 with a log that lacks the committed entry at index 2.
  const FakeRaftLog missing(1, 2, {{1, "x"}, {2, "noop"}}, 1, true);
  h.observe({&missing});
  ASSERT_EQ(properties(h.report), Properties{"leader_completeness"});
  EXPECT_NE(h.report.violations()[0].details.find("index 2"), std::string::npos) << h.report.violations()[0].details;
}

TEST(RaftCheckers, ANewLeaderWithAShortLogViolatesLeaderCompleteness) {
  Harness h;
  const FakeRaftLog old_leader(0, 1, {{1, "x"}, {1, "y"}}, 2, true);
  h.observe({&old_leader});
  const FakeRaftLog short_log(2, 2, {{1, "x"}}, 1, true);
  h.observe({&short_log});
  EXPECT_EQ(properties(h.report), Properties{"leader_completeness"});
}

TEST(RaftCheckers, DifferentEntriesCommittedAtOneIndexViolateStateMachineSafety) {
  Harness h;
  const FakeRaftLog first(0, 1, {{1, "x"}}, 1);
  h.observe({&first});
  // Later (replica 0 crashed), replica 1 commits something else at index 1.
  const FakeRaftLog second(1, 2, {{2, "y"}}, 1);
  h.observe({&second});
  EXPECT_EQ(properties(h.report), Properties{"state_machine_safety"});
}

}  // namespace
}  // namespace loyal::sim
