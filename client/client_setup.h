#pragma once
// From a cluster file and a client id to a ready ClientCore: the one place where a client process
// turns its files into keys and options. The blocking and asynchronous clients and loyal-client
// all start here, and the cluster file is parsed by the one loader (cluster/cluster_loader.h).
//
// Every failure is a plain-words Error naming the file and the problem: a cluster file that does
// not load, a client id the cluster does not have, a key file that is missing, unreadable,
// belongs to another node, or does not match the public keys the cluster file lists for this
// client.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "client/client_core.h"
#include "cluster/cluster_config.h"
#include "common/ids.h"
#include "common/result.h"
#include "crypto/key_file.h"
#include "crypto/signer.h"
#include "net/transport.h"

namespace loyal::client {

// A configured client: the core with the signer it borrows, and where the replicas listen.
// Movable as a whole; the signer lives on the heap so the core's reference to it survives moves.
// Destruction order follows declaration order in reverse: the core goes before its signer.
struct ClientSetup {
  cluster::ClusterConfig cluster;
  ClientOptions options;
  std::vector<net::PeerAddress> replica_addresses;  // [r] is replica r's cluster-file address
  std::unique_ptr<crypto::Ed25519Signer> signer;
  std::unique_ptr<ClientCore> core;
};

struct ClientSetupOptions {
  ClientId id = 0;
  // None: DIR/keys/client-<id>.key next to the cluster file (the layout loyal-keygen writes).
  std::optional<std::filesystem::path> key_file;
  // None: first_request_number_from_wall_clock() when the setup is built.
  std::optional<std::uint64_t> first_request_number;
  // None: the cluster file's protocol. Must match the replicas' --protocol: they drop (and
  // report) requests sent for another mode.
  std::optional<ProtocolMode> protocol;
};

// A request number above every number this client can have used before, whatever happened to its
// earlier runs: microseconds since the Unix epoch. Each request takes far longer than a
// microsecond (a network round trip at least), so an earlier run that started before `now` has
// used numbers below `now`. Correct as long as the wall clock does not step back across restarts.
std::uint64_t first_request_number_from_wall_clock(std::chrono::system_clock::time_point now);

// Loads `cluster_file`, reads and checks the client's key file, derives the MAC keys and builds
// the core. The client's ticks are milliseconds: retry_ticks is the cluster's client_retry_ms.
Result<ClientSetup> load_client_setup(const std::filesystem::path& cluster_file, const ClientSetupOptions& options);

// The same from a cluster already loaded and secrets already read (tests, embedders that keep
// keys elsewhere). `key_source` names where the secrets came from, for error messages.
Result<ClientSetup> make_client_setup(cluster::ClusterConfig cluster, const crypto::NodeSecrets& secrets,
                                      std::string_view key_source, std::uint64_t first_request_number);

}  // namespace loyal::client
