#include "ferry/common/safe_fs.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/common/error.hpp"
#include "ferry/common/node_layout.hpp"
#include "ferry/common/process.hpp"
#include "test_env.hpp"

namespace ferry {
namespace {

namespace fs = std::filesystem;

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

std::string read_fd(int fd) {
  std::string text;
  char buf[256];
  ssize_t n = 0;
  while ((n = ::read(fd, buf, sizeof buf)) > 0)
    text.append(buf, static_cast<std::size_t>(n));
  return text;
}

void expect_error_mentioning(const std::function<void()>& action, const std::string& fragment) {
  try {
    action();
    ADD_FAILURE() << "no error; expected one mentioning " << fragment;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(SafeFs, RelativePathChecks) {
  for (const std::string_view good : {"a", "a/b", "ü/ñ.txt", "a.b/..c/d..", ".hidden/x"}) {
    EXPECT_TRUE(is_safe_relative_path(good)) << good;
    EXPECT_NO_THROW(check_relative_path(good, "path")) << good;
  }
  const std::string with_nul("a\0b", 3);
  for (const std::string& bad :
       {std::string(), std::string("/etc"), std::string("../x"), std::string("a/../b"),
        std::string("a//b"), std::string("./a"), std::string("a/"), std::string("a/."), with_nul,
        std::string(4097, 'x')}) {
    EXPECT_FALSE(is_safe_relative_path(bad)) << bad;
    try {
      check_relative_path(bad, "manifest entry");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::failure);
      EXPECT_NE(std::string(e.what()).find("manifest entry"), std::string::npos) << e.what();
    }
  }
  EXPECT_TRUE(is_safe_relative_path(std::string(4096, 'x')));
}

TEST(SafeFs, FdOwnsAndReleases) {
  Fd empty;
  EXPECT_FALSE(empty);
  Fd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd);
  const int raw = fd.get();
  Fd moved(std::move(fd));
  EXPECT_FALSE(fd);
  EXPECT_EQ(moved.get(), raw);
  const int released = moved.release();
  EXPECT_FALSE(moved);
  EXPECT_EQ(::fcntl(released, F_GETFD), FD_CLOEXEC);  // still open: release did not close it
  ::close(released);
}

TEST(SafeFs, OpenRootCreatesAndRejectsFilesAndRelativePaths) {
  test::TempDir tmp;
  const fs::path root = fs::path(tmp.path()) / "x" / "y";
  EXPECT_THROW(open_root(root, false), Error);
  EXPECT_TRUE(open_root(root, true));
  EXPECT_TRUE(fs::is_directory(root));
  write_file(fs::path(tmp.path()) / "file", "x");
  expect_error_mentioning([&] { open_root(fs::path(tmp.path()) / "file", false); },
                          "not a directory");
  EXPECT_THROW(open_root("relative/root", true), Error);
}

TEST(SafeFs, OpenDirBeneathCreatesAndRefusesSymlinks) {
  test::TempDir tmp;
  const fs::path root = fs::path(tmp.path()) / "root";
  const fs::path outside = fs::path(tmp.path()) / "outside";
  fs::create_directories(root);
  fs::create_directories(outside);
  const Fd root_fd = open_root(root, false);

  const Fd made = open_dir_beneath(root_fd.get(), "a/b/c", true, 0700);
  ASSERT_TRUE(made);
  EXPECT_TRUE(fs::is_directory(root / "a/b/c"));
  EXPECT_EQ(fs::status(root / "a/b/c").permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_THROW(open_dir_beneath(root_fd.get(), "a/missing", false), Error);

  fs::create_directory_symlink(outside, root / "a" / "link");
  expect_error_mentioning([&] { open_dir_beneath(root_fd.get(), "a/link/deeper", true); },
                          (root / "a" / "link").string() + " is a symlink; refusing to follow it");
  expect_error_mentioning([&] { open_dir_beneath(root_fd.get(), "a/link", false); },
                          "is a symlink");
  EXPECT_TRUE(fs::is_empty(outside)) << "something was created through the link";

  write_file(root / "a" / "file", "x");
  expect_error_mentioning([&] { open_dir_beneath(root_fd.get(), "a/file/x", true); },
                          "is not a directory");
  EXPECT_THROW(open_dir_beneath(root_fd.get(), "../outside", false), Error);
}

TEST(SafeFs, CreateFileBeneathRefusesExistingNamesAndLinks) {
  test::TempDir tmp;
  const fs::path root = tmp.path();
  const Fd root_fd = open_root(root, false);
  const fs::path victim = root / "victim";
  write_file(victim, "keep me");
  fs::create_symlink(victim, root / "link");

  expect_error_mentioning([&] { create_file_beneath(root_fd.get(), "link", 0644); },
                          "is a symlink; refusing to follow it");
  expect_error_mentioning([&] { create_file_beneath(root_fd.get(), "victim", 0644); },
                          "already exists");
  EXPECT_THROW(create_file_beneath(root_fd.get(), "sub/name", 0644), Error);

  {
    const Fd fd = create_file_beneath(root_fd.get(), "new", 0600);
    const std::string text = "hello";
    write_all(fd.get(), text.data(), text.size(), "new");
    fsync_fd(fd.get(), "new");
  }
  const Fd back = open_file_beneath(root_fd.get(), "new");
  EXPECT_EQ(read_fd(back.get()), "hello");
  std::ifstream in(victim);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "keep me");
}

TEST(SafeFs, OpenFileBeneathFollowsNoLink) {
  test::TempDir tmp;
  const fs::path root = fs::path(tmp.path()) / "root";
  const fs::path outside = fs::path(tmp.path()) / "outside";
  fs::create_directories(root / "d");
  fs::create_directories(outside);
  write_file(outside / "secret", "s");
  write_file(root / "d" / "f", "inside");
  fs::create_symlink(outside / "secret", root / "d" / "file_link");
  fs::create_directory_symlink(outside, root / "dir_link");
  const Fd root_fd = open_root(root, false);

  EXPECT_EQ(read_fd(open_file_beneath(root_fd.get(), "d/f").get()), "inside");
  expect_error_mentioning([&] { open_file_beneath(root_fd.get(), "d/file_link"); }, "is a symlink");
  expect_error_mentioning([&] { open_file_beneath(root_fd.get(), "dir_link/secret"); },
                          "is a symlink");
  expect_error_mentioning([&] { open_file_beneath(root_fd.get(), "d"); }, "not a regular file");
  expect_error_mentioning([&] { open_file_beneath(root_fd.get(), "d/missing"); },
                          (root / "d" / "missing").string());
}

TEST(SafeFs, OpenBeneathIfExistsSaysMissingAndStillRefusesLinks) {
  test::TempDir tmp;
  const fs::path root = fs::path(tmp.path()) / "root";
  const fs::path outside = fs::path(tmp.path()) / "outside";
  fs::create_directories(root / "a" / "b");
  fs::create_directories(outside / "x");
  write_file(outside / "x" / "secret", "s");
  write_file(root / "a" / "b" / "f", "inside");
  write_file(root / "a" / "file", "x");
  fs::create_directory_symlink(outside, root / "a" / "link");
  fs::create_symlink(root / "nowhere", root / "a" / "dangling");
  fs::create_symlink(root / "a" / "b" / "f", root / "a" / "file_link");
  const Fd root_fd = open_root(root, false);

  // What exists opens; what does not, at any depth, is "does not exist", not an error.
  const std::optional<Fd> b = open_dir_beneath_if_exists(root_fd.get(), "a/b");
  ASSERT_TRUE(b && *b);
  EXPECT_EQ(read_fd(open_file_beneath(b->get(), "f").get()), "inside");
  for (const char* missing : {"missing", "a/missing", "a/missing/deeper", "a/b/missing"})
    EXPECT_FALSE(open_dir_beneath_if_exists(root_fd.get(), missing).has_value()) << missing;
  const std::optional<Fd> f = open_file_beneath_if_exists(root_fd.get(), "a/b/f");
  ASSERT_TRUE(f && *f);
  EXPECT_EQ(read_fd(f->get()), "inside");
  for (const char* missing : {"missing", "a/missing", "a/missing/f", "a/b/missing"})
    EXPECT_FALSE(open_file_beneath_if_exists(root_fd.get(), missing).has_value()) << missing;

  // A link anywhere on the way is refused, even where what lies behind it exists, and even a
  // dangling one: never "does not exist".
  const std::string link = (root / "a" / "link").string() + " is a symlink";
  expect_error_mentioning([&] { open_dir_beneath_if_exists(root_fd.get(), "a/link"); }, link);
  expect_error_mentioning([&] { open_dir_beneath_if_exists(root_fd.get(), "a/link/x"); }, link);
  expect_error_mentioning([&] { open_dir_beneath_if_exists(root_fd.get(), "a/link/missing"); },
                          link);
  expect_error_mentioning([&] { open_dir_beneath_if_exists(root_fd.get(), "a/dangling"); },
                          "is a symlink");
  expect_error_mentioning([&] { open_file_beneath_if_exists(root_fd.get(), "a/link/x/secret"); },
                          link);
  expect_error_mentioning([&] { open_file_beneath_if_exists(root_fd.get(), "a/file_link"); },
                          "is a symlink");
  expect_error_mentioning([&] { open_file_beneath_if_exists(root_fd.get(), "a/dangling"); },
                          "is a symlink");
  // Something else where a directory or file should be is an error too.
  expect_error_mentioning([&] { open_dir_beneath_if_exists(root_fd.get(), "a/file"); },
                          "is not a directory");
  expect_error_mentioning([&] { open_dir_beneath_if_exists(root_fd.get(), "a/file/x"); },
                          "is not a directory");
  expect_error_mentioning([&] { open_file_beneath_if_exists(root_fd.get(), "a/b"); },
                          "not a regular file");
  EXPECT_THROW(open_dir_beneath_if_exists(root_fd.get(), "../outside"), Error);
  EXPECT_THROW(open_file_beneath_if_exists(root_fd.get(), "../outside/x/secret"), Error);
}

TEST(SafeFs, RemoveTreeNeverFollowsLinks) {
  test::TempDir tmp;
  const fs::path root = fs::path(tmp.path()) / "root";
  const fs::path outside = fs::path(tmp.path()) / "outside";
  fs::create_directories(root / "tree" / "sub" / "deeper");
  fs::create_directories(outside / "nested");
  write_file(outside / "precious", "p");
  write_file(outside / "nested" / "also", "a");
  write_file(root / "tree" / "file", "f");
  write_file(root / "tree" / "sub" / "deeper" / "file", "f");
  fs::create_directory_symlink(outside, root / "tree" / "to_outside");
  fs::create_directory_symlink(outside, root / "tree" / "sub" / "deeper" / "to_outside");
  fs::create_symlink(outside / "precious", root / "tree" / "to_file");
  fs::create_directories(root / "tree" / "locked" / "inner");
  write_file(root / "tree" / "locked" / "inner" / "f", "x");
  fs::permissions(root / "tree" / "locked" / "inner",
                  fs::perms::owner_read | fs::perms::owner_exec);
  fs::permissions(root / "tree" / "locked", fs::perms::none);
  const Fd root_fd = open_root(root, false);

  remove_tree_beneath(root_fd.get(), "tree");

  EXPECT_FALSE(fs::exists(fs::symlink_status(root / "tree")));
  EXPECT_TRUE(fs::exists(outside / "precious"));
  EXPECT_TRUE(fs::exists(outside / "nested" / "also"));
  EXPECT_NO_THROW(remove_tree_beneath(root_fd.get(), "tree"));  // already gone: fine

  fs::create_directory_symlink(outside, root / "top_link");
  remove_tree_beneath(root_fd.get(), "top_link");
  EXPECT_FALSE(fs::exists(fs::symlink_status(root / "top_link")));
  EXPECT_TRUE(fs::exists(outside / "precious"));
  EXPECT_THROW(remove_tree_beneath(root_fd.get(), "../outside"), Error);
}

TEST(SafeFs, ReadDirNamesAndFreeBytes) {
  test::TempDir tmp;
  const fs::path root = tmp.path();
  write_file(root / "a", "");
  fs::create_directory(root / "b");
  const Fd root_fd = open_root(root, false);
  std::vector<std::string> names = read_dir_names(root_fd.get());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b"}));
  EXPECT_GT(free_bytes(root_fd.get()), 0u);
  EXPECT_EQ(path_beneath(root_fd.get(), "x/y"), (fs::canonical(root) / "x/y").string());
}

TEST(SafeFs, FileLockIsExclusiveAndNamesItsHolder) {
  test::TempDir tmp;
  const Fd dir = open_root(tmp.path(), false);
  {
    std::optional<FileLock> first = FileLock::try_acquire(dir.get(), "lock");
    ASSERT_TRUE(first.has_value());
    EXPECT_FALSE(FileLock::try_acquire(dir.get(), "lock").has_value());
    EXPECT_EQ(FileLock::holder(dir.get(), "lock"), process_label());
    std::optional<FileLock> moved = std::move(first);
    first.reset();
    EXPECT_FALSE(FileLock::try_acquire(dir.get(), "lock").has_value());
  }
  EXPECT_TRUE(FileLock::try_acquire(dir.get(), "lock").has_value());
  EXPECT_EQ(FileLock::holder(dir.get(), "missing"), "");

  fs::create_symlink(fs::path(tmp.path()) / "elsewhere", fs::path(tmp.path()) / "link");
  EXPECT_THROW(FileLock::try_acquire(dir.get(), "link"), Error);
  EXPECT_FALSE(fs::exists(fs::path(tmp.path()) / "elsewhere"));
}

TEST(NodeLayout, ReleaseNames) {
  for (const std::string& good :
       {std::string("v1"), std::string("2024-05-01_1+build.7"), std::string(200, 'a')}) {
    EXPECT_TRUE(node::is_valid_release_name(good)) << good;
    EXPECT_NO_THROW(node::check_release_name(good)) << good;
  }
  for (const std::string& bad :
       {std::string(), std::string(201, 'a'), std::string(".hidden"), std::string(".."),
        std::string("a/b"), std::string("v1.partial"), std::string("sp ace"), std::string("ü")}) {
    EXPECT_FALSE(node::is_valid_release_name(bad)) << bad;
    try {
      node::check_release_name(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::usage) << bad;
    }
  }
}

}  // namespace
}  // namespace ferry
