#include "replica/runtime/replica_setup.h"

#include <algorithm>
#include <random>

#include "apps/kv/kv_store.h"
#include "common/assert.h"
#include "crypto/key_exchange.h"
#include "crypto/key_file.h"
#include "pbft/byzantine/byzantine_policy.h"
#include "pbft/options.h"
#include "paxos/paxos_core.h"
#include "pbft/pbft_core.h"
#include "raft/raft_core.h"

namespace loyal::runtime {

namespace {

// Salt of the Byzantine policy's Prng seed: reproducible per cluster and replica, so a run with
// the same cluster file and flags misbehaves the same way.
constexpr std::uint64_t kByzantineSeedSalt = 0x6279'7a61'6e74'696eULL;

std::string replica_name(ReplicaId id) { return to_string(NodeId::replica(id)); }

// The MAC keys between this replica and `peer` (a client or another replica), or why not.
Result<crypto::PairwiseKeys> pairwise_keys(const crypto::NodeSecrets& secrets, ReplicaId self, NodeId peer,
                                           const crypto::ExchangePublicKey& peer_key) {
  auto keys = crypto::derive_pairwise_keys(secrets.exchange, peer_key);
  if (!keys) {
    return Error{"cannot derive the MAC keys between " + replica_name(self) + " and " + to_string(peer) + ": " +
                 keys.error().message};
  }
  return keys;
}

std::string byzantine_mode_list() {
  std::string list;
  for (std::string_view name : pbft::byzantine_mode_names()) list += (list.empty() ? "" : ", ") + std::string(name);
  return list;
}

Status check_protocol_fits(ProtocolMode mode, std::uint32_t replica_count) {
  const std::uint32_t minimum =
      mode == ProtocolMode::pbft ? cluster::kMinPbftReplicas : cluster::kMinCrashTolerantReplicas;
  if (replica_count >= minimum) return {};
  if (mode != ProtocolMode::pbft && replica_count == cluster::kSingleReplica) return {};
  return Error{std::string(to_string(mode)) + " needs at least " + std::to_string(minimum) +
               " replicas, but the cluster file has " + std::to_string(replica_count)};
}

// The key file must be this replica's, and its public halves must be the ones the cluster file
// publishes, or every peer would refuse our signatures and MACs.
Status check_key_matches(const crypto::NodeSecrets& secrets, const cluster::ReplicaInfo& info,
                         const std::filesystem::path& key_file) {
  const NodeId expected = NodeId::replica(info.id);
  if (secrets.node != expected) {
    return Error{key_file.string() + ": this is the key of " + to_string(secrets.node) + ", not of " +
                 to_string(expected)};
  }
  if (secrets.signing.public_key() != info.public_key || secrets.exchange.public_key() != info.exchange_public_key) {
    return Error{key_file.string() + ": the key does not match " + to_string(expected) +
                 "'s public key in the cluster file (a key file from another keygen run, or the wrong cluster file?)"};
  }
  return {};
}

}  // namespace

pbft::PbftOptions pbft_options(const cluster::ClusterConfig& cluster, ReplicaId self) {
  const cluster::Parameters& p = cluster.parameters;
  pbft::PbftOptions options;
  options.self = self;
  options.cluster_id = cluster.cluster_id;
  options.replica_count = cluster.replica_count();
  options.max_faulty = cluster::max_faulty(ProtocolMode::pbft, options.replica_count);
  options.checkpoint_interval = p.checkpoint_interval;
  options.window = p.window;
  options.retransmit_ticks = ms_to_ticks(kPbftRetransmitMs, p.tick_ms);
  options.request_timeout_ticks = ms_to_ticks(p.request_timeout_ms, p.tick_ms);
  options.view_change_timeout_ticks = ms_to_ticks(p.view_change_timeout_ms, p.tick_ms);
  options.max_batch_requests = p.batch_max_requests;
  return options;
}

raft::RaftOptions raft_options(const cluster::ClusterConfig& cluster, ReplicaId self, std::uint64_t seed) {
  const cluster::Parameters& p = cluster.parameters;
  raft::RaftOptions options;
  options.self = self;
  options.replica_count = cluster.replica_count();
  options.election_timeout_min_ticks = ms_to_ticks(p.election_timeout_min_ms, p.tick_ms);
  options.election_timeout_max_ticks = ms_to_ticks(p.election_timeout_max_ms, p.tick_ms);
  options.heartbeat_ticks = ms_to_ticks(p.heartbeat_ms, p.tick_ms);
  options.max_uncommitted_entries = p.window;
  options.prng_seed = seed;
  return options;
}

paxos::PaxosOptions paxos_options(const cluster::ClusterConfig& cluster, ReplicaId self, std::uint64_t seed) {
  const cluster::Parameters& p = cluster.parameters;
  paxos::PaxosOptions options;
  options.self = self;
  options.replica_count = cluster.replica_count();
  options.leader_timeout_min_ticks = ms_to_ticks(p.election_timeout_min_ms, p.tick_ms);
  options.leader_timeout_max_ticks = ms_to_ticks(p.election_timeout_max_ms, p.tick_ms);
  options.heartbeat_ticks = ms_to_ticks(p.heartbeat_ms, p.tick_ms);
  options.max_open_slots = p.window;
  options.prng_seed = seed;
  return options;
}

Status check_replica_id(const cluster::ClusterConfig& cluster, ReplicaId self) {
  const std::uint32_t n = cluster.replica_count();
  if (self < n) return {};
  return Error{"replica id " + std::to_string(self) + " is out of range: the cluster file has " + std::to_string(n) +
               " replicas (ids 0 to " + std::to_string(n - 1) + ")"};
}

namespace {

replica::ReplicaOptions replica_options(const cluster::ClusterConfig& cluster, ReplicaId self, ProtocolMode mode) {
  const cluster::Parameters& p = cluster.parameters;
  replica::ReplicaOptions options;
  options.self = self;
  options.cluster_id = cluster.cluster_id;
  options.mode = mode;
  options.replica_count = cluster.replica_count();
  options.client_count = cluster.client_count();
  options.checkpoint_interval = p.checkpoint_interval;
  options.max_request_bytes = p.max_request_bytes;
  options.batching.max_requests = p.batch_max_requests;
  options.batching.max_bytes = p.batch_max_bytes;
  options.batching.linger_ticks = ms_to_ticks(p.batch_linger_ms, p.tick_ms);
  options.batching.max_in_flight_batches = p.batch_max_in_flight;
  options.state_transfer.timeout_ticks = ms_to_ticks(kStateTransferTimeoutMs, p.tick_ms);
  options.defer_journal_sync = true;
  return options;
}

}  // namespace

replica::Tick ms_to_ticks(std::uint32_t milliseconds, std::uint32_t tick_ms) {
  LOYAL_ASSERT(tick_ms > 0, "the cluster loader refuses tick_ms = 0");
  const replica::Tick ticks = (replica::Tick{milliseconds} + tick_ms - 1) / tick_ms;
  return std::max<replica::Tick>(ticks, 1);
}

Result<std::unique_ptr<replica::Protocol>> make_protocol(const ProtocolContext& context) {
  switch (context.mode) {
    case ProtocolMode::pbft:
      return std::unique_ptr<replica::Protocol>(std::make_unique<pbft::PbftCore>(
          pbft_options(context.cluster, context.self), context.request_authenticator, context.verifier,
          context.signer, context.recovered_records));
    case ProtocolMode::raft:
      return std::unique_ptr<replica::Protocol>(std::make_unique<raft::RaftCore>(
          raft_options(context.cluster, context.self, context.seed), context.recovered_records));
    case ProtocolMode::paxos:
      return std::unique_ptr<replica::Protocol>(std::make_unique<paxos::PaxosCore>(
          paxos_options(context.cluster, context.self, context.seed), context.recovered_records));
  }
  return Error{"unknown protocol mode"};
}

Result<std::unique_ptr<replica::ByzantinePolicy>> make_byzantine(ProtocolMode protocol, const std::string& mode,
                                                                 const cluster::ClusterConfig& cluster,
                                                                 ReplicaId self) {
  if (protocol != ProtocolMode::pbft) {
    return Error{"--byzantine is for pbft only: " + std::string(to_string(protocol)) +
                 " tolerates crashed replicas, not Byzantine ones"};
  }
  const std::vector<std::string_view> names = pbft::byzantine_mode_names();
  if (std::find(names.begin(), names.end(), mode) == names.end()) {
    return Error{"--byzantine: unknown mode `" + mode + "`; the modes are " + byzantine_mode_list()};
  }
  pbft::ByzantineContext context;
  context.self = self;
  context.replica_count = cluster.replica_count();
  context.seed = cluster.cluster_id ^ kByzantineSeedSalt ^ (std::uint64_t{self} << 32);
  std::unique_ptr<replica::ByzantinePolicy> policy = pbft::make_byzantine_policy(mode, context);
  LOYAL_ASSERT(policy != nullptr, "every listed mode has a policy");
  return policy;
}

replica::ReplicaParts ReplicaSetup::take_parts(replica::Outbox& outbox, replica::Journal& journal,
                                               std::optional<replica::SavedSnapshot> restored_snapshot) {
  LOYAL_ASSERT(!parts_taken_, "a setup makes one Replica");
  LOYAL_ASSERT(protocol_ != nullptr, "build_protocol() comes first");
  parts_taken_ = true;
  return replica::ReplicaParts{
      .protocol = std::move(protocol_),
      .application = std::make_unique<kv::KvStore>(),
      .signer = signer_.get(),
      .verifier = verifier_.get(),
      .request_authenticator = request_authenticator_.get(),
      .reply_keys_by_client = std::move(reply_keys_by_client_),
      .outbox = &outbox,
      .journal = &journal,
      .observer = nullptr,
      .byzantine = std::move(byzantine_),
      .restored_snapshot = std::move(restored_snapshot),
      .send_keys_by_replica = std::move(send_keys_by_replica_),
      .receive_keys_by_replica = std::move(receive_keys_by_replica_),
  };
}

Status ReplicaSetup::build_protocol(const std::vector<replica::PersistRecord>& recovered_records) {
  LOYAL_ASSERT(protocol_ == nullptr && !parts_taken_, "one protocol core per setup");
  std::random_device entropy;
  const std::uint64_t seed = (std::uint64_t{entropy()} << 32) ^ entropy();
  auto protocol = make_protocol(ProtocolContext{cluster_, options_.self, options_.mode, *request_authenticator_,
                                                *verifier_, *signer_, recovered_records, seed});
  if (!protocol) return protocol.error();
  protocol_ = std::move(*protocol);
  return {};
}

Result<std::unique_ptr<ReplicaSetup>> build_replica_setup(const cluster::ClusterConfig& cluster,
                                                          const SetupRequest& request) {
  if (Status known = check_replica_id(cluster, request.self); !known) return known.error();
  const std::uint32_t n = cluster.replica_count();
  const ProtocolMode mode = request.protocol.value_or(cluster.protocol);
  if (Status fits = check_protocol_fits(mode, n); !fits) return fits.error();

  std::unique_ptr<ReplicaSetup> setup(new ReplicaSetup());
  setup->cluster_ = cluster;
  setup->options_ = replica_options(cluster, request.self, mode);
  setup->max_faulty_ = cluster::max_faulty(mode, n);

  if (request.byzantine) {
    auto policy = make_byzantine(mode, *request.byzantine, cluster, request.self);
    if (!policy) return policy.error();
    setup->byzantine_ = std::move(*policy);
    setup->byzantine_mode_ = *request.byzantine;
  }

  auto secrets = crypto::read_key_file(request.key_file);
  if (!secrets) return secrets.error();
  const cluster::ReplicaInfo& info = cluster.replicas[request.self];
  if (Status matches = check_key_matches(*secrets, info, request.key_file); !matches) return matches.error();

  std::vector<crypto::PublicKey> replica_keys;
  for (const cluster::ReplicaInfo& replica : cluster.replicas) replica_keys.push_back(replica.public_key);
  std::vector<crypto::PublicKey> client_keys;
  std::vector<crypto::MacKey> receive_keys_by_client;
  for (const cluster::ClientInfo& client : cluster.clients) {
    client_keys.push_back(client.public_key);
    auto pairwise = pairwise_keys(*secrets, request.self, NodeId::client(client.id), client.exchange_public_key);
    if (!pairwise) return pairwise.error();
    setup->reply_keys_by_client_.push_back(pairwise->send);
    receive_keys_by_client.push_back(pairwise->receive);
  }
  if (replica::replica_messages_use_macs(mode)) {
    for (const cluster::ReplicaInfo& replica : cluster.replicas) {
      if (replica.id == request.self) {
        setup->send_keys_by_replica_.emplace_back();  // never used: nothing is sent to oneself
        setup->receive_keys_by_replica_.emplace_back();
        continue;
      }
      auto pairwise = pairwise_keys(*secrets, request.self, NodeId::replica(replica.id), replica.exchange_public_key);
      if (!pairwise) return pairwise.error();
      setup->send_keys_by_replica_.push_back(pairwise->send);
      setup->receive_keys_by_replica_.push_back(pairwise->receive);
    }
  }
  setup->signer_ = std::make_unique<crypto::Ed25519Signer>(secrets->signing);
  setup->verifier_ = std::make_unique<CachingVerifier>(
      std::make_unique<crypto::Ed25519Verifier>(std::move(replica_keys), std::move(client_keys)));
  setup->request_authenticator_ = std::make_unique<replica::RequestAuthenticator>(
      cluster.cluster_id, mode, request.self, cluster.parameters.client_auth, *setup->verifier_,
      std::move(receive_keys_by_client));
  return setup;
}

}  // namespace loyal::runtime
