// The store's semantics as a client sees them through StateMachine::execute() and query().

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <capnp/any.h>
#include <capnp/message.h>
#include <gtest/gtest.h>

#include "apps/kv/kv.capnp.h"
#include "apps/kv/kv_limits.h"
#include "apps/kv/kv_store.h"
#include "kv_test_support.h"
#include "net/untrusted_message.h"

namespace loyal::kv {
namespace {

using testing::del;
using testing::get;
using testing::put;
using testing::refused;
using testing::run;
using testing::value_of;

Bytes filled(std::size_t size, std::uint8_t byte = 'v') { return Bytes(size, byte); }

OperationResult compare_and_swap(KvStore& store, std::string_view key, std::optional<std::string_view> expected,
                                 std::string_view new_value) {
  const std::optional<ByteView> expected_bytes = expected ? std::optional<ByteView>(as_bytes(*expected)) : std::nullopt;
  return run(store, encode_compare_and_swap(as_bytes(key), expected_bytes, as_bytes(new_value)));
}

// Everything a client could observe about the state, to check that a refused operation changed
// nothing.
struct Observed {
  crypto::Digest digest;
  Bytes snapshot;
  std::size_t state_bytes = 0;
  std::size_t entry_count = 0;
  friend bool operator==(const Observed&, const Observed&) = default;
};
Observed observe(const KvStore& store) {
  return {store.digest(), store.snapshot(), store.state_bytes(), store.entry_count()};
}

TEST(KvStore, PutThenGetReturnsTheValueAndAnotherPutReplacesIt) {
  KvStore store;
  EXPECT_EQ(put(store, "colour", "red"), OperationResult{Ok{}});
  EXPECT_EQ(get(store, "colour"), value_of("red"));
  EXPECT_EQ(put(store, "colour", "blue"), OperationResult{Ok{}});
  EXPECT_EQ(get(store, "colour"), value_of("blue"));
  EXPECT_EQ(store.entry_count(), 1u);
}

TEST(KvStore, GetAndDeleteOfAnAbsentKeyAnswerNotFound) {
  KvStore store;
  EXPECT_EQ(get(store, "missing"), OperationResult{NotFound{}});
  EXPECT_EQ(del(store, "missing"), OperationResult{NotFound{}});
}

TEST(KvStore, DeleteRemovesAPresentKeyOnce) {
  KvStore store;
  ASSERT_EQ(put(store, "k", "v"), OperationResult{Ok{}});
  EXPECT_EQ(del(store, "k"), OperationResult{Ok{}});
  EXPECT_EQ(get(store, "k"), OperationResult{NotFound{}});
  EXPECT_EQ(del(store, "k"), OperationResult{NotFound{}});
  EXPECT_EQ(store.entry_count(), 0u);
  EXPECT_EQ(store.state_bytes(), 0u);
}

TEST(KvStore, CompareAndSwapWithAbsentExpectedCreatesOnlyIfAbsent) {
  KvStore store;
  EXPECT_EQ(compare_and_swap(store, "lock", std::nullopt, "owner-1"), OperationResult{Ok{}});
  EXPECT_EQ(compare_and_swap(store, "lock", std::nullopt, "owner-2"),
            OperationResult{CasMismatch{to_bytes("owner-1")}});
  EXPECT_EQ(get(store, "lock"), value_of("owner-1"));
}

TEST(KvStore, CompareAndSwapSwapsOnlyOnAnExactMatchAndOtherwiseReportsTheCurrentValue) {
  KvStore store;
  EXPECT_EQ(compare_and_swap(store, "n", "1", "2"), OperationResult{CasMismatch{std::nullopt}})
      << "an expected value never matches an absent key";
  EXPECT_EQ(get(store, "n"), OperationResult{NotFound{}});

  ASSERT_EQ(put(store, "n", "1"), OperationResult{Ok{}});
  EXPECT_EQ(compare_and_swap(store, "n", "10", "2"), OperationResult{CasMismatch{to_bytes("1")}});
  EXPECT_EQ(compare_and_swap(store, "n", "", "2"), OperationResult{CasMismatch{to_bytes("1")}});
  EXPECT_EQ(get(store, "n"), value_of("1"));
  EXPECT_EQ(compare_and_swap(store, "n", "1", "2"), OperationResult{Ok{}});
  EXPECT_EQ(get(store, "n"), value_of("2"));
}

TEST(KvStore, KeysAndValuesAreArbitraryBytesAndAnEmptyValueIsNotAbsence) {
  KvStore store;
  const Bytes binary_key = {0x00, 0xff, 0x00};
  const Bytes binary_value = {0xff, 0x00, 0x80};
  EXPECT_EQ(run(store, encode_put(binary_key, binary_value)), OperationResult{Ok{}});
  EXPECT_EQ(run(store, encode_get(binary_key)), OperationResult{Value{binary_value}});
  EXPECT_EQ(run(store, encode_get(Bytes{0x00, 0xff})), OperationResult{NotFound{}}) << "a prefix is another key";

  EXPECT_EQ(put(store, "", ""), OperationResult{Ok{}});
  EXPECT_EQ(get(store, ""), value_of(""));
  EXPECT_EQ(compare_and_swap(store, "", std::nullopt, "x"), OperationResult{CasMismatch{Bytes{}}});
  EXPECT_EQ(compare_and_swap(store, "", "", "x"), OperationResult{Ok{}});
}

TEST(KvStore, MalformedOperationsAreRefusedAndLeaveTheStateUnchanged) {
  KvStore store;
  ASSERT_EQ(put(store, "a", "1"), OperationResult{Ok{}});
  const Observed before = observe(store);

  const Bytes valid = encode_put(as_bytes("b"), as_bytes("2"));
  Bytes truncated(valid.begin(), valid.end() - 8);
  Bytes trailing = valid;
  trailing.insert(trailing.end(), 8, 0);
  Bytes unknown_operation = encode_get(as_bytes("a"));
  // Operation's data section holds only the union's discriminant, right after the segment table
  // and the root pointer.
  ASSERT_EQ(unknown_operation[16], static_cast<std::uint8_t>(wire::Operation::GET));
  unknown_operation[16] = 0x7f;
  capnp::MallocMessageBuilder list_message;
  const ByteView list_bytes = as_bytes("not a struct");
  list_message.getRoot<capnp::AnyPointer>().setAs<capnp::Data>(
      capnp::Data::Reader(list_bytes.data(), list_bytes.size()));
  const Bytes list_root = net::message_to_frame(list_message);

  const std::vector<std::pair<std::string, Bytes>> cases = {
      {"empty", {}},
      {"garbage", to_bytes("definitely not Cap'n Proto")},
      {"truncated", truncated},
      {"trailing word", trailing},
      {"unknown operation", unknown_operation},
      {"list as root", list_root},
      {"over the frame limit", Bytes(kMaxOperationBytes + 8, 0)},
  };
  for (const auto& [name, operation] : cases) {
    EXPECT_EQ(run(store, operation), refused(ErrorReason::malformed)) << name;
    EXPECT_EQ(observe(store), before) << name;
  }
}

TEST(KvStore, OversizedKeysAndValuesAreRefusedAndLeaveTheStateUnchanged) {
  KvStore store;
  const Bytes key = to_bytes("k");
  ASSERT_EQ(run(store, encode_put(key, to_bytes("v"))), OperationResult{Ok{}});
  const Observed before = observe(store);

  const Bytes long_key = filled(kMaxKeyBytes + 1, 'k');
  const Bytes long_value = filled(kMaxValueBytes + 1);
  EXPECT_EQ(run(store, encode_put(long_key, to_bytes("v"))), refused(ErrorReason::key_too_large));
  EXPECT_EQ(run(store, encode_put(key, long_value)), refused(ErrorReason::value_too_large));
  EXPECT_EQ(run(store, encode_put(long_key, long_value)), refused(ErrorReason::key_too_large))
      << "the key is checked first, so every replica names the same reason";
  EXPECT_EQ(run(store, encode_get(long_key)), refused(ErrorReason::key_too_large));
  EXPECT_EQ(run(store, encode_delete(long_key)), refused(ErrorReason::key_too_large));
  EXPECT_EQ(run(store, encode_compare_and_swap(key, ByteView(long_value), to_bytes("w"))),
            refused(ErrorReason::value_too_large));
  EXPECT_EQ(run(store, encode_compare_and_swap(key, std::nullopt, long_value)), refused(ErrorReason::value_too_large));
  EXPECT_EQ(observe(store), before);

  EXPECT_EQ(run(store, encode_put(filled(kMaxKeyBytes, 'k'), filled(kMaxValueBytes))), OperationResult{Ok{}})
      << "exactly at the limits is allowed";
}

TEST(KvStore, StateBytesCountKeysValuesAndAnOverheadPerEntry) {
  KvStore store;
  ASSERT_EQ(put(store, "key", "value"), OperationResult{Ok{}});
  EXPECT_EQ(store.state_bytes(), entry_cost(3, 5));
  ASSERT_EQ(put(store, "key", "v"), OperationResult{Ok{}});
  EXPECT_EQ(store.state_bytes(), entry_cost(3, 1));
  ASSERT_EQ(compare_and_swap(store, "other", std::nullopt, "12"), OperationResult{Ok{}});
  EXPECT_EQ(store.state_bytes(), entry_cost(3, 1) + entry_cost(5, 2));
  ASSERT_EQ(del(store, "key"), OperationResult{Ok{}});
  EXPECT_EQ(store.state_bytes(), entry_cost(5, 2));
}

TEST(KvStore, WritesBeyondTheByteLimitAreRefusedUntilSpaceIsFreed) {
  KvStore store(entry_cost(1, 10) * 2);
  ASSERT_EQ(put(store, "a", "0123456789"), OperationResult{Ok{}});
  ASSERT_EQ(put(store, "b", "0123456789"), OperationResult{Ok{}});
  const Observed full = observe(store);

  EXPECT_EQ(put(store, "c", ""), refused(ErrorReason::state_full));
  EXPECT_EQ(put(store, "a", "0123456789+"), refused(ErrorReason::state_full)) << "growing a value counts too";
  EXPECT_EQ(compare_and_swap(store, "a", "0123456789", "0123456789+"), refused(ErrorReason::state_full));
  EXPECT_EQ(observe(store), full);

  EXPECT_EQ(put(store, "a", "short"), OperationResult{Ok{}}) << "shrinking is always allowed";
  EXPECT_EQ(del(store, "b"), OperationResult{Ok{}});
  EXPECT_EQ(put(store, "c", "0123456789"), OperationResult{Ok{}});
}

TEST(KvStore, QueryAnswersGetsWithoutChangingTheStateAndRefusesEverythingElse) {
  KvStore store;
  ASSERT_EQ(put(store, "k", "v"), OperationResult{Ok{}});
  const Observed before = observe(store);
  const auto query = [&](const Bytes& operation) {
    return std::get<OperationResult>(decode_result(store.query(operation)));
  };

  EXPECT_EQ(query(encode_get(as_bytes("k"))), value_of("v"));
  EXPECT_EQ(query(encode_get(as_bytes("absent"))), OperationResult{NotFound{}});
  EXPECT_EQ(query(encode_put(as_bytes("k"), as_bytes("w"))), refused(ErrorReason::not_a_query));
  EXPECT_EQ(query(encode_delete(as_bytes("k"))), refused(ErrorReason::not_a_query));
  EXPECT_EQ(query(encode_compare_and_swap(as_bytes("k"), std::nullopt, as_bytes("w"))),
            refused(ErrorReason::not_a_query));
  EXPECT_EQ(query(to_bytes("garbage")), refused(ErrorReason::malformed));
  EXPECT_EQ(query(encode_get(filled(kMaxKeyBytes + 1))), refused(ErrorReason::key_too_large));
  EXPECT_EQ(observe(store), before);
}

}  // namespace
}  // namespace loyal::kv
