#pragma once
// Proof that a replica is faulty: two messages it signed, of one kind, for the same view and
// sequence number but different digests. A correct replica sends at most one PRE-PREPARE (as
// primary), one PREPARE and one COMMIT per (view, sequence number), so such a pair needs no
// further context to convince anyone: both frames carry the sender's signature. The core keeps the
// first pairs it sees so the runtime can log or export them; the number kept is bounded, the
// count is not.

#include <cstdint>
#include <set>
#include <tuple>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "common/ids.h"
#include "net/decode_error.h"
#include "net/limits.h"
#include "net/message_kind.h"
#include "pbft/messages.h"

namespace loyal::pbft {

inline constexpr std::size_t kMaxEquivocationsKept = 64;

struct EquivocationEvidence {
  ReplicaId sender = 0;
  net::MessageKind kind = net::MessageKind::pbft_pre_prepare;
  View view = 0;
  Sequence sequence = 0;
  Bytes first;   // the signed envelope seen first
  Bytes second;  // the conflicting signed envelope
};

class Equivocations {
 public:
  // Records a conflict unless one was already kept for (sender, kind, view, sequence). Frames that
  // are empty (this replica's own, not yet signed) prove nothing and are not recorded.
  void record(ReplicaId sender, net::MessageKind kind, View view, Sequence sequence, const Bytes& first,
              const Bytes& second);
  const std::vector<EquivocationEvidence>& kept() const { return kept_; }
  // Every conflict seen, including repeats and those beyond the bound.
  std::uint64_t count() const { return count_; }

 private:
  std::vector<EquivocationEvidence> kept_;
  std::set<std::tuple<ReplicaId, net::MessageKind, View, Sequence>> keys_;
  std::uint64_t count_ = 0;
};

// The export format (pbft.capnp EquivocationReport): what an operator hands on as proof. The
// decoder reads untrusted bytes; it checks structure only, the frames' signatures are the proof.
Bytes encode_equivocation_report(const std::vector<EquivocationEvidence>& evidence);
std::variant<std::vector<EquivocationEvidence>, net::DecodeError> decode_equivocation_report(
    ByteView bytes, const net::DecodeLimits& limits);

}  // namespace loyal::pbft
