// Encoding and untrusted decoding of operations and results.

#include <optional>
#include <variant>
#include <vector>

#include <capnp/message.h>
#include <gtest/gtest.h>

#include "apps/kv/kv.capnp.h"
#include "apps/kv/kv_limits.h"
#include "apps/kv/kv_operations.h"
#include "kv_test_support.h"
#include "net/untrusted_message.h"

namespace loyal::kv {
namespace {

std::variant<Operation, ErrorReason> round_trip(const Operation& operation) {
  return decode_operation(encode_operation(operation));
}

TEST(KvOperations, EveryOperationRoundTrips) {
  const std::vector<Operation> operations = {
      Put{to_bytes("key"), to_bytes("value")},
      Put{{}, {}},
      Get{Bytes{0x00, 0xff}},
      Delete{to_bytes("key")},
      CompareAndSwap{to_bytes("key"), std::nullopt, to_bytes("new")},
      CompareAndSwap{to_bytes("key"), to_bytes("old"), to_bytes("new")},
      CompareAndSwap{to_bytes("key"), Bytes{}, Bytes{}},
  };
  for (std::size_t i = 0; i < operations.size(); ++i) {
    const auto decoded = round_trip(operations[i]);
    ASSERT_TRUE(std::holds_alternative<Operation>(decoded)) << "operation " << i;
    EXPECT_EQ(std::get<Operation>(decoded), operations[i]) << "operation " << i;
  }
}

TEST(KvOperations, HelpersEncodeTheSameBytesAsEncodeOperation) {
  EXPECT_EQ(encode_put(as_bytes("k"), as_bytes("v")), encode_operation(Put{to_bytes("k"), to_bytes("v")}));
  EXPECT_EQ(encode_get(as_bytes("k")), encode_operation(Get{to_bytes("k")}));
  EXPECT_EQ(encode_delete(as_bytes("k")), encode_operation(Delete{to_bytes("k")}));
  EXPECT_EQ(encode_compare_and_swap(as_bytes("k"), as_bytes("e"), as_bytes("n")),
            encode_operation(CompareAndSwap{to_bytes("k"), to_bytes("e"), to_bytes("n")}));
}

TEST(KvOperations, DecodeAcceptsExactlyTheSizeLimits) {
  const Bytes max_key(kMaxKeyBytes, 'k');
  const Bytes max_value(kMaxValueBytes, 'v');
  const Bytes long_key(kMaxKeyBytes + 1, 'k');
  const Bytes long_value(kMaxValueBytes + 1, 'v');
  using Decoded = std::variant<Operation, ErrorReason>;

  EXPECT_EQ(round_trip(Put{max_key, max_value}), (Decoded{Put{max_key, max_value}}));
  EXPECT_EQ(round_trip(Put{long_key, {}}), Decoded{ErrorReason::key_too_large});
  EXPECT_EQ(round_trip(Put{{}, long_value}), Decoded{ErrorReason::value_too_large});
  EXPECT_EQ(round_trip(Get{long_key}), Decoded{ErrorReason::key_too_large});
  EXPECT_EQ(round_trip(Delete{long_key}), Decoded{ErrorReason::key_too_large});
  EXPECT_EQ(round_trip(CompareAndSwap{{}, long_value, {}}), Decoded{ErrorReason::value_too_large});
  EXPECT_EQ(round_trip(CompareAndSwap{{}, std::nullopt, long_value}), Decoded{ErrorReason::value_too_large});
}

TEST(KvOperations, LargestOperationAndResultFitTheirFrameLimits) {
  const CompareAndSwap largest{Bytes(kMaxKeyBytes, 'k'), Bytes(kMaxValueBytes, 'e'), Bytes(kMaxValueBytes, 'n')};
  const Bytes operation = encode_operation(largest);
  EXPECT_LE(operation.size(), kMaxOperationBytes);
  EXPECT_EQ(decode_operation(operation), (std::variant<Operation, ErrorReason>{largest}));

  const OperationResult mismatch = CasMismatch{Bytes(kMaxValueBytes, 'c')};
  const Bytes result = encode_result(mismatch);
  EXPECT_LE(result.size(), kMaxResultBytes);
  EXPECT_EQ(decode_result(result), (std::variant<OperationResult, net::DecodeError>{mismatch}));
}

TEST(KvOperations, EveryResultRoundTrips) {
  const std::vector<OperationResult> results = {
      Ok{},
      Value{to_bytes("value")},
      Value{{}},
      NotFound{},
      CasMismatch{std::nullopt},
      CasMismatch{to_bytes("current")},
      CasMismatch{Bytes{}},
      Refused{ErrorReason::malformed},
      Refused{ErrorReason::key_too_large},
      Refused{ErrorReason::value_too_large},
      Refused{ErrorReason::state_full},
      Refused{ErrorReason::not_a_query},
  };
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto decoded = decode_result(encode_result(results[i]));
    ASSERT_TRUE(std::holds_alternative<OperationResult>(decoded)) << "result " << i;
    EXPECT_EQ(std::get<OperationResult>(decoded), results[i]) << "result " << i;
  }
}

TEST(KvOperations, DecodeResultRefusesWhatNoCorrectReplicaSends) {
  using Decoded = std::variant<OperationResult, net::DecodeError>;
  EXPECT_EQ(decode_result({}), Decoded{net::DecodeError::empty});
  EXPECT_EQ(decode_result(to_bytes("garbage!")), Decoded{net::DecodeError::malformed});
  EXPECT_EQ(decode_result(encode_result(Value{Bytes(kMaxValueBytes + 1, 'v')})), Decoded{net::DecodeError::malformed});
  EXPECT_EQ(decode_result(Bytes(kMaxResultBytes + 8, 0)), Decoded{net::DecodeError::too_large});

  capnp::MallocMessageBuilder unknown_reason;
  unknown_reason.initRoot<wire::Result>().setError(static_cast<wire::ErrorReason>(99));
  EXPECT_EQ(decode_result(net::message_to_frame(unknown_reason)), Decoded{net::DecodeError::malformed});

  Bytes unknown_result = encode_result(NotFound{});
  // Result's data section starts with the union's discriminant, right after the segment table
  // and the root pointer.
  ASSERT_EQ(unknown_result[16], static_cast<std::uint8_t>(wire::Result::NOT_FOUND));
  unknown_result[16] = 0x7f;
  EXPECT_EQ(decode_result(unknown_result), Decoded{net::DecodeError::malformed});
}

}  // namespace
}  // namespace loyal::kv
