#include "cluster/cluster_config.h"

namespace loyal::cluster {

std::uint32_t max_faulty(ProtocolMode protocol, std::uint32_t replica_count) {
  if (replica_count == 0) return 0;
  switch (protocol) {
    case ProtocolMode::pbft: return (replica_count - 1) / 3;
    case ProtocolMode::raft:
    case ProtocolMode::paxos: return (replica_count - 1) / 2;
  }
  return 0;
}

std::uint32_t ClusterConfig::max_faulty() const { return cluster::max_faulty(protocol, replica_count()); }

std::string_view to_string(ClientAuth auth) {
  switch (auth) {
    case ClientAuth::signature: return "signature";
    case ClientAuth::mac: return "mac";
  }
  return "unknown";
}

std::optional<ClientAuth> parse_client_auth(std::string_view name) {
  if (name == "signature") return ClientAuth::signature;
  if (name == "mac") return ClientAuth::mac;
  return std::nullopt;
}

}  // namespace loyal::cluster
