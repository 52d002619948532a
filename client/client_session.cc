#include "client/client_session.h"

#include <algorithm>
#include <utility>

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

ClientSession::ClientSession(ClientSetup setup, std::unique_ptr<net::Transport> transport, Clock::time_point epoch)
    : setup_(std::move(setup)), transport_(std::move(transport)), epoch_(epoch) {
  LOYAL_ASSERT(setup_.core != nullptr && setup_.signer != nullptr, "a ClientSetup from client_setup.h");
  LOYAL_ASSERT(transport_ != nullptr, "a client needs a transport");
  LOYAL_ASSERT(setup_.replica_addresses.size() == setup_.options.replica_count, "one address per replica");
  refused_.resize(setup_.options.replica_count);
}

replica::Tick ClientSession::tick_at(Clock::time_point now) const {
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - epoch_).count();
  return elapsed > 0 ? static_cast<replica::Tick>(elapsed) : 0;
}

void ClientSession::start(Bytes operation, Clock::time_point now, std::chrono::milliseconds timeout) {
  ClientCore& core = *setup_.core;
  LOYAL_ASSERT(!busy() && !core.busy(), "one operation at a time: a finished one always leaves the core idle");
  InFlight& in_flight = in_flight_.emplace();
  in_flight.deadline = now + timeout;
  in_flight.timeout = timeout;
  in_flight.retransmissions_before = core.retransmissions();
  in_flight.drops_before = core.drops();
  in_flight.counters_before = transport_->counters();

  ClientOutput output;
  in_flight.request_number = core.submit(std::move(operation), tick_at(now), output);
  send(output);
}

std::optional<Result<Bytes>> ClientSession::on_frames(const std::vector<Bytes>& frames, Clock::time_point now) {
  ClientOutput output;
  const replica::Tick tick = tick_at(now);
  for (const Bytes& frame : frames) setup_.core->on_frame(frame, tick, output);
  if (output.completed.empty()) return std::nullopt;
  LOYAL_ASSERT(in_flight_ && output.completed.size() == 1 &&
                   output.completed.front().request_number == in_flight_->request_number,
               "the core completes only its one outstanding request");
  finish();
  return Result<Bytes>(std::move(output.completed.front().result));
}

std::optional<Result<Bytes>> ClientSession::on_time(Clock::time_point now) {
  if (!in_flight_) return std::nullopt;
  if (now >= in_flight_->deadline) {
    Error no_reply{no_reply_message()};
    setup_.core->abandon();
    finish();
    return Result<Bytes>(std::move(no_reply));
  }
  resend_refused();
  ClientOutput output;
  setup_.core->on_tick(tick_at(now), output);
  send(output);
  return std::nullopt;
}

std::chrono::milliseconds ClientSession::longest_wait(Clock::time_point now) const {
  if (!in_flight_ || now >= in_flight_->deadline) return std::chrono::milliseconds{0};
  // One millisecond past the deadline, so that the on_time() after the wait finds it passed.
  auto wait = std::min(std::chrono::duration_cast<std::chrono::milliseconds>(in_flight_->deadline - now) +
                           std::chrono::milliseconds(1),
                       kMaxWaitBetweenTicks);
  if (any_refused()) wait = std::min(wait, kRefusedFrameRetry);
  return wait;
}

void ClientSession::abandon() {
  if (!in_flight_) return;
  setup_.core->abandon();
  finish();
}

void ClientSession::finish() {
  in_flight_.reset();
  for (auto& frame : refused_) frame.reset();
}

void ClientSession::send(const ClientOutput& output) {
  for (const ClientSend& frame : output.send) {
    for (ReplicaId r = 0; r < setup_.options.replica_count; ++r) {
      if (frame.to && *frame.to != r) continue;
      in_flight_->tried.insert(r);
      if (!send_to(r, frame.frame)) refused_[r] = frame.frame;
    }
  }
}

void ClientSession::resend_refused() {
  for (ReplicaId r = 0; r < refused_.size(); ++r) {
    if (refused_[r] && send_to(r, *refused_[r])) refused_[r].reset();
  }
}

bool ClientSession::any_refused() const {
  return std::any_of(refused_.begin(), refused_.end(),
                     [](const std::optional<Bytes>& frame) { return frame.has_value(); });
}

bool ClientSession::send_to(ReplicaId replica, const Bytes& frame) {
  const std::uint64_t drops_before = total_drops(transport_->counters());
  transport_->send(NodeId::replica(replica), frame);
  return total_drops(transport_->counters()) == drops_before;
}

std::string ClientSession::no_reply_message() const {
  const InFlight& in_flight = *in_flight_;
  std::string message =
      "no reply from the cluster within " + std::to_string(in_flight.timeout.count()) + " ms; tried ";
  bool first = true;
  for (const ReplicaId r : in_flight.tried) {
    const net::PeerAddress& address = setup_.replica_addresses[r];
    message += (first ? "" : ", ") + std::string("replica ") + std::to_string(r) + " at " + address.host + ":" +
               std::to_string(address.port);
    first = false;
  }
  message += " (request " + std::to_string(in_flight.request_number);
  const std::uint64_t retransmissions = setup_.core->retransmissions() - in_flight.retransmissions_before;
  if (retransmissions == 1) message += ", retransmitted once";
  if (retransmissions > 1) message += ", retransmitted " + std::to_string(retransmissions) + " times";
  message += ")";
  const std::string ignored = count_increase(in_flight.drops_before.by_reason, setup_.core->drops().by_reason);
  if (!ignored.empty()) message += "; replies ignored: " + ignored;
  const std::string dropped = count_increase(in_flight.counters_before.dropped, transport_->counters().dropped);
  if (!dropped.empty()) message += "; frames dropped by the transport: " + dropped;
  message += ". Are the replicas running and reachable? The operation may still take effect, at most once.";
  return message;
}

}  // namespace loyal::client
