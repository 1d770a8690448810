// The scan cache of scan_tree(): unchanged files are taken from it, changed ones (by content
// and mtime, or by content with the mtime put back) are read again, a damaged or foreign cache
// is ignored and replaced, and the manifest never depends on it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "ferry/transfer/manifest.hpp"
#include "file_helpers.hpp"
#include "test_env.hpp"

namespace ferry::transfer {
namespace {

namespace fs = std::filesystem;

// Long ago, so no file of these tests is "racy" (changed within 2 s of the scan).
constexpr std::int64_t k_old_ns = 1'700'000'000'123'456'789;
constexpr std::size_t k_cache_header_bytes = 28;  // magic, version, chunker params, count

using test_files::check_posix;
using test_files::random_content;
using test_files::set_mtime;

struct stat stat_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path << ": " << std::strerror(errno);
  return st;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

struct Counts {
  std::uint64_t read = 0;
  std::uint64_t cached = 0;
};

class ScanCacheTest : public ::testing::Test {
 protected:
  std::string path(const std::string& relative) const { return m_tree.path() + "/" + relative; }
  std::string cache_file() const { return m_cache_dir.path() + "/scan/tree"; }

  // Content with an old mtime, so that the cache may keep it.
  void write_file(const std::string& relative, const std::string& content,
                  std::int64_t mtime_ns = k_old_ns) {
    write_bytes(path(relative), content);
    set_mtime(path(relative), mtime_ns);
  }

  void build_tree() {
    check_posix(::mkdir(path("a").c_str(), 0755), "mkdir a");
    check_posix(::mkdir(path("a/b").c_str(), 0755), "mkdir a/b");
    write_file("a/b/c.txt", "hello\n");
    write_file("a/same-size.txt", "version 1");
    write_file("big.bin", random_content(3 << 20, 7));
    write_file("empty.txt", "");
    write_file("gone.txt", "a file that will be removed");
    check_posix(::symlink("a/b/c.txt", path("link").c_str()), "symlink");
    for (int i = 0; i < 20; ++i) {
      write_file("a/f" + std::to_string(i), random_content(static_cast<std::size_t>(i) * 3000, i));
    }
    m_files = 25;
  }

  ScanOptions options(ChunkerParams params = {}) const {
    ScanOptions o;
    o.chunker = params;
    o.cache = cache_file();
    o.on_cache_error = [this](const std::string& message) { m_cache_errors.push_back(message); };
    return o;
  }

  // A scan with the cache; `counts` says how many files it read and took from the cache.
  Manifest scan(Counts& counts, const ScanOptions& o) {
    ScanProgress progress;
    Manifest manifest = scan_tree(m_tree.path(), o, &progress);
    counts.read = progress.files.load();
    counts.cached = progress.files_cached.load();
    EXPECT_EQ(counts.read + counts.cached, m_files);
    return manifest;
  }
  Manifest scan(Counts& counts) { return scan(counts, options()); }

  Manifest scan_without_cache(ChunkerParams params = {}) const {
    return scan_tree(m_tree.path(), {.chunker = params});
  }

  static const Entry& find(const Manifest& manifest, const std::string& entry_path) {
    for (const Entry& entry : manifest.entries) {
      if (entry.path == entry_path) {
        return entry;
      }
    }
    throw std::runtime_error("no entry " + entry_path);
  }

