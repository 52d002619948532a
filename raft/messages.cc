#include "raft/messages.h"

#include <capnp/message.h>

#include "net/capnp_data.h"
#include "net/untrusted_message.h"
#include "raft/entry_codec.h"
#include "raft/raft.capnp.h"

namespace loyal::raft {

using net::as_data;
using net::DecodeError;
using net::read_digest;

Bytes encode_vote_request(const VoteRequest& request) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::VoteRequest>();
  out.setTerm(request.term);
  out.setLastLogIndex(request.last_log_index);
  out.setLastLogTerm(request.last_log_term);
  return net::message_to_frame(message);
}

Bytes encode_vote_reply(const VoteReply& reply) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::VoteReply>();
  out.setTerm(reply.term);
  out.setGranted(reply.granted);
  return net::message_to_frame(message);
}

Bytes encode_append_entries(const AppendEntries& append) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::AppendEntries>();
  out.setTerm(append.term);
  out.setPrevLogIndex(append.prev_log_index);
  out.setPrevLogTerm(append.prev_log_term);
  detail::set_entries(out.initEntries(static_cast<unsigned>(append.entries.size())), append.entries);
  out.setLeaderCommit(append.leader_commit);
  return net::message_to_frame(message);
}

Bytes encode_append_entries_reply(const AppendEntriesReply& reply) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::AppendEntriesReply>();
  out.setTerm(reply.term);
  out.setSuccess(reply.success);
  out.setMatchIndex(reply.match_index);
  out.setConflictIndex(reply.conflict_index);
  out.setHasConflictTerm(reply.conflict_term.has_value());
  out.setConflictTerm(reply.conflict_term.value_or(0));
  return net::message_to_frame(message);
}

Bytes encode_install_snapshot(const InstallSnapshot& install) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::InstallSnapshot>();
  out.setTerm(install.term);
  out.setLastIncludedIndex(install.last_included_index);
  out.setLastIncludedTerm(install.last_included_term);
  out.setStateDigest(as_data(install.state_digest.view()));
  return net::message_to_frame(message);
}

Bytes encode_install_snapshot_reply(const InstallSnapshotReply& reply) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::InstallSnapshotReply>();
  out.setTerm(reply.term);
  out.setLastIncludedIndex(reply.last_included_index);
  return net::message_to_frame(message);
}

Bytes encode_timeout_now(const TimeoutNow& timeout_now) {
  capnp::MallocMessageBuilder message;
  message.initRoot<wire::TimeoutNow>().setTerm(timeout_now.term);
  return net::message_to_frame(message);
}

std::variant<VoteRequest, DecodeError> decode_vote_request(ByteView body, const net::DecodeLimits& limits) {
  return net::decode_message<wire::VoteRequest, VoteRequest>(
      body, limits, [](wire::VoteRequest::Reader in) -> std::variant<VoteRequest, DecodeError> {
        return VoteRequest{in.getTerm(), in.getLastLogIndex(), in.getLastLogTerm()};
      });
}

std::variant<VoteReply, DecodeError> decode_vote_reply(ByteView body, const net::DecodeLimits& limits) {
  return net::decode_message<wire::VoteReply, VoteReply>(
      body, limits, [](wire::VoteReply::Reader in) -> std::variant<VoteReply, DecodeError> {
        return VoteReply{in.getTerm(), in.getGranted()};
      });
}

std::variant<AppendEntries, DecodeError> decode_append_entries(ByteView body, const net::DecodeLimits& limits,
                                                               std::uint32_t max_entries) {
  return net::decode_message<wire::AppendEntries, AppendEntries>(
      body, limits, [max_entries](wire::AppendEntries::Reader in) -> std::variant<AppendEntries, DecodeError> {
        auto entries = detail::read_entries(in.getEntries(), max_entries);
        if (!entries) return DecodeError::malformed;
        return AppendEntries{in.getTerm(), in.getPrevLogIndex(), in.getPrevLogTerm(), std::move(*entries),
                             in.getLeaderCommit()};
      });
}

std::variant<AppendEntriesReply, DecodeError> decode_append_entries_reply(ByteView body,
                                                                          const net::DecodeLimits& limits) {
  return net::decode_message<wire::AppendEntriesReply, AppendEntriesReply>(
      body, limits, [](wire::AppendEntriesReply::Reader in) -> std::variant<AppendEntriesReply, DecodeError> {
        std::optional<Term> conflict_term;
        if (in.getHasConflictTerm()) conflict_term = in.getConflictTerm();
        return AppendEntriesReply{in.getTerm(), in.getSuccess(), in.getMatchIndex(), in.getConflictIndex(),
                                  conflict_term};
      });
}

std::variant<InstallSnapshot, DecodeError> decode_install_snapshot(ByteView body, const net::DecodeLimits& limits) {
  return net::decode_message<wire::InstallSnapshot, InstallSnapshot>(
      body, limits, [](wire::InstallSnapshot::Reader in) -> std::variant<InstallSnapshot, DecodeError> {
        const auto digest = read_digest(in.getStateDigest());
        if (!digest) return DecodeError::malformed;
        return InstallSnapshot{in.getTerm(), in.getLastIncludedIndex(), in.getLastIncludedTerm(), *digest};
      });
}

std::variant<InstallSnapshotReply, DecodeError> decode_install_snapshot_reply(ByteView body,
                                                                              const net::DecodeLimits& limits) {
  return net::decode_message<wire::InstallSnapshotReply, InstallSnapshotReply>(
      body, limits, [](wire::InstallSnapshotReply::Reader in) -> std::variant<InstallSnapshotReply, DecodeError> {
        return InstallSnapshotReply{in.getTerm(), in.getLastIncludedIndex()};
      });
}

std::variant<TimeoutNow, DecodeError> decode_timeout_now(ByteView body, const net::DecodeLimits& limits) {
  return net::decode_message<wire::TimeoutNow, TimeoutNow>(
      body, limits,
      [](wire::TimeoutNow::Reader in) -> std::variant<TimeoutNow, DecodeError> { return TimeoutNow{in.getTerm()}; });
}

}  // namespace loyal::raft
