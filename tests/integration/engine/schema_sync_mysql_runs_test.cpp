// `ferry schema sync` runs against real MariaDB as a whole: repeat runs, dry runs, drift, runs
// killed mid-plan and resumed, the tenant lock, many tenants at once and password hygiene.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "schema_sync_mysql_support.hpp"

namespace ferry::test {
namespace {

using SchemaSyncMysqlRuns = MysqlSyncTest;

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// FERRY_BIN, else the ferry built beside this test (<build>/tests/x -> <build>/cli/ferry).
std::string ferry_bin() {
  if (const char* bin = std::getenv("FERRY_BIN"); bin != nullptr && *bin != '\0')
    return bin;
  return (fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "cli" / "ferry")
      .string();
}

std::vector<fs::path> journal_files(const std::string& state_dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(state_dir) / "schema-journal", ec)) {
    if (entry.path().extension() == ".json")
      out.push_back(entry.path());
  }
  return out;
}

TEST_F(SchemaSyncMysqlRuns, SecondSyncAppliesNothing) {
  exec(m_master, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(20) NULL)",
                  "CREATE INDEX k_name ON t (name)", "CREATE VIEW v AS SELECT name FROM t"});
  expect_synced();
  const auto after_first = structure(m_tenant);
  const Json tenant = sync_json("", 0).at("tenants").at(0);
  EXPECT_EQ(tenant.at("status"), "in sync");
  EXPECT_EQ(tenant.at("changes_applied"), 0);
  EXPECT_TRUE(tenant.at("plan").at("changes").empty());
  EXPECT_EQ(structure(m_tenant), after_first);
  const CommandOutput text = sync();
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_TRUE(contains(text.output, "in sync")) << text.output;
}

TEST_F(SchemaSyncMysqlRuns, DryRunChangesNothing) {
  exec(m_tenant, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(40) NULL)",
                  "CREATE TABLE only_here (id int)"});
  exec(m_master, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(20) NOT NULL, "
                  "n int NULL, KEY k_n (n))",
                  "CREATE TABLE fresh (id int NOT NULL PRIMARY KEY)"});
  const auto before = structure(m_tenant);
  const CommandOutput text = sync("--dry-run --allow-drop");
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_TRUE(contains(text.output, "-- plan for")) << text.output;
  EXPECT_TRUE(contains(text.output, "CREATE TABLE `fresh`")) << text.output;
  EXPECT_TRUE(contains(text.output, "DROP TABLE `only_here`")) << text.output;
  EXPECT_TRUE(contains(text.output, "planned")) << text.output;
  const Json tenant = sync_json("--dry-run --allow-drop", 0).at("tenants").at(0);
  EXPECT_EQ(tenant.at("status"), "planned");
  EXPECT_EQ(tenant.at("changes_applied"), 0);
  EXPECT_FALSE(tenant.at("plan").at("changes").empty());
  EXPECT_EQ(structure(m_tenant), before);
  EXPECT_TRUE(journal_files(m_state.path()).empty());
  EXPECT_EQ(diff_exit(m_tenant), 3);
}

