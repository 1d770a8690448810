// Shared by the `ferry migrate` integration tests: fleets of throwaway tenants (PostgreSQL,
// MariaDB or SQLite databases) with a ferry.yaml and a migrations directory, the ferry
// executable, and checks made with plain SQL on each tenant, not through ferry.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ferry/connectors/connector.hpp"
#include "test_env.hpp"

namespace ferry::test::migrate {

namespace fs = std::filesystem;

struct TenantSpec {
  std::string name;
  std::string group;
};

inline void write_text(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A fleet: one database per tenant on the dialect's test server, ferry.yaml in a temp dir
// with groups in the order given, migrations/ beside it, state in ./state.
class Fleet {
 public:
  Fleet(Dialect dialect, const std::vector<TenantSpec>& tenants,
        const std::vector<std::string>& groups)
      : m_dialect(dialect), m_specs(tenants), m_groups(groups) {
    for (std::size_t i = 0; i < tenants.size(); ++i)
      m_dbs.push_back(std::make_unique<TempDatabase>(dialect));
  }

  Dialect dialect() const { return m_dialect; }
  fs::path dir() const { return m_dir.path(); }
  fs::path migrations() const { return dir() / "migrations"; }
  fs::path config() const { return dir() / "ferry.yaml"; }
  const std::vector<TenantSpec>& tenants() const { return m_specs; }
  std::size_t index(const std::string& tenant) const {
    for (std::size_t i = 0; i < m_specs.size(); ++i) {
      if (m_specs[i].name == tenant)
        return i;
    }
    throw std::runtime_error("no tenant " + tenant);
  }
  std::unique_ptr<connectors::Connector> connect(const std::string& tenant) const {
    return m_dbs.at(index(tenant))->connect();
  }
  std::vector<connectors::TextRow> query(const std::string& tenant, const std::string& sql) const {
    return connect(tenant)->query(sql);
  }
  void execute(const std::string& tenant, const std::vector<std::string>& sql) const {
    connect(tenant)->execute(sql);
  }
  // One value of a query, "NULL" for NULL.
  std::string value(const std::string& tenant, const std::string& sql) const {
    const auto rows = query(tenant, sql);
    if (rows.empty() || rows[0].empty())
      return "(no row)";
    return rows[0][0].value_or("NULL");
  }

  // ferry.yaml with `extra` appended (migrations:, vars:, concurrency: ...).
  void write_config(const std::string& extra) const {
    std::string yaml = "master: sqlite:master.db\ntenants:\n";
    for (std::size_t i = 0; i < m_specs.size(); ++i) {
      yaml += "  - name: " + m_specs[i].name + "\n    url: '" + m_dbs[i]->url() + "'\n";
      if (!m_specs[i].group.empty())
        yaml += "    group: " + m_specs[i].group + "\n";
    }
    if (!m_groups.empty()) {
      yaml += "groups: [";
      for (std::size_t i = 0; i < m_groups.size(); ++i)
        yaml += (i ? ", " : "") + m_groups[i];
      yaml += "]\n";
    }
    write_text(config(), yaml + "state_dir: state\n" + extra);
  }

  CommandOutput ferry(const std::string& args) const {
    return run_ferry("-c " + config().string() + " " + args);
  }

  // The applied versions in the tenant's history, in version order as text.
  std::vector<std::string> history(const std::string& tenant) const {
    std::vector<std::string> out;
    for (const auto& row :
         query(tenant, "SELECT version, state FROM ferry_migrations ORDER BY version"))
      out.push_back(row[0].value_or("") + ":" + row[1].value_or(""));
    return out;
  }

  // The tenant's columns of `table`, in order, as the server's catalog lists them.
  std::string columns(const std::string& tenant, const std::string& table) const {
    std::string sql;
    switch (m_dialect) {
      case Dialect::postgres:
        sql =
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = '" +
            table + "' ORDER BY ordinal_position";
        break;
      case Dialect::mysql:
        sql =
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "DATABASE() AND table_name = '" +
            table + "' ORDER BY ordinal_position";
        break;
      case Dialect::sqlite:
        sql = "SELECT name FROM pragma_table_info('" + table + "') ORDER BY cid";
        break;
    }
    std::string out;
    for (const auto& row : query(tenant, sql))
      out += (out.empty() ? "" : ",") + row[0].value_or("");
    return out;
  }

  // Whether the tenant has an index of this name.
  bool has_index(const std::string& tenant, const std::string& index) const {
    std::string sql;
    switch (m_dialect) {
      case Dialect::postgres:
        sql =
            "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = "
            "'" +
            index + "'";
        break;
      case Dialect::mysql:
        sql =
            "SELECT count(*) FROM information_schema.statistics WHERE table_schema = DATABASE() "
            "AND index_name = '" +
            index + "'";
        break;
      case Dialect::sqlite:
        sql = "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '" + index + "'";
        break;
    }
    return value(tenant, sql) != "0";
  }

 private:
  Dialect m_dialect;
  std::vector<TenantSpec> m_specs;
  std::vector<std::string> m_groups;
  TempDir m_dir;
  std::vector<std::unique_ptr<TempDatabase>> m_dbs;
};

// The JSON report on stdout, after any log lines.
inline nlohmann::json json_report(const std::string& output) {
  const std::size_t start = output.starts_with("{") ? 0 : output.find("\n{");
  if (start == std::string::npos)
    throw std::runtime_error("no JSON report in:\n" + output);
  return nlohmann::json::parse(output.substr(start));
}

// The target entries of a `ferry migrate up|down --json` report, by tenant name.
inline std::map<std::string, nlohmann::json> targets(const nlohmann::json& report) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& step : report.at("steps")) {
    for (const auto& t : step.at("targets"))
      out[t.at("target")] = t;
  }
  return out;
}

}  // namespace ferry::test::migrate
