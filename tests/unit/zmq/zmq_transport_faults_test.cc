// What the transport does when things go wrong: peers down or restarted, unknown clients,
// oversized and malformed frames, and waking a blocked receive() from another thread.

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "loopback.h"
#include "net/zmq/zmq_transport.h"

namespace loyal::net {
namespace {

using Clock = std::chrono::steady_clock;
using testing::dropped;
using testing::kGenerousDeadline;
using testing::kPollStep;
using testing::loopback_replicas;
using testing::make_client;
using testing::make_replica;
using testing::send_until_received;

// ZeroMQ closes a listening socket in its I/O thread, after the owner's close returns, so the port
// may stay taken for a moment after the old transport is gone.
std::unique_ptr<ZmqTransport> restart_replica(zmq::context_t& context, ReplicaId id,
                                              const std::vector<PeerAddress>& replicas) {
  const auto deadline = Clock::now() + kGenerousDeadline;
  for (;;) {
    auto transport = ZmqTransport::create(context, {NodeId::replica(id), replicas.at(id), replicas, {}});
    if (transport.ok()) return std::move(transport).value();
    if (Clock::now() >= deadline) {
      ADD_FAILURE() << transport.error().message;
      return nullptr;
    }
    std::this_thread::yield();
  }
}

TEST(ZmqTransportFaults, RestartedReplicaReceivesAgainFromAPeerThatKeptItsTransport) {
  zmq::context_t context;
  const auto replicas = loopback_replicas(2);
  auto replica0 = make_replica(context, 0, replicas);
  auto replica1 = make_replica(context, 1, replicas);
  ASSERT_TRUE(replica0 && replica1);
  ASSERT_FALSE(send_until_received(*replica0, NodeId::replica(1), *replica1, to_bytes("before")).empty());

  replica1.reset();
  replica1 = restart_replica(context, 1, replicas);
  ASSERT_TRUE(replica1);

  const auto after = send_until_received(*replica0, NodeId::replica(1), *replica1, to_bytes("after restart"));
  ASSERT_FALSE(after.empty());
  for (const Bytes& frame : after) EXPECT_EQ(frame, to_bytes("after restart"));
  // And the restarted replica's own links work: its routing id is taken over on the peer's ROUTER.
  const auto back = send_until_received(*replica1, NodeId::replica(0), *replica0, to_bytes("i am back"));
  ASSERT_FALSE(back.empty());
  EXPECT_EQ(back.back(), to_bytes("i am back"));
}

TEST(ZmqTransportFaults, RestartedClientGetsRepliesOnItsNewConnection) {
  zmq::context_t context;
  const auto replicas = loopback_replicas(1);
  auto replica0 = make_replica(context, 0, replicas);
  auto client = make_client(context, 9, replicas);
  ASSERT_TRUE(replica0 && client);
  ASSERT_FALSE(send_until_received(*client, NodeId::replica(0), *replica0, to_bytes("first life")).empty());

  client.reset();
  client = make_client(context, 9, replicas);
  ASSERT_TRUE(client);
  std::vector<Bytes> at_replica;
  const auto deadline = Clock::now() + kGenerousDeadline;
  while (std::chrono::steady_clock::now() < deadline) {
    at_replica.clear();
    client->send(NodeId::replica(0), to_bytes("second life"));
    replica0->receive(at_replica, 64, kPollStep);
    if (!at_replica.empty() && at_replica.back() == to_bytes("second life")) break;
  }
  ASSERT_FALSE(at_replica.empty());
  ASSERT_EQ(at_replica.back(), to_bytes("second life"));

  replica0->send(NodeId::client(9), to_bytes("reply"));
  std::vector<Bytes> replies;
  const auto reply_deadline = Clock::now() + kGenerousDeadline;
  while (replies.empty() && Clock::now() < reply_deadline) client->receive(replies, 16, kPollStep);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies.front(), to_bytes("reply"));
}

TEST(ZmqTransportFaults, ReplyToAnUnknownClientIsCountedAndDoesNotBlock) {
  zmq::context_t context;
  const auto replicas = loopback_replicas(1);
  auto replica0 = make_replica(context, 0, replicas);
  ASSERT_TRUE(replica0);
  const auto started = Clock::now();
  replica0->send(NodeId::client(99), to_bytes("reply to nobody"));
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(1));
  EXPECT_EQ(dropped(*replica0, ZmqTransport::kDropClientUnreachable), 1u);
  EXPECT_EQ(replica0->counters().frames_sent, 0u);
}

TEST(ZmqTransportFaults, OversizedFrameIsRefusedOnSend) {
  zmq::context_t context;
  const auto replicas = loopback_replicas(2);
  TransportLimits small;
  small.max_frame_bytes = 1024;
  auto replica0 = make_replica(context, 0, replicas, small);
  ASSERT_TRUE(replica0);
  replica0->send(NodeId::replica(1), Bytes(1025, 0xAB));
  replica0->send(NodeId::client(3), Bytes(4096, 0xAB));
  EXPECT_EQ(dropped(*replica0, ZmqTransport::kDropFrameTooLarge), 2u);
  EXPECT_EQ(replica0->counters().frames_sent, 0u);
}

