// Digests, snapshots and restore: equal states must look equal whatever their history, and a
// snapshot from a peer is untrusted.

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <capnp/message.h>
#include <gtest/gtest.h>

#include "apps/kv/kv.capnp.h"
#include "apps/kv/kv_limits.h"
#include "apps/kv/kv_state.h"
#include "apps/kv/kv_store.h"
#include "kv_test_support.h"
#include "net/untrusted_message.h"

namespace loyal::kv {
namespace {

using testing::del;
using testing::put;

KvStore store_with(const std::vector<std::pair<std::string, std::string>>& entries) {
  KvStore store;
  for (const auto& [key, value] : entries) EXPECT_EQ(put(store, key, value), OperationResult{Ok{}});
  return store;
}

// A snapshot frame with exactly these entries, in this order, as a faulty peer could send it.
Bytes snapshot_of(const std::vector<std::pair<Bytes, Bytes>>& entries) {
  capnp::MallocMessageBuilder message;
  auto list = message.initRoot<wire::Snapshot>().initEntries(static_cast<unsigned>(entries.size()));
  for (unsigned i = 0; i < entries.size(); ++i) {
    list[i].setKey(capnp::Data::Reader(entries[i].first.data(), entries[i].first.size()));
    list[i].setValue(capnp::Data::Reader(entries[i].second.data(), entries[i].second.size()));
  }
  return net::message_to_frame(message);
}

void expect_refused_unchanged(KvStore& store, ByteView snapshot, const std::string& message_part) {
  const crypto::Digest digest = store.digest();
  const Bytes before = store.snapshot();
  const Status status = store.restore(snapshot);
  ASSERT_FALSE(status.ok()) << "expected a refusal mentioning: " << message_part;
  EXPECT_NE(status.error().message.find("kv snapshot refused"), std::string::npos) << status.error().message;
  EXPECT_NE(status.error().message.find(message_part), std::string::npos) << status.error().message;
  EXPECT_EQ(store.digest(), digest);
  EXPECT_EQ(store.snapshot(), before);
}

TEST(KvState, DigestIsIndependentOfInsertionOrder) {
  const KvStore forward = store_with({{"a", "1"}, {"b", "2"}, {"c", "3"}});
  const KvStore backward = store_with({{"c", "3"}, {"b", "2"}, {"a", "1"}});
  const KvStore shuffled = store_with({{"b", "2"}, {"c", "3"}, {"a", "1"}});
  EXPECT_EQ(forward.digest(), backward.digest());
  EXPECT_EQ(forward.digest(), shuffled.digest());
  EXPECT_EQ(forward.snapshot(), backward.snapshot());
}

TEST(KvState, DigestIsIndependentOfOverwritesAndDeletesOnTheWay) {
  const KvStore direct = store_with({{"a", "1"}, {"b", "2"}});
  KvStore detour = store_with({{"z", "gone"}, {"b", "old"}, {"a", "1"}, {"m", "gone too"}});
  ASSERT_EQ(del(detour, "z"), OperationResult{Ok{}});
  ASSERT_EQ(put(detour, "b", "2"), OperationResult{Ok{}});
  ASSERT_EQ(del(detour, "m"), OperationResult{Ok{}});
  EXPECT_EQ(detour.digest(), direct.digest());
  EXPECT_EQ(detour.snapshot(), direct.snapshot());
  EXPECT_EQ(detour.state_bytes(), direct.state_bytes());

  KvStore emptied = store_with({{"x", "1"}});
  ASSERT_EQ(del(emptied, "x"), OperationResult{Ok{}});
  EXPECT_EQ(emptied.digest(), KvStore().digest());
}

TEST(KvState, DigestTellsApartStatesThatConcatenateAlike) {
  const KvStore empty;
  EXPECT_NE(store_with({{"", ""}}).digest(), empty.digest()) << "an empty entry is still an entry";
  EXPECT_NE(store_with({{"ab", "c"}}).digest(), store_with({{"a", "bc"}}).digest());
  EXPECT_NE(store_with({{"a", "b"}, {"c", "d"}}).digest(), store_with({{"a", "bc"}, {"", "d"}}).digest());
  EXPECT_NE(store_with({{"a", "1"}}).digest(), store_with({{"a", "2"}}).digest());
}

TEST(KvState, SnapshotRestoreRoundTripGivesEqualDigestAndIdenticalBytes) {
  KvStore original = store_with({{"alpha", "1"}, {"", "empty key"}, {"empty value", ""}});
  ASSERT_EQ(testing::run(original, encode_put(Bytes{0x00, 0xff}, Bytes(kMaxValueBytes, 0xab))), OperationResult{Ok{}});
  const Bytes snapshot = original.snapshot();

  KvStore restored = store_with({{"stale", "replaced by the restore"}});
  ASSERT_TRUE(restored.restore(snapshot).ok());
  EXPECT_EQ(restored.digest(), original.digest());
  EXPECT_EQ(restored.snapshot(), snapshot);
  EXPECT_EQ(restored.entry_count(), original.entry_count());
  EXPECT_EQ(restored.state_bytes(), original.state_bytes());
  EXPECT_EQ(testing::get(restored, "stale"), OperationResult{NotFound{}});
  EXPECT_EQ(testing::get(restored, "alpha"), testing::value_of("1"));

  KvStore from_empty = store_with({{"x", "y"}});
  ASSERT_TRUE(from_empty.restore(KvStore().snapshot()).ok());
  EXPECT_EQ(from_empty.digest(), KvStore().digest());
  EXPECT_EQ(from_empty.entry_count(), 0u);
}

TEST(KvState, SnapshotSizeStaysWithinTheCountedBytes) {
  KvStore store;
  for (std::size_t key_size = 0; key_size <= 17; ++key_size) {
    ASSERT_EQ(testing::run(store, encode_put(Bytes(key_size, 'k'), Bytes(key_size % 9, 'v'))), OperationResult{Ok{}});
    EXPECT_LE(store.snapshot().size(), store.state_bytes() + kSnapshotHeaderBytes) << "after key size " << key_size;
  }
}

TEST(KvState, RestoreRefusesGarbageAndTruncatedBytesAndKeepsTheState) {
  KvStore store = store_with({{"keep", "me"}});
  const Bytes valid = store_with({{"a", "1"}, {"b", "2"}}).snapshot();

  expect_refused_unchanged(store, {}, "empty");
  expect_refused_unchanged(store, to_bytes("garbage, not a snapshot at all"), "not a valid Cap'n Proto frame");
  for (std::size_t cut = 8; cut < valid.size(); cut += 8) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    expect_refused_unchanged(store, ByteView(valid).first(cut), "not a valid Cap'n Proto frame");
  }
  Bytes trailing = valid;
  trailing.insert(trailing.end(), 8, 0);
  expect_refused_unchanged(store, trailing, "trailing_bytes");
  expect_refused_unchanged(store, encode_put(as_bytes("a"), as_bytes("1")), "unreadable entries");
}

TEST(KvState, RestoreRefusesSnapshotsThatAreNotCanonical) {
  KvStore store = store_with({{"keep", "me"}});
  expect_refused_unchanged(store, snapshot_of({{to_bytes("b"), {}}, {to_bytes("a"), {}}}),
                           "entry 1: key is not greater than the previous key");
  expect_refused_unchanged(store, snapshot_of({{to_bytes("a"), to_bytes("1")}, {to_bytes("a"), to_bytes("2")}}),
                           "entry 1: key is not greater than the previous key");
  ASSERT_TRUE(store.restore(snapshot_of({{to_bytes("a"), {}}, {to_bytes("b"), {}}})).ok())
      << "the same entries in ascending order are accepted";
}

TEST(KvState, KeysAreOrderedBytewiseUnsignedWithPrefixesFirst) {
  const std::vector<Bytes> ascending = {{}, {0x00}, {0x00, 0x00}, {0x01}, {0x7f, 0xff}, {0x80}, {0xff}};
  std::vector<std::pair<Bytes, Bytes>> entries;
  for (const Bytes& key : ascending) entries.emplace_back(key, Bytes{});
  KvStore store;
  ASSERT_TRUE(store.restore(snapshot_of(entries)).ok());
  EXPECT_EQ(store.snapshot(), snapshot_of(entries)) << "the store writes its entries in this order too";
  for (std::size_t i = 1; i < entries.size(); ++i) {
    std::vector<std::pair<Bytes, Bytes>> swapped = entries;
    std::swap(swapped[i - 1], swapped[i]);
    expect_refused_unchanged(store, snapshot_of(swapped), "entry " + std::to_string(i) + ": key is not greater");
  }
}

TEST(KvState, RestoreRefusesEntriesAndStatesOverTheLimits) {
  KvStore store = store_with({{"keep", "me"}});
  expect_refused_unchanged(store, snapshot_of({{to_bytes("a"), {}}, {Bytes(kMaxKeyBytes + 1, 'k'), {}}}),
                           "entry 1: key of 1025 bytes is over the limit of 1024");
  expect_refused_unchanged(store, snapshot_of({{to_bytes("a"), Bytes(kMaxValueBytes + 1, 'v')}}),
                           "entry 0: value of 1048577 bytes is over the limit of 1048576");

  // Values of the largest size, so that reading them also uses the whole traversal budget.
  const std::string large(kMaxValueBytes, 'v');
  const KvStore source = store_with({{"a", large}, {"b", large}});
  const Bytes two_entries = source.snapshot();
  KvStore small(source.state_bytes() - 1);
  expect_refused_unchanged(small, two_entries,
                           "state of " + std::to_string(source.state_bytes()) + " bytes is over the limit of " +
                               std::to_string(source.state_bytes() - 1));
  KvStore just_enough(source.state_bytes());
  EXPECT_TRUE(just_enough.restore(two_entries).ok());
}

// Applies a fixed-seed random sequence of valid, oversized and malformed operations to two stores
// and to a plain std::map model: every result and digest must agree, and any other path to the
// final contents (restore, or fresh puts in reverse order) must give the same digest and bytes.
TEST(KvState, RandomOperationSequencesGiveIdenticalResultsAndDigests) {
  std::mt19937_64 random(0x6b76'5f73'7461'7465);
  const auto pick = [&](std::uint64_t bound) { return random() % bound; };
  const auto random_text = [&](std::uint64_t max_size) {
    std::string text(pick(max_size + 1), '\0');
    for (char& c : text) c = static_cast<char>('a' + pick(3));
    return text;
  };

  KvStore first;
  KvStore second;
  std::map<std::string, std::string> model;
  for (int step = 0; step < 4000; ++step) {
    const std::string key = "key" + std::to_string(pick(24));
    const std::string value = random_text(4);
    Bytes operation;
    OperationResult expected;
    const auto found = model.find(key);
    const bool present = found != model.end();
    switch (pick(7)) {
      case 0:
      case 1:
        operation = encode_put(as_bytes(key), as_bytes(value));
        model[key] = value;
        expected = Ok{};
        break;
      case 2:
        operation = encode_get(as_bytes(key));
        expected = present ? OperationResult{Value{to_bytes(found->second)}} : OperationResult{NotFound{}};
        break;
      case 3:
        operation = encode_delete(as_bytes(key));
        expected = present ? OperationResult{Ok{}} : OperationResult{NotFound{}};
        if (present) model.erase(found);
        break;
      case 4: {
        const std::optional<std::string> guess =
            pick(3) == 0 ? std::nullopt : std::optional<std::string>(present && pick(2) == 0 ? found->second : value);
        const std::optional<ByteView> guess_bytes =
            guess ? std::optional<ByteView>(as_bytes(*guess)) : std::nullopt;
        operation = encode_compare_and_swap(as_bytes(key), guess_bytes, as_bytes(value));
        const bool holds = guess ? present && found->second == *guess : !present;
        if (holds) {
          model[key] = value;
          expected = Ok{};
        } else {
          expected = CasMismatch{present ? std::optional<Bytes>(to_bytes(found->second)) : std::nullopt};
        }
        break;
      }
      case 5:
        operation = encode_put(Bytes(kMaxKeyBytes + 1, 'k'), as_bytes(value));
        expected = Refused{ErrorReason::key_too_large};
        break;
      default:
        operation = encode_put(as_bytes(key), as_bytes(value));
        operation.resize(pick(operation.size()));
        expected = Refused{ErrorReason::malformed};
        break;
    }
    const Bytes first_result = first.execute(operation);
    ASSERT_EQ(second.execute(operation), first_result) << "step " << step;
    ASSERT_EQ(std::get<OperationResult>(decode_result(first_result)), expected) << "step " << step;
    if (step % 500 == 0) {
      ASSERT_EQ(first.digest(), second.digest()) << "step " << step;
    }
  }
  EXPECT_EQ(first.digest(), second.digest());
  EXPECT_EQ(first.snapshot(), second.snapshot());

  KvStore rebuilt;
  for (auto entry = model.rbegin(); entry != model.rend(); ++entry) {
    ASSERT_EQ(put(rebuilt, entry->first, entry->second), OperationResult{Ok{}});
  }
  EXPECT_EQ(rebuilt.digest(), first.digest());
  EXPECT_EQ(rebuilt.snapshot(), first.snapshot());

  KvStore restored;
  ASSERT_TRUE(restored.restore(first.snapshot()).ok());
  EXPECT_EQ(restored.digest(), first.digest());
}

}  // namespace
}  // namespace loyal::kv
