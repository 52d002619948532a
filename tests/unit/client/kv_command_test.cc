#include "client/kv_command.h"

#include <optional>

#include <gtest/gtest.h>

#include "apps/kv/kv_operations.h"

namespace loyal::client {
namespace {

CommandOutcome describe(const kv::OperationResult& result) { return describe_kv_result(kv::encode_result(result)); }

TEST(KvCommand, OkAndValuesPrintPlainlyWithExitZero) {
  const CommandOutcome ok = describe(kv::Ok{});
  EXPECT_EQ(ok.text, "OK");
  EXPECT_EQ(ok.exit, ExitCode::ok);
  EXPECT_FALSE(ok.is_error);

  const CommandOutcome value = describe(kv::Value{.value = to_bytes("blue sky")});
  EXPECT_EQ(value.text, "blue sky");
  EXPECT_EQ(value.exit, ExitCode::ok);
}

TEST(KvCommand, NotFoundAndCasFailureAnswerNoWithExitOne) {
  const CommandOutcome missing = describe(kv::NotFound{});
  EXPECT_EQ(missing.text, "not found");
  EXPECT_EQ(static_cast<int>(missing.exit), 1);
  EXPECT_FALSE(missing.is_error);

  const CommandOutcome mismatch = describe(kv::CasMismatch{.current = to_bytes("red")});
  EXPECT_EQ(mismatch.text, "cas failed: current value is red");
  EXPECT_EQ(mismatch.exit, ExitCode::answered_no);

  const CommandOutcome absent = describe(kv::CasMismatch{.current = std::nullopt});
  EXPECT_EQ(absent.text, "cas failed: the key does not exist");
  EXPECT_EQ(absent.exit, ExitCode::answered_no);
}

TEST(KvCommand, RefusalsAndMalformedRepliesAreErrors) {
  const CommandOutcome refused = describe(kv::Refused{.reason = kv::ErrorReason::key_too_large});
  EXPECT_TRUE(refused.is_error);
  EXPECT_EQ(refused.exit, ExitCode::refused);
  EXPECT_NE(refused.text.find(std::string(kv::to_string(kv::ErrorReason::key_too_large))), std::string::npos);

  const CommandOutcome garbage = describe_kv_result(to_bytes("not a result"));
  EXPECT_TRUE(garbage.is_error);
  EXPECT_EQ(garbage.exit, ExitCode::refused);
  EXPECT_NE(garbage.text.find("not a key-value result"), std::string::npos) << garbage.text;
}

}  // namespace
}  // namespace loyal::client
