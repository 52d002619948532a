@0x8fa53e00c1383217;
# PBFT's normal-case messages (Castro & Liskov, signature variant). Each is the body of an envelope
# of its own kind (pbft_pre_prepare, pbft_prepare, pbft_commit); the envelope's sender and signature
# say which replica sent it, so no replica id is repeated here. Checkpoints use the shared
# replica/messages.capnp Checkpoint. Field numbers are part of the wire format: never renumber,
# only add.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("loyal::pbft::wire");

# The primary of `view` assigns `sequence` to the batch with digest `batchDigest`. The batch itself
# travels beside this body as the envelope's attachment (net/envelope.capnp), outside the
# signature, so a backup needs no separate request message before it can prepare, while the signed
# PRE-PREPARE that certificates, VIEW-CHANGEs and NEW-VIEWs carry is the size of a digest.
struct PrePrepare {
  view @0 :UInt64;
  sequence @1 :UInt64;
  batchDigest @2 :Data;  # SHA-256 of the exact encoded replica Batch, 32 bytes
  batch @3 :Data;        # wire version 1 only; always empty now (a non-empty one is refused)
}

# A backup's vote that it accepted the pre-prepare for (view, sequence, batchDigest).
struct Prepare {
  view @0 :UInt64;
  sequence @1 :UInt64;
  batchDigest @2 :Data;
}

# A replica's vote that (view, sequence, batchDigest) is prepared at it.
struct Commit {
  view @0 :UInt64;
  sequence @1 :UInt64;
  batchDigest @2 :Data;
}

# A prepared certificate as a VIEW-CHANGE carries it: the primary's signed PRE-PREPARE envelope and
# 2f signed PREPARE envelopes from distinct backups, all for one (view, sequence, digest). Each is a
# whole envelope frame as it was received, so it can be verified on its own.
struct PreparedCertificate {
  prePrepare @0 :Data;
  prepares @1 :List(Data);
}

# A replica's request to move to `view`: its stable checkpoint (the sequence number and the 2f+1
# signed CHECKPOINT envelopes proving it; empty at sequence 0) and a prepared certificate for every
# sequence number above it that prepared at the sender.
struct ViewChange {
  view @0 :UInt64;
  stableSequence @1 :UInt64;
  checkpointProof @2 :List(Data);
  preparedCertificates @3 :List(PreparedCertificate);
}

# The new primary's announcement of `view`: the 2f+1 signed VIEW-CHANGE envelopes it is based on,
# and the PRE-PREPARE bodies it re-issues (pbft PrePrepare, Cap'n Proto bytes; their authenticity
# is this NEW-VIEW's signature), one per sequence number above the new low watermark, in order.
struct NewView {
  view @0 :UInt64;
  viewChanges @1 :List(Data);
  prePrepares @2 :List(Data);
}

# A replica that must send or execute the batch with digest `batchDigest` at `sequence` and does
# not hold it (a new primary re-issuing a batch another replica's certificate named; a replica whose
# slot committed before it saw the batch) asks every replica for it.
struct BatchRequest {
  sequence @0 :UInt64;
  batchDigest @1 :Data;
}

# The answer: the batch is the envelope's attachment, and its digest must be `batchDigest`, which is
# all the asker checks; no signature vouches for a batch, the certificate that named its digest does.
struct BatchReply {
  sequence @0 :UInt64;
  batchDigest @1 :Data;
}

# Equivocation evidence exported for people and other tools: per entry, the two conflicting
# signed envelopes, exactly as received. Anyone holding the cluster's public keys can check them;
# the other fields only say where to look.
struct EquivocationReport {
  entries @0 :List(Equivocation);
}

struct Equivocation {
  sender @0 :UInt32;
  kind @1 :UInt16;
  view @2 :UInt64;
  sequence @3 :UInt64;
  first @4 :Data;
  second @5 :Data;
}

# Journal records (replica/protocol.h PersistRecord payloads): what a restarted replica needs so it
# never votes against itself and can still prove what prepared. Written before the messages that
# depend on them leave; read back only from this replica's own journal.

# The view this replica is in (`active`) or changing to.
struct ViewRecord {
  view @0 :UInt64;
  active @1 :Bool;
}

# A batch this replica accepted at (view, sequence): written before its PREPARE (or, on the
# primary, its PRE-PREPARE) leaves; again with `prepared` and the certificate's PREPARE frames
# (but without batch and PRE-PREPARE, which the first record holds) before its COMMIT leaves.
struct SlotRecord {
  view @0 :UInt64;
  sequence @1 :UInt64;
  batchDigest @2 :Data;
  batch @3 :Data;
  prePrepare @4 :Data;        # the primary's signed PRE-PREPARE; empty on the primary itself
  prepared @5 :Bool;
  prepares @6 :List(Data);    # signed PREPAREs of the prepared certificate
  prepareSenders @7 :List(UInt32);  # who signed each of `prepares`
  hasBatch @8 :Bool;          # `batch` holds the batch (else it is in an earlier record, or not here yet)
}

# A checkpoint that became stable here, with its proof (signed CHECKPOINT envelopes).
struct StableRecord {
  sequence @0 :UInt64;
  stateDigest @1 :Data;
  proof @2 :List(Data);
  proofSenders @3 :List(UInt32);  # who signed each of `proof`
}
