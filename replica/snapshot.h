#pragma once
// Checkpoint snapshots: the application's snapshot and the client table at a sequence number,
// as one Cap'n Proto message whose SHA-256 is the checkpoint's state digest. Replicas that
// executed the same batches produce byte-identical snapshots (the application's snapshot is
// deterministic and the client table is ordered), so digests agree.

#include <map>
#include <variant>

#include "replica/state_digest.h"
#include "common/bytes.h"
#include "crypto/digest.h"
#include "net/decode_error.h"
#include "net/limits.h"
#include "replica/client_table.h"
#include "replica/types.h"

namespace loyal::replica {

struct SnapshotContents {
  Sequence sequence = 0;
  Bytes application;
  std::map<ClientId, ClientTable::Entry> clients;
};

Bytes encode_snapshot(Sequence sequence, ByteView application, const ClientTable& clients);
// Untrusted bytes (from a peer during state transfer): checked structure, clients strictly ordered.
std::variant<SnapshotContents, net::DecodeError> decode_snapshot(ByteView bytes, const net::DecodeLimits& limits);

// The snapshots this replica took and has not yet discarded: the latest stable one (what peers
// fetch in state transfer) and any newer ones waiting to become stable.
class SnapshotStore {
 public:
  struct Entry {
    Bytes bytes;
    crypto::Digest digest;
    std::vector<crypto::Digest> pieces;  // replica/state_digest.h: what a fetch's first chunk carries
  };

  void add(Sequence sequence, Bytes bytes, StateDigest state);
  // Keeps `sequence` and newer.
  void discard_below(Sequence sequence);
  const Entry* find(Sequence sequence) const;
  std::size_t size() const { return snapshots_.size(); }

 private:
  std::map<Sequence, Entry> snapshots_;
};

}  // namespace loyal::replica
