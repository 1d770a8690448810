// One tenant's migrations (migrate.hpp): the history table, the lock, maintenance around the
// work, versioned files applied or reverted, and the application's own commands.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "ferry/common/error.hpp"
#include "ferry/common/log.hpp"
#include "ferry/common/process.hpp"
#include "ferry/connectors/connector.hpp"
#include "ferry/deploy_hooks/command.hpp"
#include "ferry/engine/migrate.hpp"
#include "ferry/engine/paths.hpp"
#include "ferry/schema/sql_script.hpp"
#include "migrate_internal.hpp"
#include "parallel.hpp"
#include "runbook_vars.hpp"

namespace ferry::engine {
namespace {

namespace fs = std::filesystem;
using connectors::Connector;

std::mutex g_progress_mutex;
std::shared_ptr<const MigrateProgress> g_progress;  // guarded by g_progress_mutex

std::shared_ptr<const MigrateProgress> migrate_progress() {
  const std::lock_guard lock(g_progress_mutex);
  return g_progress;
}

constexpr const char* k_lock_name = "ferry_migrate";
constexpr const char* k_no_transaction = "-- ferry:no-transaction";
constexpr const char* k_no_placeholders = "-- ferry:no-placeholders";

std::string history_ddl(Dialect dialect) {
  // Times are ISO 8601 text: the same in every dialect, and sortable.
  const bool my = dialect == Dialect::mysql;
  const std::string text = my ? "VARCHAR(255)" : "TEXT";
  return std::string("CREATE TABLE IF NOT EXISTS ") + k_history_table + " (version " +
         (my ? "VARCHAR(191)" : "TEXT") + " NOT NULL PRIMARY KEY, name " + text +
         " NOT NULL, checksum " + text + " NOT NULL, state " + text +
         " NOT NULL, statements_done INTEGER NOT NULL DEFAULT 0, applied_at " + text +
         " NOT NULL, duration_ms BIGINT NOT NULL DEFAULT 0, applied_by " + text +
         " NOT NULL, ferry_version " + text + " NOT NULL, error " + (my ? "TEXT" : "TEXT") + ")";
}

bool table_exists(Connector& c, const std::string& name) {
  std::string sql;
  switch (c.dialect()) {
    case Dialect::postgres:
      sql = "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = " + c.quote_string(name) +
            " AND schemaname = ANY (current_schemas(false))";
      break;
    case Dialect::mysql:
      sql =
          "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND "
          "table_name = " +
          c.quote_string(name);
      break;
    case Dialect::sqlite:
      sql = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = " +
            c.quote_string(name);
      break;
  }
  const auto rows = c.query(sql);
  return !rows.empty() && rows[0][0].value_or("0") != "0";
}

std::vector<AppliedMigration> history_of(Connector& c) {
  std::vector<AppliedMigration> out;
  if (!table_exists(c, k_history_table))
    return out;
  for (const auto& row :
       c.query(std::string("SELECT version, name, checksum, state, statements_done, applied_at, "
                           "duration_ms, applied_by, ferry_version, error FROM ") +
               k_history_table + " ORDER BY applied_at, version")) {
    AppliedMigration a;
    a.version = row[0].value_or("");
    a.name = row[1].value_or("");
    a.checksum = row[2].value_or("");
    a.state = row[3].value_or("");
    a.statements_done = std::stoul(row[4].value_or("0"));
    a.applied_at = row[5].value_or("");
    a.duration_ms = std::stoll(row[6].value_or("0"));
    a.applied_by = row[7].value_or("");
    a.ferry_version = row[8].value_or("");
    a.error = row[9].value_or("");
    out.push_back(std::move(a));
  }
  return out;
}

std::string applied_by() {
  const char* user = std::getenv("USER");
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(user && *user ? user : "ferry") + "@" + host;
}

// The statements that record `a` as the history row of its version (replacing any).
std::vector<std::string> record(const Connector& c, const AppliedMigration& a) {
  const auto q = [&](const std::string& s) { return c.quote_string(s); };
  return {std::string("DELETE FROM ") + k_history_table + " WHERE version = " + q(a.version),
          std::string("INSERT INTO ") + k_history_table +
              " (version, name, checksum, state, statements_done, applied_at, duration_ms, "
              "applied_by, ferry_version, error) VALUES (" +
              q(a.version) + ", " + q(a.name) + ", " + q(a.checksum) + ", " + q(a.state) + ", " +
              std::to_string(a.statements_done) + ", " + q(a.applied_at) + ", " +
              std::to_string(a.duration_ms) + ", " + q(a.applied_by) + ", " + q(a.ferry_version) +
              ", " + (a.error.empty() ? std::string("NULL") : q(a.error)) + ")"};
}

std::string progress_update(const Connector& c, const std::string& version, std::size_t done) {
  return std::string("UPDATE ") + k_history_table +
         " SET statements_done = " + std::to_string(done) +
         " WHERE version = " + c.quote_string(version);
}

bool has_marker(const std::string& text, const char* marker) {
  std::size_t pos = 0;
  while ((pos = text.find(marker, pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n')
      return true;
    ++pos;
  }
  return false;
}

// The environment of the app's commands and of maintenance commands: who the tenant is and
// how to reach its database. The password travels here, never on a command line.
std::vector<std::string> tenant_env(const NamedEndpoint& tenant, const std::string& run_id) {
  const Endpoint& e = tenant.endpoint;
  std::vector<std::string> env = {"FERRY_TENANT=" + tenant.name,
                                  "FERRY_GROUP=" + tenant.group,
                                  "FERRY_RUN_ID=" + run_id,
                                  std::string("FERRY_DB_DIALECT=") + to_string(e.dialect),
                                  "FERRY_DB_HOST=" + e.host,
                                  "FERRY_DB_PORT=" + (e.port ? std::to_string(*e.port) : ""),
                                  "FERRY_DB_NAME=" + e.database,
                                  "FERRY_DB_USER=" + e.user,
                                  "FERRY_DB_PASSWORD=" + e.password.reveal()};
  if (e.dialect == Dialect::postgres)
    env.push_back("PGPASSWORD=" + e.password.reveal());
  if (e.dialect == Dialect::mysql)
    env.push_back("MYSQL_PWD=" + e.password.reveal());
  return env;
}

// Runs shell text for a tenant, in the config's folder, output to `output`; nullopt when it
// succeeded, else why it failed with the output's tail.
std::optional<std::string> run_for_tenant(const Config& config, const NamedEndpoint& tenant,
                                          const std::string& text, const std::string& run_id,
                                          const fs::path& output) {
  deploy_hooks::CommandSpec spec;
  spec.argv = {"/bin/sh", "-c", text};
  spec.env = tenant_env(tenant, run_id);
  spec.cwd = config.file.parent_path().empty() ? fs::path(".") : config.file.parent_path();
  spec.output = output;
  fs::create_directories(output.parent_path());
  const deploy_hooks::CommandOutcome result = deploy_hooks::run_command(spec);
  if (result.ok())
    return std::nullopt;
  return result.describe({}) + " (output in " + output.string() + ")" +
         (result.tail.empty() ? "" : "; its output ends with:\n" + result.tail);
}

class TenantRun {
 public:
  TenantRun(const Config& config, const NamedEndpoint& tenant, const MigrationSet& set,
            const MigrateRequest& request, const fs::path& output_dir)
      : m_config(config),
        m_tenant(tenant),
        m_set(set),
        m_request(request),
        m_output_dir(output_dir),
        m_vars(variables(config, request.run_id)) {}

  TenantMigrateResult run() {
    try {
      m_conn = connectors::connect(m_tenant.endpoint);
      if (const auto holder = lock()) {
        return failed("another migration run holds this tenant's lock (" + *holder + "); waited " +
                      std::to_string(m_request.lock_wait.count() / 1000) + " s");
      }
      run_locked();
      m_conn->release_lock(k_lock_name);
    } catch (const Error& e) {
      fail(e.what());
    }
    if (m_maintenance_on)
      maintenance(false);
    return std::move(m_result);
  }

 private:
  static Variables variables(const Config& config, const std::string& run_id) {
    std::map<std::string, std::string> values = config.vars;
    values["run_id"] = run_id;
    return Variables(std::move(values), std::chrono::system_clock::now());
  }

  // Polls for the lock until request.lock_wait has passed; the holder when it never came.
  std::optional<std::string> lock() {
    const auto deadline = Clock::now() + m_request.lock_wait;
    bool told = false;
    while (true) {
      auto holder = m_conn->try_lock(k_lock_name);
      if (!holder || Clock::now() >= deadline)
        return holder;
      if (!told) {
        spdlog::info("{}: waiting for the migration lock held by {}", m_tenant.name, *holder);
        told = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }

  TenantMigrateResult failed(const std::string& why) {
    fail(why);
    return std::move(m_result);
  }
  void fail(const std::string& why) {
    if (m_result.ok) {
      m_result.ok = false;
      m_result.error = why;
    }
  }

  std::string resolve(const std::string& text) const {
    return m_vars.resolve(text, VarScope{.tenant = m_tenant.name, .group = m_tenant.group});
  }

  void run_locked() {
    if (!m_request.dry_run)
      m_conn->execute({history_ddl(m_conn->dialect())});
    std::map<std::string, AppliedMigration> history;
    for (AppliedMigration& a : history_of(*m_conn))
      history[a.version] = std::move(a);
    if (!check_checksums(history))
      return;
    std::vector<const Migration*> work;
    if (m_request.action == MigrateRequest::Action::up) {
      work = pending_up(history);
    } else if (!pending_down(history, work)) {
      return;
    }
    const bool commands =
        m_request.action == MigrateRequest::Action::up && !m_config.migrations.commands.empty();
    if (m_request.dry_run) {
      for (const Migration* m : work)
        m_result.planned.push_back(m->version + " " + m->name);
      if (commands) {
        for (const AppCommand& c : m_config.migrations.commands)
          m_result.planned.push_back("app command " + c.name);
      }
      return;
    }
    if (work.empty() && !commands) {
      // Nothing left, perhaps because a run was killed after its last file and before
      // maintenance was off again: turning it off is harmless when it already is.
      if (m_config.migrations.maintenance.any())
        maintenance(false);
      return;
    }
    if (m_progress && m_progress->started) {
      m_progress->started(m_tenant.name,
                          work.size() + (commands ? m_config.migrations.commands.size() : 0));
    }
    if (m_config.migrations.maintenance.any()) {
      m_maintenance_on = true;
      if (!maintenance(true))
        return;
    }
    for (const Migration* m : work) {
      const bool ok = m_request.action == MigrateRequest::Action::up
                          ? apply(*m, history)
                          : revert(*m, history.at(m->version));
      if (!ok)
        return;
      m_result.done.push_back(m->version);
      const char* verb = m_request.action == MigrateRequest::Action::up ? "applied" : "reverted";
      spdlog::log(progress_line_level(), "{}: {} {} {}", m_tenant.name, verb, m->version, m->name);
      if (m_progress && m_progress->step_done)
        m_progress->step_done(m_tenant.name, std::string(verb) + " " + m->version);
    }
    if (commands) {
      for (const AppCommand& c : m_config.migrations.commands) {
        const fs::path output = m_output_dir / (m_tenant.name + "." + c.name + ".log");
        if (const auto why =
                run_for_tenant(m_config, m_tenant, resolve(c.run), m_request.run_id, output)) {
          fail("app command " + c.name + ": " + *why);
          return;
        }
        m_result.commands.push_back(c.name);
        spdlog::log(progress_line_level(), "{}: app command {} done", m_tenant.name, c.name);
        if (m_progress && m_progress->step_done)
          m_progress->step_done(m_tenant.name, "app command " + c.name);
      }
    }
  }

  // A file changed after it was applied stops the tenant, as Flyway's validate does.
  bool check_checksums(const std::map<std::string, AppliedMigration>& history) {
    for (const Migration& m : m_set.versioned) {
      const auto it = history.find(m.version);
      if (it == history.end() || it->second.state != "applied" || it->second.checksum == m.checksum)
        continue;
      fail("checksum mismatch for applied version " + m.version + " (" + m.up.filename().string() +
           "): the history has " + it->second.checksum + ", the file now has " + m.checksum +
           "; put the file back, or run `ferry migrate repair` once you decided the change is "
           "right");
      return false;
    }
    return true;
  }

  bool wanted(const Migration& m) const {
    if (m_request.to.empty())
      return true;
    return m.order <= version_order(m_request.to);
  }

  std::vector<const Migration*> pending_up(const std::map<std::string, AppliedMigration>& history) {
    std::vector<const Migration*> out;
    for (const Migration& m : m_set.versioned) {
      const auto it = history.find(m.version);
      if ((it == history.end() || it->second.state != "applied") && wanted(m))
        out.push_back(&m);
    }
    if (m_request.to.empty()) {
      for (const Migration& m : m_set.repeatable) {
        const auto it = history.find(m.version);
        if (it == history.end() || it->second.state != "applied" ||
            it->second.checksum != m.checksum)
          out.push_back(&m);
      }
    }
    return out;
  }

  bool pending_down(const std::map<std::string, AppliedMigration>& history,
                    std::vector<const Migration*>& out) {
    const auto to = version_order(m_request.to);
    std::vector<std::string> blocked;
    for (auto it = m_set.versioned.rbegin(); it != m_set.versioned.rend(); ++it) {
      if (it->order <= to || !history.contains(it->version))
        continue;
      if (it->down.empty())
        blocked.push_back(it->version + " (" + it->up.filename().string() + ")");
      out.push_back(&*it);
    }
    for (const auto& [version, row] : history) {
      if (!row.version.starts_with("R__") && version_order(version) > to &&
          m_set.find(version) == nullptr)
        blocked.push_back(version + " (no file here)");
    }
    if (blocked.empty())
      return true;
    std::string list;
    for (const std::string& b : blocked)
      list += (list.empty() ? "" : ", ") + b;
    fail("rollback to " + m_request.to + " blocked: no down file for " + list +
         "; nothing was reverted");
    return false;
  }

  std::vector<schema::ScriptStatement> statements_of(const fs::path& file, bool& no_transaction) {
    const std::string text = read_file(file);
    no_transaction = has_marker(text, k_no_transaction);
    try {
      const std::string sql = has_marker(text, k_no_placeholders) ? text : resolve(text);
      return schema::split_sql_script(sql, m_conn->dialect());
    } catch (const Error& e) {
      throw Error(e.kind(), file.filename().string() + ": " + e.what());
    }
  }

  AppliedMigration row_for(const Migration& m, const std::string& state) const {
    return AppliedMigration{.version = m.version,
                            .name = m.name,
                            .checksum = m.checksum,
                            .state = state,
                            .applied_at = now_utc(),
                            .applied_by = applied_by(),
                            .ferry_version = FERRY_VERSION};
  }

  bool apply(const Migration& m, const std::map<std::string, AppliedMigration>& history) {
    bool no_transaction = false;
    const auto statements = statements_of(m.up, no_transaction);
    const auto start = Clock::now();
    const auto it = history.find(m.version);
    const bool stepwise = no_transaction || m_conn->dialect() == Dialect::mysql;
    AppliedMigration row = row_for(m, "running");
    if (!stepwise) {
      std::vector<std::string> all;
      for (const auto& s : statements)
        all.push_back(s.text);
      row.state = "applied";
      for (std::string& s : record(*m_conn, row))
        all.push_back(std::move(s));
      try {
        m_conn->execute(all);
      } catch (const Error& e) {
        return apply_failed(m, row, 0, statements, e.what());
      }
      row.duration_ms = millis(start);
      m_conn->execute({progress_duration(row)});
      return true;
    }
    // Statement by statement, each one's progress recorded as it commits: a run cut short
    // continues at the next statement.
    std::size_t first = 0;
    if (it != history.end() && (it->second.state == "running" || it->second.state == "failed") &&
        it->second.statements_done > 0) {
      if (it->second.checksum != m.checksum) {
        fail(m.up.filename().string() + " ran " + std::to_string(it->second.statements_done) +
             " of its statements before it stopped, and the file has changed since; finish or "
             "undo them by hand, then run `ferry migrate repair`");
        return false;
      }
      first = it->second.statements_done;
      spdlog::info("{}: {} continues at statement {} of {}", m_tenant.name, m.version, first + 1,
                   statements.size());
    }
    row.statements_done = first;
    m_conn->execute(record(*m_conn, row));
    std::string why;
    if (const auto failed_at = run_statements(m.version, statements, first, no_transaction, why))
      return apply_failed(m, row, *failed_at, statements, why);
    row.state = "applied";
    row.statements_done = statements.size();
    row.duration_ms = millis(start);
    m_conn->execute(record(*m_conn, row));
    return true;
  }

  // Runs the statements from `first` on, each with its progress in the version's history row
  // (in one transaction with it, unless no_transaction). The index of the statement that
  // failed, with the database's words in `why`; nullopt when every one ran.
  std::optional<std::size_t> run_statements(const std::string& version,
                                            const std::vector<schema::ScriptStatement>& statements,
                                            std::size_t first, bool no_transaction,
                                            std::string& why) {
    for (std::size_t i = first; i < statements.size(); ++i) {
      try {
        if (no_transaction) {
          m_conn->execute({statements[i].text});
          m_conn->execute({progress_update(*m_conn, version, i + 1)});
        } else {
          m_conn->execute({statements[i].text, progress_update(*m_conn, version, i + 1)});
        }
      } catch (const Error& e) {
        why = e.what();
        return i;
      }
    }
    return std::nullopt;
  }

  std::string progress_duration(const AppliedMigration& row) const {
    return std::string("UPDATE ") + k_history_table +
           " SET duration_ms = " + std::to_string(row.duration_ms) +
           " WHERE version = " + m_conn->quote_string(row.version);
  }

  static std::int64_t millis(Clock::time_point start) {
    return static_cast<std::int64_t>(seconds_since(start) * 1000);
  }

  // Records the failure in the history (the version is retried by the next run) and fails
  // the tenant naming the file, the statement's line and the database's words.
  bool apply_failed(const Migration& m, AppliedMigration row, std::size_t index,
                    const std::vector<schema::ScriptStatement>& statements,
                    const std::string& why) {
    std::string where = m.up.filename().string();
    if (index < statements.size())
      where += " line " + std::to_string(statements[index].line);
    row.state = "failed";
    row.statements_done = index;
    row.error = why;
    try {
      m_conn->execute(record(*m_conn, row));
    } catch (const Error&) {
      // The session may be gone with the failure; the run's report still says what failed.
    }
    fail(where + ": " + why);
    return false;
  }

  bool revert(const Migration& m, const AppliedMigration& applied) {
    bool no_transaction = false;
    const auto statements = statements_of(m.down, no_transaction);
    const bool stepwise = no_transaction || m_conn->dialect() == Dialect::mysql;
    const std::string remove = std::string("DELETE FROM ") + k_history_table +
                               " WHERE version = " + m_conn->quote_string(m.version);
    if (!stepwise) {
      std::vector<std::string> all;
      for (const auto& s : statements)
        all.push_back(s.text);
      all.push_back(remove);
      try {
        m_conn->execute(all);
      } catch (const Error& e) {
        fail(m.down.filename().string() + ": " + e.what());
        return false;
      }
      return true;
    }
    // The history row journals the down file's progress as "reverting".
    std::size_t first = applied.state == "reverting" ? applied.statements_done : 0;
    if (applied.state != "reverting") {
      AppliedMigration row = applied;
      row.state = "reverting";
      row.statements_done = 0;
      m_conn->execute(record(*m_conn, row));
    }
    std::string why;
    if (const auto failed_at = run_statements(m.version, statements, first, no_transaction, why)) {
      fail(m.down.filename().string() + " line " + std::to_string(statements[*failed_at].line) +
           ": " + why);
      return false;
    }
    m_conn->execute({remove});
    return true;
  }

  // Maintenance on or off for this tenant; false (and the tenant failed) when it failed.
  bool maintenance(bool on) {
    const MaintenanceHooks& h = m_config.migrations.maintenance;
    const char* side = on ? "on" : "off";
    try {
      if (!h.flag.empty()) {
        const fs::path flag = resolve(h.flag);
        if (on) {
          write_file_atomically(flag,
                                "maintenance by ferry migrate run " + m_request.run_id + "\n");
        } else {
          fs::remove(flag);
        }
      } else if (!h.on_sql.empty()) {
        // A fresh session: the tenant's own may be broken by the failure being handled.
        connectors::connect(m_tenant.endpoint)->execute({resolve(on ? h.on_sql : h.off_sql)});
      } else {
        const fs::path output = m_output_dir / (m_tenant.name + ".maintenance-" + side + ".log");
        if (const auto why = run_for_tenant(m_config, m_tenant, resolve(on ? h.on_run : h.off_run),
                                            m_request.run_id, output))
          throw Error(ErrorKind::failure, *why);
      }
    } catch (const std::exception& e) {
      const std::string why = std::string("maintenance ") + side + " failed: " + e.what();
      if (on) {
        fail(why);
      } else if (m_result.ok) {
        fail(why);
      } else {
        m_result.error += "; " + why;
      }
      return false;
    }
    spdlog::info("{}: maintenance {}", m_tenant.name, side);
    return true;
  }

  const Config& m_config;
  const NamedEndpoint& m_tenant;
  const MigrationSet& m_set;
  const MigrateRequest& m_request;
  fs::path m_output_dir;
  Variables m_vars;
  std::shared_ptr<const MigrateProgress> m_progress = migrate_progress();
  std::unique_ptr<Connector> m_conn;
  bool m_maintenance_on = false;
  TenantMigrateResult m_result;
};

// Django's `showmigrations --plan` marks a pending migration "[ ]".
std::size_t pending_lines(const std::string& output) {
  std::size_t count = 0, pos = 0;
  while (pos < output.size()) {
    auto end = output.find('\n', pos);
    if (end == std::string::npos)
      end = output.size();
    const auto first = output.find_first_not_of(" \t", pos);
    if (first < end && output.compare(first, 3, "[ ]") == 0)
      ++count;
    pos = end + 1;
  }
  return count;
}

TenantMigrationStatus status_of(const Config& config, const NamedEndpoint& tenant,
                                const MigrationSet& set) {
  const auto start = Clock::now();
  TenantMigrationStatus s{.tenant = tenant.name, .group = tenant.group};
  try {
    std::map<std::string, AppliedMigration> history;
    for (AppliedMigration& a : read_history(tenant))
      history[a.version] = std::move(a);
    for (const Migration& m : set.versioned) {
      const auto it = history.find(m.version);
      if (it == history.end()) {
        s.pending.push_back(m.version);
      } else if (it->second.state != "applied") {
        s.failed.push_back(m.version);
      } else {
        s.current = m.version;
        if (it->second.checksum != m.checksum)
          s.mismatched.push_back(m.version);
      }
    }
    for (const Migration& m : set.repeatable) {
      const auto it = history.find(m.version);
      if (it == history.end() || it->second.checksum != m.checksum)
        s.pending.push_back(m.version);
    }
    for (const auto& [version, row] : history) {
      if (set.find(version) == nullptr)
        s.missing.push_back(version);
    }
    for (const AppCommand& c : config.migrations.commands) {
      if (c.status.empty())
        continue;
      const fs::path output =
          config.state_dir / "migrate-status" / (tenant.name + "." + c.name + ".log");
      const Variables vars(config.vars, std::chrono::system_clock::now());
      const std::string text =
          vars.resolve(c.status, VarScope{.tenant = tenant.name, .group = tenant.group});
      if (const auto why = run_for_tenant(config, tenant, text, "status", output))
        throw Error(ErrorKind::failure, "status command " + c.name + ": " + *why);
      s.app_pending += pending_lines(read_file(output));
    }
  } catch (const Error& e) {
    s.error = e.what();
  }
  s.seconds = seconds_since(start);
  return s;
}

}  // namespace

std::string TenantMigrateResult::summary() const {
  if (!ok)
    return error;
  std::string out;
  const auto list = [&](const char* what, const std::vector<std::string>& items) {
    if (items.empty())
      return;
    std::string joined;
    for (const std::string& i : items)
      joined += (joined.empty() ? "" : ", ") + i;
    out += (out.empty() ? "" : "; ") + std::string(what) + " " + joined;
  };
  list("would run", planned);
  list("ran", done);
  list("app commands", commands);
  return out.empty() ? "up to date" : out;
}

TenantMigrateResult migrate_tenant(const Config& config, const NamedEndpoint& tenant,
                                   const MigrationSet& set, const MigrateRequest& request,
                                   const fs::path& output_dir) {
  if (request.action == MigrateRequest::Action::down && request.to.empty())
    throw Error(ErrorKind::usage, "migrate down needs --to VERSION (0: undo them all)");
  const LogField log_tenant("tenant", tenant.name);
  TenantMigrateResult result = TenantRun(config, tenant, set, request, output_dir).run();
  if (const auto progress = migrate_progress(); progress && progress->finished)
    progress->finished(tenant.name, result);
  return result;
}

void set_migrate_progress(MigrateProgress progress) {
  const std::lock_guard lock(g_progress_mutex);
  g_progress = progress.started || progress.step_done || progress.finished
                   ? std::make_shared<const MigrateProgress>(std::move(progress))
                   : nullptr;
}

std::vector<AppliedMigration> read_history(const NamedEndpoint& tenant) {
  return history_of(*connectors::connect(tenant.endpoint));
}

std::vector<TenantMigrationStatus> migration_status(
    const Config& config, const std::vector<const NamedEndpoint*>& tenants, const MigrationSet& set,
    int jobs) {
  std::vector<TenantMigrationStatus> out(tenants.size());
  for_each_target(tenants.size(), jobs,
                  [&](std::size_t i) { out[i] = status_of(config, *tenants[i], set); });
  return out;
}

std::vector<std::string> adopt_history(const NamedEndpoint& tenant, const MigrationSet& set) {
  const auto conn = connectors::connect(tenant.endpoint);
  Connector& c = *conn;
  // version -> (applied at, by whom), in the other tool's order of installation.
  std::map<std::string, std::pair<std::string, std::string>> applied;
  std::string source;
  if (table_exists(c, "flyway_schema_history")) {
    source = "flyway_schema_history";
    const std::string yes = c.dialect() == Dialect::postgres ? "true" : "1";
    std::optional<std::vector<std::uint64_t>> baseline;
    for (const auto& row : c.query(
             "SELECT version, type, script, installed_by, installed_on FROM flyway_schema_history "
             "WHERE success = " +
             yes + " ORDER BY installed_rank")) {
      const std::string version = row[0].value_or("");
      const std::string type = row[1].value_or("");
      const std::string script = row[2].value_or("");
      const std::pair<std::string, std::string> when{row[4].value_or(""), row[3].value_or("")};
      if (type == "BASELINE") {
        baseline = version_order(version);
      } else if (type.starts_with("UNDO")) {
        for (auto it = applied.begin(); it != applied.end();)
          it = version_order(it->first) == version_order(version) ? applied.erase(it)
                                                                  : std::next(it);
      } else if (type == "SCHEMA" || type == "DELETE") {
        continue;
      } else if (version.empty() && script.starts_with("R__") && script.ends_with(".sql")) {
        applied["R__" + script.substr(3, script.size() - 7)] = when;
      } else if (!version.empty()) {
        applied[version] = when;
      }
    }
    if (baseline) {
      for (const Migration& m : set.versioned) {
        if (m.order <= *baseline && !applied.contains(m.version))
          applied[m.version] = {"", "flyway baseline"};
      }
    }
  } else if (table_exists(c, "_prisma_migrations")) {
    source = "_prisma_migrations";
    for (const auto& row : c.query(
             "SELECT migration_name, finished_at FROM _prisma_migrations WHERE finished_at IS NOT "
             "NULL AND rolled_back_at IS NULL ORDER BY started_at")) {
      applied[row[0].value_or("")] = {row[1].value_or(""), "prisma"};
    }
  } else {
    throw Error(ErrorKind::usage, "tenant " + tenant.name +
                                      " has neither flyway_schema_history nor _prisma_migrations "
                                      "to adopt");
  }
  c.execute({history_ddl(c.dialect())});
  std::set<std::string> known;
  for (const AppliedMigration& a : history_of(c))
    known.insert(a.version);
  std::vector<std::string> imported;
  for (const auto& [version, when] : applied) {
    const Migration* m = set.find(version);
    if (m == nullptr) {
      spdlog::warn("{}: {} version {} has no file in {}: not imported", tenant.name, source,
                   version, set.dir.string());
      continue;
    }
    if (known.contains(m->version))
      continue;
    AppliedMigration row{.version = m->version,
                         .name = m->name,
                         .checksum = m->checksum,
                         .state = "applied",
                         .applied_at = when.first.empty() ? now_utc() : when.first,
                         .applied_by = "adopted from " + source +
                                       (when.second.empty() ? "" : " (" + when.second + ")"),
                         .ferry_version = FERRY_VERSION};
    c.execute(record(c, row));
    imported.push_back(m->version);
  }
  return imported;
}

std::vector<std::string> repair_history(const NamedEndpoint& tenant, const MigrationSet& set) {
  const auto conn = connectors::connect(tenant.endpoint);
  Connector& c = *conn;
  if (const auto holder = c.try_lock(k_lock_name)) {
    throw Error(ErrorKind::failure, "tenant " + tenant.name +
                                        ": another migration run holds its lock (" + *holder + ")");
  }
  std::vector<std::string> changes;
  for (AppliedMigration& row : history_of(c)) {
    const Migration* m = set.find(row.version);
    if (row.state != "applied") {
      c.execute({std::string("DELETE FROM ") + k_history_table +
                 " WHERE version = " + c.quote_string(row.version)});
      changes.push_back("removed the " + row.state + " row of " + row.version + " (" +
                        std::to_string(row.statements_done) + " statement(s) had run)");
    } else if (m != nullptr && m->checksum != row.checksum) {
      c.execute({std::string("UPDATE ") + k_history_table + " SET checksum = " +
                 c.quote_string(m->checksum) + " WHERE version = " + c.quote_string(row.version)});
      changes.push_back("recorded the new checksum of " + row.version + " (" + row.checksum +
                        " -> " + m->checksum + ")");
    }
  }
  c.release_lock(k_lock_name);
  return changes;
}

}  // namespace ferry::engine
