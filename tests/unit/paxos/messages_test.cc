// Encoding round trips and the validator's refusals.

#include <gtest/gtest.h>

#include "paxos/drop_reasons.h"
#include "paxos/messages.h"
#include "paxos/validator.h"
#include "paxos_harness.h"

namespace loyal::paxos {
namespace {

using testing::make_value;

SlotValue slot_value(Slot slot, std::uint64_t tag) {
  Bytes value = make_value(tag);
  return SlotValue{slot, crypto::sha256(value), value};
}

replica::Validation validate(const PaxosValidator& validator, ReplicaId from, net::MessageKind kind, const Bytes& body) {
  const net::Envelope envelope{{1, ProtocolMode::paxos, NodeId::replica(from), kind}, body, net::NoAuthenticator{}};
  return validator.validate(envelope, {});
}

std::string_view refusal(const replica::Validation& validation) {
  const auto* reason = std::get_if<std::string_view>(&validation);
  return reason ? *reason : std::string_view("accepted");
}

TEST(PaxosMessages, RoundTripEveryKind) {
  const net::DecodeLimits limits;
  const Promise promise{{3, 1}, 2, {{2, {2, 0}, crypto::sha256(make_value(1)), make_value(1)}}, false, 1, 0, {}};
  EXPECT_EQ(std::get<Promise>(decode_promise(encode_promise(promise), limits)), promise);
  const Accept accept{{3, 1}, {slot_value(1, 1), slot_value(2, 2)}};
  EXPECT_EQ(std::get<Accept>(decode_accept(encode_accept(accept), limits)), accept);
  const Accepted accepted{{3, 1}, {{1, crypto::sha256(make_value(1))}}, 7};
  EXPECT_EQ(std::get<Accepted>(decode_accepted(encode_accepted(accepted), limits)), accepted);
  const Prepare prepare{{9, 2}, 5};
  EXPECT_EQ(std::get<Prepare>(decode_prepare(encode_prepare(prepare), limits)), prepare);
  const Nack nack{{9, 2}, {3, 1}};
  EXPECT_EQ(std::get<Nack>(decode_nack(encode_nack(nack), limits)), nack);
  const Commit commit{{3, 1}, 9, 8, crypto::sha256(to_bytes("state")), {slot_value(9, 4)}};
  EXPECT_EQ(std::get<Commit>(decode_commit(encode_commit(commit), limits)), commit);
  const AcceptorRecord record{{3, 1}, 4, crypto::sha256(to_bytes("s")), promise.accepted};
  EXPECT_EQ(std::get<AcceptorRecord>(decode_acceptor_record(encode_acceptor_record(record), limits)), record);
}

TEST(PaxosValidator, AcceptsWellFormedAccept) {
  const PaxosValidator validator(testing::test_options(0, 3));
  const auto validation =
      validate(validator, 1, net::MessageKind::paxos_accept, encode_accept({{2, 1}, {slot_value(1, 1)}}));
  EXPECT_EQ(refusal(validation), "accepted");
}

TEST(PaxosValidator, RefusesBadInputWithNamedReasons) {
  const PaxosValidator validator(testing::test_options(0, 3));
  const auto kind = net::MessageKind::paxos_accept;
  EXPECT_EQ(refusal(validate(validator, 1, kind, to_bytes("not capnp at all"))), reason::kMalformedAccept);
  // A ballot belongs to its proposer: replica 1 cannot send ACCEPTs for replica 2's ballot.
  EXPECT_EQ(refusal(validate(validator, 1, kind, encode_accept({{2, 2}, {slot_value(1, 1)}}))), reason::kBallotNotSenders);
  SlotValue wrong_digest = slot_value(1, 1);
  wrong_digest.digest = crypto::sha256(to_bytes("other"));
  EXPECT_EQ(refusal(validate(validator, 1, kind, encode_accept({{2, 1}, {wrong_digest}}))), reason::kValueDigestMismatch);
  const Bytes not_a_batch = to_bytes("opaque");
  EXPECT_EQ(refusal(validate(validator, 1, kind, encode_accept({{2, 1}, {{1, crypto::sha256(not_a_batch), not_a_batch}}}))),
            reason::kMalformedBatch);
  EXPECT_EQ(refusal(validate(validator, 1, kind, encode_accept({{2, 1}, {slot_value(2, 1), slot_value(1, 2)}}))),
            reason::kSlotsOutOfOrder);
  std::vector<SlotValue> many;
  for (Slot slot = 1; slot <= kMaxSlotsPerMessage + 1; ++slot) many.push_back({slot, crypto::sha256({}), {}});
  EXPECT_EQ(refusal(validate(validator, 1, kind, encode_accept({{2, 1}, many}))), reason::kTooManySlots);
  EXPECT_EQ(refusal(validate(validator, 5, kind, encode_accept({{2, 5}, {slot_value(1, 1)}}))), reason::kSenderNotReplica);
  EXPECT_EQ(refusal(validate(validator, 1, net::MessageKind::pbft_prepare, {})), reason::kUnexpectedKind);
  // A promise never reports a value accepted above the ballot it promises.
  const Promise inflated{{2, 0}, 1, {{1, {3, 1}, crypto::sha256({}), {}}}, true, 0, 0, {}};
  EXPECT_EQ(refusal(validate(validator, 1, net::MessageKind::paxos_promise, encode_promise(inflated))),
            reason::kMalformedPromise);
  EXPECT_EQ(refusal(validate(validator, 1, net::MessageKind::paxos_prepare, encode_prepare({{0, 1}, 1}))),
            reason::kMalformedPrepare);
  // COMMIT values beyond the chosen-through slot it announces.
  EXPECT_EQ(refusal(validate(validator, 1, net::MessageKind::paxos_commit,
                             encode_commit({{2, 1}, 1, 0, {}, {slot_value(2, 1)}}))),
            reason::kMalformedCommit);
}

}  // namespace
}  // namespace loyal::paxos
