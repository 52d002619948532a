#pragma once
// Real keys, real signed frames and a pipeline stand-in for PBFT's unit tests: everything reaches
// a core the way the runtime delivers it (decode the envelope, verify the Ed25519 signature,
// validate, on_message), so the tests exercise the validator and the core together.

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "crypto/digest.h"
#include "crypto/signer.h"
#include "net/envelope_codec.h"
#include "pbft/messages.h"
#include "pbft/options.h"
#include "pbft/pbft_core.h"
#include "replica/protocol.h"
#include "replica/request.h"
#include "replica/request_auth.h"

namespace loyal::pbft::testing {

inline constexpr std::uint64_t kClusterId = 7;
inline constexpr std::uint32_t kClientCount = 4;

// Small K and L, so watermark edges and garbage collection show up within a few sequence numbers.
PbftOptions small_options(ReplicaId self, std::uint32_t replica_count = 4, std::uint32_t max_faulty = 1);

// Every replica's and client's key pair (derived from fixed seeds), the verifier that knows them
// all, and one RequestAuthenticator per replica.
struct TestBatch {
  Bytes batch;
  crypto::Digest digest;
};

class TestKeys {
 public:
  explicit TestKeys(std::uint32_t replica_count,
                    cluster::ClientAuth client_auth = cluster::ClientAuth::signature);
  // The authenticators refer to verifier_, so the keys stay where they were built.
  TestKeys(const TestKeys&) = delete;
  TestKeys& operator=(const TestKeys&) = delete;

  std::uint32_t replica_count() const { return static_cast<std::uint32_t>(replica_signers_.size()); }
  const crypto::Verifier& verifier() const { return verifier_; }
  const crypto::Signer& signer(ReplicaId replica) const { return replica_signers_[replica]; }
  const replica::RequestAuthenticator& authenticator(ReplicaId replica) const { return *authenticators_[replica]; }
  net::DecodeContext decode_context() const;

  // A client request authenticated by its client (signed, or with a MAC vector in mac mode), as
  // it travels inside a batch. In mac mode the entries of `bad_for` are wrong: what a faulty
  // client sends to make replicas disagree about it.
  replica::ClientRequest client_request(ClientId client, std::uint64_t request_number, std::string_view operation,
                                        const std::vector<ReplicaId>& bad_for = {}) const;
  // The envelope replica `from` sends with `body`, signed with its key and encoded: the exact frame
  // on the wire.
  // `attachment` rides outside the signature (net/envelope.capnp): a PRE-PREPARE's batch.
  Bytes frame(ReplicaId from, net::MessageKind kind, ByteView body, ByteView attachment = {}) const;
  // The PRE-PREPARE `from` sends: signed, with the batch attached. What a replica keeps of it is
  // frame(from, pbft_pre_prepare, pre_prepare_body(...)), without the batch.
  Bytes pre_prepare(ReplicaId from, View view, Sequence sequence, const TestBatch& batch) const;

 private:
  std::vector<crypto::Ed25519Signer> replica_signers_;
  std::vector<crypto::Ed25519Signer> client_signers_;
  crypto::Ed25519Verifier verifier_;
  cluster::ClientAuth client_auth_;
  std::vector<std::unique_ptr<replica::RequestAuthenticator>> authenticators_;
};

// A batch of `count` authentic requests from `client`, numbered from `first_request_number`.
TestBatch make_batch(const TestKeys& keys, ClientId client, std::uint64_t first_request_number, std::uint32_t count);
TestBatch make_batch(const replica::Batch& batch);

Bytes pre_prepare_body(View view, Sequence sequence, const TestBatch& batch);
// What the pipeline puts on the wire for a core's `outgoing`: its signed frame, with the
// attachment (a PRE-PREPARE's batch) added.
Bytes wire_frame(const replica::Outgoing& outgoing);
Bytes prepare_body(View view, Sequence sequence, const crypto::Digest& digest);
Bytes commit_body(View view, Sequence sequence, const crypto::Digest& digest);
Bytes checkpoint_body(Sequence sequence, const crypto::Digest& state_digest);
// A state digest standing in for a checkpoint snapshot's: distinct per `seed`.
crypto::Digest state_digest(std::string_view seed);

// The result of handing one frame to a core as the pipeline does.
struct Delivery {
  std::optional<std::string_view> dropped;  // the validator's reason, or the envelope layer's
  replica::Actions actions;
};
inline constexpr std::string_view kUndecodableEnvelope = "test.undecodable_envelope";
inline constexpr std::string_view kBadSignature = "test.bad_signature";

Delivery deliver(PbftCore& core, const TestKeys& keys, ByteView frame);

// Everything a core sent, whether at once or after its records were persisted, in that order.
std::vector<replica::Outgoing> sent_messages(const replica::Actions& actions);

// Only the `kind` messages among `sends`.
std::vector<replica::Outgoing> sent_of_kind(const replica::Actions& actions, net::MessageKind kind);

}  // namespace loyal::pbft::testing
