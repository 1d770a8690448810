// Reports of data diffs and syncs, for humans and for machines.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "ferry/engine/data_sync.hpp"

namespace ferry::engine {
namespace {

std::string key_text(const schema::KeyValue& key) {
  std::string out = "(";
  for (std::size_t i = 0; i < key.size(); ++i)
    out += (i ? ", " : "") + key[i];
  return out + ")";
}

}  // namespace

std::string render_text(const DataSyncReport& report) {
  std::size_t width = 6;
  for (const TenantDataResult& t : report.tenants)
    width = std::max(width, t.tenant.size());
  const char* verb = report.dry_run ? "differ" : "changed";
  std::string out =
      fmt::format("{:<{}}  {:<8}  {:>10}  {:>8}  {:>8}  {:>8}  {:>7}  {:>8}\n", "tenant", width,
                  "status", "compared", "insert", "update", "delete", "blocked", "time");
  std::size_t total = 0;
  for (const TenantDataResult& t : report.tenants) {
    std::uint64_t compared = 0;
    std::size_t ins = 0, upd = 0, del = 0, blocked = 0;
    for (const TableResult& r : t.tables) {
      compared += r.rows_compared;
      ins += r.inserts;
      upd += r.updates;
      del += r.deletes;
      blocked += r.blocked.size();
    }
    total += ins + upd + del;
    out += fmt::format("{:<{}}  {:<8}  {:>10}  {:>8}  {:>8}  {:>8}  {:>7}  {:>7.2f}s\n", t.tenant,
                       width, to_string(t.status), compared, ins, upd, del, blocked, t.seconds);
  }
  out += fmt::format("{} tenant(s), {} row(s) {}, {:.2f}s\n", report.tenants.size(), total, verb,
                     report.seconds);
  for (const TenantDataResult& t : report.tenants) {
    if (!t.error.empty())
      out += fmt::format("{}: {}\n", t.tenant, t.error);
    for (const TableResult& r : t.tables) {
      if (!r.error.empty())
        out += fmt::format("{}: table {}: {}\n", t.tenant, r.table, r.error);
      for (const BlockedDelete& b : r.blocked) {
        out += fmt::format("{}: table {}: kept row {}: still referenced by {}\n", t.tenant, r.table,
                           key_text(b.key), b.referenced_by);
      }
    }
  }
  return out;
}

nlohmann::json to_json(const DataSyncReport& report) {
  nlohmann::json tenants = nlohmann::json::array();
  for (const TenantDataResult& t : report.tenants) {
    nlohmann::json tables = nlohmann::json::array();
    for (const TableResult& r : t.tables) {
      nlohmann::json blocked = nlohmann::json::array();
      for (const BlockedDelete& b : r.blocked) {
        blocked.push_back({{"key", b.key}, {"referenced_by", b.referenced_by}});
      }
      nlohmann::json table{
          {"table", r.table},
          {"rows_compared", r.rows_compared},
          {"chunks", r.chunks},
          {"chunks_differing", r.chunks_differing},
          {"hashed_on", !r.error.empty()      ? nlohmann::json(nullptr)
                        : r.hashed_on_servers ? nlohmann::json("servers")
                                              : nlohmann::json("ferry")},
          {"first_pass", !r.error.empty() || !r.hashed_on_servers ? nlohmann::json(nullptr)
                         : r.buckets_first                        ? nlohmann::json("buckets")
                                                                  : nlohmann::json("table")},
          {"summary_passes", r.summary_passes},
          {"inserts", r.inserts},
          {"updates", r.updates},
          {"deletes", r.deletes},
          {"blocked_deletes", std::move(blocked)},
          {"error", r.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.error)},
          {"seconds", r.seconds}};
      if (!r.insert_keys.empty() || !r.update_keys.empty() || !r.delete_keys.empty()) {
        table["keys"] = {
            {"insert", r.insert_keys}, {"update", r.update_keys}, {"delete", r.delete_keys}};
      }
      tables.push_back(std::move(table));
    }
    tenants.push_back(
        {{"tenant", t.tenant},
         {"status", to_string(t.status)},
         {"tables", std::move(tables)},
         {"error", t.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.error)},
         {"seconds", t.seconds}});
  }
  return {{"master", report.master},
          {"dry_run", report.dry_run},
          {"shared_snapshot", report.shared_snapshot},
          {"tenants", std::move(tenants)},
          {"seconds", report.seconds},
          {"exit_code", static_cast<int>(report.exit_code())}};
}

}  // namespace ferry::engine
