// Randomized runs against a model, a fixed list of seeds each (a failure prints its seed):
// whatever the mix of appends, syncs, discards, crashes and torn tails, a recovered journal is a
// gap-free run of the records written, ends at or after the last synced record, and still holds
// every record a satisfied discard did not release.

#include <algorithm>

#include <gtest/gtest.h>

#include "common/prng.h"
#include "journal_test_support.h"
#include "replica/journal/file_journal.h"
#include "replica/journal/memory_journal.h"
#include "replica/journal/record_codec.h"

namespace loyal::journal {
namespace {

using testing::id_range;
using testing::ids_of;
using testing::make_record;
using testing::TemporaryDirectory;

constexpr std::uint64_t kSeeds = 20;
constexpr int kStepsPerSeed = 300;

std::size_t payload_for(std::uint64_t id) { return static_cast<std::size_t>(id % 50); }

// Checks the recovered records against what was written and returns the last recovered id.
void expect_recovered(const std::vector<replica::PersistRecord>& records, std::uint64_t last_synced,
                      std::uint64_t must_keep_from, std::uint64_t seed) {
  if (last_synced == 0) return;  // nothing was ever durable
  ASSERT_FALSE(records.empty()) << "seed " << seed;
  const std::uint64_t first = records.front().id;
  const std::uint64_t last = records.back().id;
  EXPECT_EQ(ids_of(records), id_range(first, last)) << "seed " << seed << ": records have a gap";
  EXPECT_GE(last, last_synced) << "seed " << seed << ": a synced record was lost";
  EXPECT_LE(first, must_keep_from) << "seed " << seed << ": a record still needed was discarded";
  for (const auto& record : records) {
    EXPECT_TRUE(testing::same_record(record, make_record(record.id, payload_for(record.id)))) << "seed " << seed;
  }
}

TEST(RandomizedJournal, MemoryJournalMatchesTheModel) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    Prng prng(seed);
    MemoryJournal journal;
    std::uint64_t last_appended = 0;
    std::uint64_t last_synced = 0;
    std::uint64_t must_keep_from = 1;  // highest discard bound whose restating records are durable
    std::vector<std::pair<std::uint64_t, std::uint64_t>> waiting;  // (bound, needs durable id)
    for (int step = 0; step < kStepsPerSeed; ++step) {
      const std::uint64_t action = prng.below(10);
      if (action < 5) {
        ++last_appended;
        journal.append(make_record(last_appended, payload_for(last_appended)));
      } else if (action < 7) {
        EXPECT_EQ(journal.sync(), last_appended) << "seed " << seed;
        last_synced = last_appended;
      } else if (action < 9) {
        if (last_appended == 0) continue;
        waiting.emplace_back(prng.between(must_keep_from, last_appended), last_appended);
        journal.discard_before(waiting.back().first);
      } else {
        journal.crash(prng, prng.chance(1, 2));
        const MemoryJournal::Recovered recovered = journal.recover();
        for (const auto& [bound, needs] : waiting) {
          if (needs <= last_synced) must_keep_from = std::max(must_keep_from, bound);
        }
        waiting.clear();
        expect_recovered(recovered.state.records, last_synced, must_keep_from, seed);
        EXPECT_TRUE(recovered.report.clean()) << "seed " << seed << ": " << recovered.report.describe();
        last_appended = recovered.state.records.empty() ? last_synced : recovered.state.records.back().id;
        EXPECT_EQ(last_appended, last_synced) << "seed " << seed;
      }
      if (::testing::Test::HasFailure()) return;
    }
  }
}

TEST(RandomizedJournal, FileJournalSurvivesTornTailsAtAnyOffset) {
  const JournalOptions options{SyncPolicy::none, 6 * encoded_record_size(25)};  // a few records per segment
  for (std::uint64_t seed = 0; seed < kSeeds / 2; ++seed) {
    TemporaryDirectory temporary;
    Prng prng(seed);
    std::uint64_t last_appended = 0;
    std::uint64_t last_synced = 0;
    std::uint64_t must_keep_from = 1;
    // The segment being written at the last sync and its size then; a segment started after it
    // holds nothing synced (the segments before it were completed, and synced, when it started).
    std::filesystem::path synced_segment;
    std::uintmax_t synced_bytes = 0;
    std::unique_ptr<FileJournal> journal = std::move(FileJournal::open(temporary.path(), options).value().journal);
    int crashes = 0;
    for (int step = 0; step < kStepsPerSeed / 3; ++step) {
      const std::uint64_t action = prng.below(10);
      if (action < 5) {
        ++last_appended;
        journal->append(make_record(last_appended, payload_for(last_appended)));
      } else if (action < 7) {
        EXPECT_EQ(journal->sync(), last_appended);
        last_synced = last_appended;
        const auto segments = journal->segment_paths();
        synced_segment = segments.empty() ? std::filesystem::path() : segments.back();
        synced_bytes = segments.empty() ? 0 : std::filesystem::file_size(segments.back());
      } else if (action < 8) {
        if (last_synced == 0) continue;
        // The pipeline's order: discard only what the synced records restated.
        const std::uint64_t bound = prng.between(must_keep_from, last_synced);
        journal->discard_before(bound);
        must_keep_from = bound;
      } else {
        // Crash: the last segment keeps its synced bytes and some prefix of the rest.
        const std::vector<std::filesystem::path> segments = journal->segment_paths();
        journal.reset();
        if (!segments.empty()) {
          const std::uintmax_t size = std::filesystem::file_size(segments.back());
          const std::uintmax_t synced = segments.back() == synced_segment ? synced_bytes : 0;
          std::filesystem::resize_file(segments.back(), prng.between(synced, size));
        }
        Result<OpenedJournal> opened = FileJournal::open(temporary.path(), options);
        ASSERT_TRUE(opened.ok()) << "seed " << seed << ": " << opened.error().message;
        expect_recovered(opened->recovered.records, last_synced, must_keep_from, seed);
        EXPECT_TRUE(opened->report.clean()) << "seed " << seed << ": " << opened->report.describe();
        last_appended = opened->recovered.records.empty() ? 0 : opened->recovered.records.back().id;
        last_synced = last_appended;
        journal = std::move(opened->journal);
        ++crashes;
        const auto kept = journal->segment_paths();
        synced_segment = kept.empty() ? std::filesystem::path() : kept.back();
        synced_bytes = kept.empty() ? 0 : std::filesystem::file_size(kept.back());
      }
      if (::testing::Test::HasFailure()) return;
    }
    EXPECT_GT(crashes, 0) << "seed " << seed;
  }
}

}  // namespace
}  // namespace loyal::journal
