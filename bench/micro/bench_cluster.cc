#include "bench/micro/bench_cluster.h"

#include <algorithm>
#include <string>

#include "apps/kv/kv_operations.h"
#include "apps/kv/kv_store.h"
#include "common/assert.h"
#include "paxos/paxos_core.h"
#include "pbft/pbft_core.h"
#include "raft/raft_core.h"
#include "replica/journal/memory_journal.h"

namespace loyal::bench {

namespace {

constexpr std::uint64_t kClusterId = 77;
// Derives every key (TestKeys) and the stand-in signatures' secrets (FastSigner/FastVerifier).
constexpr std::uint64_t kKeySeed = 0xbe7c4;
// Each client cycles through this many keys, so the store (and every checkpoint snapshot) stays
// the same size however long the benchmark runs.
constexpr std::uint64_t kKeysPerClient = 16;

std::unique_ptr<replica::Protocol> make_core(const BenchClusterOptions& options, ReplicaId self,
                                             const replica::RequestAuthenticator& authenticator,
                                             const crypto::Verifier& verifier, const crypto::Signer& signer) {
  switch (options.mode) {
    case ProtocolMode::pbft: {
      pbft::PbftOptions pbft;
      pbft.self = self;
      pbft.cluster_id = kClusterId;
      pbft.replica_count = options.replicas;
      pbft.max_faulty = cluster::max_faulty(ProtocolMode::pbft, options.replicas);
      pbft.checkpoint_interval = options.checkpoint_interval;
      pbft.window = 2 * options.checkpoint_interval;  // L = 2K, as PbftOptions' defaults
      return std::make_unique<pbft::PbftCore>(pbft, authenticator, verifier, signer);
    }
    case ProtocolMode::raft: {
      raft::RaftOptions raft;
      raft.self = self;
      raft.replica_count = options.replicas;
      return std::make_unique<raft::RaftCore>(raft);
    }
    case ProtocolMode::paxos: {
      paxos::PaxosOptions paxos;
      paxos.self = self;
      paxos.replica_count = options.replicas;
      return std::make_unique<paxos::PaxosCore>(paxos);
    }
  }
  LOYAL_ASSERT(false, "every protocol mode has a core");
  return nullptr;
}

std::unique_ptr<crypto::Signer> make_signer(SignatureScheme scheme, const testing::TestKeys& keys, NodeId node) {
  if (scheme == SignatureScheme::ed25519) return std::make_unique<crypto::Ed25519Signer>(keys.signing_key(node));
  return std::make_unique<testing::FastSigner>(node, kKeySeed);
}

// The `submission`th put of `client` (counting from 0).
Bytes put_operation(ClientId client, std::uint64_t submission, std::uint32_t value_bytes) {
  const std::string key = "k" + std::to_string(client) + "-" + std::to_string(submission % kKeysPerClient);
  Bytes value(value_bytes);
  for (std::size_t i = 0; i < value.size(); ++i) value[i] = static_cast<std::uint8_t>(submission + i);
  return kv::encode_put(as_bytes(key), value);
}

}  // namespace

ClusterTotals ClusterTotals::operator-(const ClusterTotals& before) const {
  return ClusterTotals{
      .requests_completed = requests_completed - before.requests_completed,
      .batches_committed = batches_committed - before.batches_committed,
      .replica_messages = replica_messages - before.replica_messages,
      .replica_message_bytes = replica_message_bytes - before.replica_message_bytes,
      .signatures = signatures - before.signatures,
      .verifications = verifications - before.verifications,
      .persisted_bytes = persisted_bytes - before.persisted_bytes,
      .dropped = dropped - before.dropped,
      .ticks = ticks - before.ticks,
  };
}

// Queues a replica's frames on the cluster: to replicas in network_, to clients in replies_.
class BenchCluster::QueueOutbox final : public replica::Outbox {
 public:
  explicit QueueOutbox(BenchCluster& cluster) : cluster_(cluster) {}
  void to_replica(ReplicaId replica, ByteView frame) override {
    ++cluster_.replica_messages_;
    cluster_.replica_message_bytes_ += frame.size();
    cluster_.network_.push_back(ReplicaPacket{replica, Bytes(frame.begin(), frame.end())});
  }
  void to_client(ClientId client, ByteView frame) override {
    cluster_.replies_.push_back(ClientPacket{client, Bytes(frame.begin(), frame.end())});
  }

