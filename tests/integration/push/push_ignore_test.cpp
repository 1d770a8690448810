// ferry push --exclude and .ferryignore: what they exclude is not on the node, everything else
// is byte-equal (diff -r against a copy of the tree with the excluded paths removed by hand),
// and the scan cache of an earlier push does not bring excluded files back.
#include <gtest/gtest.h>

#include "push_support.hpp"
#include "test_env.hpp"

namespace ferry::test {
namespace {

TEST(PushIgnore, FerryignoreAndExcludeLeavePathsOffTheNode) {
  TempDir work;
  const fs::path src = fs::path(work.path()) / "src", node = fs::path(work.path()) / "node";
  make_sample_tree(src);
  fs::create_directories(src / "logs");
  fs::create_directories(src / "vendor/pkg");
  fs::create_directories(src / "sub/tmp");
  write_text(src / "app.log", "log\n");
  write_text(src / "keep.log", "kept\n");
  write_text(src / "logs/today", "log\n");
  write_text(src / "vendor/pkg/lib.c", "vendored\n");
  write_text(src / "sub/tmp/scratch", "scratch\n");
  write_text(src / "sub/x.bak", "backup\n");
  write_text(src / "sub/tmp.txt", "not a directory\n");
  const std::string to = " --to local:" + node.string();

  // A first push with nothing excluded fills the scan cache with every file.
  auto run = ferry("push " + src.string() + to + " --release r1 --flip");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;

  write_text(src / ".ferryignore", "# build output\n*.log\n!keep.log\n/logs/\n");
  write_text(src / "sub/.ferryignore", "tmp/\n");
  const std::string excludes = " --exclude vendor/ --exclude '*.bak'";

  run = ferry("push " + src.string() + to + excludes + " --release r2 --dry-run --json");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto report = run.json();
  // app.log, logs/, sub/tmp/, vendor/, sub/x.bak; a directory counts once.
  EXPECT_EQ(report["excluded_files"].get<int>(), 5) << report.dump(2);
  const int files = report["files"].get<int>();
  EXPECT_EQ(report["nodes"][0]["files"].get<int>(), files) << report.dump(2);

  run = ferry("push " + src.string() + to + excludes + " --release r2 --flip --json");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  report = run.json();
  EXPECT_EQ(report["excluded_files"].get<int>(), 5);
  EXPECT_EQ(report["files"].get<int>(), files);
  run = ferry("push " + src.string() + to + excludes + " --release r3");
  EXPECT_NE(run.out.find("5 excluded"), std::string::npos) << run.out;

  const fs::path release = node / "releases/r2";
  for (const char* gone : {"app.log", "logs", "vendor", "sub/tmp", "sub/x.bak"})
    EXPECT_FALSE(fs::exists(fs::symlink_status(release / gone))) << gone;
  for (const char* kept : {"keep.log", "sub/tmp.txt", ".ferryignore", "sub/.ferryignore"})
    EXPECT_TRUE(fs::exists(release / kept)) << kept;

  // The rest is the tree as it is, byte for byte, with modes, mtimes and links.
  const fs::path expected = fs::path(work.path()) / "expected";
  fs::create_directories(expected);
  ASSERT_EQ(std::system(("cp -a " + src.string() + "/. " + expected.string()).c_str()), 0);
  for (const char* gone : {"app.log", "logs", "vendor", "sub/tmp", "sub/x.bak"})
    fs::remove_all(expected / gone);
  for (const char* dir : {"", "sub"}) {  // the removals moved the directories' mtimes
    ASSERT_EQ(
        std::system(
            ("touch -h -r " + (src / dir).string() + " " + (expected / dir).string()).c_str()),
        0);
  }
  EXPECT_EQ(compare_trees(expected, release), "");
  // The first push, with no rules yet, took everything; the second did not reuse those files
  // from the scan cache.
  for (const char* there : {"app.log", "logs/today", "vendor/pkg/lib.c", "sub/tmp/scratch"})
    EXPECT_TRUE(fs::exists(node / "releases/r1" / there)) << there;
}

}  // namespace
}  // namespace ferry::test
