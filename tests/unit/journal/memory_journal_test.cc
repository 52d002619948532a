// MemoryJournal, the simulator's disk: crashes lose exactly what was not synced, torn writes are
// found and cut away by the real decoder, and every choice is a function of the seed.

#include <gtest/gtest.h>

#include "journal_test_support.h"
#include "replica/journal/memory_journal.h"
#include "replica/journal/record_codec.h"

namespace loyal::journal {
namespace {

using testing::id_range;
using testing::ids_of;
using testing::make_record;

void append_range(MemoryJournal& journal, std::uint64_t first, std::uint64_t last, std::size_t payload_bytes = 16) {
  for (std::uint64_t id = first; id <= last; ++id) journal.append(make_record(id, payload_bytes));
}

TEST(MemoryJournal, FreshJournalRecoversNothing) {
  MemoryJournal journal;
  const MemoryJournal::Recovered recovered = journal.recover();
  EXPECT_TRUE(recovered.state.records.empty());
  EXPECT_FALSE(recovered.state.snapshot);
  EXPECT_TRUE(recovered.report.clean());
  EXPECT_EQ(journal.sync(), 0u);
}

TEST(MemoryJournal, RecoverReturnsSyncedRecordsWithTheirContents) {
  MemoryJournal journal;
  append_range(journal, 1, 5);
  EXPECT_EQ(journal.sync(), 5u);
  EXPECT_EQ(journal.synced_records(), 5u);
  const MemoryJournal::Recovered recovered = journal.recover();
  ASSERT_EQ(ids_of(recovered.state.records), id_range(1, 5));
  for (const auto& record : recovered.state.records) EXPECT_TRUE(testing::same_record(record, make_record(record.id)));
  EXPECT_EQ(recovered.report.records, 5u);
  EXPECT_EQ(recovered.report.last_record_id, std::uint64_t{5});
}

TEST(MemoryJournal, CrashLosesExactlyTheUnsyncedRecords) {
  MemoryJournal journal;
  Prng prng(1);
  append_range(journal, 1, 4);
  journal.sync();
  append_range(journal, 5, 9);
  EXPECT_EQ(journal.synced_records(), 4u);
  EXPECT_EQ(journal.unsynced_records(), 5u);
  journal.crash(prng, /*may_tear=*/false);
  EXPECT_EQ(journal.torn_bytes(), 0u);
  const MemoryJournal::Recovered recovered = journal.recover();
  EXPECT_EQ(ids_of(recovered.state.records), id_range(1, 4));
  EXPECT_FALSE(recovered.report.damaged_tail);

  // The restarted core continues with the next id after the largest recovered one.
  append_range(journal, 5, 6);
  EXPECT_EQ(journal.sync(), 6u);
  journal.crash(prng, false);
  EXPECT_EQ(ids_of(journal.recover().state.records), id_range(1, 6));
}

TEST(MemoryJournal, TornTailIsDetectedReportedAndCutAway) {
  const std::size_t record_bytes = encoded_record_size(16);
  int torn_runs = 0;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    MemoryJournal journal;
    Prng prng(seed);
    append_range(journal, 1, 3);
    journal.sync();
    append_range(journal, 4, 5);
    journal.crash(prng, /*may_tear=*/true);
    const std::size_t torn = journal.torn_bytes();
    EXPECT_LT(torn, record_bytes) << "seed " << seed;  // a strict prefix of record 4, never a whole record
    const MemoryJournal::Recovered recovered = journal.recover();
    EXPECT_EQ(ids_of(recovered.state.records), id_range(1, 3)) << "seed " << seed;
    EXPECT_EQ(journal.torn_bytes(), 0u);
    if (torn == 0) {
      EXPECT_FALSE(recovered.report.damaged_tail);
      continue;
    }
    ++torn_runs;
    ASSERT_TRUE(recovered.report.damaged_tail) << "seed " << seed;
    EXPECT_TRUE(is_torn(recovered.report.damaged_tail->reason));
    EXPECT_EQ(recovered.report.damaged_tail->file, "memory");
    EXPECT_EQ(recovered.report.damaged_tail->offset, 3 * record_bytes);
    EXPECT_EQ(recovered.report.damaged_tail->truncated_bytes, torn);
    // Appends continue after the last valid record, and the tear is gone for good.
    append_range(journal, 4, 4);
    journal.sync();
    const MemoryJournal::Recovered again = journal.recover();
    EXPECT_EQ(ids_of(again.state.records), id_range(1, 4));
    EXPECT_FALSE(again.report.damaged_tail);
  }
  EXPECT_GT(torn_runs, 40);  // 50 seeds, a tear of length 0 has probability 1/40 each
}

TEST(MemoryJournal, CrashWithNothingUnsyncedNeverTears) {
  MemoryJournal journal;
  Prng prng(3);
  append_range(journal, 1, 2);
  journal.sync();
  journal.crash(prng, true);
  EXPECT_EQ(journal.torn_bytes(), 0u);
  EXPECT_EQ(ids_of(journal.recover().state.records), id_range(1, 2));
}

TEST(MemoryJournal, SameSeedSameTear) {
  const auto tear_lengths = [](std::uint64_t seed) {
    std::vector<std::size_t> lengths;
    MemoryJournal journal;
    Prng prng(seed);
    for (std::uint64_t round = 0; round < 20; ++round) {
      const std::uint64_t next = journal.recover().state.records.size() + 1;
      append_range(journal, next, next + 2, 8 + round);
      journal.crash(prng, true);
      lengths.push_back(journal.torn_bytes());
    }
    return lengths;
  };
  EXPECT_EQ(tear_lengths(7), tear_lengths(7));
  EXPECT_NE(tear_lengths(7), tear_lengths(8));
}

TEST(MemoryJournal, CorruptionInTheMiddleHidesEverythingAfterIt) {
  MemoryJournal journal;
  append_range(journal, 1, 5);
  journal.sync();
  journal.corrupt_disk_byte(2 * encoded_record_size(16) + kRecordHeaderBytes + 1, 0xEE);
  const MemoryJournal::Recovered recovered = journal.recover();
  EXPECT_EQ(ids_of(recovered.state.records), id_range(1, 2));
  ASSERT_TRUE(recovered.report.damaged_tail);
  EXPECT_EQ(recovered.report.damaged_tail->reason, WalkEnd::checksum_mismatch);
  EXPECT_EQ(recovered.report.damaged_tail->truncated_bytes, 3 * encoded_record_size(16));
  EXPECT_EQ(journal.synced_records(), 2u);
}

TEST(MemoryJournal, DiscardBeforeDropsDurableRecords) {
  MemoryJournal journal;
  append_range(journal, 1, 10);
  journal.sync();
  journal.discard_before(7);
  EXPECT_EQ(journal.synced_records(), 4u);
  EXPECT_EQ(ids_of(journal.recover().state.records), id_range(7, 10));
}

TEST(MemoryJournal, DiscardWaitsUntilTheRestatingRecordsAreDurable) {
  MemoryJournal journal;
  Prng prng(11);
  append_range(journal, 1, 5);
  journal.sync();
  append_range(journal, 6, 7);
  journal.discard_before(6);  // 6 and 7 restate 1..5, but are not durable yet
  EXPECT_EQ(journal.synced_records(), 5u);
  journal.crash(prng, false);
  // The crash lost 6 and 7, so the old records are all the core has: they must still be there.
  EXPECT_EQ(ids_of(journal.recover().state.records), id_range(1, 5));

  append_range(journal, 6, 7);
  journal.discard_before(6);
  journal.sync();
  EXPECT_EQ(ids_of(journal.recover().state.records), id_range(6, 7));
}

TEST(MemoryJournal, SnapshotIsDurableAtOnceAndWipeForgetsEverything) {
  MemoryJournal journal;
  Prng prng(5);
  journal.save_snapshot({30, crypto::sha256(as_bytes("x")), to_bytes("x")});
  append_range(journal, 1, 2);
  journal.crash(prng, true);
  MemoryJournal::Recovered recovered = journal.recover();
  ASSERT_TRUE(recovered.state.snapshot);
  EXPECT_EQ(recovered.state.snapshot->sequence, 30u);
  EXPECT_EQ(recovered.report.snapshot_sequence, std::optional<replica::Sequence>{30});
  EXPECT_TRUE(recovered.state.records.empty());

  append_range(journal, 1, 3);
  journal.sync();
  journal.wipe();
  recovered = journal.recover();
  EXPECT_TRUE(recovered.state.records.empty());
  EXPECT_FALSE(recovered.state.snapshot);
  EXPECT_EQ(journal.synced_records(), 0u);
  // A wiped replica starts like a new one: any first id is accepted.
  journal.append(make_record(1));
  EXPECT_EQ(journal.sync(), 1u);
}

}  // namespace
}  // namespace loyal::journal
