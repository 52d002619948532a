// The acceptor's rules, one core driven directly: promises, acceptances, refusals, and that
// PROMISE and ACCEPTED never leave before the record they depend on is durable.

#include <gtest/gtest.h>

#include "paxos/drop_reasons.h"
#include "paxos_harness.h"

namespace loyal::paxos {
namespace {

using testing::deliver;
using testing::make_value;
using testing::test_options;

SlotValue slot_value(Slot slot, std::uint64_t tag) {
  Bytes value = make_value(tag);
  return SlotValue{slot, crypto::sha256(value), value};
}

const replica::Outgoing* find_kind(const std::vector<replica::Outgoing>& messages, net::MessageKind kind) {
  for (const replica::Outgoing& message : messages) {
    if (message.kind == kind) return &message;
  }
  return nullptr;
}

class Acceptor : public ::testing::Test {
 protected:
  replica::Actions prepare(ReplicaId from, Ballot ballot, Slot from_slot = 1) {
    replica::Actions out;
    EXPECT_FALSE(deliver(core, from, net::MessageKind::paxos_prepare, encode_prepare({ballot, from_slot}), out));
    return out;
  }
  replica::Actions accept(ReplicaId from, Ballot ballot, std::vector<SlotValue> values) {
    replica::Actions out;
    EXPECT_FALSE(deliver(core, from, net::MessageKind::paxos_accept, encode_accept({ballot, std::move(values)}), out));
    return out;
  }
  void persisted(const replica::Actions& out) {
    replica::Actions ignored;
    core.on_persisted(out.persist.back().id, ignored);
  }

