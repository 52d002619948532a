// PaxosCore inside the real shared pipeline (replica::Replica with the key-value store): client
// requests sent to a follower are forwarded to the leader, batches are chosen and executed in
// order everywhere, records reach the journal, checkpoints compact, and a replica that was cut
// off catches up (by state transfer once the others compacted past it).

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "apps/kv/kv_operations.h"
#include "apps/kv/kv_store.h"
#include "net/authentication.h"
#include "net/envelope_codec.h"
#include "paxos/paxos_core.h"
#include "replica/replica.h"
#include "tests/support/test_keys.h"

namespace loyal::paxos {
namespace {

constexpr std::uint64_t kClusterId = 17;
constexpr std::uint32_t kReplicas = 3;
constexpr std::uint32_t kClients = 2;
constexpr std::uint32_t kCheckpointInterval = 8;

struct Frame {
  ReplicaId to;
  Bytes bytes;
};

class QueueOutbox final : public replica::Outbox {
 public:
  void to_replica(ReplicaId replica, ByteView frame) override { frames.push_back({replica, Bytes(frame.begin(), frame.end())}); }
  void to_client(ClientId, ByteView) override { ++replies; }
  std::vector<Frame> frames;
  std::uint64_t replies = 0;
};

// Durable as soon as synced; keeps every record so a test can look at them.
class MemoryJournal final : public replica::Journal {
 public:
  void append(const replica::PersistRecord& record) override { records.push_back(record); }
  std::uint64_t sync() override { return records.empty() ? 0 : records.back().id; }
  void discard_before(std::uint64_t first_kept_id) override { discarded_before = first_kept_id; }
  void save_snapshot(const replica::SavedSnapshot& snapshot) override { saved = snapshot; }
  std::vector<replica::PersistRecord> records;
  std::uint64_t discarded_before = 0;
  std::optional<replica::SavedSnapshot> saved;
};

struct Node {
  // With `recovered`, a restart: the core is rebuilt from the journal's records and the pipeline
  // restores the saved snapshot.
  Node(ReplicaId self, const loyal::testing::TestKeys& keys, const crypto::Verifier& verifier,
       const MemoryJournal* recovered = nullptr)
      : signer(keys.signing_key(NodeId::replica(self))),
        request_auth(kClusterId, ProtocolMode::paxos, self, cluster::ClientAuth::signature, verifier,
                     keys.clients_to_replica(self)) {
    PaxosOptions paxos;
    paxos.self = self;
    paxos.replica_count = kReplicas;
    paxos.leader_timeout_min_ticks = 20;
    paxos.leader_timeout_max_ticks = 40;
    paxos.heartbeat_ticks = 5;
    paxos.prng_seed = 3;
    if (recovered != nullptr) journal = *recovered;
    auto owned_core = std::make_unique<PaxosCore>(paxos, journal.records);
    core = owned_core.get();
    replica::ReplicaOptions options;
    options.self = self;
    options.cluster_id = kClusterId;
    options.mode = ProtocolMode::paxos;
    options.replica_count = kReplicas;
    options.client_count = kClients;
    options.checkpoint_interval = kCheckpointInterval;
    options.batching = replica::BatcherLimits{.max_requests = 2, .max_bytes = 64 * 1024, .linger_ticks = 1,
                                              .max_queued_requests = 64};
    options.state_transfer = replica::StateTransferOptions{.chunk_bytes = 256, .max_snapshot_bytes = 1 << 20, .timeout_ticks = 10};
    replica::ReplicaParts parts;
    parts.protocol = std::move(owned_core);
    parts.application = std::make_unique<kv::KvStore>();
    parts.signer = &signer;
    parts.verifier = &verifier;
    parts.request_authenticator = &request_auth;
    parts.reply_keys_by_client = keys.replica_to_clients(self);
    parts.send_keys_by_replica = keys.replica_to_replicas(self);
    parts.receive_keys_by_replica = keys.replicas_to_replica(self);
    parts.outbox = &outbox;
    parts.journal = &journal;
    if (recovered != nullptr) parts.restored_snapshot = journal.saved;
    replica = std::make_unique<replica::Replica>(options, std::move(parts));
  }

