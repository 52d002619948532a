@0xb2028a96c118bba1;
# The key-value store's operations (ClientRequest.operation), results (ClientReply.result) and
# snapshot (Snapshot.application). Field numbers are part of the wire format: never renumber, only
# add. Size limits on keys and values are in apps/kv/kv_limits.h and are checked on decode.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("loyal::kv::wire");

struct Operation {
  union {
    put @0 :Put;
    get @1 :Get;
    delete @2 :Delete;
    compareAndSwap @3 :CompareAndSwap;
  }
}

struct Put {
  key @0 :Data;
  value @1 :Data;
}

struct Get {
  key @0 :Data;
}

struct Delete {
  key @0 :Data;
}

# Sets `newValue` only if the key's current value is `expected`; an absent `expected` means "only
# if the key does not exist" (create-if-absent).
struct CompareAndSwap {
  key @0 :Data;
  expected @1 :MaybeValue;
  newValue @2 :Data;
}

# A value that may not exist. A null pointer reads as `absent`, the union's first member.
struct MaybeValue {
  union {
    absent @0 :Void;
    present @1 :Data;
  }
}

struct Result {
  union {
    ok @0 :Void;                  # put, delete of a present key, compareAndSwap that swapped
    value @1 :Data;               # get of a present key
    notFound @2 :Void;            # get or delete of an absent key
    casMismatch @3 :MaybeValue;   # compareAndSwap whose expectation failed: the current value
    error @4 :ErrorReason;        # the operation was refused; the state is unchanged
  }
}

enum ErrorReason {
  malformed @0;       # not a decodable Operation
  keyTooLarge @1;
  valueTooLarge @2;
  stateFull @3;       # applying it would grow the state beyond the store's limit
  notAQuery @4;       # a read-only query that is not a get
}

# The whole state. Entries are in strictly ascending key order (bytewise, unsigned), so equal
# states have byte-identical snapshots; restore refuses any other order.
struct Snapshot {
  entries @0 :List(Entry);
}

struct Entry {
  key @0 :Data;
  value @1 :Data;
}
