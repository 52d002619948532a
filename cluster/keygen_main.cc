// loyal-keygen: writes a cluster directory (cluster.toml and one secret key file per node). The
// work is in cluster/keygen.h; this file turns flags into KeygenOptions and reports the outcome.

#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>
#include <string>

#include "cluster/cluster_loader.h"
#include "cluster/keygen.h"

namespace {

using loyal::cluster::ClusterConfig;

int fail(const std::string& message) {
  std::cerr << "loyal-keygen: " << message << "\n";
  return 1;
}

void print_summary(const std::filesystem::path& directory, const ClusterConfig& config) {
  const bool byzantine = config.protocol == loyal::ProtocolMode::pbft;
  const std::uint32_t f = config.max_faulty();
  const std::string keys = loyal::cluster::keys_directory_path(directory).string();
  std::cout << "Wrote a " << loyal::to_string(config.protocol) << " cluster to " << directory.string() << "\n"
            << "  cluster file  " << loyal::cluster::cluster_file_path(directory).string()
            << "  (public: every replica and client needs a copy)\n"
            << "  secret keys   " << keys << "/replica-{0.." << config.replica_count() - 1 << "}.key\n"
            << "                " << keys << "/client-{0.." << config.client_count() - 1
            << "}.key  (private: each node gets only its own)\n"
            << "  cluster id    " << config.cluster_id << "\n"
            << "  replicas      n = " << config.replica_count() << ", tolerating f = " << f
            << (byzantine ? " Byzantine" : " crashed") << (f == 1 ? " replica" : " replicas") << "\n";
  for (const loyal::cluster::ReplicaInfo& replica : config.replicas) {
    std::cout << "    replica " << replica.id << "   " << replica.host << ":" << replica.port << "\n";
  }
  std::cout << "  clients       " << config.client_count() << ", authenticated by "
            << loyal::cluster::to_string(config.parameters.client_auth) << "\n"
            << "Next: copy cluster.toml to every node and each key file to its node only; start replica i\n"
            << "with keys/replica-i.key and client j with keys/client-j.key. Edit [parameters] in\n"
            << "cluster.toml to tune the protocol; the loader checks every change.\n";
}

}  // namespace

int main(int argc, char** argv) {
  loyal::cluster::KeygenOptions options;
  std::string protocol(loyal::to_string(options.protocol));
  std::string client_auth(loyal::cluster::to_string(options.client_auth));
  std::string out;
  std::uint64_t cluster_id = 0;
  bool force = false;

  CLI::App app{
      "Generates a loyal cluster: the cluster file DIR/cluster.toml (members, addresses, public keys, protocol\n"
      "parameters) and one secret key file per replica and client in DIR/keys.",
      "loyal-keygen"};
  app.add_option("--replicas", options.replica_count,
                 "Number of replicas n. pbft tolerates f = (n-1)/3 Byzantine replicas and needs n >= 4;\n"
                 "raft and paxos tolerate f = (n-1)/2 crashes and need n >= 3. At most 128.")
      ->capture_default_str();
  app.add_option("--clients", options.client_count, "Number of clients, each with its own keys (1 to 65536).")
      ->capture_default_str();
  app.add_option("--protocol", protocol, "Replication protocol: pbft, raft or paxos.")
      ->check(CLI::IsMember({"pbft", "raft", "paxos"}))
      ->capture_default_str();
  CLI::Option* out_option =
      app.add_option("--out", out, "Directory to write cluster.toml and keys/ into; created if needed.")
          ->type_name("DIR");
  std::string check;
  app.add_option("--check", check,
                 "Check an existing cluster file instead of generating one: prints every problem as\n"
                 "FILE:LINE: problem and exits 1, or a summary of the cluster and exits 0.")
      ->type_name("FILE")
      ->excludes(out_option);
  app.add_option("--hosts", options.hosts,
                 "Comma-separated replica hosts: one per replica in id order, or a single host for all.\n"
                 "Default: 127.0.0.1 for every replica.")
      ->delimiter(',')
      ->type_name("HOST,...");
  app.add_option("--base-port", options.base_port,
                 "Replica i listens on base-port + i (on every host, so replicas sharing a host never clash).")
      ->capture_default_str();
  app.add_option("--client-auth", client_auth,
                 "How replicas authenticate client requests: signature (Ed25519; robust against faulty\n"
                 "clients) or mac (one MAC per replica; faster, but a faulty client can force view changes).")
      ->check(CLI::IsMember({"signature", "mac"}))
      ->capture_default_str();
  CLI::Option* cluster_id_option =
      app.add_option("--cluster-id", cluster_id, "Cluster id carried by every message (1 to 2^63-1). Default: random.");
  app.add_flag("--force", force, "Overwrite an existing cluster.toml and key files. Default: refuse.");
  CLI11_PARSE(app, argc, argv);

  if (!check.empty()) {
    const auto loaded = loyal::cluster::load_cluster_file(check);
    if (!loaded) return fail(loaded.error().message);
    std::cout << check << ": ok: " << loyal::to_string(loaded->protocol) << ", " << loaded->replica_count()
              << " replicas tolerating f = " << loaded->max_faulty() << ", " << loaded->client_count()
              << " clients, cluster id " << loaded->cluster_id << "\n";
    return 0;
  }
  if (out.empty()) return fail("--out DIR is required (or --check FILE to check a cluster file); see --help");

  options.protocol = *loyal::parse_protocol_mode(protocol);
  options.client_auth = *loyal::cluster::parse_client_auth(client_auth);
  if (cluster_id_option->count() > 0) options.cluster_id = cluster_id;

  auto cluster = loyal::cluster::generate_cluster(options);
  if (!cluster) return fail(cluster.error().message);
  const std::filesystem::path directory(out);
  const auto overwrite = force ? loyal::crypto::Overwrite::allow : loyal::crypto::Overwrite::refuse;
  if (auto written = loyal::cluster::write_cluster_directory(directory, *cluster, overwrite); !written) {
    return fail(written.error().message);
  }
  const auto loaded = loyal::cluster::load_cluster_file(loyal::cluster::cluster_file_path(directory));
  if (!loaded) return fail("the cluster file just written does not load back:\n" + loaded.error().message);
  if (*loaded != cluster->config) return fail("the cluster file just written loads back different from what was generated");
  print_summary(directory, *loaded);
  const auto foreign = loyal::cluster::foreign_key_files(directory, *loaded);
  if (!foreign.empty()) {
    std::cout << "Note: " << foreign.size() << " other file(s) in " << loyal::cluster::keys_directory_path(directory).string()
              << " belong to no node of this cluster (left from an earlier one?); remove them if so:\n";
    for (const std::filesystem::path& path : foreign) std::cout << "  " << path.string() << "\n";
  }
  return 0;
}
