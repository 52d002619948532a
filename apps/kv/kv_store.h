#pragma once
// loyal's default application: a deterministic key-value store. Clients send operations built
// with the encode_* helpers in apps/kv/kv_operations.h and read results with decode_result().
//
// Semantics: put sets a value; get returns it or notFound; delete removes a present key (ok) or
// answers notFound; compareAndSwap sets the new value only if the current one equals the expected
// one (or, with no expected value, only if the key is absent), and otherwise answers casMismatch
// with the current value. An operation that cannot be decoded, breaks a size limit, or would take
// the store over its byte limit is answered with a Refused result and changes nothing.

#include <cstddef>

#include "apps/kv/kv_limits.h"
#include "apps/kv/kv_operations.h"
#include "apps/kv/kv_state.h"
#include "replica/state_machine.h"

namespace loyal::kv {

class KvStore final : public replica::StateMachine {
 public:
  // `max_state_bytes` bounds state_bytes(). It decides which writes are refused and which
  // snapshots are accepted, so every replica of a cluster must use the same value.
  // Precondition: max_state_bytes <= kMaxStateBytes.
  explicit KvStore(std::size_t max_state_bytes = kMaxStateBytes);

  Bytes execute(ByteView operation) override;
  // Answers get only; any other operation is refused with ErrorReason::not_a_query.
  Bytes query(ByteView operation) const override;
  Bytes snapshot() const override;
  Status restore(ByteView snapshot) override;
  crypto::Digest digest() const override;

  std::size_t entry_count() const { return state_.entries.size(); }
  // Keys + values + kEntryOverheadBytes per entry: what the state counts against its limit, and a
  // bound on snapshot().size() - kSnapshotHeaderBytes.
  std::size_t state_bytes() const { return state_.bytes; }

 private:
  OperationResult apply(Operation operation);
  OperationResult read(const Get& get) const;
  OperationResult write(Bytes key, Bytes value);
  OperationResult remove(const Delete& del);
  OperationResult compare_and_swap(CompareAndSwap cas);

  std::size_t max_state_bytes_;
  StoreState state_;
};

}  // namespace loyal::kv
