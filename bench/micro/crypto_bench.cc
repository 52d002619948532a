// Costs of the cryptographic primitives, which bound what each protocol can do per request.
//   build/bin/loyal-micro-crypto

#include <benchmark/benchmark.h>

#include "crypto/digest.h"
#include "crypto/key_exchange.h"
#include "crypto/mac.h"
#include "crypto/signing.h"

namespace loyal::crypto {
namespace {

Bytes payload(std::size_t size) { return Bytes(size, 0xab); }

void BM_Ed25519Sign(benchmark::State& state) {
  const SigningKey key = SigningKey::generate();
  const Bytes message = payload(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(key.sign(message));
}
BENCHMARK(BM_Ed25519Sign)->Arg(56)->Arg(1024);

void BM_Ed25519Verify(benchmark::State& state) {
  const SigningKey key = SigningKey::generate();
  const Bytes message = payload(static_cast<std::size_t>(state.range(0)));
  const Signature signature = key.sign(message);
  for (auto _ : state) benchmark::DoNotOptimize(verify_signature(key.public_key(), message, signature));
}
BENCHMARK(BM_Ed25519Verify)->Arg(56)->Arg(1024);

void BM_Blake2bMac(benchmark::State& state) {
  const MacKey key;
  const Bytes message = payload(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(compute_mac(key, message));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Blake2bMac)->Arg(56)->Arg(256)->Arg(4096);

void BM_Sha256(benchmark::State& state) {
  const Bytes message = payload(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(sha256(message));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Sha256)->Arg(64)->Arg(4096)->Arg(64 * 1024);

void BM_PairwiseKeyDerivation(benchmark::State& state) {
  const ExchangeKey mine = ExchangeKey::generate();
  const ExchangeKey theirs = ExchangeKey::generate();
  for (auto _ : state) benchmark::DoNotOptimize(derive_pairwise_keys(mine, theirs.public_key()).ok());
}
BENCHMARK(BM_PairwiseKeyDerivation);

}  // namespace
}  // namespace loyal::crypto

BENCHMARK_MAIN();
