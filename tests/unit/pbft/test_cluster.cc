#include "test_cluster.h"

#include <gtest/gtest.h>

#include "common/assert.h"

namespace loyal::pbft::testing {

namespace {

// Far more deliveries than any test needs; reaching it means the cores keep talking forever.
constexpr std::size_t kMaxDeliveriesPerRun = 1'000'000;

std::string describe(ReplicaId replica, const replica::Outgoing& outgoing) {
  const std::string to = outgoing.to == replica::Outgoing::kAllReplicas ? "all" : std::to_string(outgoing.to);
  return std::to_string(replica) + " send " + std::string(net::to_string(outgoing.kind)) + " to " + to + " " +
         crypto::sha256(outgoing.body).hex();
}

// The same message with one byte of its digest changed: well-formed, signed, and wrong.
Bytes with_wrong_digest(net::MessageKind kind, ByteView body) {
  const net::DecodeLimits limits;
  const auto flip = [](crypto::Digest& digest) { digest.bytes[0] ^= 0xff; };
  switch (kind) {
    case net::MessageKind::pbft_pre_prepare: {
      PrePrepare message = std::get<PrePrepare>(decode_pre_prepare(body, limits));
      flip(message.batch_digest);
      return encode_pre_prepare(message);
    }
    case net::MessageKind::pbft_prepare: {
      Prepare message = std::get<Prepare>(decode_prepare(body, limits));
      flip(message.batch_digest);
      return encode_prepare(message);
    }
    case net::MessageKind::pbft_commit: {
      Commit message = std::get<Commit>(decode_commit(body, limits));
      flip(message.batch_digest);
      return encode_commit(message);
    }
    default: {
      auto message = std::get<replica::CheckpointMessage>(replica::decode_checkpoint(body, limits));
      flip(message.state_digest);
      return replica::encode_checkpoint(message);
    }
  }
}

}  // namespace

TestCluster::TestCluster(std::uint32_t replica_count, std::uint32_t max_faulty)
    : keys_(replica_count),
      replica_count_(replica_count),
      behaviour_(replica_count, Behaviour::correct),
      records_(replica_count) {
  for (ReplicaId replica = 0; replica < replica_count; ++replica) {
    cores_.push_back(
        std::make_unique<PbftCore>(small_options(replica, replica_count, max_faulty), keys_.authenticator(replica),
                                   keys_.verifier(), keys_.signer(replica)));
  }
}

crypto::Digest TestCluster::propose(std::uint32_t requests) {
  std::optional<ReplicaId> chosen;
  for (ReplicaId replica = 0; replica < cores_.size(); ++replica) {
    if (cores_[replica]->can_propose() && (!chosen || cores_[replica]->view() > cores_[*chosen]->view())) {
      chosen = replica;
    }
  }
  LOYAL_ASSERT(chosen.has_value(), "the test proposes only when the primary has room");
  const ReplicaId primary = *chosen;
  PbftCore& core = *cores_[primary];
  const TestBatch batch = make_batch(keys_, 0, next_request_number_, requests);
  next_request_number_ += requests;
  replica::Actions actions;
  core.propose(batch.batch, batch.digest, actions);
  handle(primary, std::move(actions));
  return batch.digest;
}

std::uint64_t TestCluster::submit_pending() {
  const std::uint64_t number = next_request_number_;
  for (ReplicaId replica = 0; replica < cores_.size(); ++replica) {
    replica::Actions actions;
    cores_[replica]->on_request_pending(0, number, actions);
    handle(replica, std::move(actions));
  }
  return number;
}

void TestCluster::run() {
  for (std::size_t delivered = 0; !network_.empty(); ++delivered) {
    LOYAL_ASSERT(delivered < kMaxDeliveriesPerRun, "the network goes quiet");
    const Packet packet = std::move(network_.front());
    network_.pop_front();
    Delivery delivery = deliver(*cores_[packet.to], keys_, packet.frame);
    if (delivery.dropped) {
      ++records_[packet.to].drops[*delivery.dropped];
      continue;
    }
    handle(packet.to, std::move(delivery.actions));
  }
}

void TestCluster::tick(std::uint32_t ticks) {
  for (std::uint32_t i = 0; i < ticks; ++i) {
    for (ReplicaId replica = 0; replica < cores_.size(); ++replica) {
      replica::Actions actions;
      cores_[replica]->on_tick(actions);
      handle(replica, std::move(actions));
    }
    run();
  }
}

void TestCluster::install_state(ReplicaId replica, const replica::StateFetch& fetch) {
  for (const ReplicaId source : fetch.sources) {
    const auto& taken = records_[source].checkpoints_taken;
    const auto it = taken.find(fetch.sequence);
    if (it == taken.end() || it->second != fetch.state_digest) continue;
    records_[replica].state = it->second;
    records_[replica].checkpoints_taken[fetch.sequence] = it->second;
    replica::Actions actions;
    cores_[replica]->on_state_installed(fetch.sequence, fetch.state_digest, actions);
    handle(replica, std::move(actions));
    return;
  }
  ADD_FAILURE() << "no source holds checkpoint " << fetch.sequence;
}

std::vector<Sequence> TestCluster::committed_sequences(ReplicaId replica) const {
  std::vector<Sequence> sequences;
  for (const replica::CommittedBatch& batch : records_[replica].committed) sequences.push_back(batch.sequence);
  return sequences;
}

// What the pipeline does with one Actions bundle, in the contract's order.
void TestCluster::handle(ReplicaId replica, replica::Actions actions) {
  for (const replica::Outgoing& outgoing : sent_messages(actions)) {
    transcript_.push_back(describe(replica, outgoing));
    send(replica, outgoing);
  }
  for (const replica::CommittedBatch& batch : actions.committed) {
    transcript_.push_back(std::to_string(replica) + " commit " + std::to_string(batch.sequence) + " " +
                          batch.digest.hex());
    execute(replica, batch);
  }
  if (actions.stable_checkpoint) {
    transcript_.push_back(std::to_string(replica) + " stable " + std::to_string(actions.stable_checkpoint->sequence));
    records_[replica].stable.push_back(*actions.stable_checkpoint);
  }
  if (actions.fetch_state) {
    transcript_.push_back(std::to_string(replica) + " fetch " + std::to_string(actions.fetch_state->sequence));
    records_[replica].fetches.push_back(*actions.fetch_state);
  }
}

void TestCluster::execute(ReplicaId replica, const replica::CommittedBatch& batch) {
  ReplicaRecord& record = records_[replica];
  if (!record.committed.empty()) {
    EXPECT_EQ(batch.sequence, record.committed.back().sequence + 1);
  }
  record.committed.push_back(batch);
  Bytes chained(record.state.bytes.begin(), record.state.bytes.end());
  chained.insert(chained.end(), batch.digest.bytes.begin(), batch.digest.bytes.end());
  record.state = crypto::sha256(chained);
  if (!batch.batch.empty()) {
    const auto decoded = replica::decode_batch(batch.batch, replica_count_, net::DecodeLimits{});
    LOYAL_ASSERT(std::holds_alternative<replica::Batch>(decoded), "a committed batch decodes");
    for (const replica::ClientRequest& request : std::get<replica::Batch>(decoded).requests) {
      replica::Actions actions;
      cores_[replica]->on_request_executed(request.client, request.request_number, actions);
      handle(replica, std::move(actions));
    }
  }
  if (batch.sequence % small_options(replica).checkpoint_interval != 0) return;
  record.checkpoints_taken[batch.sequence] = record.state;
  replica::Actions actions;
  cores_[replica]->on_checkpoint_taken(batch.sequence, record.state, actions);
  handle(replica, std::move(actions));
}

void TestCluster::send(ReplicaId from, const replica::Outgoing& outgoing) {
  if (behaviour_[from] == Behaviour::silent) return;
  std::vector<Bytes> frames;
  if (behaviour_[from] == Behaviour::garbage) {
    frames = garbage_frames(from, outgoing);
  } else {
    frames.push_back(wire_frame(outgoing));
  }
  for (ReplicaId to = 0; to < cores_.size(); ++to) {
    if (to == from || (outgoing.to != replica::Outgoing::kAllReplicas && outgoing.to != to)) continue;
    if (lose && lose(from, to, outgoing.kind)) continue;
    for (const Bytes& frame : frames) network_.push_back(Packet{from, to, frame});
  }
}

std::vector<Bytes> TestCluster::garbage_frames(ReplicaId from, const replica::Outgoing& outgoing) {
  const auto random_bytes = [this](std::size_t size) {
    Bytes bytes(size);
    for (std::uint8_t& byte : bytes) byte = static_cast<std::uint8_t>(garbage_random_());
    return bytes;
  };
  return {random_bytes(8 * (1 + garbage_random_() % 32)),
          keys_.frame(from, outgoing.kind, random_bytes(8 * (1 + garbage_random_() % 32))),
          keys_.frame(from, outgoing.kind, with_wrong_digest(outgoing.kind, outgoing.body))};
}

}  // namespace loyal::pbft::testing
