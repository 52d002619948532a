// State transfer in the shared pipeline: real Replicas running the real key-value store, wired
// through recording outboxes, around a scripted protocol that asks for state when told to.

#include "replica/state_transfer.h"

#include <gtest/gtest.h>

#include "tests/unit/replica/pipeline_doubles.h"

#include <functional>

#include "apps/kv/kv_store.h"
#include "net/authentication.h"
#include "replica/replica.h"
#include "tests/support/test_keys.h"

namespace loyal::replica {
namespace {

constexpr std::uint64_t kClusterId = 91;
constexpr std::uint32_t kReplicas = 4;  // replica 3 exists in the cluster but never answers
constexpr std::uint32_t kRunning = 3;
constexpr std::uint32_t kClients = 3;
constexpr std::uint32_t kCheckpointInterval = 4;
constexpr std::size_t kChunkBytes = 64;
constexpr Tick kTimeoutTicks = 5;

// Commits each proposal at once at the next sequence number (every replica leads its own
// instance); emits a fetch_state or a stable checkpoint on the next tick when a test sets one.
class ScriptedProtocol final : public Protocol {
 public:
  explicit ScriptedProtocol(ReplicaId self) : self_(self) {}
  ProtocolMode mode() const override { return ProtocolMode::pbft; }
  Validation validate(const net::Envelope&, ByteView) const override { return std::string_view("test.no_messages"); }
  void on_message(const ValidatedMessage&, Actions&) override {}
  bool can_propose() const override { return true; }
  void propose(Bytes batch, const crypto::Digest& digest, Actions& out) override {
    out.committed.push_back(CommittedBatch{++last_committed_, std::move(batch), digest});
  }
  void on_tick(Actions& out) override {
    if (next_fetch) out.fetch_state = std::exchange(next_fetch, std::nullopt);
    if (next_stable) out.stable_checkpoint = std::exchange(next_stable, std::nullopt);
  }
  void on_persisted(std::uint64_t, Actions&) override {}
  void on_checkpoint_taken(Sequence, const crypto::Digest&, Actions&) override {}
  void on_state_installed(Sequence sequence, const crypto::Digest& digest, Actions& out) override {
    installed.emplace_back(sequence, digest);
    last_committed_ = sequence;
    for (Bytes& batch : commit_after_install) {
      const crypto::Digest batch_digest = crypto::sha256(batch);
      out.committed.push_back(CommittedBatch{++last_committed_, std::move(batch), batch_digest});
    }
    commit_after_install.clear();
  }
  ProtocolStatus status() const override { return {0, self_, last_committed_, 0}; }

  std::optional<StateFetch> next_fetch;
  std::optional<StableCheckpoint> next_stable;
  std::vector<Bytes> commit_after_install;
  std::vector<std::pair<Sequence, crypto::Digest>> installed;

 private:
  ReplicaId self_;
  Sequence last_committed_ = 0;
};

// A chunk as a source sends it: at offset 0 with a digest per piece of `total` (placeholders
// here: what the fetcher checks them against is the point of other tests).
StateChunk chunk_of(Sequence sequence, const crypto::Digest& digest, std::uint64_t total, std::uint64_t offset,
                    Bytes data) {
  std::vector<crypto::Digest> pieces(offset == 0 ? state_piece_count(total) : 0);
  return StateChunk{sequence, digest, total, offset, std::move(data), std::move(pieces)};
}

using testing_doubles::NoJournal;
using testing_doubles::RecordingOutbox;
using testing_doubles::Sent;

// A Byzantine source: serves the right snapshot's chunks with one byte of each flipped.
class LyingSource final : public ByzantinePolicy {
 public:
  std::string_view name() const override { return "lying_state_source"; }
  void rewrite(const Outgoing& message, Tick, std::vector<ByzantineSend>& out) override {
    Outgoing rewritten = message;
    if (message.kind == net::MessageKind::state_chunk) {
      StateChunk chunk = std::get<StateChunk>(decode_state_chunk(message.body, {}));
      chunk.data[0] ^= 0x5a;
      rewritten.body = encode_state_chunk(chunk);
    }
    out.push_back({std::move(rewritten), false});
  }
  void on_tick(Tick, std::vector<ByzantineSend>&) override {}
};

struct Node {
  Node(ReplicaId self, const testing::TestKeys& keys, const crypto::Verifier& verifier,
       std::unique_ptr<ByzantinePolicy> byzantine, StateTransferOptions state_transfer)
      : signer(keys.signing_key(NodeId::replica(self))),
        request_auth(kClusterId, ProtocolMode::pbft, self, cluster::ClientAuth::signature, verifier,
                     keys.clients_to_replica(self)) {
    auto scripted = std::make_unique<ScriptedProtocol>(self);
    protocol = scripted.get();
    auto store = std::make_unique<kv::KvStore>();
    kv = store.get();
    ReplicaOptions options;
    options.self = self;
    options.cluster_id = kClusterId;
    options.replica_count = kReplicas;
    options.client_count = kClients;
    options.checkpoint_interval = kCheckpointInterval;
    options.max_request_bytes = 2 << 20;
    options.batching = BatcherLimits{.max_requests = 1, .max_bytes = 4 << 20, .linger_ticks = 1, .max_queued_requests = 8};
    options.state_transfer = state_transfer;
    replica = std::make_unique<Replica>(
        options, ReplicaParts{std::move(scripted), std::move(store), &signer, &verifier, &request_auth,
                              keys.replica_to_clients(self), &outbox, &journal, nullptr, std::move(byzantine), std::nullopt, {}, {}});
  }

