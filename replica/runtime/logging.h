#pragma once
// The one logging setup of loyal's programs: spdlog's default logger, writing to stderr, with a
// timestamped pattern. Every thread logs through spdlog's free functions (spdlog::info, ...),
// which are thread-safe.

#include <string_view>
#include <vector>

#include "common/result.h"

namespace loyal::runtime {

// The level names --log-level accepts, most verbose first.
std::vector<std::string_view> log_level_names();

// Installs the default logger at `level` (one of log_level_names()); an Error for any other name.
Status setup_logging(std::string_view level);

}  // namespace loyal::runtime
