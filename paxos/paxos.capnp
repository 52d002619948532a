@0xa431c219e8f43fc1;
# Multi-Paxos messages (Lamport, "Paxos Made Simple", with one phase 1 per leader for all open
# slots). Each is the body of an envelope of its own kind (paxos_prepare ... paxos_commit); the
# envelope's sender and signature say which replica sent it. A ballot is (round, proposer),
# ordered by round, then proposer. Values are the exact encoded replica Batch (empty: a no-op) and
# always travel with their SHA-256 digest, which the validator recomputes. Field numbers are part
# of the wire format: never renumber, only add.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("loyal::paxos::wire");

struct Ballot {
  round @0 :UInt64;
  proposer @1 :UInt32;
}

# A value for one slot, as a proposer sends it (ACCEPT) or a leader says it was chosen (COMMIT).
struct SlotValue {
  slot @0 :UInt64;
  digest @1 :Data;  # SHA-256 of `value`, 32 bytes
  value @2 :Data;
}

# What an acceptor accepted at one slot: the ballot and the value.
struct AcceptedValue {
  slot @0 :UInt64;
  ballot @1 :Ballot;
  digest @2 :Data;
  value @3 :Data;
}

# Phase 1a: the sender proposes `ballot` (its own) for every slot from `fromSlot` on.
struct Prepare {
  ballot @0 :Ballot;
  fromSlot @1 :UInt64;
}

# Phase 1b: the sender promised `ballot`, and reports what it accepted at slots from `fromSlot`
# on, in increasing slot order. When the report would not fit one message, `complete` is false
# and the proposer asks again from the slot after the last one reported. Slots at or below
# `stableSlot` were compacted at the sender: they are chosen, and their state is in the snapshot
# (`stableSlot`, `stableDigest`).
struct Promise {
  ballot @0 :Ballot;
  fromSlot @1 :UInt64;
  accepted @2 :List(AcceptedValue);
  complete @3 :Bool;
  chosenThrough @4 :UInt64;
  stableSlot @5 :UInt64;
  stableDigest @6 :Data;
}

# Phase 2a: the proposer of `ballot` asks to accept each value at its slot.
struct Accept {
  ballot @0 :Ballot;
  values @1 :List(SlotValue);
}

# Phase 2b: the sender accepted these (slot, digest) at `ballot`. `chosenThrough` is the
# sender's last slot known chosen without gaps: it tells a leader what a follower still lacks.
struct Accepted {
  ballot @0 :Ballot;
  slots @1 :List(SlotDigest);
  chosenThrough @2 :UInt64;
}

struct SlotDigest {
  slot @0 :UInt64;
  digest @1 :Data;
}

# The sender refused a PREPARE or ACCEPT: it promised the higher `promised`.
struct Nack {
  promised @0 :Ballot;
  refused @1 :Ballot;
}

# The leader of `ballot` says every slot up to `chosenThrough` is chosen. A learner holding a
# value accepted at exactly `ballot` for such a slot knows it is the chosen one; `values` carries
# chosen values a lagging learner asked for (through its chosenThrough). The leader's snapshot is
# at `stableSlot` with `stableDigest`: a learner below it fetches the state instead.
struct Commit {
  ballot @0 :Ballot;
  chosenThrough @1 :UInt64;
  stableSlot @2 :UInt64;
  stableDigest @3 :Data;
  values @4 :List(SlotValue);
}

# A PersistRecord payload (replica/protocol.h): the acceptor's durable state. Record type 1 (a
# promise) and 2 (acceptances) apply on top of what came before; type 3 (a restatement written at
# compaction) replaces everything before it.
struct AcceptorRecord {
  promised @0 :Ballot;
  stableSlot @1 :UInt64;
  stableDigest @2 :Data;
  accepted @3 :List(AcceptedValue);
}
