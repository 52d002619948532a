// Log compaction at the pipeline's checkpoints, InstallSnapshot through state transfer (§7), and
// restarts from the journal.

#include <gtest/gtest.h>

#include "raft/drop_reasons.h"
#include "raft/records.h"
#include "raft_harness.h"

namespace loyal::raft::testing {
namespace {

using net::MessageKind;

crypto::Digest state_at(std::string_view seed) { return crypto::sha256(to_bytes(seed)); }

// A follower of replica 1 in `term` holding `count` entries of that term, all durable.
std::vector<replica::PersistRecord> follow(RaftCore& core, Term term, int count, Index leader_commit = 0) {
  std::vector<Entry> entries;
  for (int i = 0; i < count; ++i) entries.push_back(make_entry(term, "e" + std::to_string(i)));
  replica::Actions actions =
      deliver_to(core, 1, MessageKind::raft_append_entries, encode_append_entries({term, 0, 0, entries, leader_commit}));
  replica::Actions after;
  core.on_persisted(actions.persist.back().id, after);
  return actions.persist;
}

TEST(RaftSnapshot, CheckpointCompactsRestatesAndDiscards) {
  RaftCore core(test_options(0, 3));
  std::vector<replica::PersistRecord> records = follow(core, 2, 6, 4);
  ASSERT_EQ(core.status().last_committed, 4u);
  replica::Actions actions;
  core.on_checkpoint_taken(3, state_at("s3"), actions);
  EXPECT_EQ(core.snapshot_index(), 3u);
  EXPECT_EQ(core.status().stable_checkpoint, 3u);
  EXPECT_EQ(core.term_at(3), Term{2});
  EXPECT_FALSE(core.term_at(2).has_value());
  ASSERT_TRUE(actions.stable_checkpoint.has_value());
  EXPECT_EQ(actions.stable_checkpoint->sequence, 3u);
  EXPECT_EQ(actions.stable_checkpoint->state_digest, state_at("s3"));
  ASSERT_EQ(actions.persist.size(), 1u);
  EXPECT_EQ(actions.persist[0].type, static_cast<std::uint32_t>(RecordType::restatement));
  EXPECT_EQ(actions.discard_records_before, actions.persist[0].id);
  // The restatement alone rebuilds everything.
  const RecoveredRaftState alone = recover(actions.persist);
  EXPECT_EQ(alone.hard_state, (HardState{2, std::nullopt}));
  EXPECT_EQ(alone.log.base(), (SnapshotBase{3, 2, state_at("s3")}));
  EXPECT_EQ(alone.log.last_index(), 6u);
  // So does the whole journal, older records included: the last restatement wins.
  records.insert(records.end(), actions.persist.begin(), actions.persist.end());
  EXPECT_EQ(recover(records).log.base().index, 3u);
}

TEST(RaftSnapshot, InstallSnapshotFetchesStateAndResumesAfterIt) {
  RaftCore core(test_options(0, 3));
  follow(core, 1, 2);
  const InstallSnapshot install{3, 10, 2, state_at("s10")};
  replica::Actions offered =
      deliver_to(core, 1, MessageKind::raft_install_snapshot, encode_install_snapshot(install));
  // The fetch starts once the offer (the snapshot's term) is durable, so a restart after the
  // install always knows the term of its snapshot.
  EXPECT_FALSE(offered.fetch_state.has_value());
  EXPECT_EQ(offered.persist.back().type, static_cast<std::uint32_t>(RecordType::snapshot_offer));
  replica::Actions durable;
  core.on_persisted(offered.persist.back().id, durable);
  ASSERT_TRUE(durable.fetch_state.has_value());
  EXPECT_EQ(durable.fetch_state->sequence, 10u);
  EXPECT_EQ(durable.fetch_state->state_digest, state_at("s10"));
  EXPECT_EQ(durable.fetch_state->sources, (std::vector<ReplicaId>{1, 2}));
  // Heartbeats repeat it; the running fetch is not restarted.
  replica::Actions repeated =
      deliver_to(core, 1, MessageKind::raft_install_snapshot, encode_install_snapshot(install));
  EXPECT_FALSE(repeated.fetch_state.has_value());
  EXPECT_EQ(core.ignored().at(reason::kSnapshotFetchInProgress), 1u);

  replica::Actions installed;
  core.on_state_installed(10, state_at("s10"), installed);
  EXPECT_EQ(core.snapshot_index(), 10u);
  EXPECT_EQ(core.last_log_index(), 10u);  // nothing of the old log matched: dropped
  EXPECT_EQ(core.term_at(10), Term{2});
  EXPECT_EQ(core.commit_index(), 10u);
  EXPECT_EQ(core.status().last_committed, 10u);
  EXPECT_EQ(installed.persist.back().type, static_cast<std::uint32_t>(RecordType::restatement));
  EXPECT_EQ(installed.discard_records_before, installed.persist.back().id);
  const auto replies = sent_of_kind(installed, MessageKind::raft_install_snapshot_reply, true);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].to, 1u);
  EXPECT_EQ(std::get<InstallSnapshotReply>(decode_install_snapshot_reply(replies[0].body, net::DecodeLimits{})),
            (InstallSnapshotReply{3, 10}));
  // Replication continues right after the snapshot.
  replica::Actions next = deliver_to(core, 1, MessageKind::raft_append_entries,
                                     encode_append_entries({3, 10, 2, {make_entry(3, "after")}, 11}));
  replica::Actions after;
  core.on_persisted(next.persist.back().id, after);
  ASSERT_EQ(after.committed.size(), 1u);
  EXPECT_EQ(after.committed[0].sequence, 11u);
}

