#pragma once
// Test doubles for the pipeline's environment: an outbox that records every frame, and a journal
// that keeps nothing (the cores under test here persist nothing).

#include <vector>

#include "replica/environment.h"

namespace loyal::replica::testing_doubles {

struct Sent {
  NodeId to;
  Bytes frame;
};

class RecordingOutbox final : public Outbox {
 public:
  void to_replica(ReplicaId replica, ByteView frame) override {
    sent.push_back({NodeId::replica(replica), Bytes(frame.begin(), frame.end())});
  }
  void to_client(ClientId client, ByteView frame) override {
    sent.push_back({NodeId::client(client), Bytes(frame.begin(), frame.end())});
  }
  std::vector<Sent> sent;
};

class NoJournal final : public Journal {
 public:
  void append(const PersistRecord&) override {}
  std::uint64_t sync() override { return 0; }
  void discard_before(std::uint64_t) override {}
  void save_snapshot(const SavedSnapshot&) override {}
};

}  // namespace loyal::replica::testing_doubles
