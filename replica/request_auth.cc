#include "replica/request_auth.h"

namespace loyal::replica {

RequestAuthenticator::RequestAuthenticator(std::uint64_t cluster_id, ProtocolMode mode, ReplicaId self,
                                           cluster::ClientAuth client_auth, const crypto::Verifier& verifier,
                                           std::vector<crypto::MacKey> receive_keys_by_client)
    : cluster_id_(cluster_id),
      mode_(mode),
      self_(self),
      client_auth_(client_auth),
      verifier_(verifier),
      receive_keys_by_client_(std::move(receive_keys_by_client)) {}

net::EnvelopeHeader RequestAuthenticator::request_header(ClientId client) const {
  return net::EnvelopeHeader{cluster_id_, mode_, NodeId::client(client), net::MessageKind::client_request};
}

bool RequestAuthenticator::authentic(const ClientRequest& request) const {
  const net::AuthInput input = net::make_auth_input(request_header(request.client), request.body);
  switch (client_auth_) {
    case cluster::ClientAuth::signature: {
      const auto* signature = std::get_if<crypto::Signature>(&request.authenticator);
      return signature != nullptr && verifier_.verify(NodeId::client(request.client), input.view(), *signature);
    }
    case cluster::ClientAuth::mac: {
      const auto* macs = std::get_if<net::MacVector>(&request.authenticator);
      if (macs == nullptr || self_ >= macs->size() || request.client >= receive_keys_by_client_.size()) return false;
      return crypto::verify_mac(receive_keys_by_client_[request.client], input.view(), (*macs)[self_]);
    }
  }
  return false;
}

}  // namespace loyal::replica
