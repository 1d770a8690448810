// `ferry schema sync --with-privileges` against real PostgreSQL 15: owners and grants of
// tables, sequences, views, functions and schemas reach the tenant, checked with the server's
// own has_*_privilege() functions and with pg_dump (privileges and owners included) of both
// databases; without the flag nothing about them is planned.
//
// Roles belong to the server, not to a database, and the test databases share one server:
// each test makes roles of its own, named after the process and a counter, and drops them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <memory>
#include <sstream>

#include "ferry/schema/plan.hpp"
#include "schema_sync_postgres_support.hpp"

namespace ferry::test {
namespace {

class SchemaSyncPostgresPrivileges : public PostgresSyncTest {
 protected:
  void TearDown() override {
    for (const std::string& r : m_roles) {
      for (auto* db : {m_master.get(), m_tenant.get()}) {
        try {
          db->execute({"DROP OWNED BY " + r + " CASCADE"});
        } catch (const std::exception&) {
          // Already dropped (a test may drop its role itself).
        }
      }
      try {
        on_master("DROP ROLE IF EXISTS " + r);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "cannot drop role " << r << ": " << e.what();
      }
    }
  }

  // A new role of the server, dropped after the test.
  std::string role(const std::string& what) {
    static int counter = 0;
    std::string name =
        "ferry_priv_" + std::to_string(::getpid()) + "_" + std::to_string(++counter) + "_" + what;
    on_master("CREATE ROLE " + name);
    m_roles.push_back(name);
    return name;
  }

  // pg_dump --schema-only with owners and privileges, less comments, SET lines, pg_dump's
  // \restrict guards, blank lines and the database's name.
  static std::string dump(const TempDatabase& db) {
    const std::string command =
        "/usr/lib/postgresql/15/bin/pg_dump --schema-only " + shell_quoted(db.url()) + " 2>&1";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
    if (!pipe) {
      ADD_FAILURE() << "cannot run pg_dump";
      return "";
    }
    std::string text;
    std::array<char, 4096> buffer{};
    while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe.get()))
      text.append(buffer.data(), n);
    std::string out;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (line.empty() || line.starts_with("--") || line.starts_with("SET ") ||
          line.starts_with("SELECT pg_catalog.set_config(") || line.starts_with("\\restrict") ||
          line.starts_with("\\unrestrict"))
        continue;
      for (auto at = line.find(db.name()); at != std::string::npos; at = line.find(db.name()))
        line.replace(at, db.name().size(), "<database>");
      out += line + "\n";
    }
    return out;
  }

  // Synced with --with-privileges: applied, nothing left to diff with the flag, and pg_dump
  // sees the master's owners and grants on the tenant.
  nlohmann::json expect_privileges_applied() {
    nlohmann::json tenant = sync_tenant("--with-privileges", 0);
    EXPECT_EQ(tenant.value("status", ""), "applied") << tenant.dump(2);
    const CommandOutput left = diff("--with-privileges");
    EXPECT_EQ(left.exit_code, 0) << left.output;
    EXPECT_EQ(dump(m_tenant_db), dump(m_master_db));
    return tenant;
  }

  std::vector<std::string> m_roles;
};

TEST_F(SchemaSyncPostgresPrivileges, GrantsWhatTheMasterGrants) {
  const std::string reader = role("reader");
  on_both("CREATE TABLE t (id int PRIMARY KEY)");
  on_master("GRANT SELECT ON t TO " + reader);
  const std::string can_read = "SELECT has_table_privilege('" + reader + "', 'public.t', 'SELECT')";
  ASSERT_EQ(scalar(*m_tenant, can_read), "f");

  // Without the flag they are not compared, and the diff says so.
  const CommandOutput plain = diff();
  EXPECT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_NE(plain.output.find("privileges and ownership were not compared"), std::string::npos)
      << plain.output;
  EXPECT_EQ(diff("--with-privileges").exit_code, 3);

  const auto tenant = expect_privileges_applied();
  EXPECT_TRUE(has_change(tenant, "safe", "grant on table public.t: SELECT to " + reader))
      << tenant.dump(2);
  EXPECT_EQ(scalar(*m_tenant, can_read), "t");
}

