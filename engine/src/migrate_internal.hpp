// Internal: what the migration files (migrate_files.cpp), the per-tenant runner
// (migrate_tenant.cpp) and the fleet (migrate_fleet.cpp) share.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ferry::engine {

// The numbers of a version as written ("0003" -> {3}, "1_1" and "1.1" -> {1, 1},
// "20240101120000_init" -> {20240101120000}), for ordering and for matching --to.
std::vector<std::uint64_t> version_order(const std::string& text);

// XXH3-128 of the file's bytes, 32 hex digits.
std::string file_checksum(const std::filesystem::path& file);

}  // namespace ferry::engine
