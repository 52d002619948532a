#pragma once
// A Raft replica's log: the entries after its snapshot base. The base (last included index and
// term, and the digest of the snapshot state there) stands for every entry up to it, which a
// snapshot replaced; entries live at base_index + 1 .. last_index(). Plain data, no I/O.

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "crypto/digest.h"
#include "raft/messages.h"

namespace loyal::raft {

struct SnapshotBase {
  Index index = 0;  // last included index; 0 = no snapshot
  Term term = 0;    // the term of the entry at `index`
  crypto::Digest state_digest;
  friend bool operator==(const SnapshotBase&, const SnapshotBase&) = default;
};

class RaftLog {
 public:
  const SnapshotBase& base() const { return base_; }
  Index last_index() const { return base_.index + entries_.size(); }
  Term last_term() const { return entries_.empty() ? base_.term : entries_.back().term; }
  // The term of the entry at `index`: the base's at the base index, nullopt below it or beyond
  // the last entry.
  std::optional<Term> term_at(Index index) const;
  // Precondition: base().index < index <= last_index().
  const Entry& at(Index index) const;
  // Entries in [first, first + count), fewer where the log ends.
  std::vector<Entry> slice(Index first, std::uint64_t count) const;
  std::vector<Entry> entries_after_base() const { return {entries_.begin(), entries_.end()}; }

  void append(Entry entry) { entries_.push_back(std::move(entry)); }
  // Drops every entry at `index` and beyond. Precondition: index > base().index.
  void truncate_from(Index index);
  // Replaces the base with the snapshot at `base.index`, dropping the entries it covers and
  // keeping those after it. Precondition: base.index is within the log and term_at matches.
  void compact_to(const SnapshotBase& base);
  // Replaces the whole log with an empty one starting after `base`.
  void reset(const SnapshotBase& base);

 private:
  SnapshotBase base_;
  std::deque<Entry> entries_;  // entries_[i] is at base_.index + 1 + i
};

// The up-to-date rule of §5.4.1: a log whose last entry has the later term is more up to date;
// with equal last terms, the longer log is.
constexpr bool at_least_as_up_to_date(Term last_term, Index last_index, Term other_last_term,
                                      Index other_last_index) {
  return last_term != other_last_term ? last_term > other_last_term : last_index >= other_last_index;
}

}  // namespace loyal::raft
