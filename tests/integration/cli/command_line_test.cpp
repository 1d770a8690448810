// The command line as a user types it: global options before or after the command, unknown
// commands with a suggestion, one error prefix, `ferry version`, a bad -c path, bad numbers,
// --with-privileges where there are none to compare.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "test_env.hpp"

namespace ferry {
namespace {

using test::run_ferry;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::size_t lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// The report of a sync without its timings and run id, which differ from run to run.
std::string without_timings(const std::string& text) {
  return std::regex_replace(std::regex_replace(text, std::regex(R"([0-9]+\.[0-9]+s)"), "T"),
                            std::regex(R"(run [0-9A-Z-]+)"), "run ID");
}

class CommandLine : public ::testing::Test {
 protected:
  void SetUp() override {
    // A fleet to run commands on: the demo's, made once and synced.
    m_demo = std::filesystem::path(m_dir.path()) / "demo";
    const auto out = run_ferry("demo '" + m_demo.string() + "'");
    ASSERT_EQ(out.exit_code, 0) << out.output;
    m_config = (m_demo / "ferry.yaml").string();
  }

  test::TempDir m_dir;
  std::filesystem::path m_demo;
  std::string m_config;
};

TEST_F(CommandLine, GlobalOptionsWorkBeforeAndAfterTheCommand) {
  const auto before = run_ferry("-c '" + m_config + "' sync --mode structure --dry-run");
  const auto after = run_ferry("sync -c '" + m_config + "' --mode structure --dry-run");
  const auto last = run_ferry("sync --mode structure --dry-run --config '" + m_config + "'");
  ASSERT_EQ(before.exit_code, 0) << before.output;
  EXPECT_EQ(after.exit_code, 0) << after.output;
  EXPECT_EQ(last.exit_code, 0) << last.output;
  EXPECT_EQ(without_timings(after.output), without_timings(before.output));
  EXPECT_EQ(without_timings(last.output), without_timings(before.output));
  // -q after the command keeps only errors on stderr: the log lines go.
  const auto quiet = run_ferry("sync -q -c '" + m_config + "' --mode structure --dry-run");
  EXPECT_EQ(quiet.exit_code, 0) << quiet.output;
  EXPECT_FALSE(contains(quiet.output, "tst: structure")) << quiet.output;
  EXPECT_TRUE(contains(before.output, "tst: structure")) << before.output;
  // -v after a nested command.
  const auto verbose = run_ferry("schema diff master prd -v -c '" + m_config + "'");
  EXPECT_EQ(verbose.exit_code, 0) << verbose.output;
}

TEST_F(CommandLine, UnknownCommandsSayWhichAndSuggestTheNearest) {
  const auto lst = run_ferry("release lst --on local:/tmp/x");
  EXPECT_EQ(lst.exit_code, 2) << lst.output;
  EXPECT_TRUE(lst.output.starts_with(
      "ferry: error: unknown command 'lst' for 'ferry release'; did you mean 'list'?"))
      << lst.output;
  EXPECT_EQ(lines(lst.output), 1u) << lst.output;
  const auto snyc = run_ferry("-c '" + m_config + "' snyc");
  EXPECT_EQ(snyc.exit_code, 2) << snyc.output;
  EXPECT_TRUE(contains(snyc.output, "unknown command 'snyc' for 'ferry'; did you mean 'sync'?"))
      << snyc.output;
  const auto far = run_ferry("schema zzzzzz a b");
  EXPECT_EQ(far.exit_code, 2) << far.output;
  EXPECT_TRUE(contains(far.output, "unknown command 'zzzzzz' for 'ferry schema'")) << far.output;
  EXPECT_FALSE(contains(far.output, "did you mean")) << far.output;
}

TEST_F(CommandLine, ArgumentErrorsCarryTheSamePrefix) {
  for (const std::string args :
       {"sync --mode sometimes", "push", "data diff --from", "sync --jobs 0", "release"}) {
    const auto out = run_ferry(args);
    EXPECT_EQ(out.exit_code, 2) << args << "\n" << out.output;
    EXPECT_TRUE(out.output.starts_with("ferry: error: ")) << args << "\n" << out.output;
  }
}

TEST_F(CommandLine, VersionCommandPrintsWhatTheFlagPrints) {
  const auto flag = run_ferry("--version");
  const auto command = run_ferry("version");
  EXPECT_EQ(flag.exit_code, 0);
  EXPECT_EQ(command.exit_code, 0);
  EXPECT_TRUE(flag.output.starts_with("ferry ")) << flag.output;
  EXPECT_EQ(command.output, flag.output);
}

TEST_F(CommandLine, ConfigThatIsADirectoryIsOneLineNamingIt) {
  const auto out = run_ferry("-c '" + m_demo.string() + "' sync --dry-run");
  EXPECT_EQ(out.exit_code, 2) << out.output;
  EXPECT_EQ(lines(out.output), 1u) << out.output;
  EXPECT_TRUE(contains(out.output, m_demo.string() + " is a directory")) << out.output;
  EXPECT_FALSE(contains(out.output, "basic_filebuf")) << out.output;
  const auto missing = run_ferry("-c '" + m_demo.string() + "/nope.yaml' sync --dry-run");
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_TRUE(contains(missing.output, "nope.yaml")) << missing.output;
}

// Privileges are PostgreSQL's to compare: on SQLite (and MySQL) the flag is a usage error
// that says so, not a silent no-op.
TEST_F(CommandLine, WithPrivilegesIsRefusedOutsidePostgres) {
  const std::string c = " -c '" + m_config + "'";
  for (const std::string command : {"schema diff master prd --with-privileges",
                                    "schema sync --from master --to prd "
                                    "--with-privileges --dry-run"}) {
    const auto out = run_ferry(command + c);
    EXPECT_EQ(out.exit_code, 2) << command << ":\n" << out.output;
    EXPECT_TRUE(contains(out.output, "PostgreSQL privileges and ownership only"))
        << command << ":\n"
        << out.output;
  }
}

TEST_F(CommandLine, PurgeKeepsAtLeastOneRelease) {
  const std::filesystem::path root = m_demo / "node";
  std::filesystem::create_directories(root);
  const auto zero = run_ferry("release purge --keep 0 --on local:" + root.string());
  EXPECT_EQ(zero.exit_code, 2) << zero.output;
  EXPECT_TRUE(contains(zero.output, "--keep must be at least 1")) << zero.output;
  const auto negative = run_ferry("release purge --keep -1 --on local:" + root.string());
  EXPECT_EQ(negative.exit_code, 2) << negative.output;
  EXPECT_TRUE(contains(negative.output, "--keep must be at least 1")) << negative.output;
}

}  // namespace
}  // namespace ferry
