@0xbc29c876c0e7e469;
# Raft's messages (Ongaro & Ousterhout, extended paper, figure 2; pre-vote and leadership transfer
# from Ongaro's thesis §9.6 and §3.10) and the records a Raft replica keeps in its journal. Each
# message is the body of an envelope of its own kind (raft_*); the envelope's sender says who sent
# it (the candidate, the leader, the voter), so no replica id is repeated here. Field numbers are
# part of the wire and journal formats: never renumber, only add.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("loyal::raft::wire");

# One log entry. `batch` is the exact encoded replica Batch (empty for a leader's no-op);
# `batchDigest` is its SHA-256, 32 bytes.
struct Entry {
  term @0 :UInt64;
  batch @1 :Data;
  batchDigest @2 :Data;
}

# RequestVote, and PreVote with the same fields: `term` is the term the candidate asks votes for
# (for a pre-vote, the term it would move to; its own term is not bumped).
struct VoteRequest {
  term @0 :UInt64;
  lastLogIndex @1 :UInt64;
  lastLogTerm @2 :UInt64;
}

# The answer to a VoteRequest (raft_request_vote_reply or raft_pre_vote_reply). For a granted
# pre-vote `term` is the requested term; otherwise it is the voter's current term.
struct VoteReply {
  term @0 :UInt64;
  granted @1 :Bool;
}

struct AppendEntries {
  term @0 :UInt64;
  prevLogIndex @1 :UInt64;
  prevLogTerm @2 :UInt64;
  entries @3 :List(Entry);
  leaderCommit @4 :UInt64;
}

# On success, `matchIndex` is the last index known to match the leader's log. On a reject,
# `conflictIndex` (and `conflictTerm` when `hasConflictTerm`) say where the leader should retry:
# the first index of the conflicting term, or one past the follower's last index.
struct AppendEntriesReply {
  term @0 :UInt64;
  success @1 :Bool;
  matchIndex @2 :UInt64;
  conflictIndex @3 :UInt64;
  hasConflictTerm @4 :Bool;
  conflictTerm @5 :UInt64;
}

# The leader's log starts after a snapshot at `lastIncludedIndex`; the follower fetches that
# snapshot through the shared state transfer and checks it against `stateDigest`.
struct InstallSnapshot {
  term @0 :UInt64;
  lastIncludedIndex @1 :UInt64;
  lastIncludedTerm @2 :UInt64;
  stateDigest @3 :Data;
}

struct InstallSnapshotReply {
  term @0 :UInt64;
  lastIncludedIndex @1 :UInt64;
}

# Leadership transfer: the leader of `term` asks the receiver to start an election at once.
struct TimeoutNow {
  term @0 :UInt64;
}

# ---- journal records (PersistRecord payloads; the record type says which) ----

# Current term and vote.
struct HardState {
  term @0 :UInt64;
  hasVote @1 :Bool;
  votedFor @2 :UInt32;
}

# The log from `firstIndex` on is replaced by `entries` (an append is a replacement at last + 1).
struct LogSuffix {
  firstIndex @0 :UInt64;
  entries @1 :List(Entry);
}

# Everything a replica needs, restated after its log was compacted or a snapshot installed: the
# snapshot base, the hard state, and the entries after the base.
struct Restatement {
  baseIndex @0 :UInt64;
  baseTerm @1 :UInt64;
  baseDigest @2 :Data;
  hardState @3 :HardState;
  entries @4 :List(Entry);
  snapshotOffers @5 :List(SnapshotOffer);  # offers above the base that may still be installing
}

# A leader offered its snapshot at `index` of `term`: remembered so that a restart after the
# snapshot was installed, but before the new base was restated, still knows the base's term.
struct SnapshotOffer {
  index @0 :UInt64;
  term @1 :UInt64;
}
