// The record framing and the recovery walk: round trips, and every way a walk can stop early,
// with the valid prefix (and nothing after it) returned.

#include <algorithm>

#include <gtest/gtest.h>

#include "journal_test_support.h"
#include "replica/journal/crc32c.h"
#include "replica/journal/record_codec.h"

namespace loyal::journal {
namespace {

using testing::id_range;
using testing::ids_of;
using testing::make_record;

Bytes encode_records(std::uint64_t first, std::uint64_t last, std::size_t payload_bytes = 16) {
  Bytes buffer;
  for (std::uint64_t id = first; id <= last; ++id) encode_record(make_record(id, payload_bytes), buffer);
  return buffer;
}

TEST(Crc32c, MatchesTheStandardCheckValue) {
  EXPECT_EQ(crc32c(as_bytes("123456789")), 0xE3069283u);
  EXPECT_EQ(crc32c({}), 0u);
}

TEST(Crc32c, RunningChecksumEqualsOneShot) {
  const Bytes data = encode_records(1, 5);
  const ByteView view(data);
  for (std::size_t split : {std::size_t{0}, std::size_t{3}, std::size_t{8}, std::size_t{17}, data.size()}) {
    EXPECT_EQ(crc32c(view.subspan(split), crc32c(view.first(split))), crc32c(view)) << "split " << split;
  }
}

TEST(RecordCodec, RoundTripsRecordsInOrder) {
  Bytes buffer;
  std::vector<replica::PersistRecord> written = {make_record(7, 0), make_record(8, 1), make_record(9, 1000)};
  written[1].type = 0xFFFF'FFFFu;
  for (const auto& record : written) encode_record(record, buffer);
  EXPECT_EQ(buffer.size(), 3 * kRecordHeaderBytes + 1001);

  const DecodedRecords decoded = decode_records(buffer);
  EXPECT_EQ(decoded.end, WalkEnd::clean);
  EXPECT_EQ(decoded.valid_bytes, buffer.size());
  ASSERT_EQ(decoded.records.size(), written.size());
  for (std::size_t i = 0; i < written.size(); ++i) EXPECT_TRUE(testing::same_record(decoded.records[i], written[i]));
}

TEST(RecordCodec, EmptyBufferIsACleanEnd) {
  const DecodedRecords decoded = decode_records({});
  EXPECT_EQ(decoded.end, WalkEnd::clean);
  EXPECT_TRUE(decoded.records.empty());
}

TEST(RecordCodec, TornHeaderKeepsTheRecordsBeforeIt) {
  const Bytes whole = encode_records(1, 3);
  const std::size_t third = 2 * encoded_record_size(16);
  for (std::size_t cut : {std::size_t{1}, std::size_t{3}, std::size_t{4}, kRecordHeaderBytes - 1}) {
    const DecodedRecords decoded = decode_records(ByteView(whole).first(third + cut));
    EXPECT_EQ(decoded.end, WalkEnd::torn_header) << "cut " << cut;
    EXPECT_EQ(decoded.valid_bytes, third);
    EXPECT_EQ(ids_of(decoded.records), id_range(1, 2));
  }
}

TEST(RecordCodec, TornPayloadKeepsTheRecordsBeforeIt) {
  const Bytes whole = encode_records(1, 3);
  const std::size_t third = 2 * encoded_record_size(16);
  for (std::size_t cut : {kRecordHeaderBytes, kRecordHeaderBytes + 1, kRecordHeaderBytes + 15}) {
    const DecodedRecords decoded = decode_records(ByteView(whole).first(third + cut));
    EXPECT_EQ(decoded.end, WalkEnd::torn_payload) << "cut " << cut;
    EXPECT_EQ(decoded.valid_bytes, third);
    EXPECT_EQ(ids_of(decoded.records), id_range(1, 2));
  }
}

TEST(RecordCodec, ChecksumMismatchInTheMiddleStopsThereAndHidesLaterRecords) {
  Bytes buffer = encode_records(1, 5);
  const std::size_t third = 2 * encoded_record_size(16);
  buffer[third + kRecordHeaderBytes + 3] ^= 0x01;  // one bit of record 3's payload
  const DecodedRecords decoded = decode_records(buffer);
  EXPECT_EQ(decoded.end, WalkEnd::checksum_mismatch);
  EXPECT_EQ(decoded.valid_bytes, third);
  EXPECT_EQ(ids_of(decoded.records), id_range(1, 2));
  EXPECT_FALSE(decoded.damage_reaches_end);  // records 4 and 5 follow: durable data was damaged
}

TEST(RecordCodec, DamageAtTheVeryEndLooksLikeACrash) {
  Bytes last_damaged = encode_records(1, 3);
  last_damaged.back() ^= 0x01;
  DecodedRecords decoded = decode_records(last_damaged);
  EXPECT_EQ(decoded.end, WalkEnd::checksum_mismatch);
  EXPECT_TRUE(decoded.damage_reaches_end);

  // The header landed, the payload did not: the filesystem shows zeros where it should be.
  Bytes payload_zeroed = encode_records(1, 3);
  std::fill(payload_zeroed.end() - 16, payload_zeroed.end(), 0);
  payload_zeroed.resize(payload_zeroed.size() + 100, 0);
  decoded = decode_records(payload_zeroed);
  EXPECT_EQ(decoded.end, WalkEnd::checksum_mismatch);
  EXPECT_TRUE(decoded.damage_reaches_end);
  EXPECT_EQ(ids_of(decoded.records), id_range(1, 2));

  EXPECT_TRUE(decode_records(ByteView(encode_records(1, 3)).first(30)).damage_reaches_end);  // torn
  EXPECT_FALSE(decode_records(encode_records(1, 3)).damage_reaches_end);  // clean
}

TEST(RecordCodec, ChecksumCoversTheHeaderFields) {
  for (std::size_t field_offset : {std::size_t{8}, std::size_t{16}}) {  // id, type
    Bytes buffer = encode_records(1, 2);
    buffer[encoded_record_size(16) + field_offset] ^= 0x40;
    const DecodedRecords decoded = decode_records(buffer);
    EXPECT_EQ(decoded.end, WalkEnd::checksum_mismatch) << "field at " << field_offset;
    EXPECT_EQ(ids_of(decoded.records), id_range(1, 1));
  }
}

TEST(RecordCodec, BadMagicStopsTheWalk) {
  Bytes buffer = encode_records(1, 3);
  buffer[encoded_record_size(16)] ^= 0xFF;
  DecodedRecords decoded = decode_records(buffer);
  EXPECT_EQ(decoded.end, WalkEnd::bad_magic);
  EXPECT_FALSE(decoded.damage_reaches_end);  // garbage followed by data is damage
  EXPECT_EQ(decoded.valid_bytes, encoded_record_size(16));
  EXPECT_EQ(ids_of(decoded.records), id_range(1, 1));

  // Zeros after the last record, as a filesystem may leave after a crash, are not a record.
  Bytes zero_filled = encode_records(1, 2);
  zero_filled.resize(zero_filled.size() + 4096, 0);
  decoded = decode_records(zero_filled);
  EXPECT_EQ(decoded.end, WalkEnd::bad_magic);
  EXPECT_EQ(ids_of(decoded.records), id_range(1, 2));
  EXPECT_TRUE(decoded.damage_reaches_end);
}

TEST(RecordCodec, LengthAboveTheLimitIsRefusedBeforeReadingIt) {
  Bytes buffer = encode_records(1, 2);
  const std::size_t second = encoded_record_size(16);
  const std::uint32_t huge = static_cast<std::uint32_t>(kMaxRecordPayloadBytes + 1);
  for (int i = 0; i < 4; ++i) buffer[second + 4 + i] = static_cast<std::uint8_t>(huge >> (8 * i));
  const DecodedRecords decoded = decode_records(buffer);
  EXPECT_EQ(decoded.end, WalkEnd::length_over_limit);
  EXPECT_EQ(decoded.valid_bytes, second);
  EXPECT_EQ(ids_of(decoded.records), id_range(1, 1));
}

TEST(RecordCodec, IdsMustIncrease) {
  Bytes buffer;
  encode_record(make_record(5), buffer);
  encode_record(make_record(6), buffer);
  encode_record(make_record(6), buffer);
  encode_record(make_record(7), buffer);
  DecodedRecords decoded = decode_records(buffer);
  EXPECT_EQ(decoded.end, WalkEnd::id_not_increasing);
  EXPECT_EQ(decoded.valid_bytes, 2 * encoded_record_size(16));
  EXPECT_EQ(ids_of(decoded.records), id_range(5, 6));

  // Across buffers (segments): the first record must be above the previous buffer's last.
  decoded = decode_records(encode_records(3, 4), std::uint64_t{3});
  EXPECT_EQ(decoded.end, WalkEnd::id_not_increasing);
  EXPECT_EQ(decoded.valid_bytes, 0u);
  EXPECT_TRUE(decoded.records.empty());
  EXPECT_EQ(decode_records(encode_records(3, 4), std::uint64_t{2}).end, WalkEnd::clean);
}

TEST(RecordCodec, EveryPrefixDecodesToWholeRecordsOnly) {
  const Bytes whole = encode_records(1, 4, 5);
  const std::size_t record_bytes = encoded_record_size(5);
  for (std::size_t length = 0; length <= whole.size(); ++length) {
    const DecodedRecords decoded = decode_records(ByteView(whole).first(length));
    EXPECT_EQ(decoded.records.size(), length / record_bytes) << "length " << length;
    EXPECT_EQ(decoded.valid_bytes, (length / record_bytes) * record_bytes);
    EXPECT_EQ(decoded.end == WalkEnd::clean, length % record_bytes == 0);
    if (length % record_bytes != 0) {
      EXPECT_TRUE(is_torn(decoded.end)) << "length " << length;
    }
  }
}

}  // namespace
}  // namespace loyal::journal
