// ReplicaProcess: its threads around a real Replica, wired through in-memory transports. Every
// wait is on observable state (the process's published status, a client's completion) with a
// bound, never a sleep.

#include "replica/runtime/replica_process.h"

#include <atomic>

#include <gtest/gtest.h>

#include "apps/kv/kv_operations.h"
#include "client/client_core.h"
#include "crypto/key_exchange.h"
#include "net/envelope_codec.h"
#include "replica/runtime/status_line.h"
#include "tests/unit/runtime/cluster_directory.h"
#include "tests/unit/runtime/fake_network.h"

namespace loyal::runtime {
namespace {

using Clock = std::chrono::steady_clock;
using testing::ClusterDirectory;
using testing::FakeNetwork;
using testing::FakeTransport;
using testing::pbft_cluster;

constexpr std::chrono::milliseconds kPatience{30'000};  // far beyond what any step needs

class CountingJournal final : public replica::Journal {
 public:
  void append(const replica::PersistRecord& record) override { last_id_ = record.id; }
  std::uint64_t sync() override {
    ++syncs_;
    return last_id_;
  }
  void discard_before(std::uint64_t) override {}
  void save_snapshot(const replica::SavedSnapshot&) override {}
  std::uint64_t syncs() const { return syncs_; }

 private:
  std::atomic<std::uint64_t> last_id_{0};
  std::atomic<std::uint64_t> syncs_{0};
};

ProcessOptions verifying_with(std::uint32_t threads) {
  ProcessOptions options;
  options.verify_threads = threads;
  return options;
}

std::unique_ptr<ReplicaSetup> setup_for(const ClusterDirectory& directory, ReplicaId self) {
  SetupRequest request;
  request.self = self;
  request.key_file = directory.replica_key(self);
  auto setup = build_replica_setup(directory.config(), request);
  EXPECT_TRUE(setup.ok()) << (setup.ok() ? "" : setup.error().message);
  const Status core = (*setup)->build_protocol({});
  EXPECT_TRUE(core.ok()) << (core.ok() ? "" : core.error().message);
  return std::move(*setup);
}

// A frame from `sender` that decodes, but whose signature is a real Ed25519 signature over other
// bytes: the verification pool pays the full verification cost and refuses it.
Bytes badly_signed_prepare(const cluster::GeneratedCluster& generated, ReplicaId sender) {
  net::Envelope envelope;
  envelope.header = {generated.config.cluster_id, ProtocolMode::pbft, NodeId::replica(sender),
                     net::MessageKind::pbft_prepare};
  envelope.body = to_bytes("not really a prepare");
  envelope.authenticator = generated.replica_secrets[sender].signing.sign(as_bytes("something else"));
  return net::encode_envelope(envelope);
}

// Client 0's first request (a signed put), as it would send it to the primary.
Bytes signed_put_from_client_0(const ClusterDirectory& directory) {
  const crypto::Ed25519Signer signer(directory.generated().client_secrets[0].signing);
  client::ClientCore client(client::ClientOptions{.id = 0,
                                                  .cluster_id = directory.config().cluster_id,
                                                  .mode = ProtocolMode::pbft,
                                                  .replica_count = 4,
                                                  .max_faulty = 1,
                                                  .client_count = 1,
                                                  .client_auth = directory.config().parameters.client_auth,
                                                  .retry_ticks = 500,
                                                  .first_request_number = 1,
                                                  .limits = {}},
                            signer, {}, std::vector<crypto::MacKey>(4));
  client::ClientOutput out;
  client.submit(kv::encode_put(as_bytes("k"), as_bytes("v")), 0, out);
  EXPECT_EQ(out.send.size(), 1u);
  return out.send.at(0).frame;
}

std::uint64_t count(const std::map<std::string_view, std::uint64_t>& counters, std::string_view reason) {
  const auto found = counters.find(reason);
  return found == counters.end() ? 0 : found->second;
}

// verify_threads: 2 runs the pipelined threads (I/O, pool, replica), 0 the single thread.
class ReplicaProcessThreads : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(ReplicaProcessThreads, FourProcessesCommitAClientRequestAndTheClientAcceptsTheReplies) {
  ClusterDirectory directory(pbft_cluster(1));
  const cluster::ClusterConfig& config = directory.config();
  FakeNetwork network;
  std::vector<std::unique_ptr<ReplicaSetup>> setups;
  std::vector<std::unique_ptr<CountingJournal>> journals;
  std::vector<std::unique_ptr<ReplicaProcess>> processes;
  for (ReplicaId r = 0; r < 4; ++r) {
    setups.push_back(setup_for(directory, r));
    journals.push_back(std::make_unique<CountingJournal>());
    processes.push_back(std::make_unique<ReplicaProcess>(*setups[r], network.add(NodeId::replica(r)),
                                                         *journals[r], verifying_with(GetParam())));
  }
  for (auto& process : processes) process->start();

  const crypto::NodeSecrets& secrets = directory.generated().client_secrets[0];
  std::vector<crypto::MacKey> send_keys;
  std::vector<crypto::MacKey> receive_keys;
  for (const cluster::ReplicaInfo& replica : config.replicas) {
    auto keys = crypto::derive_pairwise_keys(secrets.exchange, replica.exchange_public_key);
    ASSERT_TRUE(keys.ok());
    send_keys.push_back(keys->send);
    receive_keys.push_back(keys->receive);
  }
  const crypto::Ed25519Signer signer(secrets.signing);
  client::ClientCore client(client::ClientOptions{.id = 0,
                                                  .cluster_id = config.cluster_id,
                                                  .mode = ProtocolMode::pbft,
                                                  .replica_count = 4,
                                                  .max_faulty = 1,
                                                  .client_count = 1,
                                                  .client_auth = config.parameters.client_auth,
                                                  .retry_ticks = 500,
                                                  .first_request_number = 1,
                                                  .limits = {}},
                            signer, send_keys, receive_keys);
  FakeTransport& client_transport = network.add(NodeId::client(0));

  const Clock::time_point start = Clock::now();
  auto now_ms = [&] {
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    return static_cast<replica::Tick>(elapsed.count());
  };
  std::vector<client::Completion> completed;
  auto drain = [&](client::ClientOutput& out) {
    for (const client::ClientSend& send : out.send) {
      for (ReplicaId r = 0; r < 4; ++r) {
        if (!send.to || *send.to == r) client_transport.send(NodeId::replica(r), send.frame);
      }
    }
    completed.insert(completed.end(), out.completed.begin(), out.completed.end());
    out = {};
  };
  client::ClientOutput out;
  client.submit(kv::encode_put(as_bytes("colour"), as_bytes("blue")), now_ms(), out);
  drain(out);
  std::vector<Bytes> frames;
  while (completed.empty() && Clock::now() - start < kPatience) {
    frames.clear();
    client_transport.receive(frames, 64, std::chrono::milliseconds(10));
    for (const Bytes& frame : frames) client.on_frame(frame, now_ms(), out);
    client.on_tick(now_ms(), out);
    drain(out);
  }
  ASSERT_EQ(completed.size(), 1u) << "the client never saw f+1 matching replies";
  auto result = kv::decode_result(completed[0].result);
  ASSERT_TRUE(std::holds_alternative<kv::OperationResult>(result));
  EXPECT_TRUE(std::holds_alternative<kv::Ok>(std::get<kv::OperationResult>(result)));

  // Every correct replica executes it, not only the f+1 that answered first.
  for (auto& process : processes) {
    EXPECT_TRUE(process->wait_for(
        [](const ProcessStatus& s) { return s.requests_executed == 1 && s.last_executed >= 1; }, kPatience));
  }
  for (auto& process : processes) process->stop();
  EXPECT_EQ(processes[0]->status().protocol.leader, std::optional<ReplicaId>(0));
}

TEST(ReplicaProcess, AFloodWaitsInTheTransportAndNoFrameIsLostBetweenTheThreads) {
  ClusterDirectory directory(pbft_cluster());
  FakeNetwork network;
  std::unique_ptr<ReplicaSetup> setup = setup_for(directory, 1);
  CountingJournal journal;
  ProcessOptions options;
  options.limits.max_inbound_frames = 4;
  options.limits.max_validated_messages = 4;
  ReplicaProcess process(*setup, network.add(NodeId::replica(1)), journal, options);

  // Queued before the threads start: far more than the verification pool can check before the
  // inbound queue fills. The I/O thread leaves what does not fit in the transport (back-pressure)
  // instead of dropping it, so every frame is verified (and refused for its bad signature).
  constexpr std::uint64_t kFrames = 3000;
  FakeTransport& attacker = network.add(NodeId::replica(2));
  const Bytes frame = badly_signed_prepare(directory.generated(), 2);
  for (std::uint64_t i = 0; i < kFrames; ++i) attacker.send(NodeId::replica(1), frame);
  process.start();

  EXPECT_TRUE(process.wait_for(
      [&](const ProcessStatus& s) { return count(s.replica_drops, "bad_replica_signature") == kFrames; }, kPatience));
  const ProcessStatus status = process.status();
  EXPECT_EQ(count(status.replica_drops, "bad_replica_signature"), kFrames);
  EXPECT_TRUE(status.runtime_drops.empty());
  EXPECT_EQ(process.runtime_counters().frames_received, kFrames);
  process.stop();
}

TEST(ReplicaProcess, FramesOfAnotherProtocolAreCountedAsWrongMode) {
  ClusterDirectory directory(pbft_cluster());
  FakeNetwork network;
  std::unique_ptr<ReplicaSetup> setup = setup_for(directory, 0);
  CountingJournal journal;
  ReplicaProcess process(*setup, network.add(NodeId::replica(0)), journal, ProcessOptions{});
  process.start();
  net::Envelope envelope;
  envelope.header = {directory.config().cluster_id, ProtocolMode::raft, NodeId::replica(3),
                     net::MessageKind::raft_append_entries};
  envelope.authenticator = crypto::Signature{};
  const Bytes raft = net::encode_envelope(envelope);
  FakeTransport& peer = network.add(NodeId::replica(3));
  peer.send(NodeId::replica(0), raft);
  peer.send(NodeId::replica(0), raft);
  EXPECT_TRUE(process.wait_for(
      [](const ProcessStatus& s) { return count(s.replica_drops, "decode.wrong_mode") == 2; }, kPatience));
}

TEST_P(ReplicaProcessThreads, StopJoinsEveryThreadAndSyncsTheJournal) {
  ClusterDirectory directory(pbft_cluster());
  FakeNetwork network;
  std::unique_ptr<ReplicaSetup> setup = setup_for(directory, 2);
  CountingJournal journal;
  FakeTransport& transport = network.add(NodeId::replica(2));
  ReplicaProcess process(*setup, transport, journal, verifying_with(GetParam()));
  process.start();
  // The replica thread runs on the clock: ticks arrive without any input.
  EXPECT_TRUE(process.wait_for([](const ProcessStatus& s) { return s.ticks >= 5; }, kPatience));
  const std::uint64_t syncs_before = journal.syncs();
  process.stop();
  EXPECT_EQ(journal.syncs(), syncs_before + 1);
  EXPECT_GE(transport.wakes(), 1u);  // the thread in receive() was woken rather than left to time out
  const std::uint64_t ticks = process.status().ticks;
  process.stop();  // idempotent
  EXPECT_EQ(process.status().ticks, ticks);
  EXPECT_EQ(journal.syncs(), syncs_before + 1);
}

INSTANTIATE_TEST_SUITE_P(PipelinedAndSingle, ReplicaProcessThreads, ::testing::Values(2u, 0u),
                         [](const ::testing::TestParamInfo<std::uint32_t>& threads) {
                           return threads.param == 0 ? std::string("OneThread") : std::string("VerifyPool");
                         });

// A transport whose I/O thread gets stuck: the first receive() hands over the preloaded frames,
// later ones block (wake() included) until release(), as if the socket layer hung.
class StuckTransport final : public net::Transport {
 public:
  explicit StuckTransport(std::vector<Bytes> first_frames) : first_frames_(std::move(first_frames)) {}
  void send(NodeId, ByteView) override {}
  std::size_t receive(std::vector<Bytes>& out, std::size_t, std::chrono::milliseconds) override {
    std::unique_lock lock(mutex_);
    if (!handed_over_) {
      handed_over_ = true;
      for (Bytes& frame : first_frames_) out.push_back(std::move(frame));
      return out.size();
    }
    released_changed_.wait(lock, [this] { return released_; });
    return 0;
  }
  void wake() override {}
  net::TransportCounters counters() const override { return {}; }
  void release() {
    {
      std::lock_guard lock(mutex_);
      released_ = true;
    }
    released_changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable released_changed_;
  std::vector<Bytes> first_frames_;
  bool handed_over_ = false;
  bool released_ = false;
};

TEST(ReplicaProcess, AFullOutboundQueueDropsAndCountsInsteadOfBlockingTheReplica) {
  ClusterDirectory directory(pbft_cluster(1));
  const Bytes request = signed_put_from_client_0(directory);

  std::unique_ptr<ReplicaSetup> setup = setup_for(directory, 0);  // the primary of view 0
  CountingJournal journal;
  StuckTransport transport({request});
  ProcessOptions options;
  options.limits.max_outbound_frames = 1;
  ReplicaProcess process(*setup, transport, journal, options);
  process.start();
  // The request becomes a PRE-PREPARE for each of the 3 backups: one fits, the others are dropped,
  // and the replica thread keeps ticking although nobody empties the queue.
  EXPECT_TRUE(process.wait_for(
      [](const ProcessStatus& s) { return count(s.runtime_drops, "runtime.outbound_queue_full") >= 2 && s.ticks >= 5; },
      kPatience));
  EXPECT_EQ(process.runtime_counters().frames_queued_to_send, 1u);
  transport.release();
  process.stop();
}

// A disk whose first sync hangs until the test releases it.
class HangingJournal final : public replica::Journal {
 public:
  void append(const replica::PersistRecord& record) override { last_id_ = record.id; }
  std::uint64_t sync() override {
    std::unique_lock lock(mutex_);
    sync_entered_ = true;
    changed_.notify_all();
    changed_.wait(lock, [this] { return released_; });
    return last_id_;
  }
  void discard_before(std::uint64_t) override {}
  void save_snapshot(const replica::SavedSnapshot&) override {}
  bool wait_until_sync_entered(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [this] { return sync_entered_; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool sync_entered_ = false;
  bool released_ = false;
  std::uint64_t last_id_ = 0;
};

TEST(ReplicaProcess, AfterAStallTheReplicaCatchesUpABoundedNumberOfTicksAndCountsTheRest) {
  ClusterDirectory directory(pbft_cluster(1));
  const Bytes request = signed_put_from_client_0(directory);

  FakeNetwork network;
  std::unique_ptr<ReplicaSetup> setup = setup_for(directory, 0);  // the primary: it persists before proposing
  HangingJournal journal;
  ProcessOptions options;
  options.limits.max_catch_up_ticks = 10;
  ReplicaProcess process(*setup, network.add(NodeId::replica(0)), journal, options);
  process.start();
  network.add(NodeId::client(0)).send(NodeId::replica(0), request);
  ASSERT_TRUE(journal.wait_until_sync_entered(kPatience));
  // The stall itself: the replica thread is stuck in the sync for at least this long.
  constexpr std::chrono::milliseconds kStall{300};
  std::this_thread::sleep_for(kStall);
  journal.release();
  // 300 one-millisecond ticks fell due during the stall; at most 10 (+1 for the tick in progress)
  // run back to back, the rest are skipped and counted.
  EXPECT_TRUE(process.wait_for([](const ProcessStatus& s) { return s.ticks_skipped >= 250; }, kPatience));
  process.stop();
}

TEST(StatusLine, NamesTheEpochLeaderProgressRateAndDrops) {
  StatusLineInput input;
  input.self = 2;
  input.mode = ProtocolMode::pbft;
  input.status.protocol = {.epoch = 3, .leader = 3, .last_committed = 130, .stable_checkpoint = 128};
  input.status.last_executed = 130;
  input.requests_per_second = 5321.4;
  input.drops = {{"decode.wrong_mode", 3}, {"transport.send_queue_full", 2}};
  EXPECT_EQ(format_status_line(input),
            "replica 2 pbft: view 3, leader 3, executed 130, stable checkpoint 128, 5321 requests/s; drops: "
            "decode.wrong_mode=3 transport.send_queue_full=2");
  input.drops.clear();
  input.status.protocol.leader.reset();
  input.ticks_skipped = 12;
  EXPECT_NE(format_status_line(input).find("5321 requests/s, 12 ticks skipped; drops: none"), std::string::npos);
  EXPECT_NE(format_status_line(input).find("leader none"), std::string::npos);
  EXPECT_NE(format_status_line(input).find("drops: none"), std::string::npos);
}

}  // namespace
}  // namespace loyal::runtime