  crypto::Ed25519Signer signer;
  RequestAuthenticator request_auth;
  RecordingOutbox outbox;
  NoJournal journal;
  ScriptedProtocol* protocol = nullptr;
  kv::KvStore* kv = nullptr;
  std::unique_ptr<Replica> replica;
};

class StateTransferTest : public ::testing::Test {
 protected:
  StateTransferTest() : keys_(kReplicas, kClients, 5), verifier_(keys_.ed25519_verifier()) {}

  // Replicas 0..kRunning-1; `liar`, if set, serves corrupted chunks.
  void start(std::optional<ReplicaId> liar = std::nullopt,
             StateTransferOptions state_transfer = {
                 .chunk_bytes = kChunkBytes, .max_snapshot_bytes = 1 << 20, .timeout_ticks = kTimeoutTicks}) {
    for (ReplicaId r = 0; r < kRunning; ++r) {
      std::unique_ptr<ByzantinePolicy> policy;
      if (liar == r) policy = std::make_unique<LyingSource>();
      nodes_.push_back(std::make_unique<Node>(r, keys_, verifier_, std::move(policy), state_transfer));
    }
  }

  Replica& replica(ReplicaId r) { return *nodes_[r]->replica; }

  Bytes request_frame(ClientId client, std::uint64_t number, ByteView operation) const {
    net::Envelope envelope{{kClusterId, ProtocolMode::pbft, NodeId::client(client), net::MessageKind::client_request},
                           encode_client_request_body(number, operation),
                           net::NoAuthenticator{}};
    net::sign_envelope(envelope, crypto::Ed25519Signer(keys_.signing_key(NodeId::client(client))));
    return net::encode_envelope(envelope);
  }

  Bytes put_frame(ClientId client, std::uint64_t number) const {
    const std::string key = "key-" + std::to_string(client) + "-" + std::to_string(number);
    return request_frame(client, number, kv::encode_put(as_bytes(key), as_bytes(std::string(40, 'v'))));
  }

  // The first `count` requests of a fixed workload, executed by each of `replicas` (each leads its
  // own instance, so they all reach the same state and checkpoint snapshots).
  void execute_workload(std::uint64_t count, const std::vector<ReplicaId>& replicas) {
    for (std::uint64_t i = 1; i <= count; ++i) {
      for (ReplicaId r : replicas) {
        replica(r).on_frame(put_frame(static_cast<ClientId>(i % kClients), i));
        replica(r).on_tick();
      }
    }
    clear_outboxes();
  }

  void clear_outboxes() {
    for (auto& node : nodes_) node->outbox.sent.clear();
  }

  // A frame from replica `from`, signed by replica `signer` (a forgery unless they are the same).
  Bytes signed_frame(ReplicaId from, net::MessageKind kind, Bytes body, std::optional<ReplicaId> signer = {}) const {
    net::Envelope envelope{{kClusterId, ProtocolMode::pbft, NodeId::replica(from), kind}, std::move(body),
                           net::NoAuthenticator{}};
    net::sign_envelope(envelope, nodes_[signer.value_or(from)]->signer);
    return net::encode_envelope(envelope);
  }

  using Link = std::function<bool(ReplicaId from, ReplicaId to)>;

  // Delivers replica-to-replica frames until none is left; frames to replica 3 (not running) and
  // over links `up` refuses are lost. Returns how many were delivered.
  int pump(const Link& up = [](ReplicaId, ReplicaId) { return true; }) {
    int delivered = 0;
    for (bool any = true; any;) {
      any = false;
      for (ReplicaId from = 0; from < nodes_.size(); ++from) {
        std::vector<Sent> sent = std::move(nodes_[from]->outbox.sent);
        nodes_[from]->outbox.sent.clear();
        for (const Sent& message : sent) {
          if (message.to.role != NodeRole::replica || message.to.index >= nodes_.size()) continue;
          if (!up(from, message.to.index)) continue;
          replica(message.to.index).on_frame(message.frame);
          ++delivered;
          any = true;
        }
      }
    }
    return delivered;
  }

