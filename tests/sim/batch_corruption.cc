#include "tests/sim/batch_corruption.h"

namespace loyal::sim {

void CorruptingProtocol::corrupt(replica::Actions& out) const {
  for (replica::CommittedBatch& committed : out.committed) {
    if (committed.sequence != sequence_) continue;
    committed.batch.clear();  // a no-op: a valid batch, just not the agreed one
    committed.digest = crypto::sha256(committed.batch);
  }
}

ProtocolFactory with_batch_corruption(ProtocolFactory make_protocol, BatchCorruption corruption) {
  return [make_protocol = std::move(make_protocol), corruption](
             ReplicaId self, const replica::RequestAuthenticator& authenticator,
             const std::vector<replica::PersistRecord>& recovered) -> std::unique_ptr<replica::Protocol> {
    std::unique_ptr<replica::Protocol> core = make_protocol(self, authenticator, recovered);
    if (self != corruption.replica) return core;
    return std::make_unique<CorruptingProtocol>(std::move(core), corruption.sequence);
  };
}

}  // namespace loyal::sim
