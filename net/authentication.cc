#include "net/authentication.h"

#include <algorithm>
#include <string_view>
#include <variant>

#include "crypto/digest.h"
#include "net/envelope_codec.h"

namespace loyal::net {

namespace {

// Names this layout. It changes whenever the layout or the wire version does, so an input built
// one way can never be mistaken for one built another way.
constexpr std::string_view kAuthTag = "loyal/a2";
static_assert(kWireVersion == 2, "kAuthTag names wire version 2: change them together");
static_assert(kAuthTag.size() + sizeof(std::uint64_t) + sizeof(std::uint8_t) + sizeof(std::uint16_t) +
                      sizeof(std::uint8_t) + sizeof(std::uint32_t) + crypto::Digest::kSize ==
                  AuthInput::kSize,
              "the layout documented in authentication.h fills AuthInput exactly");

template <typename Unsigned>
std::uint8_t* put_little_endian(std::uint8_t* out, Unsigned value) {
  for (std::size_t i = 0; i < sizeof(Unsigned); ++i) {
    *out++ = static_cast<std::uint8_t>(static_cast<std::uint64_t>(value) >> (8 * i));
  }
  return out;
}

}  // namespace

AuthInput make_auth_input(const EnvelopeHeader& header, ByteView body) {
  AuthInput input;
  std::uint8_t* out = std::copy(kAuthTag.begin(), kAuthTag.end(), input.bytes.data());
  out = put_little_endian(out, header.cluster_id);
  out = put_little_endian(out, static_cast<std::uint8_t>(header.mode));
  out = put_little_endian(out, static_cast<std::uint16_t>(header.kind));
  out = put_little_endian(out, static_cast<std::uint8_t>(header.sender.role));
  out = put_little_endian(out, header.sender.index);
  const crypto::Digest body_digest = crypto::sha256(body);
  std::copy(body_digest.bytes.begin(), body_digest.bytes.end(), out);
  return input;
}

void sign_envelope(Envelope& envelope, const crypto::Signer& signer) {
  envelope.authenticator = signer.sign(make_auth_input(envelope.header, envelope.body).view());
}

Bytes signed_frame(const EnvelopeHeader& header, Bytes body, const crypto::Signer& signer) {
  Envelope envelope{header, std::move(body), NoAuthenticator{}};
  sign_envelope(envelope, signer);
  return encode_envelope(envelope);
}

bool verify_envelope_signature(const Envelope& envelope, const crypto::Verifier& verifier) {
  // Checked before hashing the body: an envelope without a signature costs nothing to refuse.
  if (!std::holds_alternative<crypto::Signature>(envelope.authenticator)) return false;
  return verify_envelope_signature(envelope, make_auth_input(envelope.header, envelope.body), verifier);
}

bool verify_envelope_signature(const Envelope& envelope, const AuthInput& input, const crypto::Verifier& verifier) {
  const auto* signature = std::get_if<crypto::Signature>(&envelope.authenticator);
  return signature != nullptr && verifier.verify(envelope.header.sender, input.view(), *signature);
}

void attach_mac(Envelope& envelope, const crypto::MacKey& send_key) {
  envelope.authenticator = crypto::compute_mac(send_key, make_auth_input(envelope.header, envelope.body).view());
}

bool verify_envelope_mac(const Envelope& envelope, const crypto::MacKey& receive_key) {
  const auto* mac = std::get_if<crypto::Mac>(&envelope.authenticator);
  return mac != nullptr &&
         crypto::verify_mac(receive_key, make_auth_input(envelope.header, envelope.body).view(), *mac);
}

void attach_mac_vector(Envelope& envelope, std::span<const crypto::MacKey> send_keys_by_replica) {
  const AuthInput input = make_auth_input(envelope.header, envelope.body);
  MacVector macs;
  macs.reserve(send_keys_by_replica.size());
  for (const crypto::MacKey& key : send_keys_by_replica) macs.push_back(crypto::compute_mac(key, input.view()));
  envelope.authenticator = std::move(macs);
}

bool verify_envelope_mac_vector_entry(const Envelope& envelope, ReplicaId receiver,
                                      const crypto::MacKey& receive_key) {
  const auto* macs = std::get_if<MacVector>(&envelope.authenticator);
  if (macs == nullptr || receiver >= macs->size()) return false;
  return crypto::verify_mac(receive_key, make_auth_input(envelope.header, envelope.body).view(), (*macs)[receiver]);
}

}  // namespace loyal::net
