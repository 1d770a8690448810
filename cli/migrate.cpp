// ferry migrate: versioned SQL files and the app's own migration commands over the fleet
// (status, up, down, new, adopt, repair).
#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "background.hpp"
#include "commands.hpp"
#include "endpoints.hpp"
#include "ferry/engine/migrate.hpp"
#include "live_view.hpp"

namespace ferry::cli {
namespace {

struct MigrateArgs {
  std::vector<std::string> tenants;
  std::string group;
  std::string to;
  int jobs = 0;
  bool dry_run = false;
  bool resume = false;
  bool background = false;
  bool continue_on_error = false;
  bool json = false;
  std::string run_id;  // set by the --background parent for its child
  std::string name;    // migrate new
};

engine::MigrationSet migration_set(const engine::Config& c) {
  return engine::load_migrations(c.migrations.dir, c.migrations.format);
}

// The tenants a command covers, in the config's order: --tenants, --group, or all.
std::vector<const engine::NamedEndpoint*> chosen_tenants(const engine::Config& c,
                                                         const MigrateArgs& a) {
  std::vector<const engine::NamedEndpoint*> out;
  for (const std::string& name : a.tenants) {
    const engine::NamedEndpoint* t = c.find(name);
    if (t == nullptr || t == &c.master)
      throw Error(ErrorKind::usage, "no tenant '" + name + "' in " + c.file.string());
  }
  for (const engine::NamedEndpoint& t : c.tenants) {
    const bool named = a.tenants.empty() ||
                       std::find(a.tenants.begin(), a.tenants.end(), t.name) != a.tenants.end();
    if (named && (a.group.empty() || t.group == a.group))
      out.push_back(&t);
  }
  if (out.empty())
    throw Error(ErrorKind::usage, "no tenant of group '" + a.group + "' in " + c.file.string());
  return out;
}

// Tenants whose history is read at once by default: a status is a few short reads per tenant,
// so its time is the connections' round trips, not work. With app status commands (processes
// on this machine) the configured concurrency applies.
constexpr int k_status_jobs = 64;

ExitCode status(const MigrateArgs& a) {
  const engine::Config& c = config();
  const engine::MigrationSet set = migration_set(c);
  const bool app_status = std::any_of(c.migrations.commands.begin(), c.migrations.commands.end(),
                                      [](const auto& command) { return !command.status.empty(); });
  const int jobs = a.jobs > 0 ? a.jobs : app_status ? c.concurrency : k_status_jobs;
  const auto rows = engine::migration_status(c, chosen_tenants(c, a), set, jobs);
  if (a.json)
    std::cout << engine::status_json(rows, set).dump(2) << '\n';
  else
    std::cout << engine::render_status(rows, set);
  const bool unreadable =
      std::any_of(rows.begin(), rows.end(), [](const auto& r) { return !r.error.empty(); });
  return unreadable ? ExitCode::partial_failure : ExitCode::ok;
}

ExitCode up_or_down(const MigrateArgs& a, engine::MigrateRequest::Action action) {
  const engine::Config& c = config();
  engine::MigrateFleetOptions options;
  options.request.action = action;
  options.request.to = a.to;
  options.request.dry_run = a.dry_run;
  options.tenants = a.tenants;
  options.group = a.group;
  options.jobs = a.jobs;
  options.continue_on_error = a.continue_on_error;
  options.run.resume = a.resume;
  options.run.run_id = a.run_id;
  options.run.detached = !a.run_id.empty();
  if (a.background) {
    if (a.dry_run)
      throw Error(ErrorKind::usage, "--background runs migrations; a --dry-run needs no detaching");
    const engine::Runbook book = engine::migrations_runbook(c, options);
    const std::string id = start_in_background(c, book, options.run);
    if (a.json)
      std::cout << nlohmann::json{{"run_id", id}, {"runbook", book.name}}.dump(2) << '\n';
    else
      std::cout << "migration run " << id
                << " started in the background\nfollow it: ferry runs show " << id << " --follow\n";
    return ExitCode::ok;
  }
  engine::RunReport report;
  {
    // A row per tenant: files and app commands run of those to run.
    LiveView view;
    for (const engine::NamedEndpoint* t : chosen_tenants(c, a))
      view.add(t->name);
    const bool up = action == engine::MigrateRequest::Action::up;
    engine::MigrateProgress progress;
    progress.started = [&view, up](const std::string& tenant, std::size_t steps) {
      view.step(tenant, up ? "migrating" : "reverting", steps, Unit::items, "steps");
    };
    progress.step_done = [&view](const std::string& tenant, const std::string&) {
      view.advance(tenant);
    };
    progress.finished = [&view, &a](const std::string& tenant,
                                    const engine::TenantMigrateResult& r) {
      const std::string status = !r.ok ? "failed" : a.dry_run ? "planned" : "done";
      const std::size_t count = a.dry_run ? r.planned.size() : r.done.size() + r.commands.size();
      view.finish(tenant, status, LiveView::tone_of(status),
                  count == 0 ? std::string("up to date")
                             : fmt::format("{} step(s){}", count, a.dry_run ? " to run" : ""));
    };
    engine::set_migrate_progress(std::move(progress));
    try {
      report = engine::run_migrations(c, options);
    } catch (...) {
      engine::set_migrate_progress({});
      throw;
    }
    engine::set_migrate_progress({});
    for (const engine::StepRun& step : report.steps) {
      for (const engine::TargetRun& t : step.targets) {
        if (t.outcome == engine::Outcome::skipped)
          view.finish(t.target, "skipped", Tone::warn);
      }
    }
  }
  if (a.json)
    std::cout << engine::to_json(report).dump(2) << '\n';
  else
    std::cout << engine::render_text(report);
  // With --continue-on-error the run goes on past a failed tenant, and still says it failed.
  for (const engine::StepRun& step : report.steps) {
    for (const engine::TargetRun& t : step.targets) {
      if (t.outcome == engine::Outcome::failed && report.exit_code() == ExitCode::ok)
        return ExitCode::partial_failure;
    }
  }
  return report.exit_code();
}

ExitCode create(const MigrateArgs& a) {
  const engine::Config& c = config();
  if (!a.dry_run)
    std::filesystem::create_directories(c.migrations.dir);
  const engine::MigrationSet set = migration_set(c);
  for (const auto& file : engine::new_migration(set, a.name, a.dry_run))
    std::cout << (a.dry_run ? "would create " : "created ") << file.string() << '\n';
  return ExitCode::ok;
}

// adopt and repair: one tenant at a time, each line printed as it happens.
ExitCode each_tenant(const MigrateArgs& a, bool adopt) {
  const engine::Config& c = config();
  const engine::MigrationSet set = migration_set(c);
  nlohmann::json out = nlohmann::json::array();
  std::size_t failed = 0;
  for (const engine::NamedEndpoint* t : chosen_tenants(c, a)) {
    try {
      const auto lines = adopt ? engine::adopt_history(*t, set) : engine::repair_history(*t, set);
      out.push_back({{"tenant", t->name}, {adopt ? "imported" : "changes", lines}});
      if (!a.json) {
        std::string text;
        for (const std::string& l : lines)
          text += (text.empty() ? "" : adopt ? ", " : "; ") + l;
        std::cout << t->name << ": "
                  << (lines.empty() ? (adopt ? "nothing to import" : "nothing to repair")
                                    : (adopt ? "imported " : "") + text)
                  << '\n';
      }
    } catch (const Error& e) {
      ++failed;
      out.push_back({{"tenant", t->name}, {"error", e.what()}});
      spdlog::error("{}: {}", t->name, e.what());
    }
  }
  if (a.json)
    std::cout << out.dump(2) << '\n';
  if (failed == 0)
    return ExitCode::ok;
  return failed == out.size() ? ExitCode::failure : ExitCode::partial_failure;
}

void add_selection(CLI::App* cmd, MigrateArgs& a) {
  auto* tenants = cmd->add_option("--tenants", a.tenants, "Only these tenants")->delimiter(',');
  cmd->add_option("--group", a.group, "Only this group")->excludes(tenants);
}

}  // namespace

void add_migrate_commands(CLI::App& app, CommandResult& result) {
  CLI::App* migrate = app.add_subcommand(
      "migrate", "Versioned SQL migrations and the app's migration commands, over the fleet");
  migrate->require_subcommand(1);

  auto s = std::make_shared<MigrateArgs>();
  CLI::App* st = migrate->add_subcommand(
      "status", "Per tenant: current version, pending, failed and changed migrations");
  add_selection(st, *s);
  st->add_option("-j,--jobs", s->jobs,
                 "Tenants read at once (default: 64; concurrency with app status commands)")
      ->check(CLI::Range(1, 256));
  st->add_flag("--json", s->json, "Print the matrix as JSON");
  st->callback([s, &result] { result.code = status(*s); });

  for (const bool up : {true, false}) {
    auto a = std::make_shared<MigrateArgs>();
    CLI::App* cmd = migrate->add_subcommand(
        up ? "up" : "down",
        up ? "Apply pending migrations (and the app's commands), group by group"
           : "Revert migrations above a version with their down (undo) files, newest first");
    add_selection(cmd, *a);
    auto* to = cmd->add_option("--to", a->to,
                               up ? "Stop at this version (default: the latest)"
                                  : "Revert every version above this one (0: all)");
    if (!up)
      to->required();
    cmd->add_option("-j,--jobs", a->jobs, "Tenants of a group at once (default: concurrency)")
        ->check(CLI::Range(1, 256));
    cmd->add_flag("--dry-run", a->dry_run, "Read every tenant's history and print what would run");
    cmd->add_flag("--resume", a->resume,
                  "Continue the last run if it was interrupted (else start a new one)");
    cmd->add_flag("--background", a->background,
                  "Detach: print the run id and go on without a terminal (ferry runs show ID)");
    cmd->add_flag("--continue-on-error", a->continue_on_error,
                  "Run later groups even when a tenant of a group failed");
    cmd->add_option("--run-id", a->run_id)->group("");  // the --background child's id
    cmd->add_flag("--json", a->json, "Print the report as JSON");
    cmd->callback([a, up, &result] {
      result.code = up_or_down(
          *a, up ? engine::MigrateRequest::Action::up : engine::MigrateRequest::Action::down);
    });
  }

  auto n = std::make_shared<MigrateArgs>();
  CLI::App* create_cmd =
      migrate->add_subcommand("new", "Write the next migration file (pair) of the layout in use");
  create_cmd->add_option("NAME", n->name, "What the migration does, e.g. add_invoices")->required();
  create_cmd->add_flag("--dry-run", n->dry_run, "Print the file names and write nothing");
  create_cmd->callback([n, &result] { result.code = create(*n); });

  auto ad = std::make_shared<MigrateArgs>();
  CLI::App* adopt = migrate->add_subcommand(
      "adopt", "Import Flyway's or Prisma's history into ferry's, so nothing runs twice");
  add_selection(adopt, *ad);
  adopt->add_flag("--json", ad->json, "Print what was imported as JSON");
  adopt->callback([ad, &result] { result.code = each_tenant(*ad, true); });

  auto rp = std::make_shared<MigrateArgs>();
  CLI::App* repair = migrate->add_subcommand(
      "repair", "Record changed files' checksums and remove failed or half-run history rows");
  add_selection(repair, *rp);
  repair->add_flag("--json", rp->json, "Print the changes as JSON");
  repair->callback([rp, &result] { result.code = each_tenant(*rp, false); });
}

}  // namespace ferry::cli
