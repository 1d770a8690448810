#include "ferry/common/process.hpp"

#include <unistd.h>

namespace ferry {

std::string process_label() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0)
    host[0] = '\0';
  return "ferry pid " + std::to_string(::getpid()) + " on " + (host[0] ? host : "unknown host");
}

std::uint32_t stable_hash32(std::string_view text) noexcept {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : text) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

}  // namespace ferry