TEST_F(SchemaSyncPostgresPrivileges, RevokesWhatTheMasterDoesNotGrant) {
  const std::string writer = role("writer");
  on_both("CREATE TABLE t (id int PRIMARY KEY)");
  on_both("CREATE SEQUENCE counter");
  on_tenant("GRANT INSERT, UPDATE ON t TO " + writer + " WITH GRANT OPTION");
  on_tenant("GRANT USAGE ON SEQUENCE counter TO " + writer);
  on_master("GRANT UPDATE ON t TO " + writer);

  const auto tenant = expect_privileges_applied();
  EXPECT_TRUE(has_change(tenant, "safe", "revoke on table public.t:")) << tenant.dump(2);
  EXPECT_TRUE(has_change(tenant, "safe", "revoke on sequence public.counter: USAGE from " + writer))
      << tenant.dump(2);
  EXPECT_EQ(scalar(*m_tenant, "SELECT has_table_privilege('" + writer + "', 'public.t', 'INSERT')"),
            "f");
  EXPECT_EQ(scalar(*m_tenant, "SELECT has_table_privilege('" + writer + "', 'public.t', 'UPDATE')"),
            "t");
  EXPECT_EQ(scalar(*m_tenant, "SELECT has_table_privilege('" + writer +
                                  "', 'public.t', 'UPDATE WITH GRANT OPTION')"),
            "f");
  EXPECT_EQ(scalar(*m_tenant,
                   "SELECT has_sequence_privilege('" + writer + "', 'public.counter', 'USAGE')"),
            "f");
}

TEST_F(SchemaSyncPostgresPrivileges, ChangesOwners) {
  const std::string owner = role("owner");
  on_both("CREATE TABLE t (id serial PRIMARY KEY)");
  on_both("CREATE VIEW v AS SELECT id FROM t");
  on_both("CREATE MATERIALIZED VIEW m AS SELECT id FROM t");
  // What the old owner held on its own table the new one holds after ALTER ... OWNER TO: a
  // privilege the owner gave up is no difference to plan.
  on_both("REVOKE TRUNCATE ON t FROM CURRENT_USER");
  on_master("ALTER TABLE t OWNER TO " + owner);
  on_master("ALTER VIEW v OWNER TO " + owner);
  on_master("ALTER MATERIALIZED VIEW m OWNER TO " + owner);

  const auto tenant = expect_privileges_applied();
  EXPECT_TRUE(has_change(tenant, "safe", "owner of table public.t to " + owner)) << tenant.dump(2);
  EXPECT_TRUE(has_change(tenant, "safe", "owner of view public.v to " + owner)) << tenant.dump(2);
  EXPECT_TRUE(has_change(tenant, "safe", "owner of materialized view public.m to " + owner))
      << tenant.dump(2);
  EXPECT_FALSE(has_change(tenant, "safe", "revoke on table public.t")) << tenant.dump(2);
  EXPECT_FALSE(has_change(tenant, "safe", "grant on table public.t")) << tenant.dump(2);
  EXPECT_EQ(scalar(*m_tenant, "SELECT tableowner FROM pg_tables WHERE tablename = 't'"), owner);
  // The serial's sequence follows its table.
  EXPECT_EQ(scalar(*m_tenant,
                   "SELECT sequenceowner FROM pg_sequences WHERE sequencename = "
                   "'t_id_seq'"),
            owner);
  EXPECT_EQ(
      scalar(*m_tenant, "SELECT has_table_privilege('" + owner + "', 'public.t', 'TRUNCATE')"),
      "f");
}

