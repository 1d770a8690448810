#include "ferry/common/units.hpp"

#include <fmt/format.h>

#include <cmath>

namespace ferry {
namespace {

std::string scaled(double value, const char* suffix) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{:.0f} B{}", value, suffix)
                   : fmt::format("{:.1f} {}{}", value, units[unit], suffix);
}

}  // namespace

std::string human_bytes(std::uint64_t bytes) {
  return scaled(static_cast<double>(bytes), "");
}

std::string human_rate(double bytes_per_second) {
  if (!std::isfinite(bytes_per_second) || bytes_per_second <= 0)
    return "-";
  return scaled(bytes_per_second, "/s");
}

}  // namespace ferry
