#include "pbft/equivocation.h"

#include <capnp/message.h>

#include "net/capnp_data.h"
#include "net/untrusted_message.h"
#include "pbft/pbft.capnp.h"

namespace loyal::pbft {

void Equivocations::record(ReplicaId sender, net::MessageKind kind, View view, Sequence sequence,
                           const Bytes& first, const Bytes& second) {
  if (first.empty() || second.empty()) return;
  ++count_;
  if (kept_.size() >= kMaxEquivocationsKept) return;
  if (!keys_.emplace(sender, kind, view, sequence).second) return;
  kept_.push_back(EquivocationEvidence{sender, kind, view, sequence, first, second});
}

Bytes encode_equivocation_report(const std::vector<EquivocationEvidence>& evidence) {
  capnp::MallocMessageBuilder message;
  auto entries = message.initRoot<wire::EquivocationReport>().initEntries(static_cast<unsigned>(evidence.size()));
  for (unsigned i = 0; i < evidence.size(); ++i) {
    const EquivocationEvidence& entry = evidence[i];
    auto out = entries[i];
    out.setSender(entry.sender);
    out.setKind(static_cast<std::uint16_t>(entry.kind));
    out.setView(entry.view);
    out.setSequence(entry.sequence);
    out.setFirst(net::as_data(entry.first));
    out.setSecond(net::as_data(entry.second));
  }
  return net::message_to_frame(message);
}

std::variant<std::vector<EquivocationEvidence>, net::DecodeError> decode_equivocation_report(
    ByteView bytes, const net::DecodeLimits& limits) {
  using Decoded = std::variant<std::vector<EquivocationEvidence>, net::DecodeError>;
  return net::decode_message<wire::EquivocationReport, std::vector<EquivocationEvidence>>(
      bytes, limits, [](wire::EquivocationReport::Reader in) -> Decoded {
        std::vector<EquivocationEvidence> evidence;
        for (const auto entry : in.getEntries()) {
          const std::optional<net::MessageKind> kind = net::message_kind_from_wire(entry.getKind());
          if (!kind) return net::DecodeError::unknown_kind;
          evidence.push_back(EquivocationEvidence{entry.getSender(), *kind, entry.getView(), entry.getSequence(),
                                                  net::to_bytes(entry.getFirst()), net::to_bytes(entry.getSecond())});
        }
        return evidence;
      });
}

}  // namespace loyal::pbft
