// `ferry schema sync` runs against real PostgreSQL 15 as a whole: repeat runs, dry runs,
// drift, all-or-nothing failure, lock timeouts, the tenant lock, many tenants at once, the
// JSON report and password hygiene.
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "ferry/engine/schema_sync.hpp"
#include "schema_sync_postgres_support.hpp"

namespace ferry::test {
namespace {

using Clock = std::chrono::steady_clock;

class SchemaSyncPostgresRuns : public PostgresSyncTest {
 protected:
  // Syncs a plan that fails on its last statement and checks that nothing of it stayed: the
  // tenant's catalog, as pg_catalog and as `ferry inspect` show it, is unchanged.
  void expect_failure_leaves_tenant_as_it_was(const std::string& error_fragment) {
    const std::string snapshot = catalog_snapshot(*m_tenant);
    const CommandOutput inspect = ferry("inspect " + tenant_url() + " --json");
    ASSERT_EQ(inspect.exit_code, 0) << inspect.output;

    const nlohmann::json result = sync_tenant("", 1);
    EXPECT_EQ(result.value("status", ""), "failed") << result.dump(2);
    EXPECT_EQ(result.value("changes_applied", 1), 0);
    EXPECT_NE(result.value("error", "").find(error_fragment), std::string::npos) << result.dump(2);
    EXPECT_TRUE(has_change(result, "safe", "create table public.fresh"));

    EXPECT_EQ(catalog_snapshot(*m_tenant), snapshot);
    EXPECT_EQ(ferry("inspect " + tenant_url() + " --json").output, inspect.output);
    EXPECT_EQ(diff().exit_code, 3);
  }
};

// A master structure with one of most kinds of object.
constexpr const char* k_master_structure =
    "CREATE TYPE state AS ENUM ('new', 'paid'); "
    "CREATE TABLE customers (id serial PRIMARY KEY, email text NOT NULL, "
    "  CONSTRAINT customers_email_key UNIQUE (email)); "
    "CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
    "  customer_id int NOT NULL REFERENCES customers (id) ON DELETE CASCADE, "
    "  total numeric(12,2) NOT NULL DEFAULT 0 CHECK (total >= 0), st state DEFAULT 'new'); "
    "CREATE INDEX orders_open ON orders (customer_id) WHERE st = 'new'; "
    "CREATE VIEW open_orders AS SELECT id, customer_id FROM orders WHERE st = 'new'; "
    "COMMENT ON TABLE orders IS 'One row per order'";

std::string status_of(const nlohmann::json& tenant) {
  return tenant.value("status", "<none>");
}

TEST_F(SchemaSyncPostgresRuns, SecondSyncAppliesNothing) {
  on_master(k_master_structure);
  expect_applied();
  const auto again = sync_tenant("--recheck", 0);
  EXPECT_EQ(status_of(again), "in sync") << again.dump(2);
  EXPECT_EQ(again.value("changes_applied", 1), 0);
  EXPECT_TRUE(again.at("plan").at("changes").empty());
  const CommandOutput text = ferry("schema sync --from " + master_url() + " --to " + tenant_url());
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("in sync"), std::string::npos) << text.output;
}

TEST_F(SchemaSyncPostgresRuns, DryRunChangesNothing) {
  on_both("CREATE TABLE legacy (id int PRIMARY KEY, old text, code varchar(50))");
  on_tenant("INSERT INTO legacy VALUES (1, 'o', 'c')");
  on_master(k_master_structure);
  on_master("ALTER TABLE legacy DROP COLUMN old, ALTER code TYPE varchar(10)");
  const std::string before = catalog_snapshot(*m_tenant);

  const auto planned = sync_tenant("--dry-run --allow-drop", 0);
  EXPECT_EQ(status_of(planned), "planned") << planned.dump(2);
  EXPECT_EQ(planned.value("changes_applied", 1), 0);
  EXPECT_TRUE(has_change(planned, "destructive", "drop column public.legacy.old"));
  EXPECT_TRUE(has_change(planned, "safe", "create table public.orders"));

  const CommandOutput text =
      ferry("schema sync --dry-run --allow-drop --from " + master_url() + " --to " + tenant_url());
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("-- plan for "), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("CREATE TABLE \"public\".\"orders\""), std::string::npos);
  EXPECT_NE(text.output.find("planned"), std::string::npos);

  // Without --allow-drop a dry run reports the block, and still changes nothing.
  EXPECT_EQ(status_of(sync_tenant("--dry-run", 1)), "blocked");

