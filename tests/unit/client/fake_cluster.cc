#include "fake_cluster.h"

#include <iterator>
#include <utility>
#include <variant>

#include <gtest/gtest.h>

#include "crypto/key_exchange.h"
#include "net/authentication.h"
#include "net/envelope_codec.h"
#include "replica/request.h"

namespace loyal::client::testing {

namespace {

class FakeTransport final : public net::Transport {
 public:
  explicit FakeTransport(FakeCluster& cluster) : cluster_(cluster) {}
  void send(NodeId to, ByteView frame) override {
    ++counters_.frames_sent;
    cluster_.send(to, frame);
  }
  std::size_t receive(std::vector<Bytes>& out, std::size_t max_frames, std::chrono::milliseconds timeout) override {
    const std::size_t received = cluster_.receive(out, max_frames, timeout);
    counters_.frames_received += received;
    return received;
  }
  void wake() override { cluster_.wake(); }
  net::TransportCounters counters() const override { return counters_; }

 private:
  FakeCluster& cluster_;
  net::TransportCounters counters_;
};

}  // namespace

cluster::GeneratedCluster generate_test_cluster(ProtocolMode mode, std::uint32_t replica_count,
                                                cluster::ClientAuth client_auth, std::uint32_t client_retry_ms) {
  cluster::KeygenOptions options;
  options.replica_count = replica_count;
  options.client_count = 2;
  options.protocol = mode;
  options.client_auth = client_auth;
  options.cluster_id = 4242;
  auto generated = cluster::generate_cluster(options);
  EXPECT_TRUE(generated.ok()) << (generated.ok() ? "" : generated.error().message);
  cluster::GeneratedCluster cluster = std::move(generated).value();
  cluster.config.parameters.client_retry_ms = client_retry_ms;
  return cluster;
}

ClientSetup test_client_setup(const cluster::GeneratedCluster& cluster, std::uint64_t first_request_number) {
  auto setup = make_client_setup(cluster.config, cluster.client_secrets.at(kTestClientId), "test key",
                                 first_request_number);
  EXPECT_TRUE(setup.ok()) << (setup.ok() ? "" : setup.error().message);
  return std::move(setup).value();
}

FakeCluster::FakeCluster(const cluster::GeneratedCluster& cluster, FakeClock* clock)
    : config_(cluster.config), clock_(clock), answer_([](ByteView operation) { return Bytes(operation.begin(), operation.end()); }) {
  std::vector<crypto::PublicKey> replica_keys;
  for (const auto& replica : config_.replicas) replica_keys.push_back(replica.public_key);
  std::vector<crypto::PublicKey> client_keys;
  for (const auto& client : config_.clients) client_keys.push_back(client.public_key);
  verifier_ = std::make_unique<crypto::Ed25519Verifier>(std::move(replica_keys), std::move(client_keys));

  const crypto::ExchangePublicKey& client_exchange = config_.clients.at(kTestClientId).exchange_public_key;
  for (ReplicaId r = 0; r < config_.replica_count(); ++r) {
    auto keys = crypto::derive_pairwise_keys(cluster.replica_secrets.at(r).exchange, client_exchange);
    EXPECT_TRUE(keys.ok());
    std::vector<crypto::MacKey> receive_keys_by_client(config_.client_count());
    receive_keys_by_client[kTestClientId] = keys->receive;
    Replica replica;
    replica.reply_key = keys->send;
    replica.authenticator = std::make_unique<replica::RequestAuthenticator>(
        config_.cluster_id, config_.protocol, r, config_.parameters.client_auth, *verifier_,
        std::move(receive_keys_by_client));
    replicas_.push_back(std::move(replica));
  }
}

std::unique_ptr<net::Transport> FakeCluster::make_transport() { return std::make_unique<FakeTransport>(*this); }

void FakeCluster::set_alive(ReplicaId replica, bool alive) {
  const std::lock_guard lock(mutex_);
  replicas_.at(replica).alive = alive;
}

void FakeCluster::set_forges_mac(ReplicaId replica, bool forges) {
  const std::lock_guard lock(mutex_);
  replicas_.at(replica).forges_mac = forges;
}

void FakeCluster::close_gate() {
  const std::lock_guard lock(mutex_);
  gate_open_ = false;
}

void FakeCluster::release() {
  {
    const std::lock_guard lock(mutex_);
    gate_open_ = true;
    while (!held_.empty()) {
      handle(held_.front());
      held_.pop_front();
    }
  }
  changed_.notify_all();
}

void FakeCluster::set_answer(std::function<Bytes(ByteView operation)> answer) {
  const std::lock_guard lock(mutex_);
  answer_ = std::move(answer);
}

std::vector<ReceivedRequest> FakeCluster::received() const {
  const std::lock_guard lock(mutex_);
  return received_;
}

std::vector<Bytes> FakeCluster::executed() const {
  const std::lock_guard lock(mutex_);
  return executed_;
}

std::uint64_t FakeCluster::refused_requests() const {
  const std::lock_guard lock(mutex_);
  return refused_requests_;
}

bool FakeCluster::wait_for_received(std::size_t count, std::chrono::milliseconds limit) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, limit, [&] { return received_.size() >= count; });
}

