#include "last_equal.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ferry/common/process.hpp"
#include "ferry/engine/paths.hpp"

namespace ferry::engine {

LastEqual::LastEqual(std::filesystem::path state_dir)
    : m_dir(state_dir.empty() ? std::filesystem::path{} : std::move(state_dir) / "data-sync") {}

std::filesystem::path LastEqual::file(const std::string& master, const std::string& tenant) const {
  // The name only spreads pairs over files; the record itself says which pair it is for.
  char name[32];
  std::snprintf(name, sizeof name, "%08x.json", stable_hash32(master + '\n' + tenant));
  return m_dir / name;
}

std::map<std::string, EqualTable> LastEqual::find(const std::string& master,
                                                  const std::string& tenant) const {
  std::map<std::string, EqualTable> out;
  if (m_dir.empty())
    return out;
  std::ifstream in(file(master, tenant));
  if (!in)
    return out;
  // An unreadable record (cut short by a full disk, edited by hand) is no record.
  const nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
  if (!doc.is_object() || doc.value("master", "") != master || doc.value("tenant", "") != tenant)
    return out;
  const auto tables = doc.find("tables");
  if (tables == doc.end() || !tables->is_object())
    return out;
  for (const auto& [name, t] : tables->items()) {
    if (!t.is_object())
      continue;
    EqualTable e;
    e.master_counters = t.value("master_counters", "");
    e.master_rows = t.value("master_rows", std::uint64_t{0});
    e.master_digest = t.value("master_digest", "");
    e.at = t.value("at", "");
    if (!e.master_counters.empty())
      out.emplace(name, std::move(e));
  }
  return out;
}

void LastEqual::record(const std::string& master, const std::string& tenant,
                       const std::map<std::string, EqualTable>& tables) const {
  if (m_dir.empty())
    return;
  nlohmann::json list = nlohmann::json::object();
  for (const auto& [name, t] : tables) {
    list[name] = {{"master_counters", t.master_counters},
                  {"master_rows", t.master_rows},
                  {"master_digest", t.master_digest},
                  {"at", t.at}};
  }
  const nlohmann::json doc{{"master", master}, {"tenant", tenant}, {"tables", list}};
  try {
    write_file_atomically(file(master, tenant), doc.dump(2) + "\n");
  } catch (const std::exception& e) {
    spdlog::warn(
        "{}: cannot record which tables match the master ({}); the next sync compares "
        "them by buckets at once",
        tenant, e.what());
  }
}

bool LastEqual::expected_equal(const std::map<std::string, EqualTable>& tenant,
                               const std::map<std::string, std::string>& counters,
                               const std::string& table) {
  const auto now = counters.find(table);
  const auto then = tenant.find(table);
  return now != counters.end() && then != tenant.end() &&
         then->second.master_counters == now->second;
}

}  // namespace ferry::engine
