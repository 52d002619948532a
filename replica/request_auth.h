#pragma once
// Checks that a client request really comes from its client, by the cluster's client_auth mode:
//  - signature: the client's Ed25519 signature over the request's AuthInput;
//  - mac: this replica's entry of the client's MAC vector (a replica cannot check the others').
// Used at admission and again by every replica for each request inside a proposed batch, so a
// leader cannot invent or alter requests. Immutable after construction and thread-safe: the
// runtime calls it from the verification pool.

#include <vector>

#include "cluster/cluster_config.h"
#include "crypto/mac.h"
#include "crypto/signer.h"
#include "net/authentication.h"
#include "replica/request.h"

namespace loyal::replica {

class RequestAuthenticator {
 public:
  // `receive_keys_by_client[c]` is the client c -> this replica MAC key (used in mac mode only).
  // `verifier` must outlive this object.
  RequestAuthenticator(std::uint64_t cluster_id, ProtocolMode mode, ReplicaId self, cluster::ClientAuth client_auth,
                       const crypto::Verifier& verifier, std::vector<crypto::MacKey> receive_keys_by_client);

  // The header a client's request envelope carries; the AuthInput is computed over it.
  net::EnvelopeHeader request_header(ClientId client) const;

  // False for an authenticator of the wrong kind for the cluster's mode, an unknown client, or a
  // signature/MAC that does not match `request.body`.
  bool authentic(const ClientRequest& request) const;

  cluster::ClientAuth client_auth() const { return client_auth_; }

 private:
  std::uint64_t cluster_id_;
  ProtocolMode mode_;
  ReplicaId self_;
  cluster::ClientAuth client_auth_;
  const crypto::Verifier& verifier_;
  std::vector<crypto::MacKey> receive_keys_by_client_;
};

}  // namespace loyal::replica
