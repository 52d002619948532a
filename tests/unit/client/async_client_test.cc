#include "client/async_client.h"

#include <chrono>
#include <future>
#include <string>
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

// Generous real-time bounds for waiting on the background thread; a passing run never nears them.
constexpr milliseconds kPatience{10'000};

std::string text(const Result<Bytes>& result) {
  return result.ok() ? std::string(as_chars(*result)) : "error: " + result.error().message;
}

Result<Bytes> get_within_patience(std::future<Result<Bytes>>& future) {
  if (future.wait_for(kPatience) != std::future_status::ready) return Error{"the future never completed"};
  return future.get();
}

bool is_ready(const std::future<Result<Bytes>>& future) {
  return future.wait_for(milliseconds(0)) == std::future_status::ready;
}

// Real time: the cluster's gate decides when replies come, and the test waits for arrivals. The
// retry time is out of reach, so every request is sent exactly once however slow the machine.
constexpr std::uint32_t kNoRetryMs = 600'000;

struct Harness {
  explicit Harness(AsyncClientOptions options = {})
      : generated(generate_test_cluster(ProtocolMode::pbft, 4, cluster::ClientAuth::signature, kNoRetryMs)),
        cluster(generated, nullptr),
        client(test_client_setup(generated), cluster.make_transport(), options) {}

  cluster::GeneratedCluster generated;
  FakeCluster cluster;
  AsyncClient client;
};

TEST(AsyncClient, RunsOperationsOneAtATimeInSubmissionOrder) {
  Harness h;
  std::vector<std::future<Result<Bytes>>> futures;
  for (int i = 0; i < 20; ++i) futures.push_back(h.client.submit(to_bytes("op" + std::to_string(i))));

  for (int i = 0; i < 20; ++i) EXPECT_EQ(text(get_within_patience(futures[i])), "op" + std::to_string(i));
  const std::vector<Bytes> executed = h.cluster.executed();
  ASSERT_EQ(executed.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(as_chars(executed[i]), "op" + std::to_string(i));
  // A closed loop: request k+1 reaches the cluster only after request k completed, so request
  // numbers arrive in order with no interleaving.
  std::uint64_t previous = 0;
  for (const testing::ReceivedRequest& request : h.cluster.received()) {
    EXPECT_GE(request.request_number, previous);
    previous = request.request_number;
  }
  EXPECT_EQ(h.cluster.received().size(), 20u) << "each went once, to the leader";
}

TEST(AsyncClient, SecondOperationWaitsForTheFirstReply) {
  Harness h;
  h.cluster.close_gate();
  auto first = h.client.submit(to_bytes("first"));
  auto second = h.client.submit(to_bytes("second"));
  ASSERT_TRUE(h.cluster.wait_for_received(1, kPatience));

  EXPECT_FALSE(is_ready(first));
  EXPECT_EQ(h.cluster.received().size(), 1u) << "the second must not be sent while the first is open";
  h.cluster.release();
  EXPECT_EQ(text(get_within_patience(first)), "first");
  EXPECT_EQ(text(get_within_patience(second)), "second");
}

TEST(AsyncClient, SubmitBeyondTheQueueLimitFailsAtOnce) {
  Harness h(AsyncClientOptions{.max_queued_operations = 3, .operation_timeout = milliseconds(60'000)});
  h.cluster.close_gate();
  auto running = h.client.submit(to_bytes("running"));
  ASSERT_TRUE(h.cluster.wait_for_received(1, kPatience));  // taken off the queue, now in flight

  std::vector<std::future<Result<Bytes>>> queued;
  for (int i = 0; i < 3; ++i) queued.push_back(h.client.submit(to_bytes("queued" + std::to_string(i))));
  EXPECT_EQ(h.client.queued(), 3u);
  auto refused = h.client.submit(to_bytes("one too many"));
  ASSERT_TRUE(is_ready(refused)) << "a full queue refuses without waiting";
  const Result<Bytes> refusal = refused.get();
  ASSERT_FALSE(refusal.ok());
  EXPECT_NE(refusal.error().message.find("queue full"), std::string::npos) << refusal.error().message;

  h.cluster.release();
  EXPECT_EQ(text(get_within_patience(running)), "running");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(text(get_within_patience(queued[i])), "queued" + std::to_string(i));
  for (const Bytes& operation : h.cluster.executed()) EXPECT_NE(as_chars(operation), "one too many");
}

TEST(AsyncClient, StopFailsTheRunningAndQueuedOperationsAndLaterSubmits) {
  Harness h(AsyncClientOptions{.max_queued_operations = 8, .operation_timeout = milliseconds(60'000)});
  h.cluster.close_gate();
  auto running = h.client.submit(to_bytes("running"));
  ASSERT_TRUE(h.cluster.wait_for_received(1, kPatience));
  auto queued = h.client.submit(to_bytes("queued"));
  int callbacks = 0;
  std::string callback_error;
  h.client.submit(to_bytes("with callback"), [&](Result<Bytes> result) {
    ++callbacks;
    if (!result.ok()) callback_error = result.error().message;
  });

  h.client.stop();  // returns only once the background thread has finished
  for (auto* future : {&running, &queued}) {
    ASSERT_TRUE(is_ready(*future));
    const Result<Bytes> result = future->get();
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message, kClientStoppedMessage);
  }
  EXPECT_EQ(callbacks, 1);
  EXPECT_EQ(callback_error, kClientStoppedMessage);

  auto late = h.client.submit(to_bytes("late"));
  ASSERT_TRUE(is_ready(late));
  EXPECT_EQ(text(late.get()), "error: " + std::string(kClientStoppedMessage));
  h.client.stop();  // idempotent
  EXPECT_TRUE(h.cluster.executed().empty());
}

TEST(AsyncClient, OperationsTimeOutOneByOneAndTheNextStillRuns) {
  FakeClock clock;
  const cluster::GeneratedCluster generated = generate_test_cluster(ProtocolMode::pbft, 4);
  FakeCluster cluster(generated, &clock);
  for (ReplicaId r = 0; r < 4; ++r) cluster.set_alive(r, false);
  AsyncClient client(test_client_setup(generated), cluster.make_transport(),
                     AsyncClientOptions{.max_queued_operations = 4, .operation_timeout = milliseconds(700)},
                     clock.clock());
  auto lost = client.submit(to_bytes("lost"));
  const Result<Bytes> timed_out = get_within_patience(lost);
  ASSERT_FALSE(timed_out.ok());
  EXPECT_NE(timed_out.error().message.find("no reply from the cluster within 700 ms"), std::string::npos)
      << timed_out.error().message;

  for (ReplicaId r = 0; r < 4; ++r) cluster.set_alive(r, true);
  auto next = client.submit(to_bytes("next"));
  EXPECT_EQ(text(get_within_patience(next)), "next");
}

TEST(AsyncClient, DestructorStopsAClientWaitingOnADeadCluster) {
  const cluster::GeneratedCluster generated = generate_test_cluster(ProtocolMode::pbft, 4);
  FakeCluster cluster(generated, nullptr);
  for (ReplicaId r = 0; r < 4; ++r) cluster.set_alive(r, false);
  std::future<Result<Bytes>> pending;
  {
    AsyncClient client(test_client_setup(generated), cluster.make_transport(),
                       AsyncClientOptions{.max_queued_operations = 4, .operation_timeout = milliseconds(600'000)});
    pending = client.submit(to_bytes("x"));
    ASSERT_TRUE(cluster.wait_for_received(1, kPatience));
  }
  ASSERT_TRUE(is_ready(pending));
  EXPECT_EQ(text(pending.get()), "error: " + std::string(kClientStoppedMessage));
}

}  // namespace
}  // namespace loyal::client
