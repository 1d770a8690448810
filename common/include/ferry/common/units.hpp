// Byte counts and rates for people: "12.3 MiB", "118.4 MiB/s". Binary units throughout, one
// decimal; reports and progress lines print sizes this way, JSON prints the plain numbers.
#pragma once

#include <cstdint>
#include <string>

namespace ferry {

// "512 B", "1.5 KiB", "12.3 MiB", ... up to TiB.
std::string human_bytes(std::uint64_t bytes);
// human_bytes of a rate, with "/s": "118.4 MiB/s". A rate that is not a finite, positive
// number (nothing was measured) prints as "-".
std::string human_rate(double bytes_per_second);

}  // namespace ferry
