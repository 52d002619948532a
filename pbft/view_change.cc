#include "pbft/view_change.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <capnp/message.h>

#include "net/authentication.h"
#include "net/capnp_data.h"
#include "net/untrusted_message.h"
#include "pbft/drop_reasons.h"
#include "pbft/pbft.capnp.h"
#include "replica/request.h"

namespace loyal::pbft {

using net::as_data;
using net::to_bytes;

namespace {

std::optional<std::vector<Bytes>> read_frames(capnp::List<capnp::Data>::Reader list, std::uint32_t max_list) {
  if (list.size() > max_list) return std::nullopt;
  return net::read_data_list(list);
}

// One embedded envelope, decoded and its signature verified.
std::optional<net::Envelope> open_signed(ByteView frame, net::MessageKind kind, const EvidenceContext& context) {
  auto decoded = net::decode_envelope(frame, context.decode);
  if (!std::holds_alternative<net::Envelope>(decoded)) return std::nullopt;
  net::Envelope& envelope = std::get<net::Envelope>(decoded);
  if (envelope.header.sender.role != NodeRole::replica || envelope.header.kind != kind) return std::nullopt;
  if (!net::verify_envelope_signature(envelope, *context.verifier)) return std::nullopt;
  return std::move(envelope);
}

// The proof of the checkpoint at `sequence`: a quorum of signed CHECKPOINTs from distinct
// replicas, all for `sequence` and one state digest.
bool check_checkpoint_proof(Sequence sequence, const std::vector<Bytes>& proof, const EvidenceContext& context,
                            CheckedViewChange& out) {
  if (sequence == 0) return proof.empty();
  if (sequence % context.checkpoint_interval != 0 || proof.size() < context.quorum) return false;
  std::set<ReplicaId> signers;
  std::optional<crypto::Digest> digest;
  for (const Bytes& frame : proof) {
    const auto envelope = open_signed(frame, net::MessageKind::checkpoint, context);
    if (!envelope || !signers.insert(envelope->header.sender.index).second) return false;
    const auto checkpoint = replica::decode_checkpoint(envelope->body, context.decode.limits);
    if (!std::holds_alternative<replica::CheckpointMessage>(checkpoint)) return false;
    const auto& vote = std::get<replica::CheckpointMessage>(checkpoint);
    if (vote.sequence != sequence || (digest && *digest != vote.state_digest)) return false;
    digest = vote.state_digest;
    out.checkpoint_signers.push_back(envelope->header.sender.index);
  }
  out.stable_digest = *digest;
  return true;
}

// A prepared certificate for a sequence number in (stable, stable + L] of a view below `view`:
// the pre-prepare from that view's primary (signed, without its batch: a certificate is about the
// digest), and a quorum - 1 matching PREPAREs from distinct backups.
std::optional<CheckedCertificate> check_certificate(const PreparedCertificateFrames& frames, View view,
                                                    Sequence stable, const EvidenceContext& context) {
  const auto pre_prepare_envelope = open_signed(frames.pre_prepare, net::MessageKind::pbft_pre_prepare, context);
  if (!pre_prepare_envelope || !pre_prepare_envelope->attachment.empty()) return std::nullopt;
  auto decoded = decode_pre_prepare(pre_prepare_envelope->body, context.decode.limits);
  if (!std::holds_alternative<PrePrepare>(decoded)) return std::nullopt;
  PrePrepare& pre_prepare = std::get<PrePrepare>(decoded);
  const std::uint32_t n = context.decode.replica_count;
  const ReplicaId primary = primary_of(pre_prepare.view, n);
  if (pre_prepare_envelope->header.sender.index != primary || pre_prepare.view >= view) return std::nullopt;
  if (pre_prepare.sequence <= stable || pre_prepare.sequence > stable + context.window) return std::nullopt;
  if (frames.prepares.size() + 1 < context.quorum) return std::nullopt;
  std::set<ReplicaId> backups;
  for (const Bytes& frame : frames.prepares) {
    const auto envelope = open_signed(frame, net::MessageKind::pbft_prepare, context);
    if (!envelope) return std::nullopt;
    const ReplicaId sender = envelope->header.sender.index;
    if (sender == primary || !backups.insert(sender).second) return std::nullopt;
    const auto prepare = decode_prepare(envelope->body, context.decode.limits);
    if (!std::holds_alternative<Prepare>(prepare)) return std::nullopt;
    if (std::get<Prepare>(prepare) != Prepare{pre_prepare.view, pre_prepare.sequence, pre_prepare.batch_digest}) {
      return std::nullopt;
    }
  }
  return CheckedCertificate{pre_prepare.view, pre_prepare.sequence, pre_prepare.batch_digest, frames};
}

std::uint32_t max_list(const EvidenceContext& context) {
  return std::max(context.decode.replica_count, context.window);
}

}  // namespace

Bytes encode_view_change(const ViewChange& view_change) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::ViewChange>();
  out.setView(view_change.view);
  out.setStableSequence(view_change.stable_sequence);
  net::set_data_list(out.initCheckpointProof(static_cast<unsigned>(view_change.checkpoint_proof.size())),
             view_change.checkpoint_proof);
  auto certificates = out.initPreparedCertificates(static_cast<unsigned>(view_change.prepared.size()));
  for (unsigned i = 0; i < view_change.prepared.size(); ++i) {
    const PreparedCertificateFrames& certificate = view_change.prepared[i];
    certificates[i].setPrePrepare(as_data(certificate.pre_prepare));
    net::set_data_list(certificates[i].initPrepares(static_cast<unsigned>(certificate.prepares.size())), certificate.prepares);
  }
  return net::message_to_frame(message);
}

