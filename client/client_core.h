#pragma once
// The sans-I/O client: request numbers, authentication, retransmission and reply acceptance,
// with no sockets or clocks. The simulator hosts hundreds of these; the blocking and asynchronous
// ZeroMQ clients and loyal-client are thin layers over it.
//
// One request is outstanding at a time (a closed loop), which is what the replicas' client table
// assumes: it keeps the last request number and reply per client for exactly-once execution.
//
// Acceptance per mode:
//  - pbft: f+1 replies from distinct replicas with valid MACs and the same result;
//  - raft, paxos: one reply with a valid MAC from the replica that names itself leader in it.
// Retransmission: the request first goes to the replica believed to lead; if no accepted reply
// arrives within `retry_ticks`, it is sent to every replica, and again every `retry_ticks`.

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "cluster/cluster_config.h"
#include "common/bytes.h"
#include "common/ids.h"
#include "crypto/mac.h"
#include "crypto/signer.h"
#include "net/limits.h"
#include "replica/request.h"
#include "replica/types.h"

namespace loyal::client {

struct ClientOptions {
  ClientId id = 0;
  std::uint64_t cluster_id = 0;
  ProtocolMode mode = ProtocolMode::pbft;
  std::uint32_t replica_count = 0;
  std::uint32_t max_faulty = 0;  // f
  std::uint32_t client_count = 0;
  cluster::ClientAuth client_auth = cluster::ClientAuth::signature;
  replica::Tick retry_ticks = 1000;
  // Request numbers must keep increasing across client restarts, or the replicas' client table
  // refuses the new requests as stale: the runtime passes a wall-clock-derived start, the
  // simulator 1.
  std::uint64_t first_request_number = 1;
  net::DecodeLimits limits;
};

// A frame (an encoded envelope) for one replica, or for every replica when `to` is empty.
struct ClientSend {
  std::optional<ReplicaId> to;
  Bytes frame;
};

struct Completion {
  std::uint64_t request_number = 0;
  Bytes result;
  replica::Tick submitted_at = 0;
  replica::Tick completed_at = 0;
};

// What a call produced; the caller drains it (sends the frames, hands completions to the user).
struct ClientOutput {
  std::vector<ClientSend> send;
  std::vector<Completion> completed;
};

// Why a reply frame was ignored, counted by name. Reasons are string literals or otherwise static
// strings, so the keys never dangle: "decode.<net::DecodeError name>", "not_a_reply", "from_client",
// "bad_mac", "bad_reply_body", "no_outstanding_request", "stale_reply".
struct ClientDrops {
  std::map<std::string_view, std::uint64_t> by_reason;
  void count(std::string_view reason) { ++by_reason[reason]; }
};

class ClientCore {
 public:
  // `signer` signs requests in signature mode and must outlive the core.
  // `send_keys_by_replica[r]`: this client -> replica r MAC key (mac mode request authenticators;
  // may be empty in signature mode);
  // `receive_keys_by_replica[r]`: replica r -> this client key (every reply is MAC'd).
  // Options and key tables that contradict each other are a caller bug and stop the process.
  ClientCore(ClientOptions options, const crypto::Signer& signer, std::vector<crypto::MacKey> send_keys_by_replica,
             std::vector<crypto::MacKey> receive_keys_by_replica);

  // Starts a request: its frame goes to the believed leader. Precondition: !busy(). Returns its
  // request number.
  std::uint64_t submit(Bytes operation, replica::Tick now, ClientOutput& out);

  // An untrusted frame from the network. Anything that is not a valid reply to the outstanding
  // request is dropped and counted.
  void on_frame(ByteView frame, replica::Tick now, ClientOutput& out);

  // Retransmits the outstanding request to every replica once its retry time has come.
  void on_tick(replica::Tick now, ClientOutput& out);

  // Gives up on the outstanding request (the caller's deadline passed): later replies to it are
  // dropped as stale, and the next submit() gets a higher request number. The abandoned request
  // may still execute at the replicas, at most once, so its outcome is unknown, not failed.
  void abandon() { outstanding_.reset(); }

  bool busy() const { return outstanding_.has_value(); }
  // Where the next request goes first: replica 0 until a reply names another leader.
  ReplicaId believed_leader() const { return leader_; }
  const ClientDrops& drops() const { return drops_; }
  std::uint64_t retransmissions() const { return retransmissions_; }

 private:
  struct Outstanding {
    std::uint64_t request_number = 0;
    Bytes frame;  // the signed/MAC'd envelope, resent unchanged on retransmission
    replica::Tick submitted_at = 0;
    replica::Tick next_retry_at = 0;
    std::map<ReplicaId, Bytes> replies;  // latest result per replica (pbft acceptance)
  };

  struct AuthenticReply {
    ReplicaId sender = 0;
    replica::ClientReply reply;
  };

  // The reply a frame carries if it is well-formed and MAC'd by its replica; else the drop reason.
  std::variant<AuthenticReply, std::string_view> read_reply(ByteView frame) const;
  // Whether the replies recorded so far, the latest being `reply` from `sender`, complete the request.
  bool accepted(ReplicaId sender, const replica::ClientReply& reply) const;
  void complete(replica::Tick now, Bytes result, ClientOutput& out);

  ClientOptions options_;
  const crypto::Signer& signer_;
  std::vector<crypto::MacKey> send_keys_by_replica_;
  std::vector<crypto::MacKey> receive_keys_by_replica_;
  std::uint64_t next_request_number_;
  std::optional<Outstanding> outstanding_;
  ReplicaId leader_ = 0;
  ClientDrops drops_;
  std::uint64_t retransmissions_ = 0;
};

}  // namespace loyal::client
