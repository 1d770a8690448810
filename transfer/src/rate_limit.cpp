#include "ferry/transfer/rate_limit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <thread>

#include "ferry/common/error.hpp"
#include "ferry/common/text.hpp"

namespace ferry::transfer {

std::uint64_t parse_rate(std::string_view option, std::string_view text) {
  const auto bad = [&] {
    return Error(ErrorKind::usage,
                 fmt::format("{}: '{}' is not a rate; use e.g. 500K, 10M or 1G (bytes per "
                             "second, K/M/G = 1024-based)",
                             option, text));
  };
  const std::string_view trimmed = trim(text);
  std::size_t digits = 0;
  while (digits < trimmed.size() &&
         ((trimmed[digits] >= '0' && trimmed[digits] <= '9') || trimmed[digits] == '.'))
    ++digits;
  double value = 0;
  const auto [end, ec] =
      std::from_chars(trimmed.data(), trimmed.data() + digits, value, std::chars_format::fixed);
  if (digits == 0 || ec != std::errc() || end != trimmed.data() + digits || !std::isfinite(value))
    throw bad();
  const std::string suffix = ascii_upper(trimmed.substr(digits));
  double unit = 0;
  if (suffix.empty() || suffix == "K" || suffix == "KIB")
    unit = 1024.0;
  else if (suffix == "B")
    unit = 1.0;
  else if (suffix == "KB")
    unit = 1e3;
  else if (suffix == "M" || suffix == "MIB")
    unit = 1024.0 * 1024;
  else if (suffix == "MB")
    unit = 1e6;
  else if (suffix == "G" || suffix == "GIB")
    unit = 1024.0 * 1024 * 1024;
  else if (suffix == "GB")
    unit = 1e9;
  else
    throw bad();
  const double bytes = value * unit;
  if (bytes > 1e15)  // a petabyte a second is a typo, not a limit
    throw bad();
  if (value > 0 && bytes < 1)
    throw bad();
  return static_cast<std::uint64_t>(std::llround(bytes));
}

RateLimiter::RateLimiter(std::uint64_t bytes_per_second)
    : m_rate(std::max<std::uint64_t>(bytes_per_second, 1)),
      m_capacity(std::max(16384.0, static_cast<double>(m_rate) / 20)),
      m_tokens(0),
      m_last(Clock::now()) {}

void RateLimiter::acquire(std::uint64_t bytes) {
  double wait_seconds = 0;
  {
    std::lock_guard lock(m_mutex);
    const auto now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - m_last).count();
    m_last = now;
    m_tokens = std::min(m_capacity, m_tokens + elapsed * static_cast<double>(m_rate));
    m_tokens -= static_cast<double>(bytes);
    if (m_tokens < 0)
      wait_seconds = -m_tokens / static_cast<double>(m_rate);
  }
  if (wait_seconds > 0)
    std::this_thread::sleep_for(std::chrono::duration<double>(wait_seconds));
}

}  // namespace ferry::transfer
