#pragma once
// The client's ZeroMQ transport: connections to every replica at its cluster-file address, no
// listening socket (replicas answer over the connection the client opened).

#include <memory>

#include <zmq.hpp>

#include "client/client_setup.h"
#include "common/result.h"
#include "net/zmq/zmq_transport.h"

namespace loyal::client {

// `context` must outlive the transport. Connecting does not wait for the replicas: ZeroMQ
// connects in the background and reconnects, so an unreachable cluster shows up as no reply.
Result<std::unique_ptr<net::ZmqTransport>> connect_to_cluster(zmq::context_t& context, const ClientSetup& setup);

}  // namespace loyal::client
