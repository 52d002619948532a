#pragma once
// Four (or n) PBFT cores wired together in-process, with a stand-in for the pipeline around each:
// it signs and delivers every Outgoing to its destinations, executes committed batches (a state
// digest chained over batch digests), and takes a checkpoint at every multiple of K. Delivery is
// first-in first-out and destinations go in replica order, so a run is fully deterministic.
// Replicas can be made silent or made to send garbage, and single messages can be lost.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "pbft_test_support.h"

namespace loyal::pbft::testing {

enum class Behaviour {
  correct,
  silent,   // sends nothing
  garbage,  // sends, instead of each message: random bytes, a signed random body, and a signed
            // well-formed body with a wrong digest
};

class TestCluster {
 public:
  explicit TestCluster(std::uint32_t replica_count = 4, std::uint32_t max_faulty = 1);

  PbftCore& core(ReplicaId replica) { return *cores_[replica]; }
  const TestKeys& keys() const { return keys_; }
  void set_behaviour(ReplicaId replica, Behaviour behaviour) { behaviour_[replica] = behaviour; }
  // A message for which this returns true is lost on its way from `from` to `to`.
  std::function<bool(ReplicaId from, ReplicaId to, net::MessageKind kind)> lose;

  // The primary (of the highest view among replicas that can propose) proposes a batch of
  // `requests` fresh requests from client 0; nothing is delivered until run().
  crypto::Digest propose(std::uint32_t requests = 1);
  // A client request reaches every replica (the pipeline's on_request_pending), without being
  // proposed; returns its request number.
  std::uint64_t submit_pending();
  // Delivers queued messages in the order they were sent until none are left.
  void run();
  // `ticks` ticks at every replica (in replica order), running the network after each.
  void tick(std::uint32_t ticks);
  // State transfer's stand-in: installs at `replica` the checkpoint a fetch asked for, taken from
  // a source that holds it.
  void install_state(ReplicaId replica, const replica::StateFetch& fetch);

  std::vector<Sequence> committed_sequences(ReplicaId replica) const;
  const std::vector<replica::CommittedBatch>& committed(ReplicaId replica) const { return records_[replica].committed; }
  const std::vector<replica::StableCheckpoint>& stable(ReplicaId replica) const { return records_[replica].stable; }
  const std::vector<replica::StateFetch>& fetches(ReplicaId replica) const { return records_[replica].fetches; }
  // Drops by the validator or the envelope layer at `replica`, by reason.
  const std::map<std::string_view, std::uint64_t>& drops(ReplicaId replica) const { return records_[replica].drops; }
  // Every Actions every core produced, one line per item, in order: two runs of the same inputs
  // must produce the same transcript.
  const std::vector<std::string>& transcript() const { return transcript_; }

 private:
  struct Packet {
    ReplicaId from;
    ReplicaId to;
    Bytes frame;
  };
  struct ReplicaRecord {
    std::vector<replica::CommittedBatch> committed;
    std::vector<replica::StableCheckpoint> stable;
    std::vector<replica::StateFetch> fetches;
    std::map<std::string_view, std::uint64_t> drops;
    crypto::Digest state;                                  // chained over executed batch digests
    std::map<Sequence, crypto::Digest> checkpoints_taken;  // sequence -> state digest
  };

  void handle(ReplicaId replica, replica::Actions actions);
  void send(ReplicaId from, const replica::Outgoing& outgoing);
  std::vector<Bytes> garbage_frames(ReplicaId from, const replica::Outgoing& outgoing);
  void execute(ReplicaId replica, const replica::CommittedBatch& batch);

  TestKeys keys_;
  std::uint32_t replica_count_;
  std::vector<std::unique_ptr<PbftCore>> cores_;
  std::vector<Behaviour> behaviour_;
  std::vector<ReplicaRecord> records_;
  std::deque<Packet> network_;
  std::vector<std::string> transcript_;
  std::mt19937_64 garbage_random_{0x5eed};
  std::uint64_t next_request_number_ = 1;
};

// Runs ticks until `done` or `limit` ticks passed; returns the ticks used.
template <typename Done>
std::uint32_t tick_until(TestCluster& cluster, Done done, std::uint32_t limit = 1000) {
  std::uint32_t ticks = 0;
  while (!done() && ticks < limit) {
    cluster.tick(1);
    ++ticks;
  }
  return ticks;
}

}  // namespace loyal::pbft::testing