  test::TempDir m_tree;
  test::TempDir m_cache_dir;
  std::uint64_t m_files = 0;
  mutable std::vector<std::string> m_cache_errors;
};

TEST_F(ScanCacheTest, ASecondScanTakesUnchangedFilesFromTheCache) {
  build_tree();
  Counts first, second;
  const Manifest cold = scan(first);
  EXPECT_EQ(first.read, m_files);
  EXPECT_EQ(first.cached, 0u);
  ASSERT_TRUE(fs::is_regular_file(cache_file()));

  ScanProgress progress;
  const Manifest warm = scan_tree(m_tree.path(), options(), &progress);
  EXPECT_EQ(progress.files_cached.load(), m_files);
  EXPECT_EQ(progress.files.load(), 0u);
  EXPECT_EQ(progress.bytes.load(), 0u);  // nothing was read

  const Manifest plain = scan_without_cache();
  EXPECT_EQ(cold, plain);
  EXPECT_EQ(warm, plain);
  EXPECT_EQ(decode(encode(warm)), plain);

  // And again, on several threads: still all from the cache, still the same manifest.
  ScanOptions threaded = options();
  threaded.threads = 3;
  EXPECT_EQ(scan(second, threaded), plain);
  EXPECT_EQ(second.cached, m_files);
  EXPECT_TRUE(m_cache_errors.empty());
}

TEST_F(ScanCacheTest, AFileWithNewContentAndMtimeIsReadAgain) {
  build_tree();
  Counts counts;
  scan(counts);
  const std::string before = read_bytes(cache_file());

  write_file("a/same-size.txt", "version 2", k_old_ns + 1'000'000'000);
  const Manifest warm = scan(counts);
  EXPECT_EQ(counts.read, 1u);
  EXPECT_EQ(counts.cached, m_files - 1);
  EXPECT_EQ(warm, scan_without_cache());
  const XXH128_hash_t hash = XXH3_128bits("version 2", 9);
  EXPECT_EQ(find(warm, "a/same-size.txt").hash, (ChunkId{hash.low64, hash.high64}));
  EXPECT_NE(read_bytes(cache_file()), before);  // the new record replaced the old one

  scan(counts);
  EXPECT_EQ(counts.cached, m_files);
}

TEST_F(ScanCacheTest, AFileWithNewContentAndItsMtimePutBackIsReadAgainForItsCtime) {
  build_tree();
  Counts counts;
  scan(counts);
  const std::string file = path("a/same-size.txt");
  const struct stat cached = stat_of(file);

  // Same size, same mtime (as `touch -d` or a careful tool would leave it), same inode: only
  // the ctime says the file was written. Wait for the clock to move so that it does.
  write_bytes(file, "version 2");
  set_mtime(file, k_old_ns);
  for (int i = 0; i < 1000 && stat_of(file).st_ctim.tv_sec == cached.st_ctim.tv_sec &&
                  stat_of(file).st_ctim.tv_nsec == cached.st_ctim.tv_nsec;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    set_mtime(file, k_old_ns);
  }
  const struct stat now = stat_of(file);
  ASSERT_EQ(now.st_size, cached.st_size);
  ASSERT_EQ(now.st_ino, cached.st_ino);
  ASSERT_EQ(now.st_mtim.tv_sec, cached.st_mtim.tv_sec);
  ASSERT_EQ(now.st_mtim.tv_nsec, cached.st_mtim.tv_nsec);
  ASSERT_FALSE(now.st_ctim.tv_sec == cached.st_ctim.tv_sec &&
               now.st_ctim.tv_nsec == cached.st_ctim.tv_nsec);

  const Manifest warm = scan(counts);
  EXPECT_EQ(counts.read, 1u);
  EXPECT_EQ(warm, scan_without_cache());
  const XXH128_hash_t hash = XXH3_128bits("version 2", 9);
  EXPECT_EQ(find(warm, "a/same-size.txt").hash, (ChunkId{hash.low64, hash.high64}));
}

TEST_F(ScanCacheTest, AFileChangedJustBeforeTheScanIsReadEveryTimeAndNotCached) {
  build_tree();
  write_bytes(path("fresh.txt"), "written just now");  // mtime: now
  ++m_files;
  Counts counts;
  scan(counts);
  scan(counts);
  EXPECT_EQ(counts.read, 1u);
  EXPECT_EQ(counts.cached, m_files - 1);
  EXPECT_EQ(read_bytes(cache_file()).find("fresh.txt"), std::string::npos);
  // Its mtime in the future is no better.
  set_mtime(path("fresh.txt"),
            std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::system_clock::now().time_since_epoch() + std::chrono::hours(1))
                .count());
  scan(counts);
  scan(counts);
  EXPECT_EQ(counts.read, 1u);
}

TEST_F(ScanCacheTest, RemovedFilesDropOutOfTheCache) {
  build_tree();
  Counts counts;
  scan(counts);
  EXPECT_NE(read_bytes(cache_file()).find("gone.txt"), std::string::npos);
  check_posix(::unlink(path("gone.txt").c_str()), "unlink");
  --m_files;
  scan(counts);
  EXPECT_EQ(counts.cached, m_files);
  EXPECT_EQ(read_bytes(cache_file()).find("gone.txt"), std::string::npos);
}

TEST_F(ScanCacheTest, ADamagedCacheIsIgnoredAndRewritten) {
  build_tree();
  const Manifest plain = scan_without_cache();
  Counts counts;
  scan(counts);
  const std::string valid = read_bytes(cache_file());
  ASSERT_GT(valid.size(), k_cache_header_bytes + 8);

  std::string flipped = valid;
  flipped[valid.size() / 2] = static_cast<char>(flipped[valid.size() / 2] ^ 0x20);
  const std::string damaged[] = {
      random_content(valid.size(), 3),  // random bytes of the right length
      "FRYS" + random_content(5000, 4),
      valid.substr(0, valid.size() - 1),  // truncated
      valid.substr(0, valid.size() / 2),
      valid.substr(0, k_cache_header_bytes),
      "",
      flipped,
      valid + "x",
  };
  for (const std::string& bytes : damaged) {
    SCOPED_TRACE(bytes.size());
    write_bytes(cache_file(), bytes);
    EXPECT_EQ(scan(counts), plain);
    EXPECT_EQ(counts.cached, 0u);
    EXPECT_EQ(read_bytes(cache_file()), valid);  // rewritten
    scan(counts);
    EXPECT_EQ(counts.cached, m_files);
  }
  EXPECT_TRUE(m_cache_errors.empty());
}

TEST_F(ScanCacheTest, ACacheOfAnotherVersionIsIgnoredEvenWithAGoodChecksum) {
  build_tree();
  Counts counts;
  scan(counts);
  std::string other = read_bytes(cache_file());
  ASSERT_GT(other.size(), k_cache_header_bytes + 8);
  other[4] = 2;  // version 2
  const std::uint64_t sum = XXH3_64bits(other.data(), other.size() - 8);
  for (int i = 0; i < 8; ++i) {
    other[other.size() - 8 + static_cast<std::size_t>(i)] = static_cast<char>(sum >> (8 * i));
  }
  write_bytes(cache_file(), other);
  EXPECT_EQ(scan(counts), scan_without_cache());
  EXPECT_EQ(counts.cached, 0u);
}

TEST_F(ScanCacheTest, ACacheOfOtherChunkSizesIsIgnored) {
  build_tree();
  const ChunkerParams small{1024, 4096, 16384};
  Counts counts;
  scan(counts);
  EXPECT_EQ(scan(counts, options(small)), scan_without_cache(small));
  EXPECT_EQ(counts.cached, 0u);
  EXPECT_EQ(scan(counts, options(small)), scan_without_cache(small));
  EXPECT_EQ(counts.cached, m_files);
}

TEST_F(ScanCacheTest, ACacheThatCannotBeWrittenIsReportedAndTheScanStillSucceeds) {
  build_tree();
  const std::string blocker = m_cache_dir.path() + "/not-a-dir";
  write_bytes(blocker, "x");
  ScanOptions o = options();
  o.cache = blocker + "/cache";
  ScanProgress progress;
  EXPECT_EQ(scan_tree(m_tree.path(), o, &progress), scan_without_cache());
  ASSERT_EQ(m_cache_errors.size(), 1u);
  EXPECT_NE(m_cache_errors[0].find(blocker), std::string::npos) << m_cache_errors[0];

  o.on_cache_error = nullptr;  // nobody to tell: still no error
  EXPECT_EQ(scan_tree(m_tree.path(), o), scan_without_cache());
}

// Sets or unsets an environment variable for one scope.
class EnvVar {
 public:
  EnvVar(const char* name, const char* value) : m_name(name) {
    if (const char* old = std::getenv(name)) {
      m_old = old;
    }
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~EnvVar() {
    if (m_old) {
      ::setenv(m_name, m_old->c_str(), 1);
    } else {
      ::unsetenv(m_name);
    }
  }
  EnvVar(const EnvVar&) = delete;
  EnvVar& operator=(const EnvVar&) = delete;

 private:
  const char* m_name;
  std::optional<std::string> m_old;
};

TEST(DefaultScanCache, LivesUnderTheXdgCacheOrHomeNamedByTheCanonicalPath) {
  const test::TempDir dir;
  const std::string canonical = fs::canonical(dir.path()).string();
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(XXH3_64bits(canonical.data(), canonical.size())));
  const std::string link = dir.path() + "/self";
  check_posix(::symlink(".", link.c_str()), "symlink");
  {
    const EnvVar xdg("XDG_CACHE_HOME", "/xdg/cache");
    const EnvVar home("HOME", "/home/someone");
    EXPECT_EQ(default_scan_cache(dir.path()), fs::path("/xdg/cache/ferry/scan") / hex);
    EXPECT_EQ(default_scan_cache(link + "/"), fs::path("/xdg/cache/ferry/scan") / hex);
  }
  {
    const EnvVar xdg("XDG_CACHE_HOME", nullptr);
    const EnvVar home("HOME", "/home/someone");
    EXPECT_EQ(default_scan_cache(dir.path()), fs::path("/home/someone/.cache/ferry/scan") / hex);
  }
  {
    const EnvVar xdg("XDG_CACHE_HOME", "relative/cache");  // ignored, as the XDG spec says
    const EnvVar home("HOME", "/home/someone");
    EXPECT_EQ(default_scan_cache(dir.path()), fs::path("/home/someone/.cache/ferry/scan") / hex);
  }
  {
    const EnvVar xdg("XDG_CACHE_HOME", nullptr);
    const EnvVar home("HOME", nullptr);
    EXPECT_TRUE(default_scan_cache(dir.path()).empty());
  }
  {
    const EnvVar xdg("XDG_CACHE_HOME", "/xdg/cache");
    EXPECT_TRUE(default_scan_cache(dir.path() + "/missing").empty());
  }
}

}  // namespace
}  // namespace ferry::transfer
