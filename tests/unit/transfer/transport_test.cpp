// Starting `ferry receive` (or ssh): a program that cannot be run is an error of
// Connection::open that names it and says why, and a child that does run gets the pipes as
// its stdin, stdout and stderr, SIGPIPE at its default and no blocked signal, whatever this
// process ignores or blocks. Real child processes, no server.
#include "ferry/transfer/transport.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "ferry/common/error.hpp"
#include "test_env.hpp"

namespace ferry::transfer {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The error Connection::open throws, or "" when it opens.
std::string open_error(const Target& target, const TransportOptions& options) {
  try {
    auto conn = Connection::open(target, options);
    const int status = conn->close();
    return "opened; exit status " + std::to_string(status) + ", stderr: " + conn->stderr_tail();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::failure);
    return std::string("error: ") + e.what();
  }
}

TEST(Transport, AnSshProgramThatDoesNotExistIsAnErrorNamingIt) {
  const Target target = parse_target("ssh://deploy@127.0.0.1:2222/srv/app");
  TransportOptions options;
  options.ssh_command = "ferry-test-no-such-ssh -o BatchMode=yes";
  EXPECT_EQ(open_error(target, options),
            "error: cannot run ferry-test-no-such-ssh: No such file or directory");
}

TEST(Transport, ALocalFerryThatCannotRunIsAnErrorNamingIt) {
  test::TempDir dir;
  TransportOptions options;
  options.local_ferry = dir.path() + "/no-such-ferry";
  const Target target = parse_target("local:" + dir.path() + "/root");
  EXPECT_EQ(open_error(target, options),
            "error: cannot run " + options.local_ferry + ": No such file or directory");

  // A file that is not executable.
  const std::string plain = dir.path() + "/not-executable";
  std::ofstream(plain) << "#!/bin/sh\nexit 0\n";
  options.local_ferry = plain;
  EXPECT_EQ(open_error(target, options), "error: cannot run " + plain + ": Permission denied");
}

TEST(Transport, TheChildGetsThePipesDefaultSigpipeAndNoBlockedSignal) {
  test::TempDir dir;
  const fs::path root = fs::path(dir.path()) / "root";
  fs::create_directory(root);

  // This thread blocks SIGUSR1, and Connection::open ignores SIGPIPE in this process; the
  // probe (a stand-in for `ferry receive`) writes what it was started with into the root.
  sigset_t usr1, old;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &usr1, &old), 0);
  TransportOptions options;
  options.local_ferry = FERRY_TRANSPORT_PROBE;
  auto conn = Connection::open(parse_target("local:" + root.string()), options);
  const int status = conn->close();
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  EXPECT_EQ(status, 0) << conn->stderr_tail();
  EXPECT_EQ(conn->stderr_tail(), "probe done");
  struct sigaction now {};
  ASSERT_EQ(::sigaction(SIGPIPE, nullptr, &now), 0);
  EXPECT_EQ(now.sa_handler, SIG_IGN) << "the sender ignores SIGPIPE";

  // Bit n-1 of a mask is signal n.
  const std::string probe = read_text(root / "probe");
  std::istringstream lines(probe);
  std::string name, value;
  int seen = 0, pipes = 0;
  while (lines >> name >> value) {
    if (name == "SigIgn:") {
      const std::uint64_t mask = std::stoull(value, nullptr, 16);
      EXPECT_EQ(mask & (std::uint64_t{1} << (SIGPIPE - 1)), 0u) << "the child ignores SIGPIPE";
      ++seen;
    } else if (name == "SigBlk:") {
      EXPECT_EQ(std::stoull(value, nullptr, 16), 0u) << "the child starts with blocked signals";
      ++seen;
    } else if (name.starts_with("fd")) {
      pipes += value.starts_with("pipe:");
    }
  }
  EXPECT_EQ(seen, 2) << probe;
  EXPECT_EQ(pipes, 3) << "stdin, stdout and stderr are not the three pipes:\n" << probe;
}

}  // namespace
}  // namespace ferry::transfer
