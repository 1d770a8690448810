// ferry schema diff | schema sync: the master's structure to tenants.
#include <spdlog/spdlog.h>

#include <exception>
#include <future>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "endpoints.hpp"
#include "ferry/common/log.hpp"
#include "ferry/connectors/connector.hpp"
#include "ferry/engine/paths.hpp"
#include "ferry/engine/schema_sync.hpp"

namespace ferry::cli {
namespace {

constexpr const char* k_recheck_help =
    "Read and compare both catalogs even when neither changed since a check found them equal";
constexpr const char* k_state_dir_help =
    "Where runs keep their state (default: $FERRY_STATE_DIR, else ~/.local/state/ferry)";

struct DiffOptions {
  std::string from;
  std::string to;
  bool allow_drop = false;
  bool privileges = false;
  bool json = false;
  bool recheck = false;
  std::string state_dir;
};

ExitCode run_diff(const DiffOptions& options) {
  const Endpoint from = resolve_endpoint(options.from);
  const Endpoint to = resolve_endpoint(options.to);
  const engine::StructureCheck check = engine::check_structure(
      from, to,
      {.allow_drop = options.allow_drop,
       .privileges = options.privileges,
       .state_dir = options.state_dir.empty() ? engine::default_state_dir()
                                              : std::filesystem::path(options.state_dir),
       .recheck = options.recheck});
  const schema::Plan& plan = check.plan;
  if (options.json) {
    nlohmann::json doc = engine::plan_json(plan);
    doc["from"] = from.redacted();
    doc["to"] = to.redacted();
    doc["equal"] = plan.equal();
    doc["unchanged_since"] = check.unchanged_since.empty() ? nlohmann::json(nullptr)
                                                           : nlohmann::json(check.unchanged_since);
    std::cout << doc.dump(2) << '\n';
  } else if (!check.unchanged_since.empty()) {
    std::cout << "-- " << to.redacted() << " has the structure of " << from.redacted()
              << ": neither changed since a check found them equal at " << check.unchanged_since
              << " (--recheck compares them again)\n"
              << engine::render_plan(plan);
  } else if (plan.equal()) {
    std::cout << "-- " << to.redacted() << " has the structure of " << from.redacted() << '\n'
              << engine::render_plan(plan);
  } else if (plan.empty()) {
    std::cout << "-- nothing to change in what ferry compares, but " << to.redacted() << " and "
              << from.redacted() << " hold objects it does not model:\n"
              << engine::render_plan(plan);
  } else {
    std::cout << "-- to make " << to.redacted() << " match " << from.redacted() << ":\n"
              << engine::render_plan(plan);
  }
  return plan.equal() ? ExitCode::ok : ExitCode::differences;
}

struct SyncOptions {
  std::string from;
  std::vector<std::string> to;
  bool allow_drop = false;
  bool privileges = false;
  bool dry_run = false;
  bool json = false;
  bool recheck = false;
  int jobs = 4;
  int lock_timeout_ms = 5000;
  std::string state_dir;
};

ExitCode run_sync(const SyncOptions& options) {
  const Endpoint master = resolve_endpoint(options.from);
  std::vector<Endpoint> tenants;
  for (const std::string& url : options.to)
    tenants.push_back(resolve_endpoint(url));
  const engine::SchemaSyncOptions sync{
      .allow_drop = options.allow_drop,
      .privileges = options.privileges,
      .dry_run = options.dry_run,
      .jobs = options.jobs,
      .lock_timeout = std::chrono::milliseconds(options.lock_timeout_ms),
      .state_dir = options.state_dir.empty() ? engine::default_state_dir()
                                             : std::filesystem::path(options.state_dir),
      .recheck = options.recheck};
  spdlog::info("schema sync{}: {} -> {} tenant(s), {} at a time",
               options.dry_run ? " (dry run)" : "", master.redacted(), tenants.size(),
               options.jobs);
  // A tenant given by its ferry.yaml name is called so in lines and the report.
  const auto label = [&](const engine::TenantResult& t) {
    return t.index < options.to.size() && options.to[t.index].find(':') == std::string::npos
               ? options.to[t.index]
               : t.tenant;
  };
  auto report = engine::sync_schema(master, tenants, sync, [&](const engine::TenantResult& t) {
    const LogField log_tenant("tenant", label(t));
    spdlog::info("{}: {} ({} change(s), {} drift, {:.2f}s)", label(t), engine::to_string(t.status),
                 t.plan.changes.size(), t.plan.drift.size(), t.seconds);
  });
  for (engine::TenantResult& t : report.tenants)
    t.tenant = label(t);
  if (options.json) {
    std::cout << engine::to_json(report).dump(2) << '\n';
  } else {
    if (options.dry_run) {
      for (const engine::TenantResult& t : report.tenants) {
        if (t.plan.empty() && t.plan.drift.empty())
          continue;
        std::cout << "-- plan for " << t.tenant << ":\n" << engine::render_plan(t.plan) << '\n';
      }
    }
    std::cout << engine::render_text(report);
  }
  return report.exit_code();
}

}  // namespace

void add_schema_commands(CLI::App& app, CommandResult& result) {
  CLI::App* schema = app.add_subcommand("schema", "Compare and sync database structure");
  schema->require_subcommand(1);

  auto diff = std::make_shared<DiffOptions>();
  CLI::App* diff_cmd = schema->add_subcommand(
      "diff", "Print the plan that makes TO's structure equal to FROM's (exit 3 if they differ)");
  diff_cmd->add_option("FROM", diff->from, "The master endpoint")->required();
  diff_cmd->add_option("TO", diff->to, "The tenant endpoint")->required();
  diff_cmd->add_flag("--allow-drop", diff->allow_drop, "Plan drops of objects only TO has");
  diff_cmd->add_flag("--with-privileges", diff->privileges,
                     "PostgreSQL: compare owners and grants too (roles must exist on TO's server)");
  diff_cmd->add_flag("--json", diff->json, "Print the plan as JSON");
  diff_cmd->add_flag("--recheck", diff->recheck, k_recheck_help);
  diff_cmd->add_option("--state-dir", diff->state_dir, k_state_dir_help);
  diff_cmd->callback([diff, &result] { result.code = run_diff(*diff); });

  auto sync = std::make_shared<SyncOptions>();
  CLI::App* sync_cmd = schema->add_subcommand(
      "sync", "Bring every tenant's structure up to the master's, in parallel");
  sync_cmd->add_option("--from", sync->from, "The master endpoint")->required();
  sync_cmd->add_option("--to", sync->to, "Tenant endpoints")->required()->expected(1, -1);
  sync_cmd->add_flag("--allow-drop", sync->allow_drop,
                     "Apply destructive changes and drop objects only a tenant has");
  sync_cmd->add_flag("--with-privileges", sync->privileges,
                     "PostgreSQL: sync owners and grants too (roles must exist on the tenants' "
                     "servers)");
  sync_cmd->add_flag("--dry-run", sync->dry_run, "Print the plans; change nothing");
  sync_cmd->add_option("-j,--jobs", sync->jobs, "Tenants synced at once")
      ->default_val(4)
      ->check(CLI::Range(1, 256));
  sync_cmd
      ->add_option("--lock-timeout", sync->lock_timeout_ms,
                   "PostgreSQL: milliseconds a DDL statement may wait for a table lock")
      ->default_val(5000)
      ->check(CLI::Range(1, 3600000));
  sync_cmd->add_option("--state-dir", sync->state_dir, k_state_dir_help);
  sync_cmd->add_flag("--recheck", sync->recheck, k_recheck_help);
  sync_cmd->add_flag("--json", sync->json, "Print the report as JSON");
  sync_cmd->callback([sync, &result] { result.code = run_sync(*sync); });
}

}  // namespace ferry::cli
