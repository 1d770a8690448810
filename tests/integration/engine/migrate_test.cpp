// `ferry migrate` over fleets of PostgreSQL, MariaDB and SQLite tenants: up, up --to, down
// --to, a failing tenant stopping its group with maintenance off again everywhere, changed
// checksums, and status. Every check reads the tenants with plain SQL.
#include <gtest/gtest.h>

#include "migrate_support.hpp"

namespace ferry::test::migrate {
namespace {

const char* k_maintenance =
    "migrations:\n"
    "  dir: migrations\n"
    "  maintenance:\n"
    "    on: {sql: \"UPDATE settings SET maintenance = 1\"}\n"
    "    off: {sql: \"UPDATE settings SET maintenance = 0\"}\n"
    "vars:\n"
    "  domain: example.org\n";

// Three versions, each with a down file: a table filled per tenant (placeholders), a column,
// an index. Version 1 records whether maintenance was on while it ran.
void write_migrations(const Fleet& f) {
  const fs::path m = f.migrations();
  write_text(m / "0001_accounts.up.sql",
             "-- the accounts of ${tenant}\n"
             "CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner VARCHAR(50) NOT NULL);\n"
             "INSERT INTO accounts VALUES (1, '${tenant}');\n"
             "INSERT INTO seen (what, maint) SELECT 'v1', maintenance FROM settings;\n");
  write_text(m / "0001_accounts.down.sql", "DROP TABLE accounts;\n");
  write_text(m / "0002_email.up.sql",
             "ALTER TABLE accounts ADD COLUMN email VARCHAR(100);\n"
             "UPDATE accounts SET email = 'a@${group}.${domain}';\n");
  write_text(m / "0002_email.down.sql", "ALTER TABLE accounts DROP COLUMN email;\n");
  write_text(m / "0003_email_index.up.sql", "CREATE INDEX accounts_email ON accounts (email);\n");
  write_text(m / "0003_email_index.down.sql", f.dialect() == Dialect::mysql
                                                  ? "DROP INDEX accounts_email ON accounts;\n"
                                                  : "DROP INDEX accounts_email;\n");
}

void prepare_tenants(const Fleet& f) {
  for (const TenantSpec& t : f.tenants()) {
    f.execute(t.name, {"CREATE TABLE settings (maintenance INTEGER NOT NULL)",
                       "INSERT INTO settings VALUES (0)",
                       "CREATE TABLE seen (what VARCHAR(20), maint INTEGER)"});
  }
}

class Migrate : public ::testing::TestWithParam<Dialect> {};

TEST_P(Migrate, UpToDownToAndUpAgain) {
  Fleet f(GetParam(), {{"s1", "staging"}, {"p1", "production"}, {"p2", "production"}},
          {"staging", "production"});
  f.write_config(k_maintenance);
  write_migrations(f);
  prepare_tenants(f);

  const auto first = f.ferry("migrate up --to 2 --json");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  for (const TenantSpec& t : f.tenants()) {
    EXPECT_EQ(f.history(t.name), (std::vector<std::string>{"1:applied", "2:applied"})) << t.name;
    EXPECT_EQ(f.columns(t.name, "accounts"), "id,owner,email") << t.name;
    EXPECT_FALSE(f.has_index(t.name, "accounts_email")) << t.name;
    EXPECT_EQ(f.value(t.name, "SELECT owner FROM accounts WHERE id = 1"), t.name);
    EXPECT_EQ(f.value(t.name, "SELECT email FROM accounts WHERE id = 1"),
              "a@" + t.group + ".example.org");
    // Maintenance was on while version 1 ran, and is off again.
    EXPECT_EQ(f.value(t.name, "SELECT maint FROM seen WHERE what = 'v1'"), "1") << t.name;
    EXPECT_EQ(f.value(t.name, "SELECT maintenance FROM settings"), "0") << t.name;
  }

  const auto status = f.ferry("migrate status --json");
  ASSERT_EQ(status.exit_code, 0) << status.output;
  const auto matrix = json_report(status.output);
  ASSERT_EQ(matrix.at("tenants").size(), 3u);
  for (const auto& row : matrix.at("tenants")) {
    EXPECT_EQ(row.at("current"), "2");
    EXPECT_EQ(row.at("pending"), nlohmann::json::array({"3"}));
  }

  const auto rest = f.ferry("migrate up");
  ASSERT_EQ(rest.exit_code, 0) << rest.output;
  for (const TenantSpec& t : f.tenants()) {
    EXPECT_EQ(f.history(t.name).size(), 3u) << t.name;
    EXPECT_TRUE(f.has_index(t.name, "accounts_email")) << t.name;
  }

  const auto down = f.ferry("migrate down --to 1 --json");
  ASSERT_EQ(down.exit_code, 0) << down.output;
  for (const TenantSpec& t : f.tenants()) {
    EXPECT_EQ(f.history(t.name), (std::vector<std::string>{"1:applied"})) << t.name;
    EXPECT_EQ(f.columns(t.name, "accounts"), "id,owner") << t.name;
    EXPECT_FALSE(f.has_index(t.name, "accounts_email")) << t.name;
  }

  const auto again = f.ferry("migrate up");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  for (const TenantSpec& t : f.tenants()) {
    EXPECT_EQ(f.history(t.name).size(), 3u) << t.name;
    EXPECT_EQ(f.columns(t.name, "accounts"), "id,owner,email") << t.name;
    // Version 1 ran once: the rows it inserted are there once.
    EXPECT_EQ(f.value(t.name, "SELECT count(*) FROM seen"), "1") << t.name;
  }

  const auto all_down = f.ferry("migrate down --to 0");
  ASSERT_EQ(all_down.exit_code, 0) << all_down.output;
  EXPECT_EQ(f.value("p2", "SELECT count(*) FROM ferry_migrations"), "0");
  EXPECT_EQ(f.columns("p2", "accounts"), "");
}

TEST_P(Migrate, AFailingTenantStopsItsGroupAndLaterGroups) {
  Fleet f(GetParam(), {{"s1", "staging"}, {"s2", "staging"}, {"p1", "production"}, {"q1", "qa"}},
          {"staging", "production", "qa"});
  f.write_config(k_maintenance);
  write_migrations(f);
  write_text(f.migrations() / "0004_blocker.up.sql",
             "CREATE TABLE blocker (id INTEGER PRIMARY KEY);\n");
  prepare_tenants(f);
  // s2 already has the table version 4 creates: the database refuses it there.
  f.execute("s2", {"CREATE TABLE blocker (id INTEGER PRIMARY KEY)"});

  const auto run = f.ferry("migrate up --json");
  EXPECT_NE(run.exit_code, 0) << run.output;
  const auto by_tenant = targets(json_report(run.output));
  EXPECT_EQ(by_tenant.at("s1").at("outcome"), "ok");
  EXPECT_EQ(by_tenant.at("s2").at("outcome"), "failed");
  const std::string why = by_tenant.at("s2").at("detail");
  EXPECT_TRUE(contains(why, "0004_blocker.up.sql")) << why;
  EXPECT_TRUE(contains(why, "blocker")) << why;
  EXPECT_TRUE(contains(why, "exist")) << why;  // the database's own words
  EXPECT_EQ(by_tenant.at("p1").at("outcome"), "skipped");
  EXPECT_EQ(by_tenant.at("q1").at("outcome"), "skipped");

  EXPECT_EQ(f.history("s1").size(), 4u);
  // s2 kept versions 1 to 3; version 4 is recorded as failed, for status and the next run.
  EXPECT_EQ(f.history("s2"),
            (std::vector<std::string>{"1:applied", "2:applied", "3:applied", "4:failed"}));
  for (const char* later : {"p1", "q1"}) {
    EXPECT_EQ(f.columns(later, "accounts"), "") << later << " was touched";
  }
  for (const TenantSpec& t : f.tenants())
    EXPECT_EQ(f.value(t.name, "SELECT maintenance FROM settings"), "0") << t.name;

  const auto status = f.ferry("migrate status");
  EXPECT_TRUE(contains(status.output, "failed or half-run: 4")) << status.output;
}

TEST_P(Migrate, AChangedChecksumStopsTheTenantUntilRepaired) {
  Fleet f(GetParam(), {{"t1", "main"}}, {"main"});
  f.write_config(k_maintenance);
  write_migrations(f);
  prepare_tenants(f);
  ASSERT_EQ(f.ferry("migrate up --to 1").exit_code, 0);

  write_text(f.migrations() / "0001_accounts.up.sql", "-- edited after it ran\nSELECT 1;\n");
  const auto run = f.ferry("migrate up --json");
  EXPECT_NE(run.exit_code, 0) << run.output;
  const std::string why = targets(json_report(run.output)).at("t1").at("detail");
  EXPECT_TRUE(contains(why, "checksum mismatch for applied version 1")) << why;
  EXPECT_EQ(f.history("t1"), (std::vector<std::string>{"1:applied"}));  // nothing else ran
  EXPECT_EQ(f.value("t1", "SELECT maintenance FROM settings"), "0");
  EXPECT_TRUE(contains(f.ferry("migrate status").output, "file changed after it ran: 1"));

  const auto repair = f.ferry("migrate repair");
  ASSERT_EQ(repair.exit_code, 0) << repair.output;
  EXPECT_TRUE(contains(repair.output, "recorded the new checksum of 1")) << repair.output;
  const auto after = f.ferry("migrate up");
  ASSERT_EQ(after.exit_code, 0) << after.output;
  EXPECT_EQ(f.history("t1").size(), 3u);
}

TEST_P(Migrate, DownWithoutADownFileIsRefusedBeforeAnythingIsReverted) {
  Fleet f(GetParam(), {{"t1", "main"}}, {"main"});
  f.write_config(k_maintenance);
  write_migrations(f);
  fs::remove(f.migrations() / "0002_email.down.sql");
  prepare_tenants(f);
  ASSERT_EQ(f.ferry("migrate up").exit_code, 0);
  const auto down = f.ferry("migrate down --to 0 --json");
  EXPECT_NE(down.exit_code, 0) << down.output;
  const std::string why = targets(json_report(down.output)).at("t1").at("detail");
  EXPECT_TRUE(contains(why, "no down file for 2 (0002_email.up.sql)")) << why;
  EXPECT_EQ(f.history("t1").size(), 3u);
  EXPECT_TRUE(f.has_index("t1", "accounts_email"));
}

INSTANTIATE_TEST_SUITE_P(Dialects, Migrate,
                         ::testing::Values(Dialect::postgres, Dialect::mysql, Dialect::sqlite),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace ferry::test::migrate
