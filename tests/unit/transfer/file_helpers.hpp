// Helpers the transfer unit tests share: seeded random content, POSIX checks, exact mtimes.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>

namespace ferry::transfer::test_files {

inline std::string random_content(std::size_t size, std::uint64_t seed) {
  std::string bytes(size, '\0');
  std::mt19937_64 random(seed);
  for (char& c : bytes)
    c = static_cast<char>(random());
  return bytes;
}

inline void check_posix(int rc, const std::string& what) {
  ASSERT_EQ(rc, 0) << what << ": " << std::strerror(errno);
}

inline void set_mtime(const std::string& path, std::int64_t ns) {
  const timespec times[2] = {{ns / 1'000'000'000, ns % 1'000'000'000},
                             {ns / 1'000'000'000, ns % 1'000'000'000}};
  check_posix(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), "utimensat " + path);
}

}  // namespace ferry::transfer::test_files
