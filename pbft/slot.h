#pragma once
// The log entry for one sequence number, and the paper's predicates over it. A slot collects what
// arrives for its sequence number in any order: the accepted PRE-PREPARE, and PREPAREs and COMMITs
// per (view, digest), which may come before the PRE-PREPARE they match. Digests are part of every
// key, so a vote only ever counts for the batch it names.
//
// Signed frames are kept as received (a PRE-PREPARE without its batch): a pre-prepare with 2f
// matching prepares is the prepared certificate a VIEW-CHANGE carries.

#include <compare>
#include <cstdint>
#include <map>
#include <optional>

#include "common/bytes.h"
#include "common/ids.h"
#include "crypto/digest.h"
#include "pbft/messages.h"

namespace loyal::pbft {

struct AcceptedPrePrepare {
  View view = 0;
  crypto::Digest digest;
  // The exact encoded batch `digest` covers. Missing only where a NEW-VIEW named the digest and
  // the batch has not arrived yet: with the new primary's PRE-PREPARE, or from a batch request.
  // `frame` non-empty implies the batch is here: nobody signs or accepts a PRE-PREPARE without it.
  std::optional<Bytes> batch;
  // The primary's signed envelope, without the batch (net::without_attachment); empty until signed
  // (own) or received (re-issued by a NEW-VIEW).
  Bytes frame;
};

struct VoteKey {
  View view = 0;
  crypto::Digest digest;
  friend auto operator<=>(const VoteKey&, const VoteKey&) = default;
};

// Signed frames by sender: at most one per replica, so a vote counts once however often it arrives.
using Votes = std::map<ReplicaId, Bytes>;

// A correct replica votes for one digest per (view, sequence number); a second vote from the same
// replica is either a retransmission or equivocation, and never counts twice.
enum class VoteOutcome { recorded, duplicate, conflicting };

// The frame of `sender`'s vote in `view`, if it voted there.
const Bytes* vote_frame(const std::map<VoteKey, Votes>& votes, View view, ReplicaId sender);

// The digest `sender` voted for in `view`, if it voted there.
std::optional<crypto::Digest> vote_digest(const std::map<VoteKey, Votes>& votes, View view, ReplicaId sender);

// Records `sender`'s vote for (view, digest) in `votes`, unless it already voted in that view.
// At most one vote per replica per view is kept, which bounds a slot's votes by n per view.
VoteOutcome record_vote(std::map<VoteKey, Votes>& votes, View view, const crypto::Digest& digest, ReplicaId sender,
                        Bytes frame);

// What this replica last saw prepared at a sequence number, in the highest view it prepared in:
// kept across view changes (a NEW-VIEW replaces `pre_prepare`), since a later VIEW-CHANGE must
// still report it. The PREPAREs stay in Slot::prepares under (view, digest).
struct PreparedRecord {
  View view = 0;
  crypto::Digest digest;
  Bytes batch;
  Bytes pre_prepare_frame;  // the primary's signed PRE-PREPARE
};

struct Slot {
  std::optional<AcceptedPrePrepare> pre_prepare;
  std::optional<PreparedRecord> last_prepared;
  std::map<VoteKey, Votes> prepares;
  std::map<VoteKey, Votes> commits;
  // What this replica has sent for this slot, so each vote goes out once (and is re-sent only by
  // retransmission).
  bool sent_pre_prepare = false;
  bool sent_prepare = false;
  bool sent_commit = false;
  bool committed_local = false;
  // When this replica last answered each replica's re-sent vote here (PbftCore::help_lagging), and
  // each replica's request for this slot's batch: at most n entries each.
  std::map<ReplicaId, std::uint64_t> helped_at;
  std::map<ReplicaId, std::uint64_t> batch_sent_at;
  // When this replica last asked for the batch it is missing here.
  std::optional<std::uint64_t> batch_requested_at;
};

// prepared(m, v, n, i): the slot holds a pre-prepare for (view, digest) and PREPAREs matching it
// from quorum - 1 distinct backups (2f when n = 3f+1; the primary's vote is its pre-prepare, so a
// PREPARE from `primary` does not count).
bool prepared(const Slot& slot, View view, const crypto::Digest& digest, std::uint32_t quorum, ReplicaId primary);

// committed-local(m, v, n, i): prepared, and COMMITs matching it from `quorum` distinct replicas
// (2f+1 when n = 3f+1), this replica's own included.
bool committed_local(const Slot& slot, View view, const crypto::Digest& digest, std::uint32_t quorum,
                     ReplicaId primary);

}  // namespace loyal::pbft
