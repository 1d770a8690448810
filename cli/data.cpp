// ferry data diff | data sync: the master's reference data to tenants.
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "endpoints.hpp"
#include "ferry/engine/data_sync.hpp"
#include "ferry/engine/paths.hpp"

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
};

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

void log_table(const std::string& tenant, const engine::TableResult& t) {
  if (!t.error.empty()) {
    spdlog::error("{}: table {}: {}", tenant, t.table, t.error);
    return;
  }
  spdlog::info(
      "{}: table {}: {} rows compared, {} of {} chunks differ, +{} ~{} -{}{} ({:.2f}s)", tenant,
      t.table, t.rows_compared, t.chunks_differing, t.chunks, t.inserts, t.updates, t.deletes,
      t.blocked.empty() ? "" : fmt::format(", {} delete(s) kept", t.blocked.size()), t.seconds);
}

// On a terminal: a live line per tenant (tables done, rows compared, rows changed, rate),
// rewritten in place as tables finish, and a total line under them. Elsewhere: a log line
// per table.
class Progress {
 public:
  explicit Progress(std::size_t tenants)
      : m_tenants(tenants), m_live(::isatty(STDERR_FILENO) == 1), m_start(Clock::now()) {}

  void table(const std::string& tenant, const engine::TableResult& t) {
    if (!m_live || !t.error.empty()) {
      log_table(tenant, t);
      if (!m_live)
        return;
    }
    Line& line = line_of(tenant);
    line.tables++;
    line.rows += t.rows_compared;
    line.changed += t.inserts + t.updates + t.deletes;
    draw();
  }

  void tenant(const engine::TenantDataResult& t) {
    m_done++;
    if (!m_live)
      return;
    line_of(t.tenant).status = engine::to_string(t.status);
    draw();
  }

  ~Progress() {
    if (m_live && m_drawn > 0)
      std::fprintf(stderr, "\n");
  }

 private:
  using Clock = std::chrono::steady_clock;

  struct Line {
    std::string tenant;
    std::size_t tables = 0;
    std::uint64_t rows = 0;
    std::size_t changed = 0;
    std::string status = "running";
  };

  Line& line_of(const std::string& tenant) {
    for (Line& l : m_lines) {
      if (l.tenant == tenant)
        return l;
    }
    m_lines.push_back(Line{.tenant = tenant});
    return m_lines.back();
  }

  // Moves up over what was drawn before and draws every line again.
  void draw() {
    const double seconds = std::chrono::duration<double>(Clock::now() - m_start).count();
    const double per_second = seconds > 0 ? 1.0 / seconds : 0.0;
    if (m_drawn > 0)
      std::fprintf(stderr, "\r\033[%zuA", m_drawn);
    std::uint64_t rows = 0;
    std::size_t changed = 0;
    for (const Line& l : m_lines) {
      std::fprintf(
          stderr, "\r\033[K%s: %s, %zu table(s), %llu rows compared, %zu changed, %.0f rows/s\n",
          l.tenant.c_str(), l.status.c_str(), l.tables, static_cast<unsigned long long>(l.rows),
          l.changed, static_cast<double>(l.rows) * per_second);
      rows += l.rows;
      changed += l.changed;
    }
    std::fprintf(stderr, "\r\033[Kferry: %zu/%zu tenants done, %llu rows compared, %zu changed",
                 m_done, m_tenants, static_cast<unsigned long long>(rows), changed);
    m_drawn = m_lines.size();
  }

  std::size_t m_tenants;
  bool m_live;
  Clock::time_point m_start;
  std::size_t m_done = 0;
  std::vector<Line> m_lines;  // in the order tenants first reported
  std::size_t m_drawn = 0;    // tenant lines above the cursor's line
};

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
    Progress progress(tenants.size());
    report = engine::sync_data(
        master, tenants, options, [&](const engine::TenantDataResult& t) { progress.tenant(t); },
        [&](std::size_t, const std::string& tenant, const engine::TableResult& t) {
          progress.table(tenant, t);
        });
  }
  if (o.json) {
    std::cout << engine::to_json(report).dump(2) << '\n';
  } else {
    std::cout << engine::render_text(report);
  }
  return report.exit_code();
}

void add_common(CLI::App* cmd, DataOptions& o) {
  cmd->add_option("--from", o.from, "The master endpoint")->required();
  cmd->add_option("--tables", o.tables, "Tables whose data the master owns (name or schema.name)")
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
  diff_cmd->callback([diff, &result] { result.code = run(*diff, true); });

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
    if (sync->tables.empty()) {
      throw Error(ErrorKind::usage,
                  "data sync writes only the tables you name: pass --tables T1,T2,...");
    }
    result.code = run(*sync, false);
  });
}

}  // namespace ferry::cli
