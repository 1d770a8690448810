// `ferry migrate` with the layouts teams bring (Flyway, golang-migrate, Prisma), adopting a
// Flyway or Prisma history, and app-command migrations over a fleet of 20 SQLite tenants.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "migrate_support.hpp"

namespace ferry::test::migrate {
namespace {

TEST(MigrateLayouts, FlywayGolangMigrateAndPrismaRunAsTheyAre) {
  struct Layout {
    std::string format;
    std::vector<std::pair<std::string, std::string>> files;
    std::vector<std::string> history;
  };
  const std::vector<Layout> layouts = {
      {"flyway",
       {{"V1__init.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY);"},
        {"V1_1__more.sql", "ALTER TABLE a ADD COLUMN note TEXT;"},
        {"V2__b.sql", "CREATE TABLE b (id INTEGER PRIMARY KEY);"},
        {"R__view.sql", "DROP VIEW IF EXISTS av; CREATE VIEW av AS SELECT id FROM a;"}},
       {"1:applied", "1.1:applied", "2:applied", "R__view:applied"}},
      {"golang-migrate",
       {{"1_init.up.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY);"},
        {"1_init.down.sql", "DROP TABLE a;"},
        {"2_b.up.sql", "CREATE TABLE b (id INTEGER PRIMARY KEY);"},
        {"2_b.down.sql", "DROP TABLE b;"}},
       {"1:applied", "2:applied"}},
      {"prisma",
       {{"20240101000000_init/migration.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY);"},
        {"20240202000000_b/migration.sql", "CREATE TABLE b (id INTEGER PRIMARY KEY);"},
        {"migration_lock.toml", "provider = \"sqlite\"\n"}},
       {"20240101000000_init:applied", "20240202000000_b:applied"}},
  };
  for (const Layout& layout : layouts) {
    SCOPED_TRACE(layout.format);
    Fleet f(Dialect::sqlite, {{"t1", ""}, {"t2", ""}}, {});
    f.write_config("");
    for (const auto& [name, text] : layout.files)
      write_text(f.migrations() / name, text + "\n");
    const auto run = f.ferry("migrate up");
    ASSERT_EQ(run.exit_code, 0) << run.output;
    for (const char* t : {"t1", "t2"}) {
      EXPECT_EQ(f.history(t), layout.history) << t;
      EXPECT_EQ(f.value(t, "SELECT count(*) FROM sqlite_master WHERE name IN ('a', 'b')"), "2");
    }
    const auto status = f.ferry("migrate status");
    EXPECT_TRUE(contains(status.output, "(" + layout.format + " layout)")) << status.output;
    EXPECT_TRUE(contains(status.output, "2 up to date")) << status.output;
  }
}

// The history table as Flyway creates it (its documented columns), with rows as Flyway
// writes them: a versioned migration, a repeatable one, a failed attempt.
const char* k_flyway_history =
    "CREATE TABLE flyway_schema_history (installed_rank INT NOT NULL PRIMARY KEY, version "
    "VARCHAR(50), description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script "
    "VARCHAR(1000) NOT NULL, checksum INT, installed_by VARCHAR(100) NOT NULL, installed_on "
    "TIMESTAMP NOT NULL DEFAULT now(), execution_time INT NOT NULL, success BOOLEAN NOT NULL)";

TEST(MigrateAdopt, FlywayHistoryIsImportedAndOnlyTheMissingVersionsRun) {
  Fleet f(Dialect::postgres, {{"t1", ""}}, {});
  f.write_config("");
  write_text(f.migrations() / "V1__init.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY);\n");
  write_text(f.migrations() / "V2__b.sql", "CREATE TABLE b (id INTEGER PRIMARY KEY);\n");
  write_text(f.migrations() / "V3__c.sql", "CREATE TABLE c (id INTEGER PRIMARY KEY);\n");
  // Flyway ran V1 and V2 (a first attempt at V2 failed); the tables are there.
  f.execute("t1",
            {"CREATE TABLE a (id INTEGER PRIMARY KEY)", "CREATE TABLE b (id INTEGER PRIMARY KEY)",
             k_flyway_history,
             "INSERT INTO flyway_schema_history VALUES (1, '1', 'init', 'SQL', 'V1__init.sql', "
             "12345, 'app', now(), 5, true), (2, '2', 'b', 'SQL', 'V2__b.sql', 999, 'app', "
             "now(), 3, false), (3, '2', 'b', 'SQL', 'V2__b.sql', 999, 'app', now(), 4, true)"});
  const auto adopt = f.ferry("migrate adopt");
  ASSERT_EQ(adopt.exit_code, 0) << adopt.output;
  EXPECT_TRUE(contains(adopt.output, "t1: imported 1, 2")) << adopt.output;
  EXPECT_EQ(f.value("t1", "SELECT applied_by FROM ferry_migrations WHERE version = '1'"),
            "adopted from flyway_schema_history (app)");
  // Without the import, V1 would fail here on the existing table a.
  const auto up = f.ferry("migrate up --json");
  ASSERT_EQ(up.exit_code, 0) << up.output;
  EXPECT_EQ(f.history("t1"), (std::vector<std::string>{"1:applied", "2:applied", "3:applied"}));
  EXPECT_EQ(f.value("t1", "SELECT count(*) FROM pg_tables WHERE tablename = 'c'"), "1");
  // A second adopt imports nothing again.
  EXPECT_TRUE(contains(f.ferry("migrate adopt").output, "t1: nothing to import"));
}

TEST(MigrateAdopt, PrismaHistoryIsImported) {
  Fleet f(Dialect::postgres, {{"t1", ""}}, {});
  f.write_config("");
  write_text(f.migrations() / "20240101000000_init" / "migration.sql",
             "CREATE TABLE a (id INT);\n");
  write_text(f.migrations() / "20240202000000_b" / "migration.sql", "CREATE TABLE b (id INT);\n");
  write_text(f.migrations() / "20240303000000_c" / "migration.sql", "CREATE TABLE c (id INT);\n");
  // _prisma_migrations as Prisma creates it; init applied, b rolled back, c never.
  f.execute(
      "t1",
      {"CREATE TABLE a (id INT)",
       "CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY NOT NULL, checksum "
       "VARCHAR(64) NOT NULL, finished_at TIMESTAMPTZ, migration_name VARCHAR(255) NOT NULL, "
       "logs TEXT, rolled_back_at TIMESTAMPTZ, started_at TIMESTAMPTZ NOT NULL DEFAULT now(), "
       "applied_steps_count INTEGER NOT NULL DEFAULT 0)",
       "INSERT INTO _prisma_migrations VALUES ('u1', 'x', now(), '20240101000000_init', NULL, "
       "NULL, now(), 1), ('u2', 'y', now(), '20240202000000_b', NULL, now(), now(), 0)"});
  const auto adopt = f.ferry("migrate adopt");
  ASSERT_EQ(adopt.exit_code, 0) << adopt.output;
  EXPECT_TRUE(contains(adopt.output, "t1: imported 20240101000000_init\n")) << adopt.output;
  const auto up = f.ferry("migrate up");
  ASSERT_EQ(up.exit_code, 0) << up.output;
  EXPECT_EQ(f.history("t1").size(), 3u);
  EXPECT_EQ(f.value("t1", "SELECT count(*) FROM pg_tables WHERE tablename IN ('b', 'c')"), "2");
}

// A framework's per-account migrate command, as a script: it records in the tenant's database
// and in a shared log what it did and whether the maintenance flag was there, and fails for
// the account named by FAIL_ACCOUNT.
const char* k_app_script = R"(import os, sqlite3, sys
account = sys.argv[sys.argv.index('--account') + 1]
assert account == os.environ['FERRY_TENANT']
flag = os.path.join(os.environ['FLAG_DIR'], account + '.flag')
with open(os.environ['ORDER_LOG'], 'a') as log:
    log.write(account + ' ' + os.environ['FERRY_GROUP'] + ' ' + str(int(os.path.exists(flag))) + '\n')
db = sqlite3.connect(os.environ['FERRY_DB_NAME'])
db.execute('CREATE TABLE IF NOT EXISTS app_migrations (name TEXT, maintenance INTEGER)')
db.execute('INSERT INTO app_migrations VALUES (?, ?)', ('0001_initial', int(os.path.exists(flag))))
db.commit()
print('Applying client.0001_initial... OK')
if account == os.environ.get('FAIL_ACCOUNT'):
    print('django.db.utils.OperationalError: no such column: client.plan', file=sys.stderr)
    sys.exit(3)
)";

TEST(MigrateAppCommand, TwentyTenantsGroupsInOrderMaintenanceAroundEach) {
  std::vector<TenantSpec> tenants;
  for (int i = 0; i < 20; ++i)
    tenants.push_back({"acct" + std::to_string(i), i < 4 ? "staging" : "production"});
  Fleet f(Dialect::sqlite, tenants, {"staging", "production"});
  const fs::path script = f.dir() / "manage.py";
  write_text(script, k_app_script);
  fs::create_directories(f.dir() / "flags");
  const fs::path order = f.dir() / "order.log";
  f.write_config(
      "migrations:\n"
      "  command: python3 manage.py migrate_client --account ${tenant} --noinput\n"
      "  maintenance:\n"
      "    flag: " +
      (f.dir() / "flags").string() + "/${tenant}.flag\n");
  // No SQL files are needed for app commands: an empty migrations directory.
  fs::create_directories(f.migrations());
  ASSERT_EQ(::setenv("FLAG_DIR", (f.dir() / "flags").c_str(), 1), 0);
  ASSERT_EQ(::setenv("ORDER_LOG", order.c_str(), 1), 0);
  ASSERT_EQ(::setenv("FAIL_ACCOUNT", "acct13", 1), 0);
  const auto failing = f.ferry("migrate up -j 4 --json");
  ::unsetenv("FAIL_ACCOUNT");

  EXPECT_NE(failing.exit_code, 0) << failing.output;
  const auto by_tenant = targets(json_report(failing.output));
  EXPECT_EQ(by_tenant.at("acct13").at("outcome"), "failed");
  const std::string why = by_tenant.at("acct13").at("detail");
  EXPECT_TRUE(contains(why, "app command app")) << why;
  EXPECT_TRUE(contains(why, "exit status 3")) << why;
  EXPECT_TRUE(contains(why, "no such column: client.plan")) << why;  // the output's tail
  // The failure stops its group: accounts of it not started yet are not started.
  std::set<std::string> ran, skipped;
  for (const auto& [name, t] : by_tenant) {
    if (t.at("outcome") == "ok")
      ran.insert(name);
    else if (t.at("outcome") == "skipped")
      skipped.insert(name);
  }
  EXPECT_EQ(ran.size() + skipped.size(), 19u) << failing.output;
  EXPECT_FALSE(skipped.empty()) << failing.output;
  for (int i = 0; i < 4; ++i)
    EXPECT_TRUE(ran.contains("acct" + std::to_string(i)));

  // Every account that started ran once, staging before production, each with its flag
  // present; every flag is gone again, the failed account's too.
  std::ifstream in(order);
  std::string account, group;
  int flagged = 0;
  std::vector<std::string> groups;
  std::set<std::string> seen;
  while (in >> account >> group >> flagged) {
    EXPECT_EQ(flagged, 1) << account;
    EXPECT_TRUE(seen.insert(account).second) << account << " ran twice";
    groups.push_back(group);
  }
  EXPECT_EQ(seen.size(), ran.size() + 1);
  EXPECT_TRUE(std::is_sorted(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
    return a == "staging" && b == "production";
  })) << "a production account ran before a staging one";
  EXPECT_TRUE(fs::is_empty(f.dir() / "flags"));
  for (const TenantSpec& t : tenants) {
    if (skipped.contains(t.name)) {
      EXPECT_EQ(f.value(t.name, "SELECT count(*) FROM sqlite_master WHERE name = 'app_migrations'"),
                "0")
          << t.name;
    } else {
      EXPECT_EQ(f.value(t.name, "SELECT count(*) FROM app_migrations WHERE maintenance = 1"), "1")
          << t.name;
    }
  }
  // The next run starts over where it matters: the failed and skipped accounts run.
  const auto again = f.ferry("migrate up -j 4");
  EXPECT_EQ(again.exit_code, 0) << again.output;
  for (const std::string& name : skipped)
    EXPECT_EQ(f.value(name, "SELECT count(*) FROM app_migrations"), "1") << name;
}

}  // namespace
}  // namespace ferry::test::migrate
