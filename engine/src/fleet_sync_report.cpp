// The report of a `ferry sync` run.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string_view>

#include "ferry/engine/fleet_sync.hpp"

namespace ferry::engine {

std::string render_text(const FleetReport& report) {
  std::size_t width = 6, group_width = 5, status_width = 6;
  for (const FleetTenant& t : report.tenants) {
    width = std::max(width, t.name.size());
    group_width = std::max(group_width, t.group.size());
    status_width = std::max(status_width, std::string_view(to_string(t.status)).size());
  }
  std::string out =
      fmt::format("{:<{}}  {:<{}}  {:<9}  {:<{}}  {:>9}  {:>10}  {:>8}\n", "tenant", width, "group",
                  group_width, "mode", "status", status_width, "structure", "rows moved", "time");
  std::size_t changes = 0, rows = 0;
  for (const FleetTenant& t : report.tenants) {
    changes += t.structure_changes;
    rows += t.rows_moved;
    out += fmt::format("{:<{}}  {:<{}}  {:<9}  {:<{}}  {:>9}  {:>10}  {:>7.2f}s\n", t.name, width,
                       t.group, group_width, to_string(t.mode), to_string(t.status), status_width,
                       t.structure_changes, t.rows_moved, t.seconds);
  }
  out += fmt::format("{} tenant(s), {} structure change(s), {} row(s) {}, {:.2f}s{}\n",
                     report.tenants.size(), changes, rows,
                     report.dry_run ? "to move (dry run)" : "moved", report.seconds,
                     report.dry_run ? "" : ", run " + report.run_id);
  for (const FleetTenant& t : report.tenants) {
    if (!t.detail.empty())
      out += fmt::format("{}: {}\n", t.name, t.detail);
  }
  return out;
}

nlohmann::json to_json(const FleetReport& report) {
  nlohmann::json tenants = nlohmann::json::array();
  for (const FleetTenant& t : report.tenants) {
    tenants.push_back(
        {{"name", t.name},
         {"group", t.group},
         {"mode", to_string(t.mode)},
         {"status", to_string(t.status)},
         {"structure_changes", t.structure_changes},
         {"rows_moved", t.rows_moved},
         {"seconds", t.seconds},
         {"detail", t.detail.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.detail)}});
  }
  return {{"run_id", report.run_id},
          {"mode", to_string(report.mode)},
          {"mode_reason", report.mode_reason},
          {"dry_run", report.dry_run},
          {"resumed", report.resumed},
          {"resume_note", report.resume_note.empty() ? nlohmann::json(nullptr)
                                                     : nlohmann::json(report.resume_note)},
          {"tenants", std::move(tenants)},
          {"seconds", report.seconds},
          {"exit_code", static_cast<int>(report.exit_code())}};
}

}  // namespace ferry::engine
