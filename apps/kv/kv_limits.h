#pragma once
// Named limits of the key-value store. Decoders check every one of them, and the relationships
// between them (and with the pipeline's frame limits) are checked at compile time.

#include <cstddef>

#include "net/limits.h"

namespace loyal::kv {

inline constexpr std::size_t kMaxKeyBytes = std::size_t{1} << 10;
inline constexpr std::size_t kMaxValueBytes = std::size_t{1} << 20;

// Cap'n Proto framing around the keys and values of one operation or result: segment table, root
// pointer, structs, padding of each Data to a whole word. It stays under 128 bytes; the rest is
// room for fields added later.
inline constexpr std::size_t kFramingBytes = 256;
// compareAndSwap is the largest operation: a key, the expected value and the new value.
inline constexpr std::size_t kMaxOperationBytes = kMaxKeyBytes + 2 * kMaxValueBytes + kFramingBytes;
inline constexpr std::size_t kMaxResultBytes = kMaxValueBytes + kFramingBytes;

// What an entry costs in a snapshot beyond its key and value bytes: its two pointers in the entry
// list (16 bytes) and the padding of key and value to whole words (at most 7 bytes each). The
// store counts every entry at this cost, so its byte count bounds its snapshot size.
inline constexpr std::size_t kEntryOverheadBytes = 32;
// The default bound on a store's byte count (keys + values + kEntryOverheadBytes per entry).
inline constexpr std::size_t kMaxStateBytes = std::size_t{256} << 20;
// Segment table, root pointer, Snapshot struct and the entry list's tag word: 8 bytes each.
inline constexpr std::size_t kSnapshotHeaderBytes = 32;
inline constexpr std::size_t kMaxSnapshotBytes = kMaxStateBytes + kSnapshotHeaderBytes;

static_assert(kMaxOperationBytes + kFramingBytes <= net::kMaxBodyBytes,
              "an operation travels inside a ClientRequest body");
static_assert(kMaxResultBytes + kFramingBytes <= net::kMaxBodyBytes, "a result travels inside a ClientReply body");
static_assert(kMaxKeyBytes + kMaxValueBytes + kEntryOverheadBytes <= kMaxStateBytes,
              "a store must be able to hold at least one entry of the largest size");
static_assert(kMaxSnapshotBytes < (std::size_t{1} << 29),
              "a snapshot travels as one Cap'n Proto Data field (at most 2^29 - 1 bytes) inside the "
              "replica's Snapshot message");

}  // namespace loyal::kv
