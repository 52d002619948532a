#pragma once
// The load: `clients` closed-loop clients, each its own client id, client::ClientSession and
// ZeroMQ connection (the replicas keep one outstanding request per client id, so a closed-loop
// client is exactly one id): a client submits its next operation as soon as the previous one
// completes. With a target rate the same clients run open loop: each sends on a fixed schedule of
// rate/clients per second (staggered over one period) and latency is counted from the scheduled
// send time, so a stalled cluster shows up as latency instead of being hidden by fewer sends
// (coordinated omission).
//
// Threading: create() and every other member are called from one controlling thread. One load
// thread runs every client, as redis-benchmark does: it waits on all their connections at once
// (net::ZmqPollGroup), reads only the ones that fired, ticks every session each millisecond
// (retransmission, refused-frame resend, timeouts) and starts operations as they fall due; a
// thread per client cost this 2-core machine a third of its CPU in context switches. The load
// thread touches the recorder under its mutex, once per round of completions, because
// close_interval() and recent_percentiles_ms() read it from the controlling thread. stop() joins
// the load thread; the destructor stops.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "bench/tool/latency_histogram.h"
#include "bench/tool/timeline.h"
#include "client/client_session.h"
#include "common/ids.h"
#include "common/result.h"
#include "net/zmq/zmq_poll_group.h"

namespace loyal::bench {

// Clients per process: each has a ZeroMQ connection to every replica, all polled at once.
inline constexpr std::uint32_t kMaxLoadClients = 1024;
inline constexpr std::uint32_t kMaxKeys = 1u << 24;
inline constexpr std::uint32_t kMaxPayloadBytes = 1u << 20;

struct LoadOptions {
  std::filesystem::path cluster_file;
  std::uint32_t clients = 32;  // 1..kMaxLoadClients, and the cluster must have that many
  ClientId first_client_id = 0;
  std::uint32_t payload_bytes = 64;
  std::uint32_t keys = 10'000;  // key space: "key-0" to "key-<keys-1>"
  std::uint32_t put_percent = 80;
  std::optional<double> target_rate_ops_per_s;  // none: closed loop
  double warmup_s = 0;  // completions before this are in the timeline but not in the totals
  std::chrono::milliseconds operation_timeout{10'000};
  std::uint64_t seed = 1;
};

// The operations completed in one interval, or since the warm-up.
struct LoadTotals {
  LatencyHistogram latency;
  std::uint64_t completed = 0;
  std::uint64_t failed = 0;
};

class LoadGenerator {
 public:
  // Loads every client's setup (cluster file and key) and connects it. Nothing is sent yet.
  static Result<std::unique_ptr<LoadGenerator>> create(const LoadOptions& options, zmq::context_t& context);
  ~LoadGenerator();
  LoadGenerator(const LoadGenerator&) = delete;
  LoadGenerator& operator=(const LoadGenerator&) = delete;

  // Starts the load thread; time 0 of the timeline. Once only.
  void start();
  // Seconds since start().
  double elapsed_s() const;
  // Closes the interval that ends now: its completions, failures and percentiles.
  TimelineSample close_interval();
  // p50 and p99 in ms of what completed since the previous call (for the progress line).
  std::pair<double, double> recent_percentiles_ms();
  // Stops and joins the load thread; operations in flight are abandoned, not counted. Idempotent.
  void stop();

  // After the warm-up, up to stop(). Precondition: stopped.
  const LoadTotals& measured() const;
  // The first failure's message (timeouts name the replicas tried), for the report; empty if none.
  std::string first_failure() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct LoadClient;
  // One operation that ended in the current round of the load thread.
  struct Outcome {
    Clock::time_point done;
    std::chrono::microseconds latency{0};
    bool ok = false;
    std::string failure;  // why, when !ok
  };

  explicit LoadGenerator(const LoadOptions& options);
  // The load thread.
  void run(std::stop_token stop);
  // Ticks every busy session; what timed out goes to `outcomes`.
  void tick_sessions(Clock::time_point now, std::vector<Outcome>& outcomes);
  // Starts the next operation of every idle client that is due: all of them in a closed loop,
  // those whose scheduled time has come in an open one.
  void start_due_operations(Clock::time_point now);
  // How long the load thread may wait for replies before a tick or a scheduled send is due.
  std::chrono::milliseconds wait_timeout(Clock::time_point now, Clock::time_point next_tick) const;
  // Reads the transport at `position` (it fired) and hands its frames to its session.
  void receive_replies(std::size_t position, Clock::time_point now, std::vector<Outcome>& outcomes);
  void finish_operation(LoadClient& client, Result<Bytes> result, Clock::time_point now,
                        std::vector<Outcome>& outcomes);
  // Adds a round's outcomes to the totals under one lock.
  void record(const std::vector<Outcome>& outcomes);

  LoadOptions options_;
  std::vector<std::unique_ptr<LoadClient>> clients_;
  std::unique_ptr<net::ZmqPollGroup> poll_group_;  // over clients_[i]'s transport at position i
  std::optional<Clock::duration> period_;          // open loop: between one client's sends
  std::vector<Bytes> frames_;                      // the load thread's receive buffer
  std::jthread load_thread_;
  Clock::time_point start_;
  Clock::time_point stopped_at_;
  bool started_ = false;
  bool stopped_ = false;

  mutable std::mutex mutex_;
  LoadTotals interval_;  // guarded by mutex_
  LoadTotals measured_;  // guarded by mutex_
  LatencyHistogram recent_;  // guarded by mutex_
  std::string first_failure_;  // guarded by mutex_
};

}  // namespace loyal::bench
