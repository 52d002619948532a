#include "tests/sim/sim_replica.h"

#include "apps/kv/kv_store.h"
#include "common/assert.h"

namespace loyal::sim {

namespace {

// Each sync may free a batch slot and propose one batch more; more than this in one round means
// the pipeline keeps appending without end.
constexpr int kMaxSyncsPerRound = 1 << 16;

replica::ReplicaOptions with_group_commit(replica::ReplicaOptions options) {
  options.defer_journal_sync = true;
  return options;
}

}  // namespace

SimReplica::SimReplica(const replica::ReplicaOptions& options, cluster::ClientAuth client_auth,
                       const SimCrypto& crypto, const ProtocolFactory& make_protocol, SimNetwork& network,
                       const Tick& clock, Checkers* checkers,
                       std::unique_ptr<replica::ByzantinePolicy> byzantine)
    : options_(with_group_commit(options)),
      make_protocol_(make_protocol),
      observer_(checkers),
      crypto_(crypto),
      byzantine_policy_(std::move(byzantine)),
      outbox_(network, clock, options.self, journal_, checkers),
      request_authenticator_(options.cluster_id, options.mode, options.self, client_auth, crypto.verifier(),
                             crypto.keys().clients_to_replica(options.self)) {
  build({});
}

void SimReplica::build(replica::RecoveredState recovered) {
  replica::ReplicaParts parts{
      .protocol = make_protocol_(options_.self, request_authenticator_, recovered.records),
      .application = std::make_unique<kv::KvStore>(),
      .signer = &crypto_.signer(NodeId::replica(options_.self)),
      .verifier = &crypto_.verifier(),
      .request_authenticator = &request_authenticator_,
      .reply_keys_by_client = crypto_.keys().replica_to_clients(options_.self),
      .outbox = &outbox_,
      .journal = &journal_,
      .observer = observer_,
      .byzantine = std::move(byzantine_policy_),
      .restored_snapshot = std::move(recovered.snapshot),
      .send_keys_by_replica = crypto_.keys().replica_to_replicas(options_.self),
      .receive_keys_by_replica = crypto_.keys().replicas_to_replica(options_.self),
  };
  byzantine_ = parts.byzantine.get();
  // The old pipeline goes first: it must not outlive the journal state it was built on.
  replica_.reset();
  replica_ = std::make_unique<replica::Replica>(options_, std::move(parts));
}

void SimReplica::on_frame(ByteView frame) {
  if (!crashed_) replica_->on_frame(frame);
}

void SimReplica::on_tick() {
  if (crashed_) return;
  replica_->on_tick();
  // The runtime loops without waiting while a sync is pending (what a sync releases may propose
  // and append again); here the round ends once nothing is pending.
  for (int syncs = 0; replica_->sync_pending(); ++syncs) {
    LOYAL_ASSERT(syncs < kMaxSyncsPerRound, "a round's syncs settle");
    replica_->sync_journal();
  }
}

void SimReplica::crash(Prng& prng) {
  if (crashed_) return;
  crashed_ = true;
  journal_.crash(prng, /*may_tear=*/true);
}

void SimReplica::restart() {
  LOYAL_ASSERT(crashed_, "only a crashed replica restarts");
  journal::MemoryJournal::Recovered recovered = journal_.recover();
  crashed_ = false;
  ++restarts_;
  // Without a saved snapshot the new process starts from the initial state and executes the log
  // again from its first entry: the pipeline reports installed states only for snapshots.
  if (!recovered.state.snapshot && observer_) observer_->on_state_installed(options_.self, 0, crypto::sha256({}));
  build(std::move(recovered.state));
}

void SimReplica::restart_wiped() {
  LOYAL_ASSERT(crashed_, "only a crashed replica restarts");
  journal_.wipe();
  (void)journal_.recover();
  crashed_ = false;
  ++restarts_;
  if (observer_) observer_->on_state_installed(options_.self, 0, crypto::sha256({}));
  build({});
}

}  // namespace loyal::sim
