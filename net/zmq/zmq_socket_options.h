#pragma once
// The one place where ZeroMQ socket options are chosen. Every option that bounds memory, time or
// reconnection is set explicitly from TransportLimits rather than left to libzmq's defaults, so a
// reader can see the whole policy here and a libzmq upgrade cannot silently change it.
//
// Options only take effect for bind()/connect() calls made after they are set (except linger and
// ZMQ_ROUTER_MANDATORY), so every function here must run before the socket binds or connects.

#include <string_view>

#include <zmq.hpp>

#include "common/result.h"
#include "net/transport.h"

namespace loyal::net {

// Checks the limits before any socket sees them: libzmq would reject some (negative HWMs) with an
// exception and quietly misread others (a frame limit of 0 means "one empty frame only").
Status validate_transport_limits(const TransportLimits& limits);

// Options every socket of a transport gets: frame size, queue bounds, linger, reconnect back-off,
// TCP keepalive, handshake deadline. Precondition: validate_transport_limits(limits).ok().
// Throws zmq::error_t only if libzmq rejects a value, which validation rules out.
void configure_socket(zmq::socket_t& socket, const TransportLimits& limits);

// configure_socket() plus what a node's DEALER to one replica needs: its routing id (see
// routing_id.h) and ZMQ_IMMEDIATE, so frames for a replica that is down are refused at send().
void configure_replica_link(zmq::socket_t& dealer, const TransportLimits& limits, std::string_view routing_id);

// configure_socket() plus what a replica's listening ROUTER needs: unroutable replies are errors,
// and a reconnecting node takes over its routing id from its own stale connection.
void configure_listener(zmq::socket_t& router, const TransportLimits& limits);

}  // namespace loyal::net
