#pragma once
// Why a Paxos message was dropped or ignored: by the validator (bad input, never protocol state)
// or by the core (valid, but stale or not for this replica's state). The pipeline and
// PaxosCore::ignored() count drops by these names.

#include <string_view>

namespace loyal::paxos::reason {

// Validator: the message itself is wrong.
inline constexpr std::string_view kSenderNotReplica = "paxos.sender_not_replica";
inline constexpr std::string_view kUnexpectedKind = "paxos.unexpected_kind";
inline constexpr std::string_view kMalformedPrepare = "paxos.malformed_prepare";
inline constexpr std::string_view kMalformedPromise = "paxos.malformed_promise";
inline constexpr std::string_view kMalformedAccept = "paxos.malformed_accept";
inline constexpr std::string_view kMalformedAccepted = "paxos.malformed_accepted";
inline constexpr std::string_view kMalformedNack = "paxos.malformed_nack";
inline constexpr std::string_view kMalformedCommit = "paxos.malformed_commit";
inline constexpr std::string_view kBallotNotSenders = "paxos.ballot_not_senders";
inline constexpr std::string_view kTooManySlots = "paxos.too_many_slots";
inline constexpr std::string_view kSlotsOutOfOrder = "paxos.slots_out_of_order";
inline constexpr std::string_view kValueTooLarge = "paxos.value_too_large";
inline constexpr std::string_view kValueDigestMismatch = "paxos.value_digest_mismatch";
inline constexpr std::string_view kMalformedBatch = "paxos.malformed_batch";

// Core: the message is valid but does not fit this replica's state.
inline constexpr std::string_view kOwnMessage = "paxos.own_message";
inline constexpr std::string_view kPrepareBelowPromise = "paxos.prepare_below_promise";
inline constexpr std::string_view kAcceptBelowPromise = "paxos.accept_below_promise";
inline constexpr std::string_view kSlotTooFarAhead = "paxos.slot_too_far_ahead";
inline constexpr std::string_view kStalePromise = "paxos.stale_promise";
inline constexpr std::string_view kPromiseOutOfOrder = "paxos.promise_out_of_order";
inline constexpr std::string_view kStaleAccepted = "paxos.stale_accepted";
inline constexpr std::string_view kStaleNack = "paxos.stale_nack";
inline constexpr std::string_view kAcceptedUnknownValue = "paxos.accepted_unknown_value";
inline constexpr std::string_view kConflictingChosenValue = "paxos.conflicting_chosen_value";

}  // namespace loyal::paxos::reason
