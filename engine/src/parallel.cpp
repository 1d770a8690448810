#include "parallel.hpp"

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <thread>

namespace ferry::engine {

void for_each_target(std::size_t count, int jobs, const std::function<void(std::size_t)>& work) {
  // `jobs` slots, but no more than there are targets, and at least one.
  const int n = static_cast<int>(
      std::clamp<std::size_t>(count, 1, static_cast<std::size_t>(std::max(1, jobs))));
  // n targets at once (the arena's slots), each mostly waiting on the network, plus a thread
  // per core for the pipelines that a target's work runs in an arena of their own
  // (diff::read_hashed).
  tbb::global_control threads(
      tbb::global_control::max_allowed_parallelism,
      static_cast<std::size_t>(n) + std::max(1u, std::thread::hardware_concurrency()));
  tbb::task_arena arena(n);
  arena.execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, count, 1),
        [&](const tbb::blocked_range<std::size_t>& range) {
          for (std::size_t i = range.begin(); i != range.end(); ++i)
            work(i);
        },
        tbb::simple_partitioner());
  });
}

}  // namespace ferry::engine
