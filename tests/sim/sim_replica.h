#pragma once
// One simulated replica: the real replica::Replica pipeline with the real protocol core and the
// real key-value store, wired to the simulated network and an in-memory journal. Crash-stop: a
// crashed replica receives nothing and is never ticked again.
//
// Ownership: the SimReplica owns its pipeline (which owns the core and the application) and the
// objects the pipeline borrows (outbox, journal, request authenticator). The network, the crypto,
// the clock and the observer are borrowed and must outlive it.

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "replica/replica.h"
#include "tests/sim/sim_crypto.h"
#include "tests/sim/sim_network.h"

namespace loyal::sim {

// Builds replica `self`'s protocol core. The core may keep a reference to `authenticator`, which
// lives as long as the replica.
using ProtocolFactory = std::function<std::unique_ptr<replica::Protocol>(
    ReplicaId self, const replica::RequestAuthenticator& authenticator)>;

// The Outbox of one replica: every frame goes into the simulated network, stamped with the tick.
class NetworkOutbox final : public replica::Outbox {
 public:
  NetworkOutbox(SimNetwork& network, const Tick& clock, ReplicaId self)
      : network_(network), clock_(clock), self_(NodeId::replica(self)) {}
  void to_replica(ReplicaId replica, ByteView frame) override {
    network_.send(clock_, self_, NodeId::replica(replica), frame);
  }
  void to_client(ClientId client, ByteView frame) override {
    network_.send(clock_, self_, NodeId::client(client), frame);
  }

 private:
  SimNetwork& network_;
  const Tick& clock_;
  NodeId self_;
};

// A journal whose every record is durable as soon as sync() is called. Replicas only crash-stop
// for now (no restart reads a journal back), so only the record ids are kept, not the records.
class MemoryJournal final : public replica::Journal {
 public:
  void append(const replica::PersistRecord& record) override { appended_ = record.id; }
  std::uint64_t sync() override { return appended_; }
  void discard_before(std::uint64_t) override {}
  void save_snapshot(const replica::SavedSnapshot&) override {}

 private:
  std::uint64_t appended_ = 0;
};

class SimReplica {
 public:
  SimReplica(const replica::ReplicaOptions& options, cluster::ClientAuth client_auth, const SimCrypto& crypto,
             const ProtocolFactory& make_protocol, SimNetwork& network, const Tick& clock,
             replica::ReplicaObserver* observer, std::unique_ptr<replica::ByzantinePolicy> byzantine = nullptr);

  void on_frame(ByteView frame);
  void on_tick();
  void crash() { crashed_ = true; }
  bool crashed() const { return crashed_; }

  const replica::Replica& replica() const { return *replica_; }
  // The replica's Byzantine policy, or nullptr for a correct replica.
  const replica::ByzantinePolicy* byzantine() const { return byzantine_; }

 private:
  NetworkOutbox outbox_;
  MemoryJournal journal_;
  replica::RequestAuthenticator request_authenticator_;
  std::unique_ptr<replica::Replica> replica_;
  const replica::ByzantinePolicy* byzantine_ = nullptr;  // owned by replica_
  bool crashed_ = false;
};

}  // namespace loyal::sim
