// The checkers can fail: each property, fed directly with observations that break it, reports a
// violation with its name, and consistent observations report none.

#include "tests/sim/checkers.h"

#include <gtest/gtest.h>

namespace loyal::sim {
namespace {

crypto::Digest digest_of(std::string_view text) { return crypto::sha256(as_bytes(text)); }

client::Completion completion(std::uint64_t request_number, std::string_view result) {
  return client::Completion{request_number, to_bytes(result), 0, 0};
}

std::vector<std::string> properties(const Checkers& checkers) {
  std::vector<std::string> names;
  for (const Violation& violation : checkers.violations()) names.push_back(violation.property);
  return names;
}

using Properties = std::vector<std::string>;

// Client 0 submits request 1; replicas 0 and 1 execute it alone in the batch at sequence 1.
void execute_one_request(Checkers& checkers, std::string_view result0, std::string_view result1) {
  checkers.on_submitted(0, 1);
  checkers.on_batch_executed(0, 1, digest_of("batch"));
  checkers.on_request_executed(0, 1, 0, 1, as_bytes("op"), as_bytes(result0));
  checkers.on_batch_executed(1, 1, digest_of("batch"));
  checkers.on_request_executed(1, 1, 0, 1, as_bytes("op"), as_bytes(result1));
}

TEST(Checkers, ConsistentObservationsPass) {
  Checkers checkers(100);
  execute_one_request(checkers, "ok", "ok");
  checkers.on_checkpoint(0, 1, digest_of("state"));
  checkers.on_checkpoint(1, 1, digest_of("state"));
  checkers.on_completed(0, completion(1, "ok"));
  checkers.on_submitted(0, 2);
  checkers.on_batch_executed(0, 2, digest_of("batch 2"));
  checkers.on_request_executed(0, 2, 0, 2, as_bytes("op"), as_bytes("ok2"));
  checkers.on_completed(0, completion(2, "ok2"));
  EXPECT_EQ(properties(checkers), Properties{});
  EXPECT_EQ(checkers.committed_requests(), 2u);
  EXPECT_EQ(checkers.committed_batches(), 2u);
  EXPECT_EQ(checkers.checkpoints(), 1u);
  EXPECT_EQ(checkers.completions(), 2u);
}

TEST(Checkers, DifferentBatchesAtOneSequenceViolateAgreement) {
  Checkers checkers(100);
  checkers.set_now(7);
  checkers.on_batch_executed(0, 3, digest_of("a"));
  checkers.on_batch_executed(1, 3, digest_of("a"));
  EXPECT_EQ(properties(checkers), Properties{});
  checkers.on_batch_executed(2, 3, digest_of("b"));
  ASSERT_EQ(properties(checkers), Properties{"agreement"});
  EXPECT_EQ(checkers.violations()[0].tick, 7u);
  EXPECT_NE(checkers.violations()[0].details.find("sequence 3"), std::string::npos);
}

TEST(Checkers, DifferentStateDigestsAtOneCheckpointAreAViolation) {
  Checkers checkers(100);
  checkers.on_checkpoint(0, 32, digest_of("state"));
  checkers.on_checkpoint(1, 32, digest_of("other state"));
  EXPECT_EQ(properties(checkers), Properties{"checkpoint_digest"});
}

TEST(Checkers, CompletedResultThatDiffersFromTheExecutedOneIsAViolation) {
  Checkers checkers(100);
  execute_one_request(checkers, "value 1", "value 1");
  checkers.on_completed(0, completion(1, "value 2"));
  EXPECT_EQ(properties(checkers), Properties{"completed_result"});
}

TEST(Checkers, CompletedOperationThatNoReplicaExecutedIsAViolation) {
  Checkers checkers(100);
  checkers.on_submitted(4, 1);
  checkers.on_completed(4, completion(1, "made up"));
  EXPECT_EQ(properties(checkers), Properties{"completed_result"});
}

TEST(Checkers, ReplicasComputingDifferentResultsIsAViolation) {
  Checkers checkers(100);
  execute_one_request(checkers, "one", "two");
  EXPECT_EQ(properties(checkers), Properties{"execution_consistency"});
}

TEST(Checkers, ExecutingARequestTwiceIsAViolation) {
  Checkers checkers(100);
  checkers.on_submitted(0, 1);
  checkers.on_batch_executed(0, 1, digest_of("b1"));
  checkers.on_request_executed(0, 1, 0, 1, as_bytes("op"), as_bytes("r"));
  checkers.on_batch_executed(0, 2, digest_of("b2"));
  checkers.on_request_executed(0, 2, 0, 1, as_bytes("op"), as_bytes("r"));
  const Properties found = properties(checkers);
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0], "at_most_once");
}

