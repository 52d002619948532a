#pragma once
// The blocking client: execute() sends one operation and waits for the reply the cluster's
// protocol accepts (client/client_core.h), retransmitting as the core asks. A thin loop around a
// ClientSession (client_session.h): it reads the clock, waits on the session's transport and
// hands the session what arrived and what time it is.
//
// Threading: a BlockingClient belongs to one thread, like its transport. AsyncClient runs one on
// its background thread and interrupts it through the stop token.

#include <chrono>
#include <functional>
#include <memory>
#include <stop_token>
#include <string_view>
#include <vector>

#include "client/client_session.h"
#include "client/client_setup.h"
#include "common/bytes.h"
#include "common/result.h"
#include "net/transport.h"

namespace loyal::client {

// Where the client reads the time. Tests substitute a clock their fake transport advances, so
// timeouts and retransmissions are exercised without waiting in real time.
using MonotonicClock = std::function<std::chrono::steady_clock::time_point()>;
MonotonicClock steady_clock();

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
  void wake() { session_.transport().wake(); }

  const ClientCore& core() const { return session_.core(); }
  const ClientSetup& setup() const { return session_.setup(); }
  net::TransportCounters transport_counters() const { return session_.transport().counters(); }

 private:
  MonotonicClock clock_;
  ClientSession session_;
  std::vector<Bytes> frames_;  // execute()'s receive buffer, kept to reuse its capacity
};

}  // namespace loyal::client