TEST(RaftSnapshot, InstalledSnapshotKeepsMatchingEntriesAfterIt) {
  RaftCore core(test_options(0, 3));
  follow(core, 2, 6);
  replica::Actions installed;
  core.on_state_installed(4, state_at("s4"), installed);
  EXPECT_EQ(core.snapshot_index(), 4u);
  EXPECT_EQ(core.last_log_index(), 6u);
  EXPECT_EQ(core.term_at(5), Term{2});
}

TEST(RaftSnapshot, FollowerHoldingTheSnapshotIndexAnswersWithoutFetching) {
  RaftCore core(test_options(0, 3));
  follow(core, 2, 6);
  replica::Actions actions =
      deliver_to(core, 1, MessageKind::raft_install_snapshot, encode_install_snapshot({2, 4, 2, state_at("s4")}));
  EXPECT_FALSE(actions.fetch_state.has_value());
  const auto replies = sent_of_kind(actions, MessageKind::raft_install_snapshot_reply);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(std::get<InstallSnapshotReply>(decode_install_snapshot_reply(replies[0].body, net::DecodeLimits{}))
                .last_included_index,
            4u);
  EXPECT_EQ(core.commit_index(), 4u);
}

TEST(RaftSnapshot, LaggingFollowerCatchesUpThroughStateTransfer) {
  RaftHarness cluster(3, 4);
  cluster.checkpoint_interval = 5;
  ASSERT_TRUE(cluster.tick_until([&] { return cluster.leader().has_value(); }, 200));
  const ReplicaId leader = *cluster.leader();
  const ReplicaId lagging = (leader + 1) % 3;
  cluster.set_connected(lagging, false);
  for (int i = 0; i < 22; ++i) {
    cluster.propose(leader, "op" + std::to_string(i));
    cluster.run();
  }
  ASSERT_GE(cluster.core(leader).snapshot_index(), 20u);
  cluster.set_connected(lagging, true);
  ASSERT_TRUE(cluster.tick_until(
      [&] { return cluster.last_executed(lagging) == cluster.core(leader).last_log_index(); }, 100));
  ASSERT_FALSE(cluster.fetches(lagging).empty());
  EXPECT_EQ(cluster.fetches(lagging).front().sources.front(), leader);
  EXPECT_EQ(cluster.installs(lagging), 1u);
  EXPECT_EQ(cluster.core(leader).match_index(lagging), cluster.core(leader).last_log_index());
  EXPECT_FALSE(cluster.violated());
}

TEST(RaftSnapshot, JournalIsCompactedAtEveryCheckpoint) {
  RaftHarness cluster(3, 6);
  cluster.checkpoint_interval = 4;
  ASSERT_TRUE(cluster.tick_until([&] { return cluster.leader().has_value(); }, 200));
  const ReplicaId leader = *cluster.leader();
  for (int i = 0; i < 17; ++i) {
    cluster.propose(leader, "op" + std::to_string(i));
    cluster.tick(1);
  }
  cluster.tick(10);
  for (ReplicaId replica = 0; replica < 3; ++replica) {
    const auto& records = cluster.durable_records(replica);
    ASSERT_FALSE(records.empty());
    EXPECT_EQ(records.front().type, static_cast<std::uint32_t>(RecordType::restatement)) << replica;
    EXPECT_GE(cluster.core(replica).snapshot_index(), 16u);
    EXPECT_LT(records.size(), 10u) << "older records were discarded";
    ASSERT_FALSE(cluster.stable(replica).empty());
    EXPECT_EQ(cluster.stable(replica).back().sequence, cluster.core(replica).snapshot_index());
  }
}

TEST(RaftRestart, TermVoteAndLogSurvive) {
  RaftCore core(test_options(0, 3));
  std::vector<replica::PersistRecord> records = follow(core, 2, 3);
  replica::Actions vote =
      deliver_to(core, 1, MessageKind::raft_request_vote, encode_vote_request({3, 3, 2}));
  records.insert(records.end(), vote.persist.begin(), vote.persist.end());
  ASSERT_EQ(core.voted_for(), ReplicaId{1});

  RaftCore restarted(test_options(0, 3), records);
  EXPECT_EQ(restarted.role(), Role::follower);
  EXPECT_EQ(restarted.current_term(), 3u);
  EXPECT_EQ(restarted.voted_for(), ReplicaId{1});
  EXPECT_EQ(restarted.last_log_index(), 3u);
  for (Index index = 1; index <= 3; ++index) EXPECT_EQ(restarted.digest_at(index), core.digest_at(index));
  EXPECT_EQ(restarted.commit_index(), 0u);  // re-learned from the leader
  // A vote is never given twice in one term, restart or not.
  replica::Actions other =
      deliver_to(restarted, 2, MessageKind::raft_request_vote, encode_vote_request({3, 3, 2}));
  const auto replies = sent_of_kind(other, MessageKind::raft_request_vote_reply);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_FALSE(std::get<VoteReply>(decode_vote_reply(replies[0].body, net::DecodeLimits{})).granted);
  // Records continue after the recovered ones.
  replica::Actions next = deliver_to(restarted, 2, MessageKind::raft_request_vote, encode_vote_request({4, 3, 2}));
  ASSERT_FALSE(next.persist.empty());
  EXPECT_EQ(next.persist[0].id, records.back().id + 1);
}

