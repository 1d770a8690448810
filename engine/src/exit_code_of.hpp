// Internal: the exit code of a run over many targets from its count of failed ones.
#pragma once

#include <cstddef>

#include "ferry/common/error.hpp"

namespace ferry::engine {

// 0 when none failed, 1 when all did, 4 when some did (README.md, "Exit codes").
inline ExitCode exit_code_of(std::size_t failed, std::size_t total) noexcept {
  if (failed == 0)
    return ExitCode::ok;
  return failed == total ? ExitCode::failure : ExitCode::partial_failure;
}

}  // namespace ferry::engine
