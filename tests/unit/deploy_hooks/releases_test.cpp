#include "ferry/deploy_hooks/releases.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "ferry/common/error.hpp"
#include "ferry/common/process.hpp"
#include "test_env.hpp"

namespace ferry::deploy_hooks {
namespace {

namespace fs = std::filesystem;

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A release root in a temp dir with helpers to stage releases as a push would leave them.
class Releases : public ::testing::Test {
 protected:
  fs::path root() const { return fs::path(m_tmp.path()) / "node"; }

  // releases/NAME with one file, published `age_s` seconds after the epoch.
  void make_release(const std::string& name, int age_s, const std::string& content = "x") {
    const fs::path dir = root() / "releases" / name;
    fs::create_directories(dir / "bin");
    write_file(dir / "bin" / "app", content);
    write_file(root() / ".ferry" / "manifests" / name, "manifest of " + name);
    set_mtime(dir, age_s);
  }

  static void set_mtime(const fs::path& path, int seconds) {
    const struct timespec times[2] = {{seconds, 0}, {seconds, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  }

  static std::vector<std::string> names(const std::vector<ReleaseInfo>& infos) {
    std::vector<std::string> out;
    for (const ReleaseInfo& r : infos)
      out.push_back(r.name);
    return out;
  }

  std::string link_target() const { return fs::read_symlink(root() / "current").string(); }

  test::TempDir m_tmp;
};

TEST_F(Releases, OpenCreatesTheLayout) {
  EXPECT_THROW(ReleaseRoot::open(root(), false), Error);
  const ReleaseRoot r = ReleaseRoot::open(root(), true);
  EXPECT_TRUE(fs::is_directory(root() / "releases"));
  EXPECT_TRUE(fs::is_directory(root() / ".ferry" / "manifests"));
  EXPECT_EQ(r.path(), root());
  EXPECT_GE(r.fd(), 0);
  EXPECT_TRUE(r.list().empty());
  EXPECT_FALSE(r.current().has_value());
  EXPECT_FALSE(r.previous().has_value());

  write_file(fs::path(m_tmp.path()) / "file", "");
  EXPECT_THROW(ReleaseRoot::open(fs::path(m_tmp.path()) / "file", false), Error);
}

TEST_F(Releases, FlipPointsCurrentAtTheReleaseWithARelativeLink) {
  ReleaseRoot r = ReleaseRoot::open(root(), true);
  make_release("A", 100);
  make_release("B", 200);
  r.flip("A");
  EXPECT_TRUE(fs::is_symlink(root() / "current"));
  EXPECT_EQ(link_target(), "releases/A");
  EXPECT_EQ(r.current(), "A");
  r.flip("B");
  EXPECT_EQ(link_target(), "releases/B");
  EXPECT_EQ(read_text(root() / "current" / "bin" / "app"), "x");
  r.flip("B");  // no-op: history unchanged
  EXPECT_EQ(read_text(root() / ".ferry" / "history"), "A\nB\n");
  for (const fs::directory_entry& e : fs::directory_iterator(root() / ".ferry"))
    EXPECT_EQ(e.path().filename().string().find("tmp"), std::string::npos) << e.path();
}

TEST_F(Releases, FlipToAMissingOrPartialReleaseFailsAndLeavesCurrent) {
  ReleaseRoot r = ReleaseRoot::open(root(), true);
  make_release("A", 100);
  fs::create_directories(root() / "releases" / "B.partial");
  r.flip("A");
  try {
    r.flip("B");
    ADD_FAILURE() << "flipped to a partial release";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not complete"), std::string::npos) << e.what();
  }
  EXPECT_THROW(r.flip("B.partial"), Error);
  try {
    r.flip("Z");
    ADD_FAILURE() << "flipped to a missing release";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(root().string()), std::string::npos) << e.what();
  }
  EXPECT_THROW(r.flip("../A"), Error);
  EXPECT_EQ(link_target(), "releases/A");
  EXPECT_EQ(read_text(root() / ".ferry" / "history"), "A\n");
}

TEST_F(Releases, FlipRefusesAReleaseThatIsALink) {
  ReleaseRoot r = ReleaseRoot::open(root(), true);
  make_release("A", 100);
  fs::create_directory_symlink(root() / "releases" / "A", root() / "releases" / "L");
  EXPECT_THROW(r.flip("L"), Error);
  EXPECT_EQ(names(r.list()), std::vector<std::string>{"A"});
}

TEST_F(Releases, ListMarksCurrentAndPreviousAndIgnoresPartials) {
  ReleaseRoot r = ReleaseRoot::open(root(), true);
  make_release("C", 300);
  make_release("A", 100);
  make_release("B", 200);
  fs::create_directories(root() / "releases" / "D.partial");
  write_file(root() / "releases" / "stray-file", "");
  r.flip("A");
  r.flip("B");
  const std::vector<ReleaseInfo> list = r.list();
  ASSERT_EQ(names(list), (std::vector<std::string>{"A", "B", "C"}));
  EXPECT_EQ(list[0].completed_ns, 100'000'000'000);
  EXPECT_TRUE(list[0].previous);
  EXPECT_FALSE(list[0].current);
  EXPECT_TRUE(list[1].current);
  EXPECT_FALSE(list[1].previous);
  EXPECT_FALSE(list[2].current || list[2].previous);
}

TEST_F(Releases, ReleasesWithTheSameTimeSortByName) {
  ReleaseRoot r = ReleaseRoot::open(root(), true);
  make_release("b", 100);
  make_release("a", 100);
  EXPECT_EQ(names(r.list()), (std::vector<std::string>{"a", "b"}));
}

TEST_F(Releases, RollbackFollowsTheHistory) {
  ReleaseRoot r = ReleaseRoot::open(root(), true);
  make_release("A", 100);
  make_release("B", 200);
  make_release("C", 300);
  r.flip("A");
  r.flip("B");
  r.flip("C");
  EXPECT_EQ(r.previous(), "B");
  EXPECT_EQ(r.rollback(), "B");
  EXPECT_EQ(link_target(), "releases/B");
  // Walks back, never forth again: the second rollback lands on A.
  EXPECT_EQ(r.previous(), "A");
  EXPECT_EQ(r.rollback(), "A");
  EXPECT_EQ(r.current(), "A");
  EXPECT_FALSE(r.previous().has_value());
  // A flip after a rollback starts a new top: its previous is A.
  r.flip("C");
  EXPECT_EQ(r.previous(), "A");
  r.flip("B");
  EXPECT_EQ(r.previous(), "C");
  EXPECT_EQ(r.rollback(), "C");
  EXPECT_EQ(r.previous(), "A");
}

TEST_F(Releases, RollbackInterruptedAfterItsHistoryLineIsFinishedByTheNext) {
  ReleaseRoot r = ReleaseRoot::open(root(), true);
  make_release("A", 100);
  make_release("B", 200);
  make_release("C", 300);
  r.flip("A");
  r.flip("B");
  r.flip("C");
  // As a rollback killed between its history line and the link leaves it.
  { std::ofstream(root() / ".ferry" / "history", std::ios::app) << "rollback B\n"; }
  EXPECT_EQ(r.current(), "C");
  EXPECT_EQ(r.previous(), "B");
  EXPECT_EQ(r.rollback(), "B");
  EXPECT_EQ(r.previous(), "A");
}

TEST_F(Releases, FlipInterruptedBeforeItsHistoryLineKeepsThePreviousRelease) {
  ReleaseRoot r = ReleaseRoot::open(root(), true);
  make_release("A", 100);
  make_release("B", 200);
  make_release("C", 300);
  r.flip("A");
  r.flip("B");
  // As a flip to C killed between the link and its history line leaves it.
  fs::remove(root() / "current");
  fs::create_directory_symlink("releases/C", root() / "current");
  EXPECT_EQ(r.previous(), "B");
  EXPECT_EQ(r.rollback(), "B");
  EXPECT_EQ(r.previous(), "A");
}

TEST_F(Releases, PreviousSkipsReleasesThatAreGone) {
  ReleaseRoot r = ReleaseRoot::open(root(), true);
  make_release("A", 100);
  make_release("B", 200);
  make_release("C", 300);
  r.flip("A");
  r.flip("B");
  r.flip("C");
  fs::remove_all(root() / "releases" / "B");
  EXPECT_EQ(r.previous(), "A");
}

TEST_F(Releases, WithoutHistoryPreviousIsTheNewestOlderRelease) {
  ReleaseRoot r = ReleaseRoot::open(root(), true);
  make_release("A", 100);
  make_release("B", 200);
  make_release("C", 300);
  make_release("D", 400);
  // As the old symlink scripts left it: no history, an absolute link.
  fs::create_directory_symlink(root() / "releases" / "C", root() / "current");
  EXPECT_EQ(r.current(), "C");
  EXPECT_EQ(r.previous(), "B");
  fs::remove(root() / "current");
  fs::create_directory_symlink("releases/A", root() / "current");
  EXPECT_EQ(r.current(), "A");
  EXPECT_FALSE(r.previous().has_value());
  EXPECT_THROW(r.rollback(), Error);
}

TEST_F(Releases, CurrentThatIsNotAReleaseLinkIsAnError) {
  ReleaseRoot r = ReleaseRoot::open(root(), true);
  make_release("A", 100);
  fs::create_directory_symlink("/tmp", root() / "current");
  EXPECT_THROW(r.current(), Error);
  EXPECT_THROW(r.purge(0, false), Error);  // cannot tell what is live: touch nothing
  const std::vector<ReleaseInfo> list = r.list();
  ASSERT_EQ(names(list), std::vector<std::string>{"A"});
  EXPECT_FALSE(list[0].current);
  r.flip("A");  // a flip repairs it
  EXPECT_EQ(link_target(), "releases/A");

  fs::remove(root() / "current");
  fs::create_directories(root() / "current");
  EXPECT_THROW(r.current(), Error);
  try {
    r.flip("A");
    ADD_FAILURE() << "flipped over a directory";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_directory(fs::symlink_status(root() / "current")));
}

TEST_F(Releases, PurgeKeepsCurrentAndPreviousAndRemovesTheOldest) {
  ReleaseRoot r = ReleaseRoot::open(root(), true);
  make_release("A", 100);
  make_release("B", 200);
  make_release("C", 300);
  make_release("D", 400);
  fs::create_directories(root() / "releases" / "E.partial");
  r.flip("C");
  r.flip("D");

  EXPECT_EQ(r.purge(1, /*dry_run=*/true), (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(names(r.list()), (std::vector<std::string>{"A", "B", "C", "D"}));
  EXPECT_TRUE(fs::exists(root() / ".ferry" / "manifests" / "A"));

  EXPECT_EQ(r.purge(1, /*dry_run=*/false), (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(names(r.list()), (std::vector<std::string>{"C", "D"}));
  EXPECT_FALSE(fs::exists(root() / "releases" / "A"));
  EXPECT_FALSE(fs::exists(root() / ".ferry" / "manifests" / "A"));
  EXPECT_FALSE(fs::exists(root() / ".ferry" / "manifests" / "B"));
  EXPECT_TRUE(fs::exists(root() / ".ferry" / "manifests" / "C"));
  EXPECT_TRUE(fs::is_directory(root() / "releases" / "E.partial"));
  EXPECT_EQ(link_target(), "releases/D");
  EXPECT_TRUE(r.purge(0, false).empty());
}

TEST_F(Releases, PurgeKeepsNewerReleasesWhenEnoughRemain) {
  ReleaseRoot r = ReleaseRoot::open(root(), true);
  make_release("A", 100);
  make_release("B", 200);
  make_release("C", 300);
  make_release("D", 400);
  r.flip("A");
  r.flip("B");
  EXPECT_EQ(r.purge(3, false), std::vector<std::string>{"C"});
  EXPECT_EQ(names(r.list()), (std::vector<std::string>{"A", "B", "D"}));
}

TEST_F(Releases, PurgeNeverFollowsLinksOutOfARelease) {
  ReleaseRoot r = ReleaseRoot::open(root(), true);
  const fs::path outside = fs::path(m_tmp.path()) / "outside";
  fs::create_directories(outside);
  write_file(outside / "precious", "p");
  make_release("A", 100);
  make_release("B", 200);
  fs::create_directory_symlink(outside, root() / "releases" / "A" / "bin" / "escape");
  set_mtime(root() / "releases" / "A", 100);
  make_release("C", 300);
  fs::create_directories(root() / "releases" / ".purge-Z" / "half");  // an interrupted purge
  r.flip("B");
  r.flip("C");
  EXPECT_EQ(r.purge(0, false), std::vector<std::string>{"A"});
  EXPECT_TRUE(fs::exists(outside / "precious"));
  EXPECT_FALSE(fs::exists(root() / "releases" / ".purge-Z"));
}

TEST_F(Releases, BytesCountAHardLinkedFileOnce) {
  ReleaseRoot r = ReleaseRoot::open(root(), true);
  make_release("A", 100, std::string(1000, 'a'));
  fs::create_directories(root() / "releases" / "B" / "bin");
  fs::create_hard_link(root() / "releases" / "A" / "bin" / "app",
                       root() / "releases" / "B" / "bin" / "app");
  write_file(root() / "releases" / "B" / "bin" / "new", std::string(10, 'b'));
  fs::create_symlink("app", root() / "releases" / "B" / "bin" / "alias");
  set_mtime(root() / "releases" / "B", 200);
  const std::vector<ReleaseInfo> list = r.list();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].bytes, 1000u);
  EXPECT_EQ(list[1].bytes, 10u);
}

TEST_F(Releases, LockNamesItsHolder) {
  ReleaseRoot r = ReleaseRoot::open(root(), true);
  ReleaseRoot other = ReleaseRoot::open(root(), false);
  {
    const FileLock held = r.lock();
    try {
      const FileLock second = other.lock();
      ADD_FAILURE() << "two locks on one root";
    } catch (const Error& e) {
      EXPECT_TRUE(e.retryable());
      EXPECT_NE(std::string(e.what()).find(process_label()), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(root().string()), std::string::npos) << e.what();
    }
  }
  const FileLock after = other.lock();  // released with `held`
}

}  // namespace
}  // namespace ferry::deploy_hooks
