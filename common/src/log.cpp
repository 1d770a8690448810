#include "ferry/common/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace ferry {

void setup_logging(LogLevel level) {
  spdlog::drop("ferry");
  auto logger = spdlog::stderr_logger_mt("ferry");
  logger->set_pattern("ferry: %^%l%$: %v");
  switch (level) {
    case LogLevel::quiet:
      logger->set_level(spdlog::level::err);
      break;
    case LogLevel::normal:
      logger->set_level(spdlog::level::info);
      break;
    case LogLevel::verbose:
      logger->set_level(spdlog::level::debug);
      break;
    case LogLevel::debug:
      logger->set_level(spdlog::level::trace);
      break;
  }
  spdlog::set_default_logger(logger);
}

}  // namespace ferry