TEST(ZmqTransportFaults, OversizedIncomingFrameIsNeverDelivered) {
  zmq::context_t context;
  const auto replicas = loopback_replicas(2);
  TransportLimits small;
  small.max_frame_bytes = 1024;
  auto replica0 = make_replica(context, 0, replicas);
  auto replica1 = make_replica(context, 1, replicas, small);
  ASSERT_TRUE(replica0 && replica1);
  ASSERT_FALSE(send_until_received(*replica0, NodeId::replica(1), *replica1, to_bytes("small")).empty());

  // The sender's own limit allows it; the receiver's socket drops the connection instead of
  // reading it. Frames queued behind it on that connection are lost; later ones arrive again
  // after ZeroMQ reconnects.
  const Bytes oversized(2048, 0xCD);
  replica0->send(NodeId::replica(1), oversized);
  std::vector<Bytes> received;
  const auto deadline = Clock::now() + kGenerousDeadline;
  while (Clock::now() < deadline) {
    replica0->send(NodeId::replica(1), to_bytes("after"));
    replica1->receive(received, 64, kPollStep);
    if (!received.empty() && received.back() == to_bytes("after")) break;
  }
  ASSERT_FALSE(received.empty());
  EXPECT_EQ(received.back(), to_bytes("after"));
  for (const Bytes& frame : received) EXPECT_LE(frame.size(), small.max_frame_bytes);
}

TEST(ZmqTransportFaults, SendsToAReplicaThatIsDownReturnAtOnceAndAreCounted) {
  zmq::context_t context;
  const auto replicas = loopback_replicas(2);  // replica 1 is never started
  auto replica0 = make_replica(context, 0, replicas);
  ASSERT_TRUE(replica0);
  constexpr int kSends = 5'000;
  const Bytes frame(512, 0x11);
  const auto started = Clock::now();
  for (int index = 0; index < kSends; ++index) replica0->send(NodeId::replica(1), frame);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(2));
  EXPECT_EQ(dropped(*replica0, ZmqTransport::kDropSendQueueFull), static_cast<std::uint64_t>(kSends));
  EXPECT_EQ(replica0->counters().frames_sent, 0u);
}

TEST(ZmqTransportFaults, SendsToAReplicaThatDoesNotReadFillItsQueueAndAreCounted) {
  zmq::context_t context;
  const auto replicas = loopback_replicas(2);
  TransportLimits short_queues;
  short_queues.send_high_water_mark = 4;
  short_queues.receive_high_water_mark = 4;
  auto replica0 = make_replica(context, 0, replicas, short_queues);
  auto replica1 = make_replica(context, 1, replicas, short_queues);
  ASSERT_TRUE(replica0 && replica1);
  const auto warm_up = send_until_received(*replica0, NodeId::replica(1), *replica1, to_bytes("warm-up"));
  ASSERT_FALSE(warm_up.empty());
  const std::uint64_t sent_before = replica0->counters().frames_sent;
  const std::uint64_t refused_before = dropped(*replica0, ZmqTransport::kDropSendQueueFull);

  // Far more than both queues and the kernel's socket buffers hold, while replica 1 reads nothing.
  constexpr int kSends = 2'000;
  const Bytes frame(64 * 1024, 0x22);
  const auto started = Clock::now();
  for (int index = 0; index < kSends; ++index) replica0->send(NodeId::replica(1), frame);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(2));
  const std::uint64_t sent = replica0->counters().frames_sent - sent_before;
  const std::uint64_t refused = dropped(*replica0, ZmqTransport::kDropSendQueueFull) - refused_before;
  EXPECT_GT(refused, 0u);
  EXPECT_EQ(sent + refused, static_cast<std::uint64_t>(kSends));

  // Every frame counted as sent is delivered once replica 1 reads.
  std::size_t delivered = 0;
  std::vector<Bytes> received;
  const auto deadline = Clock::now() + kGenerousDeadline;
  while (delivered < sent && Clock::now() < deadline) {
    received.clear();
    replica1->receive(received, 64, kPollStep);
    for (const Bytes& arrived : received) delivered += arrived == frame ? 1 : 0;
  }
  EXPECT_EQ(delivered, sent);
}

TEST(ZmqTransportFaults, FramesWithNoRouteAreCounted) {
  zmq::context_t context;
  const auto replicas = loopback_replicas(2);
  auto replica0 = make_replica(context, 0, replicas);
  auto client = make_client(context, 4, replicas);
  ASSERT_TRUE(replica0 && client);
  replica0->send(NodeId::replica(0), to_bytes("to myself"));
  replica0->send(NodeId::replica(2), to_bytes("to a replica outside the cluster"));
  client->send(NodeId::client(5), to_bytes("clients do not talk to clients"));
  client->send(NodeId::client(4), to_bytes("to myself"));
  EXPECT_EQ(dropped(*replica0, ZmqTransport::kDropToSelf), 1u);
  EXPECT_EQ(dropped(*replica0, ZmqTransport::kDropUnknownReplica), 1u);
  EXPECT_EQ(dropped(*client, ZmqTransport::kDropNoRouteToClient), 1u);
  EXPECT_EQ(dropped(*client, ZmqTransport::kDropToSelf), 1u);
}

