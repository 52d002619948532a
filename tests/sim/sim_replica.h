#pragma once
// One simulated replica: the real replica::Replica pipeline with the real protocol core and the
// real key-value store, wired to the simulated network and an in-memory journal (the same record
// framing and recovery as the file journal), with group commit as in the runtime. A crashed replica receives nothing and is not ticked;
// its journal loses what was not synced. A restart builds a new pipeline and core from what the
// journal recovered (restart()) or from nothing (restart_wiped(): a replaced disk).
//
// Ownership: the SimReplica owns its pipeline (which owns the core and the application) and the
// objects the pipeline borrows (outbox, journal, request authenticator). The network, the crypto,
// the clock and the observer are borrowed and must outlive it.

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "replica/journal/memory_journal.h"
#include "replica/replica.h"
#include "tests/sim/checkers.h"
#include "tests/sim/sim_crypto.h"
#include "tests/sim/sim_network.h"

namespace loyal::sim {

// Builds replica `self`'s protocol core, from the records its journal recovered on a restart (none
// for a new replica). The core may keep a reference to `authenticator`, which lives as long as the
// replica.
using ProtocolFactory = std::function<std::unique_ptr<replica::Protocol>(
    ReplicaId self, const replica::RequestAuthenticator& authenticator,
    const std::vector<replica::PersistRecord>& recovered)>;

// The Outbox of one replica: every frame goes into the simulated network, stamped with the tick.
// It is also the durability checker: a frame for a peer that leaves while the replica's journal
// holds unsynced records is reported to `checkers` (nullptr: not checked).
class NetworkOutbox final : public replica::Outbox {
 public:
  NetworkOutbox(SimNetwork& network, const Tick& clock, ReplicaId self, const journal::MemoryJournal& journal,
                Checkers* checkers)
      : network_(network), clock_(clock), self_(NodeId::replica(self)), journal_(journal), checkers_(checkers) {}
  void to_replica(ReplicaId replica, ByteView frame) override {
    if (checkers_ != nullptr && journal_.unsynced_records() > 0) {
      checkers_->on_sent_before_durable(self_.index, journal_.unsynced_records());
    }
    network_.send(clock_, self_, NodeId::replica(replica), frame);
  }
  void to_client(ClientId client, ByteView frame) override {
    network_.send(clock_, self_, NodeId::client(client), frame);
  }

 private:
  SimNetwork& network_;
  const Tick& clock_;
  NodeId self_;
  const journal::MemoryJournal& journal_;
  Checkers* checkers_;
};

class SimReplica {
 public:
  SimReplica(const replica::ReplicaOptions& options, cluster::ClientAuth client_auth, const SimCrypto& crypto,
             const ProtocolFactory& make_protocol, SimNetwork& network, const Tick& clock,
             Checkers* checkers, std::unique_ptr<replica::ByzantinePolicy> byzantine = nullptr);

  // One round, as the runtime runs it (replica/runtime/replica_process.cc): the frames that
  // arrived, then on_tick(), which ends the round with the journal's group commit (one sync, and
  // only then the messages the round made leave). A crash between them loses the round's records
  // and its held messages.
  void on_frame(ByteView frame);
  void on_tick();
  // The process stops: unsynced journal records are lost, the last one possibly torn.
  void crash(Prng& prng);
  // Precondition: crashed(). A new process from the journal's records and snapshot.
  void restart();
  // Precondition: crashed(). A new process with an empty disk.
  void restart_wiped();
  bool crashed() const { return crashed_; }
  std::uint32_t restarts() const { return restarts_; }

  const replica::Replica& replica() const { return *replica_; }
  // The replica's Byzantine policy, or nullptr for a correct replica.
  const replica::ByzantinePolicy* byzantine() const { return byzantine_; }

 private:
  void build(replica::RecoveredState recovered);

  replica::ReplicaOptions options_;
  ProtocolFactory make_protocol_;
  Checkers* observer_;
  const SimCrypto& crypto_;
  std::unique_ptr<replica::ByzantinePolicy> byzantine_policy_;  // until the first build
  NetworkOutbox outbox_;
  journal::MemoryJournal journal_;
  replica::RequestAuthenticator request_authenticator_;
  std::unique_ptr<replica::Replica> replica_;
  const replica::ByzantinePolicy* byzantine_ = nullptr;  // owned by replica_
  bool crashed_ = false;
  std::uint32_t restarts_ = 0;
};

}  // namespace loyal::sim
