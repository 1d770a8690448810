// Which ferry.yaml a command reads: -c, else FERRY_CONFIG, else ./ferry.yaml or the nearest in
// a parent directory, stopping at the repository root; and which tables `data diff` compares
// when none are named (sync.tables of that ferry.yaml, else --tables or --all-tables).
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>

#include "test_env.hpp"

namespace ferry {
namespace {

namespace fs = std::filesystem;
using test::CommandOutput;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// ferry run from `dir` with `env` (NAME=VALUE words, may be empty), stdout and stderr together.
CommandOutput ferry_in(const fs::path& dir, const std::string& env, const std::string& args) {
  const std::string command = "cd '" + dir.string() + "' && env -u FERRY_CONFIG " + env + " '" +
                              test::ferry_binary() + "' " + args + " 2>&1";
  return test::run_shell(command);
}

// The tables a -v data diff reported on ("prd: table currencies: ...").
std::set<std::string> tables_compared(const std::string& output) {
  std::set<std::string> out;
  static const std::regex line(R"(: table ([a-z_]+): [0-9]+ rows compared)");
  for (auto it = std::sregex_iterator(output.begin(), output.end(), line);
       it != std::sregex_iterator(); ++it)
    out.insert((*it)[1]);
  return out;
}

class ConfigDiscovery : public ::testing::Test {
 protected:
  void SetUp() override {
    // The demo's fleet, its ferry.yaml naming three tables as the master's
    // (sync.tables: currencies, countries, product_types); the master has six.
    m_demo = fs::path(m_dir.path()) / "demo";
    const auto out = test::run_ferry("demo '" + m_demo.string() + "'");
    ASSERT_EQ(out.exit_code, 0) << out.output;
    m_deep = m_demo / "app" / "releases" / "v1";
    fs::create_directories(m_deep);
  }

  std::string url(const std::string& db) const { return "sqlite:" + (m_demo / db).string(); }

