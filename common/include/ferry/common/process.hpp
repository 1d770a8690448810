// Who this process is, for lock holders and journals: "ferry pid 1234 on build-7".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ferry {

std::string process_label();

// A stable 32-bit FNV-1a hash: the same in every process and on every machine.
std::uint32_t stable_hash32(std::string_view text) noexcept;

}  // namespace ferry
