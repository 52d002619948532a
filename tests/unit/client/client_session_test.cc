// The non-blocking session that BlockingClient and loyal-bench's load thread both drive: the
// owner passes the time in, so every deadline and retry is exercised at an exact instant.

#include "client/client_session.h"

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "fake_cluster.h"

namespace loyal::client {
namespace {

using std::chrono::milliseconds;
using testing::FakeCluster;
using testing::generate_test_cluster;
using testing::test_client_setup;
using Clock = ClientSession::Clock;

constexpr std::uint32_t kRetryMs = 200;
const Clock::time_point kEpoch = Clock::time_point(std::chrono::hours(1));

std::string text(const Result<Bytes>& result) {
  return result.ok() ? std::string(as_chars(*result)) : "error: " + result.error().message;
}

// Refuses the first `refusals` sends the way a ZeroMQ link does before its connection is up.
class RefusingTransport final : public net::Transport {
 public:
  RefusingTransport(std::unique_ptr<net::Transport> inner, int refusals)
      : inner_(std::move(inner)), refusals_(refusals) {}
  void send(NodeId to, ByteView frame) override {
    if (refusals_ > 0) {
      --refusals_;
      ++refused_;
      return;
    }
    inner_->send(to, frame);
  }
  std::size_t receive(std::vector<Bytes>& out, std::size_t max_frames, milliseconds timeout) override {
    return inner_->receive(out, max_frames, timeout);
  }
  void wake() override { inner_->wake(); }
  net::TransportCounters counters() const override {
    net::TransportCounters counters = inner_->counters();
    if (refused_ > 0) counters.dropped["send_queue_full"] += refused_;
    return counters;
  }

 private:
  std::unique_ptr<net::Transport> inner_;
  int refusals_;
  std::uint64_t refused_ = 0;
};

struct Harness {
  explicit Harness(ProtocolMode mode = ProtocolMode::pbft, int refusals = 0)
      : generated(generate_test_cluster(mode, 4, cluster::ClientAuth::signature, kRetryMs)),
        cluster(generated, nullptr),
        session(test_client_setup(generated),
                std::make_unique<RefusingTransport>(cluster.make_transport(), refusals), kEpoch) {}

  // What the transport holds now, without waiting.
  std::vector<Bytes> take_frames() {
    std::vector<Bytes> frames;
    session.transport().receive(frames, kMaxFramesPerReceive, milliseconds(0));
    return frames;
  }