  test::TempDir m_dir;
  fs::path m_demo;
  fs::path m_deep;
};

TEST_F(ConfigDiscovery, TheNearestFerryYamlInAParentIsReadAndNamedAtVerbose) {
  const auto out = ferry_in(m_deep, "", "-v data diff --from master --to prd");
  ASSERT_EQ(out.exit_code, 0) << out.output;
  EXPECT_TRUE(contains(out.output, "config: " + (m_demo / "ferry.yaml").string())) << out.output;
  // Without -v the path is not printed.
  const auto quiet = ferry_in(m_deep, "", "data diff --from master --to prd");
  EXPECT_EQ(quiet.exit_code, 0) << quiet.output;
  EXPECT_FALSE(contains(quiet.output, "config: ")) << quiet.output;
}

TEST_F(ConfigDiscovery, TheSearchStopsAtTheRepositoryRoot) {
  // A repository inside the demo's folder: its ferry.yaml-less tree does not reach up to the
  // demo's file.
  const fs::path repo = m_demo / "repo";
  fs::create_directories(repo / ".git");
  fs::create_directories(repo / "src");
  const auto out =
      ferry_in(repo / "src", "", "data diff --from master --to prd --tables currencies");
  EXPECT_EQ(out.exit_code, 2) << out.output;
  EXPECT_TRUE(contains(out.output, "no ferry.yaml here or in a parent directory")) << out.output;
  EXPECT_EQ(out.output.find("ferry: error:"), out.output.rfind("ferry: error:")) << out.output;
  // A ferry.yaml at the repository root is found from below.
  fs::copy_file(m_demo / "ferry.yaml", repo / "ferry.yaml");
  const auto found = ferry_in(repo / "src", "", "-v schema diff master prd");
  EXPECT_TRUE(contains(found.output, "config: " + (repo / "ferry.yaml").string())) << found.output;
}

TEST_F(ConfigDiscovery, FerryConfigIsReadWhenNoDashC) {
  const fs::path elsewhere = fs::path(m_dir.path()) / "elsewhere";
  fs::create_directories(elsewhere);
  const std::string file = (m_demo / "ferry.yaml").string();
  const auto env =
      ferry_in(elsewhere, "FERRY_CONFIG='" + file + "'", "-v data diff --from master --to prd");
  ASSERT_EQ(env.exit_code, 0) << env.output;
  EXPECT_TRUE(contains(env.output, "config: " + file + " (from FERRY_CONFIG)")) << env.output;
  // -c wins over FERRY_CONFIG, and a FERRY_CONFIG that is not there is named.
  const std::string missing = (elsewhere / "missing.yaml").string();
  const auto dash_c = ferry_in(elsewhere, "FERRY_CONFIG='" + missing + "'",
                               "-v -c '" + file + "' data diff --from master --to prd");
  EXPECT_EQ(dash_c.exit_code, 0) << dash_c.output;
  EXPECT_TRUE(contains(dash_c.output, "(from -c)")) << dash_c.output;
  const auto bad =
      ferry_in(elsewhere, "FERRY_CONFIG='" + missing + "'", "data diff --from master --to prd");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_TRUE(contains(bad.output, missing)) << bad.output;
  // FERRY_CONFIG also wins over a ./ferry.yaml.
  const auto over =
      ferry_in(m_demo, "FERRY_CONFIG='" + missing + "'", "data diff --from master --to prd");
  EXPECT_EQ(over.exit_code, 2) << over.output;
}

TEST_F(ConfigDiscovery, DataDiffComparesSyncTablesOfTheConfigAndSaysSo) {
  const auto out = ferry_in(m_deep, "", "-v data diff --from master --to prd");
  ASSERT_EQ(out.exit_code, 0) << out.output;
  EXPECT_TRUE(contains(out.output, "the 3 table(s) sync.tables names in")) << out.output;
  EXPECT_EQ(tables_compared(out.output),
            (std::set<std::string>{"countries", "currencies", "product_types"}))
      << out.output;
  // --all-tables compares every master table instead (the tenants' orders differ).
  const auto all = ferry_in(m_deep, "", "-v data diff --all-tables --from master --to prd");
  EXPECT_EQ(all.exit_code, 3) << all.output;
  EXPECT_GT(tables_compared(all.output).size(), 3u) << all.output;
  EXPECT_TRUE(tables_compared(all.output).contains("orders")) << all.output;
  // --tables names them; both at once is a usage error.
  const auto named = ferry_in(m_deep, "", "-v data diff --from master --to prd --tables orders");
  EXPECT_EQ(tables_compared(named.output), std::set<std::string>{"orders"}) << named.output;
  const auto both =
      ferry_in(m_deep, "", "data diff --from master --to prd --tables orders --all-tables");
  EXPECT_EQ(both.exit_code, 2) << both.output;
}

TEST_F(ConfigDiscovery, DataDiffWithoutConfigOrTablesAsksForThem) {
  const fs::path elsewhere = fs::path(m_dir.path()) / "elsewhere";
  fs::create_directories(elsewhere / ".git");
  const std::string urls = "--from '" + url("master.db") + "' --to '" + url("prd.db") + "'";
  const auto out = ferry_in(elsewhere, "", "data diff " + urls);
  EXPECT_EQ(out.exit_code, 2) << out.output;
  EXPECT_TRUE(contains(out.output, "--tables")) << out.output;
  EXPECT_TRUE(contains(out.output, "--all-tables")) << out.output;
  // data sync never writes unnamed tables: it asks for --tables too.
  const auto sync = ferry_in(elsewhere, "", "data sync " + urls);
  EXPECT_EQ(sync.exit_code, 2) << sync.output;
  EXPECT_TRUE(contains(sync.output, "--tables")) << sync.output;
  const auto all = ferry_in(elsewhere, "", "-v data diff --all-tables " + urls);
  EXPECT_EQ(all.exit_code, 3) << all.output;
  EXPECT_TRUE(tables_compared(all.output).contains("orders")) << all.output;
}

}  // namespace
}  // namespace ferry
