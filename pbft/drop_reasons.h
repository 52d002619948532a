#pragma once
// Why a PBFT message was dropped or ignored: by the validator (bad input, never protocol state)
// or by the core (valid, but not current, or a repeat). The pipeline and PbftCore::ignored() count
// drops by these names, so an operator can see what a peer sends that does not fit.

#include <string_view>

namespace loyal::pbft::reason {

// Validator: the message itself is wrong.
inline constexpr std::string_view kSenderNotReplica = "pbft.sender_not_replica";
inline constexpr std::string_view kUnexpectedKind = "pbft.unexpected_kind";
inline constexpr std::string_view kMalformedPrePrepare = "pbft.malformed_pre_prepare";
inline constexpr std::string_view kMalformedPrepare = "pbft.malformed_prepare";
inline constexpr std::string_view kMalformedCommit = "pbft.malformed_commit";
inline constexpr std::string_view kMalformedCheckpoint = "pbft.malformed_checkpoint";
inline constexpr std::string_view kSequenceZero = "pbft.sequence_zero";
inline constexpr std::string_view kPrePrepareNotFromPrimary = "pbft.pre_prepare_not_from_primary";
inline constexpr std::string_view kBatchDigestMismatch = "pbft.batch_digest_mismatch";
inline constexpr std::string_view kMalformedBatch = "pbft.malformed_batch";
inline constexpr std::string_view kBatchTooLarge = "pbft.batch_too_large";
inline constexpr std::string_view kDuplicateRequestInBatch = "pbft.duplicate_request_in_batch";
inline constexpr std::string_view kUnauthenticRequest = "pbft.unauthentic_request";
inline constexpr std::string_view kPrepareFromPrimary = "pbft.prepare_from_primary";
inline constexpr std::string_view kCheckpointNotAtInterval = "pbft.checkpoint_not_at_interval";
inline constexpr std::string_view kMalformedViewChange = "pbft.malformed_view_change";
inline constexpr std::string_view kViewChangeToViewZero = "pbft.view_change_to_view_zero";
inline constexpr std::string_view kBadCheckpointProof = "pbft.bad_checkpoint_proof";
inline constexpr std::string_view kBadPreparedCertificate = "pbft.bad_prepared_certificate";
inline constexpr std::string_view kMalformedNewView = "pbft.malformed_new_view";
inline constexpr std::string_view kNewViewNotFromPrimary = "pbft.new_view_not_from_primary";
inline constexpr std::string_view kNewViewBadViewChange = "pbft.new_view_bad_view_change";
inline constexpr std::string_view kNewViewTooFewViewChanges = "pbft.new_view_too_few_view_changes";
inline constexpr std::string_view kNewViewWrongPrePrepares = "pbft.new_view_wrong_pre_prepares";
inline constexpr std::string_view kMalformedBatchRequest = "pbft.malformed_batch_request";
inline constexpr std::string_view kMalformedBatchReply = "pbft.malformed_batch_reply";
inline constexpr std::string_view kViewChangeTooLarge = "pbft.view_change_too_large";

// Core: the message is valid but does not fit this replica's state.
inline constexpr std::string_view kOwnMessage = "pbft.own_message";
inline constexpr std::string_view kWrongView = "pbft.wrong_view";
inline constexpr std::string_view kPrePrepareOutsideWindow = "pbft.pre_prepare_outside_window";
inline constexpr std::string_view kPrepareOutsideWindow = "pbft.prepare_outside_window";
inline constexpr std::string_view kCommitOutsideWindow = "pbft.commit_outside_window";
inline constexpr std::string_view kDuplicatePrePrepare = "pbft.duplicate_pre_prepare";
inline constexpr std::string_view kConflictingPrePrepare = "pbft.conflicting_pre_prepare";
inline constexpr std::string_view kDuplicatePrepare = "pbft.duplicate_prepare";
inline constexpr std::string_view kConflictingPrepare = "pbft.conflicting_prepare";
inline constexpr std::string_view kDuplicateCommit = "pbft.duplicate_commit";
inline constexpr std::string_view kConflictingCommit = "pbft.conflicting_commit";
inline constexpr std::string_view kStaleCheckpoint = "pbft.stale_checkpoint";
inline constexpr std::string_view kDuplicateCheckpoint = "pbft.duplicate_checkpoint";
inline constexpr std::string_view kConflictingCheckpoint = "pbft.conflicting_checkpoint";
inline constexpr std::string_view kCheckpointSuperseded = "pbft.checkpoint_superseded";
inline constexpr std::string_view kInViewChange = "pbft.in_view_change";
// A PRE-PREPARE whose batch holds a request this replica cannot authenticate (MAC mode): accepted
// without this replica's PREPARE, so it commits only if 2f other backups vouch for it.
inline constexpr std::string_view kPrepareWithheldUnauthenticRequest = "pbft.prepare_withheld_unauthentic_request";
// A batch request for a digest this replica does not hold, or answered within the period.
inline constexpr std::string_view kBatchNotHeld = "pbft.batch_not_held";
inline constexpr std::string_view kBatchRequestTooSoon = "pbft.batch_request_too_soon";
// A batch reply for a digest no slot here is waiting for (late, or never asked).
inline constexpr std::string_view kUnwantedBatch = "pbft.unwanted_batch";
// Counted only by redundant(), before the signature check: a first vote from this sender that the
// slot no longer needs.
inline constexpr std::string_view kPrepareAfterPrepared = "pbft.prepare_after_prepared";
inline constexpr std::string_view kVoteAfterCommittedLocal = "pbft.vote_after_committed_local";
inline constexpr std::string_view kStaleViewChange = "pbft.stale_view_change";
inline constexpr std::string_view kStaleNewView = "pbft.stale_new_view";

}  // namespace loyal::pbft::reason
