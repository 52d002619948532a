#pragma once
// Raft's safety properties (extended paper, figure 3), judged once per tick on what the live cores
// hold, through their read-only accessors. They complement the pipeline-level checkers of
// checkers.h (agreement on executed batches is Raft's state machine safety as the application
// sees it) and report into the same Checkers, under these property names:
//  - election_safety: at most one leader per term, over the whole run (a replica that crashed
//    counts for the terms it led before its crash);
//  - log_matching: if two logs hold an entry of the same term at an index, they hold the same
//    entries (terms and batch digests) at every index up to it, among the indexes both hold above
//    both snapshots;
//  - leader_completeness: a new leader's log holds every entry known committed in an earlier term
//    (checked, by digest, when the leader is first seen: at the end of the tick it was elected);
//  - state_machine_safety: no two replicas ever report different entries committed at one index
//    (nor one replica at two times, across restarts).
// An entry is known committed once some replica's commit index covers it while its log still holds
// it; it was committed in a term no later than that replica's current term then, which is what
// leader_completeness compares new leaders' terms against.
//
// Ownership and ordering: observe() reads the views only during the call. The checkers keep, for
// the whole run, one leader per term and one digest per committed index (both bounded by the run's
// length, like the executions Checkers keeps).

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "crypto/digest.h"
#include "raft/messages.h"
#include "tests/sim/checkers.h"

namespace loyal::raft {
class RaftCore;
}

namespace loyal::sim {

// What the checkers read of one replica's Raft core: RaftCore's accessors, or a fabricated log in
// the checkers' own tests.
class RaftReplicaView {
 public:
  virtual ~RaftReplicaView() = default;
  virtual ReplicaId replica() const = 0;
  virtual raft::Term current_term() const = 0;
  virtual bool leading() const = 0;
  virtual raft::Index commit_index() const = 0;
  virtual raft::Index snapshot_index() const = 0;
  virtual raft::Index last_log_index() const = 0;
  // Both for indexes in (snapshot_index(), last_log_index()] only.
  virtual raft::Term term_at(raft::Index index) const = 0;
  virtual crypto::Digest digest_at(raft::Index index) const = 0;
};

// A live RaftCore, borrowed for as long as the view lives.
class RaftCoreView final : public RaftReplicaView {
 public:
  RaftCoreView(ReplicaId replica, const raft::RaftCore& core) : replica_(replica), core_(core) {}
  ReplicaId replica() const override { return replica_; }
  raft::Term current_term() const override;
  bool leading() const override;
  raft::Index commit_index() const override;
  raft::Index snapshot_index() const override;
  raft::Index last_log_index() const override;
  raft::Term term_at(raft::Index index) const override;
  crypto::Digest digest_at(raft::Index index) const override;

 private:
  ReplicaId replica_;
  const raft::RaftCore& core_;
};

class RaftCheckers {
 public:
  // Violations go to `report` (with its current tick), which must outlive the checkers.
  explicit RaftCheckers(Checkers& report) : report_(report) {}

  // Once per tick, after every replica was ticked: the views of the live replicas, each at most
  // once.
  void observe(const std::vector<const RaftReplicaView*>& live);

  std::uint64_t leaders_seen() const { return leaders_.size(); }
  std::uint64_t entries_known_committed() const { return committed_.size(); }

 private:
  struct Committed {
    crypto::Digest digest;
    raft::Term entry_term = 0;
    raft::Term known_in_term = 0;  // the reporting replica's term when it was first seen committed
    ReplicaId first_replica = 0;
  };

  void record_commits(const RaftReplicaView& view);
  void check_leader(const RaftReplicaView& view);
  void check_leader_completeness(const RaftReplicaView& leader);
  void check_log_matching(const RaftReplicaView& a, const RaftReplicaView& b);

  Checkers& report_;
  std::map<raft::Term, ReplicaId> leaders_;
  std::map<raft::Index, Committed> committed_;
  // Per replica, the commit index up to which its committed entries were recorded.
  std::map<ReplicaId, raft::Index> recorded_through_;
};

}  // namespace loyal::sim
