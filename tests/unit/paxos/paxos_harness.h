#pragma once
// Several PaxosCores wired together in-process, each with a stand-in for the pipeline around it:
// it delivers every Outgoing through the real validator (envelopes unsigned: the validator does
// not check signatures), appends PersistRecords to a journal that becomes durable at once or
// after a delay, holds send_after_persist until then, executes committed batches (the state is a
// digest chained over batch digests), takes a checkpoint every K slots, and answers fetch_state
// from a replica holding the snapshot. Replicas can crash (losing what was not durable) and
// restart from their journal and saved snapshot.
//
// Every run is deterministic given its seed: delivery order (random when `shuffle` is set) and
// losses come from one Prng. After every execution the harness checks agreement: every replica
// executes the same digest at a slot (`agreement_violations` counts the exceptions).

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <tuple>
#include <string_view>
#include <vector>

#include "common/prng.h"
#include "paxos/paxos_core.h"

namespace loyal::paxos::testing {

PaxosOptions test_options(ReplicaId self, std::uint32_t replica_count, std::uint64_t seed = 7);

// A one-request batch the validator accepts; `tag` makes its digest unique.
Bytes make_value(std::uint64_t tag);

// Builds the envelope `from` would send and hands it to `core` through its validator. Returns the
// drop reason, if the validator refused it.
std::optional<std::string_view> deliver(PaxosCore& core, ReplicaId from, net::MessageKind kind, const Bytes& body,
                                        replica::Actions& out);

struct Packet {
  ReplicaId from = 0;
  ReplicaId to = 0;
  net::MessageKind kind = net::MessageKind::paxos_commit;
  Bytes body;
};

class PaxosCluster {
 public:
  // `tweak` adjusts every replica's options (at construction and restart).
  PaxosCluster(std::uint32_t replica_count, std::uint64_t seed, std::uint32_t checkpoint_interval = 1000,
               std::function<void(PaxosOptions&)> tweak = {});

  PaxosCore& core(ReplicaId replica) { return *nodes_[replica].core; }
  std::uint32_t size() const { return static_cast<std::uint32_t>(nodes_.size()); }

  // Network faults: each packet is lost with probability loss_percent/100; with `shuffle` the next
  // packet delivered is a random one of those in flight (reordering), else the oldest.
  std::uint32_t loss_percent = 0;
  bool shuffle = false;
  // A packet for which this returns true is lost (partitions, one-way links).
  std::function<bool(const Packet&)> cut;
  // Ticks before a replica's records become durable (0: within the call that made them).
  void set_persist_delay(ReplicaId replica, std::uint32_t ticks) { nodes_[replica].persist_delay = ticks; }

  void crash(ReplicaId replica);
  void restart(ReplicaId replica);
  bool crashed(ReplicaId replica) const { return !nodes_[replica].up; }

  // The replica that leads with the highest ballot, if any live one does.
  std::optional<ReplicaId> leader() const;
  // The leader proposes a fresh value if it can; returns whether it did.
  bool propose();
  // One tick at every live replica, then up to `deliveries_per_tick` packets delivered.
  void tick(std::uint32_t ticks = 1, std::uint32_t deliveries_per_tick = 1000);
  // Ticks until `done` holds or `max_ticks` pass; returns whether it held.
  bool tick_until(const std::function<bool()>& done, std::uint32_t max_ticks);
  // Delivers packets until none are in flight (bounded).
  void run(std::uint32_t max_deliveries = 100000);
  // Hands a raw Actions to the stand-in pipeline of `replica` (for tests driving a core directly).
  void handle(ReplicaId replica, replica::Actions actions);

  const std::vector<replica::CommittedBatch>& executed(ReplicaId replica) const { return nodes_[replica].executed; }
  Slot last_executed(ReplicaId replica) const { return nodes_[replica].last_executed; }
  const std::vector<replica::StateFetch>& fetches(ReplicaId replica) const { return nodes_[replica].fetches; }
  const std::vector<replica::StableCheckpoint>& stable(ReplicaId replica) const { return nodes_[replica].stable; }
  std::uint64_t installs(ReplicaId replica) const { return nodes_[replica].installs; }
  // Durable journal records (after discards).
  const std::vector<replica::PersistRecord>& journal(ReplicaId replica) const { return nodes_[replica].durable; }
  std::uint64_t agreement_violations() const { return agreement_violations_; }
  std::uint64_t gap_violations() const { return gap_violations_; }
  // PROMISEs and ACCEPTEDs that left before the promise or acceptance they report was durable.
  std::uint64_t sent_before_durable() const { return sent_before_durable_; }
  // Digest first executed at each slot, by any replica.
  const std::map<Slot, crypto::Digest>& decided() const { return decided_; }
  Slot min_executed_live() const;

 private:
  struct PendingPersist {
    std::uint64_t ready_at = 0;
    std::vector<replica::PersistRecord> records;
    std::vector<replica::Outgoing> after;
  };
  struct Snapshot {
    crypto::Digest digest;
    crypto::Digest state;  // the chained execution state at that slot
  };
  struct Node {
    std::unique_ptr<PaxosCore> core;
    bool up = true;
    std::uint32_t persist_delay = 0;
    std::vector<replica::PersistRecord> durable;
    // What durable records ever promised and accepted (kept across discards and crashes).
    Ballot durable_promised;
    std::set<std::tuple<Slot, Ballot, crypto::Digest>> durable_accepted;
    std::deque<PendingPersist> pending;
    std::uint64_t highest_appended = 0;
    std::vector<replica::CommittedBatch> executed;
    Slot last_executed = 0;
    crypto::Digest state;
    std::map<Slot, Snapshot> snapshots;  // every checkpoint taken or installed
    std::vector<replica::StateFetch> fetches;
    std::optional<replica::StateFetch> fetch_in_progress;
    std::vector<replica::StableCheckpoint> stable;
    std::uint64_t installs = 0;
  };

  void send(ReplicaId from, const replica::Outgoing& message);
  void check_durable_before_send(ReplicaId from, const replica::Outgoing& message);
  void deliver_one();
  void make_durable(ReplicaId replica, PendingPersist pending);
  void execute(ReplicaId replica, const replica::CommittedBatch& batch, replica::Actions& follow_up);
  void try_install(ReplicaId replica);
  PaxosOptions options_for(ReplicaId replica, std::uint64_t seed) const;

  std::uint32_t checkpoint_interval_;
  std::function<void(PaxosOptions&)> tweak_;
  std::uint64_t seed_;
  Prng prng_;
  std::uint64_t now_ = 0;
  std::uint64_t next_value_ = 1;
  std::vector<Node> nodes_;
  std::deque<Packet> in_flight_;
  std::map<Slot, crypto::Digest> decided_;
  std::uint64_t agreement_violations_ = 0;
  std::uint64_t gap_violations_ = 0;
  std::uint64_t sent_before_durable_ = 0;
};

}  // namespace loyal::paxos::testing
