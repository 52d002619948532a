#pragma once
// What the pipeline is given to reach the outside world. The runtime implements these over
// ZeroMQ and files; the simulator over its simulated network and storage. The pipeline calls
// them from the replica thread only.

#include <cstdint>
#include <optional>
#include <vector>

#include "common/bytes.h"
#include "common/ids.h"
#include "crypto/digest.h"
#include "replica/protocol.h"
#include "replica/types.h"

namespace loyal::replica {

// Sends encoded envelopes. Must not block; may drop (the protocols retransmit). The frame is only
// borrowed for the duration of the call.
class Outbox {
 public:
  virtual ~Outbox() = default;
  virtual void to_replica(ReplicaId replica, ByteView frame) = 0;
  virtual void to_client(ClientId client, ByteView frame) = 0;
};

// A checkpoint snapshot on stable storage (replica/snapshot.h encoding), for restarts.
struct SavedSnapshot {
  Sequence sequence = 0;
  crypto::Digest state_digest;
  Bytes bytes;
};

// Where a core's PersistRecords and the pipeline's checkpoint snapshots go.
//  - append() then sync() makes every appended record durable; sync() returns the id of the last
//    durable record. Records are appended in increasing id order.
//  - discard_before(id): the core no longer needs records with a smaller id (it restated what it
//    needs in later records). The journal may drop them at any later time, or never.
//  - save_snapshot() replaces the saved snapshot and is durable when it returns. The pipeline
//    saves every checkpoint it takes or installs, before telling the core about it, so the saved
//    snapshot is never older than what the core's remaining records assume.
class Journal {
 public:
  virtual ~Journal() = default;
  virtual void append(const PersistRecord& record) = 0;
  virtual std::uint64_t sync() = 0;
  virtual void discard_before(std::uint64_t first_kept_id) = 0;
  virtual void save_snapshot(const SavedSnapshot& snapshot) = 0;
};

// What a journal held when a replica restarted: its durable records in id order (possibly
// including some the core had allowed to be discarded) and the last saved snapshot, if any.
struct RecoveredState {
  std::vector<PersistRecord> records;
  std::optional<SavedSnapshot> snapshot;
};

// Optional observer of what a replica executes, for the simulator's checkers and for metrics.
// Called synchronously from the pipeline, in execution order.
class ReplicaObserver {
 public:
  virtual ~ReplicaObserver() = default;
  virtual void on_batch_executed(ReplicaId replica, Sequence sequence, const crypto::Digest& batch_digest) = 0;
  virtual void on_request_executed(ReplicaId replica, Sequence sequence, ClientId client,
                                   std::uint64_t request_number, ByteView operation, ByteView result) = 0;
  virtual void on_checkpoint(ReplicaId replica, Sequence sequence, const crypto::Digest& state_digest) = 0;
  // State transfer replaced the replica's state with the snapshot at `sequence`; executions
  // continue at sequence + 1 (possibly re-executing sequence numbers above it, on the new state).
  virtual void on_state_installed(ReplicaId /*replica*/, Sequence /*sequence*/,
                                  const crypto::Digest& /*state_digest*/) {}
};

}  // namespace loyal::replica