TEST_F(SchemaSyncPostgresPrivileges, FunctionExecuteRevokedFromPublic) {
  const std::string caller = role("caller");
  on_both("CREATE FUNCTION answer() RETURNS int LANGUAGE sql AS 'SELECT 42'");
  on_both("CREATE PROCEDURE noop() LANGUAGE sql AS 'SELECT 1'");
  on_master("REVOKE EXECUTE ON FUNCTION answer() FROM PUBLIC");
  on_master("GRANT EXECUTE ON FUNCTION answer() TO " + caller);
  on_master("REVOKE EXECUTE ON PROCEDURE noop() FROM PUBLIC");

  const auto tenant = expect_privileges_applied();
  EXPECT_TRUE(has_change(tenant, "safe", "revoke on function public.answer(): EXECUTE from PUBLIC"))
      << tenant.dump(2);
  EXPECT_TRUE(has_change(tenant, "safe", "revoke on procedure public.noop(): EXECUTE from PUBLIC"))
      << tenant.dump(2);
  const std::string other = role("other");
  EXPECT_EQ(scalar(*m_tenant,
                   "SELECT has_function_privilege('" + other + "', 'public.answer()', 'EXECUTE')"),
            "f");
  EXPECT_EQ(scalar(*m_tenant,
                   "SELECT has_function_privilege('" + caller + "', 'public.answer()', 'EXECUTE')"),
            "t");
}

TEST_F(SchemaSyncPostgresPrivileges, NewObjectsGetTheMastersPrivileges) {
  const std::string owner = role("owner");
  const std::string reader = role("reader");
  on_master("CREATE SCHEMA sales AUTHORIZATION " + owner);
  on_master("GRANT USAGE ON SCHEMA sales TO " + reader);
  on_master("CREATE TABLE sales.orders (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY)");
  on_master("ALTER TABLE sales.orders OWNER TO " + owner);
  on_master("GRANT SELECT ON sales.orders TO " + reader);
  on_master("CREATE VIEW sales.recent AS SELECT id FROM sales.orders");
  on_master("GRANT SELECT ON sales.recent TO PUBLIC");
  on_master(
      "CREATE FUNCTION sales.total() RETURNS bigint LANGUAGE sql AS "
      "'SELECT count(*) FROM sales.orders'");
  on_master("REVOKE ALL ON FUNCTION sales.total() FROM PUBLIC");

  const auto tenant = expect_privileges_applied();
  EXPECT_TRUE(has_change(tenant, "safe", "create schema sales")) << tenant.dump(2);
  EXPECT_TRUE(has_change(tenant, "safe", "owner of schema sales to " + owner)) << tenant.dump(2);
  EXPECT_EQ(scalar(*m_tenant, "SELECT has_schema_privilege('" + reader + "', 'sales', 'USAGE')"),
            "t");
  EXPECT_EQ(
      scalar(*m_tenant, "SELECT has_table_privilege('" + reader + "', 'sales.orders', 'SELECT')"),
      "t");
  EXPECT_EQ(scalar(*m_tenant, "SELECT tableowner FROM pg_tables WHERE tablename = 'orders'"),
            owner);
}

// A view made again because its table changes loses its grants with it: the plan gives them
// back.
TEST_F(SchemaSyncPostgresPrivileges, RecreatedViewKeepsItsGrants) {
  const std::string reader = role("reader");
  on_both("CREATE TABLE t (id int PRIMARY KEY, code varchar(10))");
  on_both("CREATE VIEW v AS SELECT id, code FROM t");
  on_both("GRANT SELECT ON v TO " + reader);
  on_master("DROP VIEW v");
  on_master("ALTER TABLE t ALTER code TYPE varchar(20)");
  on_master("CREATE VIEW v AS SELECT id, code FROM t");
  on_master("GRANT SELECT ON v TO " + reader);

  const auto tenant = expect_privileges_applied();
  EXPECT_TRUE(has_change(tenant, "safe", "create view public.v")) << tenant.dump(2);
  EXPECT_TRUE(has_change(tenant, "safe", "grant on view public.v: SELECT to " + reader))
      << tenant.dump(2);
  EXPECT_EQ(scalar(*m_tenant, "SELECT has_table_privilege('" + reader + "', 'public.v', 'SELECT')"),
            "t");
}

