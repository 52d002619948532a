#pragma once
// An in-memory network of net::Transports for the runtime's tests: a frame sent to a node lands
// in that node's mailbox at once, in order; receive() waits on a condition variable, and wake()
// interrupts it, as the Transport contract says. Nodes without a transport (crashed, never
// started) silently lose what is sent to them, like a real network.
//
// Ownership: the network outlives its transports. Thread-safe: each transport is driven by its
// owner's I/O thread while others send to it.

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>

#include "net/transport.h"

namespace loyal::runtime::testing {

class FakeNetwork;

class FakeTransport final : public net::Transport {
 public:
  FakeTransport(FakeNetwork& network, NodeId self) : network_(network), self_(self) {}

  void send(NodeId to, ByteView frame) override;
  std::size_t receive(std::vector<Bytes>& out, std::size_t max_frames, std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, timeout, [this] { return woken_ || !mailbox_.empty(); });
    woken_ = false;
    std::size_t taken = 0;
    while (taken < max_frames && !mailbox_.empty()) {
      out.push_back(std::move(mailbox_.front()));
      mailbox_.pop_front();
      ++taken;
    }
    counters_.frames_received += taken;
    return taken;
  }
  void wake() override {
    {
      std::lock_guard lock(mutex_);
      woken_ = true;
      ++wakes_;
    }
    arrived_.notify_all();
  }
  net::TransportCounters counters() const override {
    std::lock_guard lock(mutex_);
    return counters_;
  }

  void arrive(Bytes frame) {
    {
      std::lock_guard lock(mutex_);
      mailbox_.push_back(std::move(frame));
    }
    arrived_.notify_all();
  }
  std::uint64_t wakes() const {
    std::lock_guard lock(mutex_);
    return wakes_;
  }
  NodeId self() const { return self_; }

 private:
  FakeNetwork& network_;
  NodeId self_;
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<Bytes> mailbox_;
  bool woken_ = false;
  std::uint64_t wakes_ = 0;
  net::TransportCounters counters_;
};

class FakeNetwork {
 public:
  FakeTransport& add(NodeId node) {
    std::lock_guard lock(mutex_);
    auto& slot = nodes_[node];
    slot = std::make_unique<FakeTransport>(*this, node);
    return *slot;
  }
  void deliver(NodeId to, ByteView frame) {
    FakeTransport* target = nullptr;
    {
      std::lock_guard lock(mutex_);
      const auto found = nodes_.find(to);
      if (found != nodes_.end()) target = found->second.get();
    }
    if (target != nullptr) target->arrive(Bytes(frame.begin(), frame.end()));
  }

 private:
  std::mutex mutex_;
  std::map<NodeId, std::unique_ptr<FakeTransport>> nodes_;
};

inline void FakeTransport::send(NodeId to, ByteView frame) {
  {
    std::lock_guard lock(mutex_);
    ++counters_.frames_sent;
    counters_.bytes_sent += frame.size();
  }
  network_.deliver(to, frame);
}

}  // namespace loyal::runtime::testing