TEST(Checkers, OperationOrderedBeforeOneThatCompletedBeforeItWasSubmittedIsAViolation) {
  Checkers checkers(100);
  // A (client 0) executes at sequence 5 and completes; then B (client 1) is submitted, and a
  // replica executes B at sequence 4, before A.
  checkers.on_submitted(0, 1);
  checkers.on_batch_executed(0, 5, digest_of("b5"));
  checkers.on_request_executed(0, 5, 0, 1, as_bytes("a"), as_bytes("ra"));
  checkers.on_completed(0, completion(1, "ra"));
  checkers.on_submitted(1, 1);
  checkers.on_batch_executed(1, 4, digest_of("b4"));
  checkers.on_request_executed(1, 4, 1, 1, as_bytes("b"), as_bytes("rb"));
  EXPECT_EQ(properties(checkers), Properties{"real_time_order"});
}

TEST(Checkers, RealTimeOrderHoldsWithinOneBatchByPosition) {
  Checkers checkers(100);
  checkers.on_submitted(0, 1);
  checkers.on_batch_executed(0, 1, digest_of("b1"));
  checkers.on_request_executed(0, 1, 0, 1, as_bytes("a"), as_bytes("ra"));
  checkers.on_completed(0, completion(1, "ra"));
  checkers.on_submitted(1, 1);
  // Concurrent operations (submitted before A completed) may go anywhere; B may not.
  checkers.on_request_executed(0, 1, 1, 1, as_bytes("b"), as_bytes("rb"));
  EXPECT_EQ(properties(checkers), Properties{});
  Checkers reversed(100);
  reversed.on_submitted(0, 1);
  reversed.on_batch_executed(0, 1, digest_of("b1"));
  reversed.on_request_executed(0, 1, 0, 1, as_bytes("a"), as_bytes("ra"));
  reversed.on_completed(0, completion(1, "ra"));
  reversed.on_submitted(1, 1);
  reversed.on_batch_executed(1, 1, digest_of("b1"));
  reversed.on_request_executed(1, 1, 1, 1, as_bytes("b"), as_bytes("rb"));  // position 0, before A's
  EXPECT_EQ(properties(reversed), Properties{"real_time_order"});
}

TEST(Checkers, ExecutingARequestNoClientSubmittedIsAViolation) {
  Checkers checkers(100);
  checkers.on_batch_executed(0, 1, digest_of("b1"));
  checkers.on_request_executed(0, 1, 3, 9, as_bytes("forged"), as_bytes("r"));
  EXPECT_EQ(properties(checkers), Properties{"integrity"});
}

TEST(Checkers, ProgressIsRequiredOnlyInTheLivenessPhaseWithinTheBound) {
  Checkers checkers(100);
  checkers.check_progress(500);
  EXPECT_EQ(properties(checkers), Properties{}) << "no progress is required in the safety phase";
  checkers.begin_liveness_phase(1000);
  checkers.check_progress(1100);
  EXPECT_EQ(properties(checkers), Properties{}) << "exactly the bound is still in time";
  execute_one_request(checkers, "r", "r");
  checkers.set_now(1100);
  checkers.on_completed(0, completion(1, "r"));
  checkers.check_progress(1200);
  EXPECT_EQ(properties(checkers), Properties{});
  checkers.check_progress(1201);
  EXPECT_EQ(properties(checkers), Properties{"progress"});
}

}  // namespace
}  // namespace loyal::sim
