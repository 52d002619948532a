#include "client/async_client.h"

#include <string>
#include <utility>

#include "common/assert.h"

namespace loyal::client {

AsyncClient::AsyncClient(ClientSetup setup, std::unique_ptr<net::Transport> transport, AsyncClientOptions options,
                         MonotonicClock clock)
    : options_(options),
      client_(std::move(setup), std::move(transport), std::move(clock)),
      worker_([this](std::stop_token stop) { run(std::move(stop)); }) {
  LOYAL_ASSERT(options_.max_queued_operations >= 1 && options_.max_queued_operations <= kMaxQueuedOperationsLimit,
               "max_queued_operations out of range");
  LOYAL_ASSERT(options_.operation_timeout.count() > 0, "operation_timeout must be positive");
}

AsyncClient::~AsyncClient() { stop(); }

std::future<Result<Bytes>> AsyncClient::submit(Bytes operation) {
  // std::function needs a copyable callable, hence the shared promise.
  auto promise = std::make_shared<std::promise<Result<Bytes>>>();
  std::future<Result<Bytes>> future = promise->get_future();
  submit(std::move(operation), [promise](Result<Bytes> result) { promise->set_value(std::move(result)); });
  return future;
}

void AsyncClient::submit(Bytes operation, Callback done) {
  std::string refusal;
  {
    const std::lock_guard lock(mutex_);
    if (stopped_) {
      refusal = kClientStoppedMessage;
    } else if (queue_.size() >= options_.max_queued_operations) {
      refusal = "submission queue full: " + std::to_string(queue_.size()) +
                " operations are already waiting (max_queued_operations); wait for some to complete";
    } else {
      queue_.push_back(Pending{.operation = std::move(operation), .done = std::move(done)});
    }
  }
  if (!refusal.empty()) {
    done(Error{std::move(refusal)});
    return;
  }
  queue_changed_.notify_one();
}

std::size_t AsyncClient::queued() const {
  const std::lock_guard lock(mutex_);
  return queue_.size();
}

void AsyncClient::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  const std::lock_guard join_lock(stop_mutex_);
  if (!worker_.joinable()) return;
  // The worker notices on its own: the condition variable wait and execute() both watch the token,
  // and the callback below wakes a transport wait.
  worker_.request_stop();
  worker_.join();
}

void AsyncClient::run(std::stop_token stop) {
  const std::stop_callback wake_on_stop(stop, [this] { client_.wake(); });
  for (;;) {
    Pending next;
    {
      std::unique_lock lock(mutex_);
      if (!queue_changed_.wait(lock, stop, [this] { return !queue_.empty(); })) break;
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    next.done(client_.execute(std::move(next.operation), options_.operation_timeout, stop));
  }

  std::deque<Pending> abandoned;
  {
    const std::lock_guard lock(mutex_);
    stopped_ = true;
    abandoned.swap(queue_);
  }
  for (Pending& pending : abandoned) pending.done(Error{std::string(kClientStoppedMessage)});
}

}  // namespace loyal::client
