// FileJournal after a crash or damage: torn tails are truncated and appends continue after the
// last valid record; a corrupt segment takes every later segment with it (reported); a corrupt
// snapshot is reported and ignored; gaps between segments are refused untouched.

#include <fstream>

#include <gtest/gtest.h>

#include "journal_test_support.h"
#include "replica/journal/file_journal.h"
#include "replica/journal/record_codec.h"

namespace loyal::journal {
namespace {

using testing::id_range;
using testing::ids_of;
using testing::make_record;
using testing::TemporaryDirectory;

constexpr std::size_t kPayloadBytes = 100;
const std::size_t kRecordBytes = encoded_record_size(kPayloadBytes);
const JournalOptions kSmallSegments{SyncPolicy::batch, 4 * kRecordBytes};  // four records per segment

OpenedJournal open_ok(const std::filesystem::path& directory, JournalOptions options = kSmallSegments) {
  Result<OpenedJournal> opened = FileJournal::open(directory, options);
  EXPECT_TRUE(opened.ok()) << (opened.ok() ? "" : opened.error().message);
  if (!opened.ok()) std::abort();
  return std::move(opened).value();
}

void write_journal(const std::filesystem::path& directory, std::uint64_t first, std::uint64_t last) {
  OpenedJournal opened = open_ok(directory);
  for (std::uint64_t id = first; id <= last; ++id) opened.journal->append(make_record(id, kPayloadBytes));
  opened.journal->sync();
}

std::filesystem::path segment(const std::filesystem::path& directory, std::uint64_t first_id) {
  return directory / FileJournal::segment_file_name(first_id);
}

void flip_byte(const std::filesystem::path& path, std::uint64_t offset) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(static_cast<std::streamoff>(offset));
  const char original = static_cast<char>(file.get());
  file.seekp(static_cast<std::streamoff>(offset));
  file.put(static_cast<char>(original ^ 0x5A));
}

TEST(FileJournalRecovery, TornTailIsTruncatedAndAppendsContinueWithTheNextIds) {
  TemporaryDirectory temporary;
  write_journal(temporary.path(), 1, 3);
  const std::filesystem::path only = segment(temporary.path(), 1);
  // A crash in the middle of writing record 3's payload.
  std::filesystem::resize_file(only, 2 * kRecordBytes + kRecordHeaderBytes + 10);
  {
    OpenedJournal opened = open_ok(temporary.path());
    EXPECT_EQ(ids_of(opened.recovered.records), id_range(1, 2));
    ASSERT_TRUE(opened.report.damaged_tail);
    EXPECT_EQ(opened.report.damaged_tail->file, FileJournal::segment_file_name(1));
    EXPECT_EQ(opened.report.damaged_tail->offset, 2 * kRecordBytes);
    EXPECT_EQ(opened.report.damaged_tail->reason, WalkEnd::torn_payload);
    EXPECT_EQ(opened.report.damaged_tail->truncated_bytes, kRecordHeaderBytes + 10);
    EXPECT_TRUE(opened.report.clean());  // a torn last record is what crashes do
    EXPECT_NE(opened.report.describe().find("torn tail in journal-00000000000000000001.log at offset 248"),
              std::string::npos)
        << opened.report.describe();
    EXPECT_EQ(std::filesystem::file_size(only), 2 * kRecordBytes);

    for (std::uint64_t id = 3; id <= 6; ++id) opened.journal->append(make_record(id, kPayloadBytes));
    EXPECT_EQ(opened.journal->sync(), 6u);
  }
  OpenedJournal again = open_ok(temporary.path());
  EXPECT_EQ(ids_of(again.recovered.records), id_range(1, 6));
  for (const auto& record : again.recovered.records) {
    EXPECT_TRUE(testing::same_record(record, make_record(record.id, kPayloadBytes)));
  }
  EXPECT_FALSE(again.report.damaged_tail);
}

TEST(FileJournalRecovery, TornHeaderInALaterSegmentKeepsEarlierSegments) {
  TemporaryDirectory temporary;
  write_journal(temporary.path(), 1, 6);  // segments 1..4 and 5..6
  std::filesystem::resize_file(segment(temporary.path(), 5), kRecordBytes + 7);
  OpenedJournal opened = open_ok(temporary.path());
  EXPECT_EQ(ids_of(opened.recovered.records), id_range(1, 5));
  ASSERT_TRUE(opened.report.damaged_tail);
  EXPECT_EQ(opened.report.damaged_tail->reason, WalkEnd::torn_header);
  EXPECT_EQ(opened.report.segments, 2u);
  opened.journal->append(make_record(6, kPayloadBytes));
  opened.journal->sync();
  opened.journal.reset();
  EXPECT_EQ(ids_of(open_ok(temporary.path()).recovered.records), id_range(1, 6));
}

TEST(FileJournalRecovery, ASegmentLeftEmptyIsRemovedAndTheNextAppendNamesItsOwn) {
  TemporaryDirectory temporary;
  write_journal(temporary.path(), 1, 5);  // segments 1..4 and 5
  std::filesystem::resize_file(segment(temporary.path(), 5), 3);  // record 5 torn in its magic
  {
    OpenedJournal opened = open_ok(temporary.path());
    EXPECT_EQ(ids_of(opened.recovered.records), id_range(1, 4));
    EXPECT_EQ(opened.report.segments, 1u);
    EXPECT_EQ(opened.report.removed_leftovers, std::vector<std::string>{FileJournal::segment_file_name(5)});
    EXPECT_FALSE(std::filesystem::exists(segment(temporary.path(), 5)));
    // Segment 1..4 is full, so record 5 starts a fresh segment under its own name.
    opened.journal->append(make_record(5, kPayloadBytes));
    opened.journal->sync();
  }
  EXPECT_EQ(ids_of(open_ok(temporary.path()).recovered.records), id_range(1, 5));
}

TEST(FileJournalRecovery, CorruptRecordInAnOldSegmentRemovesEverythingAfterIt) {
  TemporaryDirectory temporary;
  write_journal(temporary.path(), 1, 12);  // segments 1..4, 5..8, 9..12
  flip_byte(segment(temporary.path(), 5), kRecordBytes + kRecordHeaderBytes + 50);  // record 6's payload
  OpenedJournal opened = open_ok(temporary.path());
  EXPECT_EQ(ids_of(opened.recovered.records), id_range(1, 5));
  ASSERT_TRUE(opened.report.damaged_tail);
  EXPECT_EQ(opened.report.damaged_tail->file, FileJournal::segment_file_name(5));
  EXPECT_EQ(opened.report.damaged_tail->offset, kRecordBytes);
  EXPECT_EQ(opened.report.damaged_tail->reason, WalkEnd::checksum_mismatch);
  EXPECT_FALSE(opened.report.damaged_tail->crash_like);
  EXPECT_EQ(opened.report.removed_segments, std::vector<std::string>{FileJournal::segment_file_name(9)});
  EXPECT_FALSE(opened.report.clean());
  EXPECT_NE(opened.report.describe().find("CORRUPT record"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(segment(temporary.path(), 9)));
  EXPECT_EQ(std::filesystem::file_size(segment(temporary.path(), 5)), kRecordBytes);
}

TEST(FileJournalRecovery, ZerosAfterTheLastRecordAreACrashLeftoverNotCorruption) {
  TemporaryDirectory temporary;
  write_journal(temporary.path(), 1, 3);
  const std::filesystem::path only = segment(temporary.path(), 1);
  std::filesystem::resize_file(only, 3 * kRecordBytes + 4096);  // extended by zeros
  OpenedJournal opened = open_ok(temporary.path());
  EXPECT_EQ(ids_of(opened.recovered.records), id_range(1, 3));
  ASSERT_TRUE(opened.report.damaged_tail);
  EXPECT_EQ(opened.report.damaged_tail->reason, WalkEnd::bad_magic);
  EXPECT_TRUE(opened.report.damaged_tail->crash_like);
  EXPECT_TRUE(opened.report.clean());
  EXPECT_EQ(std::filesystem::file_size(only), 3 * kRecordBytes);
}

TEST(FileJournalRecovery, DamagedLastRecordOfTheLastSegmentIsCrashLike) {
  TemporaryDirectory temporary;
  write_journal(temporary.path(), 1, 6);  // segments 1..4 and 5..6
  flip_byte(segment(temporary.path(), 5), 2 * kRecordBytes - 1);
  OpenedJournal opened = open_ok(temporary.path());
  EXPECT_EQ(ids_of(opened.recovered.records), id_range(1, 5));
  ASSERT_TRUE(opened.report.damaged_tail);
  EXPECT_EQ(opened.report.damaged_tail->reason, WalkEnd::checksum_mismatch);
  EXPECT_TRUE(opened.report.damaged_tail->crash_like);

  // The same damage in a segment that is not the last was synced before the next one began.
  TemporaryDirectory other;
  write_journal(other.path(), 1, 6);
  flip_byte(segment(other.path(), 1), 4 * kRecordBytes - 1);
  OpenedJournal damaged = open_ok(other.path());
  EXPECT_EQ(ids_of(damaged.recovered.records), id_range(1, 3));
  ASSERT_TRUE(damaged.report.damaged_tail);
  EXPECT_FALSE(damaged.report.damaged_tail->crash_like);
  EXPECT_EQ(damaged.report.removed_segments, std::vector<std::string>{FileJournal::segment_file_name(5)});
  EXPECT_FALSE(damaged.report.clean());
}

TEST(FileJournalRecovery, SegmentsWithAGapAreRefusedAndLeftUntouched) {
  TemporaryDirectory temporary;
  write_journal(temporary.path(), 1, 12);
  const auto middle = segment(temporary.path(), 5);
  std::filesystem::remove(middle);
  const Result<OpenedJournal> opened = FileJournal::open(temporary.path(), kSmallSegments);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("not contiguous"), std::string::npos) << opened.error().message;
  EXPECT_EQ(std::filesystem::file_size(segment(temporary.path(), 1)), 4 * kRecordBytes);
  EXPECT_EQ(std::filesystem::file_size(segment(temporary.path(), 9)), 4 * kRecordBytes);
}

TEST(FileJournalRecovery, ASegmentWhoseNameDisagreesWithItsFirstRecordIsRefused) {
  TemporaryDirectory temporary;
  write_journal(temporary.path(), 1, 3);
  std::filesystem::rename(segment(temporary.path(), 1), segment(temporary.path(), 2));
  const Result<OpenedJournal> opened = FileJournal::open(temporary.path(), kSmallSegments);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("not the record its name says"), std::string::npos) << opened.error().message;
}

