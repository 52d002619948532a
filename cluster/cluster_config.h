#pragma once
// The cluster file (cluster.toml) as a value: who the replicas and clients are, how to reach the
// replicas, their public keys, and the protocol parameters. cluster/cluster_loader.h is the one
// place that parses the file; everything else receives a ClusterConfig.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ids.h"
#include "crypto/key_exchange.h"
#include "crypto/signing.h"

namespace loyal::cluster {

// Limits on what a cluster file may describe. kMaxReplicas and kMaxClients are the same numbers
// as net::kMaxReplicas and net::kMaxClients (the wire format's limits); this folder does not
// depend on net/, so code that uses both should assert that they agree.
inline constexpr std::uint32_t kMaxReplicas = 128;
inline constexpr std::uint32_t kMaxClients = 1u << 16;
// PBFT tolerates f Byzantine replicas with n >= 3f+1; a cluster that tolerates none is pointless.
inline constexpr std::uint32_t kMinPbftReplicas = 4;
// Raft and Multi-Paxos tolerate f crashes with n >= 2f+1.
inline constexpr std::uint32_t kMinCrashTolerantReplicas = 3;
// Raft and Multi-Paxos also run on exactly one replica, which tolerates no crash at all: for
// development, and as the "unreplicated" baseline of benchmarks (same client, admission, app and
// transport, no replication).
inline constexpr std::uint32_t kSingleReplica = 1;
// TOML integers are signed 64-bit, so that is the largest cluster id a file can hold.
inline constexpr std::uint64_t kMaxClusterId = std::numeric_limits<std::int64_t>::max();
// A batch travels inside one PRE-PREPARE (or log entry), which must fit one frame on the wire
// (4 MiB) with room to spare for the envelope and the protocol header.
inline constexpr std::uint32_t kMaxBatchBytes = 2u << 20;
inline constexpr std::uint32_t kMaxBatchRequests = 1u << 13;
// L bounds how many sequence numbers are in progress at once, hence the size of the PBFT log.
inline constexpr std::uint32_t kMaxWindow = 1u << 16;
inline constexpr std::uint32_t kMaxDurationMs = 3'600'000;  // no timeout or interval beyond an hour
inline constexpr std::uint32_t kMaxTickMs = 1000;
// 65536 clients with their keys take about 10 MiB of TOML; anything far larger is not a cluster file.
inline constexpr std::size_t kMaxClusterFileBytes = 64u << 20;

static_assert(kMinPbftReplicas <= kMaxReplicas && kMinCrashTolerantReplicas <= kMaxReplicas);
static_assert(kMaxReplicas - 1 <= std::numeric_limits<ReplicaId>::max());
static_assert(kMaxClients - 1 <= std::numeric_limits<ClientId>::max());

enum class ClientAuth : std::uint8_t {
  signature,  // Ed25519 per request: robust against faulty clients (the default)
  mac,        // one keyed BLAKE2b MAC per replica: faster, but a faulty client can force a view change
};

struct ReplicaInfo {
  ReplicaId id = 0;
  std::string host;
  std::uint16_t port = 0;
  crypto::PublicKey public_key;
  crypto::ExchangePublicKey exchange_public_key;

  friend bool operator==(const ReplicaInfo&, const ReplicaInfo&) = default;
};

struct ClientInfo {
  ClientId id = 0;
  crypto::PublicKey public_key;
  crypto::ExchangePublicKey exchange_public_key;

  friend bool operator==(const ClientInfo&, const ClientInfo&) = default;
};

// Protocol parameters. Times are milliseconds in the file; the runtime turns them into ticks.
// The ranges and relationships the loader enforces are in cluster/cluster_rules.h.
struct Parameters {
  ClientAuth client_auth = ClientAuth::signature;
  std::uint32_t batch_max_requests = 64;
  std::uint32_t batch_max_bytes = 256 * 1024;
  std::uint32_t batch_linger_ms = 1;
  std::uint32_t batch_max_in_flight = 1;    // leader's partial batches in flight before the next waits
  // Larger K would checkpoint less often (each checkpoint snapshots the whole application: Raft in
  // loyal-bench gains a tenth at K = 512), but PBFT's VIEW-CHANGE carries a prepared certificate per
  // slot above the stable checkpoint and its NEW-VIEW three such messages: at K = 512 they outgrow
  // the 4 MiB frame limit under load, and the view change cannot complete.
  std::uint32_t checkpoint_interval = 128;  // K: sequence numbers between checkpoints
  std::uint32_t window = 256;               // L: high watermark = low watermark + L
  std::uint32_t request_timeout_ms = 500;   // PBFT: backup's timer before it starts a view change
  std::uint32_t view_change_timeout_ms = 1000;
  std::uint32_t election_timeout_min_ms = 300;  // Raft/Paxos leader failure detection
  std::uint32_t election_timeout_max_ms = 600;
  std::uint32_t heartbeat_ms = 50;
  // A client retransmits to all replicas after this. It bounds how soon backups hear of requests a
  // silent PBFT primary sits on (their timers start then), so it is most of a view change's delay.
  std::uint32_t client_retry_ms = 300;
  std::uint32_t max_request_bytes = 64 * 1024;
  std::uint32_t tick_ms = 1;                // one logical tick of the deterministic cores

  friend bool operator==(const Parameters&, const Parameters&) = default;
};

// The defaults must pass the loader's relationship checks: a file without [parameters] is valid.
static_assert(Parameters{}.window % Parameters{}.checkpoint_interval == 0);
static_assert(Parameters{}.window >= 2 * Parameters{}.checkpoint_interval);
static_assert(Parameters{}.election_timeout_min_ms < Parameters{}.election_timeout_max_ms);
static_assert(Parameters{}.heartbeat_ms < Parameters{}.election_timeout_min_ms);
static_assert(Parameters{}.max_request_bytes <= Parameters{}.batch_max_bytes);
static_assert(Parameters{}.batch_max_bytes <= kMaxBatchBytes);
static_assert(Parameters{}.window <= kMaxWindow);
static_assert(Parameters{}.batch_max_in_flight <= Parameters{}.window);

struct ClusterConfig {
  std::uint64_t cluster_id = 0;
  ProtocolMode protocol = ProtocolMode::pbft;
  std::vector<ReplicaInfo> replicas;  // replicas[i].id == i
  std::vector<ClientInfo> clients;    // clients[i].id == i
  Parameters parameters;

  std::uint32_t replica_count() const { return static_cast<std::uint32_t>(replicas.size()); }
  std::uint32_t client_count() const { return static_cast<std::uint32_t>(clients.size()); }
  // Faults tolerated: Byzantine for pbft (n >= 3f+1), crashes for raft and paxos (n >= 2f+1).
  std::uint32_t max_faulty() const;

  friend bool operator==(const ClusterConfig&, const ClusterConfig&) = default;
};

// Faults tolerated by `replica_count` replicas running `protocol`.
std::uint32_t max_faulty(ProtocolMode protocol, std::uint32_t replica_count);

std::string_view to_string(ClientAuth auth);
std::optional<ClientAuth> parse_client_auth(std::string_view name);

}  // namespace loyal::cluster
