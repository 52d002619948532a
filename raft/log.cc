#include "raft/log.h"

#include "common/assert.h"

namespace loyal::raft {

std::optional<Term> RaftLog::term_at(Index index) const {
  if (index == base_.index) return base_.term;
  if (index < base_.index || index > last_index()) return std::nullopt;
  return entries_[index - base_.index - 1].term;
}

const Entry& RaftLog::at(Index index) const {
  LOYAL_ASSERT(index > base_.index && index <= last_index(), "log entry within the log");
  return entries_[index - base_.index - 1];
}

std::vector<Entry> RaftLog::slice(Index first, std::uint64_t count) const {
  LOYAL_ASSERT(first > base_.index, "a slice starts after the snapshot base");
  std::vector<Entry> out;
  for (Index index = first; index <= last_index() && out.size() < count; ++index) out.push_back(at(index));
  return out;
}

void RaftLog::truncate_from(Index index) {
  LOYAL_ASSERT(index > base_.index, "entries covered by the snapshot are never truncated");
  if (index > last_index()) return;
  entries_.resize(index - base_.index - 1);
}

void RaftLog::compact_to(const SnapshotBase& base) {
  LOYAL_ASSERT(base.index >= base_.index && base.index <= last_index(), "compaction within the log");
  LOYAL_ASSERT(term_at(base.index) == base.term, "compaction keeps the base's term");
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(base.index - base_.index));
  base_ = base;
}

void RaftLog::reset(const SnapshotBase& base) {
  entries_.clear();
  base_ = base;
}

}  // namespace loyal::raft
