// Shared by the PostgreSQL structure-sync tests: a master and a tenant database, ferry runs
// whose output is checked for the password, and a catalog snapshot read straight from
// pg_catalog / information_schema, so convergence is checked without ferry's own diff.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "ferry/connectors/connector.hpp"
#include "test_env.hpp"

namespace ferry::test {

// The test servers' password (scripts/test-servers): it must never reach any output.
inline constexpr std::string_view k_password = "ferry-test-pw";

inline std::string shell_quoted(const std::string& word) {
  return "'" + word + "'";
}

// run_ferry(), and the output must not carry the password.
inline CommandOutput ferry(const std::string& args) {
  CommandOutput out = run_ferry(args);
  EXPECT_EQ(out.output.find(k_password), std::string::npos)
      << "the password leaked in `ferry " << args.substr(0, 30) << "...`:\n"
      << out.output;
  return out;
}

// The JSON document of a --json run. Log lines go to stderr, which run_ferry() merges in
// front of it; the document is the first line that is exactly "{" up to the end.
inline nlohmann::json json_of(const CommandOutput& out) {
  const auto start = out.output.starts_with("{\n") ? 0 : out.output.find("\n{\n");
  if (start == std::string::npos) {
    ADD_FAILURE() << "no JSON document in:\n" << out.output;
    return nlohmann::json::object();
  }
  try {
    return nlohmann::json::parse(out.output.substr(start));
  } catch (const std::exception& e) {
    ADD_FAILURE() << "bad JSON (" << e.what() << ") in:\n" << out.output;
    return nlohmann::json::object();
  }
}

// The first column of the first row, "<null>" for NULL, "<none>" for no row.
inline std::string scalar(connectors::Connector& db, std::string_view sql) {
  const auto rows = db.query(sql);
  if (rows.empty() || rows[0].empty())
    return "<none>";
  return rows[0][0].value_or("<null>");
}

// Everything structural in the user schemas, one section per catalog, ordered by name.
// Column order and attnums are left out: ferry matches columns by name and appends new ones.
inline std::string catalog_snapshot(connectors::Connector& db) {
  return scalar(db, R"sql(
WITH ns AS (SELECT oid, nspname FROM pg_namespace
            WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\_%')
SELECT concat_ws(E'\n---\n',
  (SELECT string_agg(nspname, ', ' ORDER BY nspname) FROM ns),
  (SELECT string_agg(concat_ws(' ', table_schema || '.' || table_name || '.' || column_name,
                               data_type, udt_schema || '.' || udt_name, character_maximum_length,
                               numeric_precision, numeric_scale, datetime_precision, is_nullable,
                               column_default, is_identity, identity_generation, identity_start,
                               identity_increment, collation_name, is_generated,
                               generation_expression),
                     E'\n' ORDER BY table_schema, table_name, column_name)
     FROM information_schema.columns WHERE table_schema IN (SELECT nspname FROM ns)),
  (SELECT string_agg(indexdef, E'\n' ORDER BY schemaname, indexname)
     FROM pg_indexes WHERE schemaname IN (SELECT nspname FROM ns)),
  (SELECT string_agg(format('%s.%s %s', conrelid::regclass, conname, pg_get_constraintdef(oid)),
                     E'\n' ORDER BY conrelid::regclass::text, conname)
     FROM pg_constraint WHERE conrelid <> 0 AND connamespace IN (SELECT oid FROM ns)),
  (SELECT string_agg(schemaname || '.' || viewname || ': ' || definition, E'\n'
                     ORDER BY schemaname, viewname)
     FROM pg_views WHERE schemaname IN (SELECT nspname FROM ns)),
  (SELECT string_agg(concat_ws(' ', schemaname || '.' || sequencename, data_type, start_value,
                               increment_by, min_value, max_value, cycle),
                     E'\n' ORDER BY schemaname, sequencename)
     FROM pg_sequences WHERE schemaname IN (SELECT nspname FROM ns)),
  (SELECT string_agg(format('%s owned by %s.%s (%s)', d.objid::regclass, d.refobjid::regclass,
                            a.attname, d.deptype::text), E'\n' ORDER BY d.objid::regclass::text)
     FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
     JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
     WHERE d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')),
  (SELECT string_agg(format('%s: %s', t.oid::regtype, e.enumlabel), E'\n'
                     ORDER BY t.oid::regtype::text, e.enumsortorder)
     FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid),
  (SELECT string_agg(format('%s.%s %s', c.oid::regclass, d.objsubid, d.description), E'\n'
                     ORDER BY c.oid::regclass::text, d.objsubid)
     FROM pg_description d JOIN pg_class c ON c.oid = d.objoid
     WHERE d.classoid = 'pg_class'::regclass AND c.relnamespace IN (SELECT oid FROM ns)),
  (SELECT string_agg(format('%s %s', oid::regclass, relkind::text), E'\n'
                     ORDER BY oid::regclass::text)
     FROM pg_class WHERE relnamespace IN (SELECT oid FROM ns)))
)sql");
}

// A master and one tenant, each a fresh database, with a session on each.
class PostgresSyncTest : public ::testing::Test {
 protected:
  TempDatabase m_master_db{Dialect::postgres};
  TempDatabase m_tenant_db{Dialect::postgres};
  std::unique_ptr<connectors::Connector> m_master = m_master_db.connect();
  std::unique_ptr<connectors::Connector> m_tenant = m_tenant_db.connect();

  void on_master(const std::string& sql) { m_master->execute({sql}); }
  void on_tenant(const std::string& sql) { m_tenant->execute({sql}); }
  void on_both(const std::string& sql) {
    on_master(sql);
    on_tenant(sql);
  }

  std::string master_url() const { return shell_quoted(m_master_db.url()); }
  std::string tenant_url() const { return shell_quoted(m_tenant_db.url()); }

  CommandOutput sync(const std::string& flags = "") {
    return ferry("schema sync --from " + master_url() + " --to " + tenant_url() + " --json " +
                 flags);
  }
  CommandOutput diff(const std::string& flags = "") {
    return ferry("schema diff " + master_url() + " " + tenant_url() + " " + flags);
  }

  // Syncs the one tenant, expects `exit_code`, and returns the tenant's report.
  nlohmann::json sync_tenant(const std::string& flags, int exit_code) {
    const CommandOutput out = sync(flags);
    EXPECT_EQ(out.exit_code, exit_code) << out.output;
    const nlohmann::json report = json_of(out);
    if (!report.contains("tenants") || report["tenants"].size() != 1) {
      ADD_FAILURE() << "no tenant in the report:\n" << out.output;
      return nlohmann::json::object();
    }
    return report["tenants"][0];
  }

  // ferry diff, comparing both catalogs again (not answered from the sync's record), finds
  // nothing, and the tenant's catalog reads like the master's.
  void expect_converged(const std::string& diff_flags = "") {
    const CommandOutput out = diff("--recheck " + diff_flags);
    EXPECT_EQ(out.exit_code, 0) << out.output;
    EXPECT_EQ(catalog_snapshot(*m_tenant), catalog_snapshot(*m_master));
  }

  // Syncs, expects the plan applied and the tenant converged; returns the tenant's report.
  nlohmann::json expect_applied(const std::string& flags = "") {
    nlohmann::json tenant = sync_tenant(flags, 0);
    EXPECT_EQ(tenant.value("status", ""), "applied") << tenant.dump(2);
    EXPECT_EQ(tenant.value("changes_applied", 0u), tenant.at("plan").at("changes").size());
    expect_converged(flags.find("--allow-drop") != std::string::npos ? "--allow-drop" : "");
    return tenant;
  }

  // Syncs without --allow-drop a tenant that has objects of its own: the plan is applied,
  // the drift stays and is reported, and `ferry schema diff` (which keeps drift) is empty.
  nlohmann::json expect_applied_keeping_drift() {
    nlohmann::json tenant = sync_tenant("", 0);
    EXPECT_EQ(tenant.value("status", ""), "applied") << tenant.dump(2);
    EXPECT_FALSE(tenant.at("plan").at("drift").empty()) << tenant.dump(2);
    const CommandOutput out = diff();
    EXPECT_EQ(out.exit_code, 0) << out.output;
    EXPECT_NE(out.output.find("drift"), std::string::npos) << out.output;
    return tenant;
  }
};

// Whether the plan in a tenant report has a change of `risk` whose description starts with
// `description`.
inline bool has_change(const nlohmann::json& tenant, std::string_view risk,
                       std::string_view description) {
  for (const nlohmann::json& c : tenant.at("plan").at("changes")) {
    if (c.value("risk", "") == risk && c.value("description", "").starts_with(description))
      return true;
  }
  return false;
}

// "kind name" of every drift entry, in report order, joined by ", ".
inline std::string drift_of(const nlohmann::json& tenant) {
  std::string out;
  for (const nlohmann::json& d : tenant.at("plan").at("drift"))
    out += (out.empty() ? "" : ", ") + d.value("kind", "") + " " + d.value("name", "");
  return out;
}

}  // namespace ferry::test
