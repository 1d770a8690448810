#include <date/tz.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>

#include "ferry/common/error.hpp"
#include "ferry/engine/config.hpp"

namespace ferry::engine {
namespace {

// The zone of the tz database (/usr/share/zoneinfo, read once per process) with this name, or
// nullptr. The process's own TZ is never read or changed, so any thread may call this.
const date::time_zone* find_zone(const std::string& name) noexcept {
  if (name.empty())
    return nullptr;
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;
  }
}

}  // namespace

bool is_time_zone(const std::string& name) {
  return find_zone(name) != nullptr;
}

bool Window::contains(std::chrono::system_clock::time_point when) const {
  const date::time_zone* zone = find_zone(time_zone);
  if (zone == nullptr) {
    throw Error(ErrorKind::config, "unknown time zone '" + time_zone +
                                       "' (use a tz database name such as Europe/Amsterdam)");
  }
  const auto local = zone->to_local(std::chrono::floor<std::chrono::minutes>(when));
  const int m = static_cast<int>(
      std::chrono::floor<std::chrono::minutes>(local - date::floor<date::days>(local)).count());
  if (start_minute < end_minute)
    return m >= start_minute && m < end_minute;
  return m >= start_minute || m < end_minute;  // crosses midnight
}

std::string Window::text() const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%02d:%02d-%02d:%02d %s", start_minute / 60, start_minute % 60,
                end_minute / 60, end_minute % 60, time_zone.c_str());
  return buf;
}

}  // namespace ferry::engine
