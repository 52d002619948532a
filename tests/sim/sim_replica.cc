#include "tests/sim/sim_replica.h"

#include "apps/kv/kv_store.h"

namespace loyal::sim {

SimReplica::SimReplica(const replica::ReplicaOptions& options, cluster::ClientAuth client_auth,
                       const SimCrypto& crypto, const ProtocolFactory& make_protocol, SimNetwork& network,
                       const Tick& clock, replica::ReplicaObserver* observer,
                       std::unique_ptr<replica::ByzantinePolicy> byzantine)
    : outbox_(network, clock, options.self),
      request_authenticator_(options.cluster_id, options.mode, options.self, client_auth, crypto.verifier(),
                             crypto.keys().clients_to_replica(options.self)) {
  replica::ReplicaParts parts{
      .protocol = make_protocol(options.self, request_authenticator_),
      .application = std::make_unique<kv::KvStore>(),
      .signer = &crypto.signer(NodeId::replica(options.self)),
      .verifier = &crypto.verifier(),
      .request_authenticator = &request_authenticator_,
      .reply_keys_by_client = crypto.keys().replica_to_clients(options.self),
      .outbox = &outbox_,
      .journal = &journal_,
      .observer = observer,
      .byzantine = std::move(byzantine),
      .restored_snapshot = std::nullopt,
  };
  byzantine_ = parts.byzantine.get();
  replica_ = std::make_unique<replica::Replica>(options, std::move(parts));
}

void SimReplica::on_frame(ByteView frame) {
  if (!crashed_) replica_->on_frame(frame);
}

void SimReplica::on_tick() {
  if (!crashed_) replica_->on_tick();
}

}  // namespace loyal::sim
