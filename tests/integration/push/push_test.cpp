// ferry push and ferry release over local: and ssh:// (a real sshd on 127.0.0.1).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>

#include "push_support.hpp"
#include "test_env.hpp"

namespace ferry::test {
namespace {

std::uint64_t inode_of(const fs::path& path) {
  struct stat st {};
  ::lstat(path.c_str(), &st);
  return st.st_ino;
}

TEST(Push, TreeReachesLocalAndSshNodesAndFlipsEverywhere) {
  TempDir work;
  const fs::path src = fs::path(work.path()) / "src";
  make_sample_tree(src);
  const fs::path a = fs::path(work.path()) / "node-a", b = fs::path(work.path()) / "node-b";
  const auto run = ferry("push " + src.string() + " --to local:" + a.string() + " " +
                         ssh_target(b) + " --release r1 --flip --json " + ssh_args());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const auto report = run.json();
  EXPECT_TRUE(report["flipped"].get<bool>());
  ASSERT_EQ(report["nodes"].size(), 2u);
  for (const fs::path& node : {a, b}) {
    EXPECT_EQ(current_of(node), "releases/r1");
    EXPECT_EQ(compare_trees(src, node / "current"), "") << node;
    EXPECT_FALSE(fs::exists(node / "releases/r1.partial"));
  }
}

TEST(Push, SecondReleaseSendsOnlyWhatChangedAndLinksTheRest) {
  TempDir work;
  const fs::path v1 = fs::path(work.path()) / "v1", v2 = fs::path(work.path()) / "v2";
  make_sample_tree(v1);
  write_random_file(v1 / "big.db", 200ull << 20, 42);
  const fs::path a = fs::path(work.path()) / "node-a", b = fs::path(work.path()) / "node-b";
  const std::string targets = "--to local:" + a.string() + " " + ssh_target(b) + " " + ssh_args();

  auto run = ferry("push " + v1.string() + " " + targets + " --release r1 --flip --json");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const std::uint64_t first = bytes_sent(run.json());
  EXPECT_GT(first, 2 * (200ull << 20) * 9 / 10);  // random data: nothing to gain

  // v2: bytes inserted in the middle of the big file, a file changed, one added, one removed.
  fs::create_directories(v2);
  ASSERT_EQ(std::system(("cp -a " + v1.string() + "/. " + v2.string()).c_str()), 0);
  fs::remove(v2 / "big.db");
  copy_with_insert(v1 / "big.db", v2 / "big.db", 100ull << 20, "inserted in the middle");
  write_text(v2 / "README", "the second release\n");
  write_text(v2 / "bin/new-tool", "new\n");
  fs::remove(v2 / "lib/private.key");

  run = ferry("push " + v2.string() + " " + targets + " --release r2 --flip --json");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const auto report = run.json();
  // A handful of chunks around the insertion and the small files, to two nodes.
  EXPECT_LT(bytes_sent(report), 2ull * (2 << 20)) << report.dump(2);
  for (const auto& node : report["nodes"]) {
    // leaf.txt, 日本語.txt, bin/run and lib/blob.bin did not change.
    EXPECT_EQ(node["linked"].get<int>(), 4) << node.dump();
    EXPECT_EQ(node["status"], "flipped");
  }
  for (const fs::path& node : {a, b}) {
    EXPECT_EQ(current_of(node), "releases/r2");
    EXPECT_EQ(compare_trees(v2, node / "current"), "") << node;
    EXPECT_EQ(compare_trees(v1, node / "releases/r1"), "") << node;
    // Unchanged files are the same inode in both releases.
    EXPECT_EQ(inode_of(node / "releases/r1/lib/blob.bin"),
              inode_of(node / "releases/r2/lib/blob.bin"));
    EXPECT_NE(inode_of(node / "releases/r1/README"), inode_of(node / "releases/r2/README"));
  }
}

TEST(Push, PushingTheSameReleaseAgainChangesNothingAndOtherContentIsRefused) {
  TempDir work;
  const fs::path src = fs::path(work.path()) / "src", node = fs::path(work.path()) / "node";
  make_sample_tree(src);
  const std::string to = " --to local:" + node.string();
  ASSERT_EQ(ferry("push " + src.string() + to + " --release r1").exit_code, 0);
  auto run = ferry("push " + src.string() + to + " --release r1 --json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.json()["nodes"][0]["status"], "unchanged");
  EXPECT_EQ(current_of(node), "");  // staged, never flipped

  write_text(src / "README", "changed\n");
  run = ferry("push " + src.string() + to + " --release r1");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.out.find("already exists"), std::string::npos) << run.out << run.err;
}

TEST(Push, DryRunReportsWhatWouldBeSentAndWritesNothing) {
  TempDir work;
  const fs::path src = fs::path(work.path()) / "src", node = fs::path(work.path()) / "node";
  make_sample_tree(src);
  const auto run = ferry("push " + src.string() + " --to local:" + node.string() +
                         " --release r1 --dry-run "
                         "--json");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const auto n = run.json()["nodes"][0];
  EXPECT_EQ(n["status"], "planned");
  EXPECT_GT(n["need_bytes"].get<std::uint64_t>(), 3u << 20);
  EXPECT_FALSE(fs::exists(node));
}

TEST(Release, ListFlipRollbackAndPurge) {
  TempDir work;
  const fs::path src = fs::path(work.path()) / "src", node = fs::path(work.path()) / "node";
  make_sample_tree(src);
  const std::string on = " --on " + ssh_target(node) + " " + ssh_args();
  for (const char* name : {"r1", "r2", "r3", "r4"}) {
    write_text(src / "VERSION", std::string(name) + "\n");
    ASSERT_EQ(ferry("push " + src.string() + " --to local:" + node.string() + " --release " + name +
                    " --flip")
                  .exit_code,
              0);
  }
  EXPECT_EQ(current_of(node), "releases/r4");

  auto run = ferry("release rollback" + on);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(current_of(node), "releases/r3");

  run = ferry("release list --json" + on);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto releases = run.json()["nodes"][0]["releases"];
  ASSERT_EQ(releases.size(), 4u);
  for (const auto& r : releases) {
    EXPECT_EQ(r["current"].get<bool>(), r["name"] == "r3") << r.dump();
    // Rollback walks back through the flip history: the next one would land on r2.
    EXPECT_EQ(r["previous"].get<bool>(), r["name"] == "r2") << r.dump();
  }

  // keep 1: the current (r3) and the previous (r2) stay whatever the count.
  run = ferry("release purge --keep 1 --dry-run --json" + on);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.json()["nodes"][0]["removed"], nlohmann::json({"r1", "r4"}));
  EXPECT_TRUE(fs::exists(node / "releases/r1"));
  run = ferry("release purge --keep 1" + on);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_FALSE(fs::exists(node / "releases/r1"));
  EXPECT_FALSE(fs::exists(node / "releases/r4"));
  EXPECT_EQ(current_of(node), "releases/r3");

