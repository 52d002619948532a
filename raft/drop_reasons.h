#pragma once
// Why a Raft message was dropped or ignored: by the validator (bad input, never protocol state)
// or by the core (valid, but stale or not fitting this replica's role). The pipeline and
// RaftCore::ignored() count drops by these names.

#include <string_view>

namespace loyal::raft::reason {

// Validator: the message itself is wrong.
inline constexpr std::string_view kSenderNotReplica = "raft.sender_not_replica";
inline constexpr std::string_view kUnexpectedKind = "raft.unexpected_kind";
inline constexpr std::string_view kMalformedVoteRequest = "raft.malformed_vote_request";
inline constexpr std::string_view kMalformedVoteReply = "raft.malformed_vote_reply";
inline constexpr std::string_view kMalformedAppendEntries = "raft.malformed_append_entries";
inline constexpr std::string_view kMalformedAppendEntriesReply = "raft.malformed_append_entries_reply";
inline constexpr std::string_view kMalformedInstallSnapshot = "raft.malformed_install_snapshot";
inline constexpr std::string_view kMalformedInstallSnapshotReply = "raft.malformed_install_snapshot_reply";
inline constexpr std::string_view kMalformedTimeoutNow = "raft.malformed_timeout_now";
inline constexpr std::string_view kTermZero = "raft.term_zero";
inline constexpr std::string_view kIndexOverflow = "raft.index_overflow";
inline constexpr std::string_view kLogTermAboveMessage = "raft.log_term_above_message";
inline constexpr std::string_view kBatchTooLarge = "raft.batch_too_large";
inline constexpr std::string_view kBatchDigestMismatch = "raft.batch_digest_mismatch";
inline constexpr std::string_view kMalformedBatch = "raft.malformed_batch";

// Core: the message is valid but does not fit this replica's state.
inline constexpr std::string_view kOwnMessage = "raft.own_message";
inline constexpr std::string_view kStaleTerm = "raft.stale_term";
inline constexpr std::string_view kNotLeader = "raft.not_leader";
inline constexpr std::string_view kNotCandidate = "raft.not_candidate";
inline constexpr std::string_view kNotPreCandidate = "raft.not_pre_candidate";
inline constexpr std::string_view kVoteAlreadyGiven = "raft.vote_already_given";
inline constexpr std::string_view kCandidateLogBehind = "raft.candidate_log_behind";
inline constexpr std::string_view kLeaderRecentlyHeard = "raft.leader_recently_heard";
inline constexpr std::string_view kVoteRejected = "raft.vote_rejected";
inline constexpr std::string_view kLogMismatch = "raft.log_mismatch";
inline constexpr std::string_view kStaleReply = "raft.stale_reply";
inline constexpr std::string_view kSnapshotFetchInProgress = "raft.snapshot_fetch_in_progress";
inline constexpr std::string_view kTimeoutNowNotFromLeader = "raft.timeout_now_not_from_leader";
// Two leaders in one term cannot happen among correct replicas; the second one's messages are
// not followed.
inline constexpr std::string_view kSecondLeaderInTerm = "raft.second_leader_in_term";
inline constexpr std::string_view kMatchBeyondLog = "raft.match_beyond_log";
inline constexpr std::string_view kConflictBelowCommit = "raft.conflict_below_commit";

}  // namespace loyal::raft::reason
