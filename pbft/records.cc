#include "pbft/records.h"

#include <capnp/message.h>

#include "common/assert.h"
#include "net/capnp_data.h"
#include "net/untrusted_message.h"
#include "pbft/pbft.capnp.h"

namespace loyal::pbft {

namespace {

using net::as_data;
using net::read_digest;
using net::to_bytes;

// PersistRecord::type values: part of the journal format, never renumber.
enum RecordType : std::uint32_t { kView = 1, kSlot = 2, kStable = 3 };

// A slot record holds a batch and the PRE-PREPARE that carries it, plus the PREPAREs: up to about
// twice a frame.
net::DecodeLimits record_limits() {
  net::DecodeLimits limits;
  limits.max_frame_bytes = 4 * net::kMaxFrameBytes;
  limits.max_body_bytes = limits.max_frame_bytes;
  limits.traversal_limit_words = limits.max_frame_bytes / 8;
  return limits;
}

template <typename List>
void set_senders(List list, const std::vector<ReplicaId>& senders) {
  for (unsigned i = 0; i < senders.size(); ++i) list.set(i, senders[i]);
}

template <typename Reader>
std::vector<ReplicaId> read_senders(Reader list) {
  std::vector<ReplicaId> senders;
  senders.reserve(list.size());
  for (const ReplicaId sender : list) senders.push_back(sender);
  return senders;
}

Bytes encode_payload(const ViewRecord& record) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::ViewRecord>();
  out.setView(record.view);
  out.setActive(record.active);
  return net::message_to_frame(message);
}

Bytes encode_payload(const SlotRecord& record) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::SlotRecord>();
  out.setView(record.view);
  out.setSequence(record.sequence);
  out.setBatchDigest(as_data(record.digest.view()));
  out.setHasBatch(record.batch.has_value());
  if (record.batch) out.setBatch(as_data(*record.batch));
  out.setPrePrepare(as_data(record.pre_prepare_frame));
  out.setPrepared(record.prepared);
  net::set_data_list(out.initPrepares(static_cast<unsigned>(record.prepare_frames.size())), record.prepare_frames);
  set_senders(out.initPrepareSenders(static_cast<unsigned>(record.prepare_senders.size())), record.prepare_senders);
  return net::message_to_frame(message);
}

Bytes encode_payload(const StableRecord& record) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::StableRecord>();
  out.setSequence(record.sequence);
  out.setStateDigest(as_data(record.state_digest.view()));
  net::set_data_list(out.initProof(static_cast<unsigned>(record.proof.size())), record.proof);
  set_senders(out.initProofSenders(static_cast<unsigned>(record.proof_senders.size())), record.proof_senders);
  return net::message_to_frame(message);
}

template <typename T>
PbftRecord checked(std::variant<T, net::DecodeError> decoded) {
  LOYAL_ASSERT(std::holds_alternative<T>(decoded), "a PBFT journal record does not decode");
  return std::get<T>(std::move(decoded));
}

}  // namespace

replica::PersistRecord encode_record(std::uint64_t id, const PbftRecord& record) {
  return std::visit(
      [&](const auto& typed) {
        using T = std::decay_t<decltype(typed)>;
        const std::uint32_t type = std::is_same_v<T, ViewRecord>   ? kView
                                   : std::is_same_v<T, SlotRecord> ? kSlot
                                                                   : kStable;
        return replica::PersistRecord{id, type, encode_payload(typed)};
      },
      record);
}

PbftRecord decode_record(const replica::PersistRecord& record) {
  const net::DecodeLimits limits = record_limits();
  switch (record.type) {
    case kView:
      return checked(net::decode_message<wire::ViewRecord, ViewRecord>(
          record.payload, limits, [](wire::ViewRecord::Reader in) -> std::variant<ViewRecord, net::DecodeError> {
            return ViewRecord{in.getView(), in.getActive()};
          }));
    case kSlot:
      return checked(net::decode_message<wire::SlotRecord, SlotRecord>(
          record.payload, limits, [](wire::SlotRecord::Reader in) -> std::variant<SlotRecord, net::DecodeError> {
            const auto digest = read_digest(in.getBatchDigest());
            if (!digest) return net::DecodeError::malformed;
            std::optional<Bytes> batch;
            if (in.getHasBatch()) batch = to_bytes(in.getBatch());
            return SlotRecord{in.getView(),
                              in.getSequence(),
                              *digest,
                              std::move(batch),
                              to_bytes(in.getPrePrepare()),
                              in.getPrepared(),
                              net::read_data_list(in.getPrepares()),
                              read_senders(in.getPrepareSenders())};
          }));
    case kStable:
      return checked(net::decode_message<wire::StableRecord, StableRecord>(
          record.payload, limits, [](wire::StableRecord::Reader in) -> std::variant<StableRecord, net::DecodeError> {
            const auto digest = read_digest(in.getStateDigest());
            if (!digest) return net::DecodeError::malformed;
            return StableRecord{in.getSequence(), *digest, net::read_data_list(in.getProof()), read_senders(in.getProofSenders())};
          }));
    default: LOYAL_ASSERT(false, "an unknown PBFT journal record type");
  }
}

}  // namespace loyal::pbft
