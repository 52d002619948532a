@0x8c88e4ed0a490114;
# Messages shared by every mode: the client protocol, batches, checkpoints and snapshots.
# Field numbers are part of the wire format: never renumber, only add.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("loyal::replica::wire");

# Body of a client_request envelope (sender = the client). The exact bytes of this body, with the
# envelope's authenticator, travel on inside batches so every replica can check the client's
# authenticator itself: a primary cannot invent requests.
struct ClientRequest {
  # Per client, strictly increasing (PBFT's timestamp). Exactly-once hangs on it: a replica
  # executes request r of a client only if r is above the last one it executed for that client.
  requestNumber @0 :UInt64;
  # Opaque to the pipeline; the application decodes it.
  operation @1 :Data;
}

# Body of a client_reply envelope (sender = a replica, authenticator = MAC for the client).
struct ClientReply {
  requestNumber @0 :UInt64;
  # The view (PBFT), term (Raft) or ballot round (Paxos) in which the reply was produced, and the
  # replica the sender believes leads it, so the client can address the leader next time.
  epoch @1 :UInt64;
  leader @2 :UInt32;
  result @3 :Data;
}

# One client request inside a batch: the client's own bytes and authenticator, unchanged.
struct BatchedRequest {
  client @0 :UInt32;
  body @1 :Data;               # exact ClientRequest bytes the client authenticated
  authenticator :union {
    signature @2 :Data;        # client_auth = signature: Ed25519, 64 bytes
    macVector @3 :List(Data);  # client_auth = mac: one 16-byte MAC per replica
  }
}

# What a protocol orders: a batch of requests. Its digest is SHA-256 of these exact bytes.
# An empty batch is a no-op (PBFT's null request, Paxos's gap filler).
struct Batch {
  requests @0 :List(BatchedRequest);
}

# Body of a forwarded_request envelope (sender = a replica that is not the leader): the client's
# original envelope bytes, which the leader admits as if the client had sent them.
struct ForwardedRequest {
  clientEnvelope @0 :Data;
}

# Body of a checkpoint envelope (PBFT: signed, 2f+1 matching make it stable).
struct Checkpoint {
  sequence @0 :UInt64;
  stateDigest @1 :Data;  # the checkpoint snapshot's digest (application + client table; replica/state_digest.h)
}

# A checkpoint snapshot: everything a replica's replicated state consists of at `sequence`.
struct Snapshot {
  sequence @0 :UInt64;
  application @1 :Data;              # StateMachine::snapshot()
  clients @2 :List(ClientEntry);     # the client table, ordered by client id
}

struct ClientEntry {
  client @0 :UInt32;
  lastRequestNumber @1 :UInt64;
  lastReply @2 :Data;                # the result of lastRequestNumber, resent on a duplicate
  lastOperationDigest @3 :Data;      # SHA-256 of its operation: a reused number is refused
}

# State transfer. A checkpoint snapshot can be far larger than a frame (a key-value store of
# 256 MiB), so it travels in chunks: the fetcher asks one peer for the bytes from `offset` on, the
# peer answers with one chunk, the fetcher asks for the next offset. Both are signed like every
# replica message. The first chunk carries the digests of the snapshot's 1 MiB pieces, which
# `stateDigest` covers (replica/state_digest.h), and every piece is checked as soon as it is whole.

# Body of a state_request envelope.
struct StateRequest {
  sequence @0 :UInt64;
  stateDigest @1 :Data;  # the snapshot's digest (replica/state_digest.h): which snapshot at `sequence` is wanted
  offset @2 :UInt64;     # first byte wanted
}

# Body of a state_chunk envelope: bytes [offset, offset + data.size()) of the snapshot.
struct StateChunk {
  sequence @0 :UInt64;
  stateDigest @1 :Data;
  totalBytes @2 :UInt64;  # size of the whole snapshot
  offset @3 :UInt64;
  data @4 :Data;
  pieceDigests @5 :List(Data);  # at offset 0 only: SHA-256 of each 1 MiB piece, in order
}
