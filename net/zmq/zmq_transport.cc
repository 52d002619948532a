#include "net/zmq/zmq_transport.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <string>
#include <utility>

#include <poll.h>

#include "common/assert.h"
#include "net/limits.h"
#include "net/zmq/endpoint.h"
#include "net/zmq/routing_id.h"
#include "net/zmq/zmq_socket_options.h"

namespace loyal::net {
namespace {

// One pending wake is as good as many: the wake queue stays tiny, and a full queue means a wake is
// already on its way.
constexpr int kWakeQueueFrames = 1;

// Longer waits are cut to this, so that "wait forever" timeouts (milliseconds::max()) cannot
// overflow the clock arithmetic; a caller waiting this long wakes, finds nothing, and waits again.
constexpr std::chrono::milliseconds kLongestReceiveWait = std::chrono::hours(24);

// Each transport's wake pair needs its own inproc name within the shared context.
std::string next_wake_endpoint() {
  static std::atomic<std::uint64_t> next_wake_pair{0};
  return "inproc://loyal-zmq-transport-wake-" + std::to_string(next_wake_pair.fetch_add(1));
}

Status check_options(const ZmqTransportOptions& options) {
  if (Status limits = validate_transport_limits(options.limits); !limits.ok()) return limits;
  if (options.replicas.size() > kMaxReplicas) {
    return Error{"the cluster lists " + std::to_string(options.replicas.size()) + " replicas; at most " +
                 std::to_string(kMaxReplicas) + " are supported"};
  }
  for (std::size_t index = 0; index < options.replicas.size(); ++index) {
    const PeerAddress& replica = options.replicas[index];
    if (replica.host.empty()) return Error{"replica " + std::to_string(index) + " has no host"};
    // Port 0 is fine only in a replica's own entry (it listens on options.listen, not there).
    const bool own_entry = options.self == NodeId::replica(static_cast<ReplicaId>(index));
    if (replica.port == 0 && !own_entry) return Error{"replica " + std::to_string(index) + " has no port"};
  }
  if (options.self.role == NodeRole::replica) {
    if (options.self.index >= options.replicas.size()) {
      return Error{to_string(options.self) + " is not in the replica list (" +
                   std::to_string(options.replicas.size()) + " replicas)"};
    }
    if (!options.listen) return Error{to_string(options.self) + " needs a listen address"};
    if (options.listen->host.empty()) return Error{to_string(options.self) + " has an empty listen host"};
  } else if (options.listen) {
    return Error{to_string(options.self) + " is a client; clients do not listen"};
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<ZmqTransport>> ZmqTransport::create(zmq::context_t& context, ZmqTransportOptions options) {
  if (Status valid = check_options(options); !valid.ok()) return valid.error();
  try {
    std::unique_ptr<ZmqTransport> transport(new ZmqTransport(context, options.self, options.limits));
    if (options.listen) {
      if (Status listening = transport->listen_on(*options.listen); !listening.ok()) return listening.error();
    }
    transport->connect_replicas(options.replicas);
    transport->set_up_wake_pair();
    transport->collect_receiving_sockets();
    return transport;
  } catch (const zmq::error_t& error) {
    // Option values are validated above, so this is the system refusing: out of sockets or file
    // descriptors, or a context that is already terminated.
    return Error{"cannot set up the ZeroMQ transport for " + to_string(options.self) + ": " + error.what()};
  }
}

ZmqTransport::ZmqTransport(zmq::context_t& context, NodeId self, TransportLimits limits)
    : context_(context), self_(self), limits_(limits) {}

// Sockets close in member order reversed; with linger from the limits, none of them blocks.
ZmqTransport::~ZmqTransport() = default;

Status ZmqTransport::listen_on(const PeerAddress& address) {
  const Result<PeerAddress> bindable = bindable_address(address);
  if (!bindable.ok()) return Error{"cannot listen on " + tcp_endpoint(address) + ": " + bindable.error().message};
  router_.emplace(context_, zmq::socket_type::router);
  configure_listener(*router_, limits_);
  if (is_ipv6_literal(bindable->host)) router_->set(zmq::sockopt::ipv6, true);
  try {
    router_->bind(tcp_endpoint(*bindable, address.port == 0));
  } catch (const zmq::error_t& error) {
    return Error{"cannot listen on " + tcp_endpoint(address) + ": " + error.what()};
  }
  bound_port_ = port_of_endpoint(router_->get(zmq::sockopt::last_endpoint));
  LOYAL_ASSERT(bound_port_ != 0, "a bound TCP endpoint always reports its port");
  return {};
}

void ZmqTransport::connect_replicas(const std::vector<PeerAddress>& replicas) {
  const std::string routing_id = routing_id_for(self_);
  replica_links_.resize(replicas.size());
  for (std::size_t index = 0; index < replicas.size(); ++index) {
    if (self_ == NodeId::replica(static_cast<ReplicaId>(index))) continue;
    zmq::socket_t& link = replica_links_[index].emplace(context_, zmq::socket_type::dealer);
    configure_replica_link(link, limits_, routing_id);
    if (is_ipv6_literal(replicas[index].host)) link.set(zmq::sockopt::ipv6, true);
    // Asynchronous: succeeds whether or not the replica is up; ZeroMQ keeps retrying.
    link.connect(tcp_endpoint(replicas[index]));
  }
}

void ZmqTransport::set_up_wake_pair() {
  const std::string endpoint = next_wake_endpoint();
  wake_receiver_ = zmq::socket_t(context_, zmq::socket_type::pair);
  wake_sender_ = zmq::socket_t(context_, zmq::socket_type::pair);
  for (zmq::socket_t* socket : {&wake_receiver_, &wake_sender_}) {
    configure_socket(*socket, limits_);
    socket->set(zmq::sockopt::sndhwm, kWakeQueueFrames);
    socket->set(zmq::sockopt::rcvhwm, kWakeQueueFrames);
  }
  wake_receiver_.bind(endpoint);
  wake_sender_.connect(endpoint);
}

void ZmqTransport::collect_receiving_sockets() {
  if (router_) {
    router_index_ = receiving_.size();
    receiving_.push_back({&*router_, 2});
  }
  link_index_.assign(replica_links_.size(), kNoSocket);
  for (std::size_t replica = 0; replica < replica_links_.size(); ++replica) {
    if (!replica_links_[replica]) continue;
    link_index_[replica] = receiving_.size();
    receiving_.push_back({&*replica_links_[replica], 1});
  }
  for (const ReceivingSocket& receiving : receiving_) {
    descriptors_.push_back(pollfd{.fd = receiving.socket->get(zmq::sockopt::fd), .events = POLLIN, .revents = 0});
  }
  descriptors_.push_back(pollfd{.fd = wake_receiver_.get(zmq::sockopt::fd), .events = POLLIN, .revents = 0});
  // Nothing is known about a new socket: each is read once before the first wait.
  may_hold_.assign(descriptors_.size(), true);
}

std::size_t ZmqTransport::append_poll_descriptors(std::vector<zmq::fd_t>& descriptors) const {
  for (const pollfd& descriptor : descriptors_) descriptors.push_back(descriptor.fd);
  return descriptors_.size();
}

bool ZmqTransport::may_hold_unsignalled_frames() const {
  return std::find(may_hold_.begin(), may_hold_.end(), true) != may_hold_.end();
}

void ZmqTransport::send(NodeId to, ByteView frame) {
  if (to == self_) return count_drop(kDropToSelf);
  if (frame.size() > limits_.max_frame_bytes) return count_drop(kDropFrameTooLarge);
  if (to.role == NodeRole::replica) return send_to_replica(to.index, frame);
  send_to_client(to, frame);
}

void ZmqTransport::send_to_replica(ReplicaId replica, ByteView frame) {
  if (replica >= replica_links_.size() || !replica_links_[replica]) return count_drop(kDropUnknownReplica);
  // Sending lets libzmq process the socket's pending commands, among them "frames arrived".
  may_hold_[link_index_[replica]] = true;
  try {
    const zmq::send_result_t sent =
        replica_links_[replica]->send(zmq::const_buffer(frame.data(), frame.size()), zmq::send_flags::dontwait);
    if (!sent) return count_drop(kDropSendQueueFull);
    count_sent(frame.size());
  } catch (const zmq::error_t&) {
    count_drop(kDropSendFailed);
  }
}

void ZmqTransport::send_to_client(NodeId client, ByteView frame) {
  // Clients are reached only over the connection they opened to our ROUTER.
  if (!router_) return count_drop(kDropNoRouteToClient);
  may_hold_[router_index_] = true;  // as in send_to_replica
  const std::string routing_id = routing_id_for(client);
  try {
    // ZMQ_ROUTER_MANDATORY reports both an unknown client and a full queue on the routing-id
    // part, before anything is queued; once it is accepted, the frame part is accepted too.
    const zmq::send_result_t addressed =
        router_->send(zmq::buffer(routing_id), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    if (!addressed) return count_drop(kDropSendQueueFull);
    const zmq::send_result_t sent =
        router_->send(zmq::const_buffer(frame.data(), frame.size()), zmq::send_flags::dontwait);
    if (!sent) return count_drop(kDropSendQueueFull);
    count_sent(frame.size());
  } catch (const zmq::error_t& error) {
    count_drop(error.num() == EHOSTUNREACH ? kDropClientUnreachable : kDropSendFailed);
  }
}

void ZmqTransport::count_sent(std::size_t bytes) {
  ++counters_.frames_sent;
  counters_.bytes_sent += bytes;
}

void ZmqTransport::count_drop(std::string_view reason) { ++counters_.dropped[reason]; }

// One poll() over the sockets' descriptors, then reads only from the sockets it or an earlier call
// flagged (may_hold_). zmq_poll would instead ask every socket for its state before and after
// waiting, and a read from an empty socket costs a system call too: on a busy replica or client
// that was several system calls per frame.
std::size_t ZmqTransport::receive(std::vector<Bytes>& out, std::size_t max_frames, std::chrono::milliseconds timeout) {
  if (max_frames == 0) return 0;
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + std::clamp(timeout, std::chrono::milliseconds{0}, kLongestReceiveWait);
  std::size_t appended = 0;
  try {
    // Loops only when poll() woke for something that turned out not to be a frame (libzmq's own
    // commands, a dropped malformed message), so that cannot cut a caller's wait short either.
    for (;;) {
      const auto remaining = may_hold_unsignalled_frames()
                                 ? std::chrono::milliseconds{0}
                                 : std::max(std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()),
                                            std::chrono::milliseconds{0});
      const int fired = ::poll(descriptors_.data(), descriptors_.size(), static_cast<int>(remaining.count()));
      if (fired < 0) {
        // EINTR (a signal): the caller's loop decides what next, and every socket is read again.
        std::fill(may_hold_.begin(), may_hold_.end(), true);
        return appended;
      }
      for (std::size_t index = 0; fired > 0 && index < descriptors_.size(); ++index) {
        if (descriptors_[index].revents != 0) may_hold_[index] = true;
      }
      const bool woken = may_hold_.back() && consume_wakes();
      may_hold_.back() = false;
      appended += drain_ready(out, max_frames - appended);
      if (appended > 0 || woken || Clock::now() >= deadline) return appended;
    }
  } catch (const zmq::error_t&) {
    // ETERM (the context is shutting down): the caller's loop decides what next.
    std::fill(may_hold_.begin(), may_hold_.end(), true);
    return appended;
  }
}

std::size_t ZmqTransport::drain_ready(std::vector<Bytes>& out, std::size_t max_frames) {
  const std::size_t socket_count = receiving_.size();
  std::size_t appended = 0;
  bool any_ready = true;
  while (appended < max_frames && any_ready) {
    any_ready = false;
    for (std::size_t step = 0; step < socket_count && appended < max_frames; ++step) {
      const std::size_t index = (next_socket_to_drain_ + step) % socket_count;
      if (!may_hold_[index]) continue;
      const ReceiveOutcome outcome = receive_one(receiving_[index], out);
      if (outcome == ReceiveOutcome::nothing_waiting) {
        // Read until empty: the next frame makes the descriptor readable again.
        may_hold_[index] = false;
        continue;
      }
      any_ready = true;
      if (outcome == ReceiveOutcome::frame) ++appended;
    }
  }
  if (socket_count > 0) next_socket_to_drain_ = (next_socket_to_drain_ + 1) % socket_count;
  return appended;
}

ZmqTransport::ReceiveOutcome ZmqTransport::receive_one(const ReceivingSocket& from, std::vector<Bytes>& out) {
  zmq::message_t part;
  if (!from.socket->recv(part, zmq::recv_flags::dontwait)) return ReceiveOutcome::nothing_waiting;
  // A multipart message arrives whole, so its remaining parts are already here. Every part is
  // read (the socket must be left at a message boundary) but only the last one is kept.
  std::size_t parts = 1;
  bool complete = true;
  while (part.more()) {
    if (!from.socket->recv(part, zmq::recv_flags::dontwait)) {
      complete = false;
      break;
    }
    ++parts;
  }
  if (!complete || parts != from.expected_parts) {
    count_drop(kDropMalformedMultipart);
    return ReceiveOutcome::dropped;
  }
  const auto* data = static_cast<const std::uint8_t*>(part.data());
  out.emplace_back(data, data + part.size());
  ++counters_.frames_received;
  counters_.bytes_received += part.size();
  return ReceiveOutcome::frame;
}

bool ZmqTransport::consume_wakes() {
  bool woken = false;
  zmq::message_t signal;
  while (wake_receiver_.recv(signal, zmq::recv_flags::dontwait)) woken = true;
  return woken;
}

void ZmqTransport::wake() {
  const std::lock_guard<std::mutex> lock(wake_sender_mutex_);
  try {
    if (wake_sender_.send(zmq::const_buffer(), zmq::send_flags::dontwait)) return;
    // Refused: the queue looks full. But libzmq learns that receive() consumed earlier wakes only
    // when this socket processes its commands, which send() does at most about once a
    // millisecond; the replica thread wakes the I/O thread several times a millisecond, so the
    // third quick wake was refused although nothing was pending, and the I/O thread slept a whole
    // receive() timeout with frames waiting to go out. Reading ZMQ_EVENTS processes the commands
    // at once; a refusal after that means a wake really is pending, which is all we need.
    (void)wake_sender_.get(zmq::sockopt::events);
    (void)wake_sender_.send(zmq::const_buffer(), zmq::send_flags::dontwait);
  } catch (const zmq::error_t&) {
    // Only a terminating context gets here; nothing is waiting to be woken any more.
  }
}

TransportCounters ZmqTransport::counters() const { return counters_; }

}  // namespace loyal::net
