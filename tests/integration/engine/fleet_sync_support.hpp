// Shared by the `ferry sync` integration tests: SQLite fleets in a TempDir with a ferry.yaml,
// the ferry executable as a child process, and checks made with plain SQL (Connector::query)
// and the files themselves, independently of ferry's own diffing.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "ferry/connectors/connector.hpp"
#include "test_env.hpp"

namespace ferry::test::fleet {

using Rows = std::vector<connectors::TextRow>;

inline std::unique_ptr<connectors::Connector> open_sqlite(const std::filesystem::path& file) {
  return connectors::connect(
      parse_endpoint("sqlite://" + std::filesystem::absolute(file).string() + "?mode=rwc"));
}

inline void exec(const std::filesystem::path& file, const std::vector<std::string>& sql) {
  open_sqlite(file)->execute(sql);
}

// `columns` of `table` ordered by `order_by`, as SQLite prints them.
inline Rows dump(const std::filesystem::path& file, const std::string& table,
                 const std::string& columns, const std::string& order_by) {
  return open_sqlite(file)->query("SELECT " + columns + " FROM " + table + " ORDER BY " + order_by);
}

inline std::int64_t count_rows(const std::filesystem::path& file, const std::string& table) {
  const Rows rows = open_sqlite(file)->query("SELECT count(*) FROM " + table);
  return std::stoll(rows.at(0).at(0).value_or("-1"));
}

// The names of the columns of `table`, in order: catches a column ferry failed to add.
inline std::string column_names(const std::filesystem::path& file, const std::string& table) {
  std::string out;
  for (const auto& row :
       open_sqlite(file)->query("SELECT name FROM pragma_table_info('" + table + "') ORDER BY cid"))
    out += (out.empty() ? "" : ",") + row.at(0).value_or("NULL");
  return out;
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The JSON report of `ferry sync --json`: stdout, after any log lines on stderr.
inline nlohmann::json json_report(const std::string& output) {
  const std::size_t start = output.starts_with("{") ? 0 : output.find("\n{");
  if (start == std::string::npos)
    throw std::runtime_error("no JSON report in:\n" + output);
  return nlohmann::json::parse(output.substr(start));
}

// The entry of `tenant` in a JSON report; a test failure and null when absent.
inline nlohmann::json tenant_entry(const nlohmann::json& report, const std::string& tenant) {
  for (const auto& t : report.at("tenants")) {
    if (t.at("name") == tenant)
      return t;
  }
  ADD_FAILURE() << "no tenant " << tenant << " in " << report.dump(2);
  return nullptr;
}

struct TenantSpec {
  std::string name;
  std::string group;  // empty: no group
};

// A ferry.yaml: master.db and NAME.db beside it, the state in ./state, and `extra` lines
// (sync:, windows:, groups: ...) appended as they are.
inline std::string fleet_yaml(const std::vector<TenantSpec>& tenants, const std::string& extra) {
  std::string yaml = "master: sqlite:master.db\ntenants:\n";
  for (const TenantSpec& t : tenants) {
    yaml += "  - name: " + t.name + "\n    url: sqlite:" + t.name + ".db\n";
    if (!t.group.empty())
      yaml += "    group: " + t.group + "\n";
  }
  return yaml + "state_dir: state\n" + extra;
}

// The run journal `ferry sync` keeps in <state>/runs (engine/src/run_journal.hpp); null while
// there is none, or while it is being replaced.
inline nlohmann::json last_journal(const std::filesystem::path& state_dir) {
  std::string id = read_text(state_dir / "runs" / "last");
  while (!id.empty() && (id.back() == '\n' || id.back() == '\r'))
    id.pop_back();
  if (id.empty())
    return nullptr;
  const std::string text = read_text(state_dir / "runs" / (id + ".json"));
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

inline nlohmann::json journal_tenant(const nlohmann::json& journal, const std::string& tenant) {
  if (!journal.is_object())
    return nullptr;
  for (const auto& t : journal.at("tenants")) {
    if (t.at("name") == tenant)
      return t;
  }
  return nullptr;
}

}  // namespace ferry::test::fleet
