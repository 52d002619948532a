#pragma once
// Signatures and MACs over envelopes. What is covered is the AuthInput: a domain-separation prefix
// (a tag naming this layout and the wire version, then cluster id, mode, kind, sender) followed by
// SHA-256 of the exact body bytes as received. Nothing is re-encoded before verification, and a
// message for one cluster, mode or kind cannot be replayed as another. The body is hashed once,
// however many MACs an authenticator holds.
//
// Layout (56 bytes, integers little-endian):
//   "loyal/a2" | cluster_id u64 | mode u8 | kind u16 | sender role u8 | sender index u32 |
//   SHA-256(body) 32 bytes

#include <array>
#include <cstdint>
#include <span>

#include "common/bytes.h"
#include "common/ids.h"
#include "crypto/mac.h"
#include "crypto/signer.h"
#include "net/envelope.h"

namespace loyal::net {

struct AuthInput {
  static constexpr std::size_t kSize = 56;
  std::array<std::uint8_t, kSize> bytes{};
  ByteView view() const { return bytes; }
};

AuthInput make_auth_input(const EnvelopeHeader& header, ByteView body);

// Each function below computes the AuthInput itself; callers that already have it (the
// verification pool) use the overloads taking it, to hash the body only once.
void sign_envelope(Envelope& envelope, const crypto::Signer& signer);
bool verify_envelope_signature(const Envelope& envelope, const crypto::Verifier& verifier);
// The exact frame `header.sender` sends with `body`: the envelope signed with `signer`, encoded.
// Ed25519 is deterministic, so one message always makes the same frame, wherever it is made.
Bytes signed_frame(const EnvelopeHeader& header, Bytes body, const crypto::Signer& signer);
bool verify_envelope_signature(const Envelope& envelope, const AuthInput& input,
                               const crypto::Verifier& verifier);

// Single MAC for one receiver, with the sender->receiver key.
void attach_mac(Envelope& envelope, const crypto::MacKey& send_key);
bool verify_envelope_mac(const Envelope& envelope, const crypto::MacKey& receive_key);

// A PBFT authenticator: entry i is the MAC for replica i, computed with the sender->replica i key.
void attach_mac_vector(Envelope& envelope, std::span<const crypto::MacKey> send_keys_by_replica);
// Checks only the entry for `receiver` (a replica cannot check the others' entries).
bool verify_envelope_mac_vector_entry(const Envelope& envelope, ReplicaId receiver,
                                      const crypto::MacKey& receive_key);

}  // namespace loyal::net
