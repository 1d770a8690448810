// Bandwidth limits for pushes (`ferry push --bwlimit`, `--bwlimit-total`; docs/push.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string_view>

namespace ferry::transfer {

// A rate as rsync's --bwlimit reads it, in bytes per second: a number (decimals allowed)
// with an optional suffix. No suffix and K or KiB mean units of 1024 bytes, M/MiB of 1024^2,
// G/GiB of 1024^3; KB, MB and GB are powers of 1000; B means bytes. Suffixes are
// case-insensitive; 0 means no limit. Error(usage) naming `option` and the text otherwise
// ("--bwlimit: '10X' is not a rate; use e.g. 500K, 10M or 1G (bytes per second)").
std::uint64_t parse_rate(std::string_view option, std::string_view text);

// A token bucket: acquire(n) returns once n more bytes fit under `bytes_per_second`, so
// writes paced by it average that rate. It holds at most 50 ms of tokens (at least 16 KiB),
// so an idle moment does not buy a long burst. Thread-safe: channels to several nodes may
// share one limiter (a limit across all of them), each reservation waits its turn.
class RateLimiter {
 public:
  explicit RateLimiter(std::uint64_t bytes_per_second);
  void acquire(std::uint64_t bytes);
  std::uint64_t rate() const noexcept { return m_rate; }

 private:
  using Clock = std::chrono::steady_clock;
  const std::uint64_t m_rate;
  const double m_capacity;
  std::mutex m_mutex;  // guards m_tokens and m_last
  double m_tokens;     // negative: bytes reserved ahead of the rate
  Clock::time_point m_last;
};

}  // namespace ferry::transfer
