#include "client/blocking_client.h"

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "fake_cluster.h"

namespace loyal::client {
namespace {

using std::chrono::milliseconds;
using testing::FakeClock;
using testing::FakeCluster;
using testing::generate_test_cluster;
using testing::test_client_setup;

constexpr std::uint32_t kRetryMs = 200;

std::string text(const Result<Bytes>& result) {
  return result.ok() ? std::string(as_chars(*result)) : "error: " + result.error().message;
}

struct Harness {
  explicit Harness(ProtocolMode mode = ProtocolMode::pbft, std::uint32_t replicas = 4,
                   cluster::ClientAuth auth = cluster::ClientAuth::signature)
      : generated(generate_test_cluster(mode, replicas, auth, kRetryMs)),
        cluster(generated, &clock),
        client(test_client_setup(generated), cluster.make_transport(), clock.clock()) {}

  FakeClock clock;
  cluster::GeneratedCluster generated;
  FakeCluster cluster;
  BlockingClient client;
};

TEST(BlockingClient, CompletesWithTheClustersAnswerWithoutRetransmitting) {
  Harness h;
  const std::int64_t start = h.clock.now_ms();
  const Result<Bytes> result = h.client.execute(to_bytes("put x 1"), milliseconds(5000));

  EXPECT_EQ(text(result), "put x 1");
  EXPECT_EQ(h.client.core().retransmissions(), 0u);
  EXPECT_LT(h.clock.now_ms() - start, kRetryMs);
  ASSERT_EQ(h.cluster.received().size(), 1u);
  EXPECT_EQ(h.cluster.received()[0].replica, 0u) << "the first send goes to the believed leader only";
  EXPECT_EQ(h.cluster.refused_requests(), 0u);
  EXPECT_FALSE(h.client.core().busy());
}

// Refuses the first `refusals` sends the way the ZeroMQ links do before their connection is up:
// counted as a drop, nothing delivered.
class RefusingTransport final : public net::Transport {
 public:
  RefusingTransport(std::unique_ptr<net::Transport> inner, int refusals)
      : inner_(std::move(inner)), refusals_(refusals) {}
  void send(NodeId to, ByteView frame) override {
    if (refusals_ > 0) {
      --refusals_;
      ++refused_counters_.dropped["send_queue_full"];
      return;
    }
    inner_->send(to, frame);
  }
  std::size_t receive(std::vector<Bytes>& out, std::size_t max_frames, std::chrono::milliseconds timeout) override {
    return inner_->receive(out, max_frames, timeout);
  }
  void wake() override { inner_->wake(); }
  net::TransportCounters counters() const override {
    net::TransportCounters counters = inner_->counters();
    for (const auto& [reason, count] : refused_counters_.dropped) counters.dropped[reason] += count;
    return counters;
  }

