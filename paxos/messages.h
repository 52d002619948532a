#pragma once
// Plain C++ forms of the Multi-Paxos messages and acceptor records (paxos/paxos.capnp), with
// their encoders and untrusted decoders. Decoders check structure and field sizes only (digests
// are 32 bytes, lists no longer than kMaxSlotsPerMessage); whether a digest matches its value,
// slots are in order and who may send what is paxos/validator.h's job.

#include <cstdint>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "crypto/digest.h"
#include "net/decode_error.h"
#include "net/limits.h"
#include "paxos/ballot.h"

namespace loyal::paxos {

struct SlotValue {
  Slot slot = 0;
  crypto::Digest digest;
  Bytes value;  // the exact encoded replica::Batch; empty for a no-op
  friend bool operator==(const SlotValue&, const SlotValue&) = default;
};

struct AcceptedValue {
  Slot slot = 0;
  Ballot ballot;
  crypto::Digest digest;
  Bytes value;
  friend bool operator==(const AcceptedValue&, const AcceptedValue&) = default;
};

struct SlotDigest {
  Slot slot = 0;
  crypto::Digest digest;
  friend bool operator==(const SlotDigest&, const SlotDigest&) = default;
};

struct Prepare {
  Ballot ballot;
  Slot from_slot = 1;
  friend bool operator==(const Prepare&, const Prepare&) = default;
};

struct Promise {
  Ballot ballot;
  Slot from_slot = 1;
  std::vector<AcceptedValue> accepted;
  bool complete = true;
  Slot chosen_through = 0;
  Slot stable_slot = 0;
  crypto::Digest stable_digest;
  friend bool operator==(const Promise&, const Promise&) = default;
};

struct Accept {
  Ballot ballot;
  std::vector<SlotValue> values;
  friend bool operator==(const Accept&, const Accept&) = default;
};

struct Accepted {
  Ballot ballot;
  std::vector<SlotDigest> slots;
  Slot chosen_through = 0;
  friend bool operator==(const Accepted&, const Accepted&) = default;
};

struct Nack {
  Ballot promised;
  Ballot refused;
  friend bool operator==(const Nack&, const Nack&) = default;
};

struct Commit {
  Ballot ballot;
  Slot chosen_through = 0;
  Slot stable_slot = 0;
  crypto::Digest stable_digest;
  std::vector<SlotValue> values;
  friend bool operator==(const Commit&, const Commit&) = default;
};

// The acceptor's durable state, as one PersistRecord payload (see AcceptorRecord in paxos.capnp).
struct AcceptorRecord {
  Ballot promised;
  Slot stable_slot = 0;
  crypto::Digest stable_digest;
  std::vector<AcceptedValue> accepted;
  friend bool operator==(const AcceptorRecord&, const AcceptorRecord&) = default;
};

Bytes encode_prepare(const Prepare& prepare);
Bytes encode_promise(const Promise& promise);
Bytes encode_accept(const Accept& accept);
Bytes encode_accepted(const Accepted& accepted);
Bytes encode_nack(const Nack& nack);
Bytes encode_commit(const Commit& commit);
Bytes encode_acceptor_record(const AcceptorRecord& record);

std::variant<Prepare, net::DecodeError> decode_prepare(ByteView body, const net::DecodeLimits& limits);
std::variant<Promise, net::DecodeError> decode_promise(ByteView body, const net::DecodeLimits& limits);
std::variant<Accept, net::DecodeError> decode_accept(ByteView body, const net::DecodeLimits& limits);
std::variant<Accepted, net::DecodeError> decode_accepted(ByteView body, const net::DecodeLimits& limits);
std::variant<Nack, net::DecodeError> decode_nack(ByteView body, const net::DecodeLimits& limits);
std::variant<Commit, net::DecodeError> decode_commit(ByteView body, const net::DecodeLimits& limits);
// Records are this replica's own, read back at restart; they go through the same checked reader.
std::variant<AcceptorRecord, net::DecodeError> decode_acceptor_record(ByteView payload,
                                                                      const net::DecodeLimits& limits);

}  // namespace loyal::paxos
