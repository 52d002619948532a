// FileJournal in normal operation: append, sync, reopen; segments and discard_before; snapshots;
// sync policies; refusals when opening.

#include <unistd.h>

#include <algorithm>
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

OpenedJournal open_ok(const std::filesystem::path& directory, JournalOptions options = {}) {
  Result<OpenedJournal> opened = FileJournal::open(directory, options);
  EXPECT_TRUE(opened.ok()) << (opened.ok() ? "" : opened.error().message);
  if (!opened.ok()) std::abort();
  return std::move(opened).value();
}

void append_range(FileJournal& journal, std::uint64_t first, std::uint64_t last, std::size_t payload_bytes = 16) {
  for (std::uint64_t id = first; id <= last; ++id) journal.append(make_record(id, payload_bytes));
}

std::vector<std::string> file_names(const std::vector<std::filesystem::path>& paths) {
  std::vector<std::string> names;
  for (const auto& path : paths) names.push_back(path.filename().string());
  return names;
}

std::vector<std::string> segment_files_on_disk(const std::filesystem::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    const std::string name = entry.path().filename().string();
    if (FileJournal::parse_segment_file_name(name)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(SyncPolicy, ParsesItsOwnNames) {
  for (SyncPolicy policy : {SyncPolicy::always, SyncPolicy::batch, SyncPolicy::none}) {
    const Result<SyncPolicy> parsed = parse_sync_policy(to_string(policy));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, policy);
  }
  const Result<SyncPolicy> bad = parse_sync_policy("sometimes");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("always, batch or none"), std::string::npos);
}

TEST(SegmentFileName, IsTwentyDigitsAndParsesBack) {
  EXPECT_EQ(FileJournal::segment_file_name(42), "journal-00000000000000000042.log");
  EXPECT_EQ(FileJournal::parse_segment_file_name("journal-00000000000000000042.log"), std::uint64_t{42});
  EXPECT_EQ(FileJournal::parse_segment_file_name(FileJournal::segment_file_name(~std::uint64_t{0})), ~std::uint64_t{0});
  EXPECT_FALSE(FileJournal::parse_segment_file_name("journal-99999999999999999999.log"));  // above uint64
  EXPECT_FALSE(FileJournal::parse_segment_file_name("journal-0000000000000000004x.log"));
  EXPECT_FALSE(FileJournal::parse_segment_file_name("journal-42.log"));
  EXPECT_FALSE(FileJournal::parse_segment_file_name("snapshot"));
}

TEST(FileJournal, NewDirectoryIsCreatedPrivateAndEmpty) {
  TemporaryDirectory temporary;
  const std::filesystem::path directory = temporary.path() / "nested" / "journal";
  OpenedJournal opened = open_ok(directory);
  EXPECT_TRUE(std::filesystem::is_directory(directory));
  EXPECT_EQ(std::filesystem::status(directory).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);
  EXPECT_TRUE(opened.recovered.records.empty());
  EXPECT_FALSE(opened.recovered.snapshot);
  EXPECT_EQ(opened.report.records, 0u);
  EXPECT_TRUE(opened.report.clean());
  EXPECT_EQ(opened.journal->sync(), 0u);
}

TEST(FileJournal, AppendSyncReopenReturnsTheRecordsInOrder) {
  TemporaryDirectory temporary;
  {
    OpenedJournal opened = open_ok(temporary.path());
    append_range(*opened.journal, 1, 50, 100);
    EXPECT_EQ(opened.journal->sync(), 50u);
  }
  OpenedJournal reopened = open_ok(temporary.path());
  ASSERT_EQ(ids_of(reopened.recovered.records), id_range(1, 50));
  for (std::uint64_t id = 1; id <= 50; ++id) {
    EXPECT_TRUE(testing::same_record(reopened.recovered.records[id - 1], make_record(id, 100)));
  }
  EXPECT_EQ(reopened.report.records, 50u);
  EXPECT_EQ(reopened.report.first_record_id, std::uint64_t{1});
  EXPECT_EQ(reopened.report.last_record_id, std::uint64_t{50});
  EXPECT_EQ(reopened.report.segments, 1u);
  EXPECT_FALSE(reopened.report.damaged_tail);
  EXPECT_TRUE(reopened.report.clean());
  EXPECT_EQ(reopened.report.describe(), "recovered 50 records (ids 1..50) from 1 segment, no snapshot");

  // Appends continue in the same segment with the next id.
  append_range(*reopened.journal, 51, 52);
  EXPECT_EQ(reopened.journal->sync(), 52u);
  reopened.journal.reset();
  EXPECT_EQ(ids_of(open_ok(temporary.path()).recovered.records), id_range(1, 52));
}