  run = ferry("release flip r2" + on);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(current_of(node), "releases/r2");
  std::ifstream version(node / "current/VERSION");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(version), {}), "r2\n");

  run = ferry("release flip r1" + on);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_EQ(current_of(node), "releases/r2");
}

TEST(Push, BadTargetsAndUnreachableNodesGetClearErrors) {
  TempDir work;
  const fs::path src = fs::path(work.path()) / "src";
  make_sample_tree(src);
  auto run = ferry("push " + src.string() + " --to local:relative/root --release r1");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("absolute"), std::string::npos) << run.err;

  run = ferry("push " + src.string() + " --to local:/tmp/x --release ../evil");
  EXPECT_EQ(run.exit_code, 2) << run.err;

  // A port nobody listens on.
  run = ferry("push " + src.string() + " --to ssh://nobody@127.0.0.1:1/srv/app --release r1 " +
              ssh_args());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.out.find("ssh://nobody@127.0.0.1:1/srv/app"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("refused"), std::string::npos) << run.out;
}

TEST(Push, AnSshProgramThatDoesNotExistIsNamedInTheError) {
  TempDir work;
  const fs::path src = fs::path(work.path()) / "src";
  make_sample_tree(src);
  const auto run = ferry("push " + src.string() + " --to " + ssh_target("/srv/app") +
                         " --release r1 --ssh 'ferry-test-no-such-ssh -F /dev/null'");
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.out.find("cannot run ferry-test-no-such-ssh: No such file or directory"),
            std::string::npos)
      << run.out << run.err;
}

TEST(Push, OneFailingNodeMeansNoNodeFlips) {
  TempDir work;
  const fs::path src = fs::path(work.path()) / "src", good = fs::path(work.path()) / "good";
  make_sample_tree(src);
  // A root that is a file cannot take a release.
  const fs::path bad = fs::path(work.path()) / "bad";
  write_text(bad, "not a directory\n");
  const auto run = ferry("push " + src.string() + " --to local:" + good.string() +
                         " local:" + bad.string() + " --release r1 --flip --json");
  EXPECT_EQ(run.exit_code, 4) << run.out << run.err;
  EXPECT_FALSE(run.json()["flipped"].get<bool>());
  EXPECT_EQ(current_of(good), "");
  EXPECT_TRUE(fs::exists(good / "releases/r1"));  // staged, ready for the next try
}

}  // namespace
}  // namespace ferry::test
