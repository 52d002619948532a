#include "replica/snapshot.h"

#include <capnp/message.h>

#include "net/capnp_data.h"
#include "net/untrusted_message.h"
#include "replica/messages.capnp.h"

namespace loyal::replica {

Bytes encode_snapshot(Sequence sequence, ByteView application, const ClientTable& clients) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::Snapshot>();
  out.setSequence(sequence);
  out.setApplication(capnp::Data::Reader(application.data(), application.size()));
  auto entries = out.initClients(static_cast<unsigned>(clients.entries().size()));
  unsigned i = 0;
  for (const auto& [client, entry] : clients.entries()) {
    auto item = entries[i++];
    item.setClient(client);
    item.setLastRequestNumber(entry.last_request_number);
    item.setLastReply(capnp::Data::Reader(entry.last_result.data(), entry.last_result.size()));
    item.setLastOperationDigest(capnp::Data::Reader(entry.last_operation_digest.bytes.data(), crypto::Digest::kSize));
  }
  return net::message_to_frame(message);
}

std::variant<SnapshotContents, net::DecodeError> decode_snapshot(ByteView bytes, const net::DecodeLimits& limits) {
  return net::decode_message<wire::Snapshot, SnapshotContents>(
      bytes, limits, [](wire::Snapshot::Reader in) -> std::variant<SnapshotContents, net::DecodeError> {
        SnapshotContents contents;
        contents.sequence = in.getSequence();
        // Each field read once: every read counts against the traversal limit, and a snapshot's
        // application part can be most of that budget.
        const capnp::Data::Reader application = in.getApplication();
        contents.application.assign(application.begin(), application.end());
        for (const auto entry : in.getClients()) {
          // Strictly increasing ids: one entry per client, in the canonical order.
          if (!contents.clients.empty() && entry.getClient() <= contents.clients.rbegin()->first) {
            return net::DecodeError::malformed;
          }
          const capnp::Data::Reader reply = entry.getLastReply();
          const std::optional<crypto::Digest> operation = net::read_digest(entry.getLastOperationDigest());
          if (!operation) return net::DecodeError::malformed;
          contents.clients.emplace(entry.getClient(), ClientTable::Entry{entry.getLastRequestNumber(),
                                                                         Bytes(reply.begin(), reply.end()), *operation});
        }
        return contents;
      });
}

void SnapshotStore::add(Sequence sequence, Bytes bytes, StateDigest state) {
  snapshots_[sequence] = Entry{std::move(bytes), state.digest, std::move(state.pieces)};
}

void SnapshotStore::discard_below(Sequence sequence) { snapshots_.erase(snapshots_.begin(), snapshots_.lower_bound(sequence)); }

const SnapshotStore::Entry* SnapshotStore::find(Sequence sequence) const {
  const auto it = snapshots_.find(sequence);
  return it == snapshots_.end() ? nullptr : &it->second;
}

}  // namespace loyal::replica
