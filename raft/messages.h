#pragma once
// Plain C++ forms of Raft's messages (raft/raft.capnp), with their encoders and untrusted
// decoders. Decoders check structure, counts and field sizes only; whether a digest matches its
// batch is raft/validator.h's job, and whether a term is current is the core's.

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "crypto/digest.h"
#include "net/decode_error.h"
#include "net/limits.h"
#include "replica/types.h"

namespace loyal::raft {

// The paper's vocabulary: a term is Raft's leadership epoch; log indexes are the pipeline's
// sequence numbers (index 0 is "before the log", the first entry is at 1).
using Term = replica::Epoch;
using Index = replica::Sequence;

struct Entry {
  Term term = 0;
  Bytes batch;  // the exact encoded replica::Batch; empty for a no-op
  crypto::Digest digest;
  friend bool operator==(const Entry&, const Entry&) = default;
};

// RequestVote and PreVote.
struct VoteRequest {
  Term term = 0;
  Index last_log_index = 0;
  Term last_log_term = 0;
  friend bool operator==(const VoteRequest&, const VoteRequest&) = default;
};

struct VoteReply {
  Term term = 0;
  bool granted = false;
  friend bool operator==(const VoteReply&, const VoteReply&) = default;
};

struct AppendEntries {
  Term term = 0;
  Index prev_log_index = 0;
  Term prev_log_term = 0;
  std::vector<Entry> entries;
  Index leader_commit = 0;
  friend bool operator==(const AppendEntries&, const AppendEntries&) = default;
};

struct AppendEntriesReply {
  Term term = 0;
  bool success = false;
  Index match_index = 0;               // success: the follower's log matches the leader's up to here
  Index conflict_index = 0;            // reject: where the leader should look next
  std::optional<Term> conflict_term;   // reject: the follower's term at prev_log_index, if it has one
  friend bool operator==(const AppendEntriesReply&, const AppendEntriesReply&) = default;
};

struct InstallSnapshot {
  Term term = 0;
  Index last_included_index = 0;
  Term last_included_term = 0;
  crypto::Digest state_digest;
  friend bool operator==(const InstallSnapshot&, const InstallSnapshot&) = default;
};

struct InstallSnapshotReply {
  Term term = 0;
  Index last_included_index = 0;
  friend bool operator==(const InstallSnapshotReply&, const InstallSnapshotReply&) = default;
};

struct TimeoutNow {
  Term term = 0;
  friend bool operator==(const TimeoutNow&, const TimeoutNow&) = default;
};

Bytes encode_vote_request(const VoteRequest& request);
Bytes encode_vote_reply(const VoteReply& reply);
Bytes encode_append_entries(const AppendEntries& append);
Bytes encode_append_entries_reply(const AppendEntriesReply& reply);
Bytes encode_install_snapshot(const InstallSnapshot& install);
Bytes encode_install_snapshot_reply(const InstallSnapshotReply& reply);
Bytes encode_timeout_now(const TimeoutNow& timeout_now);

// A digest field of any size but crypto::Digest::kSize, or more than `max_entries` entries,
// makes the message malformed.
std::variant<VoteRequest, net::DecodeError> decode_vote_request(ByteView body, const net::DecodeLimits& limits);
std::variant<VoteReply, net::DecodeError> decode_vote_reply(ByteView body, const net::DecodeLimits& limits);
std::variant<AppendEntries, net::DecodeError> decode_append_entries(ByteView body, const net::DecodeLimits& limits,
                                                                    std::uint32_t max_entries);
std::variant<AppendEntriesReply, net::DecodeError> decode_append_entries_reply(ByteView body,
                                                                               const net::DecodeLimits& limits);
std::variant<InstallSnapshot, net::DecodeError> decode_install_snapshot(ByteView body,
                                                                        const net::DecodeLimits& limits);
std::variant<InstallSnapshotReply, net::DecodeError> decode_install_snapshot_reply(ByteView body,
                                                                                   const net::DecodeLimits& limits);
std::variant<TimeoutNow, net::DecodeError> decode_timeout_now(ByteView body, const net::DecodeLimits& limits);

}  // namespace loyal::raft