 private:
  BenchCluster& cluster_;
};

// The in-memory journal, counting the record bytes its core asks to persist.
class BenchCluster::CountingJournal final : public replica::Journal {
 public:
  void append(const replica::PersistRecord& record) override {
    appended_bytes_ += record.payload.size();
    journal_.append(record);
  }
  std::uint64_t sync() override { return journal_.sync(); }
  void discard_before(std::uint64_t first_kept_id) override { journal_.discard_before(first_kept_id); }
  void save_snapshot(const replica::SavedSnapshot& snapshot) override { journal_.save_snapshot(snapshot); }
  std::uint64_t appended_bytes() const { return appended_bytes_; }

 private:
  journal::MemoryJournal journal_;
  std::uint64_t appended_bytes_ = 0;
};

// One replica and what its pipeline borrows. Members are destroyed in reverse order: the
// pipeline first.
struct BenchCluster::Node {
  Node(BenchCluster& cluster, ReplicaId self)
      : base_signer(make_signer(cluster.options_.signatures, cluster.keys_, NodeId::replica(self))),
        signer(*base_signer),
        request_authenticator(kClusterId, cluster.options_.mode, self, cluster.options_.client_auth,
                              cluster.verifier_, cluster.keys_.clients_to_replica(self)),
        outbox(cluster) {
    const BenchClusterOptions& bench = cluster.options_;
    replica::ReplicaOptions options;
    options.self = self;
    options.cluster_id = kClusterId;
    options.mode = bench.mode;
    options.replica_count = bench.replicas;
    options.client_count = bench.clients;
    options.checkpoint_interval = bench.checkpoint_interval;
    options.batching.max_requests = bench.batch_max_requests;
    // Every round's requests arrive together and make one batch of the size under test; cutting
    // the first request alone because the leader is idle would measure another batch size.
    options.batching.cut_when_idle = false;
    replica::ReplicaParts parts{
        .protocol = make_core(bench, self, request_authenticator, cluster.verifier_, signer),
        .application = std::make_unique<kv::KvStore>(),
        .signer = &signer,
        .verifier = &cluster.verifier_,
        .request_authenticator = &request_authenticator,
        .reply_keys_by_client = cluster.keys_.replica_to_clients(self),
        .outbox = &outbox,
        .journal = &journal,
        .observer = nullptr,
        .byzantine = nullptr,
        .restored_snapshot = std::nullopt,
        .send_keys_by_replica = cluster.keys_.replica_to_replicas(self),
        .receive_keys_by_replica = cluster.keys_.replicas_to_replica(self),
    };
    pipeline = std::make_unique<replica::Replica>(options, std::move(parts));
  }

