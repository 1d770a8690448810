// Shared by the MySQL/MariaDB structure-sync tests: a master and a tenant database, ferry runs
// through the CLI as a user runs them whose output is checked for the password, and what a
// user would compare by hand (information_schema, SHOW CREATE TABLE), so convergence is
// checked without ferry's own diff. Every sync is checked three ways: the report, an empty
// re-diff, and an information_schema snapshot of the tenant compared with the master's.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "test_env.hpp"

namespace ferry::test {

using Json = nlohmann::json;

inline constexpr std::string_view k_password = "ferry-test-pw";

inline bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

inline std::string shell_word(const std::string& word) {
  return "'" + word + "'";
}

// Every command runs through here: nothing ferry prints may carry the password.
inline CommandOutput ferry(const std::string& args) {
  CommandOutput out = run_ferry(args);
  EXPECT_FALSE(contains(out.output, k_password)) << "password printed by: ferry " << args;
  return out;
}

// The JSON document of a --json run; log lines on stderr come before it.
inline Json json_of(const CommandOutput& out) {
  const auto start = out.output.starts_with("{") ? 0 : out.output.find("\n{");
  if (start == std::string::npos)
    throw std::runtime_error("no JSON document in: " + out.output);
  return Json::parse(out.output.substr(start));
}

inline std::vector<connectors::TextRow> query(const TempDatabase& db, const std::string& sql) {
  return db.connect()->query(sql);
}

inline std::string scalar(const TempDatabase& db, const std::string& sql) {
  const auto rows = query(db, sql);
  return rows.empty() || !rows[0].at(0) ? "NULL" : *rows[0].at(0);
}

inline void exec(const TempDatabase& db, const std::vector<std::string>& statements) {
  db.connect()->execute(statements);
}

// What a user would compare by hand: tables, columns, indexes, constraints, foreign key
// rules, checks and views from information_schema, one line per row, with the database's
// own name removed from view definitions.
inline std::vector<std::string> structure(const TempDatabase& db) {
  auto c = db.connect();
  const std::string schema = "'" + db.name() + "'";
  const std::string qualifier = "`" + db.name() + "`.";
  std::vector<std::string> lines;
  const auto add = [&](const std::string& kind, const std::string& sql) {
    for (const connectors::TextRow& row : c->query(sql)) {
      std::string line = kind;
      for (const auto& field : row)
        line += " | " + field.value_or("NULL");
      for (auto pos = line.find(qualifier); pos != std::string::npos; pos = line.find(qualifier))
        line.erase(pos, qualifier.size());
      lines.push_back(line);
    }
  };
  add("table",
      "SELECT TABLE_NAME, TABLE_TYPE, TABLE_COMMENT FROM information_schema.TABLES "
      "WHERE TABLE_SCHEMA = " +
          schema + " ORDER BY 1");
  add("column",
      "SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE, "
      "COLUMN_DEFAULT, EXTRA, GENERATION_EXPRESSION, COLUMN_COMMENT "
      "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " +
          schema + " ORDER BY 1, 3");
  add("index",
      "SELECT TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE, COLLATION "
      "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = " +
          schema + " ORDER BY 1, 2, 3");
  add("constraint",
      "SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE FROM "
      "information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = " +
          schema + " ORDER BY 1, 2");
  add("foreign key",
      "SELECT TABLE_NAME, CONSTRAINT_NAME, REFERENCED_TABLE_NAME, UPDATE_RULE, DELETE_RULE "
      "FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = " +
          schema + " ORDER BY 1, 2");
  add("check",
      "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
      "WHERE CONSTRAINT_SCHEMA = " +
          schema + " ORDER BY 1, 2");
  add("view",
      "SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = " +
          schema + " ORDER BY 1");
  return lines;
}

// SHOW CREATE TABLE without the AUTO_INCREMENT counter, which is data and never synced, and
// with its secondary keys in name order: the server lists them in the order they were made.
inline std::string show_create(const TempDatabase& db, const std::string& table) {
  const auto rows = query(db, "SHOW CREATE TABLE `" + table + "`");
  if (rows.empty() || rows[0].size() < 2 || !rows[0].at(1))
    return "no table " + table;
  static const std::regex k_counter(" AUTO_INCREMENT=[0-9]+");
  static const std::regex k_key("^  (UNIQUE |FULLTEXT |SPATIAL )?KEY `([^`]*)`");
  std::vector<std::string> lines;
  std::string text = std::regex_replace(*rows[0].at(1), k_counter, "");
  for (std::size_t at = 0; at <= text.size();) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    std::string line = text.substr(at, end - at);
    if (line.ends_with(","))
      line.pop_back();
    lines.push_back(std::move(line));
    at = end + 1;
  }
  const auto is_key = [](const std::string& line) { return std::regex_search(line, k_key); };
  const auto by_name = [](const std::string& a, const std::string& b) {
    std::smatch ma, mb;
    std::regex_search(a, ma, k_key);
    std::regex_search(b, mb, k_key);
    return ma[2].str() < mb[2].str();
  };
  for (auto first = lines.begin(); first != lines.end();) {
    first = std::find_if(first, lines.end(), is_key);
    const auto last = std::find_if_not(first, lines.end(), is_key);
    std::sort(first, last, by_name);
    first = last;
  }
  std::string out;
  for (const std::string& line : lines)
    out += line + "\n";
  return out;
}

