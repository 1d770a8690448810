// Internal: how the engine runs one piece of work per target.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>

namespace ferry::engine {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Calls work(i) for i in [0, count), at most `jobs` at once, on oneTBB. Targets wait on their
// servers rather than on our CPU, so more threads than cores are allowed. work() must not
// throw: per-target failures are values in the caller's report.
void for_each_target(std::size_t count, int jobs, const std::function<void(std::size_t)>& work);

}  // namespace ferry::engine
