#include "tests/sim/protocols.h"

#include "common/assert.h"
#include "paxos/paxos_core.h"
#include "pbft/pbft_core.h"
#include "raft/raft_core.h"

namespace loyal::sim {

namespace {

// Salts so that the cores' election timeouts are a stream of their own, not a copy of another
// Prng drawn from the same run seed.
constexpr std::uint64_t kRaftSeedSalt = 0x7261'6674'7469'6d65ULL;
constexpr std::uint64_t kPaxosSeedSalt = 0x7061'786f'7374'696dULL;

ProtocolFactory pbft_factory(const SimOptions& options, const SimCrypto& crypto) {
  pbft::PbftOptions pbft_options;
  pbft_options.cluster_id = kSimClusterId;
  pbft_options.replica_count = options.replicas;
  pbft_options.max_faulty = cluster::max_faulty(ProtocolMode::pbft, options.replicas);
  pbft_options.checkpoint_interval = options.checkpoint_interval;
  pbft_options.window = options.window;
  pbft_options.retransmit_ticks = options.retransmit_ticks;
  pbft_options.max_batch_requests = options.batch_max_requests;
  return [pbft_options, &crypto](
             ReplicaId self, const replica::RequestAuthenticator& authenticator,
             const std::vector<replica::PersistRecord>& recovered) -> std::unique_ptr<replica::Protocol> {
    pbft::PbftOptions mine = pbft_options;
    mine.self = self;
    return std::make_unique<pbft::PbftCore>(mine, authenticator, crypto.verifier(),
                                            crypto.signer(NodeId::replica(self)), recovered);
  };
}

// The window L bounds what a leader has in flight beyond the commit point, as in PBFT.
ProtocolFactory raft_factory(const SimOptions& options) {
  raft::RaftOptions raft_options;
  raft_options.replica_count = options.replicas;
  raft_options.election_timeout_min_ticks = kSimElectionTimeoutMinTicks;
  raft_options.election_timeout_max_ticks = kSimElectionTimeoutMaxTicks;
  raft_options.heartbeat_ticks = kSimHeartbeatTicks;
  raft_options.max_uncommitted_entries = options.window;
  raft_options.prng_seed = options.seed ^ kRaftSeedSalt;
  return [raft_options](ReplicaId self, const replica::RequestAuthenticator&,
                        const std::vector<replica::PersistRecord>& recovered) -> std::unique_ptr<replica::Protocol> {
    raft::RaftOptions mine = raft_options;
    mine.self = self;
    return std::make_unique<raft::RaftCore>(mine, recovered);
  };
}

ProtocolFactory paxos_factory(const SimOptions& options) {
  paxos::PaxosOptions paxos_options;
  paxos_options.replica_count = options.replicas;
  paxos_options.leader_timeout_min_ticks = kSimElectionTimeoutMinTicks;
  paxos_options.leader_timeout_max_ticks = kSimElectionTimeoutMaxTicks;
  paxos_options.heartbeat_ticks = kSimHeartbeatTicks;
  paxos_options.max_open_slots = options.window;
  paxos_options.prng_seed = options.seed ^ kPaxosSeedSalt;
  return [paxos_options](ReplicaId self, const replica::RequestAuthenticator&,
                         const std::vector<replica::PersistRecord>& recovered) -> std::unique_ptr<replica::Protocol> {
    paxos::PaxosOptions mine = paxos_options;
    mine.self = self;
    return std::make_unique<paxos::PaxosCore>(mine, recovered);
  };
}

}  // namespace

std::optional<std::string> protocol_unavailable(const SimOptions& options) {
  const std::string mode(to_string(options.protocol));
  if (options.protocol == ProtocolMode::pbft) {
    if (options.replicas < cluster::kMinPbftReplicas || options.replicas > cluster::kMaxReplicas) {
      return "pbft needs " + std::to_string(cluster::kMinPbftReplicas) + " to " +
             std::to_string(cluster::kMaxReplicas) + " replicas (n = 3f+1)";
    }
    return std::nullopt;
  }
  if (options.replicas < cluster::kMinCrashTolerantReplicas || options.replicas > cluster::kMaxReplicas) {
    return mode + " needs " + std::to_string(cluster::kMinCrashTolerantReplicas) + " to " +
           std::to_string(cluster::kMaxReplicas) + " replicas (n = 2f+1)";
  }
  if (!options.byzantine.empty() || !options.test.colluding_equivocators.empty()) {
    return mode + " tolerates crashes only: --byzantine is for pbft";
  }
  if (options.test.corrupt_batch) return "batch corruption is a PBFT test hook";
  return std::nullopt;
}

ProtocolFactory protocol_factory(const SimOptions& options, const SimCrypto& crypto) {
  LOYAL_ASSERT(!protocol_unavailable(options), "only available protocols have a factory");
  switch (options.protocol) {
    case ProtocolMode::pbft: return pbft_factory(options, crypto);
    case ProtocolMode::raft: return raft_factory(options);
    case ProtocolMode::paxos: return paxos_factory(options);
  }
  LOYAL_ASSERT(false, "every protocol mode has a factory");
  return {};
}

std::optional<ReplicaId> initial_leader(const SimOptions& options) {
  if (options.protocol == ProtocolMode::pbft) return pbft::primary_of(0, options.replicas);
  return std::nullopt;
}

std::map<std::string_view, std::uint64_t> ignored_messages(const replica::Protocol& protocol) {
  if (const auto* pbft_core = dynamic_cast<const pbft::PbftCore*>(&protocol)) return pbft_core->ignored();
  if (const auto* raft_core = dynamic_cast<const raft::RaftCore*>(&protocol)) return raft_core->ignored();
  if (const auto* paxos_core = dynamic_cast<const paxos::PaxosCore*>(&protocol)) return paxos_core->ignored();
  return {};
}

}  // namespace loyal::sim
