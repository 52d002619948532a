#include "replica/journal/snapshot_file.h"

#include <algorithm>
#include <string>

#include "common/assert.h"
#include "replica/journal/crc32c.h"
#include "replica/journal/little_endian.h"

namespace loyal::journal {

namespace {
constexpr std::size_t kChecksumOffset = 52;
}  // namespace

Bytes encode_snapshot_file(const replica::SavedSnapshot& snapshot) {
  LOYAL_ASSERT(snapshot.bytes.size() <= kMaxSavedSnapshotBytes, "snapshot above kMaxSavedSnapshotBytes");
  Bytes file;
  file.reserve(kSnapshotHeaderBytes + snapshot.bytes.size());
  detail::put_u32(file, kSnapshotMagic);
  detail::put_u64(file, snapshot.sequence);
  file.insert(file.end(), snapshot.state_digest.bytes.begin(), snapshot.state_digest.bytes.end());
  detail::put_u64(file, snapshot.bytes.size());
  detail::put_u32(file, crc32c(snapshot.bytes, crc32c(ByteView(file).first(kChecksumOffset))));
  file.insert(file.end(), snapshot.bytes.begin(), snapshot.bytes.end());
  return file;
}

Result<replica::SavedSnapshot> decode_snapshot_file(ByteView file) {
  if (file.size() < kSnapshotHeaderBytes) {
    return Error{"file is " + std::to_string(file.size()) + " bytes, shorter than the " +
                 std::to_string(kSnapshotHeaderBytes) + "-byte header"};
  }
  if (detail::get_u32(file.data()) != kSnapshotMagic) return Error{"bad magic"};
  replica::SavedSnapshot snapshot;
  snapshot.sequence = detail::get_u64(file.data() + 4);
  std::copy_n(file.data() + 12, crypto::Digest::kSize, snapshot.state_digest.bytes.begin());
  const std::uint64_t length = detail::get_u64(file.data() + 44);
  if (length > kMaxSavedSnapshotBytes) return Error{"length " + std::to_string(length) + " above the limit"};
  if (length != file.size() - kSnapshotHeaderBytes) {
    return Error{"header says " + std::to_string(length) + " snapshot bytes, file holds " +
                 std::to_string(file.size() - kSnapshotHeaderBytes)};
  }
  const ByteView bytes = file.subspan(kSnapshotHeaderBytes);
  const std::uint32_t stored_crc = detail::get_u32(file.data() + kChecksumOffset);
  if (crc32c(bytes, crc32c(file.first(kChecksumOffset))) != stored_crc) return Error{"checksum mismatch"};
  snapshot.bytes.assign(bytes.begin(), bytes.end());
  return snapshot;
}

}  // namespace loyal::journal
