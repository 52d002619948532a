#pragma once
// The simulator's correctness checkers. They are fed what the replicas execute (through
// replica::ReplicaObserver) and what the clients submit and complete, and judge every observation
// as it arrives; the simulation asks for the progress check once per tick and stops at the first
// tick that produced a violation.
//
// Properties, by the name a violation reports:
//  - agreement: no two correct replicas execute different batches (digests) at one sequence number;
//  - checkpoint_digest: every correct replica's state digest at a checkpoint sequence is the same;
//  - at_most_once: a replica executes each (client, request number) at most once on one state (a
//    replica that installs an older state, by state transfer or a restart, starts again there);
//  - execution_consistency: every correct replica executes a request at the same place in the log
//    (sequence number, position in the batch) with the same result;
//  - completed_result: a completed client operation was executed, and its result is the one the
//    committed log produced for it;
//  - real_time_order: if operation A completed before operation B was submitted, A executed
//    earlier in the log than B;
//  - integrity: replicas execute only requests that clients submitted;
//  - progress: in the liveness phase, completed operations increase at least every
//    `progress_bound_ticks`;
//  - durability: no frame leaves a replica for a peer while a record its journal appended is not
//    durable yet (durability before visibility; fed by the simulated outbox, sim_replica.h).
// Only correct replicas are judged: what a replica marked Byzantine executes and checkpoints is
// ignored, so the log that clients' completions are judged against is the correct replicas' log.
// A crashed replica is correct up to its crash (after which it executes nothing). Completions need
// f+1 matching replies, so at least one comes from a correct replica, which observed the
// execution before it replied.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "client/client_core.h"
#include "replica/environment.h"
#include "tests/sim/sim_network.h"

namespace loyal::sim {

struct Violation {
  std::string property;
  Tick tick = 0;
  std::string details;
  friend bool operator==(const Violation&, const Violation&) = default;
};

// Where a request executed: its batch's sequence number, then its place among the requests that
// executed in that batch.
struct LogPosition {
  replica::Sequence sequence = 0;
  std::uint32_t index = 0;
  friend auto operator<=>(const LogPosition&, const LogPosition&) = default;
};

class Checkers final : public replica::ReplicaObserver {
 public:
  explicit Checkers(Tick progress_bound_ticks) : progress_bound_ticks_(progress_bound_ticks) {}

  // From now on, `replica`'s observations are ignored: it is faulty (Byzantine), so nothing it
  // executes or checkpoints says anything about the correct replicas.
  void mark_byzantine(ReplicaId replica) { byzantine_.insert(replica); }
  bool is_byzantine(ReplicaId replica) const { return byzantine_.contains(replica); }

  // The tick that the following observations belong to.
  void set_now(Tick now) { now_ = now; }

  void on_batch_executed(ReplicaId replica, replica::Sequence sequence, const crypto::Digest& batch_digest) override;
  void on_request_executed(ReplicaId replica, replica::Sequence sequence, ClientId client,
                           std::uint64_t request_number, ByteView operation, ByteView result) override;
  void on_checkpoint(ReplicaId replica, replica::Sequence sequence, const crypto::Digest& state_digest) override;
  // The replica's state became the one at `sequence` (state transfer, or a restart from its
  // journal's snapshot, or sequence 0 for a wiped disk): it may execute again what it executed
  // above `sequence` before, and that is not a second execution.
  void on_state_installed(ReplicaId replica, replica::Sequence sequence, const crypto::Digest& state_digest) override;

  void on_submitted(ClientId client, std::uint64_t request_number);
  void on_completed(ClientId client, const client::Completion& completion);

  // From `now` on, progress is required.
  void begin_liveness_phase(Tick now);
  // Once per tick, after everything of the tick happened.
  void check_progress(Tick now);

  const std::vector<Violation>& violations() const { return violations_; }
  // Replica `replica` handed a frame for a peer to the network while `unsynced` records its
  // journal appended were not yet durable.
  void on_sent_before_durable(ReplicaId replica, std::size_t unsynced);
  // A violation found by a mode's own checkers (raft_checkers.h, paxos_checkers.h), at the
  // current tick.
  void report_violation(std::string property, std::string details) {
    violation(std::move(property), std::move(details));
  }

  // How many of the completed operations `replica` executed on its current state (executions
  // above a state it installed later are forgotten, as for at_most_once). With at_most_once
  // holding, a replica that never installed a state and executed everything it was handed shows
  // completed_operations(): each completed operation executed exactly once there.
  std::uint64_t completed_executed_by(ReplicaId replica) const;
  std::uint64_t completed_operations() const { return completed_.size(); }

  // Distinct requests executed by at least one replica.
  std::uint64_t committed_requests() const { return executions_.size(); }
  // Distinct sequence numbers executed (batches, no-ops included).
  std::uint64_t committed_batches() const { return batches_.size(); }
  // Distinct checkpoint sequence numbers taken.
  std::uint64_t checkpoints() const { return checkpoints_.size(); }
  std::uint64_t completions() const { return completions_; }
  std::uint64_t liveness_phase_completions() const { return liveness_phase_completions_; }
  // The longest stretch of the liveness phase so far without a completion: how close a run came
  // to the progress bound.
  Tick longest_liveness_wait() const { return longest_liveness_wait_; }

 private:
  using RequestId = std::pair<ClientId, std::uint64_t>;
  struct Agreed {
    crypto::Digest digest;
    ReplicaId first_replica = 0;
  };
  struct Execution {
    LogPosition position;
    Bytes result;
    ReplicaId first_replica = 0;
  };
  struct Submission {
    // The latest log position of any operation completed before this one was submitted.
    std::optional<LogPosition> completed_before;
  };

  void violation(std::string property, std::string details);
  void check_real_time_order(const RequestId& id, const LogPosition& position);

  Tick progress_bound_ticks_;
  Tick now_ = 0;
  std::vector<Violation> violations_;
  std::set<ReplicaId> byzantine_;

  std::map<replica::Sequence, Agreed> batches_;
  std::map<replica::Sequence, Agreed> checkpoints_;
  // Per replica, the sequence being executed and how many of its requests executed so far.
  std::map<ReplicaId, LogPosition> executing_;
  std::map<RequestId, Execution> executions_;
  std::set<std::pair<ReplicaId, RequestId>> executed_by_replica_;
  std::map<RequestId, Submission> submissions_;
  std::set<RequestId> completed_;
  std::optional<LogPosition> latest_completed_;

  std::uint64_t completions_ = 0;
  std::optional<Tick> liveness_phase_start_;
  std::uint64_t liveness_phase_completions_ = 0;
  Tick last_progress_ = 0;
  Tick longest_liveness_wait_ = 0;
};

std::string to_string(const LogPosition& position);

}  // namespace loyal::sim
