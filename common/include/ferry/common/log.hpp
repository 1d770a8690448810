// Logging setup. ferry logs plain lines to stderr through spdlog; stdout carries only the
// command's result (a table or JSON) so it can be piped.
#pragma once

namespace ferry {

enum class LogLevel { quiet, normal, verbose, debug };

// Installs the process-wide logger. Safe to call more than once (the last call wins).
void setup_logging(LogLevel level);

}  // namespace ferry