TEST(FileJournal, SyncPolicyAlwaysIsDurableInsideAppend) {
  TemporaryDirectory temporary;
  OpenedJournal opened = open_ok(temporary.path(), {SyncPolicy::always, kDefaultSegmentBytes});
  append_range(*opened.journal, 1, 3);
  // Every append already wrote its record: a second reader sees all three without a sync().
  const Result<Bytes> file = detail::read_whole_file(opened.journal->segment_paths().back());
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(ids_of(decode_records(*file).records), id_range(1, 3));
  EXPECT_EQ(opened.journal->sync(), 3u);
}

TEST(FileJournal, SyncPolicyBatchWritesAtSync) {
  TemporaryDirectory temporary;
  OpenedJournal opened = open_ok(temporary.path(), {SyncPolicy::batch, kDefaultSegmentBytes});
  append_range(*opened.journal, 1, 3);
  const auto segment = opened.journal->segment_paths().back();
  EXPECT_EQ(std::filesystem::file_size(segment), 0u);  // buffered until sync()
  EXPECT_EQ(opened.journal->sync(), 3u);
  EXPECT_EQ(std::filesystem::file_size(segment), 3 * encoded_record_size(16));
}

TEST(FileJournal, SyncPolicyNoneStillWritesAndReportsTheLastAppended) {
  TemporaryDirectory temporary;
  {
    OpenedJournal opened = open_ok(temporary.path(), {SyncPolicy::none, kDefaultSegmentBytes});
    append_range(*opened.journal, 10, 19);
    EXPECT_EQ(opened.journal->sync(), 19u);
    append_range(*opened.journal, 20, 21);
    opened.journal->save_snapshot({7, crypto::sha256(as_bytes("s")), to_bytes("s")});
  }
  // Nothing was fdatasync'd, but the kernel has every write: a process restart sees them all
  // (the destructor handed the two unsynced records to the kernel too).
  OpenedJournal reopened = open_ok(temporary.path(), {SyncPolicy::none, kDefaultSegmentBytes});
  EXPECT_EQ(ids_of(reopened.recovered.records), id_range(10, 21));
  ASSERT_TRUE(reopened.recovered.snapshot);
  EXPECT_EQ(reopened.recovered.snapshot->sequence, 7u);
}

TEST(FileJournal, SegmentsRollAtTheSizeLimit) {
  TemporaryDirectory temporary;
  const std::size_t record_bytes = encoded_record_size(100);
  // Four records fit below the limit; the fifth starts a segment once the limit is reached.
  const JournalOptions options{SyncPolicy::batch, 4 * record_bytes};
  {
    OpenedJournal opened = open_ok(temporary.path(), options);
    append_range(*opened.journal, 1, 10, 100);
    opened.journal->sync();
    EXPECT_EQ(file_names(opened.journal->segment_paths()),
              (std::vector<std::string>{FileJournal::segment_file_name(1), FileJournal::segment_file_name(5),
                                        FileJournal::segment_file_name(9)}));
    EXPECT_EQ(std::filesystem::file_size(opened.journal->segment_paths()[0]), 4 * record_bytes);
  }
  OpenedJournal reopened = open_ok(temporary.path(), options);
  EXPECT_EQ(ids_of(reopened.recovered.records), id_range(1, 10));
  EXPECT_EQ(reopened.report.segments, 3u);
  // The reopened journal keeps filling the last segment, then rolls at the limit again.
  append_range(*reopened.journal, 11, 13, 100);
  reopened.journal->sync();
  EXPECT_EQ(file_names(reopened.journal->segment_paths()).back(), FileJournal::segment_file_name(13));
}

TEST(FileJournal, DiscardBeforeDeletesExactlyTheSegmentsWhollyBelow) {
  TemporaryDirectory temporary;
  const JournalOptions options{SyncPolicy::batch, 4 * encoded_record_size(100)};
  OpenedJournal opened = open_ok(temporary.path(), options);
  FileJournal& journal = *opened.journal;
  append_range(journal, 1, 14, 100);  // segments 1..4, 5..8, 9..12, 13..14
  journal.sync();
  ASSERT_EQ(segment_files_on_disk(temporary.path()).size(), 4u);

  journal.discard_before(8);  // segment 5..8 still holds record 8
  EXPECT_EQ(segment_files_on_disk(temporary.path()),
            (std::vector<std::string>{FileJournal::segment_file_name(5), FileJournal::segment_file_name(9),
                                      FileJournal::segment_file_name(13)}));
  journal.discard_before(9);
  EXPECT_EQ(segment_files_on_disk(temporary.path()),
            (std::vector<std::string>{FileJournal::segment_file_name(9), FileJournal::segment_file_name(13)}));
  // Never the segment being written, even when every record in it may go.
  journal.discard_before(100);
  EXPECT_EQ(segment_files_on_disk(temporary.path()), (std::vector<std::string>{FileJournal::segment_file_name(13)}));
  EXPECT_EQ(file_names(journal.segment_paths()), segment_files_on_disk(temporary.path()));

  opened.journal.reset();
  OpenedJournal reopened = open_ok(temporary.path(), options);
  EXPECT_EQ(ids_of(reopened.recovered.records), id_range(13, 14));
  EXPECT_TRUE(reopened.report.clean());
}

