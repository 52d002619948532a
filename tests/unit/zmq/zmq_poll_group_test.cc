// One wait over several transports reports the ones with something to read (a frame or a wake)
// and, once everything waiting was read, only those. Real transports on loopback; every wait is
// bounded by a generous deadline and ends as soon as the awaited frame arrives, so nothing sleeps.

#include "net/zmq/zmq_poll_group.h"

#include <chrono>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "loopback.h"

namespace loyal::net {
namespace {

using std::chrono::milliseconds;
using testing::kGenerousDeadline;
using testing::loopback_replicas;
using testing::make_client;
using testing::make_replica;
using testing::send_until_received;

// More rounds than settling ever takes: one reads what the setup left, a second may read what
// libzmq's connection housekeeping signalled meanwhile.
constexpr int kSettleRounds = 10;

// One replica and two clients whose connections to it are up (each client's frame arrived), so
// the replica can answer either of them.
struct TwoClients {
  TwoClients() : replicas(loopback_replicas(1)) {
    replica = make_replica(context, 0, replicas);
    client1 = make_client(context, 1, replicas);
    client2 = make_client(context, 2, replicas);
    ready = replica && client1 && client2 &&
            !send_until_received(*client1, NodeId::replica(0), *replica, to_bytes("hello from 1")).empty() &&
            !send_until_received(*client2, NodeId::replica(0), *replica, to_bytes("hello from 2")).empty();
  }

  zmq::context_t context;
  std::vector<PeerAddress> replicas;
  std::unique_ptr<ZmqTransport> replica;
  std::unique_ptr<ZmqTransport> client1;
  std::unique_ptr<ZmqTransport> client2;
  bool ready = false;
};

// Reads every reported transport until none is reported: the clients sent during the setup, so
// they may hold frames no descriptor signals until a receive() has looked. Nothing was sent to
// them, so those reads must find nothing.
bool settle(ZmqPollGroup& group) {
  for (int round = 0; round < kSettleRounds; ++round) {
    const std::vector<std::size_t> ready = group.wait(milliseconds(0));
    if (ready.empty()) return true;
    for (const std::size_t position : ready) {
      std::vector<Bytes> frames;
      EXPECT_EQ(group.transport(position).receive(frames, 16, milliseconds(0)), 0u);
    }
  }
  return false;
}

TEST(ZmqPollGroup, ReportsExactlyTheTransportAFrameWasSentTo) {
  TwoClients t;
  ASSERT_TRUE(t.ready);
  ZmqPollGroup group({t.client1.get(), t.client2.get()});
  ASSERT_EQ(group.size(), 2u);
  ASSERT_TRUE(settle(group));

  t.replica->send(NodeId::client(2), to_bytes("for 2"));
  ASSERT_EQ(t.replica->counters().frames_sent, 1u);
  EXPECT_EQ(group.wait(kGenerousDeadline), (std::vector<std::size_t>{1}));

  // Waiting read nothing: the frame is still there for the transport that was reported.
  std::vector<Bytes> frames;
  EXPECT_EQ(group.transport(1).receive(frames, 16, milliseconds(0)), 1u);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames.front(), to_bytes("for 2"));
  EXPECT_TRUE(group.wait(milliseconds(0)).empty()) << "read, so nothing is waiting any more";
}

TEST(ZmqPollGroup, NeverLeavesOutATransportWithAFrame) {
  TwoClients t;
  ASSERT_TRUE(t.ready);
  ZmqPollGroup group({t.client1.get(), t.client2.get()});
  ASSERT_TRUE(settle(group));
  t.replica->send(NodeId::client(2), to_bytes("for 2"));
  t.replica->send(NodeId::client(1), to_bytes("for 1"));

  std::vector<Bytes> at[2];
  const auto deadline = std::chrono::steady_clock::now() + kGenerousDeadline;
  while ((at[0].empty() || at[1].empty()) && std::chrono::steady_clock::now() < deadline) {
    for (const std::size_t position : group.wait(kGenerousDeadline)) {
      group.transport(position).receive(at[position], 16, milliseconds(0));
    }
  }
  EXPECT_EQ(at[0], (std::vector<Bytes>{to_bytes("for 1")}));
  EXPECT_EQ(at[1], (std::vector<Bytes>{to_bytes("for 2")}));
}

TEST(ZmqPollGroup, ATransportThatSentIsReportedWithoutWaiting) {
  TwoClients t;
  ASSERT_TRUE(t.ready);
  ZmqPollGroup group({t.client1.get(), t.client2.get()});
  ASSERT_TRUE(settle(group));

  // A send may consume the socket's "frames arrived" signal, so the group cannot trust the
  // descriptor until a receive() has looked.
  t.client1->send(NodeId::replica(0), to_bytes("request"));
  EXPECT_TRUE(t.client1->may_hold_unsignalled_frames());
  const auto before = std::chrono::steady_clock::now();
  EXPECT_EQ(group.wait(kGenerousDeadline), (std::vector<std::size_t>{0}));
  EXPECT_LT(std::chrono::steady_clock::now() - before, kGenerousDeadline);

  std::vector<Bytes> frames;
  EXPECT_EQ(t.client1->receive(frames, 16, milliseconds(0)), 0u);
  EXPECT_FALSE(t.client1->may_hold_unsignalled_frames());
  EXPECT_TRUE(group.wait(milliseconds(0)).empty());
}

TEST(ZmqPollGroup, AWakeEndsTheWaitAndIsConsumedByReceive) {
  TwoClients t;
  ASSERT_TRUE(t.ready);
  ZmqPollGroup group({t.client1.get(), t.client2.get()});
  ASSERT_TRUE(settle(group));
  t.client1->wake();
  EXPECT_EQ(group.wait(kGenerousDeadline), (std::vector<std::size_t>{0}));

  std::vector<Bytes> frames;
  EXPECT_EQ(t.client1->receive(frames, 16, milliseconds(0)), 0u) << "a wake is not a frame";
  EXPECT_TRUE(group.wait(milliseconds(0)).empty()) << "receive() consumed the wake";
}

TEST(ZmqTransport, MayHoldUnsignalledFramesUntilAReceiveTookEverything) {
  TwoClients t;
  ASSERT_TRUE(t.ready);
  std::vector<Bytes> frames;
  t.client2->receive(frames, 16, milliseconds(0));
  EXPECT_FALSE(t.client2->may_hold_unsignalled_frames());

  t.replica->send(NodeId::client(2), to_bytes("first"));
  t.replica->send(NodeId::client(2), to_bytes("second"));
  // Reading one frame at a time stops at the limit, so the transport cannot know whether the
  // other is already waiting.
  const auto deadline = std::chrono::steady_clock::now() + kGenerousDeadline;
  while (frames.empty() && std::chrono::steady_clock::now() < deadline) {
    t.client2->receive(frames, 1, kGenerousDeadline);
  }
  ASSERT_EQ(frames, (std::vector<Bytes>{to_bytes("first")}));
  EXPECT_TRUE(t.client2->may_hold_unsignalled_frames()) << "stopped at max_frames";
}

}  // namespace
}  // namespace loyal::net
