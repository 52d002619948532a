#include "tests/sim/protocols.h"

#include "common/assert.h"
#include "pbft/pbft_core.h"

namespace loyal::sim {

std::optional<std::string> protocol_unavailable(const SimOptions& options) {
  if (options.protocol == ProtocolMode::pbft) return std::nullopt;
  return std::string(to_string(options.protocol)) +
         " is not available yet: its core does not exist; use --protocol pbft";
}

ProtocolFactory protocol_factory(const SimOptions& options, const crypto::Verifier& verifier) {
  LOYAL_ASSERT(!protocol_unavailable(options), "only available protocols have a factory");
  pbft::PbftOptions pbft_options;
  pbft_options.replica_count = options.replicas;
  pbft_options.max_faulty = cluster::max_faulty(ProtocolMode::pbft, options.replicas);
  pbft_options.checkpoint_interval = options.checkpoint_interval;
  pbft_options.window = options.window;
  pbft_options.retransmit_ticks = options.retransmit_ticks;
  pbft_options.max_batch_requests = options.batch_max_requests;
  return [pbft_options, &verifier](
             ReplicaId self, const replica::RequestAuthenticator& authenticator,
             const std::vector<replica::PersistRecord>& recovered) -> std::unique_ptr<replica::Protocol> {
    pbft::PbftOptions mine = pbft_options;
    mine.self = self;
    return std::make_unique<pbft::PbftCore>(mine, authenticator, verifier, recovered);
  };
}

ReplicaId initial_leader(const SimOptions& options) { return pbft::primary_of(0, options.replicas); }

std::map<std::string_view, std::uint64_t> ignored_messages(const replica::Protocol& protocol) {
  if (const auto* pbft_core = dynamic_cast<const pbft::PbftCore*>(&protocol)) return pbft_core->ignored();
  return {};
}

}  // namespace loyal::sim