TEST(ZmqTransportFaults, MalformedMultipartMessagesAreDroppedAndCounted) {
  zmq::context_t context;
  const auto replicas = loopback_replicas(1);
  auto replica0 = make_replica(context, 0, replicas);
  ASSERT_TRUE(replica0);
  // A raw peer, not a transport: it can send what a transport never would. Without
  // ZMQ_IMMEDIATE its messages wait for the connection, in order.
  zmq::socket_t rogue(context, zmq::socket_type::dealer);
  rogue.set(zmq::sockopt::linger, 0);
  rogue.connect("tcp://127.0.0.1:" + std::to_string(replicas[0].port));
  ASSERT_TRUE(rogue.send(zmq::str_buffer("part one"), zmq::send_flags::sndmore));
  ASSERT_TRUE(rogue.send(zmq::str_buffer("part two"), zmq::send_flags::none));
  ASSERT_TRUE(rogue.send(zmq::str_buffer("well formed"), zmq::send_flags::none));

  std::vector<Bytes> received;
  const auto deadline = Clock::now() + kGenerousDeadline;
  while (received.empty() && Clock::now() < deadline) replica0->receive(received, 16, kPollStep);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received.front(), to_bytes("well formed"));
  EXPECT_EQ(dropped(*replica0, ZmqTransport::kDropMalformedMultipart), 1u);
  EXPECT_EQ(replica0->counters().frames_received, 1u);
}

TEST(ZmqTransportFaults, WakeFromAnotherThreadEndsALongReceive) {
  zmq::context_t context;
  const auto replicas = loopback_replicas(1);
  auto replica0 = make_replica(context, 0, replicas);
  ASSERT_TRUE(replica0);
  // Whether wake() lands before or during receive(), receive() must return early.
  std::thread waker([&] { replica0->wake(); });
  std::vector<Bytes> received;
  const auto started = Clock::now();
  const std::size_t appended = replica0->receive(received, 16, std::chrono::seconds(60));
  waker.join();
  EXPECT_LT(Clock::now() - started, kGenerousDeadline);
  EXPECT_EQ(appended, 0u);
  EXPECT_TRUE(received.empty());
}

TEST(ZmqTransportFaults, WakeEndsAReceiveThatIsAlreadyWaiting) {
  zmq::context_t context;
  const auto replicas = loopback_replicas(1);
  auto replica0 = make_replica(context, 0, replicas);
  ASSERT_TRUE(replica0);
  // The delay only makes it likely that receive() is already inside poll(); the assertion holds
  // either way.
  std::thread waker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    replica0->wake();
  });
  std::vector<Bytes> received;
  const auto started = Clock::now();
  EXPECT_EQ(replica0->receive(received, 16, std::chrono::seconds(60)), 0u);
  waker.join();
  EXPECT_LT(Clock::now() - started, kGenerousDeadline);
}

TEST(ZmqTransportFaults, ManyWakesEndOneReceiveAndThenNoMore) {
  zmq::context_t context;
  const auto replicas = loopback_replicas(1);
  auto replica0 = make_replica(context, 0, replicas);
  ASSERT_TRUE(replica0);
  for (int index = 0; index < 100; ++index) replica0->wake();
  std::vector<Bytes> received;
  const auto started = Clock::now();
  EXPECT_EQ(replica0->receive(received, 16, std::chrono::seconds(60)), 0u);
  EXPECT_LT(Clock::now() - started, kGenerousDeadline);
  // The wakes are used up: the next receive waits its full (short) timeout.
  const auto second = Clock::now();
  EXPECT_EQ(replica0->receive(received, 16, std::chrono::milliseconds(50)), 0u);
  EXPECT_GE(Clock::now() - second, std::chrono::milliseconds(50));
}

// The replica's I/O thread waits in receive() after every batch it sends, and the replica thread
// wakes it once per round: a round trip wakes it several times a millisecond. libzmq counts a
// wake as read only when the waking socket next processes its commands (at most about once a
// millisecond from send()), so the third quick wake used to be refused as "already pending"
// although the earlier ones were consumed, and receive() slept its whole timeout.
TEST(ZmqTransportFaults, EveryWakeAfterTheLastReceiveEndsTheNextOne) {
  zmq::context_t context;
  const auto replicas = loopback_replicas(1);
  auto replica0 = make_replica(context, 0, replicas);
  ASSERT_TRUE(replica0);
  std::vector<Bytes> received;
  for (int round = 0; round < 20; ++round) {
    replica0->wake();
    const auto started = Clock::now();
    EXPECT_EQ(replica0->receive(received, 16, std::chrono::seconds(20)), 0u);
    ASSERT_LT(Clock::now() - started, kGenerousDeadline) << "the wake of round " << round << " was lost";
  }
}

}  // namespace
}  // namespace loyal::net