  crypto::Ed25519Signer signer;
  replica::RequestAuthenticator request_auth;
  QueueOutbox outbox;
  MemoryJournal journal;
  PaxosCore* core = nullptr;
  std::unique_ptr<replica::Replica> replica;
};

class PaxosPipeline : public ::testing::Test {
 protected:
  PaxosPipeline() : keys_(kReplicas, kClients, 4), verifier_(keys_.ed25519_verifier()) {
    for (ReplicaId r = 0; r < kReplicas; ++r) nodes_.push_back(std::make_unique<Node>(r, keys_, verifier_));
  }

  Bytes put_frame(ClientId client, std::uint64_t number) const {
    const std::string key = "key-" + std::to_string(client) + "-" + std::to_string(number);
    net::Envelope envelope{{kClusterId, ProtocolMode::paxos, NodeId::client(client), net::MessageKind::client_request},
                           replica::encode_client_request_body(number, kv::encode_put(as_bytes(key), as_bytes("v"))),
                           net::NoAuthenticator{}};
    net::sign_envelope(envelope, crypto::Ed25519Signer(keys_.signing_key(NodeId::client(client))));
    return net::encode_envelope(envelope);
  }

  // One tick everywhere, then every frame delivered (repeatedly) unless `cut_off` is involved.
  void tick(std::optional<ReplicaId> cut_off = std::nullopt) {
    for (auto& node : nodes_) node->replica->on_tick();
    for (bool any = true; any;) {
      any = false;
      for (ReplicaId from = 0; from < kReplicas; ++from) {
        std::vector<Frame> frames = std::move(nodes_[from]->outbox.frames);
        nodes_[from]->outbox.frames.clear();
        for (const Frame& frame : frames) {
          if (cut_off && (from == *cut_off || frame.to == *cut_off)) continue;
          nodes_[frame.to]->replica->on_frame(frame.bytes);
          any = true;
        }
      }
    }
  }

  std::optional<ReplicaId> leader() const {
    for (ReplicaId r = 0; r < kReplicas; ++r) {
      if (nodes_[r]->core->leading()) return r;
    }
    return std::nullopt;
  }

  // Client requests 1..count, each sent to `entry` (a follower forwards it to the leader).
  void run_workload(std::uint64_t first, std::uint64_t count, ReplicaId entry, std::optional<ReplicaId> cut_off) {
    for (std::uint64_t number = first; number < first + count; ++number) {
      nodes_[entry]->replica->on_frame(put_frame(0, number));
      tick(cut_off);
    }
  }

