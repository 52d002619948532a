#include "replica/runtime/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>

namespace loyal::runtime {

std::vector<std::string_view> log_level_names() { return {"trace", "debug", "info", "warn", "error", "off"}; }

Status setup_logging(std::string_view level) {
  const std::vector<std::string_view> names = log_level_names();
  if (std::find(names.begin(), names.end(), level) == names.end()) {
    return Error{"unknown log level `" + std::string(level) + "`: use trace, debug, info, warn, error or off"};
  }
  auto logger = spdlog::stderr_color_mt("loyal");
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  logger->set_level(spdlog::level::from_str(std::string(level)));
  spdlog::set_default_logger(std::move(logger));
  return {};
}

}  // namespace loyal::runtime