TEST(RaftRestart, SnapshotInstalledBeforeItsBaseWasRestatedKeepsItsTerm) {
  RaftCore core(test_options(0, 3));
  std::vector<replica::PersistRecord> records = follow(core, 1, 2);
  replica::Actions offered = deliver_to(core, 1, MessageKind::raft_install_snapshot,
                                        encode_install_snapshot({3, 10, 2, state_at("s10")}));
  records.insert(records.end(), offered.persist.begin(), offered.persist.end());
  // The pipeline saved the snapshot, and the replica crashed before the restatement was durable.
  RaftCore restarted(test_options(0, 3), records);
  replica::Actions installed;
  restarted.on_state_installed(10, state_at("s10"), installed);
  EXPECT_EQ(restarted.snapshot_index(), 10u);
  EXPECT_EQ(restarted.term_at(10), Term{2});
  EXPECT_EQ(restarted.status().last_committed, 10u);
}

TEST(RaftRestart, RestartedReplicasRejoinAndAgree) {
  RaftHarness cluster(3, 8);
  cluster.checkpoint_interval = 5;
  ASSERT_TRUE(cluster.tick_until([&] { return cluster.leader().has_value(); }, 200));
  for (int i = 0; i < 40; ++i) {
    if (const auto leader = cluster.leader(); leader && cluster.core(*leader).can_propose()) {
      cluster.propose(*leader, "op" + std::to_string(i));
    }
    cluster.tick(2);
    if (i % 10 == 9) cluster.restart(static_cast<ReplicaId>(i / 10 % 3));
  }
  ASSERT_TRUE(cluster.tick_until(
      [&] {
        const auto leader = cluster.leader();
        if (!leader) return false;
        const Index last = cluster.core(*leader).commit_index();
        return cluster.last_executed(0) == last && cluster.last_executed(1) == last && cluster.last_executed(2) == last;
      },
      300));
  EXPECT_GT(cluster.last_executed(0), 20u);
  EXPECT_FALSE(cluster.violated());
}

}  // namespace
}  // namespace loyal::raft::testing

namespace loyal::raft::testing {
namespace {

TEST(RaftRecords, LargeRestatementRecovers) {
  std::vector<Entry> entries;
  for (int i = 0; i < 2000; ++i) entries.push_back(make_entry(3, std::string(512, static_cast<char>('a' + i % 26))));
  const SnapshotBase base{100, 2, crypto::sha256(to_bytes("s100"))};
  const std::map<Index, Term> offers{{150, 3}};
  std::vector<replica::PersistRecord> records{
      {7, static_cast<std::uint32_t>(RecordType::restatement),
       encode_restatement(base, HardState{3, ReplicaId{2}}, entries, offers)},
      {8, static_cast<std::uint32_t>(RecordType::log_suffix), encode_log_suffix(2101, {make_entry(4, "x")})},
      {9, static_cast<std::uint32_t>(RecordType::hard_state), encode_hard_state(HardState{4, std::nullopt})},
  };
  const RecoveredRaftState state = recover(records);
  EXPECT_EQ(state.log.base(), base);
  EXPECT_EQ(state.log.last_index(), 2101u);
  EXPECT_EQ(state.log.term_at(2100), Term{3});
  EXPECT_EQ(state.log.term_at(2101), Term{4});
  EXPECT_EQ(state.log.at(150).digest, entries[49].digest);
  EXPECT_EQ(state.hard_state, (HardState{4, std::nullopt}));
  EXPECT_EQ(state.snapshot_offers, offers);
  EXPECT_EQ(state.last_record_id, 9u);
}

TEST(RaftRecords, LogSuffixReplacesTheTail) {
  std::vector<replica::PersistRecord> records{
      {1, static_cast<std::uint32_t>(RecordType::log_suffix),
       encode_log_suffix(1, {make_entry(1, "a"), make_entry(1, "b"), make_entry(1, "c")})},
      {2, static_cast<std::uint32_t>(RecordType::log_suffix), encode_log_suffix(2, {make_entry(2, "x")})},
  };
  const RecoveredRaftState state = recover(records);
  EXPECT_EQ(state.log.last_index(), 2u);
  EXPECT_EQ(state.log.term_at(1), Term{1});
  EXPECT_EQ(state.log.term_at(2), Term{2});
}

}  // namespace
}  // namespace loyal::raft::testing
