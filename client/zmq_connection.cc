#include "client/zmq_connection.h"

#include <optional>
#include <utility>

#include "net/zmq/zmq_transport.h"

namespace loyal::client {

Result<std::unique_ptr<net::ZmqTransport>> connect_to_cluster(zmq::context_t& context, const ClientSetup& setup) {
  net::ZmqTransportOptions options;
  options.self = NodeId::client(setup.options.id);
  options.listen = std::nullopt;
  options.replicas = setup.replica_addresses;
  auto transport = net::ZmqTransport::create(context, std::move(options));
  if (!transport) return transport.error();
  return std::move(*transport);
}

}  // namespace loyal::client
