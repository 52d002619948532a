#pragma once
// The load: `clients` closed-loop clients, each its own client id, BlockingClient and ZeroMQ
// connection on its own thread (the replicas keep one outstanding request per client id, so a
// closed-loop client is exactly one id). With a target rate the same clients run open loop: each
// sends on a fixed schedule of rate/clients per second and latency is counted from the scheduled
// send time, so a stalled cluster shows up as latency instead of being hidden by fewer sends
// (coordinated omission).
//
// Threading: create() and every other member are called from one controlling thread; the worker
// threads only touch the recorder, under its mutex. stop() joins them; the destructor stops.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "bench/tool/latency_histogram.h"
#include "bench/tool/timeline.h"
#include "client/blocking_client.h"
#include "common/ids.h"
#include "common/result.h"

namespace loyal::bench {

// Client threads per process: each has a ZeroMQ connection to every replica and its own stack.
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

  // Starts the clients; time 0 of the timeline. Once only.
  void start();
  // Seconds since start().
  double elapsed_s() const;
  // Closes the interval that ends now: its completions, failures and percentiles.
  TimelineSample close_interval();
  // p50 and p99 in ms of what completed since the previous call (for the progress line).
  std::pair<double, double> recent_percentiles_ms();
  // Stops and joins the clients; an operation in flight is abandoned, not counted. Idempotent.
  void stop();

  // After the warm-up, up to stop(). Precondition: stopped.
  const LoadTotals& measured() const;
  // The first failure's message (timeouts name the replicas tried), for the report; empty if none.
  std::string first_failure() const;

 private:
  struct Worker;
  explicit LoadGenerator(const LoadOptions& options);
  void run_worker(std::stop_token stop, Worker& worker, std::uint32_t index);
  void record(std::chrono::steady_clock::time_point done, std::chrono::microseconds latency, bool ok,
              const std::string& failure);

  LoadOptions options_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::jthread> threads_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point stopped_at_;
  bool started_ = false;
  bool stopped_ = false;

  mutable std::mutex mutex_;
  LoadTotals interval_;  // guarded by mutex_
  LoadTotals measured_;  // guarded by mutex_
  LatencyHistogram recent_;  // guarded by mutex_
  std::string first_failure_;  // guarded by mutex_
};

}  // namespace loyal::bench