TEST(FileJournal, DiscardWaitsUntilTheRestatingRecordsAreDurable) {
  TemporaryDirectory temporary;
  const JournalOptions options{SyncPolicy::batch, 4 * encoded_record_size(100)};
  OpenedJournal opened = open_ok(temporary.path(), options);
  FileJournal& journal = *opened.journal;
  append_range(journal, 1, 8, 100);
  journal.sync();
  append_range(journal, 9, 10, 100);  // the core restates its state in 9 and 10...
  journal.discard_before(9);          // ...and no longer needs 1..8, but 9 and 10 are not durable yet
  EXPECT_EQ(segment_files_on_disk(temporary.path()).size(), 3u);
  EXPECT_EQ(journal.sync(), 10u);
  EXPECT_EQ(segment_files_on_disk(temporary.path()), (std::vector<std::string>{FileJournal::segment_file_name(9)}));
}

TEST(FileJournal, SnapshotReplaceSurvivesReopen) {
  TemporaryDirectory temporary;
  const replica::SavedSnapshot first{100, crypto::sha256(as_bytes("first")), to_bytes("first state")};
  const replica::SavedSnapshot second{200, crypto::sha256(as_bytes("second")), to_bytes("second, longer state")};
  {
    OpenedJournal opened = open_ok(temporary.path());
    opened.journal->save_snapshot(first);
    opened.journal->append(make_record(1));
    opened.journal->sync();
    opened.journal->save_snapshot(second);
  }
  OpenedJournal reopened = open_ok(temporary.path());
  ASSERT_TRUE(reopened.recovered.snapshot);
  EXPECT_EQ(reopened.recovered.snapshot->sequence, second.sequence);
  EXPECT_EQ(reopened.recovered.snapshot->state_digest, second.state_digest);
  EXPECT_EQ(reopened.recovered.snapshot->bytes, second.bytes);
  EXPECT_EQ(reopened.report.snapshot_sequence, std::optional<replica::Sequence>{200});
  EXPECT_FALSE(std::filesystem::exists(temporary.path() / "snapshot.tmp"));
  EXPECT_EQ(ids_of(reopened.recovered.records), id_range(1, 1));
}

TEST(FileJournal, ASecondOpenOfTheSameDirectoryIsRefused) {
  TemporaryDirectory temporary;
  OpenedJournal first = open_ok(temporary.path());
  const Result<OpenedJournal> second = FileJournal::open(temporary.path(), {});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("in use by another process"), std::string::npos) << second.error().message;
  first.journal.reset();  // the lock goes with the journal
  EXPECT_TRUE(FileJournal::open(temporary.path(), {}).ok());
}

TEST(FileJournal, AFileInPlaceOfTheDirectoryIsRefused) {
  TemporaryDirectory temporary;
  std::filesystem::create_directories(temporary.path());
  const std::filesystem::path not_a_directory = temporary.path() / "journal";
  { std::ofstream(not_a_directory) << "x"; }
  const Result<OpenedJournal> opened = FileJournal::open(not_a_directory, {});
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("not a directory"), std::string::npos) << opened.error().message;
}

TEST(FileJournal, ADirectoryItCannotWriteIsRefused) {
  // Root bypasses permission bits (CAP_DAC_OVERRIDE), so a read-only directory is writable for
  // root and there is nothing to refuse; the check is still exercised by every non-root run.
  if (::geteuid() == 0) GTEST_SKIP() << "running as root: permission bits do not restrict root";
  TemporaryDirectory temporary;
  std::filesystem::create_directories(temporary.path());
  std::filesystem::permissions(temporary.path(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  const Result<OpenedJournal> opened = FileJournal::open(temporary.path(), {});
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("cannot write journal directory"), std::string::npos) << opened.error().message;
}

TEST(FileJournal, ZeroSegmentBytesIsRefused) {
  TemporaryDirectory temporary;
  EXPECT_FALSE(FileJournal::open(temporary.path(), {SyncPolicy::batch, 0}).ok());
}

}  // namespace
}  // namespace loyal::journal
