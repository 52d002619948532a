#include "client/client_setup.h"

#include <string>
#include <utility>

#include "cluster/cluster_loader.h"
#include "cluster/keygen.h"
#include "crypto/key_exchange.h"
#include "net/limits.h"

namespace loyal::client {

// The loader and the wire format must agree on how large a cluster can be, or a loaded cluster
// could make ClientCore's membership assertions fire.
static_assert(cluster::kMaxReplicas == net::kMaxReplicas);
static_assert(cluster::kMaxClients == net::kMaxClients);

namespace {

// "3 clients (ids 0 to 2)", for errors about a client id the cluster does not have.
std::string describe_clients(const cluster::ClusterConfig& cluster) {
  if (cluster.client_count() == 0) return "no clients";
  return std::to_string(cluster.client_count()) + " clients (ids 0 to " + std::to_string(cluster.client_count() - 1) +
         ")";
}

}  // namespace

std::uint64_t first_request_number_from_wall_clock(std::chrono::system_clock::time_point now) {
  const auto since_epoch = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  // A clock set before 1970 is broken; 1 keeps the core's precondition and the replicas will say
  // the requests are stale, which points at the clock.
  return since_epoch > 0 ? static_cast<std::uint64_t>(since_epoch) : 1;
}

Result<ClientSetup> make_client_setup(cluster::ClusterConfig cluster, const crypto::NodeSecrets& secrets,
                                      std::string_view key_source, std::uint64_t first_request_number) {
  const std::string source(key_source);
  if (secrets.node.role != NodeRole::client) {
    return Error{source + ": this is the key of " + to_string(secrets.node) + ", not of a client"};
  }
  const ClientId id = secrets.node.index;
  if (id >= cluster.client_count()) {
    return Error{source + ": the key is for client " + std::to_string(id) + ", but the cluster file has " +
                 describe_clients(cluster)};
  }
  const cluster::ClientInfo& listed = cluster.clients[id];
  if (secrets.signing.public_key() != listed.public_key) {
    return Error{source + ": the signing key does not match client " + std::to_string(id) +
                 "'s public_key in the cluster file (a key from another cluster, or a regenerated cluster file?)"};
  }
  if (secrets.exchange.public_key() != listed.exchange_public_key) {
    return Error{source + ": the exchange key does not match client " + std::to_string(id) +
                 "'s exchange_public_key in the cluster file (a key from another cluster, or a regenerated "
                 "cluster file?)"};
  }
  if (first_request_number == 0) return Error{"request numbers start at 1"};

  std::vector<crypto::MacKey> send_keys_by_replica;
  std::vector<crypto::MacKey> receive_keys_by_replica;
  std::vector<net::PeerAddress> replica_addresses;
  for (const cluster::ReplicaInfo& replica : cluster.replicas) {
    auto keys = crypto::derive_pairwise_keys(secrets.exchange, replica.exchange_public_key);
    if (!keys) {
      return Error{"cannot derive MAC keys with replica " + std::to_string(replica.id) + ": " + keys.error().message};
    }
    send_keys_by_replica.push_back(keys->send);
    receive_keys_by_replica.push_back(keys->receive);
    replica_addresses.push_back(net::PeerAddress{.host = replica.host, .port = replica.port});
  }

  ClientOptions options{.id = id,
                        .cluster_id = cluster.cluster_id,
                        .mode = cluster.protocol,
                        .replica_count = cluster.replica_count(),
                        .max_faulty = cluster.max_faulty(),
                        .client_count = cluster.client_count(),
                        .client_auth = cluster.parameters.client_auth,
                        .retry_ticks = cluster.parameters.client_retry_ms,
                        .first_request_number = first_request_number,
                        .limits = {}};
  auto signer = std::make_unique<crypto::Ed25519Signer>(secrets.signing);
  auto core = std::make_unique<ClientCore>(options, *signer, std::move(send_keys_by_replica),
                                           std::move(receive_keys_by_replica));
  return ClientSetup{.cluster = std::move(cluster),
                     .options = options,
                     .replica_addresses = std::move(replica_addresses),
                     .signer = std::move(signer),
                     .core = std::move(core)};
}

Result<ClientSetup> load_client_setup(const std::filesystem::path& cluster_file, const ClientSetupOptions& options) {
  auto cluster = cluster::load_cluster_file(cluster_file);
  if (!cluster) return cluster.error();
  if (options.protocol) cluster->protocol = *options.protocol;
  if (options.id >= cluster->client_count()) {
    return Error{"client " + std::to_string(options.id) + " is not in " + cluster_file.string() + ", which has " +
                 describe_clients(*cluster)};
  }
  const std::filesystem::path key_file =
      options.key_file.value_or(cluster::key_file_path(cluster_file.parent_path(), NodeId::client(options.id)));
  auto secrets = crypto::read_key_file(key_file);
  if (!secrets) return secrets.error();
  if (secrets->node != NodeId::client(options.id)) {
    return Error{key_file.string() + ": this is the key of " + to_string(secrets->node) + ", not of client " +
                 std::to_string(options.id)};
  }
  const std::uint64_t first_request_number =
      options.first_request_number.value_or(first_request_number_from_wall_clock(std::chrono::system_clock::now()));
  return make_client_setup(std::move(*cluster), *secrets, key_file.string(), first_request_number);
}

}  // namespace loyal::client
