@0xfede715dff896766;
# The envelope every loyal message travels in (DESIGN.md §3). Field numbers and enum values are
# part of the wire format: never renumber, only add. net/envelope_codec.cc is the only code that
# reads this schema, and it range-checks every field: a hostile sender controls every bit here,
# including enum values that have no enumerant.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("loyal::net::wire");

# Same numbering as loyal::ProtocolMode in common/ids.h.
enum ProtocolMode {
  pbft @0;
  raft @1;
  paxos @2;
}

# Same numbering as loyal::NodeRole in common/ids.h.
enum SenderRole {
  replica @0;
  client @1;
}

struct Envelope {
  # Wire format version (net/envelope.h kWireVersion). First field, so it stays at byte 0 of the
  # data section whatever later versions add: a receiver can always tell which layout it holds
  # and refuse one it does not speak.
  version @0 :UInt8;

  # Which cluster the message belongs to. Test and production clusters, or two deployments
  # sharing hosts, must never accept each other's messages, even if keys were reused.
  clusterId @1 :UInt64;

  # The protocol the sender runs; a message for another mode is dropped before its body is
  # parsed, so one mode's decoder never sees another mode's bytes.
  mode @2 :ProtocolMode;

  # Replicas and clients have separate id spaces; the role says which table `sender` indexes.
  senderRole @3 :SenderRole;

  # The sender's index within its role. The receiver picks the key that checks the
  # authenticator by this, so it is covered by every signature and MAC.
  sender @4 :UInt32;

  # Which message the body holds (net/message_kind.h); selects the body's own schema.
  kind @5 :UInt16;

  # The message itself: Cap'n Proto bytes of the kind's schema, kept as opaque bytes so that the
  # exact bytes that were signed can be verified, stored and forwarded without re-encoding.
  body @6 :Data;

  # Proof of origin over (version, cluster, mode, kind, sender, SHA-256 of body); see
  # net/authentication.h for what exactly is covered.
  authenticator :union {
    # Unauthenticated (for messages whose receivers need no proof, and for tests).
    none @7 :Void;
    # Ed25519 signature, exactly 64 bytes.
    signature @8 :Data;
    # One keyed BLAKE2b tag for the single receiver, exactly 16 bytes.
    mac @9 :Data;
    # A PBFT authenticator: one 16-byte tag per replica, indexed by replica id.
    macVector @10 :List(Data);
  }

  # Bytes that travel with the message but outside the authenticator: the body binds them by
  # digest, so they need no signature of their own and can be left off when the signed message is
  # kept or forwarded as evidence. A PBFT PRE-PREPARE's batch rides here (the paper's
  # <<PRE-PREPARE, v, n, d>_p, m>), which keeps prepared certificates, VIEW-CHANGEs and NEW-VIEWs
  # the size of digests whatever the batch size. Only kinds that name it may carry it
  # (net/message_kind.h kind_carries_attachment); anywhere else it makes the envelope malformed.
  attachment @11 :Data;
}
