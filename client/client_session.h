#pragma once
// One client's operation in flight, without waiting: the ClientCore (client_core.h) and the
// net::Transport it talks over, driven by whoever owns the waiting. BlockingClient waits on one
// session's transport; loyal-bench's load generator waits on many sessions' transports at once
// from one thread (net/zmq/zmq_poll_group.h). Both go through this, so retransmission, the resend
// of refused frames and the timeout error read the same everywhere.
//
// The owner's loop, in order: start() an operation; then, until a result comes back, wait on
// transport() for at most longest_wait(), hand whatever it received to on_frames(), and call
// on_time() at least every longest_wait(). Time is passed in, never read here: one tick of the core
// is one millisecond since the session's epoch.
//
// Ownership and threading: the session owns its setup (core and signer) and its transport; it
// belongs to one thread, like the transport (transport().wake() is the only call another thread
// may make).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "client/client_setup.h"
#include "common/bytes.h"
#include "common/result.h"
#include "net/transport.h"
#include "replica/types.h"

namespace loyal::client {

// The longest an owner waits for frames before it calls on_time() again: the granularity of
// retransmissions and of the deadline.
inline constexpr std::chrono::milliseconds kMaxWaitBetweenTicks{10};
// Frames taken from the transport per wait; more simply wait for the next round.
inline constexpr std::size_t kMaxFramesPerReceive = 64;

// How soon a frame the transport refused at once is offered again. The ZeroMQ links queue frames
// only on completed connections (net/zmq/zmq_socket_options.h), so right after the client starts,
// or while a replica reconnects, its first send is refused; waiting for the core's
// retransmission (client_retry_ms, 300 ms by default) stalled such requests for that long.
inline constexpr std::chrono::milliseconds kRefusedFrameRetry{2};

class ClientSession {
 public:
  using Clock = std::chrono::steady_clock;

  // Owns both. `transport` must reach replica r at setup.replica_addresses[r] (those addresses
  // only name the replicas in error messages here). `epoch` is tick 0 of the core.
  ClientSession(ClientSetup setup, std::unique_ptr<net::Transport> transport, Clock::time_point epoch);

  // Submits `operation` and sends its first frame; its result is due by now + timeout.
  // Precondition: !busy().
  void start(Bytes operation, Clock::time_point now, std::chrono::milliseconds timeout);

  // Frames the transport received (untrusted). Returns the operation's result when they complete
  // it; the session is then idle. Frames that arrive while idle (late replies to a finished
  // operation) are handed to the core too, which drops and counts them.
  std::optional<Result<Bytes>> on_frames(const std::vector<Bytes>& frames, Clock::time_point now);

  // Time passed: past the deadline the operation is abandoned and its result is the no-reply
  // Error (naming the replicas tried, retransmissions and drops); otherwise refused frames are
  // offered again and the core retransmits if its retry time has come. Nothing while idle.
  std::optional<Result<Bytes>> on_time(Clock::time_point now);

  // How long the owner may wait for frames before on_time() has work: up to just past the
  // deadline, at most kMaxWaitBetweenTicks, kRefusedFrameRetry while a frame waits to be resent.
  // Zero when idle or overdue.
  std::chrono::milliseconds longest_wait(Clock::time_point now) const;

  // Gives up on the operation in flight without a result (the owner is stopping); see
  // ClientCore::abandon for what that means at the replicas.
  void abandon();

  bool busy() const { return in_flight_.has_value(); }
  net::Transport& transport() { return *transport_; }
  const net::Transport& transport() const { return *transport_; }
  const ClientCore& core() const { return *setup_.core; }
  const ClientSetup& setup() const { return setup_; }

 private:
  // What the no-reply message reports about one operation, captured when it starts.
  struct InFlight {
    std::uint64_t request_number = 0;
    Clock::time_point deadline;
    std::chrono::milliseconds timeout{0};
    std::set<ReplicaId> tried;
    std::uint64_t retransmissions_before = 0;
    ClientDrops drops_before;
    net::TransportCounters counters_before;
  };

  replica::Tick tick_at(Clock::time_point now) const;
  // Sends every frame of `output`; one the transport refuses is kept in refused_ (the latest per
  // replica, so it holds at most replica_count frames) for resend_refused().
  void send(const ClientOutput& output);
  // Offers the refused frames again, keeping the ones refused once more.
  void resend_refused();
  bool any_refused() const;
  // Whether the transport took the frame: net::Transport::send reports a refusal only as a drop.
  bool send_to(ReplicaId replica, const Bytes& frame);
  std::string no_reply_message() const;
  // The operation is over (completed or abandoned): forget it and its refused frames.
  void finish();

  ClientSetup setup_;
  std::unique_ptr<net::Transport> transport_;
  Clock::time_point epoch_;
  std::optional<InFlight> in_flight_;
  std::vector<std::optional<Bytes>> refused_;  // [r]: the frame replica r's link refused last
};

}  // namespace loyal::client