TEST_F(SchemaSyncPostgresPrivileges, SchemaUsageOnAnExistingSchema) {
  const std::string reader = role("reader");
  on_both("CREATE SCHEMA reports");
  on_master("GRANT USAGE ON SCHEMA reports TO " + reader);
  on_tenant("GRANT CREATE ON SCHEMA reports TO " + reader);

  const auto tenant = expect_privileges_applied();
  EXPECT_TRUE(has_change(tenant, "safe", "grant on schema reports: USAGE to " + reader))
      << tenant.dump(2);
  EXPECT_TRUE(has_change(tenant, "safe", "revoke on schema reports: CREATE from " + reader))
      << tenant.dump(2);
  EXPECT_EQ(scalar(*m_tenant, "SELECT has_schema_privilege('" + reader + "', 'reports', 'CREATE')"),
            "f");
}

TEST_F(SchemaSyncPostgresPrivileges, WithoutTheFlagNothingAboutThemIsPlanned) {
  const std::string owner = role("owner");
  on_both("CREATE TABLE t (id int PRIMARY KEY)");
  on_master("ALTER TABLE t OWNER TO " + owner);
  on_master("GRANT SELECT ON t TO PUBLIC");

  const auto tenant = sync_tenant("", 0);
  EXPECT_EQ(tenant.value("status", ""), "in sync") << tenant.dump(2);
  EXPECT_TRUE(tenant.at("plan").at("changes").empty()) << tenant.dump(2);
  const CommandOutput json = diff("--json");
  EXPECT_EQ(json.exit_code, 0) << json.output;
  EXPECT_NE(json_of(json).at("notes").dump().find("privileges and ownership were not compared"),
            std::string::npos)
      << json.output;
  EXPECT_NE(scalar(*m_tenant, "SELECT tableowner FROM pg_tables WHERE tablename = 't'"), owner);
  EXPECT_EQ(diff("--with-privileges").exit_code, 3);
}

// Roles are the server's: one the master's privileges name that the tenant's server lacks is a
// change nobody can make by statement, and it blocks the whole plan. The test servers are one
// server, so the tenant's server "lacks" the role by dropping it after the master was read.
TEST_F(SchemaSyncPostgresPrivileges, MissingRoleBlocksThePlanAndNamesTheRole) {
  const std::string gone = role("gone");
  const std::string reader = role("reader");
  on_both("CREATE TABLE t (id int PRIMARY KEY)");
  on_master("GRANT SELECT ON t TO " + gone);
  on_master("GRANT SELECT ON t TO " + reader);
  const schema::Catalog master = m_master->introspect({.privileges = true});
  on_master("DROP OWNED BY " + gone);
  on_master("DROP ROLE " + gone);
  const schema::Catalog tenant = m_tenant->introspect({.privileges = true});

  const schema::Plan plan = schema::diff(master, tenant, {.privileges = true});
  const auto manual = plan.manual();
  ASSERT_EQ(manual.size(), 1u);
  EXPECT_NE(manual[0]->description.find("role " + gone + " does not exist"), std::string::npos)
      << manual[0]->description;
  EXPECT_EQ(manual[0]->description.find(reader), std::string::npos) << manual[0]->description;
}

TEST_F(SchemaSyncPostgresPrivileges, ReadsNothingAboutThemWithoutTheOption) {
  on_both("CREATE TABLE t (id int PRIMARY KEY)");
  const schema::Catalog plain = m_tenant->introspect();
  EXPECT_TRUE(plain.roles.empty());
  ASSERT_EQ(plain.tables.size(), 1u);
  EXPECT_TRUE(plain.tables[0].privileges.owner.empty());
  const schema::Catalog with = m_tenant->introspect({.privileges = true});
  ASSERT_EQ(with.tables.size(), 1u);
  EXPECT_FALSE(with.tables[0].privileges.owner.empty());
  EXPECT_FALSE(with.tables[0].privileges.grants.empty());
  EXPECT_FALSE(with.roles.empty());
}

}  // namespace
}  // namespace ferry::test
