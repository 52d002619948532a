#include "client/client_core.h"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "test_cluster.h"

namespace loyal::client {
namespace {

using testing::ClusterShape;
using testing::kRetryTicks;
using testing::TestCluster;

constexpr ClusterShape kPbft4{.mode = ProtocolMode::pbft, .replica_count = 4, .max_faulty = 1};
constexpr ClusterShape kPbft7{.mode = ProtocolMode::pbft, .replica_count = 7, .max_faulty = 2};
constexpr ClusterShape kRaft3{.mode = ProtocolMode::raft, .replica_count = 3, .max_faulty = 1};
constexpr ClusterShape kPaxos3{.mode = ProtocolMode::paxos, .replica_count = 3, .max_faulty = 1};

std::uint64_t dropped(const ClientCore& client, std::string_view reason) {
  const auto& by_reason = client.drops().by_reason;
  const auto found = by_reason.find(reason);
  return found == by_reason.end() ? 0 : found->second;
}

std::uint64_t request_number_in(const TestCluster& cluster, ByteView frame) {
  auto envelope = net::decode_envelope(frame, cluster.decode_context());
  EXPECT_TRUE(std::holds_alternative<net::Envelope>(envelope));
  if (!std::holds_alternative<net::Envelope>(envelope)) return 0;
  auto body = replica::decode_client_request_body(std::get<net::Envelope>(envelope).body, {});
  EXPECT_TRUE(std::holds_alternative<replica::ClientRequestBody>(body));
  if (!std::holds_alternative<replica::ClientRequestBody>(body)) return 0;
  return std::get<replica::ClientRequestBody>(body).request_number;
}

// --- Requests -------------------------------------------------------------------------------

TEST(Submit, SignedRequestGoesToReplica0AndEveryReplicaAdmitsIt) {
  const TestCluster cluster(kPbft4);
  ClientCore client = cluster.make_client();
  ClientOutput out;
  const std::uint64_t request_number = client.submit(to_bytes("put x 1"), 10, out);

  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(out.send[0].to, std::optional<ReplicaId>(0));
  EXPECT_EQ(request_number_in(cluster, out.send[0].frame), request_number);
  EXPECT_TRUE(client.busy());
  for (ReplicaId r = 0; r < 4; ++r) EXPECT_TRUE(cluster.replica_admits(r, out.send[0].frame)) << "replica " << r;
}

TEST(Submit, SignedRequestCarriesTheOperationUnchanged) {
  const TestCluster cluster(kPbft4);
  ClientCore client = cluster.make_client();
  ClientOutput out;
  client.submit(to_bytes("put x 1"), 10, out);

  auto envelope = net::decode_envelope(out.send.at(0).frame, cluster.decode_context());
  ASSERT_TRUE(std::holds_alternative<net::Envelope>(envelope));
  auto body = replica::decode_client_request_body(std::get<net::Envelope>(envelope).body, {});
  ASSERT_TRUE(std::holds_alternative<replica::ClientRequestBody>(body));
  EXPECT_EQ(std::get<replica::ClientRequestBody>(body).operation, to_bytes("put x 1"));
}

TEST(Submit, MacRequestEntryVerifiesAtEachReplicaWithItsOwnKeyOnly) {
  ClusterShape shape = kPbft4;
  shape.client_auth = cluster::ClientAuth::mac;
  const TestCluster cluster(shape);
  ClientCore client = cluster.make_client();
  ClientOutput out;
  client.submit(to_bytes("get x"), 0, out);
  const Bytes& frame = out.send.at(0).frame;

  auto decoded = net::decode_envelope(frame, cluster.decode_context());
  ASSERT_TRUE(std::holds_alternative<net::Envelope>(decoded));
  const net::Envelope& envelope = std::get<net::Envelope>(decoded);
  ASSERT_TRUE(std::holds_alternative<net::MacVector>(envelope.authenticator));
  for (ReplicaId r = 0; r < 4; ++r) {
    EXPECT_TRUE(cluster.replica_admits(r, frame)) << "replica " << r;
    const ReplicaId other = (r + 1) % 4;
    EXPECT_FALSE(net::verify_envelope_mac_vector_entry(envelope, r, cluster.replica_receive_key(other)))
        << "replica " << r << "'s entry must not verify with replica " << other << "'s key";
  }
}

TEST(Submit, RequestNumbersIncreaseByOneFromFirstRequestNumber) {
  const TestCluster cluster(kRaft3);
  ClientCore client = cluster.make_client(41);
  for (std::uint64_t expected = 41; expected < 44; ++expected) {
    ClientOutput out;
    EXPECT_EQ(client.submit(to_bytes("op"), 0, out), expected);
    EXPECT_EQ(request_number_in(cluster, out.send.at(0).frame), expected);
    client.on_frame(cluster.reply(0, expected, "ok", 0), 1, out);
    ASSERT_EQ(out.completed.size(), 1u);
    EXPECT_EQ(out.completed[0].request_number, expected);
  }
}

// --- Retransmission -------------------------------------------------------------------------

TEST(Retransmission, GoesToEveryReplicaAfterRetryTicksAndAgainAfterAnother) {
  const TestCluster cluster(kPbft4);
  ClientCore client = cluster.make_client();
  ClientOutput submitted;
  client.submit(to_bytes("op"), 100, submitted);

  ClientOutput out;
  client.on_tick(100 + kRetryTicks - 1, out);
  EXPECT_TRUE(out.send.empty());
  client.on_tick(100 + kRetryTicks, out);
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(out.send[0].to, std::nullopt);
  EXPECT_EQ(out.send[0].frame, submitted.send.at(0).frame);
  EXPECT_EQ(client.retransmissions(), 1u);

  client.on_tick(100 + 2 * kRetryTicks - 1, out);
  EXPECT_EQ(out.send.size(), 1u);
  client.on_tick(100 + 2 * kRetryTicks, out);
  ASSERT_EQ(out.send.size(), 2u);
  EXPECT_EQ(out.send[1].to, std::nullopt);
  EXPECT_EQ(out.send[1].frame, submitted.send.at(0).frame);
  EXPECT_EQ(client.retransmissions(), 2u);
}

TEST(Retransmission, StopsOnceTheRequestCompletes) {
  const TestCluster cluster(kRaft3);
  ClientCore client = cluster.make_client();
  ClientOutput out;
  client.submit(to_bytes("op"), 0, out);
  client.on_frame(cluster.reply(0, 1, "ok", 0), 1, out);
  ASSERT_EQ(out.completed.size(), 1u);

  ClientOutput later;
  client.on_tick(10 * kRetryTicks, later);
  EXPECT_TRUE(later.send.empty());
  EXPECT_EQ(client.retransmissions(), 0u);
}

// --- PBFT acceptance ------------------------------------------------------------------------

TEST(PbftAcceptance, FReplicasDoNotCompleteAndFPlusOneDo) {
  const TestCluster cluster(kPbft7);
  ClientCore client = cluster.make_client();
  ClientOutput out;
  const std::uint64_t request_number = client.submit(to_bytes("op"), 5, out);

  client.on_frame(cluster.reply(0, request_number, "result"), 6, out);
  client.on_frame(cluster.reply(1, request_number, "result"), 7, out);
  EXPECT_TRUE(out.completed.empty());
  EXPECT_TRUE(client.busy());

  client.on_frame(cluster.reply(2, request_number, "result"), 8, out);
  ASSERT_EQ(out.completed.size(), 1u);
  EXPECT_EQ(out.completed[0].request_number, request_number);
  EXPECT_EQ(out.completed[0].result, to_bytes("result"));
  EXPECT_EQ(out.completed[0].submitted_at, 5u);
  EXPECT_EQ(out.completed[0].completed_at, 8u);
  EXPECT_FALSE(client.busy());

  client.on_frame(cluster.reply(3, request_number, "result"), 9, out);
  EXPECT_EQ(out.completed.size(), 1u);
  EXPECT_EQ(dropped(client, "no_outstanding_request"), 1u);
}

TEST(PbftAcceptance, FConflictingResultsDoNotCombineWithOthers) {
  const TestCluster cluster(kPbft7);
  ClientCore client = cluster.make_client();
  ClientOutput out;
  const std::uint64_t request_number = client.submit(to_bytes("op"), 0, out);

  client.on_frame(cluster.reply(0, request_number, "forged"), 1, out);
  client.on_frame(cluster.reply(1, request_number, "also forged"), 1, out);
  client.on_frame(cluster.reply(2, request_number, "honest"), 1, out);
  client.on_frame(cluster.reply(3, request_number, "honest"), 1, out);
  EXPECT_TRUE(out.completed.empty()) << "four replies, but no f+1 of them agree";

  client.on_frame(cluster.reply(4, request_number, "honest"), 1, out);
  ASSERT_EQ(out.completed.size(), 1u);
  EXPECT_EQ(out.completed[0].result, to_bytes("honest"));
}

TEST(PbftAcceptance, DuplicateRepliesFromOneReplicaCountOnce) {
  const TestCluster cluster(kPbft4);
  ClientCore client = cluster.make_client();
  ClientOutput out;
  const std::uint64_t request_number = client.submit(to_bytes("op"), 0, out);

  const Bytes reply = cluster.reply(2, request_number, "result");
  for (int i = 0; i < 3; ++i) client.on_frame(reply, 1, out);
  EXPECT_TRUE(out.completed.empty());

  client.on_frame(cluster.reply(3, request_number, "result"), 2, out);
  EXPECT_EQ(out.completed.size(), 1u);
}

TEST(PbftAcceptance, OnlyAReplicasLatestResultCounts) {
  const TestCluster cluster(kPbft4);
  ClientCore client = cluster.make_client();
  ClientOutput out;
  const std::uint64_t request_number = client.submit(to_bytes("op"), 0, out);

  client.on_frame(cluster.reply(0, request_number, "first"), 1, out);
  client.on_frame(cluster.reply(0, request_number, "second"), 1, out);
  client.on_frame(cluster.reply(1, request_number, "first"), 1, out);
  EXPECT_TRUE(out.completed.empty()) << "replica 0 no longer vouches for \"first\"";

  client.on_frame(cluster.reply(2, request_number, "second"), 1, out);
  ASSERT_EQ(out.completed.size(), 1u);
  EXPECT_EQ(out.completed[0].result, to_bytes("second"));
}

// --- Raft and Paxos acceptance --------------------------------------------------------------

TEST(LeaderAcceptance, RaftFollowerReplyRedirectsAndTheLeadersReplyCompletes) {
  const TestCluster cluster(kRaft3);
  ClientCore client = cluster.make_client();
  ClientOutput out;
  const std::uint64_t request_number = client.submit(to_bytes("op"), 0, out);
  EXPECT_EQ(client.believed_leader(), 0u);

  client.on_frame(cluster.reply(1, request_number, "from a follower", 2), 1, out);
  EXPECT_TRUE(out.completed.empty());
  EXPECT_EQ(client.believed_leader(), 2u);

  client.on_frame(cluster.reply(2, request_number, "from the leader", 2), 2, out);
  ASSERT_EQ(out.completed.size(), 1u);
  EXPECT_EQ(out.completed[0].result, to_bytes("from the leader"));

  ClientOutput next;
  client.submit(to_bytes("op"), 3, next);
  ASSERT_EQ(next.send.size(), 1u);
  EXPECT_EQ(next.send[0].to, std::optional<ReplicaId>(2));
}

TEST(LeaderAcceptance, PaxosAcceptsTheLeadersReply) {
  const TestCluster cluster(kPaxos3);
  ClientCore client = cluster.make_client();
  ClientOutput out;
  const std::uint64_t request_number = client.submit(to_bytes("op"), 0, out);

  client.on_frame(cluster.reply(1, request_number, "result", 1), 1, out);
  ASSERT_EQ(out.completed.size(), 1u);
  EXPECT_EQ(client.believed_leader(), 1u);
}

TEST(LeaderAcceptance, LeaderHintOutsideTheClusterIsIgnored) {
  const TestCluster cluster(kRaft3);
  ClientCore client = cluster.make_client();
  ClientOutput out;
  const std::uint64_t request_number = client.submit(to_bytes("op"), 0, out);

  client.on_frame(cluster.reply(1, request_number, "result", 3), 1, out);
  EXPECT_TRUE(out.completed.empty());
  EXPECT_EQ(client.believed_leader(), 0u);
}

// --- Drops ----------------------------------------------------------------------------------

class Drops : public ::testing::Test {
 protected:
  Drops() { request_number_ = client_.submit(to_bytes("op"), 0, out_); }

