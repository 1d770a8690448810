// kill -9 of `ferry migrate up` in the middle of a fleet and in the middle of a MariaDB
// migration of many statements, then --resume: every tenant ends at the latest version with
// every migration applied exactly once (the history table, the schema, and rows each
// migration wrote).
#include <gtest/gtest.h>

#include "migrate_support.hpp"

namespace ferry::test::migrate {
namespace {

TEST(MigrateResume, KillNineInTheMiddleOfAFleetThenResume) {
  std::vector<TenantSpec> tenants;
  for (int i = 0; i < 6; ++i)
    tenants.push_back({"t" + std::to_string(i), i < 2 ? "staging" : "production"});
  Fleet f(Dialect::sqlite, tenants, {"staging", "production"});
  // Maintenance by a command that takes a moment, so the kill lands between tenants' work.
  f.write_config("migrations:\n  maintenance:\n    on: {run: sleep 0.3}\n    off: {run: 'true'}\n");
  write_text(f.migrations() / "0001_log.up.sql",
             "CREATE TABLE log (version INTEGER);\nINSERT INTO log VALUES (1);\n");
  write_text(f.migrations() / "0002_accounts.up.sql",
             "CREATE TABLE accounts (id INTEGER PRIMARY KEY);\nINSERT INTO log VALUES (2);\n");
  write_text(f.migrations() / "0003_email.up.sql",
             "ALTER TABLE accounts ADD COLUMN email TEXT;\nINSERT INTO log VALUES (3);\n");

  {
    FerryProcess child({"-c", f.config().string(), "migrate", "up", "-j", "1"},
                       f.dir() / "killed.log");
    // Killed once the staging group is done and production has begun.
    ASSERT_TRUE(wait_for(child, [&] {
      return f.history("t1").size() == 3 &&
             f.value("t2", "SELECT count(*) FROM sqlite_master WHERE name = 'ferry_migrations'") ==
                 "1";
    })) << child.output();
    ASSERT_TRUE(child.running()) << "the run ended before the kill:\n" << child.output();
    child.kill();
  }
  std::size_t unfinished = 0;
  for (const TenantSpec& t : tenants) {
    try {
      unfinished += f.history(t.name).size() < 3;
    } catch (const std::exception&) {
      ++unfinished;  // no history table yet
    }
  }
  EXPECT_GT(unfinished, 0u) << "the kill came after the last tenant";

  const auto resumed = f.ferry("migrate up --resume --json");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  const auto report = json_report(resumed.output);
  EXPECT_TRUE(contains(report.dump(), "resum")) << report.dump(2);
  for (const TenantSpec& t : tenants) {
    EXPECT_EQ(f.history(t.name), (std::vector<std::string>{"1:applied", "2:applied", "3:applied"}))
        << t.name;
    EXPECT_EQ(f.columns(t.name, "accounts"), "id,email") << t.name;
    // Each migration's own row, once.
    EXPECT_EQ(f.value(t.name,
                      "SELECT group_concat(version) FROM (SELECT version FROM log "
                      "ORDER BY version)"),
              "1,2,3")
        << t.name;
  }
}

TEST(MigrateResume, KillNineInTheMiddleOfAMariadbMigrationContinuesAtTheNextStatement) {
  Fleet f(Dialect::mysql, {{"t1", ""}}, {});
  f.write_config("");
  write_text(f.migrations() / "0001_many.up.sql",
             "CREATE TABLE log (n INT);\n"
             "INSERT INTO log VALUES (1);\n"
             "CREATE TABLE t (id INT PRIMARY KEY);\n"
             "INSERT INTO log VALUES (2);\n"
             "ALTER TABLE t ADD COLUMN c1 INT;\n"
             "DO SLEEP(2);\n"
             "ALTER TABLE t ADD COLUMN c2 INT;\n"
             "INSERT INTO log VALUES (3);\n");
  {
    FerryProcess child({"-c", f.config().string(), "migrate", "up"}, f.dir() / "killed.log");
    ASSERT_TRUE(wait_for(child, [&] {
      return f.value("t1", "SELECT statements_done FROM ferry_migrations WHERE version = '1'") ==
             "5";
    })) << child.output();
    ASSERT_TRUE(child.running()) << child.output();
    child.kill();
  }
  EXPECT_EQ(f.history("t1"), (std::vector<std::string>{"1:running"}));
  EXPECT_EQ(f.columns("t1", "t"), "id,c1");

  const auto status = f.ferry("migrate status");
  EXPECT_TRUE(contains(status.output, "failed or half-run: 1")) << status.output;

  const auto resumed = f.ferry("migrate up --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(f.history("t1"), (std::vector<std::string>{"1:applied"}));
  EXPECT_EQ(f.columns("t1", "t"), "id,c1,c2");
  EXPECT_EQ(f.value("t1", "SELECT GROUP_CONCAT(n ORDER BY n) FROM log"), "1,2,3");
  EXPECT_EQ(f.value("t1", "SELECT statements_done FROM ferry_migrations"), "8");
}

}  // namespace
}  // namespace ferry::test::migrate