TEST_F(SchemaSyncMysqlRuns, TenantOnlyObjectsAreDriftUntilAllowDrop) {
  exec(m_tenant, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(20) NULL, "
                  "mine int NULL, KEY k_mine (mine))",
                  "INSERT INTO t VALUES (1, 'one', 7)", "CREATE TABLE own (id int)",
                  "CREATE VIEW own_view AS SELECT id, mine FROM t"});
  exec(m_master, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(20) NULL, "
                  "added int NULL)"});
  const Json kept = sync_json("", 0).at("tenants").at(0);
  EXPECT_EQ(kept.at("status"), "applied");
  EXPECT_EQ(diff_exit(m_tenant), 0);
  EXPECT_EQ(count_objects(m_tenant, "COLUMNS", "COLUMN_NAME = 'added'"), 1u);
  EXPECT_EQ(drift(kept), (std::vector<std::string>{"column t.mine", "index t.k_mine", "table own",
                                                   "view own_view"}));
  // The tenant's view reads a table whose columns changed: it was recreated as it was.
  EXPECT_EQ(scalar(m_tenant, "SELECT mine FROM own_view"), "7");
  EXPECT_EQ(count_objects(m_tenant, "TABLES", "TABLE_NAME = 'own'"), 1u);
  EXPECT_EQ(count_objects(m_tenant, "STATISTICS", "INDEX_NAME = 'k_mine'"), 1u);
  EXPECT_EQ(diff_exit(m_tenant, "--allow-drop"), 3);
  const CommandOutput diff =
      ferry("schema diff " + shell_word(m_master.url()) + " " + shell_word(m_tenant.url()));
  EXPECT_TRUE(contains(diff.output, "drift: 4 object(s)")) << diff.output;

  const Json dropped = expect_synced("--allow-drop");
  EXPECT_TRUE(has_statement(dropped, "DROP TABLE `own`"));
  EXPECT_EQ(count_objects(m_tenant, "COLUMNS", "COLUMN_NAME = 'mine'"), 0u);
  EXPECT_EQ(count_objects(m_tenant, "VIEWS", "TABLE_NAME = 'own_view'"), 0u);
}