void FakeCluster::send(NodeId to, ByteView frame) {
  EXPECT_EQ(to.role, NodeRole::replica);
  EXPECT_LT(to.index, config_.replica_count());
  if (to.role != NodeRole::replica || to.index >= config_.replica_count()) return;

  const net::DecodeContext context{.cluster_id = config_.cluster_id,
                                   .mode = config_.protocol,
                                   .replica_count = config_.replica_count(),
                                   .client_count = config_.client_count(),
                                   .limits = {}};
  auto decoded = net::decode_envelope(frame, context);
  ASSERT_TRUE(std::holds_alternative<net::Envelope>(decoded)) << "the client sent an undecodable frame";
  const net::Envelope& envelope = std::get<net::Envelope>(decoded);
  ASSERT_EQ(envelope.header.kind, net::MessageKind::client_request);
  ASSERT_EQ(envelope.header.sender, NodeId::client(kTestClientId));
  auto body = replica::decode_client_request_body(envelope.body, {});
  ASSERT_TRUE(std::holds_alternative<replica::ClientRequestBody>(body));
  const auto& request_body = std::get<replica::ClientRequestBody>(body);
  const replica::ClientRequest request{.client = kTestClientId,
                                       .request_number = request_body.request_number,
                                       .operation = request_body.operation,
                                       .body = envelope.body,
                                       .authenticator = envelope.authenticator};
  {
    const std::lock_guard lock(mutex_);
    if (!replicas_[to.index].authenticator->authentic(request)) {
      ++refused_requests_;
      return;
    }
    const ReceivedRequest received{.replica = to.index,
                                   .request_number = request_body.request_number,
                                   .operation = request_body.operation};
    received_.push_back(received);
    if (gate_open_) {
      handle(received);
    } else {
      held_.push_back(received);
    }
  }
  changed_.notify_all();
}

void FakeCluster::handle(const ReceivedRequest& request) {
  if (!replicas_[request.replica].alive) return;
  auto executed = results_by_request_number_.find(request.request_number);
  if (executed == results_by_request_number_.end()) {
    executed = results_by_request_number_.emplace(request.request_number, answer_(request.operation)).first;
    executed_.push_back(request.operation);
  }
  for (ReplicaId r = 0; r < replicas_.size(); ++r) {
    if (replicas_[r].alive) inbox_.emplace_back(r, reply_frame(r, request.request_number, executed->second));
  }
}

ReplicaId FakeCluster::leader() const {
  for (ReplicaId r = 0; r < replicas_.size(); ++r) {
    if (replicas_[r].alive) return r;
  }
  return 0;
}

Bytes FakeCluster::reply_frame(ReplicaId from, std::uint64_t request_number, ByteView result) const {
  net::Envelope envelope{.header = {.cluster_id = config_.cluster_id,
                                    .mode = config_.protocol,
                                    .sender = NodeId::replica(from),
                                    .kind = net::MessageKind::client_reply},
                         .body = replica::encode_client_reply(replica::ClientReply{
                             .request_number = request_number,
                             .epoch = 1,
                             .leader = leader(),
                             .result = Bytes(result.begin(), result.end())}),
                         .authenticator = {}};
  // A forger's key is another replica's: a valid key, just not the one this sender must use.
  const ReplicaId key_owner = replicas_[from].forges_mac ? (from + 1) % config_.replica_count() : from;
  net::attach_mac(envelope, replicas_[key_owner].reply_key);
  return net::encode_envelope(envelope);
}

std::size_t FakeCluster::receive(std::vector<Bytes>& out, std::size_t max_frames, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (inbox_.empty() && !woken_) {
    if (clock_ != nullptr) {
      clock_->advance(timeout);
    } else {
      changed_.wait_for(lock, timeout, [this] { return !inbox_.empty() || woken_; });
    }
  }
  woken_ = false;
  std::size_t appended = 0;
  while (!inbox_.empty() && appended < max_frames) {
    out.push_back(std::move(inbox_.front().second));
    inbox_.pop_front();
    ++appended;
  }
  return appended;
}

std::vector<std::pair<ReplicaId, Bytes>> FakeCluster::take_replies() {
  const std::lock_guard lock(mutex_);
  std::vector<std::pair<ReplicaId, Bytes>> replies(std::make_move_iterator(inbox_.begin()),
                                                   std::make_move_iterator(inbox_.end()));
  inbox_.clear();
  return replies;
}

void FakeCluster::wake() {
  {
    const std::lock_guard lock(mutex_);
    woken_ = true;
  }
  changed_.notify_all();
}

}  // namespace loyal::client::testing
