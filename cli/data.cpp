// ferry data diff | data sync: the master's reference data to tenants.
#include <spdlog/spdlog.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "endpoints.hpp"
#include "ferry/engine/data_sync.hpp"
#include "ferry/engine/paths.hpp"
#include "live_view.hpp"

namespace ferry::cli {
namespace {

using engine::DataSyncReport;

struct DataOptions {
  std::string from;
  std::vector<std::string> to;
  std::vector<std::string> tables;
  std::string deletes = "propagate";
  bool dry_run = false;
  bool json = false;
  int jobs = 4;
  std::size_t chunk_rows = 10000;
  std::string hashing = "auto";
  std::string state_dir;
  bool all_tables = false;  // diff: every master table
};

// The tables to compare or write: --tables, else sync.tables of the ferry.yaml in use (said
// in a log line), else every table when `all_tables` (diff only); anything else is a usage
// error, so that no run touches tables nobody named.
void choose_tables(DataOptions& o, bool diff) {
  if (!o.tables.empty() || o.all_tables)
    return;
  const char* verb = diff ? "diff" : "sync";
  if (config_found() && !config().sync.tables.empty()) {
    o.tables = config().sync.tables;
    spdlog::info("data {}: the {} table(s) sync.tables names in {}", verb, o.tables.size(),
                 config().file.string());
    return;
  }
  throw Error(ErrorKind::usage,
              fmt::format("data {} {} the tables you name: pass --tables T1,T2,...{}{}", verb,
                          diff ? "compares" : "writes only", diff ? " or --all-tables" : "",
                          config_found() ? " (ferry.yaml's sync.tables is empty)" : ""));
}

engine::DataSyncOptions engine_options(const DataOptions& o) {
  engine::DataSyncOptions out;
  out.tables = o.tables;
  out.deletes =
      o.deletes == "keep" ? engine::DeletesPolicy::keep : engine::DeletesPolicy::propagate;
  out.dry_run = o.dry_run;
  out.jobs = o.jobs;
  out.diff.chunk_rows = o.chunk_rows;
  out.client_hashing = o.hashing == "client";
  out.state_dir =
      o.state_dir.empty() ? engine::default_state_dir() : std::filesystem::path(o.state_dir);
  return out;
}

// A line per table: at info without a live view, at -v under one (the view shows the counts).
void log_table(const std::string& tenant, const engine::TableResult& t) {
  if (!t.error.empty()) {
    spdlog::debug("{}: table {}: {}", tenant, t.table, t.error);  // the report says it
    return;
  }
  spdlog::log(
      progress_line_level(),
      "{}: table {}: {} rows compared, {} of {} chunks differ, +{} ~{} -{}{} ({:.2f}s)", tenant,
      t.table, t.rows_compared, t.chunks_differing, t.chunks, t.inserts, t.updates, t.deletes,
      t.blocked.empty() ? "" : fmt::format(", {} delete(s) kept", t.blocked.size()), t.seconds);
}

// How a tenant is called in lines and reports: its name when it was given as a name from
// ferry.yaml, else its (masked) URL.
std::string tenant_label(const DataOptions& o, std::size_t index, const std::string& url) {
  if (index < o.to.size() && o.to[index].find(':') == std::string::npos)
    return o.to[index];
  return url;
}

ExitCode run(const DataOptions& o, bool diff_only) {
  const Endpoint master = resolve_endpoint(o.from);
  std::vector<Endpoint> tenants;
  for (const std::string& url : o.to)
    tenants.push_back(resolve_endpoint(url));
  engine::DataSyncOptions options = engine_options(o);
  if (diff_only) {
    options.dry_run = true;
    options.keep_keys = o.json;
  }
  DataSyncReport report;
  {
    LiveView view;
    for (std::size_t i = 0; i < o.to.size(); ++i) {
      const std::string label = tenant_label(o, i, tenants[i].redacted());
      view.add(label);
      view.step(label, diff_only || o.dry_run ? "compare" : "sync", options.tables.size(),
                Unit::items, "tables");
    }
    report = engine::sync_data(
        master, tenants, options,
        [&](const engine::TenantDataResult& t) {
          const std::string status = engine::to_string(t.status);
          view.finish(
              tenant_label(o, t.index, t.tenant), status, LiveView::tone_of(status),
              fmt::format("{} row(s) {}", t.changes(), options.dry_run ? "differ" : "changed"));
        },
        [&](std::size_t index, const std::string& tenant, const engine::TableResult& t) {
          const std::string label = tenant_label(o, index, tenant);
          const LogField log_tenant("tenant", label);
          const LogField log_name("table", t.table);
          log_table(label, t);
          view.advance(label);
        });
  }
  for (engine::TenantDataResult& t : report.tenants)
    t.tenant = tenant_label(o, t.index, t.tenant);
  if (o.json) {
    std::cout << engine::to_json(report).dump(2) << '\n';
  } else {
    std::cout << engine::render_text(report);
  }
  return report.exit_code();
}

void add_common(CLI::App* cmd, DataOptions& o) {
  cmd->add_option("--from", o.from, "The master endpoint")->required();
  cmd->add_option("--tables", o.tables,
                  "Tables whose data the master owns (name or schema.name; default: "
                  "sync.tables of ferry.yaml)")
      ->delimiter(',');
  cmd->add_option("--chunk-rows", o.chunk_rows, "Rows per compared chunk")
      ->default_val(10000)
      ->check(CLI::Range(100, 10000000));
  cmd->add_option("--hashing", o.hashing,
                  "Where rows are hashed: auto (on both servers when they share a dialect, "
                  "else in ferry) or client (always in ferry, sparing the servers)")
      ->check(CLI::IsMember({"auto", "client"}))
      ->default_val("auto");
  cmd->add_option("--state-dir", o.state_dir,
                  "Where runs remember which tables they left equal (default: $FERRY_STATE_DIR, "
                  "else ~/.local/state/ferry)");
  cmd->add_flag("--json", o.json, "Print the report as JSON");
}

}  // namespace

void add_data_commands(CLI::App& app, CommandResult& result) {
  CLI::App* data = app.add_subcommand("data", "Compare and sync table data");
  data->require_subcommand(1);

  auto diff = std::make_shared<DataOptions>();
  CLI::App* diff_cmd =
      data->add_subcommand("diff", "Count the rows to insert, update and delete (exit 3 if any)");
  add_common(diff_cmd, *diff);
  diff_cmd->add_option("--to", diff->to, "The tenant endpoint")->required()->expected(1);
  diff_cmd
      ->add_flag("--all-tables", diff->all_tables,
                 "Compare every table of the master (default: --tables, else sync.tables of "
                 "ferry.yaml)")
      ->excludes(diff_cmd->get_option("--tables"));
  diff_cmd->callback([diff, &result] {
    choose_tables(*diff, true);
    result.code = run(*diff, true);
  });

  auto sync = std::make_shared<DataOptions>();
  CLI::App* sync_cmd =
      data->add_subcommand("sync", "Apply the master's rows of the named tables to every tenant");
  add_common(sync_cmd, *sync);
  sync_cmd->add_option("--to", sync->to, "Tenant endpoints")->required()->expected(1, -1);
  sync_cmd->add_option("--deletes", sync->deletes, "Rows only a tenant has: propagate or keep")
      ->check(CLI::IsMember({"propagate", "keep"}))
      ->default_val("propagate");
  sync_cmd->add_flag("--dry-run", sync->dry_run, "Compare and report; change nothing");
  sync_cmd->add_option("-j,--jobs", sync->jobs, "Tenants synced at once")
      ->default_val(4)
      ->check(CLI::Range(1, 256));
  sync_cmd->callback([sync, &result] {
    choose_tables(*sync, false);
    result.code = run(*sync, false);
  });
}

}  // namespace ferry::cli
