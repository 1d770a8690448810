#include "ferry/engine/paths.hpp"

#include <cstdlib>

namespace ferry::engine {

std::filesystem::path default_state_dir() {
  if (const char* dir = std::getenv("FERRY_STATE_DIR"); dir && *dir)
    return dir;
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg) {
    return std::filesystem::path(xdg) / "ferry";
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::filesystem::path(home) / ".local" / "state" / "ferry";
  }
  return ".ferry";
}

}  // namespace ferry::engine
