#pragma once
// VIEW-CHANGE and NEW-VIEW on the wire (pbft/pbft.capnp), and the checks of the signed evidence they
// embed: stable-checkpoint proofs and prepared certificates. Embedded messages are whole signed
// envelope frames; each is decoded on its own with the normal limits (they are Data, so nesting
// does not add up) and its signature verified with the injected Verifier. Pure functions: the
// validator calls them on the verification pool.

#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "common/ids.h"
#include "crypto/digest.h"
#include "crypto/signer.h"
#include "net/decode_error.h"
#include "net/envelope_codec.h"
#include "net/limits.h"
#include "pbft/messages.h"

namespace loyal::pbft {

struct PreparedCertificateFrames {
  Bytes pre_prepare;            // the primary's signed PRE-PREPARE envelope
  std::vector<Bytes> prepares;  // signed PREPARE envelopes from distinct backups
  friend bool operator==(const PreparedCertificateFrames&, const PreparedCertificateFrames&) = default;
};

struct ViewChange {
  View view = 0;
  Sequence stable_sequence = 0;
  std::vector<Bytes> checkpoint_proof;  // signed CHECKPOINT envelopes; empty at sequence 0
  std::vector<PreparedCertificateFrames> prepared;
  friend bool operator==(const ViewChange&, const ViewChange&) = default;
};

struct NewView {
  View view = 0;
  std::vector<Bytes> view_changes;  // signed VIEW-CHANGE envelopes
  std::vector<Bytes> pre_prepares;  // encoded PrePrepare bodies, in sequence order
  friend bool operator==(const NewView&, const NewView&) = default;
};

Bytes encode_view_change(const ViewChange& view_change);
Bytes encode_new_view(const NewView& new_view);
// Lists longer than `max_list` (n or L, whichever bounds them) make the message malformed.
std::variant<ViewChange, net::DecodeError> decode_view_change(ByteView body, const net::DecodeLimits& limits,
                                                              std::uint32_t max_list);
std::variant<NewView, net::DecodeError> decode_new_view(ByteView body, const net::DecodeLimits& limits,
                                                        std::uint32_t max_list);

// A prepared certificate after every signature and field in it checked out.
struct CheckedCertificate {
  View view = 0;
  Sequence sequence = 0;
  crypto::Digest digest;
  PreparedCertificateFrames frames;
};

// A VIEW-CHANGE after its stable-checkpoint proof and every prepared certificate checked out.
struct CheckedViewChange {
  ReplicaId sender = 0;
  View view = 0;
  Sequence stable_sequence = 0;
  crypto::Digest stable_digest;                // the proven checkpoint's state digest (zero at 0)
  std::vector<ReplicaId> checkpoint_signers;   // in the order of `checkpoint_proof`
  std::vector<Bytes> checkpoint_proof;
  std::vector<CheckedCertificate> certificates;  // ascending sequence numbers
  Bytes frame;                                   // the VIEW-CHANGE's own signed envelope
};

// What checking evidence needs. The verifier must outlive the context's users.
struct EvidenceContext {
  net::DecodeContext decode;  // the cluster of the outer envelope; client_count is irrelevant
  std::uint32_t quorum = 0;
  std::uint32_t window = 0;
  std::uint32_t checkpoint_interval = 0;
  // The largest VIEW-CHANGE frame accepted: a NEW-VIEW must hold a quorum of them in one frame
  // (cluster/pbft_bounds.h).
  std::size_t max_view_change_bytes = 0;
  const crypto::Verifier* verifier = nullptr;
};

using CheckedViewChangeOrReason = std::variant<CheckedViewChange, std::string_view>;

// `body` is the VIEW-CHANGE body sent by `sender` in the envelope `frame` (already verified).
CheckedViewChangeOrReason check_view_change(ReplicaId sender, ByteView body, ByteView frame,
                                            const EvidenceContext& context);
// A VIEW-CHANGE embedded in a NEW-VIEW: decodes and verifies the envelope first.
CheckedViewChangeOrReason check_embedded_view_change(ByteView frame, const EvidenceContext& context);

}  // namespace loyal::pbft
