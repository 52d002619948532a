#include "net/message_kind.h"

namespace loyal::net {

namespace {

// Kinds are numbered by family: 1..99 shared by every mode, then one hundred per mode.
constexpr std::uint16_t kFamilySize = 100;
constexpr std::uint16_t kPbftFamily = 1;
constexpr std::uint16_t kRaftFamily = 2;
constexpr std::uint16_t kPaxosFamily = 3;

}  // namespace

std::optional<MessageKind> message_kind_from_wire(std::uint16_t value) {
  const auto kind = static_cast<MessageKind>(value);
  switch (kind) {
    case MessageKind::client_request:
    case MessageKind::client_reply:
    case MessageKind::checkpoint:
    case MessageKind::state_request:
    case MessageKind::state_chunk:
    case MessageKind::forwarded_request:
    case MessageKind::pbft_pre_prepare:
    case MessageKind::pbft_prepare:
    case MessageKind::pbft_commit:
    case MessageKind::pbft_view_change:
    case MessageKind::pbft_new_view:
    case MessageKind::pbft_batch_request:
    case MessageKind::pbft_batch_reply:
    case MessageKind::raft_pre_vote:
    case MessageKind::raft_pre_vote_reply:
    case MessageKind::raft_request_vote:
    case MessageKind::raft_request_vote_reply:
    case MessageKind::raft_append_entries:
    case MessageKind::raft_append_entries_reply:
    case MessageKind::raft_install_snapshot:
    case MessageKind::raft_install_snapshot_reply:
    case MessageKind::raft_timeout_now:
    case MessageKind::paxos_prepare:
    case MessageKind::paxos_promise:
    case MessageKind::paxos_accept:
    case MessageKind::paxos_accepted:
    case MessageKind::paxos_nack:
    case MessageKind::paxos_commit:
      return kind;
  }
  return std::nullopt;
}

bool kind_belongs_to_mode(MessageKind kind, ProtocolMode mode) {
  const std::uint16_t family = static_cast<std::uint16_t>(kind) / kFamilySize;
  if (family == 0) return true;
  switch (mode) {
    case ProtocolMode::pbft: return family == kPbftFamily;
    case ProtocolMode::raft: return family == kRaftFamily;
    case ProtocolMode::paxos: return family == kPaxosFamily;
  }
  return false;
}

std::string_view to_string(MessageKind kind) {
  switch (kind) {
    case MessageKind::client_request: return "client_request";
    case MessageKind::client_reply: return "client_reply";
    case MessageKind::checkpoint: return "checkpoint";
    case MessageKind::state_request: return "state_request";
    case MessageKind::state_chunk: return "state_chunk";
    case MessageKind::forwarded_request: return "forwarded_request";
    case MessageKind::pbft_pre_prepare: return "pbft_pre_prepare";
    case MessageKind::pbft_prepare: return "pbft_prepare";
    case MessageKind::pbft_commit: return "pbft_commit";
    case MessageKind::pbft_view_change: return "pbft_view_change";
    case MessageKind::pbft_new_view: return "pbft_new_view";
    case MessageKind::pbft_batch_request: return "pbft_batch_request";
    case MessageKind::pbft_batch_reply: return "pbft_batch_reply";
    case MessageKind::raft_pre_vote: return "raft_pre_vote";
    case MessageKind::raft_pre_vote_reply: return "raft_pre_vote_reply";
    case MessageKind::raft_request_vote: return "raft_request_vote";
    case MessageKind::raft_request_vote_reply: return "raft_request_vote_reply";
    case MessageKind::raft_append_entries: return "raft_append_entries";
    case MessageKind::raft_append_entries_reply: return "raft_append_entries_reply";
    case MessageKind::raft_install_snapshot: return "raft_install_snapshot";
    case MessageKind::raft_install_snapshot_reply: return "raft_install_snapshot_reply";
    case MessageKind::raft_timeout_now: return "raft_timeout_now";
    case MessageKind::paxos_prepare: return "paxos_prepare";
    case MessageKind::paxos_promise: return "paxos_promise";
    case MessageKind::paxos_accept: return "paxos_accept";
    case MessageKind::paxos_accepted: return "paxos_accepted";
    case MessageKind::paxos_nack: return "paxos_nack";
    case MessageKind::paxos_commit: return "paxos_commit";
  }
  return "unknown";
}

bool kind_carries_attachment(MessageKind kind) {
  return kind == MessageKind::pbft_pre_prepare || kind == MessageKind::pbft_batch_reply;
}

}  // namespace loyal::net
