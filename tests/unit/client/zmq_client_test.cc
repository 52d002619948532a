// The client library over the real ZeroMQ transport (client/zmq_connection.h), against replicas
// played in-process: each fake replica is a listening ZmqTransport on an ephemeral loopback port,
// and a pump thread hands what they receive to the FakeCluster and sends its replies back over
// the replica's own socket, as a real replica answers a client.

#include "client/zmq_connection.h"

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "client/async_client.h"
#include "client/blocking_client.h"
#include "fake_cluster.h"
#include "net/zmq/zmq_transport.h"

namespace loyal::client {
namespace {

using std::chrono::milliseconds;
using testing::FakeCluster;
using testing::kTestClientId;

constexpr std::uint32_t kReplicas = 4;
// Short, because the first frame to a replica can be dropped while its connection is still being
// made (ZMQ_IMMEDIATE); the retransmission then carries the request.
constexpr std::uint32_t kRetryMs = 100;
constexpr milliseconds kTimeout{10'000};

class ZmqReplicas {
 public:
  // Binds every replica on 127.0.0.1 with an ephemeral port and writes the ports into `cluster`.
  ZmqReplicas(zmq::context_t& context, cluster::GeneratedCluster& cluster) {
    for (ReplicaId r = 0; r < kReplicas; ++r) {
      net::ZmqTransportOptions options;
      options.self = NodeId::replica(r);
      options.listen = net::PeerAddress{.host = "127.0.0.1", .port = 0};
      // The fake replicas never talk to each other; their peers' entries only have to be valid.
      options.replicas.assign(kReplicas, net::PeerAddress{.host = "127.0.0.1", .port = 1});
      options.replicas[r].port = 0;
      auto transport = net::ZmqTransport::create(context, std::move(options));
      EXPECT_TRUE(transport.ok()) << (transport.ok() ? "" : transport.error().message);
      if (!transport.ok()) return;
      cluster.config.replicas[r].port = (*transport)->bound_port();
      transports_.push_back(std::move(*transport));
    }
  }

  // Starts moving frames between the sockets and `fake`; stops (and joins) on destruction.
  void serve(FakeCluster& fake) {
    pump_ = std::jthread([this, &fake](std::stop_token stop) {
      std::vector<Bytes> frames;
      while (!stop.stop_requested()) {
        for (ReplicaId r = 0; r < transports_.size(); ++r) {
          frames.clear();
          transports_[r]->receive(frames, 64, milliseconds(1));
          for (const Bytes& frame : frames) fake.send(NodeId::replica(r), frame);
        }
        for (auto& [from, reply] : fake.take_replies()) {
          transports_[from]->send(NodeId::client(kTestClientId), reply);
        }
      }
    });
  }

  bool ready() const { return transports_.size() == kReplicas; }

 private:
  std::vector<std::unique_ptr<net::ZmqTransport>> transports_;
  std::jthread pump_;  // last: stops before the transports it uses are destroyed
};

struct Harness {
  Harness()
      : generated(testing::generate_test_cluster(ProtocolMode::pbft, kReplicas, cluster::ClientAuth::signature,
                                                 kRetryMs)),
        fake(generated, nullptr),
        replicas(context, generated) {}

  BlockingClient connect_blocking() {
    ClientSetup setup = testing::test_client_setup(generated);
    auto transport = connect_to_cluster(context, setup);
    EXPECT_TRUE(transport.ok());
    return BlockingClient(std::move(setup), std::move(*transport));
  }

  zmq::context_t context;  // first: every socket closes before it
  cluster::GeneratedCluster generated;
  FakeCluster fake;
  ZmqReplicas replicas;  // after the fake: its pump thread uses the fake until it is joined
};

TEST(ZmqClient, BlockingClientCompletesOverZeroMq) {
  Harness h;
  ASSERT_TRUE(h.replicas.ready());
  h.replicas.serve(h.fake);
  BlockingClient client = h.connect_blocking();

  for (int i = 0; i < 5; ++i) {
    const std::string operation = "op" + std::to_string(i);
    const Result<Bytes> result = client.execute(to_bytes(operation), kTimeout);
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(as_chars(*result), operation);
  }
  EXPECT_EQ(h.fake.executed().size(), 5u);
  EXPECT_EQ(h.fake.refused_requests(), 0u);
}

TEST(ZmqClient, RetransmissionReachesTheOtherReplicasWhenTheLeaderIsDown) {
  Harness h;
  ASSERT_TRUE(h.replicas.ready());
  h.fake.set_alive(0, false);
  h.replicas.serve(h.fake);
  BlockingClient client = h.connect_blocking();

  const Result<Bytes> result = client.execute(to_bytes("x"), kTimeout);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_GE(client.core().retransmissions(), 1u);
}

TEST(ZmqClient, AsyncClientCompletesInOrderOverZeroMq) {
  Harness h;
  ASSERT_TRUE(h.replicas.ready());
  h.replicas.serve(h.fake);
  ClientSetup setup = testing::test_client_setup(h.generated);
  auto transport = connect_to_cluster(h.context, setup);
  ASSERT_TRUE(transport.ok());
  AsyncClient client(std::move(setup), std::move(*transport),
                     AsyncClientOptions{.max_queued_operations = 16, .operation_timeout = kTimeout});

  std::vector<std::future<Result<Bytes>>> futures;
  for (int i = 0; i < 10; ++i) futures.push_back(client.submit(to_bytes("op" + std::to_string(i))));
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(futures[i].wait_for(2 * kTimeout), std::future_status::ready);
    const Result<Bytes> result = futures[i].get();
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(as_chars(*result), "op" + std::to_string(i));
  }
}

TEST(ZmqClient, ReplicasThatNeverAnswerEndInTheNoReplyError) {
  Harness h;
  ASSERT_TRUE(h.replicas.ready());
  // Sockets bound but never served: frames arrive and nobody answers.
  BlockingClient client = h.connect_blocking();
  const Result<Bytes> result = client.execute(to_bytes("x"), milliseconds(300));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("no reply from the cluster within 300 ms"), std::string::npos)
      << result.error().message;
}

}  // namespace
}  // namespace loyal::client