  std::unique_ptr<crypto::Signer> base_signer;
  CountingSigner signer;
  replica::RequestAuthenticator request_authenticator;
  QueueOutbox outbox;
  CountingJournal journal;
  std::unique_ptr<replica::Replica> pipeline;
};

BenchCluster::BenchCluster(const BenchClusterOptions& options)
    : options_(options),
      keys_(options.replicas, options.clients, kKeySeed),
      base_verifier_(options.signatures == SignatureScheme::ed25519
                         ? std::unique_ptr<crypto::Verifier>(
                               std::make_unique<crypto::Ed25519Verifier>(keys_.ed25519_verifier()))
                         : std::make_unique<testing::FastVerifier>(options.replicas, options.clients, kKeySeed)),
      verifier_(*base_verifier_) {
  LOYAL_ASSERT(options.replicas >= 1 && options.replicas <= cluster::kMaxReplicas, "a cluster file's replica count");
  LOYAL_ASSERT(options.clients >= 1 && options.clients <= cluster::kMaxClients, "a cluster file's client count");
  LOYAL_ASSERT(options.batch_max_requests >= 1 && options.batch_max_requests <= cluster::kMaxBatchRequests,
               "a cluster file's batch size");
  client::ClientOptions client_options;
  client_options.cluster_id = kClusterId;
  client_options.mode = options.mode;
  client_options.replica_count = options.replicas;
  client_options.max_faulty = cluster::max_faulty(options.mode, options.replicas);
  client_options.client_count = options.clients;
  client_options.client_auth = options.client_auth;
  for (ClientId c = 0; c < options.clients; ++c) {
    client_options.id = c;
    client_signers_.push_back(make_signer(options.signatures, keys_, NodeId::client(c)));
    clients_.push_back(std::make_unique<client::ClientCore>(client_options, *client_signers_.back(),
                                                            keys_.client_to_replicas(c), keys_.replicas_to_client(c)));
  }
  submissions_by_client_.assign(options.clients, 0);
  for (ReplicaId r = 0; r < options.replicas; ++r) nodes_.push_back(std::make_unique<Node>(*this, r));
}

BenchCluster::~BenchCluster() = default;

Status BenchCluster::start() {
  for (std::uint32_t waited = 0; !agreed_leader(); ++waited) {
    if (waited == kMaxElectionTicks) {
      return Error{std::string(to_string(options_.mode)) + ": no leader after " + std::to_string(waited) + " ticks"};
    }
    tick();
    run_replicas();
  }
  return run_round(nullptr);
}

std::optional<ReplicaId> BenchCluster::agreed_leader() const {
  const std::optional<ReplicaId> leader = nodes_.front()->pipeline->status().leader;
  if (!leader) return std::nullopt;
  for (const auto& node : nodes_) {
    if (node->pipeline->status().leader != leader) return std::nullopt;
  }
  return leader;
}

Status BenchCluster::run_round(ClientPhase* client_phase) {
  const auto in_client_phase = [&](auto&& work) {
    if (client_phase) client_phase->begin();
    const auto result = work();
    if (client_phase) client_phase->end();
    return result;
  };
  in_client_phase([&] {
    submit_requests();
    return true;
  });
  for (std::uint32_t stalled = 0;; ++stalled) {
    run_replicas();
    if (in_client_phase([&] { return deliver_replies(); })) return {};
    if (stalled == kMaxStallTicksPerRound) {
      return Error{std::string(to_string(options_.mode)) + ": a round did not complete within " +
                   std::to_string(stalled) + " ticks"};
    }
    tick();
  }
}

void BenchCluster::submit_requests() {
  client::ClientOutput output;
  for (ClientId c = 0; c < clients_.size(); ++c) {
    client::ClientCore& core = *clients_[c];
    if (core.busy()) continue;
    core.submit(put_operation(c, submissions_by_client_[c]++, options_.value_bytes), now_, output);
  }
  route(output);
}

void BenchCluster::route(client::ClientOutput& output) {
  for (client::ClientSend& send : output.send) {
    if (send.to) {
      network_.push_back(ReplicaPacket{*send.to, std::move(send.frame)});
      continue;
    }
    for (ReplicaId r = 0; r < nodes_.size(); ++r) network_.push_back(ReplicaPacket{r, send.frame});
  }
  requests_completed_ += output.completed.size();
  output = {};
}

void BenchCluster::run_replicas() {
  for (std::uint64_t delivered = 0; !network_.empty(); ++delivered) {
    LOYAL_ASSERT(delivered < kMaxDeliveriesPerRun, "the replicas go quiet between rounds");
    const ReplicaPacket packet = std::move(network_.front());
    network_.pop_front();
    nodes_[packet.to]->pipeline->on_frame(packet.frame);
  }
}

bool BenchCluster::deliver_replies() {
  client::ClientOutput output;
  for (const ClientPacket& packet : replies_) {
    clients_[packet.to]->on_frame(packet.frame, now_, output);
    route(output);
  }
  replies_.clear();
  for (const auto& core : clients_) {
    if (core->busy()) return false;
  }
  return true;
}

void BenchCluster::tick() {
  ++now_;
  ++ticks_;
  for (const auto& node : nodes_) node->pipeline->on_tick();
  client::ClientOutput output;
  for (const auto& core : clients_) {
    core->on_tick(now_, output);
    route(output);
  }
}

void BenchCluster::settle(std::uint32_t ticks) {
  for (std::uint32_t i = 0; i < ticks; ++i) {
    tick();
    run_replicas();
    deliver_replies();
  }
}

const replica::Replica& BenchCluster::replica(ReplicaId id) const {
  LOYAL_ASSERT(id < nodes_.size(), "a member of the cluster");
  return *nodes_[id]->pipeline;
}

ClusterTotals BenchCluster::totals() const {
  ClusterTotals totals{
      .requests_completed = requests_completed_,
      .replica_messages = replica_messages_,
      .replica_message_bytes = replica_message_bytes_,
      .ticks = ticks_,
  };
  for (const auto& node : nodes_) {
    const replica::ReplicaCounters& counters = node->pipeline->counters();
    totals.batches_committed = std::max(totals.batches_committed, counters.batches_executed);
    totals.signatures += node->signer.signatures();
    totals.persisted_bytes += node->journal.appended_bytes();
    for (const auto& [reason, count] : counters.dropped) totals.dropped += count;
  }
  totals.verifications = verifier_.verifications();
  return totals;
}

}  // namespace loyal::bench
