// Log replication and commitment (figure 2 "AppendEntries RPC", figure 3 properties, §5.3, §5.4).

#include <gtest/gtest.h>

#include "raft/drop_reasons.h"
#include "raft/records.h"
#include "raft_harness.h"

namespace loyal::raft::testing {
namespace {

using net::MessageKind;

AppendEntriesReply append_reply_in(const std::vector<replica::Outgoing>& messages) {
  EXPECT_EQ(messages.size(), 1u);
  return std::get<AppendEntriesReply>(decode_append_entries_reply(messages.at(0).body, net::DecodeLimits{}));
}

// What the pipeline does after a call: the records are made durable, and the core is told.
// Returns every batch committed by the call and by the persistence report.
std::vector<replica::CommittedBatch> settle(RaftCore& core, replica::Actions& actions) {
  std::vector<replica::CommittedBatch> committed = actions.committed;
  if (!actions.persist.empty()) {
    replica::Actions after;
    core.on_persisted(actions.persist.back().id, after);
    committed.insert(committed.end(), after.committed.begin(), after.committed.end());
  }
  return committed;
}

replica::Actions append(RaftCore& core, ReplicaId leader, const AppendEntries& message) {
  return deliver_to(core, leader, MessageKind::raft_append_entries, encode_append_entries(message));
}

TEST(RaftReplication, ConsistencyCheckRejectsWithAHint) {
  RaftCore follower(test_options(0, 3));
  auto first = append(follower, 1, {2, 0, 0, {make_entry(1, "a"), make_entry(1, "b"), make_entry(2, "c")}, 0});
  settle(follower, first);
  // prevLogIndex beyond the log: retry one past its end.
  const auto too_far = append_reply_in(
      sent_of_kind(append(follower, 1, {3, 5, 3, {}, 0}), MessageKind::raft_append_entries_reply, true));
  EXPECT_FALSE(too_far.success);
  EXPECT_EQ(too_far.conflict_index, 4u);
  EXPECT_FALSE(too_far.conflict_term.has_value());
  // A different term at prevLogIndex: retry at the first index of the follower's term there.
  auto mismatch = append(follower, 1, {3, 3, 3, {make_entry(3, "x")}, 0});
  const auto hint = append_reply_in(sent_of_kind(mismatch, MessageKind::raft_append_entries_reply));
  EXPECT_FALSE(hint.success);
  EXPECT_EQ(hint.conflict_term, Term{2});
  EXPECT_EQ(hint.conflict_index, 3u);
  EXPECT_EQ(follower.last_log_index(), 3u);
  EXPECT_EQ(follower.ignored().at(reason::kLogMismatch), 2u);
}

TEST(RaftReplication, ConflictingSuffixIsDeletedAndReplaced) {
  RaftCore follower(test_options(0, 3));
  auto first =
      append(follower, 1, {2, 0, 0, {make_entry(1, "a"), make_entry(1, "b"), make_entry(2, "c"), make_entry(2, "d")}, 0});
  settle(follower, first);
  const Entry replacement = make_entry(3, "x");
  auto second = append(follower, 2, {3, 2, 1, {replacement}, 0});
  EXPECT_EQ(follower.last_log_index(), 3u);
  EXPECT_EQ(follower.term_at(3), Term{3});
  EXPECT_EQ(follower.digest_at(3), replacement.digest);
  EXPECT_EQ(follower.term_at(2), Term{1});
  // The new suffix is persisted, and the success waits for it.
  ASSERT_EQ(second.persist.size(), 2u);  // the new term, then the suffix
  EXPECT_EQ(second.persist[1].type, static_cast<std::uint32_t>(RecordType::log_suffix));
  EXPECT_TRUE(sent_of_kind(second, MessageKind::raft_append_entries_reply).empty());
  const auto ack = append_reply_in(sent_of_kind(second, MessageKind::raft_append_entries_reply, true));
  EXPECT_TRUE(ack.success);
  EXPECT_EQ(ack.match_index, 3u);
  settle(follower, second);
  // The journal says the same as memory.
  std::vector<replica::PersistRecord> records = first.persist;
  records.insert(records.end(), second.persist.begin(), second.persist.end());
  const RecoveredRaftState recovered = recover(records);
  EXPECT_EQ(recovered.log.last_index(), 3u);
  EXPECT_EQ(recovered.log.term_at(3), Term{3});
  // A repeat changes nothing and writes nothing.
  auto repeat = append(follower, 2, {3, 2, 1, {replacement}, 0});
  EXPECT_TRUE(repeat.persist.empty());
  EXPECT_TRUE(append_reply_in(sent_of_kind(repeat, MessageKind::raft_append_entries_reply)).success);
}

TEST(RaftReplication, LeaderCommitPropagatesBoundedByWhatMatches) {
  RaftCore follower(test_options(0, 3));
  auto first = append(follower, 1, {1, 0, 0, {make_entry(1, "a"), make_entry(1, "b"), make_entry(1, "c")}, 0});
  EXPECT_TRUE(settle(follower, first).empty());
  // A new leader vouches for index 3, but has only checked that index 1 matches.
  auto second = append(follower, 2, {2, 1, 1, {}, 3});
  auto committed = settle(follower, second);
  ASSERT_EQ(committed.size(), 1u);
  EXPECT_EQ(committed[0].sequence, 1u);
  EXPECT_EQ(follower.commit_index(), 1u);
  auto third = append(follower, 2, {2, 3, 1, {}, 3});
  committed = settle(follower, third);
  ASSERT_EQ(committed.size(), 2u);
  EXPECT_EQ(committed[0].sequence, 2u);
  EXPECT_EQ(committed[1].sequence, 3u);
  EXPECT_EQ(follower.status().last_committed, 3u);
}

TEST(RaftReplication, FollowerCommitsOnlyWhatIsDurableHere) {
  RaftCore follower(test_options(0, 3));
  auto actions = append(follower, 1, {1, 0, 0, {make_entry(1, "a")}, 1});
  EXPECT_TRUE(actions.committed.empty());
  EXPECT_EQ(follower.commit_index(), 0u);
  EXPECT_EQ(settle(follower, actions).size(), 1u);
}

// Figure 8: a leader must not commit an entry of an earlier term by counting replicas, even when
// a majority holds it; it commits once an entry of its own term is on a majority.
TEST(RaftReplication, CommitsOnlyCurrentTermEntriesByCounting) {
  RaftOptions options = test_options(0, 5);
  options.pre_vote = false;
  RaftCore core(options);
  auto history = append(core, 1, {2, 0, 0, {make_entry(1, "a"), make_entry(2, "b")}, 1});
  settle(core, history);
  ASSERT_EQ(core.commit_index(), 1u);
  replica::Actions election;
  while (core.role() != Role::candidate) core.on_tick(election);
  settle(core, election);
  const Term term = core.current_term();
  ASSERT_EQ(term, 3u);
  auto won = deliver_to(core, 3, MessageKind::raft_request_vote_reply, encode_vote_reply({term, true}));
  auto more = deliver_to(core, 4, MessageKind::raft_request_vote_reply, encode_vote_reply({term, true}));
  ASSERT_EQ(core.role(), Role::leader);
  ASSERT_EQ(core.last_log_index(), 3u);  // the no-op of term 3
  EXPECT_EQ(core.term_at(3), term);
  settle(core, won);
  settle(core, more);
  // Index 2 (term 2) reaches a majority: 0, 1, 2.
  for (ReplicaId follower : {1u, 2u}) {
    auto ack = deliver_to(core, follower, MessageKind::raft_append_entries_reply,
                          encode_append_entries_reply({term, true, 2, 0, std::nullopt}));
    EXPECT_TRUE(ack.committed.empty());
  }
  EXPECT_EQ(core.commit_index(), 1u);
  // The no-op reaches a majority: 0, 1, 2 hold index 3; now 2 and 3 commit together.
  auto one = deliver_to(core, 1, MessageKind::raft_append_entries_reply,
                        encode_append_entries_reply({term, true, 3, 0, std::nullopt}));
  EXPECT_TRUE(one.committed.empty());
  auto two = deliver_to(core, 2, MessageKind::raft_append_entries_reply,
                        encode_append_entries_reply({term, true, 3, 0, std::nullopt}));
  ASSERT_EQ(two.committed.size(), 2u);
  EXPECT_EQ(two.committed[0].sequence, 2u);
  EXPECT_EQ(two.committed[1].sequence, 3u);
  EXPECT_TRUE(two.committed[1].batch.empty());
  EXPECT_EQ(two.committed[1].digest, crypto::sha256({}));
}

// The reject hint moves nextIndex past a whole conflicting term at once (§5.3, "optimization").
TEST(RaftReplication, LeaderUsesTheRejectHintToSkipConflictingTerms) {
  RaftOptions options = test_options(0, 3);
  options.pre_vote = false;
  RaftCore core(options);
  auto history = append(core, 1, {1, 0, 0, {make_entry(1, "a"), make_entry(1, "b"), make_entry(1, "c")}, 0});
  settle(core, history);
  replica::Actions election;
  while (core.role() != Role::candidate) core.on_tick(election);
  settle(core, election);
  auto won = deliver_to(core, 2, MessageKind::raft_request_vote_reply, encode_vote_reply({2, true}));
  ASSERT_EQ(core.role(), Role::leader);
  settle(core, won);
  auto retry_at = [&](const AppendEntriesReply& reply) {
    auto actions = deliver_to(core, 1, MessageKind::raft_append_entries_reply, encode_append_entries_reply(reply));
    const auto sent = sent_of_kind(actions, MessageKind::raft_append_entries);
    EXPECT_EQ(sent.size(), 1u);
    return std::get<AppendEntries>(decode_append_entries(sent.at(0).body, net::DecodeLimits{}, 1024)).prev_log_index;
  };
  // The follower has term 7 from index 2 on, which the leader never had: retry at index 2.
  EXPECT_EQ(retry_at({2, false, 0, 2, Term{7}}), 1u);
  // The follower has term 1 at the probed index: the leader's last term-1 entry is 3, so retry
  // right after it.
  EXPECT_EQ(retry_at({2, false, 0, 1, Term{1}}), 3u);
  // The follower's log is too short: retry one past its end.
  EXPECT_EQ(retry_at({2, false, 0, 2, std::nullopt}), 1u);
  EXPECT_EQ(core.next_index(1), 2u);
}

TEST(RaftReplication, LeaderCountsItsOwnEntriesOnlyOncePersisted) {
  RaftHarness cluster(3);
  ASSERT_TRUE(cluster.tick_until([&] { return cluster.leader().has_value(); }, 200));
  const ReplicaId leader = *cluster.leader();
  const ReplicaId follower = (leader + 1) % 3;
  cluster.tick_until([&] { return cluster.core(leader).commit_index() == cluster.core(leader).last_log_index(); }, 50);
  cluster.set_connected((leader + 2) % 3, false);
  cluster.set_manual_sync(leader, true);
  cluster.propose(leader, "x");
  const Index index = cluster.core(leader).last_log_index();
  cluster.run();
  EXPECT_EQ(cluster.core(leader).match_index(follower), index);
  EXPECT_LT(cluster.core(leader).commit_index(), index);
  EXPECT_LT(cluster.core(leader).durable_index(), index);
  cluster.sync(leader);
  EXPECT_EQ(cluster.core(leader).commit_index(), index);
  EXPECT_EQ(cluster.last_executed(leader), index);
}

TEST(RaftReplication, FollowerAcknowledgesOnlyAfterPersisting) {
  RaftHarness cluster(3);
  ASSERT_TRUE(cluster.tick_until([&] { return cluster.leader().has_value(); }, 200));
  const ReplicaId leader = *cluster.leader();
  const ReplicaId follower = (leader + 1) % 3;
  cluster.set_connected((leader + 2) % 3, false);
  cluster.set_manual_sync(follower, true);
  cluster.propose(leader, "x");
  const Index index = cluster.core(leader).last_log_index();
  cluster.tick(5);
  EXPECT_LT(cluster.core(leader).match_index(follower), index);
  EXPECT_LT(cluster.core(leader).commit_index(), index);
  cluster.sync(follower);
  cluster.run();
  EXPECT_EQ(cluster.core(leader).match_index(follower), index);
  EXPECT_EQ(cluster.core(leader).commit_index(), index);
}

// Leader Append-Only (figure 3): while it leads, a leader never overwrites or deletes its entries.
TEST(RaftReplication, LeaderIsAppendOnly) {
  RaftHarness cluster(5, 3);
  cluster.loss_percent = 15;
  cluster.reorder = true;
  ASSERT_TRUE(cluster.tick_until([&] { return cluster.leader().has_value(); }, 400));
  const ReplicaId leader = *cluster.leader();
  const Term term = cluster.core(leader).current_term();
  std::map<Index, crypto::Digest> seen;
  for (int round = 0; round < 30 && cluster.core(leader).role() == Role::leader; ++round) {
    if (cluster.core(leader).can_propose()) cluster.propose(leader, "op" + std::to_string(round));
    cluster.tick(2);
    const RaftCore& core = cluster.core(leader);
    if (core.role() != Role::leader || core.current_term() != term) break;
    for (Index index = core.snapshot_index() + 1; index <= core.last_log_index(); ++index) {
      const auto [it, first] = seen.emplace(index, *core.digest_at(index));
      EXPECT_EQ(it->second, *core.digest_at(index)) << "index " << index;
    }
    for (const auto& [index, digest] : seen) EXPECT_LE(index, core.last_log_index());
  }
  EXPECT_GT(seen.size(), 10u);
  EXPECT_FALSE(cluster.violated());
}

TEST(RaftReplication, HeartbeatsRetransmitAtMostTheConfiguredEntries) {
  RaftHarness cluster(3);
  ASSERT_TRUE(cluster.tick_until([&] { return cluster.leader().has_value(); }, 200));
  const ReplicaId leader = *cluster.leader();
  const ReplicaId lagging = (leader + 1) % 3;
  cluster.tick(5);
  cluster.set_connected(lagging, false);
  for (int i = 0; i < 30; ++i) cluster.propose(leader, "op" + std::to_string(i));
  cluster.run();
  // The next heartbeat re-sends what the lagging follower has not acknowledged, 8 at a time.
  replica::Actions heartbeat;
  for (replica::Tick i = 0; i < test_options(0, 3).heartbeat_ticks; ++i) cluster.core(leader).on_tick(heartbeat);
  std::vector<AppendEntries> to_lagging;
  for (const auto& message : sent_of_kind(heartbeat, MessageKind::raft_append_entries)) {
    if (message.to != lagging) continue;
    to_lagging.push_back(std::get<AppendEntries>(decode_append_entries(message.body, net::DecodeLimits{}, 1024)));
  }
  ASSERT_EQ(to_lagging.size(), 1u);
  EXPECT_EQ(to_lagging[0].entries.size(), 8u);
  EXPECT_EQ(to_lagging[0].prev_log_index, cluster.core(lagging).last_log_index());
  // Reconnected, it catches up through heartbeats and replies alone.
  cluster.set_connected(lagging, true);
  ASSERT_TRUE(cluster.tick_until(
      [&] { return cluster.last_executed(lagging) == cluster.core(leader).last_log_index(); }, 100));
  EXPECT_FALSE(cluster.violated());
}

}  // namespace
}  // namespace loyal::raft::testing
