#include "replica/journal/record_codec.h"

#include "common/assert.h"
#include "replica/journal/crc32c.h"
#include "replica/journal/little_endian.h"

namespace loyal::journal {

namespace {
constexpr std::size_t kChecksumOffset = 20;

bool all_zero(ByteView bytes) {
  for (std::uint8_t byte : bytes) {
    if (byte != 0) return false;
  }
  return true;
}
}  // namespace

void encode_record(const replica::PersistRecord& record, Bytes& out) {
  LOYAL_ASSERT(record.payload.size() <= kMaxRecordPayloadBytes, "journal record payload above kMaxRecordPayloadBytes");
  const std::size_t start = out.size();
  out.reserve(start + encoded_record_size(record.payload.size()));
  detail::put_u32(out, kRecordMagic);
  detail::put_u32(out, static_cast<std::uint32_t>(record.payload.size()));
  detail::put_u64(out, record.id);
  detail::put_u32(out, record.type);
  const std::uint32_t header_crc = crc32c(ByteView(out).subspan(start, kChecksumOffset));
  detail::put_u32(out, crc32c(record.payload, header_crc));
  out.insert(out.end(), record.payload.begin(), record.payload.end());
}

std::string_view to_string(WalkEnd end) {
  switch (end) {
    case WalkEnd::clean: return "clean end";
    case WalkEnd::torn_header: return "torn record header";
    case WalkEnd::torn_payload: return "torn record payload";
    case WalkEnd::checksum_mismatch: return "checksum mismatch";
    case WalkEnd::bad_magic: return "bad record magic";
    case WalkEnd::length_over_limit: return "record length above limit";
    case WalkEnd::id_not_increasing: return "record id not increasing";
  }
  return "unknown";
}

DecodedRecords decode_records(ByteView buffer, std::optional<std::uint64_t> previous_id) {
  DecodedRecords decoded;
  std::size_t offset = 0;
  const auto stop = [&](WalkEnd end, bool damage_reaches_end = false) {
    decoded.end = end;
    decoded.valid_bytes = offset;
    decoded.damage_reaches_end = damage_reaches_end || is_torn(end);
    return decoded;
  };
  while (offset < buffer.size()) {
    const std::size_t left = buffer.size() - offset;
    const std::uint8_t* header = buffer.data() + offset;
    // The magic is checked before tornness so that a short run of garbage is called garbage.
    if (left >= 4 && detail::get_u32(header) != kRecordMagic) {
      return stop(WalkEnd::bad_magic, all_zero(buffer.subspan(offset)));
    }
    if (left < kRecordHeaderBytes) return stop(WalkEnd::torn_header);
    const std::uint32_t length = detail::get_u32(header + 4);
    const std::uint64_t id = detail::get_u64(header + 8);
    const std::uint32_t type = detail::get_u32(header + 16);
    const std::uint32_t stored_crc = detail::get_u32(header + kChecksumOffset);
    if (length > kMaxRecordPayloadBytes) return stop(WalkEnd::length_over_limit);
    if (left - kRecordHeaderBytes < length) return stop(WalkEnd::torn_payload);
    const ByteView payload = buffer.subspan(offset + kRecordHeaderBytes, length);
    const std::uint32_t computed_crc = crc32c(payload, crc32c(ByteView(header, kChecksumOffset)));
    if (computed_crc != stored_crc) {
      return stop(WalkEnd::checksum_mismatch, all_zero(buffer.subspan(offset + kRecordHeaderBytes + length)));
    }
    if (previous_id && id <= *previous_id) return stop(WalkEnd::id_not_increasing);
    decoded.records.push_back({id, type, Bytes(payload.begin(), payload.end())});
    previous_id = id;
    offset += kRecordHeaderBytes + length;
  }
  return stop(WalkEnd::clean);
}

}  // namespace loyal::journal
