#include "client/kv_command.h"

#include <string_view>
#include <type_traits>
#include <variant>

#include "apps/kv/kv_operations.h"
#include "net/decode_error.h"

namespace loyal::client {

CommandOutcome describe_kv_result(ByteView result) {
  auto decoded = kv::decode_result(result);
  if (const auto* error = std::get_if<net::DecodeError>(&decoded)) {
    return CommandOutcome{.exit = ExitCode::refused,
                          .text = "the cluster's reply is not a key-value result (" +
                                  std::string(net::to_string(*error)) + ")",
                          .is_error = true};
  }
  return std::visit(
      [](const auto& answer) -> CommandOutcome {
        using Answer = std::decay_t<decltype(answer)>;
        if constexpr (std::is_same_v<Answer, kv::Ok>) {
          return CommandOutcome{.exit = ExitCode::ok, .text = "OK", .is_error = false};
        } else if constexpr (std::is_same_v<Answer, kv::Value>) {
          return CommandOutcome{.exit = ExitCode::ok, .text = std::string(as_chars(answer.value)), .is_error = false};
        } else if constexpr (std::is_same_v<Answer, kv::NotFound>) {
          return CommandOutcome{.exit = ExitCode::answered_no, .text = "not found", .is_error = false};
        } else if constexpr (std::is_same_v<Answer, kv::CasMismatch>) {
          return CommandOutcome{.exit = ExitCode::answered_no,
                                .text = answer.current ? "cas failed: current value is " +
                                                             std::string(as_chars(*answer.current))
                                                       : std::string("cas failed: the key does not exist"),
                                .is_error = false};
        } else {
          static_assert(std::is_same_v<Answer, kv::Refused>);
          return CommandOutcome{.exit = ExitCode::refused,
                                .text = "the store refused the operation: " + std::string(kv::to_string(answer.reason)),
                                .is_error = true};
        }
      },
      std::get<kv::OperationResult>(decoded));
}

}  // namespace loyal::client
