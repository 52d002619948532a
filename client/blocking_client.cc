#include "client/blocking_client.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "common/assert.h"

namespace loyal::client {

namespace {

// "3 bad_mac, 1 stale_reply": what changed in a by-reason count since `before`.
template <typename Map>
std::string count_increase(const Map& before, const Map& after) {
  std::string text;
  for (const auto& [reason, count] : after) {
    const auto earlier = before.find(reason);
    const std::uint64_t increase = count - (earlier == before.end() ? 0 : earlier->second);
    if (increase == 0) continue;
    if (!text.empty()) text += ", ";
    text += std::to_string(increase) + " " + std::string(reason);
  }
  return text;
}

std::uint64_t total_drops(const net::TransportCounters& counters) {
  std::uint64_t total = 0;
  for (const auto& [reason, count] : counters.dropped) total += count;
  return total;
}

}  // namespace

MonotonicClock steady_clock() {
  return [] { return std::chrono::steady_clock::now(); };
}

BlockingClient::BlockingClient(ClientSetup setup, std::unique_ptr<net::Transport> transport, MonotonicClock clock)
    : setup_(std::move(setup)), transport_(std::move(transport)), clock_(std::move(clock)), epoch_(clock_()) {
  LOYAL_ASSERT(setup_.core != nullptr && setup_.signer != nullptr, "a ClientSetup from client_setup.h");
  LOYAL_ASSERT(transport_ != nullptr, "a client needs a transport");
  LOYAL_ASSERT(setup_.replica_addresses.size() == setup_.options.replica_count, "one address per replica");
}

replica::Tick BlockingClient::tick_now() const {
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock_() - epoch_).count();
  return elapsed > 0 ? static_cast<replica::Tick>(elapsed) : 0;
}

void BlockingClient::send(const ClientOutput& output, std::set<ReplicaId>& tried,
                          std::vector<std::optional<Bytes>>& refused) {
  for (const ClientSend& frame : output.send) {
    for (ReplicaId r = 0; r < setup_.options.replica_count; ++r) {
      if (frame.to && *frame.to != r) continue;
      tried.insert(r);
      if (!send_to(r, frame.frame)) refused[r] = frame.frame;
    }
  }
}

void BlockingClient::resend_refused(std::vector<std::optional<Bytes>>& refused) {
  for (ReplicaId r = 0; r < refused.size(); ++r) {
    if (refused[r] && send_to(r, *refused[r])) refused[r].reset();
  }
}

bool BlockingClient::send_to(ReplicaId replica, const Bytes& frame) {
  const std::uint64_t drops_before = total_drops(transport_->counters());
  transport_->send(NodeId::replica(replica), frame);
  return total_drops(transport_->counters()) == drops_before;
}

Result<Bytes> BlockingClient::execute(Bytes operation, std::chrono::milliseconds timeout, std::stop_token stop) {
  ClientCore& core = *setup_.core;
  LOYAL_ASSERT(!core.busy(), "one execute() at a time: a finished execute() always leaves the core idle");
  if (stop.stop_requested()) return Error{std::string(kClientStoppedMessage)};

  const ClientDrops drops_before = core.drops();
  const net::TransportCounters counters_before = transport_->counters();
  const std::uint64_t retransmissions_before = core.retransmissions();
  const auto deadline = clock_() + timeout;
  std::set<ReplicaId> tried;
  std::vector<std::optional<Bytes>> refused(setup_.options.replica_count);
  std::vector<Bytes> frames;

  ClientOutput output;
  const std::uint64_t request_number = core.submit(std::move(operation), tick_now(), output);
  send(output, tried, refused);
  for (;;) {
    if (stop.stop_requested()) {
      core.abandon();
      return Error{std::string(kClientStoppedMessage)};
    }
    const auto now = clock_();
    if (now >= deadline) {
      core.abandon();
      return Error{no_reply_message(request_number, timeout, tried, core.retransmissions() - retransmissions_before,
                                    drops_before, counters_before)};
    }
    auto wait = std::min(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) +
                             std::chrono::milliseconds(1),
                         kMaxWaitBetweenTicks);
    const bool any_refused = std::any_of(refused.begin(), refused.end(),
                                         [](const std::optional<Bytes>& frame) { return frame.has_value(); });
    if (any_refused) wait = std::min(wait, kRefusedFrameRetry);
    frames.clear();
    transport_->receive(frames, kMaxFramesPerReceive, wait);

    output = ClientOutput{};
    const replica::Tick tick = tick_now();
    for (const Bytes& frame : frames) core.on_frame(frame, tick, output);
    if (!output.completed.empty()) {
      LOYAL_ASSERT(output.completed.size() == 1 && output.completed.front().request_number == request_number,
                   "the core completes only its one outstanding request");
      return std::move(output.completed.front().result);
    }
    resend_refused(refused);
    core.on_tick(tick, output);
    send(output, tried, refused);
  }
}

std::string BlockingClient::no_reply_message(std::uint64_t request_number, std::chrono::milliseconds timeout,
                                             const std::set<ReplicaId>& tried, std::uint64_t retransmissions,
                                             const ClientDrops& drops_before,
                                             const net::TransportCounters& counters_before) const {
  std::string message = "no reply from the cluster within " + std::to_string(timeout.count()) + " ms; tried ";
  bool first = true;
  for (const ReplicaId r : tried) {
    const net::PeerAddress& address = setup_.replica_addresses[r];
    message += (first ? "" : ", ") + std::string("replica ") + std::to_string(r) + " at " + address.host + ":" +
               std::to_string(address.port);
    first = false;
  }
  message += " (request " + std::to_string(request_number);
  if (retransmissions == 1) message += ", retransmitted once";
  if (retransmissions > 1) message += ", retransmitted " + std::to_string(retransmissions) + " times";
  message += ")";
  const std::string ignored = count_increase(drops_before.by_reason, setup_.core->drops().by_reason);
  if (!ignored.empty()) message += "; replies ignored: " + ignored;
  const std::string dropped = count_increase(counters_before.dropped, transport_->counters().dropped);
  if (!dropped.empty()) message += "; frames dropped by the transport: " + dropped;
  message += ". Are the replicas running and reachable? The operation may still take effect, at most once.";
  return message;
}

}  // namespace loyal::client
