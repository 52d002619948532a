#pragma once
// Several RaftCores wired together in-process, with a stand-in for the pipeline around each (the
// same drain order as replica/replica.cc): records go to a journal, send_after_persist waits for
// them to be durable, committed batches are executed into a state digest chained over batch
// digests, a checkpoint is taken every K indexes, and a fetch_state is answered from a replica
// that holds the snapshot. Messages travel as envelopes (NoAuthenticator: signatures are not
// what these tests are about) through each core's own validate(). Persistence is instant unless
// a replica is switched to manual sync. Delivery order, loss and reordering come from a seeded
// Prng, so a run is reproducible from its seed. Checkers run after every step: one leader per
// term at most, and every replica executes the same batch at each index.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/prng.h"
#include "raft/raft_core.h"
#include "replica/protocol.h"

namespace loyal::raft::testing {

inline constexpr std::uint64_t kClusterId = 11;

RaftOptions test_options(ReplicaId self, std::uint32_t replica_count, std::uint64_t seed = 1);

struct TestBatch {
  Bytes batch;
  crypto::Digest digest;
};
// An encoded replica::Batch with one request carrying `operation`.
TestBatch make_batch(std::string_view operation);
Entry make_entry(Term term, std::string_view operation);

// The envelope `from` would send with this body, validated by `core` as the pipeline does.
replica::Validation validate_at(const RaftCore& core, ReplicaId from, net::MessageKind kind, ByteView body);
// Validates and delivers; returns the Actions, or fails the test if the validator refused it.
replica::Actions deliver_to(RaftCore& core, ReplicaId from, net::MessageKind kind, ByteView body);

// Messages of one kind among an Actions' sends (`after_persist` picks send_after_persist).
std::vector<replica::Outgoing> sent_of_kind(const replica::Actions& actions, net::MessageKind kind,
                                            bool after_persist = false);

class RaftHarness {
 public:
  // `tweak` adjusts each replica's options before its core is built.
  explicit RaftHarness(std::uint32_t replica_count, std::uint64_t seed = 1,
                       std::function<void(RaftOptions&)> tweak = {});

  RaftCore& core(ReplicaId replica) { return *nodes_[replica].core; }
  std::uint32_t size() const { return static_cast<std::uint32_t>(nodes_.size()); }

  // Network faults. `loss_percent` of messages are lost at random; `lose` drops chosen ones;
  // `reorder` delivers a random queued message instead of the oldest.
  std::uint32_t loss_percent = 0;
  bool reorder = false;
  std::function<bool(ReplicaId from, ReplicaId to, net::MessageKind kind)> lose;
  // A checkpoint every `checkpoint_interval` executed indexes (0: none).
  std::uint32_t checkpoint_interval = 0;
  // Whether fetch_state is answered (from run(), after the Actions that asked).
  bool auto_fetch = true;

  // Isolates a replica: nothing to or from it is delivered (queued messages included).
  void set_connected(ReplicaId replica, bool connected) { nodes_[replica].connected = connected; }
  // Records stay unsynced (and send_after_persist held) until sync().
  void set_manual_sync(ReplicaId replica, bool manual) { nodes_[replica].manual_sync = manual; }
  void sync(ReplicaId replica);

  // Loses unsynced records and held messages, then builds a new core from the durable records and
  // hands it the saved snapshot, as the pipeline does on a restart.
  void restart(ReplicaId replica);

  // Proposes at `leader` (precondition: it can propose). Returns the batch digest.
  crypto::Digest propose(ReplicaId leader, std::string_view operation);
  void transfer_leadership(ReplicaId leader, ReplicaId target);

  // Delivers queued messages until none are left (or `max_messages`).
  void run(std::uint64_t max_messages = 1'000'000);
  // `ticks` ticks at every replica, running the network after each.
  void tick(std::uint32_t ticks);
  // Ticks until `done` holds or `max_ticks` passed; returns whether it held.
  bool tick_until(const std::function<bool()>& done, std::uint32_t max_ticks);

  // The replica that leads the highest term, if any.
  std::optional<ReplicaId> leader() const;
  const std::vector<replica::CommittedBatch>& executed(ReplicaId replica) const { return nodes_[replica].executed; }
  replica::Sequence last_executed(ReplicaId replica) const { return nodes_[replica].last_executed; }
  const std::vector<replica::PersistRecord>& durable_records(ReplicaId replica) const {
    return nodes_[replica].durable;
  }
  const std::vector<replica::StateFetch>& fetches(ReplicaId replica) const { return nodes_[replica].fetches; }
  const std::vector<replica::StableCheckpoint>& stable(ReplicaId replica) const { return nodes_[replica].stable; }
  std::uint64_t installs(ReplicaId replica) const { return nodes_[replica].installs; }
  // Every Actions of every core, one line per item: equal inputs give equal transcripts.
  const std::vector<std::string>& transcript() const { return transcript_; }
  // Log Matching (figure 3): wherever two replicas' logs hold entries of the same term at an
  // index, the entries are the same (and so are all before them). Records a violation.
  void check_log_matching();
  // Whether the checkers ever found a violation.
  bool violated() const { return violated_; }

 private:
  struct Packet {
    ReplicaId from = 0;
    ReplicaId to = 0;
    replica::Outgoing message;
  };
  struct Held {
    std::uint64_t record_id = 0;
    std::vector<replica::Outgoing> messages;
  };
  struct Snapshot {
    replica::Sequence sequence = 0;
    crypto::Digest state;
  };
  struct Node {
    RaftOptions options;
    std::unique_ptr<RaftCore> core;
    bool connected = true;
    bool manual_sync = false;
    std::vector<replica::PersistRecord> durable;
    std::vector<replica::PersistRecord> unsynced;
    std::vector<Held> held;
    std::optional<std::uint64_t> discard_before;  // applied once the restating record is durable
    std::vector<replica::CommittedBatch> executed;
    replica::Sequence last_executed = 0;
    crypto::Digest state;
    std::map<replica::Sequence, crypto::Digest> snapshots;  // checkpoints taken or installed
    std::optional<Snapshot> saved;                          // the journal's saved snapshot
    std::vector<replica::StateFetch> fetches;
    std::vector<replica::StableCheckpoint> stable;
    std::uint64_t installs = 0;
  };

  void handle(ReplicaId replica, replica::Actions actions);
  void send(ReplicaId from, const replica::Outgoing& message);
  void execute(ReplicaId replica, const replica::CommittedBatch& batch, replica::Actions& follow_up);
  void complete_fetch(ReplicaId replica, const replica::StateFetch& fetch);
  void record_transcript(ReplicaId replica, const replica::Actions& actions);
  void check();

  std::vector<Node> nodes_;
  std::deque<Packet> network_;
  std::deque<std::pair<ReplicaId, replica::StateFetch>> fetches_;  // state transfers under way
  Prng prng_;
  std::map<Term, ReplicaId> leaders_by_term_;
  std::map<replica::Sequence, crypto::Digest> agreed_;
  std::vector<std::string> transcript_;
  bool violated_ = false;
};

}  // namespace loyal::raft::testing