  EXPECT_EQ(catalog_snapshot(*m_tenant), before);
  EXPECT_EQ(scalar(*m_tenant, "SELECT old || code FROM legacy"), "oc");
  EXPECT_EQ(diff("--allow-drop").exit_code, 3);
}

TEST_F(SchemaSyncPostgresRuns, TenantOnlyObjectsAreDriftUntilAllowDrop) {
  on_both("CREATE TABLE t (id int PRIMARY KEY, name text)");
  on_tenant(
      "CREATE TABLE audit (id serial PRIMARY KEY, what text); INSERT INTO audit (what) "
      "VALUES ('kept'); ALTER TABLE t ADD COLUMN extra text; "
      "CREATE INDEX t_extra_idx ON t (extra); CREATE VIEW v_extra AS SELECT id, extra FROM t; "
      "INSERT INTO t VALUES (1, 'n', 'e')");
  on_master("ALTER TABLE t ADD COLUMN note text");
  const std::string tenant_only =
      "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class "
      "WHERE relname IN ('audit', 'audit_id_seq', 't_extra_idx', 'v_extra')";
  const std::string extra_column =
      "SELECT count(*) FROM information_schema.columns "
      "WHERE table_name = 't' AND column_name = 'extra'";

  // The new column changes t, so the tenant's own view over t is dropped and put back as it
  // was around the change.
  const auto kept = expect_applied_keeping_drift();
  for (const char* drift : {"table public.audit", "column public.t.extra",
                            "index public.t.t_extra_idx", "view public.v_extra"}) {
    EXPECT_NE(drift_of(kept).find(drift), std::string::npos) << drift_of(kept);
  }
  EXPECT_EQ(scalar(*m_tenant, tenant_only), "audit,audit_id_seq,t_extra_idx,v_extra");
  EXPECT_EQ(scalar(*m_tenant, extra_column), "1");
  EXPECT_EQ(scalar(*m_tenant, "SELECT extra FROM v_extra"), "e");
  EXPECT_EQ(scalar(*m_tenant, "SELECT what FROM audit"), "kept");

  const auto dropped = expect_applied("--allow-drop");
  EXPECT_TRUE(has_change(dropped, "destructive", "drop table public.audit"));
  EXPECT_TRUE(has_change(dropped, "destructive", "drop view public.v_extra"));
  EXPECT_TRUE(has_change(dropped, "destructive", "drop column public.t.extra"));
  EXPECT_EQ(scalar(*m_tenant, tenant_only), "<null>");
  EXPECT_EQ(scalar(*m_tenant, extra_column), "0");
}

TEST_F(SchemaSyncPostgresRuns, FailedUniqueConstraintRollsBackTheWholePlan) {
  on_both("CREATE TABLE t (id int PRIMARY KEY, code text)");
  on_tenant("INSERT INTO t VALUES (1, 'dup'), (2, 'dup')");
  on_master(
      "CREATE TABLE fresh (id int PRIMARY KEY); ALTER TABLE t ADD COLUMN note text; "
      "ALTER TABLE t ADD CONSTRAINT t_code_key UNIQUE (code)");
  expect_failure_leaves_tenant_as_it_was("t_code_key");
}

TEST_F(SchemaSyncPostgresRuns, FailedSetNotNullRollsBackTheWholePlan) {
  on_both("CREATE TABLE t (id int PRIMARY KEY, maybe text)");
  on_tenant("INSERT INTO t VALUES (1, NULL)");
  on_master(
      "CREATE TABLE fresh (id int PRIMARY KEY); ALTER TABLE t ADD COLUMN note text; "
      "CREATE INDEX t_note ON t (note); ALTER TABLE t ALTER maybe SET NOT NULL");
  expect_failure_leaves_tenant_as_it_was("null values");
  // Once the data allows it, the same plan goes through.
  on_tenant("UPDATE t SET maybe = 'now set'");
  expect_applied();
}

