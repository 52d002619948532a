#pragma once
// The paper's computation of a NEW-VIEW's re-issued PRE-PREPAREs (O) from its VIEW-CHANGEs (V).
// min-s is the latest stable checkpoint in V, max-s the highest sequence number of a prepared
// certificate in V. For every n in (min-s, max-s] the new primary re-issues, in the new view, the
// batch of the certificate for n with the highest view, or a null request (an empty batch) when
// no certificate names n. The new primary and every replica that checks the NEW-VIEW run this
// same function, so a NEW-VIEW whose O differs was made by a faulty primary. O names digests
// only: the batches travel with the new primary's PRE-PREPAREs (pbft/pbft_core.h, "Batches").

#include <vector>

#include "common/bytes.h"
#include "common/ids.h"
#include "crypto/digest.h"
#include "pbft/messages.h"
#include "pbft/view_change.h"

namespace loyal::pbft {

struct NewViewPlan {
  Sequence min_s = 0;
  crypto::Digest min_s_digest;             // the stable checkpoint's state digest at min-s
  std::vector<ReplicaId> checkpoint_signers;
  std::vector<Bytes> checkpoint_proof;     // its signed CHECKPOINTs
  Sequence max_s = 0;
  std::vector<PrePrepare> pre_prepares;    // one per sequence number in (min-s, max-s], in order
};

// Precondition: `view_changes` is non-empty and every one is for `view`.
NewViewPlan plan_new_view(View view, const std::vector<CheckedViewChange>& view_changes);

// The encoded bodies of plan.pre_prepares, as a NEW-VIEW carries them.
std::vector<Bytes> encode_pre_prepares(const NewViewPlan& plan);

}  // namespace loyal::pbft
