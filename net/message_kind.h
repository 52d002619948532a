#pragma once
// Every message kind on the wire. The numbering is part of the wire format: never renumber, only
// add. Kinds are grouped by family so the decoder can refuse a kind that does not belong to the
// cluster's protocol mode (a Raft AppendEntries arriving at a PBFT cluster is dropped, not parsed).

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/ids.h"

namespace loyal::net {

enum class MessageKind : std::uint16_t {
  // Shared by every mode: the client protocol, checkpoints and state transfer.
  client_request = 1,
  client_reply = 2,
  checkpoint = 3,
  state_request = 4,
  state_chunk = 5,
  forwarded_request = 6,

  // PBFT.
  pbft_pre_prepare = 100,
  pbft_prepare = 101,
  pbft_commit = 102,
  pbft_view_change = 103,
  pbft_new_view = 104,
  pbft_batch_request = 105,
  pbft_batch_reply = 106,

  // Raft.
  raft_pre_vote = 200,
  raft_pre_vote_reply = 201,
  raft_request_vote = 202,
  raft_request_vote_reply = 203,
  raft_append_entries = 204,
  raft_append_entries_reply = 205,
  raft_install_snapshot = 206,
  raft_install_snapshot_reply = 207,
  raft_timeout_now = 208,

  // Multi-Paxos.
  paxos_prepare = 300,
  paxos_promise = 301,
  paxos_accept = 302,
  paxos_accepted = 303,
  paxos_nack = 304,
  paxos_commit = 305,
};

// The kind with this wire value, if it exists.
std::optional<MessageKind> message_kind_from_wire(std::uint16_t value);
// Whether a cluster running `mode` uses this kind (shared kinds belong to every mode).
bool kind_belongs_to_mode(MessageKind kind, ProtocolMode mode);
std::string_view to_string(MessageKind kind);
// Whether an envelope of this kind may carry an attachment (net/envelope.capnp): a PBFT
// PRE-PREPARE and a batch reply, whose bodies name the attachment's digest.
bool kind_carries_attachment(MessageKind kind);

}  // namespace loyal::net
