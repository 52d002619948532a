#include "pbft/new_view.h"

#include <map>

#include "common/assert.h"

namespace loyal::pbft {

NewViewPlan plan_new_view(View view, const std::vector<CheckedViewChange>& view_changes) {
  LOYAL_ASSERT(!view_changes.empty(), "a new view is planned from view changes");
  NewViewPlan plan;
  const CheckedViewChange* latest = &view_changes.front();
  for (const CheckedViewChange& view_change : view_changes) {
    if (view_change.stable_sequence > latest->stable_sequence) latest = &view_change;
  }
  plan.min_s = latest->stable_sequence;
  plan.min_s_digest = latest->stable_digest;
  plan.checkpoint_signers = latest->checkpoint_signers;
  plan.checkpoint_proof = latest->checkpoint_proof;
  plan.max_s = plan.min_s;

  // For each sequence number, the certificate with the highest view; ties between views cannot
  // name different digests (two quorums of PREPAREs meet in a correct replica).
  std::map<Sequence, const CheckedCertificate*> chosen;
  for (const CheckedViewChange& view_change : view_changes) {
    for (const CheckedCertificate& certificate : view_change.certificates) {
      if (certificate.sequence <= plan.min_s) continue;
      const CheckedCertificate*& best = chosen[certificate.sequence];
      if (best == nullptr || certificate.view > best->view) best = &certificate;
      if (certificate.sequence > plan.max_s) plan.max_s = certificate.sequence;
    }
  }
  for (Sequence sequence = plan.min_s + 1; sequence <= plan.max_s; ++sequence) {
    const auto it = chosen.find(sequence);
    const crypto::Digest& digest = it == chosen.end() ? null_batch_digest() : it->second->digest;
    plan.pre_prepares.push_back(PrePrepare{view, sequence, digest});
  }
  return plan;
}

std::vector<Bytes> encode_pre_prepares(const NewViewPlan& plan) {
  std::vector<Bytes> bodies;
  bodies.reserve(plan.pre_prepares.size());
  for (const PrePrepare& pre_prepare : plan.pre_prepares) bodies.push_back(encode_pre_prepare(pre_prepare));
  return bodies;
}

}  // namespace loyal::pbft