  loyal::testing::TestKeys keys_;
  crypto::Ed25519Verifier verifier_;
  std::vector<std::unique_ptr<Node>> nodes_;
};

TEST_F(PaxosPipeline, ForwardedRequestsExecuteEverywhereInOrder) {
  for (int i = 0; i < 100 && !leader(); ++i) tick();
  ASSERT_TRUE(leader());
  const ReplicaId follower = (*leader() + 1) % kReplicas;
  run_workload(1, 20, follower, std::nullopt);
  for (int i = 0; i < 20; ++i) tick();
  for (ReplicaId r = 0; r < kReplicas; ++r) {
    EXPECT_EQ(nodes_[r]->replica->counters().requests_executed, 20u) << "replica " << r;
    EXPECT_EQ(nodes_[r]->replica->application().digest(), nodes_[*leader()]->replica->application().digest());
    EXPECT_FALSE(nodes_[r]->journal.records.empty());
    EXPECT_GT(nodes_[r]->journal.discarded_before, 0u);  // checkpoints restated and compacted
    EXPECT_EQ(nodes_[r]->replica->counters().dropped.count("decode.malformed"), 0u);
  }
  EXPECT_GT(nodes_[*leader()]->outbox.replies, 0u);
}

// The crash-tolerant modes authenticate replica messages with a MAC per receiver instead of a
// signature (replica_messages_use_macs): what goes out carries one, what comes in is checked with
// the sender's pairwise key, and a tag made with any other key, or a signature, is dropped.
TEST_F(PaxosPipeline, ReplicaMessagesCarryMacsAndForgedOnesAreDropped) {
  for (int i = 0; i < 100 && !leader(); ++i) tick();
  ASSERT_TRUE(leader());
  const ReplicaId from = *leader();
  const ReplicaId to = (from + 1) % kReplicas;
  const ReplicaId third = (from + 2) % kReplicas;
  nodes_[from]->replica->on_frame(put_frame(0, 1));
  ASSERT_FALSE(nodes_[from]->outbox.frames.empty());
  const Frame sent = nodes_[from]->outbox.frames.front();
  const net::DecodeContext context{kClusterId, ProtocolMode::paxos, kReplicas, kClients, {}};
  auto decoded = net::decode_envelope(sent.bytes, context);
  ASSERT_TRUE(std::holds_alternative<net::Envelope>(decoded));
  const net::Envelope genuine = std::get<net::Envelope>(decoded);
  ASSERT_TRUE(std::holds_alternative<net::MacVector>(genuine.authenticator));
  EXPECT_TRUE(std::holds_alternative<std::unique_ptr<const replica::ValidatedMessage>>(
      nodes_[sent.to]->replica->validate(sent.bytes)));

  // The third replica's keys cannot speak for the sender.
  net::Envelope forged = genuine;
  net::attach_mac_vector(forged, keys_.replica_to_replicas(third));
  // A signature, however valid, is not what paxos replicas accept from each other.
  net::Envelope signed_instead = genuine;
  net::sign_envelope(signed_instead, crypto::Ed25519Signer(keys_.signing_key(NodeId::replica(from))));
  for (const net::Envelope& bad : {forged, signed_instead}) {
    const replica::Inbound inbound = nodes_[to]->replica->validate(net::encode_envelope(bad));
    ASSERT_TRUE(std::holds_alternative<std::string_view>(inbound));
    EXPECT_EQ(std::get<std::string_view>(inbound), "bad_replica_mac");
  }
}

TEST_F(PaxosPipeline, CutOffReplicaCatchesUpByStateTransfer) {
  for (int i = 0; i < 100 && !leader(); ++i) tick();
  ASSERT_TRUE(leader());
  const ReplicaId lagging = (*leader() + 1) % kReplicas;
  run_workload(1, 40, *leader(), lagging);
  EXPECT_EQ(nodes_[lagging]->replica->last_executed(), 0u);
  for (int i = 0; i < 100; ++i) tick();
  const replica::Replica& reference = *nodes_[*leader()]->replica;
  EXPECT_EQ(nodes_[lagging]->replica->last_executed(), reference.last_executed());
  EXPECT_EQ(nodes_[lagging]->replica->application().digest(), reference.application().digest());
  EXPECT_GE(nodes_[lagging]->replica->counters().state_transfers_completed, 1u);
}

TEST_F(PaxosPipeline, RestartedReplicaRecoversFromJournalAndSnapshot) {
  for (int i = 0; i < 100 && !leader(); ++i) tick();
  ASSERT_TRUE(leader());
  const ReplicaId restarted = (*leader() + 2) % kReplicas;
  run_workload(1, 20, *leader(), std::nullopt);
  const Ballot promised = nodes_[restarted]->core->promised_ballot();
  const MemoryJournal journal = nodes_[restarted]->journal;
  ASSERT_TRUE(journal.saved);
  nodes_[restarted] = std::make_unique<Node>(restarted, keys_, verifier_, &journal);
  EXPECT_EQ(nodes_[restarted]->core->promised_ballot(), promised);
  EXPECT_EQ(nodes_[restarted]->replica->last_executed(), journal.saved->sequence);
  EXPECT_FALSE(nodes_[restarted]->core->leading());
  run_workload(21, 10, *leader(), std::nullopt);
  for (int i = 0; i < 30; ++i) tick();
  const replica::Replica& reference = *nodes_[*leader()]->replica;
  EXPECT_EQ(reference.counters().requests_executed, 30u);
  EXPECT_EQ(nodes_[restarted]->replica->last_executed(), reference.last_executed());
  EXPECT_EQ(nodes_[restarted]->replica->application().digest(), reference.application().digest());
}

}  // namespace
}  // namespace loyal::paxos
