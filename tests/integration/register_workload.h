#pragma once
// A client of the key-value store on its own thread, as a user's program would be: put, get and
// compare-and-swap on a few keys in a closed loop (the next operation after the previous answer,
// at most one per invocation_interval), each operation recorded with its invocation and
// completion time for the register checker (register_checker.h). An operation without an answer
// within operation_timeout is recorded with an unknown outcome and the client moves on, as an
// application would after a timeout.
//
// Every value written is unique ("c<client>-<n>"), so a read names the write it saw. A
// compare-and-swap expects the value this client last saw for the key, so some swap and some
// fail (the answer then carries the current value, which the checker uses as a read).
//
// Threading: the owning thread constructs, start()s, stop()s and reads history(); the counters
// below may be read from it while the client runs.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/ids.h"
#include "tests/integration/integration_support.h"
#include "tests/integration/register_checker.h"

namespace loyal::integration {

struct WorkloadOptions {
  std::vector<std::string> keys;
  std::chrono::milliseconds operation_timeout{5'000};
  // Bounds the rate: a healthy cluster answers in milliseconds, so without it four clients would
  // run thousands of operations a second on a 2-core machine instead of a user's steady trickle.
  std::chrono::milliseconds invocation_interval{40};
  // Hard bounds on the loop, whatever the owner does: operations, and the time it ends by.
  std::size_t max_operations = 100'000;
  std::chrono::steady_clock::time_point end_by;
};

class WorkloadClient {
 public:
  // Precondition: the cluster file and the client's key exist.
  WorkloadClient(const std::filesystem::path& cluster_file, ClientId id, std::uint64_t seed, WorkloadOptions options);
  ~WorkloadClient();
  WorkloadClient(const WorkloadClient&) = delete;
  WorkloadClient& operator=(const WorkloadClient&) = delete;

  void start();
  // Ends the loop (an operation in flight is recorded as unknown) and joins the thread.
  void stop();

  // Operations invoked at or after `since` that got an answer, and when the first of them did.
  std::size_t answered_since(std::chrono::steady_clock::time_point since) const;
  std::optional<std::chrono::steady_clock::time_point> first_answer_since(
      std::chrono::steady_clock::time_point since) const;
  // Answered and unknown operations so far.
  std::size_t answered() const;
  std::size_t unknown() const;

  // After stop(): every operation, in invocation order, and the first answer that was not one the
  // store may give (refused, malformed), which ended the loop ("" when none).
  const std::vector<RegisterOperation>& history() const { return history_; }
  const std::string& failure() const { return failure_; }

 private:
  void run(std::stop_token stop);
  RegisterOperation next_operation();
  // Fills in the outcome from the store's answer; false (and failure_) when it is not a valid one.
  bool read_answer(RegisterOperation& operation, const Bytes& reply);

  ClientId id_;
  WorkloadOptions options_;
  KvClient client_;
  std::mt19937_64 random_;
  std::map<std::string, RegisterValue> last_seen_;  // this client's latest knowledge, per key
  std::uint64_t next_value_ = 0;
  std::jthread thread_;

  mutable std::mutex mutex_;  // guards history_ and failure_ while the thread runs
  std::vector<RegisterOperation> history_;
  std::string failure_;
};

}  // namespace loyal::integration
