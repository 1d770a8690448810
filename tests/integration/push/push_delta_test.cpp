// Deltas of changed files and --bwlimit, over local: and ssh:// (a real sshd on 127.0.0.1).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <random>

#include "push_support.hpp"
#include "test_env.hpp"

namespace ferry::test {
namespace {

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

// What a rebuild does to a binary: code inserted at a few places shifts everything after it,
// and addresses change all over (here 4 bytes every 16 KiB), so no 64 KiB chunk survives.
void rebuild(const fs::path& from, const fs::path& to, std::uint64_t seed) {
  std::string bytes = read_bytes(from);
  std::mt19937_64 rng(seed);
  for (std::size_t at = 1000; at + 4 < bytes.size(); at += 16 << 10) {
    for (int i = 0; i < 4; ++i)
      bytes[at + i] = static_cast<char>(rng());
  }
  for (int i = 0; i < 5; ++i) {
    const std::size_t at = rng() % bytes.size();
    bytes.insert(at, "new code " + std::to_string(rng()));
  }
  write_bytes(to, bytes);
}

// v1: a few MB of binary-like files and some text; v2: the same after a "rebuild".
void make_builds(const fs::path& v1, const fs::path& v2) {
  fs::create_directories(v1 / "bin");
  fs::create_directories(v1 / "lib");
  write_random_file(v1 / "bin/server", 3 << 20, 11);
  write_random_file(v1 / "lib/libcore.so", 2 << 20, 12);
  write_random_file(v1 / "lib/libextra.so", 1 << 20, 13);
  write_random_file(v1 / "lib/unchanged.so", 1 << 20, 14);
  write_text(v1 / "VERSION", "15.18\n");
  fs::create_directories(v2);
  ASSERT_EQ(std::system(("cp -a " + v1.string() + "/. " + v2.string()).c_str()), 0);
  rebuild(v1 / "bin/server", v2 / "bin/server", 21);
  rebuild(v1 / "lib/libcore.so", v2 / "lib/libcore.so", 22);
  rebuild(v1 / "lib/libextra.so", v2 / "lib/libextra.so", 23);
  write_text(v2 / "VERSION", "15.20\n");
}

TEST(PushDelta, RebuiltFilesGoAsDeltasAgainstTheTreeLastPushed) {
  TempDir work;
  const fs::path v1 = fs::path(work.path()) / "build-15.18";
  const fs::path v2 = fs::path(work.path()) / "build-15.20";
  make_builds(v1, v2);
  const fs::path with = fs::path(work.path()) / "node-deltas";
  const fs::path without = fs::path(work.path()) / "node-chunks";

  for (const fs::path& node : {with, without}) {
    const std::string target = node == with ? ssh_target(node) : "local:" + node.string();
    const auto run = ferry("push " + v1.string() + " --to " + target +
                           " --release r1 --flip --json " + ssh_args());
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  }
  // No --delta-from: the tree last pushed to the node (v1) is where the older copies are. The
  // tree is named by a relative path, as people type it.
  auto run = ferry("push " + fs::relative(v2).string() + " --to " + ssh_target(with) +
                   " --release r2 --flip --json " + ssh_args());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const auto deltas = run.json();
  run = ferry("push " + v2.string() + " --to local:" + without.string() +
              " --release r2 --flip --no-delta --json");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const auto chunks = run.json();

  const auto& node = deltas["nodes"][0];
  EXPECT_EQ(node["delta_files"].get<int>(), 4) << node.dump(2);  // 3 binaries and VERSION
  EXPECT_GT(node["delta_saved_bytes"].get<std::uint64_t>(), 5u << 20) << node.dump(2);
  EXPECT_EQ(node["delta_from"], fs::canonical(v1).string());
  EXPECT_EQ(chunks["nodes"][0]["delta_files"].get<int>(), 0);
  // Nearly every chunk of the 6 MiB that changed, against a few KiB of deltas.
  EXPECT_GT(bytes_sent(chunks), 11u << 19) << chunks.dump(2);
  EXPECT_LT(bytes_sent(deltas) * 20, bytes_sent(chunks)) << deltas.dump(2);
  std::fprintf(stderr, "bytes sent for v2: %llu with deltas, %llu without\n",
               static_cast<unsigned long long>(bytes_sent(deltas)),
               static_cast<unsigned long long>(bytes_sent(chunks)));

  for (const fs::path& n : {with, without}) {
    EXPECT_EQ(current_of(n), "releases/r2");
    EXPECT_EQ(compare_trees(v2, n / "current"), "") << n;
    EXPECT_EQ(compare_trees(v1, n / "releases/r1"), "") << n;
    for (const char* file : {"bin/server", "lib/libcore.so", "lib/libextra.so", "VERSION"})
      EXPECT_EQ(read_bytes(n / "current" / file), read_bytes(v2 / file)) << n << " " << file;
  }
}

TEST(PushDelta, AnOtherTreeAsDeltaFromFallsBackToChunks) {
  TempDir work;
  const fs::path v1 = fs::path(work.path()) / "v1", v2 = fs::path(work.path()) / "v2";
  const fs::path stranger = fs::path(work.path()) / "stranger";
  make_builds(v1, v2);
  make_builds(stranger / "a", stranger / "b");
  write_random_file(stranger / "b/bin/server", 3 << 20, 99);  // same paths, other content
  const fs::path node = fs::path(work.path()) / "node";
  const std::string to = " --to local:" + node.string();
  ASSERT_EQ(ferry("push " + v1.string() + to + " --release r1 --flip").exit_code, 0);
  const auto run = ferry("push " + v2.string() + to + " --release r2 --flip --json --delta-from " +
                         (stranger / "b").string());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const auto report = run.json();
  // stranger/b's VERSION is v2's, not the node's: only files whose older copy on this machine
  // hashes as the node's are made into deltas, here none.
  EXPECT_EQ(report["nodes"][0]["delta_files"].get<int>(), 0) << report.dump(2);
  EXPECT_EQ(current_of(node), "releases/r2");
  EXPECT_EQ(compare_trees(v2, node / "current"), "");

  const auto missing = ferry("push " + v2.string() + to + " --release r3 --delta-from " +
                             (stranger / "nothing-here").string());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("--delta-from"), std::string::npos) << missing.err;
}

TEST(PushDelta, ADamagedOlderCopyOnTheNodeFailsNamingItAndCurrentStays) {
  TempDir work;
  const fs::path v1 = fs::path(work.path()) / "v1", v2 = fs::path(work.path()) / "v2";
  make_builds(v1, v2);
  const fs::path node = fs::path(work.path()) / "node";
  const std::string to = " --to local:" + node.string();
  ASSERT_EQ(ferry("push " + v1.string() + to + " --release r1 --flip").exit_code, 0);
  // Someone edits r1's server in place and puts its mtime back: the node still takes it for
  // the copy its manifest describes and offers it as the base of a delta.
  const fs::path damaged = node / "releases/r1/bin/server";
  struct stat st {};
  ASSERT_EQ(::stat(damaged.c_str(), &st), 0);
  ::chmod(damaged.c_str(), 0644);
  {
    std::fstream f(damaged, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(12345);
    f.write("damage", 6);
  }
  ::chmod(damaged.c_str(), st.st_mode & 07777);
  const struct timespec times[2] = {st.st_mtim, st.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, damaged.c_str(), times, 0), 0);

  const auto run = ferry("push " + v2.string() + to + " --release r2 --flip --json");
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.out.find("bin/server"), std::string::npos) << run.out;
  EXPECT_EQ(current_of(node), "releases/r1");
  EXPECT_FALSE(fs::exists(node / "releases/r2"));
}