  // Ticks every running replica once, then pumps.
  void tick_and_pump(const Link& up = [](ReplicaId, ReplicaId) { return true; }) {
    for (auto& node : nodes_) node->replica->on_tick();
    pump(up);
  }

  StateFetch fetch_of(ReplicaId holder, Sequence sequence, std::vector<ReplicaId> sources) {
    const SnapshotStore::Entry* entry = replica(holder).snapshots().find(sequence);
    EXPECT_NE(entry, nullptr);
    return StateFetch{sequence, entry->digest, std::move(sources)};
  }

  // Makes `fetcher`'s protocol ask for `fetch` on its next tick.
  void ask(ReplicaId fetcher, StateFetch fetch) { nodes_[fetcher]->protocol->next_fetch = std::move(fetch); }

  std::uint64_t dropped(ReplicaId r, std::string_view reason) {
    const auto& drops = replica(r).counters().dropped;
    const auto it = drops.find(reason);
    return it == drops.end() ? 0 : it->second;
  }

  void expect_same_state(ReplicaId a, ReplicaId b) {
    EXPECT_EQ(nodes_[a]->kv->digest(), nodes_[b]->kv->digest());
    EXPECT_EQ(replica(a).client_table().entries(), replica(b).client_table().entries());
    EXPECT_EQ(replica(a).last_executed(), replica(b).last_executed());
  }

