#pragma once
// The blocking client: execute() sends one operation and waits for the reply the cluster's
// protocol accepts (client/client_core.h), retransmitting as the core asks. A thin loop that
// turns the steady clock into the core's ticks (one tick = one millisecond) and moves frames
// between the core and a net::Transport.
//
// Threading: a BlockingClient belongs to one thread, like its transport. AsyncClient runs one on
// its background thread and interrupts it through the stop token.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <vector>

#include "client/client_setup.h"
#include "common/bytes.h"
#include "common/result.h"
#include "net/transport.h"
#include "replica/types.h"

namespace loyal::client {

// Where the client reads the time. Tests substitute a clock their fake transport advances, so
// timeouts and retransmissions are exercised without waiting in real time.
using MonotonicClock = std::function<std::chrono::steady_clock::time_point()>;
MonotonicClock steady_clock();

// The longest the client waits for frames before it looks at the clock again: the granularity of
// retransmissions and of the deadline.
inline constexpr std::chrono::milliseconds kMaxWaitBetweenTicks{10};
// Frames taken from the transport per wait; more simply wait for the next round.
inline constexpr std::size_t kMaxFramesPerReceive = 64;

// How soon a frame the transport refused at once is offered again. The ZeroMQ links queue frames
// only on completed connections (net/zmq/zmq_socket_options.h), so right after the client starts,
// or while a replica reconnects, its first send is refused; waiting for the core's
// retransmission (client_retry_ms, a second by default) stalled such requests for that long.
inline constexpr std::chrono::milliseconds kRefusedFrameRetry{2};

inline constexpr std::string_view kClientStoppedMessage = "client stopped";

class BlockingClient {
 public:
  // Owns both. `transport` must reach replica r at setup.replica_addresses[r] (those addresses
  // only name the replicas in error messages here).
  BlockingClient(ClientSetup setup, std::unique_ptr<net::Transport> transport, MonotonicClock clock = steady_clock());

  // Sends `operation` and waits at most `timeout` for an accepted reply; returns its result (the
  // state machine's answer, for example a kv::encode_result). An Error when no accepted reply came
  // in time, naming the replicas tried and their addresses (the operation may still execute,
  // exactly once: its outcome is unknown), or when `stop` was requested (kClientStoppedMessage).
  // Precondition: no other execute() is running on this client.
  Result<Bytes> execute(Bytes operation, std::chrono::milliseconds timeout, std::stop_token stop = {});

  // Thread-safe: makes a waiting execute() look at its stop token at once.
  void wake() { transport_->wake(); }

  const ClientCore& core() const { return *setup_.core; }
  const ClientSetup& setup() const { return setup_; }
  net::TransportCounters transport_counters() const { return transport_->counters(); }

 private:
  replica::Tick tick_now() const;
  // Sends every frame of `output`; one the transport refuses is kept in `refused` (the latest per
  // replica, so it holds at most replica_count frames) for resend_refused().
  void send(const ClientOutput& output, std::set<ReplicaId>& tried, std::vector<std::optional<Bytes>>& refused);
  // Offers the refused frames again, keeping the ones refused once more.
  void resend_refused(std::vector<std::optional<Bytes>>& refused);
  // Whether the transport took the frame: net::Transport::send reports a refusal only as a drop.
  bool send_to(ReplicaId replica, const Bytes& frame);
  std::string no_reply_message(std::uint64_t request_number, std::chrono::milliseconds timeout,
                               const std::set<ReplicaId>& tried, std::uint64_t retransmissions,
                               const ClientDrops& drops_before, const net::TransportCounters& counters_before) const;

  ClientSetup setup_;
  std::unique_ptr<net::Transport> transport_;
  MonotonicClock clock_;
  std::chrono::steady_clock::time_point epoch_;  // tick 0
};

}  // namespace loyal::client