  // After every drop the request is still outstanding, and f+1 good replies still complete it.
  void expect_still_completes() {
    EXPECT_TRUE(client_.busy());
    client_.on_frame(cluster_.reply(0, request_number_, "ok"), 1, out_);
    client_.on_frame(cluster_.reply(1, request_number_, "ok"), 1, out_);
    EXPECT_EQ(out_.completed.size(), 1u);
  }

  TestCluster cluster_{kPbft4};
  ClientCore client_ = cluster_.make_client();
  ClientOutput out_;
  std::uint64_t request_number_ = 0;
};

TEST_F(Drops, ReplyWithBadMac) {
  net::Envelope envelope = cluster_.reply_envelope(
      1, replica::ClientReply{.request_number = request_number_, .epoch = 0, .leader = 0, .result = to_bytes("ok")});
  net::attach_mac(envelope, cluster_.replica_send_key(2));
  client_.on_frame(net::encode_envelope(envelope), 1, out_);
  EXPECT_EQ(dropped(client_, "bad_mac"), 1u);
  expect_still_completes();
}

TEST_F(Drops, ReplyWithoutMac) {
  net::Envelope envelope = cluster_.reply_envelope(
      1, replica::ClientReply{.request_number = request_number_, .epoch = 0, .leader = 0, .result = to_bytes("ok")});
  envelope.authenticator = net::NoAuthenticator{};
  client_.on_frame(net::encode_envelope(envelope), 1, out_);
  EXPECT_EQ(dropped(client_, "bad_mac"), 1u);
  expect_still_completes();
}

TEST_F(Drops, ReplyFromAClient) {
  net::Envelope envelope = cluster_.reply_envelope(
      1, replica::ClientReply{.request_number = request_number_, .epoch = 0, .leader = 0, .result = to_bytes("ok")});
  envelope.header.sender = NodeId::client(0);
  client_.on_frame(net::encode_envelope(envelope), 1, out_);
  EXPECT_EQ(dropped(client_, "from_client"), 1u);
  expect_still_completes();
}

TEST_F(Drops, ReplyToAnotherRequestNumber) {
  client_.on_frame(cluster_.reply(0, request_number_ + 1, "ok"), 1, out_);
  client_.on_frame(cluster_.reply(1, request_number_ - 1, "ok"), 1, out_);
  EXPECT_EQ(dropped(client_, "stale_reply"), 2u);
  expect_still_completes();
}

TEST_F(Drops, GarbageBytes) {
  client_.on_frame(Bytes{}, 1, out_);
  EXPECT_EQ(dropped(client_, "decode.empty"), 1u);
  client_.on_frame(to_bytes("definitely not an envelope"), 1, out_);
  std::uint64_t decode_drops = 0;
  for (const auto& [reason, count] : client_.drops().by_reason) {
    if (reason.starts_with("decode.")) decode_drops += count;
  }
  EXPECT_EQ(decode_drops, 2u);
  expect_still_completes();
}

TEST_F(Drops, ReplyForAnotherCluster) {
  net::Envelope envelope = cluster_.reply_envelope(
      1, replica::ClientReply{.request_number = request_number_, .epoch = 0, .leader = 0, .result = to_bytes("ok")});
  envelope.header.cluster_id = testing::kClusterId + 1;
  net::attach_mac(envelope, cluster_.replica_send_key(1));
  client_.on_frame(net::encode_envelope(envelope), 1, out_);
  EXPECT_EQ(dropped(client_, "decode.wrong_cluster"), 1u);
  expect_still_completes();
}

TEST_F(Drops, MessageThatIsNotAReply) {
  net::Envelope envelope = cluster_.reply_envelope(
      1, replica::ClientReply{.request_number = request_number_, .epoch = 0, .leader = 0, .result = to_bytes("ok")});
  envelope.header.kind = net::MessageKind::checkpoint;
  net::attach_mac(envelope, cluster_.replica_send_key(1));
  client_.on_frame(net::encode_envelope(envelope), 1, out_);
  EXPECT_EQ(dropped(client_, "not_a_reply"), 1u);
  expect_still_completes();
}

TEST_F(Drops, AuthenticReplyWithMalformedBody) {
  net::Envelope envelope = cluster_.reply_envelope(
      1, replica::ClientReply{.request_number = request_number_, .epoch = 0, .leader = 0, .result = to_bytes("ok")});
  envelope.body = to_bytes("not a ClientReply");
  net::attach_mac(envelope, cluster_.replica_send_key(1));
  client_.on_frame(net::encode_envelope(envelope), 1, out_);
  EXPECT_EQ(dropped(client_, "bad_reply_body"), 1u);
  expect_still_completes();
}

// Every prefix and every single-bit flip of a valid reply: nothing crashes, every prefix is
// dropped, and no damage turns replica 3's reply into another replica's or changes its result.
// (A few flips land in unused padding bits of Cap'n Proto data sections; those frames are the
// same authentic reply again.)
TEST_F(Drops, DamagedRepliesNeverCountAsAnotherReply) {
  const Bytes reply = cluster_.reply(3, request_number_, "ok");
  for (std::size_t length = 0; length < reply.size(); ++length) {
    client_.on_frame(ByteView(reply).first(length), 1, out_);
  }
  std::uint64_t drops = 0;
  for (const auto& [reason, count] : client_.drops().by_reason) drops += count;
  EXPECT_EQ(drops, reply.size());

  for (std::size_t bit = 0; bit < reply.size() * 8; ++bit) {
    Bytes damaged = reply;
    damaged[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    client_.on_frame(damaged, 1, out_);
  }
  EXPECT_TRUE(out_.completed.empty()) << "one replica's reply is never enough with f = 1";

  client_.on_frame(cluster_.reply(0, request_number_, "ok"), 1, out_);
  EXPECT_EQ(out_.completed.size(), 1u) << "replica 3 still vouches for \"ok\"";
}

TEST(DropReasons, DecodeReasonsAreNamedAfterTheDecodeError) {
  const TestCluster cluster(kPbft4);
  ClientCore client = cluster.make_client();
  ClientOutput out;
  client.on_frame(Bytes(3, 0), 0, out);
  ASSERT_EQ(client.drops().by_reason.size(), 1u);
  EXPECT_EQ(client.drops().by_reason.begin()->first,
            "decode." + std::string(net::to_string(net::DecodeError::truncated)));
}

TEST(Abandon, LeavesTheCoreIdleAndRepliesToTheAbandonedRequestAreDropped) {
  const TestCluster cluster(kPbft4);
  ClientCore client = cluster.make_client();
  ClientOutput out;
  const std::uint64_t abandoned = client.submit(to_bytes("lost"), 0, out);
  client.abandon();
  EXPECT_FALSE(client.busy());

  out = {};
  client.on_tick(10 * kRetryTicks, out);
  EXPECT_TRUE(out.send.empty()) << "nothing left to retransmit";
  for (ReplicaId r = 0; r < 2; ++r) client.on_frame(cluster.reply(r, abandoned, "late"), 1, out);
  EXPECT_TRUE(out.completed.empty());
  EXPECT_EQ(dropped(client, "no_outstanding_request"), 2u);

  const std::uint64_t next = client.submit(to_bytes("next"), 2, out);
  EXPECT_EQ(next, abandoned + 1);
  for (ReplicaId r = 0; r < 2; ++r) client.on_frame(cluster.reply(r, abandoned, "late"), 3, out);
  EXPECT_TRUE(out.completed.empty()) << "f+1 late replies to the abandoned request must not complete the next";
  EXPECT_EQ(dropped(client, "stale_reply"), 2u);
  for (ReplicaId r = 0; r < 2; ++r) client.on_frame(cluster.reply(r, next, "fresh"), 4, out);
  ASSERT_EQ(out.completed.size(), 1u);
  EXPECT_EQ(out.completed[0].request_number, next);
}

}  // namespace
}  // namespace loyal::client