inline std::string column_type(const TempDatabase& db, const std::string& table,
                               const std::string& column) {
  return scalar(db, "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '" +
                        db.name() + "' AND TABLE_NAME = '" + table + "' AND COLUMN_NAME = '" +
                        column + "'");
}

inline std::size_t count_objects(const TempDatabase& db, const std::string& view,
                                 const std::string& where) {
  return std::stoul(scalar(db, "SELECT COUNT(*) FROM information_schema." + view +
                                   " WHERE TABLE_SCHEMA = '" + db.name() + "' AND " + where));
}

class MysqlSyncTest : public ::testing::Test {
 protected:
  std::string tenant_urls(const std::vector<const TempDatabase*>& tenants) const {
    std::string out;
    for (const TempDatabase* t : tenants)
      out += " " + shell_word(t->url());
    return out;
  }

  CommandOutput sync(const std::vector<const TempDatabase*>& tenants,
                     const std::string& options = "") {
    return ferry("schema sync --from " + shell_word(m_master.url()) + " --to" +
                 tenant_urls(tenants) + " --state-dir " + shell_word(m_state.path()) + " " +
                 options);
  }
  CommandOutput sync(const std::string& options = "") { return sync({&m_tenant}, options); }

  // A --json sync of the tenant that must exit with `exit_code`; the report.
  Json sync_json(const std::string& options, int exit_code) {
    const CommandOutput out = sync(options + " --json");
    EXPECT_EQ(out.exit_code, exit_code) << out.output;
    Json report = json_of(out);
    EXPECT_EQ(report.at("exit_code"), exit_code);
    return report;
  }

  int diff_exit(const TempDatabase& tenant, const std::string& options = "") {
    const CommandOutput out = ferry("schema diff " + shell_word(m_master.url()) + " " +
                                    shell_word(tenant.url()) + " " + options);
    EXPECT_TRUE(out.exit_code == 0 || out.exit_code == 3) << out.output;
    return out.exit_code;
  }

  // Syncs the tenant, expects it applied, then an empty re-diff and the master's structure
  // in information_schema. Returns the tenant's report.
  Json expect_synced(const std::string& options = "") {
    Json report = sync_json(options, 0);
    const Json& tenant = report.at("tenants").at(0);
    EXPECT_EQ(tenant.at("status"), "applied") << tenant.dump(2);
    EXPECT_GT(tenant.at("changes_applied").get<int>(), 0);
    EXPECT_EQ(diff_exit(m_tenant, options), 0);
    EXPECT_EQ(structure(m_tenant), structure(m_master));
    return tenant;
  }

  static std::vector<std::string> all_sql(const Json& tenant) {
    std::vector<std::string> out;
    for (const Json& change : tenant.at("plan").at("changes")) {
      for (const Json& sql : change.at("sql"))
        out.push_back(sql);
    }
    return out;
  }

  static bool has_statement(const Json& tenant, std::string_view part) {
    const auto sql = all_sql(tenant);
    return std::any_of(sql.begin(), sql.end(),
                       [&](const std::string& s) { return contains(s, part); });
  }

  // Syncs, then expects every table's SHOW CREATE TABLE alike on both sides (expect_synced
  // checks the re-diff and information_schema). Returns the tenant's report.
  Json expect_same_tables(const std::vector<std::string>& tables, const std::string& options = "") {
    Json tenant = expect_synced(options);
    for (const std::string& t : tables)
      EXPECT_EQ(show_create(m_tenant, t), show_create(m_master, t)) << t;
    return tenant;
  }

  static std::vector<std::string> drift(const Json& tenant) {
    std::vector<std::string> out;
    for (const Json& d : tenant.at("plan").at("drift"))
      out.push_back(d.at("kind").get<std::string>() + " " + d.at("name").get<std::string>());
    return out;
  }

  TempDatabase m_master{Dialect::mysql};
  TempDatabase m_tenant{Dialect::mysql};
  TempDir m_state;
};

}  // namespace ferry::test
