#include "apps/kv/kv_store.h"

#include <utility>
#include <variant>

#include "common/assert.h"

namespace loyal::kv {

KvStore::KvStore(std::size_t max_state_bytes) : max_state_bytes_(max_state_bytes) {
  LOYAL_ASSERT(max_state_bytes <= kMaxStateBytes, "a store's byte limit is at most kMaxStateBytes");
}

Bytes KvStore::execute(ByteView operation) {
  auto decoded = decode_operation(operation);
  if (const auto* reason = std::get_if<ErrorReason>(&decoded)) return encode_result(Refused{*reason});
  return encode_result(apply(std::get<Operation>(std::move(decoded))));
}

Bytes KvStore::query(ByteView operation) const {
  const auto decoded = decode_operation(operation);
  if (const auto* reason = std::get_if<ErrorReason>(&decoded)) return encode_result(Refused{*reason});
  const auto* get = std::get_if<Get>(&std::get<Operation>(decoded));
  if (get == nullptr) return encode_result(Refused{ErrorReason::not_a_query});
  return encode_result(read(*get));
}

Bytes KvStore::snapshot() const { return encode_snapshot(state_); }

Status KvStore::restore(ByteView snapshot) {
  Result<StoreState> decoded = decode_snapshot(snapshot, max_state_bytes_);
  if (!decoded.ok()) return decoded.error();
  state_ = std::move(decoded).value();
  return {};
}

crypto::Digest KvStore::digest() const { return digest_of(state_); }

OperationResult KvStore::apply(Operation operation) {
  if (auto* put = std::get_if<Put>(&operation)) return write(std::move(put->key), std::move(put->value));
  if (const auto* get = std::get_if<Get>(&operation)) return read(*get);
  if (const auto* del = std::get_if<Delete>(&operation)) return remove(*del);
  return compare_and_swap(std::get<CompareAndSwap>(std::move(operation)));
}

OperationResult KvStore::read(const Get& get) const {
  const auto found = state_.entries.find(get.key);
  if (found == state_.entries.end()) return NotFound{};
  return Value{found->second};
}

OperationResult KvStore::write(Bytes key, Bytes value) {
  const auto position = state_.entries.lower_bound(key);
  const bool present = position != state_.entries.end() && position->first == key;
  const std::size_t replaced_cost = present ? entry_cost(key.size(), position->second.size()) : 0;
  // No overflow: state_.bytes <= max_state_bytes_ and one entry's cost is a few MiB at most.
  const std::size_t new_bytes = state_.bytes - replaced_cost + entry_cost(key.size(), value.size());
  if (new_bytes > max_state_bytes_) return Refused{ErrorReason::state_full};
  if (present) {
    position->second = std::move(value);
  } else {
    state_.entries.emplace_hint(position, std::move(key), std::move(value));
  }
  state_.bytes = new_bytes;
  return Ok{};
}

OperationResult KvStore::remove(const Delete& del) {
  const auto found = state_.entries.find(del.key);
  if (found == state_.entries.end()) return NotFound{};
  state_.bytes -= entry_cost(found->first.size(), found->second.size());
  state_.entries.erase(found);
  return Ok{};
}

OperationResult KvStore::compare_and_swap(CompareAndSwap cas) {
  const auto found = state_.entries.find(cas.key);
  const bool present = found != state_.entries.end();
  const bool expectation_holds = cas.expected ? present && found->second == *cas.expected : !present;
  if (!expectation_holds) return CasMismatch{present ? std::optional<Bytes>(found->second) : std::nullopt};
  return write(std::move(cas.key), std::move(cas.new_value));
}

}  // namespace loyal::kv
