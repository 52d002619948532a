#include "tests/sim/sim_client.h"

#include <optional>
#include <string>

#include "apps/kv/kv_operations.h"

namespace loyal::sim {

namespace {
// "k3", "v1": a letter and a small number.
Bytes named(char letter, std::uint64_t number) {
  std::string name(1, letter);
  name += std::to_string(number);
  return to_bytes(name);
}
}  // namespace

Bytes KvWorkload::key() { return named('k', prng_.below(kKeys)); }
Bytes KvWorkload::value() {
  const std::uint64_t index = prng_.below(kValues);
  Bytes value = named('v', index);
  // Padded deterministically, so equal names are equal values for the checkers.
  if (value_step_bytes_ != 0) value.resize((index + 1) * value_step_bytes_, static_cast<std::uint8_t>('a' + index));
  return value;
}

Bytes KvWorkload::next_operation() {
  // Percentages: 35 put, 30 get, 10 delete, 25 compare-and-swap (a fifth of them create-if-absent).
  const std::uint64_t roll = prng_.below(100);
  const Bytes k = key();
  if (roll < 35) return kv::encode_put(k, value());
  if (roll < 65) return kv::encode_get(k);
  if (roll < 75) return kv::encode_delete(k);
  const Bytes new_value = value();
  if (prng_.chance(1, 5)) return kv::encode_compare_and_swap(k, std::nullopt, new_value);
  const Bytes expected = value();
  return kv::encode_compare_and_swap(k, ByteView(expected), new_value);
}

SimClient::SimClient(const client::ClientOptions& options, const SimCrypto& crypto, SimNetwork& network,
                     std::uint64_t workload_seed, Checkers& checkers, std::size_t value_step_bytes,
                     Tick think_ticks)
    : id_(options.id),
      replica_count_(options.replica_count),
      core_(options, crypto.signer(NodeId::client(options.id)), crypto.keys().client_to_replicas(options.id),
            crypto.keys().replicas_to_client(options.id)),
      network_(network),
      checkers_(checkers),
      workload_(workload_seed, value_step_bytes),
      think_ticks_(think_ticks) {}

void SimClient::on_frame(ByteView frame, Tick now) {
  client::ClientOutput output;
  core_.on_frame(frame, now, output);
  drain(output, now);
}

void SimClient::on_tick(Tick now, bool submit_new) {
  client::ClientOutput output;
  core_.on_tick(now, output);
  if (submit_new && !core_.busy() && now >= idle_since_ + think_ticks_) {
    const std::uint64_t request_number = core_.submit(workload_.next_operation(), now, output);
    checkers_.on_submitted(id_, request_number);
  }
  drain(output, now);
}

void SimClient::drain(client::ClientOutput& output, Tick now) {
  const NodeId self = NodeId::client(id_);
  for (const client::ClientSend& send : output.send) {
    if (send.to) {
      network_.send(now, self, NodeId::replica(*send.to), send.frame);
    } else {
      for (ReplicaId r = 0; r < replica_count_; ++r) network_.send(now, self, NodeId::replica(r), send.frame);
    }
  }
  for (const client::Completion& completion : output.completed) checkers_.on_completed(id_, completion);
  if (!output.completed.empty()) idle_since_ = now;
}

}  // namespace loyal::sim