TEST(FileJournalRecovery, CorruptSnapshotIsReportedAndIgnoredWhileRecordsRecover) {
  TemporaryDirectory temporary;
  {
    OpenedJournal opened = open_ok(temporary.path());
    opened.journal->save_snapshot({50, crypto::sha256(as_bytes("state")), to_bytes("state bytes")});
    for (std::uint64_t id = 1; id <= 3; ++id) opened.journal->append(make_record(id, kPayloadBytes));
    opened.journal->sync();
  }
  flip_byte(temporary.path() / "snapshot", 60);
  OpenedJournal opened = open_ok(temporary.path());
  EXPECT_FALSE(opened.recovered.snapshot);
  EXPECT_FALSE(opened.report.snapshot_sequence);
  ASSERT_TRUE(opened.report.corrupt_snapshot);
  EXPECT_NE(opened.report.corrupt_snapshot->find("checksum mismatch"), std::string::npos);
  EXPECT_FALSE(opened.report.clean());
  EXPECT_NE(opened.report.describe().find("snapshot IGNORED"), std::string::npos);
  EXPECT_EQ(ids_of(opened.recovered.records), id_range(1, 3));

  // The next save replaces the damaged file.
  opened.journal->save_snapshot({60, crypto::sha256(as_bytes("new")), to_bytes("new")});
  opened.journal.reset();
  OpenedJournal reopened = open_ok(temporary.path());
  ASSERT_TRUE(reopened.recovered.snapshot);
  EXPECT_EQ(reopened.recovered.snapshot->sequence, 60u);
  EXPECT_FALSE(reopened.report.corrupt_snapshot);
}

TEST(FileJournalRecovery, AnUnfinishedSnapshotTemporaryIsDeletedAndTheOldSnapshotKept) {
  TemporaryDirectory temporary;
  {
    OpenedJournal opened = open_ok(temporary.path());
    opened.journal->save_snapshot({50, crypto::sha256(as_bytes("state")), to_bytes("state bytes")});
  }
  { std::ofstream(temporary.path() / "snapshot.tmp") << "half a snapshot"; }
  OpenedJournal opened = open_ok(temporary.path());
  ASSERT_TRUE(opened.recovered.snapshot);
  EXPECT_EQ(opened.recovered.snapshot->sequence, 50u);
  EXPECT_FALSE(std::filesystem::exists(temporary.path() / "snapshot.tmp"));
  EXPECT_EQ(opened.report.removed_leftovers, std::vector<std::string>{"snapshot.tmp"});
}

}  // namespace
}  // namespace loyal::journal
