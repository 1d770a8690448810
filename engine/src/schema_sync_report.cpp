// Reports of structure syncs and plans, for humans and for machines.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string_view>

#include "ferry/engine/schema_sync.hpp"

namespace ferry::engine {

std::string render_plan(const schema::Plan& plan) {
  std::string out;
  for (const schema::Change& c : plan.changes) {
    out += fmt::format("-- {}: {}\n", to_string(c.risk), c.description);
    for (const std::string& sql : c.sql)
      out += sql + ";\n";
  }
  if (!plan.drift.empty()) {
    out +=
        fmt::format("-- drift: {} object(s) only on the target, kept (--allow-drop drops them):\n",
                    plan.drift.size());
    for (const schema::Drift& d : plan.drift)
      out += fmt::format("--   {} {}\n", d.kind, d.name);
  }
  for (const std::string& note : plan.notes)
    out += fmt::format("-- note: {}\n", note);
  if (!plan.not_compared.empty()) {
    out += fmt::format(
        "-- not compared: {} object(s) of kinds ferry does not model, so the two "
        "cannot be called equal:\n",
        plan.not_compared.size());
    for (const schema::NotCompared& n : plan.not_compared)
      out += fmt::format("--   {}: {} {}\n", n.side, n.kind, n.name);
  }
  return out;
}

nlohmann::json plan_json(const schema::Plan& plan) {
  nlohmann::json changes = nlohmann::json::array();
  for (const schema::Change& c : plan.changes) {
    changes.push_back(
        {{"risk", to_string(c.risk)}, {"description", c.description}, {"sql", c.sql}});
  }
  nlohmann::json drift = nlohmann::json::array();
  for (const schema::Drift& d : plan.drift)
    drift.push_back({{"kind", d.kind}, {"name", d.name}});
  nlohmann::json not_compared = nlohmann::json::array();
  for (const schema::NotCompared& n : plan.not_compared)
    not_compared.push_back({{"side", n.side}, {"kind", n.kind}, {"name", n.name}});
  return {{"dialect", to_string(plan.dialect)},
          {"changes", std::move(changes)},
          {"drift", std::move(drift)},
          {"notes", plan.notes},
          {"not_compared", std::move(not_compared)}};
}

std::string render_text(const SchemaSyncReport& report) {
  std::size_t width = 6, status_width = 9;
  for (const TenantResult& t : report.tenants) {
    width = std::max(width, t.tenant.size());
    status_width = std::max(status_width, std::string_view(to_string(t.status)).size());
  }
  std::string out = fmt::format("{:<{}}  {:<{}}  {:>7}  {:>5}  {:>8}\n", "tenant", width, "status",
                                status_width, "changes", "drift", "time");
  std::size_t changes = 0;
  for (const TenantResult& t : report.tenants) {
    const std::size_t n = t.status == TenantStatus::applied ? t.applied : t.plan.changes.size();
    changes += t.status == TenantStatus::applied ? n : 0;
    out += fmt::format("{:<{}}  {:<{}}  {:>7}  {:>5}  {:>7.2f}s\n", t.tenant, width,
                       to_string(t.status), status_width, n, t.plan.drift.size(), t.seconds);
  }
  out += fmt::format("{} tenant(s), {} change(s) {}, {:.2f}s\n", report.tenants.size(),
                     report.dry_run ? 0 : changes, report.dry_run ? "applied (dry run)" : "applied",
                     report.seconds);
  const auto unchanged =
      std::count_if(report.tenants.begin(), report.tenants.end(),
                    [](const TenantResult& t) { return !t.unchanged_since.empty(); });
  if (unchanged > 0) {
    out += fmt::format(
        "{} tenant(s) in sync by catalog stamps: neither side changed since a check found them "
        "equal (--recheck compares them again)\n",
        unchanged);
  }
  for (const TenantResult& t : report.tenants) {
    if (!t.error.empty())
      out += fmt::format("{}: {}: {}\n", t.tenant, to_string(t.status), t.error);
    if (!t.plan.not_compared.empty()) {
      std::string names;
      for (const schema::NotCompared& n : t.plan.not_compared)
        names += fmt::format("{}{} {} ({})", names.empty() ? "" : ", ", n.kind, n.name, n.side);
      out += fmt::format("{}: not compared (ferry does not model them): {}\n", t.tenant, names);
    }
  }
  return out;
}

nlohmann::json to_json(const SchemaSyncReport& report) {
  nlohmann::json tenants = nlohmann::json::array();
  for (const TenantResult& t : report.tenants) {
    tenants.push_back(
        {{"tenant", t.tenant},
         {"status", to_string(t.status)},
         {"changes_applied", t.applied},
         {"plan", plan_json(t.plan)},
         {"plan_reused", t.plan_reused},
         {"unchanged_since",
          t.unchanged_since.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.unchanged_since)},
         {"error", t.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.error)},
         {"remaining", t.remaining},
         {"seconds", t.seconds}});
  }
  return {{"master", report.master},
          {"dry_run", report.dry_run},
          {"tenants", std::move(tenants)},
          {"seconds", report.seconds},
          {"exit_code", static_cast<int>(report.exit_code())}};
}

}  // namespace ferry::engine
