#include "tests/sim/raft_checkers.h"

#include <algorithm>
#include <string>

#include "common/assert.h"
#include "raft/raft_core.h"

namespace loyal::sim {

namespace {

std::string short_hex(const crypto::Digest& digest) { return digest.hex().substr(0, 16); }
std::string name(ReplicaId replica) { return "replica " + std::to_string(replica); }

}  // namespace

raft::Term RaftCoreView::current_term() const { return core_.current_term(); }
bool RaftCoreView::leading() const { return core_.role() == raft::Role::leader; }
raft::Index RaftCoreView::commit_index() const { return core_.commit_index(); }
raft::Index RaftCoreView::snapshot_index() const { return core_.snapshot_index(); }
raft::Index RaftCoreView::last_log_index() const { return core_.last_log_index(); }

raft::Term RaftCoreView::term_at(raft::Index index) const {
  const std::optional<raft::Term> term = core_.term_at(index);
  LOYAL_ASSERT(term.has_value(), "the checkers read only indexes the log holds");
  return *term;
}

crypto::Digest RaftCoreView::digest_at(raft::Index index) const {
  const std::optional<crypto::Digest> digest = core_.digest_at(index);
  LOYAL_ASSERT(digest.has_value(), "the checkers read only indexes the log holds");
  return *digest;
}

void RaftCheckers::observe(const std::vector<const RaftReplicaView*>& live) {
  for (const RaftReplicaView* view : live) record_commits(*view);
  for (const RaftReplicaView* view : live) {
    if (view->leading()) check_leader(*view);
  }
  for (std::size_t a = 0; a < live.size(); ++a) {
    for (std::size_t b = a + 1; b < live.size(); ++b) check_log_matching(*live[a], *live[b]);
  }
}

void RaftCheckers::record_commits(const RaftReplicaView& view) {
  // A restarted replica re-learns its commit index from zero: its entries are recorded (and
  // compared) again as it does.
  raft::Index& through = recorded_through_[view.replica()];
  through = std::min(through, view.commit_index());
  const raft::Index last = std::min(view.commit_index(), view.last_log_index());
  for (raft::Index index = std::max(through, view.snapshot_index()) + 1; index <= last; ++index) {
    const crypto::Digest digest = view.digest_at(index);
    const auto [it, first] = committed_.try_emplace(
        index, Committed{digest, view.term_at(index), view.current_term(), view.replica()});
    if (!first && it->second.digest != digest) {
      report_.report_violation("state_machine_safety",
                               name(view.replica()) + " committed entry " + short_hex(digest) + " of term " +
                                   std::to_string(view.term_at(index)) + " at index " + std::to_string(index) + ", " +
                                   name(it->second.first_replica) + " committed entry " +
                                   short_hex(it->second.digest) + " of term " +
                                   std::to_string(it->second.entry_term));
    }
  }
  through = std::max(through, last);
}

void RaftCheckers::check_leader(const RaftReplicaView& view) {
  const auto [it, first] = leaders_.try_emplace(view.current_term(), view.replica());
  if (first) {
    check_leader_completeness(view);
  } else if (it->second != view.replica()) {
    report_.report_violation("election_safety", name(view.replica()) + " and " + name(it->second) +
                                                    " both led term " + std::to_string(view.current_term()));
  }
}

void RaftCheckers::check_leader_completeness(const RaftReplicaView& leader) {
  const raft::Term term = leader.current_term();
  for (auto it = committed_.upper_bound(leader.snapshot_index()); it != committed_.end(); ++it) {
    const auto& [index, entry] = *it;
    if (entry.known_in_term >= term) continue;  // perhaps committed in this term or later: no claim
    const std::string what = "entry " + short_hex(entry.digest) + " of term " + std::to_string(entry.entry_term) +
                             " at index " + std::to_string(index) + ", committed by term " +
                             std::to_string(entry.known_in_term) + " (seen at " + name(entry.first_replica) + ")";
    if (index > leader.last_log_index()) {
      report_.report_violation("leader_completeness", name(leader.replica()) + " leads term " +
                                                          std::to_string(term) + " with a log ending at index " +
                                                          std::to_string(leader.last_log_index()) + ", missing " +
                                                          what);
    } else if (leader.digest_at(index) != entry.digest) {
      report_.report_violation("leader_completeness",
                               name(leader.replica()) + " leads term " + std::to_string(term) + " holding entry " +
                                   short_hex(leader.digest_at(index)) + " of term " +
                                   std::to_string(leader.term_at(index)) + " instead of " + what);
    }
  }
}

// Scanning down from the highest index both hold: once the terms match at some index, every entry
// below it (above both snapshots) must be the same entry.
void RaftCheckers::check_log_matching(const RaftReplicaView& a, const RaftReplicaView& b) {
  const raft::Index low = std::max(a.snapshot_index(), b.snapshot_index()) + 1;
  const raft::Index high = std::min(a.last_log_index(), b.last_log_index());
  std::optional<raft::Index> matched_at;
  for (raft::Index index = high; index >= low && index > 0; --index) {
    const raft::Term term_a = a.term_at(index);
    const raft::Term term_b = b.term_at(index);
    if (term_a == term_b) {
      if (!matched_at) matched_at = index;
      if (a.digest_at(index) == b.digest_at(index)) continue;
    } else if (!matched_at) {
      continue;
    }
    report_.report_violation(
        "log_matching", name(a.replica()) + " and " + name(b.replica()) + " both hold an entry of term " +
                            std::to_string(a.term_at(*matched_at)) + " at index " + std::to_string(*matched_at) +
                            " but differ at index " + std::to_string(index) + " (term " + std::to_string(term_a) +
                            " entry " + short_hex(a.digest_at(index)) + " against term " + std::to_string(term_b) +
                            " entry " + short_hex(b.digest_at(index)) + ")");
    return;
  }
}

}  // namespace loyal::sim
