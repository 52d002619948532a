#pragma once
// A queue between two threads of a replica process with a fixed capacity, so that it never grows
// memory. A producer either refuses what does not fit (try_push: the caller counts the drop) or
// waits for room (push_wait, wait_for_room: back-pressure, which passes the wait on to whatever
// feeds the producer; for the I/O thread that is ZeroMQ's bounded per-peer queues).
//
// Ownership and ordering: items are moved in and moved out, first in first out. Any number of
// threads may push and pop. close() is final: pushes fail afterwards, and pops return what is
// left and then nothing, without waiting, so every waiting thread wakes up and can exit.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

#include "common/assert.h"

namespace loyal::runtime {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) {
    LOYAL_ASSERT(capacity > 0, "a queue that holds nothing would drop everything");
  }

  // False when the queue is full or closed; `item` is then left untouched.
  bool try_push(T& item) {
    {
      std::lock_guard lock(mutex_);
      if (closed_ || items_.size() >= capacity_) return false;
      items_.push_back(std::move(item));
    }
    ready_.notify_one();
    return true;
  }

  // Waits until `item` fits (then moves it in and returns true) or the queue is closed (false;
  // `item` is then left untouched).
  bool push_wait(T& item) {
    {
      std::unique_lock lock(mutex_);
      room_.wait(lock, [this] { return closed_ || items_.size() < capacity_; });
      if (closed_) return false;
      items_.push_back(std::move(item));
    }
    ready_.notify_one();
    return true;
  }

  // Items that fit now (0 once closed). With a single producer, room can only grow until it pushes.
  std::size_t room() const {
    std::lock_guard lock(mutex_);
    return closed_ ? 0 : capacity_ - items_.size();
  }

  // Waits until room() > 0, the queue is closed or `deadline` passes. Returns whether there is room.
  bool wait_for_room(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    room_.wait_until(lock, deadline, [this] { return closed_ || items_.size() < capacity_; });
    return !closed_ && items_.size() < capacity_;
  }

  // Moves up to `max_items` into `out` without waiting. Returns how many.
  std::size_t try_pop(std::vector<T>& out, std::size_t max_items) {
    std::lock_guard lock(mutex_);
    return take(out, max_items);
  }

  // Waits until an item is there, the queue is closed or `deadline` passes, then moves up to
  // `max_items` into `out`. Returns how many (0: closed and empty, or the deadline passed).
  std::size_t pop_until(std::vector<T>& out, std::size_t max_items, std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    ready_.wait_until(lock, deadline, [this] { return closed_ || !items_.empty(); });
    return take(out, max_items);
  }

  // Like pop_until() without a deadline: 0 only once closed and empty.
  std::size_t pop_wait(std::vector<T>& out, std::size_t max_items) {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [this] { return closed_ || !items_.empty(); });
    return take(out, max_items);
  }

  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
    room_.notify_all();
  }

  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }
  std::size_t capacity() const { return capacity_; }

 private:
  // Called with mutex_ held (so waiters for room are notified with it held, which is correct).
  std::size_t take(std::vector<T>& out, std::size_t max_items) {
    std::size_t taken = 0;
    while (taken < max_items && !items_.empty()) {
      out.push_back(std::move(items_.front()));
      items_.pop_front();
      ++taken;
    }
    if (taken > 0) room_.notify_all();
    return taken;
  }

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;  // an item or close()
  std::condition_variable room_;   // room for an item, or close()
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace loyal::runtime