TEST_F(SchemaSyncPostgresRuns, LockTimeoutFailsFastWhileOtherTenantsSucceed) {
  TempDatabase other_db(Dialect::postgres);
  auto other = other_db.connect();
  on_both("CREATE TABLE t (id int PRIMARY KEY)");
  other->execute({"CREATE TABLE t (id int PRIMARY KEY)"});
  on_master("ALTER TABLE t ADD COLUMN note text");
  const std::string before = catalog_snapshot(*m_tenant);

  // The holder's transaction ends by itself after a minute, so a hanging sync cannot hang
  // the test forever.
  auto holder = m_tenant_db.connect();
  holder->execute({"BEGIN"});
  holder->execute({"SET LOCAL idle_in_transaction_session_timeout = '60s'"});
  holder->execute({"LOCK TABLE t IN ACCESS EXCLUSIVE MODE"});

  const auto start = Clock::now();
  const CommandOutput out = ferry("schema sync --lock-timeout 500 --json --from " + master_url() +
                                  " --to " + tenant_url() + " " + shell_quoted(other_db.url()));
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  holder->execute({"ROLLBACK"});

  EXPECT_LT(seconds, 10.0) << out.output;
  EXPECT_EQ(out.exit_code, 4) << out.output;
  const nlohmann::json report = json_of(out);
  ASSERT_EQ(report.value("tenants", nlohmann::json::array()).size(), 2u) << out.output;
  EXPECT_EQ(status_of(report["tenants"][0]), "failed");
  EXPECT_NE(report["tenants"][0].value("error", "").find("lock timeout"), std::string::npos)
      << report["tenants"][0].dump(2);
  EXPECT_EQ(status_of(report["tenants"][1]), "applied");
  EXPECT_EQ(report.value("exit_code", 0), 4);
  EXPECT_EQ(catalog_snapshot(*m_tenant), before);

  expect_applied("--lock-timeout 500");
}

