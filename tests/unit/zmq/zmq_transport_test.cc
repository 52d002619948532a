// Frames reach the right node over loopback: replica to replica, client to replica and back, with
// the counters agreeing with what moved.

#include "net/zmq/zmq_transport.h"

#include <string>

#include <gtest/gtest.h>

#include "loopback.h"

namespace loyal::net {
namespace {

using testing::free_loopback_port;
using testing::kGenerousDeadline;
using testing::kPollStep;
using testing::loopback_replicas;
using testing::make_client;
using testing::make_replica;
using testing::send_until_received;

TEST(ZmqTransport, ReplicasExchangeFramesBothWays) {
  zmq::context_t context;
  const auto replicas = loopback_replicas(2);
  auto replica0 = make_replica(context, 0, replicas);
  auto replica1 = make_replica(context, 1, replicas);
  ASSERT_TRUE(replica0 && replica1);

  const auto at_replica1 = send_until_received(*replica0, NodeId::replica(1), *replica1, to_bytes("prepare from 0"));
  ASSERT_FALSE(at_replica1.empty());
  for (const Bytes& frame : at_replica1) EXPECT_EQ(frame, to_bytes("prepare from 0"));

  const auto at_replica0 = send_until_received(*replica1, NodeId::replica(0), *replica0, to_bytes("commit from 1"));
  ASSERT_FALSE(at_replica0.empty());
  for (const Bytes& frame : at_replica0) EXPECT_EQ(frame, to_bytes("commit from 1"));
}

TEST(ZmqTransport, ClientRequestReachesTheReplicaAndTheReplyComesBack) {
  zmq::context_t context;
  const auto replicas = loopback_replicas(2);
  auto replica1 = make_replica(context, 1, replicas);
  auto client = make_client(context, 17, replicas);
  ASSERT_TRUE(replica1 && client);

  const auto requests = send_until_received(*client, NodeId::replica(1), *replica1, to_bytes("request 1"));
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(requests.front(), to_bytes("request 1"));

  // The client's connection is up (its request arrived), so the reply goes out at the first try.
  replica1->send(NodeId::client(17), to_bytes("reply 1"));
  EXPECT_EQ(replica1->counters().frames_sent, 1u);
  std::vector<Bytes> replies;
  const auto deadline = std::chrono::steady_clock::now() + kGenerousDeadline;
  while (replies.empty() && std::chrono::steady_clock::now() < deadline) client->receive(replies, 16, kPollStep);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies.front(), to_bytes("reply 1"));
}

TEST(ZmqTransport, EachClientGetsOnlyItsOwnReplies) {
  zmq::context_t context;
  const auto replicas = loopback_replicas(1);
  auto replica0 = make_replica(context, 0, replicas);
  auto client1 = make_client(context, 1, replicas);
  auto client2 = make_client(context, 2, replicas);
  ASSERT_TRUE(replica0 && client1 && client2);
  ASSERT_FALSE(send_until_received(*client1, NodeId::replica(0), *replica0, to_bytes("from 1")).empty());
  ASSERT_FALSE(send_until_received(*client2, NodeId::replica(0), *replica0, to_bytes("from 2")).empty());

  replica0->send(NodeId::client(2), to_bytes("for 2"));
  replica0->send(NodeId::client(1), to_bytes("for 1"));
  std::vector<Bytes> at1, at2;
  const auto deadline = std::chrono::steady_clock::now() + kGenerousDeadline;
  while ((at1.empty() || at2.empty()) && std::chrono::steady_clock::now() < deadline) {
    client1->receive(at1, 16, kPollStep);
    client2->receive(at2, 16, kPollStep);
  }
  ASSERT_EQ(at1.size(), 1u);
  ASSERT_EQ(at2.size(), 1u);
  EXPECT_EQ(at1.front(), to_bytes("for 1"));
  EXPECT_EQ(at2.front(), to_bytes("for 2"));
}

TEST(ZmqTransport, ReceiveHandsOverFramesInOrderAndAtMostMaxFramesPerCall) {
  zmq::context_t context;
  const auto replicas = loopback_replicas(2);
  auto replica0 = make_replica(context, 0, replicas);
  auto replica1 = make_replica(context, 1, replicas);
  ASSERT_TRUE(replica0 && replica1);
  const std::vector<Bytes> warm_up = send_until_received(*replica0, NodeId::replica(1), *replica1, to_bytes("warm-up"));
  ASSERT_FALSE(warm_up.empty());

  constexpr int kFrames = 10;
  const std::uint64_t sent_before = replica0->counters().frames_sent;
  for (int index = 0; index < kFrames; ++index) replica0->send(NodeId::replica(1), to_bytes(std::to_string(index)));
  ASSERT_EQ(replica0->counters().frames_sent, sent_before + kFrames) << "the connection is up: nothing may drop";

  std::vector<Bytes> received;
  const auto deadline = std::chrono::steady_clock::now() + kGenerousDeadline;
  while (received.size() < static_cast<std::size_t>(kFrames) && std::chrono::steady_clock::now() < deadline) {
    const std::size_t before = received.size();
    const std::size_t appended = replica1->receive(received, 4, kPollStep);
    EXPECT_LE(appended, 4u);
    EXPECT_EQ(received.size(), before + appended);
  }
  // Late copies of the warm-up frame may come first; the numbered frames follow in send order.
  std::vector<Bytes> numbered;
  for (const Bytes& frame : received) {
    if (frame != to_bytes("warm-up")) numbered.push_back(frame);
  }
  ASSERT_EQ(numbered.size(), static_cast<std::size_t>(kFrames));
  for (int index = 0; index < kFrames; ++index) EXPECT_EQ(numbered[index], to_bytes(std::to_string(index)));
}

TEST(ZmqTransport, CountersAgreeWithWhatMoved) {
  zmq::context_t context;
  const auto replicas = loopback_replicas(2);
  auto replica0 = make_replica(context, 0, replicas);
  auto replica1 = make_replica(context, 1, replicas);
  ASSERT_TRUE(replica0 && replica1);
  const Bytes frame = to_bytes("twelve bytes");
  const auto received = send_until_received(*replica0, NodeId::replica(1), *replica1, frame);
  ASSERT_FALSE(received.empty());

  const TransportCounters sender = replica0->counters();
  const TransportCounters receiver = replica1->counters();
  EXPECT_GE(sender.frames_sent, received.size());
  EXPECT_EQ(sender.bytes_sent, sender.frames_sent * frame.size());
  EXPECT_EQ(receiver.frames_received, received.size());
  EXPECT_EQ(receiver.bytes_received, received.size() * frame.size());
  EXPECT_EQ(receiver.frames_sent, 0u);
}

TEST(ZmqTransport, PortZeroBindsAnEphemeralPortThatPeersCanReach) {
  zmq::context_t context;
  std::vector<PeerAddress> replicas = {{"127.0.0.1", 0}};
  auto replica0 = ZmqTransport::create(context, {NodeId::replica(0), replicas[0], replicas, {}});
  ASSERT_TRUE(replica0.ok()) << replica0.error().message;
  const std::uint16_t port = (*replica0)->bound_port();
  ASSERT_NE(port, 0);

  replicas[0].port = port;
  auto client = make_client(context, 5, replicas);
  ASSERT_TRUE(client);
  EXPECT_EQ(client->bound_port(), 0);
  const auto received = send_until_received(*client, NodeId::replica(0), **replica0, to_bytes("hello"));
  ASSERT_FALSE(received.empty());
  EXPECT_EQ(received.front(), to_bytes("hello"));
}

TEST(ZmqTransport, AReplicaListensOnAHostNameItsPeersConnectTo) {
  zmq::context_t context;
  const std::vector<PeerAddress> replicas = {{"localhost", free_loopback_port()}};
  auto replica0 = make_replica(context, 0, replicas);
  auto client = make_client(context, 1, replicas);
  ASSERT_TRUE(replica0 && client);
  EXPECT_EQ(replica0->bound_port(), replicas[0].port);
  const auto received = send_until_received(*client, NodeId::replica(0), *replica0, to_bytes("by name"));
  ASSERT_FALSE(received.empty());
  EXPECT_EQ(received.front(), to_bytes("by name"));
}

TEST(ZmqTransport, ListeningOnATakenPortIsAnErrorInPlainWords) {
  zmq::context_t context;
  const auto replicas = loopback_replicas(2);
  auto first = make_replica(context, 0, replicas);
  ASSERT_TRUE(first);
  auto replica1_on_the_same_port = replicas;
  replica1_on_the_same_port[1] = replicas[0];
  auto second = ZmqTransport::create(context, {NodeId::replica(1), replicas[0], replica1_on_the_same_port, {}});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().message,
            "cannot listen on tcp://127.0.0.1:" + std::to_string(replicas[0].port) + ": Address already in use");
}