// A ferry process started in the background; SIGKILLed and reaped when it goes.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::string& log) {
    const std::string bin = ferry_bin();
    std::vector<std::string> words{bin};
    words.insert(words.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& w : words)
      argv.push_back(w.data());
    argv.push_back(nullptr);
    m_pid = ::fork();
    if (m_pid == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execv(bin.c_str(), argv.data());
      ::_exit(127);
    }
  }
  ~Child() { kill(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Whether the process has ended (reaped).
  bool done() {
    if (m_pid <= 0)
      return true;
    if (::waitpid(m_pid, nullptr, WNOHANG) == m_pid)
      m_pid = -1;
    return m_pid <= 0;
  }
  void kill() {
    if (m_pid <= 0)
      return;
    ::kill(m_pid, SIGKILL);
    ::waitpid(m_pid, nullptr, 0);
    m_pid = -1;
  }

 private:
  pid_t m_pid = -1;
};

TEST_F(SchemaSyncMysqlRuns, ResumesAfterSigkillMidPlan) {
  // 20 int columns widened to bigint on 200k rows: every ALTER copies the whole table.
  constexpr int k_columns = 20;
  std::string tenant_columns, master_columns, values;
  for (int i = 1; i <= k_columns; ++i) {
    tenant_columns += ", c" + std::to_string(i) + " int NOT NULL";
    master_columns += ", c" + std::to_string(i) + " bigint NOT NULL";
    values += ", seq";
  }
  exec(m_tenant, {"CREATE TABLE big (id int NOT NULL PRIMARY KEY" + tenant_columns + ")",
                  "INSERT INTO big SELECT seq" + values + " FROM seq_1_to_200000"});
  exec(m_master, {"CREATE TABLE big (id int NOT NULL PRIMARY KEY" + master_columns + ")"});

  const std::string log = m_state.path() + "/first-run.log";
  Child child({"schema", "sync", "--from", m_master.url(), "--to", m_tenant.url(), "--state-dir",
               m_state.path()},
              log);
  Json journal;
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  for (int polls = 0; polls < 6000 && Clock::now() < deadline; ++polls) {
    for (const fs::path& file : journal_files(m_state.path())) {
      std::ifstream in(file);
      try {
        journal = Json::parse(in);
      } catch (const std::exception&) {
        journal = Json();
      }
    }
    if (journal.is_object() && journal.value("committed", 0) >= 1)
      break;
    ASSERT_FALSE(child.done()) << "the sync ended before it could be killed";
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(journal.is_object() && journal.value("committed", 0) >= 1)
      << "no statement committed within 60 s";
  child.kill();

  const auto files = journal_files(m_state.path());
  ASSERT_EQ(files.size(), 1u);
  std::ifstream in(files[0]);
  journal = Json::parse(in);
  EXPECT_EQ(journal.at("status"), "running");
  const auto total = journal.at("statements").size();
  EXPECT_EQ(total, static_cast<std::size_t>(k_columns));
  EXPECT_GE(journal.at("committed").get<std::size_t>(), 1u);
  EXPECT_LT(journal.at("committed").get<std::size_t>(), total);
  EXPECT_FALSE(contains(journal.dump(), k_password));

  // The killed client's statement runs on in the server until it ends; wait for that session.
  const std::string others = "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = '" +
                             m_tenant.name() + "' AND ID <> CONNECTION_ID()";
  auto observer = m_tenant.connect();
  const auto quiet_deadline = Clock::now() + std::chrono::seconds(120);
  for (int polls = 0; polls < 1200 && Clock::now() < quiet_deadline; ++polls) {
    if (observer->query(others).at(0).at(0) == "0")
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(observer->query(others).at(0).at(0), "0") << "the killed session never ended";

  const CommandOutput rerun = sync("--json");
  EXPECT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_TRUE(contains(rerun.output, "an earlier run")) << rerun.output;
  const Json report = json_of(rerun);
  EXPECT_EQ(report.at("tenants").at(0).at("status"), "applied") << rerun.output;
  EXPECT_TRUE(journal_files(m_state.path()).empty());
  EXPECT_EQ(diff_exit(m_tenant), 0);
  EXPECT_EQ(structure(m_tenant), structure(m_master));
  EXPECT_EQ(scalar(m_tenant, "SELECT COUNT(*) FROM big"), "200000");
}

TEST_F(SchemaSyncMysqlRuns, LockedTenantIsReportedWithItsHolder) {
  TempDatabase other{Dialect::mysql};
  exec(m_master, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY)"});
  auto holder = m_tenant.connect();
  ASSERT_FALSE(holder->try_lock("schema-sync").has_value());
  const std::string connection_id = *holder->query("SELECT CONNECTION_ID()").at(0).at(0);

  const CommandOutput alone = sync("--json");
  EXPECT_EQ(alone.exit_code, 1) << alone.output;
  EXPECT_EQ(json_of(alone).at("tenants").at(0).at("status"), "locked");

  const CommandOutput out = sync({&m_tenant, &other}, "--json");
  EXPECT_EQ(out.exit_code, 4) << out.output;
  const Json report = json_of(out);
  const Json& locked = report.at("tenants").at(0);
  EXPECT_EQ(locked.at("status"), "locked");
  EXPECT_EQ(locked.at("changes_applied"), 0);
  const std::string error = locked.at("error");
  EXPECT_TRUE(contains(error, "lock")) << error;
  EXPECT_TRUE(contains(error, "connection " + connection_id)) << error;
  EXPECT_EQ(report.at("tenants").at(1).at("status"), "applied");
  EXPECT_EQ(count_objects(m_tenant, "TABLES", "TABLE_NAME = 't'"), 0u);
  EXPECT_EQ(diff_exit(other), 0);

  const CommandOutput text = sync();
  EXPECT_EQ(text.exit_code, 1) << text.output;
  EXPECT_TRUE(contains(text.output, "locked")) << text.output;
  EXPECT_TRUE(contains(text.output, "connection " + connection_id)) << text.output;

  holder->release_lock("schema-sync");
  expect_synced();
}

TEST_F(SchemaSyncMysqlRuns, SyncsSeveralTenantsInParallel) {
  TempDatabase second{Dialect::mysql};
  TempDatabase third{Dialect::mysql};
  exec(m_master, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(20) NULL)",
                  "CREATE VIEW v AS SELECT name FROM t"});
  exec(second, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(80) NULL)"});
  const auto second_before = structure(second);

  const CommandOutput out = sync({&m_tenant, &second, &third}, "-j 3 --json");
  EXPECT_EQ(out.exit_code, 4) << out.output;
  const Json report = json_of(out);
  EXPECT_EQ(report.at("exit_code"), 4);
  EXPECT_EQ(report.at("dry_run"), false);
  EXPECT_FALSE(contains(report.at("master").get<std::string>(), k_password));
  const Json& tenants = report.at("tenants");
  ASSERT_EQ(tenants.size(), 3u);
  const std::vector<const TempDatabase*> order{&m_tenant, &second, &third};
  const std::vector<std::string> want{"applied", "blocked", "applied"};
  for (std::size_t i = 0; i < 3; ++i) {
    const Json& t = tenants.at(i);
    EXPECT_TRUE(t.at("tenant").get<std::string>().ends_with("/" + order[i]->name())) << t;
    EXPECT_EQ(t.at("status"), want[i]) << t;
    EXPECT_TRUE(t.at("plan").at("changes").is_array());
    EXPECT_TRUE(t.at("seconds").is_number());
    EXPECT_EQ(t.at("error").is_null(), want[i] == "applied") << t;
  }
  EXPECT_TRUE(contains(tenants.at(1).at("error").get<std::string>(), "varchar(80) -> varchar(20)"))
      << tenants.at(1);
  EXPECT_EQ(structure(second), second_before);
  EXPECT_EQ(diff_exit(m_tenant), 0);
  EXPECT_EQ(diff_exit(second), 3);
  EXPECT_EQ(diff_exit(third), 0);
  EXPECT_EQ(structure(third), structure(m_master));
}

// Tenants synced on oneTBB worker threads used to crash ferry at exit (SIGSEGV, exit 139)
// now and then: the workers' MySQL thread cleanup ran after the driver was destroyed.
TEST_F(SchemaSyncMysqlRuns, ExitsCleanlyAfterSyncingTenantsOnWorkerThreads) {
  TempDatabase second{Dialect::mysql};
  TempDatabase third{Dialect::mysql};
  TempDatabase fourth{Dialect::mysql};
  exec(m_master, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY)"});
  for (int run = 0; run < 8; ++run) {
    const CommandOutput out = sync({&m_tenant, &second, &third, &fourth}, "-j 4");
    ASSERT_EQ(out.exit_code, 0) << "run " << run << ":\n" << out.output;
  }
  EXPECT_EQ(diff_exit(fourth), 0);
}

TEST_F(SchemaSyncMysqlRuns, PasswordsNeverAppearInOutput) {
  exec(m_master, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY)"});
  const std::string missing = with_database(mysql_url(), m_tenant.name() + "_missing");
  std::string wrong = m_tenant.url();
  wrong.replace(wrong.find(k_password), k_password.size(), "Wr0ng-Secret-77");

  const std::string master = shell_word(m_master.url());
  const std::string state = " --state-dir " + shell_word(m_state.path());
  const std::vector<std::pair<std::string, int>> runs{
      {"schema diff " + master + " " + shell_word(missing), 2},
      {"schema diff " + master + " " + shell_word(wrong) + " --json", 2},
      {"schema sync --from " + master + " --to " + shell_word(missing) + " " +
           shell_word(m_tenant.url()) + state,
       4},
      {"schema sync --from " + master + " --to " + shell_word(wrong) + " " +
           shell_word(m_tenant.url()) + state + " --json",
       4},
      {"-v schema sync --dry-run --from " + master + " --to " + shell_word(m_tenant.url()) + state,
       0},
  };
  for (const auto& [args, exit_code] : runs) {
    const CommandOutput out = ferry(args);
    EXPECT_EQ(out.exit_code, exit_code) << args << "\n" << out.output;
    EXPECT_FALSE(contains(out.output, "Wr0ng-Secret-77")) << out.output;
    EXPECT_TRUE(contains(out.output, ":***@")) << out.output;
  }
}

}  // namespace
}  // namespace ferry::test
