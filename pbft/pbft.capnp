@0x8fa53e00c1383217;
# PBFT's normal-case messages (Castro & Liskov, signature variant). Each is the body of an envelope
# of its own kind (pbft_pre_prepare, pbft_prepare, pbft_commit); the envelope's sender and signature
# say which replica sent it, so no replica id is repeated here. Checkpoints use the shared
# replica/messages.capnp Checkpoint. Field numbers are part of the wire format: never renumber,
# only add.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("loyal::pbft::wire");

# The primary of `view` assigns `sequence` to a batch. The batch travels inside, so a backup needs
# no separate request message before it can prepare.
struct PrePrepare {
  view @0 :UInt64;
  sequence @1 :UInt64;
  batchDigest @2 :Data;  # SHA-256 of `batch`, 32 bytes
  batch @3 :Data;        # the exact encoded replica Batch the digest covers
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