 private:
  std::unique_ptr<net::Transport> inner_;
  int refusals_;
  net::TransportCounters refused_counters_;
};

TEST(BlockingClient, OffersARefusedFrameAgainWithoutWaitingForTheRetransmission) {
  FakeClock clock;
  const cluster::GeneratedCluster generated =
      generate_test_cluster(ProtocolMode::pbft, 4, cluster::ClientAuth::signature, kRetryMs);
  FakeCluster cluster(generated, &clock);
  BlockingClient client(test_client_setup(generated),
                        std::make_unique<RefusingTransport>(cluster.make_transport(), 2), clock.clock());
  const std::int64_t start = clock.now_ms();
  EXPECT_EQ(text(client.execute(to_bytes("put z 3"), milliseconds(5000))), "put z 3");
  EXPECT_LT(clock.now_ms() - start, kRetryMs) << "a refused first send waited for the retransmission";
  EXPECT_EQ(client.core().retransmissions(), 0u);
  ASSERT_EQ(cluster.received().size(), 1u);
  EXPECT_EQ(cluster.received()[0].replica, 0u) << "the frame goes again to the replica that refused it";
}

TEST(BlockingClient, MacAuthenticatedRequestsAreAdmittedByEveryReplica) {
  Harness h(ProtocolMode::pbft, 4, cluster::ClientAuth::mac);
  h.cluster.set_alive(0, false);  // forces the retransmission to all, so every replica checks its MAC
  EXPECT_EQ(text(h.client.execute(to_bytes("get x"), milliseconds(5000))), "get x");
  EXPECT_EQ(h.cluster.received().size(), 5u);  // replica 0 once, then all four
  EXPECT_EQ(h.cluster.refused_requests(), 0u);
}

TEST(BlockingClient, RetransmitsToEveryReplicaWhenTheLeaderIsSilent) {
  Harness h;
  h.cluster.set_alive(0, false);
  const std::int64_t start = h.clock.now_ms();
  const Result<Bytes> result = h.client.execute(to_bytes("put y 2"), milliseconds(5000));

  EXPECT_EQ(text(result), "put y 2");
  EXPECT_GE(h.clock.now_ms() - start, kRetryMs) << "no retransmission before the retry time";
  EXPECT_EQ(h.client.core().retransmissions(), 1u);
  std::set<ReplicaId> reached;
  for (const testing::ReceivedRequest& request : h.cluster.received()) {
    EXPECT_EQ(request.request_number, 1u) << "the retransmission is the same request";
    reached.insert(request.replica);
  }
  EXPECT_EQ(reached, (std::set<ReplicaId>{0, 1, 2, 3}));
  EXPECT_EQ(h.cluster.executed().size(), 1u);
}

TEST(BlockingClient, RaftClientFollowsTheLeaderNamedInReplies) {
  Harness h(ProtocolMode::raft, 3);
  h.cluster.set_alive(0, false);  // replica 1 leads
  EXPECT_EQ(text(h.client.execute(to_bytes("a"), milliseconds(5000))), "a");
  EXPECT_EQ(h.client.core().believed_leader(), 1u);

  const std::size_t before = h.cluster.received().size();
  EXPECT_EQ(text(h.client.execute(to_bytes("b"), milliseconds(5000))), "b");
  const auto received = h.cluster.received();
  ASSERT_EQ(received.size(), before + 1);
  EXPECT_EQ(received.back().replica, 1u) << "the next request goes straight to the leader";
}

TEST(BlockingClient, TimeoutErrorNamesTheReplicasTriedAndTheirAddresses) {
  Harness h;
  for (ReplicaId r = 0; r < 4; ++r) h.cluster.set_alive(r, false);
  const std::int64_t start = h.clock.now_ms();
  const Result<Bytes> result = h.client.execute(to_bytes("put z 3"), milliseconds(1000));

  ASSERT_FALSE(result.ok());
  const std::string& message = result.error().message;
  EXPECT_NE(message.find("no reply from the cluster within 1000 ms"), std::string::npos) << message;
  for (ReplicaId r = 0; r < 4; ++r) {
    const net::PeerAddress& address = h.client.setup().replica_addresses[r];
    const std::string expected = "replica " + std::to_string(r) + " at " + address.host + ":" + std::to_string(address.port);
    EXPECT_NE(message.find(expected), std::string::npos) << "missing \"" << expected << "\" in: " << message;
  }
  EXPECT_NE(message.find("retransmitted"), std::string::npos) << message;
  EXPECT_GE(h.clock.now_ms() - start, 1000);
  EXPECT_LE(h.clock.now_ms() - start, 1000 + 2 * kMaxWaitBetweenTicks.count());
  EXPECT_FALSE(h.client.core().busy()) << "a timed-out request is abandoned";
}

TEST(BlockingClient, TimeoutBeforeTheRetryNamesOnlyTheLeader) {
  Harness h;
  for (ReplicaId r = 0; r < 4; ++r) h.cluster.set_alive(r, false);
  const Result<Bytes> result = h.client.execute(to_bytes("x"), milliseconds(kRetryMs / 2));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("replica 0 at"), std::string::npos);
  EXPECT_EQ(result.error().message.find("replica 1 at"), std::string::npos) << result.error().message;
}

TEST(BlockingClient, NextRequestAfterATimeoutUsesAHigherNumberAndCompletes) {
  Harness h;
  for (ReplicaId r = 0; r < 4; ++r) h.cluster.set_alive(r, false);
  ASSERT_FALSE(h.client.execute(to_bytes("lost"), milliseconds(500)).ok());
  for (ReplicaId r = 0; r < 4; ++r) h.cluster.set_alive(r, true);

  EXPECT_EQ(text(h.client.execute(to_bytes("next"), milliseconds(5000))), "next");
  EXPECT_EQ(h.cluster.received().back().request_number, 2u);
}

TEST(BlockingClient, RepliesWithForgedMacsAreNotAcceptedAndTheErrorSaysSo) {
  Harness h;
  // f = 1: one honest reply is not enough, so forged MACs from the other three leave it short.
  for (ReplicaId r = 1; r < 4; ++r) h.cluster.set_forges_mac(r, true);
  const Result<Bytes> result = h.client.execute(to_bytes("x"), milliseconds(500));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("bad_mac"), std::string::npos) << result.error().message;
}

TEST(BlockingClient, StopTokenEndsTheWaitWithClientStopped) {
  Harness h;
  for (ReplicaId r = 0; r < 4; ++r) h.cluster.set_alive(r, false);
  std::stop_source stop;
  stop.request_stop();
  const Result<Bytes> result = h.client.execute(to_bytes("x"), milliseconds(5000), stop.get_token());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, kClientStoppedMessage);
  EXPECT_FALSE(h.client.core().busy());
}

}  // namespace
}  // namespace loyal::client
