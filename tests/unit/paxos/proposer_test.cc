// The proposer's rules, one core driven directly: phase 1 after the leader timeout, the
// re-proposal rule, stepping down, and can_propose()'s window.

#include <gtest/gtest.h>

#include "paxos/drop_reasons.h"
#include "paxos_harness.h"

namespace loyal::paxos {
namespace {

using testing::deliver;
using testing::make_value;
using testing::test_options;

const replica::Outgoing* find_kind(const std::vector<replica::Outgoing>& messages, net::MessageKind kind) {
  for (const replica::Outgoing& message : messages) {
    if (message.kind == kind) return &message;
  }
  return nullptr;
}

// Ticks `core` until it runs phase 1; returns that call's actions.
replica::Actions tick_until_campaign(PaxosCore& core) {
  for (int tick = 0; tick < 1000; ++tick) {
    replica::Actions out;
    core.on_tick(out);
    if (core.campaigning()) return out;
  }
  ADD_FAILURE() << "no campaign";
  return {};
}

std::vector<SlotValue> accepts_in(const std::vector<replica::Outgoing>& messages) {
  std::vector<SlotValue> values;
  for (const replica::Outgoing& message : messages) {
    if (message.kind != net::MessageKind::paxos_accept) continue;
    Accept accept = std::get<Accept>(decode_accept(message.body, {}));
    for (SlotValue& value : accept.values) values.push_back(std::move(value));
  }
  return values;
}

TEST(Proposer, PrepareLeavesOnlyAfterItsOwnPromiseIsDurable) {
  PaxosCore core(test_options(0, 3));
  const replica::Actions out = tick_until_campaign(core);
  ASSERT_EQ(out.persist.size(), 1u);
  EXPECT_EQ(find_kind(out.send, net::MessageKind::paxos_prepare), nullptr);
  const replica::Outgoing* prepare = find_kind(out.send_after_persist, net::MessageKind::paxos_prepare);
  ASSERT_NE(prepare, nullptr);
  const Prepare decoded = std::get<Prepare>(decode_prepare(prepare->body, {}));
  EXPECT_EQ(decoded.ballot, core.own_ballot());
  EXPECT_EQ(core.promised_ballot(), core.own_ballot());
  EXPECT_EQ(decoded.from_slot, 1u);
  EXPECT_FALSE(core.status().leader);
}

TEST(Proposer, BallotExceedsEveryBallotSeen) {
  PaxosCore core(test_options(0, 3));
  replica::Actions ignored;
  ASSERT_FALSE(deliver(core, 2, net::MessageKind::paxos_prepare, encode_prepare({{8, 2}, 1}), ignored));
  tick_until_campaign(core);
  EXPECT_GT(core.own_ballot(), (Ballot{8, 2}));
  EXPECT_EQ(core.own_ballot().proposer, 0u);
}

TEST(Proposer, NewLeaderReproposesHighestBallotValuesAndNoOpsForGaps) {
  PaxosCore core(test_options(0, 5));
  replica::Actions ignored;
  ASSERT_FALSE(deliver(core, 2, net::MessageKind::paxos_prepare, encode_prepare({{3, 2}, 1}), ignored));
  const replica::Actions campaign = tick_until_campaign(core);
  const Ballot ballot = core.own_ballot();
  const Bytes old_value = make_value(1);
  const Bytes newer_value = make_value(2);
  const Bytes third_value = make_value(3);
  // Replica 1 accepted slot 1 at (1,1) and slot 4 at (1,1); replica 2 accepted slot 1 at (2,2).
  const Promise from_1{ballot, 1,
                       {{1, {1, 1}, crypto::sha256(old_value), old_value},
                        {4, {1, 1}, crypto::sha256(third_value), third_value}},
                       true, 0, 0, {}};
  const Promise from_2{ballot, 1, {{1, {2, 2}, crypto::sha256(newer_value), newer_value}}, true, 0, 0, {}};
  replica::Actions out;
  ASSERT_FALSE(deliver(core, 1, net::MessageKind::paxos_promise, encode_promise(from_1), out));
  ASSERT_FALSE(deliver(core, 2, net::MessageKind::paxos_promise, encode_promise(from_2), out));
  // Three of five, but its own promise counts only once durable.
  EXPECT_FALSE(core.leading());
  core.on_persisted(campaign.persist.back().id, out);
  ASSERT_TRUE(core.leading());
  EXPECT_EQ(core.status().leader, 0u);
  const std::vector<SlotValue> proposed = accepts_in(out.send);
  ASSERT_EQ(proposed.size(), 4u);
  EXPECT_EQ(proposed[0], (SlotValue{1, crypto::sha256(newer_value), newer_value}));
  EXPECT_EQ(proposed[1], (SlotValue{2, crypto::sha256({}), {}}));
  EXPECT_EQ(proposed[2], (SlotValue{3, crypto::sha256({}), {}}));
  EXPECT_EQ(proposed[3], (SlotValue{4, crypto::sha256(third_value), third_value}));
  // New proposals continue above the highest reported slot.
  ASSERT_TRUE(core.can_propose());
  replica::Actions proposal;
  const Bytes fresh = make_value(9);
  core.propose(fresh, crypto::sha256(fresh), proposal);
  EXPECT_EQ(accepts_in(proposal.send).at(0).slot, 5u);
}

TEST(Proposer, SingleReplicaLeadsAndChoosesAlone) {
  PaxosCore core(test_options(0, 1));
  const replica::Actions campaign = tick_until_campaign(core);
  replica::Actions out;
  core.on_persisted(campaign.persist.back().id, out);
  ASSERT_TRUE(core.leading());
  const Bytes value = make_value(1);
  replica::Actions proposal;
  core.propose(value, crypto::sha256(value), proposal);
  EXPECT_TRUE(proposal.committed.empty());  // not before its own acceptance is durable
  replica::Actions durable;
  core.on_persisted(proposal.persist.back().id, durable);
  ASSERT_EQ(durable.committed.size(), 1u);
  EXPECT_EQ(durable.committed[0].sequence, 1u);
  EXPECT_EQ(durable.committed[0].batch, value);
}

TEST(Proposer, WindowLimitsOpenSlots) {
  PaxosCore core(test_options(0, 3));
  const replica::Actions campaign = tick_until_campaign(core);
  replica::Actions out;
  ASSERT_FALSE(deliver(core, 1, net::MessageKind::paxos_promise,
                       encode_promise({core.own_ballot(), 1, {}, true, 0, 0, {}}), out));
  core.on_persisted(campaign.persist.back().id, out);
  ASSERT_TRUE(core.leading());
  std::uint32_t proposed = 0;
  while (core.can_propose()) {
    replica::Actions ignored;
    core.propose(make_value(proposed), crypto::sha256(make_value(proposed)), ignored);
    ++proposed;
  }
  EXPECT_EQ(proposed, test_options(0, 3).max_open_slots);
}

TEST(Proposer, LeaderStepsDownOnHigherBallot) {
  PaxosCore core(test_options(0, 3));
  const replica::Actions campaign = tick_until_campaign(core);
  replica::Actions out;
  ASSERT_FALSE(deliver(core, 1, net::MessageKind::paxos_promise,
                       encode_promise({core.own_ballot(), 1, {}, true, 0, 0, {}}), out));
  core.on_persisted(campaign.persist.back().id, out);
  ASSERT_TRUE(core.leading());
  const Ballot mine = core.own_ballot();
  replica::Actions refused;
  ASSERT_FALSE(deliver(core, 2, net::MessageKind::paxos_nack, encode_nack({{mine.round + 3, 2}, mine}), refused));
  EXPECT_FALSE(core.leading());
  EXPECT_FALSE(core.can_propose());
  EXPECT_EQ(core.status().epoch, mine.round + 3);
}

TEST(Proposer, HearingALiveLeaderPreventsCampaigns) {
  PaxosCore core(test_options(1, 3));
  for (int tick = 0; tick < 500; ++tick) {
    replica::Actions out;
    if (tick % 5 == 0) {
      ASSERT_FALSE(deliver(core, 0, net::MessageKind::paxos_commit, encode_commit({{1, 0}, 0, 0, {}, {}}), out));
    }
    core.on_tick(out);
    ASSERT_FALSE(core.campaigning()) << "tick " << tick;
  }
  EXPECT_EQ(core.status().leader, 0u);
}

}  // namespace
}  // namespace loyal::paxos
