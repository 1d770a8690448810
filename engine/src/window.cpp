#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>

#include "ferry/engine/config.hpp"

namespace ferry::engine {
namespace {

// localtime_r in another zone means switching TZ for the process: one at a time, and back.
std::mutex g_tz_mutex;

int local_minute(std::chrono::system_clock::time_point when, const std::string& zone) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::lock_guard lock(g_tz_mutex);
  const char* old = std::getenv("TZ");
  const std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
  ::setenv("TZ", (":" + zone).c_str(), 1);
  ::tzset();
  std::tm tm{};
  ::localtime_r(&t, &tm);
  if (saved) {
    ::setenv("TZ", saved->c_str(), 1);
  } else {
    ::unsetenv("TZ");
  }
  ::tzset();
  return tm.tm_hour * 60 + tm.tm_min;
}

}  // namespace

bool Window::contains(std::chrono::system_clock::time_point when) const {
  const int m = local_minute(when, time_zone);
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
