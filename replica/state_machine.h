#pragma once
// The application a cluster replicates. loyal ships a key-value store (apps/kv); a developer plugs
// in their own by implementing this interface.
//
// Determinism contract — every replica must stay byte-identical, so an implementation must:
//  - compute execute()'s result and new state from (current state, operation) alone: no clocks,
//    randomness, threads, I/O, addresses or iteration over unordered containers;
//  - make digest() a function of the logical state only (two replicas that reached the same state
//    through different histories, or through restore(), report the same digest);
//  - make restore(snapshot()) give back the same logical state and digest;
//  - treat operations it cannot parse as a deterministic error result, never as a crash (clients
//    are not trusted to send well-formed operations).
// Ownership and ordering: the pipeline owns the StateMachine and calls it from the replica thread
// only, one call at a time, in commit order.

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/digest.h"

namespace loyal::replica {

class StateMachine {
 public:
  virtual ~StateMachine() = default;

  // Applies one operation and returns the result bytes sent back to the client.
  virtual Bytes execute(ByteView operation) = 0;

  // A read-only query against the current state (no effect on state). Used only where a mode
  // allows local reads; the default pipeline orders every operation.
  virtual Bytes query(ByteView operation) const = 0;

  virtual Bytes snapshot() const = 0;
  // Replaces the whole state. Fails, leaving the state unchanged, on a malformed snapshot (a
  // snapshot comes from a peer during state transfer; its digest is checked before this call, but
  // the bytes are still treated as untrusted).
  virtual Status restore(ByteView snapshot) = 0;

  virtual crypto::Digest digest() const = 0;
};

}  // namespace loyal::replica
