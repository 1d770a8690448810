// Pushes that go wrong: SIGKILL of the sender or of the receiver mid-push, a full disk, a
// held lock. Nothing half-written is ever visible as a release and the rerun sends only what
// is missing.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "push_support.hpp"
#include "test_env.hpp"

namespace ferry::test {
namespace {

constexpr std::uint64_t k_big = 200ull << 20;

std::uint64_t size_or_zero(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return ec ? 0 : size;
}

// Waits (at most 60 s) until the receiver has written `bytes` of the big file.
bool wait_for_partial(const fs::path& file, std::uint64_t bytes, FerryProcess& push) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (size_or_zero(file) >= bytes)
      return true;
    if (!push.running())
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

// The pid of `ferry receive ROOT`, from /proc.
pid_t receiver_pid(const fs::path& root) {
  const std::string want = std::string("receive") + '\0' + root.string() + '\0';
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    const std::string cmdline{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (cmdline.size() >= want.size() &&
        cmdline.compare(cmdline.size() - want.size(), want.size(), want) == 0) {
      return static_cast<pid_t>(std::stoi(name));
    }
  }
  return -1;
}

void wait_until_gone(pid_t pid) {
  for (int i = 0; i < 5000 && pid > 0 && ::kill(pid, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

class KilledPush : public ::testing::Test {
 protected:
  void SetUp() override {
    src = fs::path(work.path()) / "src";
    node = fs::path(work.path()) / "node";
    make_sample_tree(src);
    // r0 is current before the interrupted push; it must stay current.
    ASSERT_EQ(
        ferry("push " + src.string() + " --to local:" + node.string() + " --release r0 --flip")
            .exit_code,
        0);
    write_random_file(src / "big.db", k_big, 99);
  }

  // The rerun completes r1, sending a good part less than the whole big file again.
  void expect_rerun_resumes() {
    EXPECT_FALSE(fs::exists(node / "releases/r1"));
    EXPECT_EQ(current_of(node), "releases/r0");
    const auto run =
        ferry("push " + src.string() + " --to local:" + node.string() + " --release r1 --json");
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
    const auto report = run.json();
    EXPECT_LT(bytes_sent(report), k_big * 85 / 100) << report.dump(2);
    EXPECT_EQ(compare_trees(src, node / "releases/r1"), "");
    EXPECT_FALSE(fs::exists(node / "releases/r1.partial"));
    EXPECT_EQ(current_of(node), "releases/r0");
  }

  TempDir work;
  fs::path src, node;
};

TEST_F(KilledPush, SenderKilledMidPushLeavesNoReleaseAndTheRerunSendsOnlyWhatIsMissing) {
  FerryProcess push({"push", src.string(), "--to", "local:" + node.string(), "--release", "r1"},
                    fs::path(work.path()) / "push.log");
  ASSERT_TRUE(wait_for_partial(node / "releases/r1.partial/big.db", k_big / 4, push))
      << push.output();
  const pid_t receiver = receiver_pid(node);
  push.kill();
  push.wait();
  wait_until_gone(receiver);
  expect_rerun_resumes();
}

TEST_F(KilledPush, ReceiverKilledMidPushFailsThePushAndTheRerunSendsOnlyWhatIsMissing) {
  FerryProcess push({"push", src.string(), "--to", "local:" + node.string(), "--release", "r1"},
                    fs::path(work.path()) / "push.log");
  ASSERT_TRUE(wait_for_partial(node / "releases/r1.partial/big.db", k_big / 4, push))
      << push.output();
  const pid_t receiver = receiver_pid(node);
  ASSERT_GT(receiver, 0);
  ASSERT_EQ(::kill(receiver, SIGKILL), 0);
  const int status = push.wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << push.output();
  EXPECT_NE(push.output().find("failed"), std::string::npos) << push.output();
  expect_rerun_resumes();
}

TEST(PushFaults, FullDiskIsRefusedBeforeAnythingIsWritten) {
  TempDir work;
  const fs::path mount_point = fs::path(work.path()) / "small";
  fs::create_directories(mount_point);
  ASSERT_EQ(::mount("tmpfs", mount_point.c_str(), "tmpfs", 0, "size=8m"), 0)
      << "mounting a small tmpfs needs root: " << std::strerror(errno);
  struct Unmount {
    fs::path path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{mount_point};
  const fs::path src = fs::path(work.path()) / "src";
  make_sample_tree(src);
  write_random_file(src / "big.db", 16 << 20, 5);
  const fs::path node = mount_point / "node";
  const auto run = ferry("push " + src.string() + " --to local:" + node.string() + " --release r1");
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.out.find("not enough space"), std::string::npos) << run.out;
  std::uint64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(src)) {
    if (e.is_regular_file() && !e.is_symlink())
      total += e.file_size();
  }
  EXPECT_NE(run.out.find(std::to_string(total) + " new bytes"), std::string::npos)
      << "the message gives the bytes needed: " << run.out;
  EXPECT_FALSE(fs::exists(node / "releases/r1"));
  EXPECT_FALSE(fs::exists(node / "releases/r1.partial"));
}

TEST(PushFaults, AHeldLockStopsASecondPushAndNamesTheHolder) {
  TempDir work;
  const fs::path src = fs::path(work.path()) / "src", node = fs::path(work.path()) / "node";
  make_sample_tree(src);
  ASSERT_EQ(
      ferry("push " + src.string() + " --to local:" + node.string() + " --release r1").exit_code,
      0);
  const int fd = ::open((node / ".ferry/lock").c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  ASSERT_EQ(::ftruncate(fd, 0), 0);
  ASSERT_EQ(::pwrite(fd, "the other deploy", 16, 0), 16);
  write_text(src / "README", "two\n");
  const auto run = ferry("push " + src.string() + " --to local:" + node.string() + " --release r2");
  ::close(fd);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.out.find("the other deploy"), std::string::npos) << run.out;
  EXPECT_FALSE(fs::exists(node / "releases/r2"));
}

}  // namespace
}  // namespace ferry::test
