// Deltas of changed files (docs/push.md, "Deltas"): a file compressed with zstd against the
// node's older copy of it as a prefix, the mechanism of `zstd --patch-from`. A rebuilt binary
// moves bytes everywhere, so its content-defined chunks rarely repeat, while a delta against
// the previous build finds the long runs the two share wherever they moved to.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ferry::transfer {

// Neither a file nor its base may be larger for a delta: both are held in memory whole on
// either end, and the zstd window must span both. At 256 MiB, rebuilt 177 MB binaries took
// the sender to 1 GB of memory and 5x the time of sending their chunks; a larger file goes
// as chunks.
inline constexpr std::uint64_t k_max_delta_file = 64u << 20;

// A zstd frame of `target` compressed with `base` as its prefix: window large enough for
// base + target, long-distance matching on, the content size in the frame header. Error if
// either is over k_max_delta_file or zstd fails.
std::string compress_delta(std::string_view base, std::string_view target, int level);

// The `size` bytes that `frame` rebuilds from `base`. Error(failure) if the frame does not
// announce exactly `size` bytes, needs a window over what compress_delta makes, or does not
// decompress against this base. The caller checks the result against the file's hash: a
// frame made against another base may decompress to wrong bytes without an error.
std::string decompress_delta(std::string_view base, std::string_view frame, std::uint64_t size);

}  // namespace ferry::transfer
