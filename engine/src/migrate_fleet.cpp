// Migrations over the fleet (migrate.hpp): a runbook run of one `migrate` step, and the
// status matrix of `ferry migrate status`.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "ferry/common/error.hpp"
#include "ferry/engine/migrate.hpp"

namespace ferry::engine {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& i : items)
    out += (out.empty() ? "" : ", ") + i;
  return out;
}

}  // namespace

Runbook migrations_runbook(const Config& config, const MigrateFleetOptions& options) {
  const MigrateRequest& r = options.request;
  if (r.action == MigrateRequest::Action::down && r.to.empty())
    throw Error(ErrorKind::usage, "migrate down needs --to VERSION (0: undo them all)");
  for (const std::string& name : options.tenants) {
    const NamedEndpoint* t = config.find(name);
    if (t == nullptr || t == &config.master)
      throw Error(ErrorKind::usage, "no tenant '" + name + "' in " + config.file.string());
  }
  if (!options.group.empty() &&
      std::find(config.groups.begin(), config.groups.end(), options.group) == config.groups.end())
    throw Error(ErrorKind::usage, "no group '" + options.group + "' in " + config.file.string());
  // The files are read (and checked) before any tenant is touched.
  load_migrations(config.migrations.dir, config.migrations.format);
  Runbook book;
  book.name = r.action == MigrateRequest::Action::up ? "migrate-up" : "migrate-down";
  book.file = config.file;
  RunbookStep step;
  step.name = "migrate " + std::string(r.action == MigrateRequest::Action::up ? "up" : "down");
  step.kind = StepKind::migrate;
  step.value = r.action == MigrateRequest::Action::up ? "up" : "down";
  if (!r.to.empty())
    step.params["to"] = r.to;
  step.continue_on_error = options.continue_on_error;
  step.file = config.file;
  if (!options.tenants.empty()) {
    step.on = options.tenants;
  } else if (!options.group.empty()) {
    step.on = {options.group};
  } else {
    for (const NamedEndpoint& t : config.tenants)
      step.on.push_back(t.name);
  }
  book.steps.push_back(std::move(step));
  return book;
}

RunReport run_migrations(const Config& config, const MigrateFleetOptions& options,
                         const std::function<void(const StepRun&)>& on_step) {
  const Runbook book = migrations_runbook(config, options);
  Config run_config = config;
  if (options.jobs > 0)
    run_config.concurrency = options.jobs;
  RunOptions run = options.run;
  run.dry_run = options.request.dry_run;
  return run_runbook(run_config, book, run, on_step);
}

std::string render_status(const std::vector<TenantMigrationStatus>& rows, const MigrationSet& set) {
  std::size_t width = 6, group_width = 10, current_width = 16;
  for (const auto& r : rows) {
    width = std::max(width, r.tenant.size());
    group_width = std::max(group_width, r.group.size());
    current_width = std::max(current_width, r.current.size());
  }
  const std::string latest = set.versioned.empty() ? "none" : set.versioned.back().version;
  std::string out = fmt::format("{} migration(s) in {} ({} layout), latest {}\n",
                                set.versioned.size() + set.repeatable.size(), set.dir.string(),
                                to_string(set.format), latest);
  const bool app =
      std::any_of(rows.begin(), rows.end(), [](const auto& r) { return r.app_pending > 0; });
  out += fmt::format("{:<{}}  {:<{}} {:<{}} {:>7} {:>6} {:>8}{}  {}\n", "tenant", width, "group",
                     group_width, "current", current_width, "pending", "failed", "changed",
                     app ? "  app-pending" : "", "note");
  std::size_t behind = 0, broken = 0;
  for (const auto& r : rows) {
    std::string note = r.error;
    if (note.empty() && !r.failed.empty())
      note = "failed or half-run: " + joined(r.failed);
    if (note.empty() && !r.mismatched.empty())
      note = "file changed after it ran: " + joined(r.mismatched);
    if (note.empty() && !r.missing.empty())
      note = "applied, no file here: " + joined(r.missing);
    behind += !r.pending.empty() || r.app_pending > 0;
    broken += !r.error.empty() || !r.failed.empty() || !r.mismatched.empty();
    out += fmt::format("{:<{}}  {:<{}} {:<{}} {:>7} {:>6} {:>8}{}  {}\n", r.tenant, width,
                       r.group.empty() ? "-" : r.group, group_width,
                       r.current.empty() ? "-" : r.current, current_width, r.pending.size(),
                       r.failed.size(), r.mismatched.size(),
                       app ? fmt::format("  {:>11}", r.app_pending) : "", note);
  }
  out += fmt::format("{} tenant(s): {} up to date, {} behind, {} need attention\n", rows.size(),
                     rows.size() - behind, behind, broken);
  return out;
}

nlohmann::json status_json(const std::vector<TenantMigrationStatus>& rows,
                           const MigrationSet& set) {
  nlohmann::json tenants = nlohmann::json::array();
  for (const auto& r : rows) {
    tenants.push_back({{"tenant", r.tenant},
                       {"group", r.group},
                       {"current", r.current},
                       {"pending", r.pending},
                       {"failed", r.failed},
                       {"checksum_mismatch", r.mismatched},
                       {"missing_files", r.missing},
                       {"app_pending", r.app_pending},
                       {"error", r.error},
                       {"seconds", r.seconds}});
  }
  nlohmann::json versions = nlohmann::json::array();
  for (const Migration& m : set.versioned)
    versions.push_back({{"version", m.version}, {"name", m.name}, {"has_down", !m.down.empty()}});
  return {{"dir", set.dir.string()},
          {"format", to_string(set.format)},
          {"latest", set.versioned.empty() ? "" : set.versioned.back().version},
          {"migrations", versions},
          {"tenants", tenants}};
}

}  // namespace ferry::engine