TEST(ZmqTransport, InconsistentOptionsAreErrors) {
  zmq::context_t context;
  const std::vector<PeerAddress> replicas = {{"127.0.0.1", free_loopback_port()}};
  const auto error_of = [&](ZmqTransportOptions options) {
    auto transport = ZmqTransport::create(context, std::move(options));
    return transport.ok() ? std::string() : transport.error().message;
  };
  EXPECT_EQ(error_of({NodeId::replica(0), std::nullopt, replicas, {}}), "replica 0 needs a listen address");
  EXPECT_EQ(error_of({NodeId::client(0), replicas[0], replicas, {}}), "client 0 is a client; clients do not listen");
  EXPECT_EQ(error_of({NodeId::replica(1), replicas[0], replicas, {}}),
            "replica 1 is not in the replica list (1 replicas)");
  EXPECT_EQ(error_of({NodeId::client(0), std::nullopt, {{"127.0.0.1", 0}}, {}}), "replica 0 has no port");
  EXPECT_EQ(error_of({NodeId::client(0), std::nullopt, {{"", 7000}}, {}}), "replica 0 has no host");
  EXPECT_EQ(error_of({NodeId::replica(0), PeerAddress{"no-such-host.invalid", 7000}, replicas, {}}).find(
                "cannot listen on tcp://no-such-host.invalid:7000: cannot resolve host name"),
            0u);
  TransportLimits unbounded;
  unbounded.send_high_water_mark = 0;
  EXPECT_NE(error_of({NodeId::client(0), std::nullopt, replicas, unbounded}), "");
}

}  // namespace
}  // namespace loyal::net