TEST_F(SchemaSyncPostgresRuns, LockedTenantIsReportedWithItsHolder) {
  TempDatabase other_db(Dialect::postgres);
  on_master("CREATE TABLE t (id int PRIMARY KEY)");
  auto locker = m_tenant_db.connect();
  ASSERT_EQ(locker->try_lock("schema-sync"), std::nullopt);

  const std::string args = "schema sync --from " + master_url() + " --to " + tenant_url() + " " +
                           shell_quoted(other_db.url());
  const CommandOutput json_out = ferry(args + " --json");
  EXPECT_EQ(json_out.exit_code, 4) << json_out.output;
  const nlohmann::json report = json_of(json_out);
  ASSERT_EQ(report.value("tenants", nlohmann::json::array()).size(), 2u) << json_out.output;
  const nlohmann::json& locked = report["tenants"][0];
  EXPECT_EQ(status_of(locked), "locked") << locked.dump(2);
  const std::string holder = "ferry pid " + std::to_string(::getpid());
  EXPECT_NE(locked.value("error", "").find(holder), std::string::npos) << locked.dump(2);
  EXPECT_EQ(status_of(report["tenants"][1]), "applied");
  EXPECT_EQ(scalar(*m_tenant, "SELECT count(*) FROM pg_class WHERE relname = 't'"), "0");

  const CommandOutput text = ferry(args);
  EXPECT_EQ(text.exit_code, 4) << text.output;
  EXPECT_NE(text.output.find("locked"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find(holder), std::string::npos) << text.output;

  locker->release_lock("schema-sync");
  expect_applied();
}

// Advisory locks are per database: whoever holds the same lock on another database of the
// server (another tenant) is not this tenant's holder. Several decoys, so that a lookup that
// ignores the database finds one of them first whatever order pg_locks lists them in.
TEST_F(SchemaSyncPostgresRuns, LockHolderIsLookedUpOnTheTenantsOwnDatabase) {
  on_master("CREATE TABLE t (id int PRIMARY KEY)");
  std::vector<std::unique_ptr<TempDatabase>> others;
  std::vector<std::unique_ptr<connectors::Connector>> decoys;
  for (int i = 0; i < 3; ++i) {
    others.push_back(std::make_unique<TempDatabase>(Dialect::postgres));
    decoys.push_back(connectors::connect(
        parse_endpoint(others.back()->url() + "?application_name=decoy-holder")));
    ASSERT_EQ(decoys.back()->try_lock("schema-sync"), std::nullopt);
  }
  auto locker = m_tenant_db.connect();
  ASSERT_EQ(locker->try_lock("schema-sync"), std::nullopt);
  const std::string holder = "ferry pid " + std::to_string(::getpid());

  const auto seen = m_tenant->try_lock("schema-sync");
  ASSERT_TRUE(seen.has_value());
  EXPECT_NE(seen->find(holder), std::string::npos) << *seen;
  EXPECT_EQ(seen->find("decoy"), std::string::npos) << *seen;

  const auto locked = sync_tenant("", 1);
  EXPECT_EQ(status_of(locked), "locked") << locked.dump(2);
  EXPECT_NE(locked.value("error", "").find(holder), std::string::npos) << locked.dump(2);
  EXPECT_EQ(locked.value("error", "").find("decoy"), std::string::npos) << locked.dump(2);
}

TEST_F(SchemaSyncPostgresRuns, SyncsManyTenantsInParallelAndReusesPlans) {
  on_master(k_master_structure);
  // m_tenant and tenants[0] are empty, so identical: one plan serves both.
  std::vector<std::unique_ptr<TempDatabase>> tenants;
  for (int i = 0; i < 4; ++i)
    tenants.push_back(std::make_unique<TempDatabase>(Dialect::postgres));
  auto partial = tenants[1]->connect();
  partial->execute({"CREATE TABLE customers (id serial PRIMARY KEY, email text NOT NULL)"});
  auto in_sync = tenants[2]->connect();
  in_sync->execute({k_master_structure});
  auto drifted = tenants[3]->connect();
  drifted->execute({std::string(k_master_structure) + "; CREATE TABLE own (id int)"});

  std::string urls = tenant_url();
  for (const auto& t : tenants)
    urls += " " + shell_quoted(t->url());
  const CommandOutput out =
      ferry("schema sync -j 3 --json --from " + master_url() + " --to " + urls);
  ASSERT_EQ(out.exit_code, 0) << out.output;
  const nlohmann::json report = json_of(out);
  const auto& results = report.at("tenants");
  ASSERT_EQ(results.size(), 5u);
  EXPECT_EQ(status_of(results[0]), "applied");
  EXPECT_EQ(status_of(results[1]), "applied");
  EXPECT_EQ(status_of(results[2]), "applied");
  EXPECT_EQ(status_of(results[3]), "in sync");
  EXPECT_EQ(status_of(results[4]), "in sync");
  EXPECT_EQ(drift_of(results[4]), "table public.own");
  EXPECT_EQ(results[0].at("plan"), results[1].at("plan"));
  EXPECT_EQ(results[0].value("plan_reused", false) + results[1].value("plan_reused", false), 1)
      << "exactly one of two identical tenants computes the plan; the other reuses it";
  for (std::size_t i = 2; i < results.size(); ++i)
    EXPECT_FALSE(results[i].value("plan_reused", true)) << i;

  const std::string master_snapshot = catalog_snapshot(*m_master);
  EXPECT_EQ(catalog_snapshot(*m_tenant), master_snapshot);
  for (const auto& t : tenants) {
    const CommandOutput d = ferry("schema diff " + master_url() + " " + shell_quoted(t->url()));
    EXPECT_EQ(d.exit_code, 0) << d.output;
  }
  EXPECT_EQ(catalog_snapshot(*partial), master_snapshot);
  EXPECT_EQ(catalog_snapshot(*in_sync), master_snapshot);
}

// The engine API: the plan cache is keyed by catalog fingerprint, and identical tenants run
// one after the other share the first one's plan.
TEST_F(SchemaSyncPostgresRuns, EngineReusesThePlanOfAnIdenticalTenant) {
  on_master(k_master_structure);
  TempDatabase twin(Dialect::postgres);
  TempDir state;
  std::size_t done = 0;
  const engine::SchemaSyncReport report = engine::sync_schema(
      m_master_db.endpoint(), {m_tenant_db.endpoint(), twin.endpoint()},
      {.jobs = 1, .lock_timeout = std::chrono::milliseconds(2000), .state_dir = state.path()},
      [&](const engine::TenantResult&) { ++done; });
  EXPECT_EQ(done, 2u);
  ASSERT_EQ(report.tenants.size(), 2u);
  EXPECT_EQ(report.exit_code(), ExitCode::ok);
  for (const engine::TenantResult& t : report.tenants) {
    EXPECT_EQ(t.status, engine::TenantStatus::applied) << t.error;
    EXPECT_EQ(t.applied, t.plan.changes.size());
    EXPECT_EQ(t.tenant.find(k_password), std::string::npos);
  }
  EXPECT_NE(report.tenants[0].plan_reused, report.tenants[1].plan_reused);
  EXPECT_EQ(report.tenants[0].plan.statements(), report.tenants[1].plan.statements());
  const std::string master_snapshot = catalog_snapshot(*m_master);
  EXPECT_EQ(catalog_snapshot(*m_tenant), master_snapshot);
  EXPECT_EQ(catalog_snapshot(*twin.connect()), master_snapshot);
}

TEST_F(SchemaSyncPostgresRuns, JsonReportsHaveTheDocumentedFields) {
  on_master(k_master_structure);
  on_tenant("CREATE TABLE own (id int)");

  const CommandOutput diff_out = diff("--json");
  EXPECT_EQ(diff_out.exit_code, 3) << diff_out.output;
  const nlohmann::json plan = json_of(diff_out);
  EXPECT_EQ(plan.value("equal", true), false);
  EXPECT_EQ(plan.value("dialect", ""), "postgres");
  EXPECT_NE(plan.value("from", "").find(":***@"), std::string::npos) << plan.dump(2);
  EXPECT_NE(plan.value("to", "").find(m_tenant_db.name()), std::string::npos);

  const CommandOutput out = sync();
  ASSERT_EQ(out.exit_code, 0) << out.output;
  const nlohmann::json report = json_of(out);
  EXPECT_NE(report.value("master", "").find(":***@"), std::string::npos) << report.dump(2);
  EXPECT_EQ(report.value("dry_run", true), false);
  EXPECT_TRUE(report.at("seconds").is_number());
  EXPECT_EQ(report.value("exit_code", -1), 0);
  const nlohmann::json& tenant = report.at("tenants").at(0);
  EXPECT_EQ(tenant.value("tenant", ""), plan.value("to", "-"));
  EXPECT_EQ(status_of(tenant), "applied");
  EXPECT_TRUE(tenant.at("changes_applied").is_number_unsigned());
  EXPECT_TRUE(tenant.at("plan_reused").is_boolean());
  EXPECT_TRUE(tenant.at("error").is_null());
  EXPECT_TRUE(tenant.at("remaining").is_array());
  EXPECT_TRUE(tenant.at("seconds").is_number());
  EXPECT_EQ(tenant.at("plan").at("changes"), plan.at("changes"));
  EXPECT_EQ(tenant.value("changes_applied", 0u), plan.at("changes").size());
  const std::set<std::string> risks = {"safe", "rewrite", "data_dependent", "destructive"};
  for (const nlohmann::json& change : plan.at("changes")) {
    EXPECT_TRUE(risks.contains(change.value("risk", ""))) << change.dump();
    EXPECT_FALSE(change.value("description", "").empty()) << change.dump();
    ASSERT_TRUE(change.at("sql").is_array()) << change.dump();
    EXPECT_FALSE(change.at("sql").empty()) << change.dump();
    for (const nlohmann::json& sql : change.at("sql"))
      EXPECT_TRUE(sql.is_string() && !sql.get<std::string>().empty()) << change.dump();
  }
  ASSERT_EQ(tenant.at("plan").at("drift").size(), 1u);
  EXPECT_EQ(tenant.at("plan").at("drift")[0].value("kind", ""), "table");
  EXPECT_EQ(tenant.at("plan").at("drift")[0].value("name", ""), "public.own");

  const CommandOutput equal = diff("--json");
  EXPECT_EQ(equal.exit_code, 0) << equal.output;
  EXPECT_EQ(json_of(equal).value("equal", false), true);
}

// Every output of a run with a failing, a locked, a missing and a good tenant, in text and
// JSON: the password is in every URL given, and in no output (ferry() checks each).
TEST_F(SchemaSyncPostgresRuns, NoOutputCarriesThePassword) {
  on_both("CREATE TABLE t (id int PRIMARY KEY, code text)");
  on_tenant("INSERT INTO t VALUES (1, 'dup'), (2, 'dup')");
  on_master("ALTER TABLE t ADD CONSTRAINT t_code_key UNIQUE (code)");
  TempDatabase locked_db(Dialect::postgres);
  TempDatabase good_db(Dialect::postgres);
  auto locker = locked_db.connect();
  ASSERT_EQ(locker->try_lock("schema-sync"), std::nullopt);
  const std::string missing = with_database(m_tenant_db.url(), "ferry_no_such_db");
  ASSERT_NE(missing.find(k_password), std::string::npos);

  const std::string tenants = tenant_url() + " " + shell_quoted(locked_db.url()) + " " +
                              shell_quoted(missing) + " " + shell_quoted(good_db.url());
  for (const char* flags : {"", "--json", "--dry-run", "--dry-run --json", "-j 1 --allow-drop"}) {
    const CommandOutput out =
        ferry("schema sync " + std::string(flags) + " --from " + master_url() + " --to " + tenants);
    EXPECT_EQ(out.exit_code, 4) << flags << "\n" << out.output;
    EXPECT_NE(out.output.find("ferry_no_such_db"), std::string::npos) << out.output;
  }
  EXPECT_EQ(ferry("schema diff " + master_url() + " " + shell_quoted(missing)).exit_code, 2);
  EXPECT_EQ(ferry("inspect " + shell_quoted(missing)).exit_code, 2);
  EXPECT_EQ(diff().exit_code, 3);
  EXPECT_EQ(diff("--json").exit_code, 3);
}

}  // namespace
}  // namespace ferry::test
