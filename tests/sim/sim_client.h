#pragma once
// One simulated client: the real sans-I/O client::ClientCore running a closed loop of random
// key-value operations (one outstanding at a time), with every submission and completion reported
// to the checkers as it happens.
//
// Ownership: the crypto, the network and the checkers are borrowed and must outlive the client.

#include <cstdint>

#include "client/client_core.h"
#include "common/prng.h"
#include "tests/sim/checkers.h"
#include "tests/sim/sim_crypto.h"
#include "tests/sim/sim_network.h"

namespace loyal::sim {

// Random put / get / delete / compare-and-swap operations over a small key and value space, so
// operations of different clients touch the same keys and compare-and-swaps sometimes succeed.
class KvWorkload {
 public:
  static constexpr std::uint64_t kKeys = 8;
  static constexpr std::uint64_t kValues = 4;

  // `value_step_bytes` 0: values are short names; otherwise value i is (i+1) * step bytes long.
  explicit KvWorkload(std::uint64_t seed, std::size_t value_step_bytes = 0)
      : prng_(seed), value_step_bytes_(value_step_bytes) {}
  Bytes next_operation();

 private:
  Bytes key();
  Bytes value();
  Prng prng_;
  std::size_t value_step_bytes_;
};

class SimClient {
 public:
  SimClient(const client::ClientOptions& options, const SimCrypto& crypto, SimNetwork& network,
            std::uint64_t workload_seed, Checkers& checkers, std::size_t value_step_bytes = 0,
            Tick think_ticks = 0);

  void on_frame(ByteView frame, Tick now);
  // Retransmits when due; when idle and `submit_new`, starts the next operation.
  void on_tick(Tick now, bool submit_new);

 private:
  void drain(client::ClientOutput& output, Tick now);

  ClientId id_;
  std::uint32_t replica_count_;
  client::ClientCore core_;
  SimNetwork& network_;
  Checkers& checkers_;
  KvWorkload workload_;
  Tick think_ticks_;
  Tick idle_since_ = 0;  // when the last operation completed
};

}  // namespace loyal::sim
