#include "client/blocking_client.h"

#include <string>
#include <utility>

namespace loyal::client {

MonotonicClock steady_clock() {
  return [] { return std::chrono::steady_clock::now(); };
}

BlockingClient::BlockingClient(ClientSetup setup, std::unique_ptr<net::Transport> transport, MonotonicClock clock)
    : clock_(std::move(clock)), session_(std::move(setup), std::move(transport), clock_()) {}

Result<Bytes> BlockingClient::execute(Bytes operation, std::chrono::milliseconds timeout, std::stop_token stop) {
  if (stop.stop_requested()) return Error{std::string(kClientStoppedMessage)};
  session_.start(std::move(operation), clock_(), timeout);
  for (;;) {
    if (stop.stop_requested()) {
      session_.abandon();
      return Error{std::string(kClientStoppedMessage)};
    }
    const auto now = clock_();
    if (auto result = session_.on_time(now)) return std::move(*result);
    frames_.clear();
    session_.transport().receive(frames_, kMaxFramesPerReceive, session_.longest_wait(now));
    if (auto result = session_.on_frames(frames_, clock_())) return std::move(*result);
  }
}

}  // namespace loyal::client