  testing::TestKeys keys_;
  crypto::Ed25519Verifier verifier_;
  std::vector<std::unique_ptr<Node>> nodes_;
};

TEST_F(StateTransferTest, FetchesAMultiChunkSnapshotAndEndsWithTheSourcesState) {
  start();
  execute_workload(8, {0, 1});
  const StateFetch fetch = fetch_of(0, 8, {0, 1});
  const std::size_t snapshot_bytes = replica(0).snapshots().find(8)->bytes.size();
  const std::size_t chunks = (snapshot_bytes + kChunkBytes - 1) / kChunkBytes;
  ASSERT_GE(chunks, 5u) << "the test is about a snapshot that takes many chunks";

  ask(2, fetch);
  replica(2).on_tick();
  pump();

  EXPECT_FALSE(replica(2).fetching_state());
  expect_same_state(2, 0);
  EXPECT_EQ(replica(2).last_executed(), 8u);
  EXPECT_EQ(nodes_[2]->protocol->installed, (std::vector<std::pair<Sequence, crypto::Digest>>{{8, fetch.state_digest}}));
  EXPECT_EQ(replica(2).counters().state_transfers_started, 1u);
  EXPECT_EQ(replica(2).counters().state_transfers_completed, 1u);
  EXPECT_EQ(replica(2).counters().bad_snapshots, 0u);
  EXPECT_EQ(replica(0).counters().state_chunks_served, chunks) << "one chunk per request, from the first source";
  EXPECT_EQ(replica(1).counters().state_chunks_served, 0u);
  ASSERT_NE(replica(2).snapshots().find(8), nullptr) << "the installed snapshot can be served on";
  EXPECT_EQ(replica(2).snapshots().find(8)->digest, fetch.state_digest);

  // Execution continues right above the snapshot, in step with the source.
  replica(0).on_frame(put_frame(0, 9));
  replica(0).on_tick();
  replica(2).on_frame(put_frame(0, 9));
  replica(2).on_tick();
  expect_same_state(2, 0);
}

TEST_F(StateTransferTest, ASnapshotLargerThanAFrameTravelsInChunksOfTheNamedSize) {
  start(std::nullopt, {.chunk_bytes = kDefaultStateChunkBytes, .max_snapshot_bytes = 8 << 20, .timeout_ticks = 5});
  for (std::uint64_t i = 1; i <= kCheckpointInterval; ++i) {
    const std::string key = "big-" + std::to_string(i);
    replica(0).on_frame(request_frame(static_cast<ClientId>(i % kClients), i,
                                      kv::encode_put(as_bytes(key), Bytes(kv::kMaxValueBytes, std::uint8_t(i)))));
  }
  const std::size_t snapshot_bytes = replica(0).snapshots().find(kCheckpointInterval)->bytes.size();
  ASSERT_GT(snapshot_bytes, net::kMaxFrameBytes);
  clear_outboxes();
  ask(2, fetch_of(0, kCheckpointInterval, {0}));
  replica(2).on_tick();
  pump();
  EXPECT_EQ(replica(0).counters().state_chunks_served, (snapshot_bytes + kDefaultStateChunkBytes - 1) / kDefaultStateChunkBytes);
  EXPECT_EQ(replica(2).counters().state_transfers_completed, 1u);
  expect_same_state(2, 0);
}

TEST_F(StateTransferTest, ASnapshotAboveTheConfiguredMaximumIsRefused) {
  start(std::nullopt, {.chunk_bytes = kChunkBytes, .max_snapshot_bytes = 256, .timeout_ticks = 5});
  execute_workload(4, {0});
  ASSERT_GT(replica(0).snapshots().find(4)->bytes.size(), 256u);
  ask(2, fetch_of(0, 4, {0}));
  replica(2).on_tick();
  pump();
  EXPECT_EQ(dropped(2, "state_chunk_snapshot_too_large"), 1u);
  for (Tick t = 0; t < kTimeoutTicks; ++t) tick_and_pump();
  EXPECT_EQ(dropped(2, "state_chunk_snapshot_too_large"), 2u) << "one more round per timeout, no tight loop";
  EXPECT_EQ(replica(2).counters().state_transfers_completed, 0u);
  EXPECT_EQ(replica(2).last_executed(), 0u);
}

TEST_F(StateTransferTest, ALyingSourceIsDetectedByTheDigestsAndTheNextSourceServes) {
  start(/*liar=*/0);
  execute_workload(8, {0, 1});
  ASSERT_EQ(replica(0).snapshots().find(8)->digest, replica(1).snapshots().find(8)->digest);
  ask(2, fetch_of(1, 8, {0, 1}));
  replica(2).on_tick();
  pump();

  EXPECT_EQ(replica(2).counters().bad_snapshots, 1u);
  EXPECT_EQ(dropped(2, "state_snapshot_piece_mismatch"), 1u);
  EXPECT_GT(replica(0).counters().state_chunks_served, 0u);
  EXPECT_GT(replica(1).counters().state_chunks_served, 0u);
  EXPECT_EQ(replica(2).counters().state_transfers_completed, 1u);
  expect_same_state(2, 1);
}

TEST_F(StateTransferTest, ASilentSourceTimesOutAndTheNextIsAsked) {
  start();
  execute_workload(4, {0, 1});
  // Replica 3 is in the cluster but never answers; replica 0 is cut off from replica 2.
  const Link cut = [](ReplicaId from, ReplicaId to) { return !(from == 2 && to == 0); };
  ask(2, fetch_of(1, 4, {3, 0, 1}));
  replica(2).on_tick();
  pump(cut);
  for (Tick t = 0; t + 1 < kTimeoutTicks; ++t) tick_and_pump(cut);
  EXPECT_TRUE(replica(2).fetching_state());
  EXPECT_EQ(replica(2).counters().state_transfer_timeouts, 0u);
  for (Tick t = 0; t < 2 * kTimeoutTicks; ++t) tick_and_pump(cut);

  EXPECT_EQ(replica(2).counters().state_transfer_timeouts, 2u) << "3, then 0, did not answer";
  EXPECT_EQ(replica(2).counters().state_transfers_completed, 1u);
  EXPECT_EQ(replica(0).counters().state_chunks_served, 0u);
  expect_same_state(2, 1);
}

TEST_F(StateTransferTest, RequestsForUnknownSnapshotsOrOffsetsAreIgnored) {
  start();
  execute_workload(4, {0});
  const crypto::Digest digest = replica(0).snapshots().find(4)->digest;
  const std::size_t size = replica(0).snapshots().find(4)->bytes.size();
  replica(0).on_frame(signed_frame(1, net::MessageKind::state_request, encode_state_request({8, digest, 0})));
  replica(0).on_frame(signed_frame(1, net::MessageKind::state_request,
                                   encode_state_request({4, crypto::sha256(as_bytes("other")), 0})));
  replica(0).on_frame(signed_frame(1, net::MessageKind::state_request, encode_state_request({4, digest, size})));
  EXPECT_TRUE(nodes_[0]->outbox.sent.empty());
  EXPECT_EQ(dropped(0, "state_request_unknown_snapshot"), 2u);
  EXPECT_EQ(dropped(0, "state_request_offset_out_of_range"), 1u);
  EXPECT_EQ(replica(0).counters().state_chunks_served, 0u);

  // The same replica serves one chunk, no more, for a request it can answer.
  replica(0).on_frame(signed_frame(1, net::MessageKind::state_request, encode_state_request({4, digest, 10})));
  ASSERT_EQ(nodes_[0]->outbox.sent.size(), 1u);
  EXPECT_EQ(replica(0).counters().state_chunks_served, 1u);
}

// Issue 12, item 7: each small request was answered with a chunk, unthrottled, so a peer asking in
// a loop got a chunk per request. Now a peer reading in order is served at once, and any other
// request starts a new reading at most once per timeout: a loop costs one chunk, not one per request.
TEST_F(StateTransferTest, ARequestLoopGetsOneChunkPerTimeoutNotOnePerRequest) {
  start();
  execute_workload(4, {0});
  const crypto::Digest digest = replica(0).snapshots().find(4)->digest;
  const auto ask_at = [&](std::uint64_t offset) {
    replica(0).on_frame(signed_frame(1, net::MessageKind::state_request, encode_state_request({4, digest, offset})));
  };
  for (int i = 0; i < 10; ++i) ask_at(0);
  EXPECT_EQ(replica(0).counters().state_chunks_served, 1u);
  EXPECT_EQ(dropped(0, "state_request_too_soon"), 9u);
  for (Tick t = 0; t < kTimeoutTicks; ++t) replica(0).on_tick();
  ask_at(0);
  EXPECT_EQ(replica(0).counters().state_chunks_served, 2u) << "a fetch that starts over is served again after a timeout";
}

TEST_F(StateTransferTest, ExactlyOnceSurvivesStateTransfer) {
  start();
  execute_workload(4, {0});
  // Request 4 of client 1 executed at sequence 4, into the snapshot at 4.
  ASSERT_EQ(replica(0).client_table().find(1)->last_request_number, 4u);
  const Bytes old_request = put_frame(1, 4);
  // After installing, the core hands replica 2 a batch holding the old request again.
  Inbound admitted = replica(2).validate(old_request);
  ASSERT_TRUE(std::holds_alternative<AdmittedRequest>(admitted));
  nodes_[2]->protocol->commit_after_install.push_back(
      encode_batch(Batch{{std::get<AdmittedRequest>(admitted).request}}));
  ask(2, fetch_of(0, 4, {0}));
  replica(2).on_tick();
  pump();

  ASSERT_EQ(replica(2).counters().state_transfers_completed, 1u);
  EXPECT_EQ(replica(2).last_executed(), 5u) << "the batch after the snapshot executed";
  EXPECT_EQ(replica(2).counters().requests_executed, 0u) << "its request had executed before the snapshot";
  EXPECT_EQ(replica(2).counters().duplicate_requests, 1u);
  EXPECT_EQ(nodes_[2]->kv->digest(), nodes_[0]->kv->digest());

  // A retransmission of the old request is answered from the installed reply cache.
  nodes_[2]->outbox.sent.clear();
  replica(2).on_frame(old_request);
  EXPECT_EQ(replica(2).counters().requests_executed, 0u);
  EXPECT_EQ(replica(2).counters().duplicate_requests, 2u);
  ASSERT_EQ(nodes_[2]->outbox.sent.size(), 1u);
  EXPECT_EQ(nodes_[2]->outbox.sent[0].to, NodeId::client(1));
}

TEST_F(StateTransferTest, GarbageAndMismatchedChunksAreDroppedWithReasons) {
  start();
  execute_workload(4, {0});
  const StateFetch fetch = fetch_of(0, 4, {0});
  const crypto::Digest digest = fetch.state_digest;

  replica(2).on_frame(signed_frame(0, net::MessageKind::state_chunk, to_bytes("not capnp, 16 b!")));
  replica(2).on_frame(signed_frame(0, net::MessageKind::state_chunk, encode_state_chunk(chunk_of(4, digest, 100, 0, {}))));
  replica(2).on_frame(signed_frame(0, net::MessageKind::state_chunk, encode_state_chunk(chunk_of(4, digest, 10, 8, Bytes(4)))));
  EXPECT_EQ(dropped(2, "malformed_state_chunk"), 3u) << "undecodable, empty, beyond its total";
  replica(2).on_frame(signed_frame(0, net::MessageKind::state_chunk, encode_state_chunk(chunk_of(4, digest, 100, 0, Bytes(8)))));
  EXPECT_EQ(dropped(2, "state_chunk_unexpected"), 1u) << "no fetch in progress";

  ask(2, fetch);
  replica(2).on_tick();
  nodes_[2]->outbox.sent.clear();  // the request to replica 0 is lost
  replica(2).on_frame(signed_frame(1, net::MessageKind::state_chunk, encode_state_chunk(chunk_of(4, digest, 100, 0, Bytes(8)))));
  EXPECT_EQ(dropped(2, "state_chunk_not_from_source"), 1u);
  replica(2).on_frame(signed_frame(0, net::MessageKind::state_chunk, encode_state_chunk(chunk_of(8, digest, 100, 0, Bytes(8)))));
  EXPECT_EQ(dropped(2, "state_chunk_for_other_snapshot"), 1u);
  replica(2).on_frame(signed_frame(0, net::MessageKind::state_chunk, encode_state_chunk(chunk_of(4, digest, 100, 50, Bytes(8)))));
  EXPECT_EQ(dropped(2, "state_chunk_out_of_order"), 1u);
  replica(2).on_frame(signed_frame(0, net::MessageKind::state_chunk, encode_state_chunk(chunk_of(4, digest, 100, 0, Bytes(8))),
                                   /*signer=*/1));
  EXPECT_EQ(dropped(2, "bad_replica_signature"), 1u);
  replica(2).on_frame(signed_frame(0, net::MessageKind::state_chunk, encode_state_chunk(chunk_of(4, digest, 2 << 20, 0, Bytes(8)))));
  EXPECT_EQ(dropped(2, "state_chunk_snapshot_too_large"), 1u) << "beyond max_snapshot_bytes";
  EXPECT_TRUE(replica(2).fetching_state());
  EXPECT_EQ(replica(2).last_executed(), 0u);
  EXPECT_TRUE(nodes_[2]->outbox.sent.empty()) << "its only source failed: the next round waits for the timeout";

  // The real source still completes the fetch.
  for (Tick t = 0; t < kTimeoutTicks; ++t) tick_and_pump();
  EXPECT_EQ(replica(2).counters().state_transfers_completed, 1u);
  expect_same_state(2, 0);
}

TEST_F(StateTransferTest, ANewerFetchReplacesAnOlderOneButNotTheOtherWayRound) {
  start();
  execute_workload(8, {0});
  const StateFetch at4 = fetch_of(0, 4, {0});
  const StateFetch at8 = fetch_of(0, 8, {0});
  ask(2, at4);
  replica(2).on_tick();
  clear_outboxes();  // the request for 4 is lost
  ask(2, at8);
  replica(2).on_tick();
  ask(2, at4);
  replica(2).on_tick();
  EXPECT_EQ(dropped(2, "state_fetch_not_newer"), 1u);
  EXPECT_EQ(replica(2).counters().state_transfers_started, 2u);
  pump();
  EXPECT_EQ(replica(2).last_executed(), 8u);
  EXPECT_EQ(nodes_[2]->protocol->installed, (std::vector<std::pair<Sequence, crypto::Digest>>{{8, at8.state_digest}}));
  EXPECT_EQ(replica(2).counters().state_transfers_completed, 1u);
  expect_same_state(2, 0);
}

TEST_F(StateTransferTest, AFetchReachedByExecutionOrOvertakenByAStableCheckpointIsDropped) {
  start();
  execute_workload(4, {0});
  // Replica 1 asks for 4 (the request is lost), then executes up to 4 by itself.
  ask(1, fetch_of(0, 4, {0}));
  replica(1).on_tick();
  clear_outboxes();
  execute_workload(4, {1});
  EXPECT_FALSE(replica(1).fetching_state());
  EXPECT_EQ(dropped(1, "state_fetch_reached_by_execution"), 1u) << "its own checkpoint at 4 has the digest";

  // Replica 2 asks for a state at 4 nobody has (its source ignores the request), executes to 4
  // with another digest, and then the protocol reports 4 stable: installing would go backwards.
  ask(2, StateFetch{4, crypto::sha256(as_bytes("unknown")), {0}});
  replica(2).on_tick();
  pump();
  EXPECT_EQ(dropped(0, "state_request_unknown_snapshot"), 1u);
  execute_workload(4, {2});
  EXPECT_TRUE(replica(2).fetching_state());
  nodes_[2]->protocol->next_stable = StableCheckpoint{4, replica(2).snapshots().find(4)->digest, {}};
  replica(2).on_tick();
  EXPECT_FALSE(replica(2).fetching_state());
  EXPECT_EQ(dropped(2, "state_fetch_overtaken_by_stable_checkpoint"), 1u);
  EXPECT_EQ(replica(1).counters().state_transfers_completed + replica(2).counters().state_transfers_completed, 0u);
}

TEST_F(StateTransferTest, ASnapshotThatMatchesItsDigestButCannotBeInstalledCountsAsBad) {
  start();
  // Snapshots a quorum could vouch for that this replica must still refuse: the application cannot
  // restore it, it names another sequence, a client outside the cluster, or is no snapshot at all.
  ClientTable stranger;
  stranger.record(kClients, 1, crypto::sha256(as_bytes("op")), to_bytes("r"));
  struct Refused {
    Sequence fetched;
    Bytes snapshot;
    std::string_view reason;
  };
  const std::vector<Refused> refused{
      {4, encode_snapshot(4, to_bytes("not a kv snapshot"), ClientTable()), "state_snapshot_not_restorable"},
      {8, encode_snapshot(5, nodes_[0]->kv->snapshot(), ClientTable()), "state_snapshot_wrong_sequence"},
      {12, encode_snapshot(12, nodes_[0]->kv->snapshot(), stranger), "state_snapshot_unknown_client"},
      {16, to_bytes("sixteen bytes!!!"), "state_snapshot_malformed"},
  };
  for (const Refused& bad : refused) {
    const StateDigest state = digest_state(bad.snapshot);
    const crypto::Digest& digest = state.digest;
    ask(2, StateFetch{bad.fetched, digest, {0, 1}});
    replica(2).on_tick();
    nodes_[2]->outbox.sent.clear();
    replica(2).on_frame(signed_frame(0, net::MessageKind::state_chunk,
                                     encode_state_chunk({bad.fetched, digest, bad.snapshot.size(), 0, bad.snapshot,
                                                         state.pieces})));
    EXPECT_EQ(dropped(2, bad.reason), 1u) << bad.reason;
    ASSERT_EQ(nodes_[2]->outbox.sent.size(), 1u);
    EXPECT_EQ(nodes_[2]->outbox.sent[0].to, NodeId::replica(1)) << "the next source is asked";
    EXPECT_EQ(std::get<StateRequest>(decode_state_request(
                  std::get<net::Envelope>(net::decode_envelope(
                                              nodes_[2]->outbox.sent[0].frame,
                                              {kClusterId, ProtocolMode::pbft, kReplicas, kClients, {}}))
                      .body,
                  {}))
                  .offset,
              0u)
        << "from byte 0";
  }
  EXPECT_EQ(replica(2).counters().bad_snapshots, refused.size());
  EXPECT_EQ(replica(2).counters().state_transfers_completed, 0u);
  EXPECT_EQ(replica(2).last_executed(), 0u);
  EXPECT_EQ(nodes_[2]->kv->digest(), kv::KvStore().digest()) << "the state is unchanged";
}

// ---- the pieces on their own ----------------------------------------------------------------

TEST(StateTransferMessages, RoundTripAndRangeChecks) {
  const StateRequest request{7, crypto::sha256(as_bytes("s")), 1234};
  EXPECT_EQ(std::get<StateRequest>(decode_state_request(encode_state_request(request), {})), request);
  const StateChunk chunk{7, crypto::sha256(as_bytes("s")), 10, 4, to_bytes("abcdef"), {}};
  EXPECT_EQ(std::get<StateChunk>(decode_state_chunk(encode_state_chunk(chunk), {})), chunk);
  const StateChunk first = chunk_of(7, crypto::sha256(as_bytes("s")), 3 << 20, 0, to_bytes("abcdef"));
  EXPECT_EQ(first.piece_digests.size(), 3u);
  EXPECT_EQ(std::get<StateChunk>(decode_state_chunk(encode_state_chunk(first), {})), first);
  StateChunk missing_piece = first;
  missing_piece.piece_digests.pop_back();
  EXPECT_TRUE(std::holds_alternative<net::DecodeError>(decode_state_chunk(encode_state_chunk(missing_piece), {})))
      << "one digest per piece, exactly";
  StateChunk later_with_pieces = chunk;
  later_with_pieces.piece_digests.push_back(crypto::sha256(as_bytes("p")));
  EXPECT_TRUE(std::holds_alternative<net::DecodeError>(decode_state_chunk(encode_state_chunk(later_with_pieces), {})))
      << "the piece digests ride only with the first chunk";
  const StateChunk overflowing{7, crypto::sha256(as_bytes("s")), 10, ~std::uint64_t{0} - 2, to_bytes("abcdef"), {}};
  EXPECT_TRUE(std::holds_alternative<net::DecodeError>(decode_state_chunk(encode_state_chunk(overflowing), {})));
}

TEST(StateTransferMessages, ServingIsOneBoundedChunk) {
  const Bytes snapshot(100, 0x11);
  const StateDigest state = digest_state(snapshot);
  const StateRequest request{3, state.digest, 90};
  const std::optional<StateChunk> chunk = serve_state_chunk(request, snapshot, state.pieces, 32);
  ASSERT_TRUE(chunk);
  EXPECT_EQ(chunk->offset, 90u);
  EXPECT_EQ(chunk->total_bytes, 100u);
  EXPECT_EQ(chunk->data.size(), 10u);
  EXPECT_TRUE(chunk->piece_digests.empty());
  const std::optional<StateChunk> first = serve_state_chunk({3, request.state_digest, 0}, snapshot, state.pieces, 32);
  EXPECT_EQ(first->data.size(), 32u);
  EXPECT_EQ(first->piece_digests, state.pieces);
  EXPECT_FALSE(serve_state_chunk({3, request.state_digest, 100}, snapshot, state.pieces, 32));
}

TEST(StateFetcherTest, NeverAsksItselfAndRotatesSources) {
  StateFetcher fetcher(1, StateTransferOptions{.chunk_bytes = 4, .max_snapshot_bytes = 64, .timeout_ticks = 2});
  std::vector<Outgoing> out;
  EXPECT_EQ(fetcher.start(StateFetch{4, {}, {1}}, out), std::optional<std::string_view>("state_fetch_without_sources"));
  EXPECT_FALSE(fetcher.active());
  ASSERT_FALSE(fetcher.start(StateFetch{4, {}, {1, 2, 3}}, out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].to, 2u);
  EXPECT_EQ(out[0].kind, net::MessageKind::state_request);
  out.clear();
  EXPECT_FALSE(fetcher.on_tick(out));
  EXPECT_TRUE(fetcher.on_tick(out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].to, 3u);
  EXPECT_TRUE(fetcher.on_tick(out) || fetcher.on_tick(out));
  EXPECT_EQ(out.back().to, 2u) << "round and round";
}

// Issue 12, item 7: the fetch checked the digest only once the whole snapshot had arrived, so a
// lying source made a replica download up to max_snapshot_bytes first. Now each 1 MiB piece is
// checked as soon as it is whole: a source that alters the first byte of a 3 MiB snapshot is
// replaced after 1 MiB, and one that sends wrong piece digests after its first chunk.
TEST(StateFetcherTest, ALyingSourceIsReplacedAfterOnePieceNotTheWholeSnapshot) {
  Bytes snapshot(3 * kStatePieceBytes);
  for (std::size_t i = 0; i < snapshot.size(); ++i) snapshot[i] = static_cast<std::uint8_t>(i * 7 + i / 4096);
  const StateDigest state = digest_state(snapshot);
  constexpr std::size_t kChunk = 256 * 1024;
  StateFetcher fetcher(0, StateTransferOptions{.chunk_bytes = kChunk, .max_snapshot_bytes = 4 * kStatePieceBytes,
                                               .timeout_ticks = 5});
  std::vector<Outgoing> out;
  ASSERT_FALSE(fetcher.start(StateFetch{4, state.digest, {1, 2, 3}}, out));
  const auto chunk_at = [&](std::uint64_t offset) {
    return *serve_state_chunk({4, state.digest, offset}, snapshot, state.pieces, kChunk);
  };

  // Source 1 alters a byte of the first chunk.
  std::uint64_t offset = 0;
  StateFetcher::Outcome outcome;
  std::size_t chunks_taken = 0;
  do {
    StateChunk chunk = chunk_at(offset);
    if (offset == 0) chunk.data[0] ^= 0x01;
    outcome = fetcher.on_chunk({1, chunk}, out);
    offset += kChunk;
    ++chunks_taken;
  } while (outcome.progress == StateFetcher::Progress::requested_more);
  EXPECT_EQ(outcome.progress, StateFetcher::Progress::bad_snapshot);
  EXPECT_EQ(outcome.reason, "state_snapshot_piece_mismatch");
  EXPECT_EQ(chunks_taken * kChunk, kStatePieceBytes) << "one piece, not 3 MiB";

  // Source 2 sends piece digests that do not make the certified digest.
  StateChunk lying = chunk_at(0);
  lying.piece_digests[2].bytes[0] ^= 0x01;
  outcome = fetcher.on_chunk({2, lying}, out);
  EXPECT_EQ(outcome.progress, StateFetcher::Progress::source_failed);
  EXPECT_EQ(outcome.reason, "state_chunk_bad_piece_digests");

  // Source 3 is honest.
  for (offset = 0; offset < snapshot.size(); offset += kChunk) outcome = fetcher.on_chunk({3, chunk_at(offset)}, out);
  EXPECT_EQ(outcome.progress, StateFetcher::Progress::complete);
  EXPECT_EQ(fetcher.state_digest().pieces, state.pieces);
  EXPECT_EQ(fetcher.take_snapshot(), snapshot);
}

TEST(StateFetcherTest, ResumesAtTheSameOffsetWithTheNextSourceAfterATimeout) {
  const Bytes snapshot = to_bytes("0123456789");
  const StateDigest state = digest_state(snapshot);
  const crypto::Digest digest = state.digest;
  StateFetcher fetcher(0, StateTransferOptions{.chunk_bytes = 4, .max_snapshot_bytes = 64, .timeout_ticks = 1});
  std::vector<Outgoing> out;
  ASSERT_FALSE(fetcher.start(StateFetch{4, digest, {1, 2}}, out));
  const auto chunk_at = [&](std::uint64_t offset) {
    return *serve_state_chunk({4, digest, offset}, snapshot, state.pieces, 4);
  };
  EXPECT_EQ(fetcher.on_chunk({1, chunk_at(0)}, out).progress, StateFetcher::Progress::requested_more);
  out.clear();
  EXPECT_TRUE(fetcher.on_tick(out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].to, 2u);
  EXPECT_EQ(std::get<StateRequest>(decode_state_request(out[0].body, {})).offset, 4u);
  EXPECT_EQ(fetcher.on_chunk({1, chunk_at(4)}, out).reason, "state_chunk_not_from_source");
  EXPECT_EQ(fetcher.on_chunk({2, chunk_at(4)}, out).progress, StateFetcher::Progress::requested_more);
  EXPECT_EQ(fetcher.on_chunk({2, chunk_at(8)}, out).progress, StateFetcher::Progress::complete);
  EXPECT_EQ(fetcher.take_snapshot(), snapshot);
  fetcher.finish();
  EXPECT_FALSE(fetcher.active());
}

}  // namespace
}  // namespace loyal::replica
