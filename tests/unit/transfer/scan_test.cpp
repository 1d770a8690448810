// scan_tree() on real temp trees: what it records for each kind of entry, that block-wise
// reading cuts where whole-buffer chunking cuts, and the errors it raises.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "ferry/common/error.hpp"
#include "ferry/transfer/manifest.hpp"
#include "file_helpers.hpp"
#include "test_env.hpp"

namespace ferry::transfer {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t k_mib = std::size_t{1} << 20;
constexpr std::int64_t k_mtime_ns = 1'700'000'000'123'456'789;

// "ünïcødé" and "日本語.txt" in UTF-8.
const std::string k_unicode_dir =
    "\xc3\xbcn\xc3\xaf"
    "c\xc3\xb8"
    "d\xc3\xa9";
const std::string k_unicode_file = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.txt";

using test_files::check_posix;
using test_files::random_content;
using test_files::set_mtime;

class ScanTest : public ::testing::Test {
 protected:
  std::string path(const std::string& relative) const { return m_dir.path() + "/" + relative; }

  void write_file(const std::string& relative, const std::string& content, mode_t mode = 0644) {
    std::ofstream(path(relative), std::ios::binary) << content;
    check_posix(::chmod(path(relative).c_str(), mode), "chmod " + relative);
    m_content[relative] = content;
  }
  void make_dir(const std::string& relative, mode_t mode = 0755) {
    check_posix(::mkdir(path(relative).c_str(), 0700), "mkdir " + relative);
    check_posix(::chmod(path(relative).c_str(), mode), "chmod " + relative);
  }
  void make_link(const std::string& target, const std::string& relative) {
    check_posix(::symlink(target.c_str(), path(relative).c_str()), "symlink " + relative);
  }

  // The tree every scan test starts from: each kind of entry scan_tree() must handle.
  void build_tree() {
    make_dir("a", 0750);
    make_dir("a/b");
    write_file("a/b/c.txt", "hello\n");
    write_file("big.bin", random_content(5 * k_mib, 21));
    make_link("does/not/exist", "dangling");
    make_link("a", "dirlink");
    make_dir("empty-dir");
    write_file("empty.txt", "");
    make_link("a/b/c.txt", "link");
    write_file("run.sh", "#!/bin/sh\necho ferry\n", 0755);
    make_dir("shared", 02775);
    make_dir(k_unicode_dir);
    write_file(k_unicode_dir + "/" + k_unicode_file, "konnichiwa");
    set_mtime(path("a/b/c.txt"), k_mtime_ns);
    set_mtime(path("link"), k_mtime_ns + 1);
    set_mtime(path("a/b"), k_mtime_ns + 2);
  }

  static const Entry& find(const Manifest& manifest, const std::string& entry_path) {
    for (const Entry& entry : manifest.entries) {
      if (entry.path == entry_path) {
        return entry;
      }
    }
    throw std::runtime_error("no entry " + entry_path);
  }

  // Each file's content is its chunks in order, chunked as a caller holding the whole file
  // would chunk it, and hashed whole.
  void expect_content(const Manifest& manifest, const ChunkerParams& params) {
    const Chunker chunker(params);
    for (const auto& [relative, content] : m_content) {
      const Entry& entry = find(manifest, relative);
      ASSERT_EQ(entry.type, EntryType::file) << relative;
      EXPECT_EQ(entry.size, content.size()) << relative;
      const XXH128_hash_t whole = XXH3_128bits(content.data(), content.size());
      EXPECT_EQ(entry.hash, (ChunkId{whole.low64, whole.high64})) << relative;
      std::vector<ChunkRef> expected;
      const auto* bytes = reinterpret_cast<const std::uint8_t*>(content.data());
      for (std::size_t at = 0; at < content.size();) {
        const std::size_t size = chunker.cut(bytes + at, content.size() - at);
        expected.push_back({chunk_id(bytes + at, size), static_cast<std::uint32_t>(size)});
        at += size;
      }
      EXPECT_EQ(entry.chunks, expected) << relative;
      std::uint64_t sum = 0;
      for (const ChunkRef& chunk : entry.chunks) {
        sum += chunk.size;
      }
      EXPECT_EQ(sum, entry.size) << relative;
    }
  }

