#pragma once
// The key-value store's replicated state and its two canonical forms: the snapshot (bytes a peer
// restores from) and the digest (what replicas compare). Both depend only on the entries, never on
// the history that produced them: entries are kept and written in key order.

#include <cstddef>
#include <map>

#include "apps/kv/kv_limits.h"
#include "common/bytes.h"
#include "common/result.h"
#include "crypto/digest.h"

namespace loyal::kv {

// Bytewise (unsigned) key order, which std::vector's operator< gives too; that one is not used
// because GCC 12 at -O2 wrongly reports its memcmp as overreading (-Wstringop-overread).
struct KeyOrder {
  bool operator()(const Bytes& left, const Bytes& right) const;
};

// What one entry counts against a store's byte limit.
constexpr std::size_t entry_cost(std::size_t key_bytes, std::size_t value_bytes) {
  return key_bytes + value_bytes + kEntryOverheadBytes;
}

struct StoreState {
  std::map<Bytes, Bytes, KeyOrder> entries;
  // Sum of entry_cost() over `entries`; kept up to date by every change.
  std::size_t bytes = 0;
};

// Entries in ascending key order (apps/kv/kv.capnp Snapshot). Equal states give identical bytes,
// of at most state.bytes + kSnapshotHeaderBytes. Precondition: state.bytes <= kMaxStateBytes.
Bytes encode_snapshot(const StoreState& state);

// Decodes an untrusted snapshot without throwing. Refuses, with a message naming the entry and the
// rule it breaks: anything net::UntrustedMessage refuses, keys not in strictly ascending order
// (which also rules out repeated keys), keys or values over their limits, and a state whose
// byte count is over `max_state_bytes`.
Result<StoreState> decode_snapshot(ByteView snapshot, std::size_t max_state_bytes);

// SHA-256 over a domain tag, then for each entry in key order: key length, key, value length,
// value (lengths as 8-byte little-endian). Length prefixes make the encoding unambiguous. Hashed
// in place, so a digest costs no copy of the state.
crypto::Digest digest_of(const StoreState& state);

}  // namespace loyal::kv
