#include "net/zmq/zmq_socket_options.h"

#include <cstdint>
#include <limits>
#include <string>

namespace loyal::net {

Status validate_transport_limits(const TransportLimits& limits) {
  if (limits.max_frame_bytes == 0 ||
      limits.max_frame_bytes > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return Error{"transport max_frame_bytes must be between 1 and 2^63-1, not " +
                 std::to_string(limits.max_frame_bytes)};
  }
  // A high-water mark of 0 means "unbounded" to libzmq: exactly what a named limit must prevent.
  if (limits.send_high_water_mark <= 0 || limits.receive_high_water_mark <= 0) {
    return Error{"transport high-water marks must be positive (0 would mean unbounded queues)"};
  }
  if (limits.reconnect_interval_ms <= 0 || limits.reconnect_interval_max_ms < limits.reconnect_interval_ms) {
    return Error{"transport reconnect interval must be positive and not above its maximum"};
  }
  if (limits.handshake_interval_ms <= 0) {
    return Error{"transport handshake interval must be positive (0 would let silent connections stay forever)"};
  }
  if (limits.linger_ms < 0) {
    return Error{"transport linger must be zero or positive (negative would block close forever)"};
  }
  if (limits.tcp_keepalive_idle_s <= 0 || limits.tcp_keepalive_interval_s <= 0 || limits.tcp_keepalive_count <= 0) {
    return Error{"transport TCP keepalive idle, interval and count must be positive"};
  }
  return {};
}

void configure_socket(zmq::socket_t& socket, const TransportLimits& limits) {
  // A frame above the limit makes libzmq drop the connection before buffering the frame, so a
  // peer cannot make us allocate more than this per frame; the decoder checks the size again.
  socket.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(limits.max_frame_bytes));
  // Outgoing frames queued per peer. When full, sends fail at once (EAGAIN with ZMQ_DONTWAIT) and
  // are counted; the protocols retransmit, so dropping beats unbounded memory.
  socket.set(zmq::sockopt::sndhwm, limits.send_high_water_mark);
  // Incoming frames queued per peer before libzmq stops reading its TCP connection: a fast
  // sender is pushed back instead of growing our memory.
  socket.set(zmq::sockopt::rcvhwm, limits.receive_high_water_mark);
  // How long close waits to flush unsent frames (0 by default: they are dropped). A stopping
  // process must not hang on a dead peer; the protocols retransmit whatever was lost.
  socket.set(zmq::sockopt::linger, limits.linger_ms);
  // First reconnect attempt after a peer went away; short so a restarted replica rejoins fast.
  socket.set(zmq::sockopt::reconnect_ivl, limits.reconnect_interval_ms);
  // Exponential back-off ceiling, so a replica that stays down is not hammered with connects.
  socket.set(zmq::sockopt::reconnect_ivl_max, limits.reconnect_interval_max_ms);
  // Kernel keepalive notices a peer whose host vanished (power loss, cut cable, NAT timeout),
  // which TCP alone would only notice when a send times out minutes later.
  socket.set(zmq::sockopt::tcp_keepalive, 1);
  // Seconds of silence before the first probe.
  socket.set(zmq::sockopt::tcp_keepalive_idle, limits.tcp_keepalive_idle_s);
  // Seconds between unanswered probes.
  socket.set(zmq::sockopt::tcp_keepalive_intvl, limits.tcp_keepalive_interval_s);
  // Unanswered probes before the kernel declares the connection dead and libzmq reconnects.
  socket.set(zmq::sockopt::tcp_keepalive_cnt, limits.tcp_keepalive_count);
  // A peer (or port scanner) that connects and then stays silent would otherwise hold the
  // connection for libzmq's default of 30 s; handshakes on a LAN take milliseconds.
  socket.set(zmq::sockopt::handshake_ivl, limits.handshake_interval_ms);
}

void configure_replica_link(zmq::socket_t& dealer, const TransportLimits& limits, std::string_view routing_id) {
  configure_socket(dealer, limits);
  // The replica's ROUTER answers clients by this id; stable across reconnects (routing_id.h).
  dealer.set(zmq::sockopt::routing_id, routing_id);
  // Queue frames only on completed connections: while the replica is down, send() fails at once
  // and is counted instead of piling frames up for a peer that may never come back.
  dealer.set(zmq::sockopt::immediate, true);
}

void configure_listener(zmq::socket_t& router, const TransportLimits& limits) {
  configure_socket(router, limits);
  // A reply to a client that is not connected fails with EHOSTUNREACH (counted) instead of being
  // dropped silently.
  router.set(zmq::sockopt::router_mandatory, true);
  // A node that reconnects (restart, network blip) before its old connection is noticed dead
  // takes over its routing id; otherwise the ROUTER would refuse it until keepalive fired.
  router.set(zmq::sockopt::router_handover, true);
}

}  // namespace loyal::net