  test::TempDir m_dir;
  std::map<std::string, std::string> m_content;  // regular files written, by relative path
};

TEST_F(ScanTest, RecordsEveryKindOfEntry) {
  build_tree();
  ScanProgress progress;
  const Manifest manifest = scan_tree(m_dir.path(), {}, &progress);

  std::vector<std::string> paths;
  for (const Entry& entry : manifest.entries) {
    paths.push_back(entry.path);
  }
  // Byte order, so "empty-dir" ('-') sorts before "empty.txt" ('.'), and nothing of "a"
  // appears under "dirlink": the link to a directory is recorded, not followed.
  const std::vector<std::string> expected = {"a",
                                             "a/b",
                                             "a/b/c.txt",
                                             "big.bin",
                                             "dangling",
                                             "dirlink",
                                             "empty-dir",
                                             "empty.txt",
                                             "link",
                                             "run.sh",
                                             "shared",
                                             k_unicode_dir,
                                             k_unicode_dir + "/" + k_unicode_file};
  EXPECT_EQ(paths, expected);

  EXPECT_EQ(find(manifest, "a").type, EntryType::directory);
  EXPECT_EQ(find(manifest, "a").mode, 0750u);
  EXPECT_EQ(find(manifest, "a").size, 0u);
  EXPECT_EQ(find(manifest, "a/b").mtime_ns, k_mtime_ns + 2);
  EXPECT_EQ(find(manifest, "empty-dir").type, EntryType::directory);
  EXPECT_EQ(find(manifest, "shared").mode, 02775u);
  EXPECT_EQ(find(manifest, "run.sh").mode, 0755u);
  EXPECT_EQ(find(manifest, "a/b/c.txt").mode, 0644u);
  EXPECT_EQ(find(manifest, "a/b/c.txt").mtime_ns, k_mtime_ns);

  const Entry& link = find(manifest, "link");
  EXPECT_EQ(link.type, EntryType::symlink);
  EXPECT_EQ(link.link_target, "a/b/c.txt");
  EXPECT_EQ(link.size, link.link_target.size());
  EXPECT_TRUE(link.chunks.empty());
  EXPECT_EQ(link.mtime_ns, k_mtime_ns + 1);  // the link's own time, not its target's
  EXPECT_EQ(find(manifest, "dangling").link_target, "does/not/exist");
  EXPECT_EQ(find(manifest, "dirlink").type, EntryType::symlink);
  EXPECT_EQ(find(manifest, "dirlink").link_target, "a");

  const Entry& empty = find(manifest, "empty.txt");
  EXPECT_EQ(empty.size, 0u);
  EXPECT_TRUE(empty.chunks.empty());
  EXPECT_GT(find(manifest, "big.bin").chunks.size(), 10u);
  expect_content(manifest, ChunkerParams{});

  EXPECT_EQ(progress.files.load(), m_content.size());
  EXPECT_EQ(progress.bytes.load(), manifest.total_bytes());
  EXPECT_EQ(manifest.total_bytes(), 5 * k_mib + 6 + 21 + 10);
  EXPECT_EQ(decode(encode(manifest)), manifest);
}

TEST_F(ScanTest, BlockBoundariesDoNotMoveCutsAndThreadCountDoesNotMatter) {
  // Small chunks and a 13 MiB file: several read blocks, hundreds of cuts near their ends.
  make_dir("d");
  for (int i = 0; i < 20; ++i) {
    write_file("d/small-" + std::to_string(i),
               random_content(static_cast<std::size_t>(i) * 5000, i));
  }
  write_file("d/large", random_content(13 * k_mib + 7, 99));
  const ChunkerParams params{1024, 4096, 16384};
  const Manifest one = scan_tree(m_dir.path(), {.chunker = params, .threads = 1});
  expect_content(one, params);
  EXPECT_EQ(scan_tree(m_dir.path(), {.chunker = params, .threads = 3}), one);
  EXPECT_EQ(scan_tree(m_dir.path(), {.chunker = params}), one);
}

TEST_F(ScanTest, FollowsARootSymlinkButNoOtherAndIgnoresTrailingSlashes) {
  build_tree();
  const Manifest direct = scan_tree(m_dir.path());
  const test::TempDir elsewhere;
  const std::string current = elsewhere.path() + "/current";
  check_posix(::symlink(m_dir.path().c_str(), current.c_str()), "symlink current");
  EXPECT_EQ(scan_tree(current + "/"), direct);
}

TEST_F(ScanTest, AFifoIsAnErrorNamingIt) {
  build_tree();
  check_posix(::mkfifo(path("a/b/pipe").c_str(), 0644), "mkfifo");
  try {
    scan_tree(m_dir.path());
    FAIL() << "a fifo was scanned";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::failure);
    EXPECT_NE(std::string(e.what()).find(path("a/b/pipe")), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("fifo"), std::string::npos) << e.what();
  }
}

TEST_F(ScanTest, AnUnreadableFileIsAnErrorWithTheSystemReason) {
  build_tree();
  write_file("secret", "x", 0000);
  // Root reads files whatever their mode: the scan runs in a child that, when we are root,
  // drops to the unprivileged user nobody first. The child reports the error it got.
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(pipe_fds[0]);
    std::string message = "no error";
    if (::geteuid() == 0) {
      ::chmod(m_dir.path().c_str(), 0755);  // the temp dir itself; its parent is /tmp
      if (::setgid(65534) != 0 || ::setuid(65534) != 0)
        message = "cannot become nobody";
    }
    if (message == "no error") {
      try {
        scan_tree(m_dir.path());
      } catch (const Error& e) {
        message = e.what();
      }
    }
    [[maybe_unused]] auto n = ::write(pipe_fds[1], message.data(), message.size());
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  std::string message;
  char buffer[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;)
    message.append(buffer, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_NE(message.find(path("secret")), std::string::npos) << message;
  EXPECT_NE(message.find(std::strerror(EACCES)), std::string::npos) << message;
}

TEST_F(ScanTest, TheRootMustBeADirectory) {
  write_file("file", "x");
  EXPECT_THROW(scan_tree(path("file")), Error);
  try {
    scan_tree(path("missing"));
    FAIL() << "a missing root was scanned";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path("missing")), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::strerror(ENOENT)), std::string::npos) << e.what();
  }
  EXPECT_EQ(scan_tree(m_dir.path()).entries.size(), 1u);  // just "file"
}

TEST_F(ScanTest, BadChunkerParamsAreAConfigError) {
  try {
    scan_tree(m_dir.path(), {.chunker = {4096, 1024, 16384}});
    FAIL() << "min_size above avg_size was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
  }
}

}  // namespace
}  // namespace ferry::transfer