TEST(PushBwlimit, APushTakesAtLeastItsBytesOverTheRate) {
  TempDir work;
  const fs::path src = fs::path(work.path()) / "src";
  fs::create_directories(src);
  write_random_file(src / "data.bin", 2 << 20, 5);
  const fs::path a = fs::path(work.path()) / "a", b = fs::path(work.path()) / "b";

  auto start = std::chrono::steady_clock::now();
  auto run = ferry("push " + src.string() + " --to local:" + a.string() +
                   " --release r1 --bwlimit 1M --json");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_GT(seconds, 1.8);  // 2 MiB at 1 MiB/s
  EXPECT_LT(seconds, 30.0);
  EXPECT_EQ(compare_trees(src, a / "releases/r1"), "");

  // Across nodes: 2 MiB to each of two nodes at 2 MiB/s in all, whatever each may take.
  fs::remove_all(a);
  start = std::chrono::steady_clock::now();
  run = ferry("push " + src.string() + " --to local:" + a.string() + " local:" + b.string() +
              " --release r1 --bwlimit 100M --bwlimit-total 2M --json");
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_GT(seconds, 1.8);
  EXPECT_LT(seconds, 30.0);
}

TEST(PushBwlimit, AMalformedRateIsAUsageErrorNamingIt) {
  TempDir work;
  const std::string base =
      "push " + work.path() + " --to local:" + work.path() + "/node --release r1 ";
  auto run = ferry(base + "--bwlimit 10X");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--bwlimit: '10X'"), std::string::npos) << run.err;
  run = ferry(base + "--bwlimit-total fast");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--bwlimit-total: 'fast'"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(fs::path(work.path()) / "node"));
}

}  // namespace
}  // namespace ferry::test
