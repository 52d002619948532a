#pragma once
// One PBFT core under test, fed signed frames from the other replicas of a four-replica cluster
// (n = 4, f = 1, K = 4, L = 8), one message at a time.

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "pbft/drop_reasons.h"
#include "pbft_test_support.h"

namespace loyal::pbft::testing {

class CoreTest : public ::testing::Test {
 protected:
  explicit CoreTest(ReplicaId self = 1)
      : self_(self), core_(small_options(self), keys_.authenticator(self), keys_.verifier(), keys_.signer(self)) {}

  Delivery from(ReplicaId sender, net::MessageKind kind, const Bytes& body) {
    return deliver(core_, keys_, keys_.frame(sender, kind, body));
  }
  Delivery pre_prepare(Sequence sequence, const TestBatch& batch, View view = 0) {
    return deliver(core_, keys_, keys_.pre_prepare(primary_of(view, 4), view, sequence, batch));
  }
  Delivery prepare(ReplicaId sender, Sequence sequence, const crypto::Digest& digest, View view = 0) {
    return from(sender, net::MessageKind::pbft_prepare, prepare_body(view, sequence, digest));
  }
  Delivery commit(ReplicaId sender, Sequence sequence, const crypto::Digest& digest, View view = 0) {
    return from(sender, net::MessageKind::pbft_commit, commit_body(view, sequence, digest));
  }
  Delivery checkpoint(ReplicaId sender, Sequence sequence, const crypto::Digest& digest) {
    return from(sender, net::MessageKind::checkpoint, checkpoint_body(sequence, digest));
  }
  // A distinct one-request batch per sequence number.
  TestBatch batch_for(Sequence sequence) { return make_batch(keys_, 1, 1000 * sequence, 1); }

  // Drives `sequence` to committed-local at this backup: the primary's pre-prepare, a PREPARE
  // from one other backup, COMMITs from two others. Returns what the last message produced.
  replica::Actions commit_slot(Sequence sequence) {
    const TestBatch batch = batch_for(sequence);
    const std::vector<ReplicaId> others = other_backups();
    EXPECT_FALSE(pre_prepare(sequence, batch).dropped);
    EXPECT_FALSE(prepare(others[0], sequence, batch.digest).dropped);
    EXPECT_FALSE(commit(0, sequence, batch.digest).dropped);
    Delivery last = commit(others[0], sequence, batch.digest);
    EXPECT_FALSE(last.dropped);
    return std::move(last.actions);
  }

  // Commits everything up to `sequence` (a multiple of K above the current h), takes the
  // checkpoint there and receives matching CHECKPOINTs from two others: stable, h = `sequence`.
  void advance_to(Sequence sequence) {
    for (Sequence next = core_.status().last_committed + 1; next <= sequence; ++next) commit_slot(next);
    const crypto::Digest digest = state_digest("state " + std::to_string(sequence));
    replica::Actions actions;
    core_.on_checkpoint_taken(sequence, digest, actions);
    checkpoint(0, sequence, digest);
    checkpoint(other_backups()[0], sequence, digest);
    ASSERT_EQ(core_.low_watermark(), sequence);
  }

  std::vector<ReplicaId> other_backups() const {
    std::vector<ReplicaId> result;
    for (ReplicaId replica = 1; replica < 4; ++replica) {
      if (replica != self_) result.push_back(replica);
    }
    return result;
  }

  std::uint64_t ignored(std::string_view reason) const {
    const auto it = core_.ignored().find(reason);
    return it == core_.ignored().end() ? 0 : it->second;
  }

  ReplicaId self_;
  TestKeys keys_{4};
  PbftCore core_;
};

// A CoreTest whose core can be restarted from the records it asked to persist, as the pipeline
// restarts one from its journal.
class RestartableCoreTest : public CoreTest {
 protected:
  explicit RestartableCoreTest(ReplicaId self = 1) : CoreTest(self) {}

  // Keeps every record the core asked to persist, as a journal would once synced.
  void keep(const replica::Actions& actions) {
    records_.insert(records_.end(), actions.persist.begin(), actions.persist.end());
  }
  std::unique_ptr<PbftCore> restarted(const std::vector<replica::PersistRecord>& records) const {
    return std::make_unique<PbftCore>(small_options(self_), keys_.authenticator(self_), keys_.verifier(),
                                      keys_.signer(self_), records);
  }
  std::unique_ptr<PbftCore> restarted() const { return restarted(records_); }

  std::vector<replica::PersistRecord> records_;
};

}  // namespace loyal::pbft::testing
