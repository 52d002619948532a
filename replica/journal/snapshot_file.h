#pragma once
// The saved snapshot's file format (FileJournal's `snapshot` file):
//
//   offset  size  field
//        0     4  magic "LSN1"
//        4     8  sequence
//       12    32  state digest
//       44     8  length of the snapshot bytes
//       52     4  CRC-32C of bytes 0..51 followed by the snapshot bytes
//       56     n  snapshot bytes (replica/snapshot.h encoding, opaque here)
//
// Integers little-endian. The file is replaced whole (write a temporary, sync, rename), so a
// damaged file is bit rot or tampering, not a torn write; it is reported and ignored.

#include <cstddef>
#include <cstdint>

#include "common/bytes.h"
#include "common/result.h"
#include "replica/environment.h"
#include "replica/state_transfer.h"

namespace loyal::journal {

inline constexpr std::uint32_t kSnapshotMagic = 0x314E534Cu;  // "LSN1" as bytes on disk
inline constexpr std::size_t kSnapshotHeaderBytes = 56;
// A saved snapshot larger than this is refused on reading rather than allocated.
inline constexpr std::uint64_t kMaxSavedSnapshotBytes = std::uint64_t{4} << 30;
static_assert(kMaxSavedSnapshotBytes >= replica::kDefaultMaxSnapshotBytes,
              "a snapshot state transfer accepts can be saved and read back");

Bytes encode_snapshot_file(const replica::SavedSnapshot& snapshot);
// Untrusted bytes. The Error says what is wrong ("checksum mismatch", "file is 20 bytes, shorter
// than the 56-byte header").
Result<replica::SavedSnapshot> decode_snapshot_file(ByteView file);

}  // namespace loyal::journal
