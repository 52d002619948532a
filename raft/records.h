#pragma once
// What a Raft replica keeps in its journal (replica::PersistRecord payloads, raft/raft.capnp) and
// how a restart rebuilds its state from them. The records, in id order:
//  - hard_state: the current term and vote, written before any message that depends on them;
//  - log_suffix: the log from an index on is replaced by some entries (appends and conflicts);
//  - restatement: the snapshot base, the hard state, every entry after the base and the snapshot
//    offers above it, written after a compaction or a snapshot install; every older record may
//    then be discarded;
//  - snapshot_offer: a leader's snapshot index and term, written before fetching that snapshot.

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "common/bytes.h"
#include "common/ids.h"
#include "raft/log.h"
#include "raft/messages.h"
#include "replica/protocol.h"

namespace loyal::raft {

enum class RecordType : std::uint32_t { hard_state = 1, log_suffix = 2, restatement = 3, snapshot_offer = 4 };

struct HardState {
  Term term = 0;
  std::optional<ReplicaId> voted_for;
  friend bool operator==(const HardState&, const HardState&) = default;
};

Bytes encode_hard_state(const HardState& state);
Bytes encode_log_suffix(Index first_index, const std::vector<Entry>& entries);
Bytes encode_restatement(const SnapshotBase& base, const HardState& state, const std::vector<Entry>& entries,
                         const std::map<Index, Term>& snapshot_offers);
Bytes encode_snapshot_offer(Index index, Term term);

// The state a restart begins from.
struct RecoveredRaftState {
  HardState hard_state;
  RaftLog log;
  // Snapshot offers above the base, by index: the term of a snapshot that may have been
  // installed (and saved by the pipeline) before its base was restated.
  std::map<Index, Term> snapshot_offers;
  std::uint64_t last_record_id = 0;  // 0 when there were no records
};

// Rebuilds the state from `records` in id order: the last restatement, then every record after
// it on top. Records are this replica's own, checksummed by the journal: one that does not decode,
// or that leaves a hole in the log, is a broken invariant and stops the process.
RecoveredRaftState recover(const std::vector<replica::PersistRecord>& records);

}  // namespace loyal::raft
