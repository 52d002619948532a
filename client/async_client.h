#pragma once
// The asynchronous client: submit() queues an operation and returns at once; a background thread
// runs the queued operations one at a time, in submission order, over a BlockingClient. One at a
// time is not a shortcut: the replicas keep one request number and reply per client (a closed
// loop), so a client with two requests in flight would see the older one refused as stale.
//
// Ownership and threading: the background thread owns the transport and the core from
// construction to stop(); the caller's threads only touch the queue. Futures and callbacks are
// completed on the background thread, in submission order; a callback must not block and must
// not call stop() (it would wait for itself).

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "client/blocking_client.h"
#include "client/client_setup.h"
#include "common/bytes.h"
#include "common/result.h"
#include "net/transport.h"

namespace loyal::client {

// Operations waiting behind the running one; beyond this submit() fails at once, so a caller
// faster than the cluster finds out instead of growing memory without bound.
inline constexpr std::size_t kDefaultMaxQueuedOperations = 1024;
inline constexpr std::size_t kMaxQueuedOperationsLimit = 1u << 20;

struct AsyncClientOptions {
  std::size_t max_queued_operations = kDefaultMaxQueuedOperations;  // 1..kMaxQueuedOperationsLimit
  // How long each operation may wait for its reply, counted from when it starts running (not from
  // submit()): a queued operation is not penalized for the ones ahead of it.
  std::chrono::milliseconds operation_timeout{5000};
};

class AsyncClient {
 public:
  using Callback = std::function<void(Result<Bytes>)>;

  // Starts the background thread. Options out of range are a caller bug and stop the process.
  AsyncClient(ClientSetup setup, std::unique_ptr<net::Transport> transport, AsyncClientOptions options = {},
              MonotonicClock clock = steady_clock());
  // stop(), then the transport and core are destroyed.
  ~AsyncClient();
  AsyncClient(const AsyncClient&) = delete;
  AsyncClient& operator=(const AsyncClient&) = delete;

  // Queues `operation`. The future gets the result, or an Error: the queue is full (at once),
  // the operation timed out (as BlockingClient::execute), or the client stopped before it finished.
  std::future<Result<Bytes>> submit(Bytes operation);
  // The same, with `done` called exactly once: on the background thread, or on the calling thread
  // at once when the operation is refused (queue full, client stopped).
  void submit(Bytes operation, Callback done);

  // Thread-safe and idempotent: interrupts the running operation, fails it and every queued one
  // with kClientStoppedMessage, and joins the background thread. Later submits fail at once.
  void stop();

  // Operations queued and not yet running.
  std::size_t queued() const;

 private:
  struct Pending {
    Bytes operation;
    Callback done;
  };

  void run(std::stop_token stop);

  AsyncClientOptions options_;
  BlockingClient client_;  // touched only by the background thread once it started
  mutable std::mutex mutex_;
  std::condition_variable_any queue_changed_;
  std::deque<Pending> queue_;  // guarded by mutex_
  bool stopped_ = false;       // guarded by mutex_
  std::mutex stop_mutex_;      // serializes stop() callers, so that only one joins
  std::jthread worker_;        // last: starts after everything it uses exists
};

}  // namespace loyal::client
