#pragma once
// n replicas played by the test, behind a net::Transport the client owns. The replicas are as
// strict as real ones at the edges the client touches: every request frame is decoded and its
// authenticator checked with the replica's own keys (from a cluster generated with
// cluster/keygen.h), and every reply is a real envelope MAC'd with the replica -> client key.
// Inside, the "protocol" is a stand-in: a request that reaches any live replica executes once
// (the answer is `answer(operation)`), and every live replica replies to it, naming the leader.
//
// Time: with a FakeClock, a receive() that finds nothing advances the clock by its timeout instead
// of waiting, so timeouts and retransmissions run instantly and deterministically. Without one it
// waits for real (for the AsyncClient tests, whose background thread the test synchronizes with).
//
// Ownership: the test owns the FakeCluster; the client owns a FakeTransport that points at it, so
// the FakeCluster must outlive the client. Thread-safe: the AsyncClient's thread and the test's
// thread use it at once.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "client/blocking_client.h"
#include "client/client_setup.h"
#include "cluster/keygen.h"
#include "crypto/signer.h"
#include "net/transport.h"
#include "replica/request_auth.h"

namespace loyal::client::testing {

class FakeClock {
 public:
  MonotonicClock clock() {
    return [this] { return std::chrono::steady_clock::time_point(std::chrono::milliseconds(now_ms_.load())); };
  }
  void advance(std::chrono::milliseconds by) { now_ms_ += by.count(); }
  std::int64_t now_ms() const { return now_ms_.load(); }

 private:
  // Starts far from zero so that nothing can mistake the fake epoch for "no time".
  std::atomic<std::int64_t> now_ms_{1'000'000};
};

// A cluster of `replica_count` replicas and 2 clients with fresh keys; the client under test is 1.
cluster::GeneratedCluster generate_test_cluster(ProtocolMode mode, std::uint32_t replica_count,
                                                cluster::ClientAuth client_auth = cluster::ClientAuth::signature,
                                                std::uint32_t client_retry_ms = 200);
inline constexpr ClientId kTestClientId = 1;

// Client kTestClientId's setup for `cluster`, as load_client_setup() builds it from files.
ClientSetup test_client_setup(const cluster::GeneratedCluster& cluster, std::uint64_t first_request_number = 1);

struct ReceivedRequest {
  ReplicaId replica = 0;
  std::uint64_t request_number = 0;
  Bytes operation;
};

class FakeCluster {
 public:
  // `clock` may be null: then receive() waits in real time.
  FakeCluster(const cluster::GeneratedCluster& cluster, FakeClock* clock);

  std::unique_ptr<net::Transport> make_transport();

  // A dead replica neither executes nor replies. Replicas start alive.
  void set_alive(ReplicaId replica, bool alive);
  // A replica that replies with a MAC under the wrong key (misconfigured or forging).
  void set_forges_mac(ReplicaId replica, bool forges);
  // While the gate is closed, requests are recorded but nobody executes or replies; release()
  // opens it and handles what was held, in arrival order.
  void close_gate();
  void release();
  // What the state machine answers; by default the operation itself.
  void set_answer(std::function<Bytes(ByteView operation)> answer);

  // Every authentic request frame a replica received, in arrival order.
  std::vector<ReceivedRequest> received() const;
  // Operations in the order they executed (each request number once).
  std::vector<Bytes> executed() const;
  // Request frames whose authenticator the receiving replica refused; 0 unless keys are wrong.
  std::uint64_t refused_requests() const;
  // Waits in real time until at least `count` requests arrived; false after `limit`.
  bool wait_for_received(std::size_t count, std::chrono::milliseconds limit) const;

  // The replies waiting for the client with their senders, taken out of the inbox: for a test
  // that carries them over a real transport instead of FakeTransport.
  std::vector<std::pair<ReplicaId, Bytes>> take_replies();

  // The Transport side, called through FakeTransport.
  void send(NodeId to, ByteView frame);
  std::size_t receive(std::vector<Bytes>& out, std::size_t max_frames, std::chrono::milliseconds timeout);
  void wake();

 private:
  struct Replica {
    bool alive = true;
    bool forges_mac = false;
    crypto::MacKey reply_key;  // replica -> client
    std::unique_ptr<replica::RequestAuthenticator> authenticator;
  };

  // Called with mutex_ held.
  void handle(const ReceivedRequest& request);
  Bytes reply_frame(ReplicaId from, std::uint64_t request_number, ByteView result) const;
  ReplicaId leader() const;

  const cluster::ClusterConfig config_;
  FakeClock* clock_;
  std::unique_ptr<crypto::Ed25519Verifier> verifier_;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<Replica> replicas_;
  bool gate_open_ = true;
  std::deque<ReceivedRequest> held_;
  std::function<Bytes(ByteView)> answer_;
  std::vector<ReceivedRequest> received_;
  std::map<std::uint64_t, Bytes> results_by_request_number_;  // executed once, then replayed
  std::vector<Bytes> executed_;
  std::uint64_t refused_requests_ = 0;
  std::deque<std::pair<ReplicaId, Bytes>> inbox_;  // reply frames for the client, with their senders
  bool woken_ = false;
};

}  // namespace loyal::client::testing