  PaxosCore core{test_options(0, 3)};
};

TEST_F(Acceptor, PromiseIsPersistedBeforeItLeaves) {
  const replica::Actions out = prepare(1, {5, 1});
  EXPECT_EQ(core.promised_ballot(), (Ballot{5, 1}));
  ASSERT_EQ(out.persist.size(), 1u);
  EXPECT_EQ(out.persist[0].type, kPromiseRecord);
  EXPECT_EQ(find_kind(out.send, net::MessageKind::paxos_promise), nullptr);
  const replica::Outgoing* promise = find_kind(out.send_after_persist, net::MessageKind::paxos_promise);
  ASSERT_NE(promise, nullptr);
  EXPECT_EQ(promise->to, 1u);
  EXPECT_EQ(std::get<Promise>(decode_promise(promise->body, {})).ballot, (Ballot{5, 1}));
}

TEST_F(Acceptor, RefusesPrepareBelowPromiseWithNack) {
  persisted(prepare(1, {5, 1}));
  const replica::Actions out = prepare(2, {4, 2});
  EXPECT_TRUE(out.persist.empty());
  EXPECT_TRUE(out.send_after_persist.empty());
  const replica::Outgoing* nack = find_kind(out.send, net::MessageKind::paxos_nack);
  ASSERT_NE(nack, nullptr);
  EXPECT_EQ(std::get<Nack>(decode_nack(nack->body, {})), (Nack{{5, 1}, {4, 2}}));
  EXPECT_EQ(core.promised_ballot(), (Ballot{5, 1}));
  EXPECT_EQ(core.ignored().at(reason::kPrepareBelowPromise), 1u);
}

TEST_F(Acceptor, RefusesAcceptBelowPromise) {
  persisted(prepare(1, {5, 1}));
  const replica::Actions out = accept(2, {4, 2}, {slot_value(1, 1)});
  EXPECT_FALSE(core.accepted_at(1));
  EXPECT_TRUE(out.persist.empty());
  EXPECT_NE(find_kind(out.send, net::MessageKind::paxos_nack), nullptr);
  EXPECT_EQ(find_kind(out.send, net::MessageKind::paxos_accepted), nullptr);
  EXPECT_EQ(core.ignored().at(reason::kAcceptBelowPromise), 1u);
}

TEST_F(Acceptor, AcceptanceIsPersistedBeforeAcceptedLeaves) {
  persisted(prepare(1, {5, 1}));
  const SlotValue value = slot_value(1, 1);
  const replica::Actions out = accept(1, {5, 1}, {value});
  ASSERT_EQ(out.persist.size(), 1u);
  EXPECT_EQ(out.persist[0].type, kAcceptedRecord);
  const AcceptorRecord record = std::get<AcceptorRecord>(decode_acceptor_record(out.persist[0].payload, {}));
  ASSERT_EQ(record.accepted.size(), 1u);
  EXPECT_EQ(record.accepted[0].value, value.value);
  EXPECT_EQ(find_kind(out.send, net::MessageKind::paxos_accepted), nullptr);
  const replica::Outgoing* accepted = find_kind(out.send_after_persist, net::MessageKind::paxos_accepted);
  ASSERT_NE(accepted, nullptr);
  const Accepted decoded = std::get<Accepted>(decode_accepted(accepted->body, {}));
  EXPECT_EQ(decoded.slots, (std::vector<SlotDigest>{{1, value.digest}}));
  EXPECT_EQ(core.accepted_at(1), (AcceptedSummary{{5, 1}, value.digest}));
}

TEST_F(Acceptor, AcceptAboveThePromiseRaisesIt) {
  persisted(prepare(1, {5, 1}));
  accept(2, {7, 2}, {slot_value(1, 1)});
  EXPECT_EQ(core.promised_ballot(), (Ballot{7, 2}));
  // The old proposer's ACCEPT is now below the promise.
  accept(1, {5, 1}, {slot_value(2, 2)});
  EXPECT_FALSE(core.accepted_at(2));
}

TEST_F(Acceptor, PromiseCarriesAcceptedValues) {
  persisted(prepare(1, {5, 1}));
  const SlotValue first = slot_value(1, 1);
  const SlotValue second = slot_value(2, 2);
  persisted(accept(1, {5, 1}, {first, second}));
  const replica::Actions out = prepare(2, {6, 2});
  persisted(out);
  const Promise promise = std::get<Promise>(decode_promise(out.send_after_persist.at(0).body, {}));
  EXPECT_TRUE(promise.complete);
  ASSERT_EQ(promise.accepted.size(), 2u);
  EXPECT_EQ(promise.accepted[0], (AcceptedValue{1, {5, 1}, first.digest, first.value}));
  EXPECT_EQ(promise.accepted[1], (AcceptedValue{2, {5, 1}, second.digest, second.value}));
  // From a later slot, only what lies at or above it.
  const replica::Actions later = prepare(2, {6, 2}, 2);
  const Promise partial = std::get<Promise>(decode_promise(later.send.at(0).body, {}));
  ASSERT_EQ(partial.accepted.size(), 1u);
  EXPECT_EQ(partial.accepted[0].slot, 2u);
}

TEST_F(Acceptor, LargeReportIsSplitAcrossPromises) {
  persisted(prepare(1, {5, 1}));
  std::vector<SlotValue> values;
  for (Slot slot = 1; slot <= 6; ++slot) values.push_back(slot_value(slot, slot));
  persisted(accept(1, {5, 1}, values));
  const replica::Actions out = prepare(2, {6, 2});
  const Promise promise = std::get<Promise>(decode_promise(out.send_after_persist.at(0).body, {}));
  EXPECT_FALSE(promise.complete);
  EXPECT_EQ(promise.accepted.size(), test_options(0, 3).max_slots_per_message);
}

TEST_F(Acceptor, AnswerDependingOnAnUndurableRecordIsHeld) {
  const replica::Actions first = prepare(1, {5, 1});  // its record is never reported durable here
  // The same PREPARE again: no new record, but the promise it repeats is not durable yet.
  const replica::Actions again = prepare(1, {5, 1});
  EXPECT_TRUE(again.send.empty());
  EXPECT_TRUE(again.send_after_persist.empty());
  replica::Actions released;
  core.on_persisted(first.persist.back().id, released);
  EXPECT_NE(find_kind(released.send, net::MessageKind::paxos_promise), nullptr);
}

}  // namespace
}  // namespace loyal::paxos
