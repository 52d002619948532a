// Leader election (figure 2 "RequestVote RPC" and "Rules for Servers", §5.2, §5.4.1) and pre-vote
// (thesis §9.6), on single cores fed messages by hand and on small clusters.

#include <gtest/gtest.h>

#include "raft/drop_reasons.h"
#include "raft/records.h"
#include "raft_harness.h"

namespace loyal::raft::testing {
namespace {

using net::MessageKind;

RaftOptions without_pre_vote(ReplicaId self, std::uint32_t n) {
  RaftOptions options = test_options(self, n);
  options.pre_vote = false;
  return options;
}

VoteReply vote_reply_in(const std::vector<replica::Outgoing>& messages) {
  EXPECT_EQ(messages.size(), 1u);
  return std::get<VoteReply>(decode_vote_reply(messages.at(0).body, net::DecodeLimits{}));
}

// `core` follows `leader` in `term` with these entries from index 1.
void follow(RaftCore& core, ReplicaId leader, Term term, std::vector<Entry> entries) {
  deliver_to(core, leader, MessageKind::raft_append_entries, encode_append_entries({term, 0, 0, entries, 0}));
}

TEST(RaftElection, VotesAtMostOncePerTermAndOnlyAfterPersisting) {
  RaftCore core(test_options(0, 3));
  replica::Actions first = deliver_to(core, 1, MessageKind::raft_request_vote, encode_vote_request({1, 0, 0}));
  // The vote leaves only after the record holding it: never in `send`.
  EXPECT_TRUE(sent_of_kind(first, MessageKind::raft_request_vote_reply).empty());
  EXPECT_TRUE(vote_reply_in(sent_of_kind(first, MessageKind::raft_request_vote_reply, true)).granted);
  ASSERT_EQ(first.persist.size(), 1u);
  EXPECT_EQ(first.persist[0].type, static_cast<std::uint32_t>(RecordType::hard_state));
  EXPECT_EQ(core.voted_for(), ReplicaId{1});
  EXPECT_EQ(core.current_term(), 1u);

  replica::Actions second = deliver_to(core, 2, MessageKind::raft_request_vote, encode_vote_request({1, 0, 0}));
  EXPECT_FALSE(vote_reply_in(sent_of_kind(second, MessageKind::raft_request_vote_reply)).granted);
  EXPECT_EQ(core.ignored().at(reason::kVoteAlreadyGiven), 1u);
  EXPECT_EQ(core.voted_for(), ReplicaId{1});

  // The same candidate asking again (its reply was lost) gets the same answer.
  replica::Actions again = deliver_to(core, 1, MessageKind::raft_request_vote, encode_vote_request({1, 0, 0}));
  EXPECT_TRUE(vote_reply_in(sent_of_kind(again, MessageKind::raft_request_vote_reply)).granted);
  EXPECT_TRUE(again.persist.empty());
}

TEST(RaftElection, GrantsOnlyToCandidatesWithLogsAtLeastAsUpToDate) {
  RaftCore core(test_options(0, 3));
  follow(core, 1, 2, {make_entry(1, "a"), make_entry(2, "b"), make_entry(2, "c")});
  ASSERT_EQ(core.last_log_index(), 3u);
  // Lower last term, however long: behind.
  auto behind = deliver_to(core, 2, MessageKind::raft_request_vote, encode_vote_request({3, 9, 1}));
  EXPECT_FALSE(vote_reply_in(sent_of_kind(behind, MessageKind::raft_request_vote_reply, true)).granted);
  // Same last term, shorter: behind.
  auto shorter = deliver_to(core, 2, MessageKind::raft_request_vote, encode_vote_request({4, 2, 2}));
  EXPECT_FALSE(vote_reply_in(sent_of_kind(shorter, MessageKind::raft_request_vote_reply, true)).granted);
  EXPECT_EQ(core.ignored().at(reason::kCandidateLogBehind), 2u);
  // Same last term and length: up to date.
  auto equal = deliver_to(core, 2, MessageKind::raft_request_vote, encode_vote_request({5, 3, 2}));
  EXPECT_TRUE(vote_reply_in(sent_of_kind(equal, MessageKind::raft_request_vote_reply, true)).granted);
  EXPECT_EQ(core.current_term(), 5u);
}

TEST(RaftElection, RejectsStaleTerms) {
  RaftCore core(test_options(0, 3));
  follow(core, 1, 3, {make_entry(3, "a")});
  auto vote = deliver_to(core, 2, MessageKind::raft_request_vote, encode_vote_request({2, 5, 2}));
  const VoteReply reply = vote_reply_in(sent_of_kind(vote, MessageKind::raft_request_vote_reply));
  EXPECT_FALSE(reply.granted);
  EXPECT_EQ(reply.term, 3u);
  auto append = deliver_to(core, 2, MessageKind::raft_append_entries,
                           encode_append_entries({2, 1, 1, {make_entry(2, "stale")}, 1}));
  const auto replies = sent_of_kind(append, MessageKind::raft_append_entries_reply);
  ASSERT_EQ(replies.size(), 1u);
  const auto answer = std::get<AppendEntriesReply>(decode_append_entries_reply(replies[0].body, net::DecodeLimits{}));
  EXPECT_FALSE(answer.success);
  EXPECT_EQ(answer.term, 3u);
  EXPECT_EQ(core.last_log_index(), 1u);
  EXPECT_EQ(core.leader(), ReplicaId{1});
  EXPECT_EQ(core.ignored().at(reason::kStaleTerm), 2u);
}

TEST(RaftElection, CandidateAsksForVotesOnlyAfterPersistingItsTermAndVote) {
  RaftCore core(without_pre_vote(0, 3));
  replica::Actions actions;
  while (core.role() != Role::candidate) core.on_tick(actions);
  EXPECT_EQ(core.current_term(), 1u);
  EXPECT_EQ(core.voted_for(), ReplicaId{0});
  EXPECT_TRUE(sent_of_kind(actions, MessageKind::raft_request_vote).empty());
  ASSERT_EQ(sent_of_kind(actions, MessageKind::raft_request_vote, true).size(), 1u);
  ASSERT_EQ(actions.persist.size(), 1u);
  const RecoveredRaftState recovered = recover(actions.persist);
  EXPECT_EQ(recovered.hard_state, (HardState{1, ReplicaId{0}}));
}

TEST(RaftElection, StepsDownOnAHigherTerm) {
  RaftHarness cluster(3);
  ASSERT_TRUE(cluster.tick_until([&] { return cluster.leader().has_value(); }, 200));
  const ReplicaId leader = *cluster.leader();
  const ReplicaId other = (leader + 1) % 3;
  const Term term = cluster.core(leader).current_term();
  auto actions = deliver_to(cluster.core(leader), other, MessageKind::raft_append_entries_reply,
                            encode_append_entries_reply({term + 4, false, 0, 1, std::nullopt}));
  EXPECT_EQ(cluster.core(leader).role(), Role::follower);
  EXPECT_EQ(cluster.core(leader).current_term(), term + 4);
  EXPECT_FALSE(cluster.core(leader).voted_for().has_value());
  EXPECT_FALSE(cluster.core(leader).can_propose());
  ASSERT_EQ(actions.persist.size(), 1u);
  EXPECT_EQ(recover(actions.persist).hard_state, (HardState{term + 4, std::nullopt}));
}

TEST(RaftElection, PreVoteDoesNotBumpTerms) {
  RaftCore candidate(test_options(0, 3));
  replica::Actions actions;
  while (candidate.role() != Role::pre_candidate) candidate.on_tick(actions);
  EXPECT_EQ(candidate.current_term(), 0u);
  EXPECT_TRUE(actions.persist.empty());
  const auto pre_votes = sent_of_kind(actions, MessageKind::raft_pre_vote);
  ASSERT_EQ(pre_votes.size(), 1u);

  RaftCore voter(test_options(1, 3));
  auto answer = deliver_to(voter, 0, MessageKind::raft_pre_vote, pre_votes[0].body);
  EXPECT_EQ(voter.current_term(), 0u);
  EXPECT_FALSE(voter.voted_for().has_value());
  EXPECT_TRUE(answer.persist.empty());
  const auto replies = sent_of_kind(answer, MessageKind::raft_pre_vote_reply);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_TRUE(vote_reply_in(replies).granted);

  // One granted pre-vote is a majority of three: now the term moves, once.
  auto election = deliver_to(candidate, 1, MessageKind::raft_pre_vote_reply, replies[0].body);
  EXPECT_EQ(candidate.role(), Role::candidate);
  EXPECT_EQ(candidate.current_term(), 1u);
  EXPECT_EQ(sent_of_kind(election, MessageKind::raft_request_vote, true).size(), 1u);
}

TEST(RaftElection, PreVoteRefusedWhileALeaderIsHeard) {
  RaftCore voter(test_options(0, 3));
  follow(voter, 1, 1, {});
  auto refused = deliver_to(voter, 2, MessageKind::raft_pre_vote, encode_vote_request({2, 0, 0}));
  EXPECT_FALSE(vote_reply_in(sent_of_kind(refused, MessageKind::raft_pre_vote_reply)).granted);
  EXPECT_EQ(voter.ignored().at(reason::kLeaderRecentlyHeard), 1u);
  // After election_timeout_min_ticks of silence from the leader the same pre-vote is granted.
  replica::Actions ticks;
  for (replica::Tick i = 0; i < test_options(0, 3).election_timeout_min_ticks; ++i) voter.on_tick(ticks);
  auto granted = deliver_to(voter, 2, MessageKind::raft_pre_vote, encode_vote_request({2, 0, 0}));
  EXPECT_TRUE(vote_reply_in(sent_of_kind(granted, MessageKind::raft_pre_vote_reply)).granted);
  EXPECT_EQ(voter.current_term(), 1u);
}

// A replica cut off from the others keeps timing out. With pre-vote its term stays put, so when
// it comes back the leader is not disturbed; without pre-vote it returns with a higher term and
// forces an election.
Term term_after_rejoin(bool pre_vote, ReplicaId* leader_before, ReplicaId* leader_after) {
  RaftHarness cluster(3, 5, [&](RaftOptions& options) { options.pre_vote = pre_vote; });
  EXPECT_TRUE(cluster.tick_until([&] { return cluster.leader().has_value(); }, 200));
  *leader_before = *cluster.leader();
  const ReplicaId isolated = (*leader_before + 1) % 3;
  const Term term = cluster.core(*leader_before).current_term();
  cluster.set_connected(isolated, false);
  cluster.tick(200);
  cluster.set_connected(isolated, true);
  cluster.tick(50);
  EXPECT_TRUE(cluster.leader().has_value());
  *leader_after = cluster.leader().value_or(0);
  EXPECT_FALSE(cluster.violated());
  return cluster.core(*leader_after).current_term() - term;
}

TEST(RaftElection, PreVoteDoesNotDisturbAHealthyLeader) {
  ReplicaId before = 0;
  ReplicaId after = 0;
  EXPECT_EQ(term_after_rejoin(true, &before, &after), 0u);
  EXPECT_EQ(before, after);
  EXPECT_GT(term_after_rejoin(false, &before, &after), 0u);
}

TEST(RaftElection, RandomizedTimeoutsAreDeterministicPerSeed) {
  auto draws = [](std::uint64_t seed, ReplicaId self) {
    RaftOptions options = test_options(self, 3, seed);
    options.pre_vote = true;
    RaftCore core(options);
    std::vector<replica::Tick> timeouts;
    replica::Actions actions;
    for (int election = 0; election < 20; ++election) {
      timeouts.push_back(core.election_timeout());
      const auto before = actions.send.size();
      while (actions.send.size() == before) core.on_tick(actions);  // the next pre-vote round
    }
    return timeouts;
  };
  const auto first = draws(9, 0);
  EXPECT_EQ(first, draws(9, 0));
  EXPECT_NE(first, draws(10, 0));
  EXPECT_NE(first, draws(9, 1));
  for (const replica::Tick timeout : first) {
    EXPECT_GE(timeout, 10u);
    EXPECT_LE(timeout, 20u);
  }
  EXPECT_GT(std::set<replica::Tick>(first.begin(), first.end()).size(), 3u);
}

TEST(RaftElection, ElectionSafetyAcrossSeeds) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    RaftHarness cluster(5, seed);
    cluster.loss_percent = 20;
    cluster.reorder = true;
    // Tight timeouts make split votes and competing candidates common.
    EXPECT_TRUE(cluster.tick_until([&] { return cluster.leader().has_value(); }, 400)) << "seed " << seed;
    cluster.tick(100);
    EXPECT_FALSE(cluster.violated()) << "seed " << seed;
  }
}

}  // namespace
}  // namespace loyal::raft::testing