Bytes encode_new_view(const NewView& new_view) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::NewView>();
  out.setView(new_view.view);
  net::set_data_list(out.initViewChanges(static_cast<unsigned>(new_view.view_changes.size())), new_view.view_changes);
  net::set_data_list(out.initPrePrepares(static_cast<unsigned>(new_view.pre_prepares.size())), new_view.pre_prepares);
  return net::message_to_frame(message);
}

std::variant<ViewChange, net::DecodeError> decode_view_change(ByteView body, const net::DecodeLimits& limits,
                                                              std::uint32_t max_list) {
  return net::decode_message<wire::ViewChange, ViewChange>(
      body, limits, [max_list](wire::ViewChange::Reader in) -> std::variant<ViewChange, net::DecodeError> {
        ViewChange view_change{in.getView(), in.getStableSequence(), {}, {}};
        auto proof = read_frames(in.getCheckpointProof(), max_list);
        if (!proof) return net::DecodeError::malformed;
        view_change.checkpoint_proof = std::move(*proof);
        const auto certificates = in.getPreparedCertificates();
        if (certificates.size() > max_list) return net::DecodeError::malformed;
        for (const auto certificate : certificates) {
          auto prepares = read_frames(certificate.getPrepares(), max_list);
          if (!prepares) return net::DecodeError::malformed;
          view_change.prepared.push_back({to_bytes(certificate.getPrePrepare()), std::move(*prepares)});
        }
        return view_change;
      });
}

std::variant<NewView, net::DecodeError> decode_new_view(ByteView body, const net::DecodeLimits& limits,
                                                        std::uint32_t max_list) {
  return net::decode_message<wire::NewView, NewView>(
      body, limits, [max_list](wire::NewView::Reader in) -> std::variant<NewView, net::DecodeError> {
        auto view_changes = read_frames(in.getViewChanges(), max_list);
        auto pre_prepares = read_frames(in.getPrePrepares(), max_list);
        if (!view_changes || !pre_prepares) return net::DecodeError::malformed;
        return NewView{in.getView(), std::move(*view_changes), std::move(*pre_prepares)};
      });
}

CheckedViewChangeOrReason check_view_change(ReplicaId sender, ByteView body, ByteView frame,
                                            const EvidenceContext& context) {
  // First, before any signature is checked: a correct replica's never exceeds this, and a larger
  // one could make the NEW-VIEW that carries it too large to send.
  if (frame.size() > context.max_view_change_bytes) return reason::kViewChangeTooLarge;
  auto decoded = decode_view_change(body, context.decode.limits, max_list(context));
  if (!std::holds_alternative<ViewChange>(decoded)) return reason::kMalformedViewChange;
  ViewChange& view_change = std::get<ViewChange>(decoded);
  if (view_change.view == 0) return reason::kViewChangeToViewZero;
  CheckedViewChange checked;
  checked.sender = sender;
  checked.view = view_change.view;
  checked.stable_sequence = view_change.stable_sequence;
  if (!check_checkpoint_proof(view_change.stable_sequence, view_change.checkpoint_proof, context, checked)) {
    return reason::kBadCheckpointProof;
  }
  checked.checkpoint_proof = std::move(view_change.checkpoint_proof);
  std::map<Sequence, CheckedCertificate> by_sequence;
  for (const PreparedCertificateFrames& frames : view_change.prepared) {
    auto certificate = check_certificate(frames, view_change.view, view_change.stable_sequence, context);
    if (!certificate) return reason::kBadPreparedCertificate;
    const Sequence sequence = certificate->sequence;
    if (!by_sequence.emplace(sequence, std::move(*certificate)).second) return reason::kBadPreparedCertificate;
  }
  for (auto& [sequence, certificate] : by_sequence) checked.certificates.push_back(std::move(certificate));
  checked.frame = Bytes(frame.begin(), frame.end());
  return checked;
}

CheckedViewChangeOrReason check_embedded_view_change(ByteView frame, const EvidenceContext& context) {
  const auto envelope = open_signed(frame, net::MessageKind::pbft_view_change, context);
  if (!envelope || envelope->header.sender.index >= context.decode.replica_count) return reason::kNewViewBadViewChange;
  return check_view_change(envelope->header.sender.index, envelope->body, frame, context);
}

}  // namespace loyal::pbft
