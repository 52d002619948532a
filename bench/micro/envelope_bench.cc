// Cost of the envelope layer per message: encoding, decoding untrusted frames (with every check),
// and the authentication steps around them. Bodies of 64 B (votes), 1 KiB (requests) and 64 KiB
// (batches).

#include <array>
#include <vector>

#include <benchmark/benchmark.h>

#include "crypto/signer.h"
#include "net/authentication.h"
#include "net/envelope_codec.h"

namespace loyal::net {
namespace {

constexpr std::uint64_t kClusterId = 42;
constexpr std::uint32_t kReplicaCount = 4;

crypto::SigningKey bench_signing_key() {
  std::array<std::uint8_t, crypto::SigningKey::kSeedSize> seed{};
  seed.fill(7);
  return crypto::SigningKey::from_seed(crypto::SigningKey::Seed(seed));
}

Envelope bench_envelope(std::size_t body_bytes) {
  Envelope envelope{
      .header = {.cluster_id = kClusterId, .mode = ProtocolMode::pbft, .sender = NodeId::replica(1),
                 .kind = MessageKind::pbft_pre_prepare},
      .body = Bytes(body_bytes),
      .authenticator = NoAuthenticator{},
  };
  for (std::size_t i = 0; i < body_bytes; ++i) envelope.body[i] = static_cast<std::uint8_t>(i * 13);
  sign_envelope(envelope, crypto::Ed25519Signer(bench_signing_key()));
  return envelope;
}

void set_bytes_processed(benchmark::State& state) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void BM_EncodeEnvelope(benchmark::State& state) {
  const Envelope envelope = bench_envelope(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    Bytes frame = encode_envelope(envelope);
    benchmark::DoNotOptimize(frame.data());
  }
  set_bytes_processed(state);
}
BENCHMARK(BM_EncodeEnvelope)->Arg(64)->Arg(1024)->Arg(64 * 1024);

void BM_DecodeEnvelope(benchmark::State& state) {
  const Bytes frame = encode_envelope(bench_envelope(static_cast<std::size_t>(state.range(0))));
  const DecodeContext context{.cluster_id = kClusterId, .mode = ProtocolMode::pbft,
                              .replica_count = kReplicaCount, .client_count = 16, .limits = {}};
  for (auto _ : state) {
    auto decoded = decode_envelope(frame, context);
    benchmark::DoNotOptimize(decoded);
    if (!std::holds_alternative<Envelope>(decoded)) state.SkipWithError("frame refused");
  }
  set_bytes_processed(state);
}
BENCHMARK(BM_DecodeEnvelope)->Arg(64)->Arg(1024)->Arg(64 * 1024);

void BM_MakeAuthInput(benchmark::State& state) {
  const Envelope envelope = bench_envelope(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    AuthInput input = make_auth_input(envelope.header, envelope.body);
    benchmark::DoNotOptimize(input);
  }
  set_bytes_processed(state);
}
BENCHMARK(BM_MakeAuthInput)->Arg(64)->Arg(1024)->Arg(64 * 1024);

void BM_SignEnvelope(benchmark::State& state) {
  Envelope envelope = bench_envelope(static_cast<std::size_t>(state.range(0)));
  const crypto::Ed25519Signer signer(bench_signing_key());
  for (auto _ : state) {
    sign_envelope(envelope, signer);
    benchmark::DoNotOptimize(envelope.authenticator);
  }
  set_bytes_processed(state);
}
BENCHMARK(BM_SignEnvelope)->Arg(64)->Arg(1024)->Arg(64 * 1024);

void BM_VerifyEnvelopeSignature(benchmark::State& state) {
  const Envelope envelope = bench_envelope(static_cast<std::size_t>(state.range(0)));
  const crypto::Ed25519Verifier verifier({crypto::PublicKey{}, bench_signing_key().public_key()}, {});
  for (auto _ : state) {
    const bool valid = verify_envelope_signature(envelope, verifier);
    benchmark::DoNotOptimize(valid);
    if (!valid) state.SkipWithError("signature refused");
  }
  set_bytes_processed(state);
}
BENCHMARK(BM_VerifyEnvelopeSignature)->Arg(64)->Arg(1024)->Arg(64 * 1024);

void BM_AttachMacVector4Replicas(benchmark::State& state) {
  Envelope envelope = bench_envelope(static_cast<std::size_t>(state.range(0)));
  std::vector<crypto::MacKey> keys(kReplicaCount);
  for (std::size_t i = 0; i < keys.size(); ++i) keys[i].mutable_view()[0] = static_cast<std::uint8_t>(i + 1);
  for (auto _ : state) {
    attach_mac_vector(envelope, keys);
    benchmark::DoNotOptimize(envelope.authenticator);
  }
  set_bytes_processed(state);
}
BENCHMARK(BM_AttachMacVector4Replicas)->Arg(64)->Arg(1024)->Arg(64 * 1024);

}  // namespace
}  // namespace loyal::net

BENCHMARK_MAIN();
