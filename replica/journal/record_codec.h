#pragma once
// How one PersistRecord is framed in the journal, on disk (FileJournal) and in the simulator's
// memory "disk" (MemoryJournal) alike:
//
//   offset  size  field
//        0     4  magic "LJR1"  (0x3152'4A4C little-endian)
//        4     4  payload length, at most kMaxRecordPayloadBytes
//        8     8  record id
//       16     4  record type
//       20     4  CRC-32C of bytes 0..19 followed by the payload
//       24     n  payload
//
// All integers little-endian. The checksum covers the header too, so a flipped length, id or
// type is caught, not only a damaged payload.
//
// Recovery walks a buffer of concatenated records and keeps the longest valid prefix: it stops at
// the first record that is incomplete or wrong and never returns anything after it (a record
// after a damaged one cannot be trusted to be the one that was written there).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "net/limits.h"
#include "replica/protocol.h"

namespace loyal::journal {

inline constexpr std::uint32_t kRecordMagic = 0x31524A4Cu;  // "LJR1" as bytes on disk
inline constexpr std::size_t kRecordHeaderBytes = 24;
// A core persists at most a few batches per record; a batch fits in a frame body. A length above
// this is damage, not a record, and is refused before anything is allocated for it.
inline constexpr std::size_t kMaxRecordPayloadBytes = std::size_t{64} << 20;
static_assert(kMaxRecordPayloadBytes >= 4 * net::kMaxFrameBytes, "a record holds several frame-sized batches");
static_assert(kMaxRecordPayloadBytes <= 0xFFFF'FFFFu, "the length field is 32 bits");

inline constexpr std::size_t encoded_record_size(std::size_t payload_bytes) {
  return kRecordHeaderBytes + payload_bytes;
}

// Appends the framed record to `out`. Precondition (asserted): payload within the limit.
void encode_record(const replica::PersistRecord& record, Bytes& out);

// How a walk over a buffer of records ended.
enum class WalkEnd : std::uint8_t {
  clean,               // the buffer ended exactly after a valid record (or was empty)
  torn_header,         // fewer than kRecordHeaderBytes left: a write cut short
  torn_payload,        // the header promises more payload than the buffer holds
  checksum_mismatch,   // the header or payload is not what was written
  bad_magic,           // not a record start (garbage, or zeros a filesystem left after a crash)
  length_over_limit,   // payload length above kMaxRecordPayloadBytes
  id_not_increasing,   // record id not above the previous one
};

std::string_view to_string(WalkEnd end);

inline bool is_torn(WalkEnd end) { return end == WalkEnd::torn_header || end == WalkEnd::torn_payload; }

struct DecodedRecords {
  std::vector<replica::PersistRecord> records;  // the valid prefix, in order
  WalkEnd end = WalkEnd::clean;
  // Where the valid prefix ends: the buffer size when clean, otherwise the offset of the record
  // that stopped the walk. Truncating the buffer here leaves exactly `records`.
  std::size_t valid_bytes = 0;
  // Nothing after the damage could be a record: the walk ended torn, or on a record that fails
  // its checksum and is followed only by zero bytes (if anything), or on zero bytes instead of a
  // magic. That is what a crash in the middle of the last write leaves (filesystems may extend a
  // file before its data lands, and show the gap as zeros). Damage followed by data is not.
  bool damage_reaches_end = false;
};

// `previous_id`: the id of the record just before this buffer (from an earlier segment), so that
// the first record here must be above it. Untrusted input: never crashes, never reads past the
// buffer, never allocates more than the buffer holds.
DecodedRecords decode_records(ByteView buffer, std::optional<std::uint64_t> previous_id = std::nullopt);

}  // namespace loyal::journal