  cluster::GeneratedCluster generated;
  FakeCluster cluster;
  ClientSession session;
};

TEST(ClientSession, CompletesAnOperationFromTheRepliesItIsHanded) {
  Harness h;
  EXPECT_FALSE(h.session.busy());
  h.session.start(to_bytes("put x 1"), kEpoch, milliseconds(5000));
  EXPECT_TRUE(h.session.busy());
  ASSERT_EQ(h.cluster.received().size(), 1u);
  EXPECT_EQ(h.cluster.received()[0].replica, 0u) << "the first send goes to the believed leader only";

  const std::vector<Bytes> replies = h.take_frames();
  ASSERT_EQ(replies.size(), 4u) << "every live replica of the fake cluster replies";
  const auto result = h.session.on_frames(replies, kEpoch + milliseconds(3));
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(text(*result), "put x 1");
  EXPECT_FALSE(h.session.busy());
  EXPECT_FALSE(h.session.core().busy());
  EXPECT_EQ(h.session.core().retransmissions(), 0u);
}

TEST(ClientSession, OneReplyIsNotEnoughInPbftAndFramesWithoutAnOperationAreOnlyCounted) {
  Harness h;
  h.session.start(to_bytes("get y"), kEpoch, milliseconds(5000));
  const std::vector<Bytes> replies = h.take_frames();
  ASSERT_GE(replies.size(), 2u);
  EXPECT_FALSE(h.session.on_frames({replies[0]}, kEpoch).has_value()) << "pbft accepts f+1 = 2 matching replies";
  EXPECT_TRUE(h.session.busy());
  ASSERT_TRUE(h.session.on_frames({replies[1]}, kEpoch).has_value());

  // The late replies of the finished operation arrive while the session is idle.
  EXPECT_FALSE(h.session.on_frames(std::vector<Bytes>(replies.begin() + 2, replies.end()), kEpoch).has_value());
  EXPECT_FALSE(h.session.busy());
  EXPECT_EQ(h.session.core().drops().by_reason.at("no_outstanding_request"), replies.size() - 2);
}

TEST(ClientSession, RetransmitsToEveryReplicaWhenATickFindsTheRetryTimeCome) {
  Harness h;
  h.cluster.set_alive(0, false);
  h.session.start(to_bytes("put y 2"), kEpoch, milliseconds(5000));
  EXPECT_TRUE(h.take_frames().empty()) << "the leader is down";

  EXPECT_FALSE(h.session.on_time(kEpoch + milliseconds(kRetryMs - 1)).has_value());
  EXPECT_EQ(h.cluster.received().size(), 1u) << "no retransmission before the retry time";
  EXPECT_EQ(h.session.core().retransmissions(), 0u);

  EXPECT_FALSE(h.session.on_time(kEpoch + milliseconds(kRetryMs)).has_value());
  EXPECT_EQ(h.session.core().retransmissions(), 1u);
  std::set<ReplicaId> reached;
  for (const testing::ReceivedRequest& request : h.cluster.received()) reached.insert(request.replica);
  EXPECT_EQ(reached, (std::set<ReplicaId>{0, 1, 2, 3}));

  const auto result = h.session.on_frames(h.take_frames(), kEpoch + milliseconds(kRetryMs + 1));
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(text(*result), "put y 2");
}

TEST(ClientSession, TimesOutAtTheDeadlineWithTheNoReplyMessage) {
  Harness h;
  for (ReplicaId r = 0; r < 4; ++r) h.cluster.set_alive(r, false);
  h.session.start(to_bytes("put z 3"), kEpoch, milliseconds(1000));
  EXPECT_FALSE(h.session.on_time(kEpoch + milliseconds(999)).has_value()) << "one millisecond early";
  EXPECT_TRUE(h.session.busy());

  const auto result = h.session.on_time(kEpoch + milliseconds(1000));
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->ok());
  const std::string& message = result->error().message;
  EXPECT_NE(message.find("no reply from the cluster within 1000 ms"), std::string::npos) << message;
  for (ReplicaId r = 0; r < 4; ++r) {
    const net::PeerAddress& address = h.session.setup().replica_addresses[r];
    const std::string expected =
        "replica " + std::to_string(r) + " at " + address.host + ":" + std::to_string(address.port);
    EXPECT_NE(message.find(expected), std::string::npos) << "missing \"" << expected << "\" in: " << message;
  }
  EXPECT_NE(message.find("(request 1, retransmitted once)"), std::string::npos) << message;
  EXPECT_FALSE(h.session.busy());
  EXPECT_FALSE(h.session.core().busy()) << "a timed-out request is abandoned";
  EXPECT_FALSE(h.session.on_time(kEpoch + milliseconds(2000)).has_value()) << "an idle session has no deadline";
}

TEST(ClientSession, OffersARefusedFrameAgainOnTheNextTickWithoutRetransmitting) {
  Harness h(ProtocolMode::pbft, /*refusals=*/1);
  h.session.start(to_bytes("put w 4"), kEpoch, milliseconds(5000));
  EXPECT_TRUE(h.cluster.received().empty());
  EXPECT_EQ(h.session.longest_wait(kEpoch), kRefusedFrameRetry) << "a refused frame shortens the wait";

  EXPECT_FALSE(h.session.on_time(kEpoch + kRefusedFrameRetry).has_value());
  ASSERT_EQ(h.cluster.received().size(), 1u);
  EXPECT_EQ(h.cluster.received()[0].replica, 0u) << "the frame goes again to the replica that refused it";
  EXPECT_EQ(h.session.core().retransmissions(), 0u);
  EXPECT_EQ(h.session.longest_wait(kEpoch + kRefusedFrameRetry), kMaxWaitBetweenTicks);
  ASSERT_TRUE(h.session.on_frames(h.take_frames(), kEpoch + milliseconds(3)).has_value());
}

TEST(ClientSession, LongestWaitEndsJustPastTheDeadline) {
  Harness h;
  EXPECT_EQ(h.session.longest_wait(kEpoch), milliseconds(0)) << "idle: nothing to wait for";
  for (ReplicaId r = 0; r < 4; ++r) h.cluster.set_alive(r, false);
  h.session.start(to_bytes("x"), kEpoch, milliseconds(100));
  EXPECT_EQ(h.session.longest_wait(kEpoch), kMaxWaitBetweenTicks);
  EXPECT_EQ(h.session.longest_wait(kEpoch + milliseconds(97)), milliseconds(4));
  EXPECT_EQ(h.session.longest_wait(kEpoch + milliseconds(100)), milliseconds(0));
}

TEST(ClientSession, AbandonLeavesItIdleAndTheNextOperationGetsAHigherNumber) {
  Harness h;
  for (ReplicaId r = 0; r < 4; ++r) h.cluster.set_alive(r, false);
  h.session.start(to_bytes("lost"), kEpoch, milliseconds(5000));
  h.session.abandon();
  EXPECT_FALSE(h.session.busy());
  EXPECT_FALSE(h.session.core().busy());
  EXPECT_FALSE(h.session.on_time(kEpoch + milliseconds(6000)).has_value());

  for (ReplicaId r = 0; r < 4; ++r) h.cluster.set_alive(r, true);
  h.session.start(to_bytes("next"), kEpoch + milliseconds(6000), milliseconds(5000));
  EXPECT_EQ(h.cluster.received().back().request_number, 2u);
  const auto result = h.session.on_frames(h.take_frames(), kEpoch + milliseconds(6001));
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(text(*result), "next");
}

}  // namespace
}  // namespace loyal::client
