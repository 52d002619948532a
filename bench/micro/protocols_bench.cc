// What each protocol costs per committed request when nothing but the protocol runs: an
// in-process cluster of real pipelines, cores and key-value stores (bench/micro/bench_cluster.h),
// one thread, no network, no disk. PBFT with n = 4, Raft and Multi-Paxos with n = 3; batches of 1
// and of 64 requests, values of 64 bytes; real Ed25519 signatures, again with client requests
// MAC'd instead of signed (client_auth = "mac"), and again with the cheap signature stand-in
// (tests/support FastSigner) to separate crypto cost from protocol cost.
//
// An iteration is one round: every client submits a put and waits for its reply. The clients'
// own work (signing, checking replies) is left out of the time; everything the replicas do for
// them is in it, summed over all replicas, as if the cluster ran on one core. Stopping the clock
// for the clients costs about 0.4 us of CPU per round, inside the measurement (2% of the
// cheapest round). So:
//   items_per_second  committed requests per second of (all replicas') CPU;
//   msgs/batch        replica-to-replica frames per committed batch;
//   bytes/req         replica-to-replica bytes per committed request;
//   sigs/req          signatures made by replicas per request;
//   verifies/req      signature checks by replicas per request (client requests' included);
//   persist_bytes/req journal record bytes per request, summed over replicas;
//   stall_ticks       ticks a round needed (0 in a healthy run: no timer does the work);
//   drops             frames any replica dropped (0 in a healthy run).
//
//   build/bin/loyal-micro-protocols --benchmark_min_time=0.2

#include <cstdint>
#include <string>

#include <benchmark/benchmark.h>

#include "bench/micro/bench_cluster.h"

namespace loyal::bench {
namespace {

constexpr std::uint32_t kValueBytes = 64;

// Stops the benchmark's clock while the clients work.
class PausedForClients final : public ClientPhase {
 public:
  explicit PausedForClients(benchmark::State& state) : state_(state) {}
  void begin() override { state_.PauseTiming(); }
  void end() override { state_.ResumeTiming(); }

 private:
  benchmark::State& state_;
};

double per(std::uint64_t count, std::uint64_t unit) {
  return unit == 0 ? 0.0 : static_cast<double>(count) / static_cast<double>(unit);
}

void BM_Protocol(benchmark::State& state, ProtocolMode mode, std::uint32_t replicas, SignatureScheme signatures,
                 cluster::ClientAuth client_auth) {
  const auto batch = static_cast<std::uint32_t>(state.range(0));
  const auto clients = static_cast<std::uint32_t>(state.range(1));
  BenchCluster cluster({.mode = mode,
                        .replicas = replicas,
                        .clients = clients,
                        .batch_max_requests = batch,
                        .value_bytes = kValueBytes,
                        .signatures = signatures,
                        .client_auth = client_auth});
  if (const Status started = cluster.start(); !started.ok()) {
    state.SkipWithError(started.error().message.c_str());
    return;
  }
  const ClusterTotals before = cluster.totals();
  PausedForClients paused(state);
  for (auto _ : state) {
    if (const Status round = cluster.run_round(&paused); !round.ok()) {
      state.SkipWithError(round.error().message.c_str());
      break;
    }
  }
  const ClusterTotals run = cluster.totals() - before;
  state.SetItemsProcessed(static_cast<std::int64_t>(run.requests_completed));
  state.counters["msgs/batch"] = per(run.replica_messages, run.batches_committed);
  state.counters["bytes/req"] = per(run.replica_message_bytes, run.requests_completed);
  state.counters["sigs/req"] = per(run.signatures, run.requests_completed);
  state.counters["verifies/req"] = per(run.verifications, run.requests_completed);
  state.counters["persist_bytes/req"] = per(run.persisted_bytes, run.requests_completed);
  state.counters["stall_ticks"] = static_cast<double>(run.ticks);
  state.counters["drops"] = static_cast<double>(run.dropped);
}

// One client, one request per batch: the cost of a lone request. 64 clients with batches of 1:
// 64 sequence numbers in flight at once. 64 clients with batches of 64: one full batch a round.
void batches(benchmark::internal::Benchmark* benchmark) {
  benchmark->ArgNames({"batch", "clients"})->Args({1, 1})->Args({1, 64})->Args({64, 64});
  benchmark->Unit(benchmark::kMicrosecond);
}

constexpr auto kEd25519 = SignatureScheme::ed25519;
constexpr auto kFast = SignatureScheme::fast;
constexpr auto kSignedRequests = cluster::ClientAuth::signature;
constexpr auto kMacRequests = cluster::ClientAuth::mac;

// <mode>_<replica signatures>[_mac: client requests MAC'd instead of signed].
BENCHMARK_CAPTURE(BM_Protocol, pbft_ed25519, ProtocolMode::pbft, 4, kEd25519, kSignedRequests)->Apply(batches);
BENCHMARK_CAPTURE(BM_Protocol, pbft_ed25519_mac, ProtocolMode::pbft, 4, kEd25519, kMacRequests)->Apply(batches);
BENCHMARK_CAPTURE(BM_Protocol, pbft_fast, ProtocolMode::pbft, 4, kFast, kSignedRequests)->Apply(batches);
BENCHMARK_CAPTURE(BM_Protocol, raft_ed25519, ProtocolMode::raft, 3, kEd25519, kSignedRequests)->Apply(batches);
BENCHMARK_CAPTURE(BM_Protocol, raft_ed25519_mac, ProtocolMode::raft, 3, kEd25519, kMacRequests)->Apply(batches);
BENCHMARK_CAPTURE(BM_Protocol, raft_fast, ProtocolMode::raft, 3, kFast, kSignedRequests)->Apply(batches);
BENCHMARK_CAPTURE(BM_Protocol, paxos_ed25519, ProtocolMode::paxos, 3, kEd25519, kSignedRequests)->Apply(batches);
BENCHMARK_CAPTURE(BM_Protocol, paxos_ed25519_mac, ProtocolMode::paxos, 3, kEd25519, kMacRequests)->Apply(batches);
BENCHMARK_CAPTURE(BM_Protocol, paxos_fast, ProtocolMode::paxos, 3, kFast, kSignedRequests)->Apply(batches);

}  // namespace
}  // namespace loyal::bench

BENCHMARK_MAIN();
