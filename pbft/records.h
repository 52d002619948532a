#pragma once
// PBFT's journal records (pbft/pbft.capnp ViewRecord, SlotRecord, StableRecord) as plain C++, with
// their encoders and decoders. What each one is for, and when it is written, is in
// pbft/pbft_core.h ("Persistence").

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "crypto/digest.h"
#include "pbft/messages.h"
#include "replica/protocol.h"

namespace loyal::pbft {

struct ViewRecord {
  View view = 0;
  bool active = true;
};

struct SlotRecord {
  View view = 0;
  Sequence sequence = 0;
  crypto::Digest digest;
  // The batch, unless an earlier record of this slot and view holds it or it has not arrived yet
  // (a re-issued slot whose batch a new primary still has to fetch).
  std::optional<Bytes> batch;
  Bytes pre_prepare_frame;
  bool prepared = false;
  std::vector<Bytes> prepare_frames;
  std::vector<ReplicaId> prepare_senders;  // who signed each of prepare_frames
};

struct StableRecord {
  Sequence sequence = 0;
  crypto::Digest state_digest;
  std::vector<Bytes> proof;
  std::vector<ReplicaId> proof_senders;  // who signed each of proof
};

using PbftRecord = std::variant<ViewRecord, SlotRecord, StableRecord>;

replica::PersistRecord encode_record(std::uint64_t id, const PbftRecord& record);
// Records come only from this replica's own journal, which checksums them: one that does not
// decode is a bug or a lying disk, and stops the process.
PbftRecord decode_record(const replica::PersistRecord& record);

}  // namespace loyal::pbft
