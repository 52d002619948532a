#include "tests/sim/checkers.h"

#include <algorithm>

namespace loyal::sim {

namespace {

std::string request_name(ClientId client, std::uint64_t request_number) {
  return "request " + std::to_string(request_number) + " of client " + std::to_string(client);
}

std::string short_hex(const crypto::Digest& digest) { return digest.hex().substr(0, 16); }

// Results are KV results, mostly short; long ones are cut so a violation stays one readable line.
std::string printable(ByteView bytes) {
  constexpr std::size_t kShown = 24;
  std::string hex = to_hex(bytes.first(std::min(bytes.size(), kShown)));
  if (bytes.size() > kShown) hex += "...";
  return hex.empty() ? "(empty)" : hex;
}

}  // namespace

std::string to_string(const LogPosition& position) {
  return "sequence " + std::to_string(position.sequence) + " position " + std::to_string(position.index);
}

void Checkers::on_sent_before_durable(ReplicaId replica, std::size_t unsynced) {
  violation("durability", "replica " + std::to_string(replica) + " sent a frame to a peer with " +
                              std::to_string(unsynced) + " journal records not yet durable");
}

void Checkers::violation(std::string property, std::string details) {
  violations_.push_back(Violation{std::move(property), now_, std::move(details)});
}

void Checkers::on_batch_executed(ReplicaId replica, replica::Sequence sequence, const crypto::Digest& batch_digest) {
  if (is_byzantine(replica)) return;
  executing_[replica] = LogPosition{sequence, 0};
  auto [it, first] = batches_.try_emplace(sequence, Agreed{batch_digest, replica});
  if (!first && it->second.digest != batch_digest) {
    violation("agreement", "replica " + std::to_string(replica) + " executed batch " + short_hex(batch_digest) +
                               " at sequence " + std::to_string(sequence) + ", replica " +
                               std::to_string(it->second.first_replica) + " executed batch " +
                               short_hex(it->second.digest));
  }
}

void Checkers::on_state_installed(ReplicaId replica, replica::Sequence sequence, const crypto::Digest&) {
  executing_.erase(replica);
  const auto first = executed_by_replica_.lower_bound({replica, RequestId{0, 0}});
  for (auto it = first; it != executed_by_replica_.end() && it->first == replica;) {
    const auto execution = executions_.find(it->second);
    const bool above = execution != executions_.end() && execution->second.position.sequence > sequence;
    it = above ? executed_by_replica_.erase(it) : std::next(it);
  }
}

void Checkers::on_request_executed(ReplicaId replica, replica::Sequence sequence, ClientId client,
                                   std::uint64_t request_number, ByteView, ByteView result) {
  if (is_byzantine(replica)) return;
  const RequestId id{client, request_number};
  LogPosition& cursor = executing_[replica];
  if (cursor.sequence != sequence) cursor = LogPosition{sequence, 0};
  const LogPosition position = cursor;
  ++cursor.index;

  if (!executed_by_replica_.insert({replica, id}).second) {
    violation("at_most_once", "replica " + std::to_string(replica) + " executed " +
                                  request_name(client, request_number) + " again, at " + to_string(position));
  }

  auto [it, first] = executions_.try_emplace(id, Execution{position, Bytes(result.begin(), result.end()), replica});
  if (first) {
    check_real_time_order(id, position);
    return;
  }
  const Execution& earlier = it->second;
  if (earlier.position != position) {
    violation("execution_consistency", "replica " + std::to_string(replica) + " executed " +
                                           request_name(client, request_number) + " at " + to_string(position) +
                                           ", replica " + std::to_string(earlier.first_replica) + " at " +
                                           to_string(earlier.position));
  } else if (!std::ranges::equal(earlier.result, result)) {
    violation("execution_consistency", "replica " + std::to_string(replica) + " computed result " +
                                           printable(result) + " for " + request_name(client, request_number) +
                                           ", replica " + std::to_string(earlier.first_replica) + " computed " +
                                           printable(earlier.result));
  }
}

void Checkers::check_real_time_order(const RequestId& id, const LogPosition& position) {
  auto submitted = submissions_.find(id);
  if (submitted == submissions_.end()) {
    violation("integrity", "a replica executed " + request_name(id.first, id.second) + ", which no client submitted");
    return;
  }
  const std::optional<LogPosition>& before = submitted->second.completed_before;
  if (before && position <= *before) {
    violation("real_time_order", request_name(id.first, id.second) + " executed at " + to_string(position) +
                                     ", not after " + to_string(*before) +
                                     " where an operation completed before its submission executed");
  }
}

void Checkers::on_checkpoint(ReplicaId replica, replica::Sequence sequence, const crypto::Digest& state_digest) {
  if (is_byzantine(replica)) return;
  auto [it, first] = checkpoints_.try_emplace(sequence, Agreed{state_digest, replica});
  if (!first && it->second.digest != state_digest) {
    violation("checkpoint_digest", "replica " + std::to_string(replica) + " has state digest " +
                                       short_hex(state_digest) + " at checkpoint " + std::to_string(sequence) +
                                       ", replica " + std::to_string(it->second.first_replica) + " has " +
                                       short_hex(it->second.digest));
  }
}

void Checkers::on_submitted(ClientId client, std::uint64_t request_number) {
  submissions_[{client, request_number}] = Submission{latest_completed_};
}

void Checkers::on_completed(ClientId client, const client::Completion& completion) {
  ++completions_;
  if (liveness_phase_start_) {
    ++liveness_phase_completions_;
    longest_liveness_wait_ = std::max(longest_liveness_wait_, now_ - last_progress_);
    last_progress_ = now_;
  }
  const RequestId id{client, completion.request_number};
  completed_.insert(id);
  auto executed = executions_.find(id);
  if (executed == executions_.end()) {
    violation("completed_result", request_name(client, completion.request_number) +
                                      " completed, but no replica executed it");
    return;
  }
  if (executed->second.result != completion.result) {
    violation("completed_result", request_name(client, completion.request_number) + " completed with result " +
                                      printable(completion.result) + ", the log produced " +
                                      printable(executed->second.result) + " at " +
                                      to_string(executed->second.position));
  }
  latest_completed_ = std::max(latest_completed_.value_or(executed->second.position), executed->second.position);
}

std::uint64_t Checkers::completed_executed_by(ReplicaId replica) const {
  std::uint64_t count = 0;
  for (const RequestId& id : completed_) count += executed_by_replica_.contains({replica, id}) ? 1 : 0;
  return count;
}

void Checkers::begin_liveness_phase(Tick now) {
  liveness_phase_start_ = now;
  last_progress_ = now;
}

void Checkers::check_progress(Tick now) {
  if (!liveness_phase_start_) return;
  longest_liveness_wait_ = std::max(longest_liveness_wait_, now - last_progress_);
  if (now - last_progress_ <= progress_bound_ticks_) return;
  violation("progress", "no client operation completed within the progress bound of " +
                            std::to_string(progress_bound_ticks_) + " ticks since tick " +
                            std::to_string(last_progress_) +
                            (liveness_phase_completions_ == 0 ? " (the start of the liveness phase)" : ""));
  last_progress_ = now;
}

}  // namespace loyal::sim
