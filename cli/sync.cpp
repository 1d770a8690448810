// ferry sync: every tenant of ferry.yaml up to the master. ferry demo: the same on a fleet
// of SQLite files made for the purpose.
#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "endpoints.hpp"
#include "ferry/engine/demo.hpp"
#include "ferry/engine/fleet_sync.hpp"
#include "live_view.hpp"

namespace ferry::cli {
namespace {

struct SyncOptions {
  std::vector<std::string> tenants;
  std::string group;
  std::string mode = "auto";
  bool dry_run = false;
  bool resume = false;
  bool continue_on_error = false;
  bool recheck = false;
  bool privileges = false;
  std::string shard;
  int jobs = 0;
  bool json = false;
};

// Runs the sync with a row per tenant in the live view: its step (structure, then data with
// tables done of the tables to sync) and its last word.
engine::FleetReport run(const engine::Config& config, engine::FleetOptions options, bool json) {
  LiveView view;
  options.progress.step = [&view](const std::string& tenant, const std::string& step,
                                  std::size_t tables) {
    view.step(tenant, step, tables, Unit::items, tables > 0 ? "tables" : "");
  };
  options.progress.table_done = [&view](const std::string& tenant) { view.advance(tenant); };
  options.progress.tenant_done = [&view](const engine::FleetTenant& t) {
    const std::string status = engine::to_string(t.status);
    view.finish(
        t.name, status, LiveView::tone_of(status),
        fmt::format("{} structure change(s), {} row(s)", t.structure_changes, t.rows_moved));
  };
  return engine::run_fleet_sync(config, options, [json, &view](const engine::FleetReport& r) {
    if (!r.resume_note.empty())
      spdlog::warn("{}", r.resume_note);
    const std::string line = std::string("mode ") + engine::to_string(r.mode) + ": " +
                             r.mode_reason + (r.dry_run ? " (dry run)" : "");
    if (json) {
      spdlog::info("{}", line);
    } else {
      view.print(line + '\n', stdout);
    }
    for (const engine::FleetTenant& t : r.tenants)
      view.add(t.name);
  });
}

ExitCode run_sync(const SyncOptions& o) {
  engine::FleetOptions options;
  options.tenants = o.tenants;
  options.group = o.group;
  options.mode = o.mode == "full"        ? engine::ModeChoice::full
                 : o.mode == "structure" ? engine::ModeChoice::structure
                                         : engine::ModeChoice::auto_;
  options.dry_run = o.dry_run;
  options.resume = o.resume;
  options.continue_on_error = o.continue_on_error;
  options.recheck = o.recheck;
  if (!o.shard.empty())
    options.shard = engine::parse_shard(o.shard);
  options.jobs = o.jobs;
  engine::Config loaded = config();
  loaded.sync.privileges = loaded.sync.privileges || o.privileges;
  const engine::FleetReport report = run(loaded, options, o.json);
  if (o.json) {
    std::cout << engine::to_json(report).dump(2) << '\n';
  } else {
    std::cout << engine::render_text(report);
  }
  return report.exit_code();
}

ExitCode run_demo(const std::string& dir) {
  const std::filesystem::path path = dir.empty() ? "ferry-demo" : dir;
  if (engine::create_demo(path)) {
    std::cout << "created " << path.string()
              << ": an SQLite master and tenants tst, acc, prd, with drift, and ferry.yaml\n";
  } else {
    std::cout << path.string() << " exists: syncing it again\n";
  }
  const engine::Config config = engine::load_config(path / "ferry.yaml");
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::string self = ec ? std::string("ferry") : exe.string();
  ExitCode code = ExitCode::ok;
  std::size_t changes = 0;
  for (const engine::ModeChoice mode : {engine::ModeChoice::structure, engine::ModeChoice::full}) {
    engine::FleetOptions options;
    options.mode = mode;
    std::cout << '\n';
    const engine::FleetReport report = run(config, options, false);
    std::cout << engine::render_text(report);
    for (const engine::FleetTenant& t : report.tenants)
      changes += t.structure_changes + t.rows_moved;
    if (report.exit_code() != ExitCode::ok)
      code = report.exit_code();
  }
  std::cout << '\n'
            << (changes == 0 ? "nothing to do: every tenant matches the master"
                             : "every tenant now matches the master; run `ferry demo` again to "
                               "see a sync with nothing to do")
            << "\ntry: cd " << path.string() << " && " << self << " inspect prd && " << self
            << " schema diff master acc && " << self << " sync --dry-run\n";
  return code;
}

}  // namespace

void add_sync_commands(CLI::App& app, CommandResult& result) {
  auto o = std::make_shared<SyncOptions>();
  CLI::App* sync = app.add_subcommand(
      "sync",
      "Bring every tenant in ferry.yaml up to the master: structure by day, structure "
      "and data in the full window");
  auto* tenants = sync->add_option("--tenants", o->tenants, "Only these tenants")->delimiter(',');
  sync->add_option("--group", o->group, "Only this group")->excludes(tenants);
  sync->add_option("--mode", o->mode, "auto (by the window), structure or full")
      ->check(CLI::IsMember({"auto", "structure", "full"}))
      ->default_val("auto");
  sync->add_flag("--dry-run", o->dry_run, "Plan and compare; change nothing");
  sync->add_flag("--resume", o->resume,
                 "Continue the last run where it stopped; when it finished, start a new run");
  sync->add_flag("--continue-on-error", o->continue_on_error,
                 "Run later groups even when a group failed");
  sync->add_flag("--with-privileges", o->privileges,
                 "PostgreSQL: sync owners and grants too (as sync.privileges: true does)");
  sync->add_option("--shard", o->shard, "K/N: only the tenants of shard K (0-based) of N");
  sync->add_option("-j,--jobs", o->jobs, "Tenants at once (default: concurrency in ferry.yaml)")
      ->check(CLI::Range(1, 256));
  sync->add_flag("--recheck", o->recheck,
                 "Compare structure in full even where neither catalog changed since a check "
                 "found them equal");
  sync->add_flag("--json", o->json, "Print the report as JSON");
  sync->callback([o, &result] { result.code = run_sync(*o); });

  auto dir = std::make_shared<std::string>();
  CLI::App* demo = app.add_subcommand(
      "demo", "Create an SQLite fleet with drift in DIR (default ./ferry-demo) and sync it");
  demo->add_option("DIR", *dir, "Where the demo lives");
  demo->callback([dir, &result] { result.code = run_demo(*dir); });
}

}  // namespace ferry::cli
