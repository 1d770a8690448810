#include "ferry/engine/fleet_sync.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <map>
#include <set>

#include "ferry/common/error.hpp"
#include "ferry/common/log.hpp"
#include "ferry/common/process.hpp"
#include "ferry/engine/data_sync.hpp"
#include "ferry/engine/schema_sync.hpp"
#include "parallel.hpp"
#include "run_journal.hpp"

namespace ferry::engine {
namespace {

// The tenants this run covers, in configured group order (ungrouped ones last).
std::vector<const NamedEndpoint*> select_tenants(const Config& config,
                                                 const FleetOptions& options) {
  for (const std::string& name : options.tenants) {
    const NamedEndpoint* t = config.find(name);
    if (t == nullptr || t == &config.master) {
      throw Error(ErrorKind::usage, "no tenant '" + name + "' in " + config.file.string());
    }
  }
  if (!options.group.empty() &&
      std::find(config.groups.begin(), config.groups.end(), options.group) == config.groups.end()) {
    throw Error(ErrorKind::usage, "no group '" + options.group + "' in " + config.file.string());
  }
  std::vector<const NamedEndpoint*> chosen;
  for (const NamedEndpoint& t : config.tenants) {
    if (!options.tenants.empty() && std::find(options.tenants.begin(), options.tenants.end(),
                                              t.name) == options.tenants.end()) {
      continue;
    }
    if (!options.group.empty() && t.group != options.group)
      continue;
    if (options.shard && !in_shard(t.name, *options.shard))
      continue;
    chosen.push_back(&t);
  }
  const auto rank = [&](const NamedEndpoint* t) {
    const auto it = std::find(config.groups.begin(), config.groups.end(), t->group);
    return it - config.groups.begin();
  };
  std::stable_sort(chosen.begin(), chosen.end(),
                   [&](const auto* a, const auto* b) { return rank(a) < rank(b); });
  return chosen;
}

class FleetRun {
 public:
  FleetRun(const Config& config, const FleetOptions& options, FleetReport& report,
           RunJournal* journal)
      : m_config(config), m_options(options), m_report(report), m_journal(journal) {}

  // Runs one group's tenants (indexes into m_report.tenants); false when one of them failed.
  bool run_group(const std::vector<std::size_t>& members,
                 const std::vector<const NamedEndpoint*>& tenants) {
    std::vector<std::size_t> structure, data;
    for (std::size_t i : members) {
      FleetTenant& t = m_report.tenants[i];
      const TenantProgress p = m_journal ? m_journal->progress(t.name) : TenantProgress{};
      if (p.finished) {
        t.status = FleetStatus::skipped;
        t.detail = "done earlier in run " + m_report.run_id;
        continue;
      }
      (p.structure_done ? data : structure).push_back(i);
    }
    for (std::size_t i : structure) {
      if (m_options.progress.step)
        m_options.progress.step(m_report.tenants[i].name, "structure", 0);
    }
    structure_step(structure, tenants, data);
    if (m_report.mode == SyncMode::full)
      data_step(data, tenants);
    bool ok = true;
    for (std::size_t i : members) {
      FleetTenant& t = m_report.tenants[i];
      if (t.status == FleetStatus::not_run) {
        if (m_options.dry_run) {
          const bool pending = t.structure_changes > 0 || t.rows_moved > 0;
          t.status = pending ? FleetStatus::would_apply : FleetStatus::in_sync;
        } else {
          t.status = FleetStatus::done;
        }
        if (m_journal && !m_options.dry_run)
          m_journal->tenant_finished(t.name);
      }
      ok = ok && t.status != FleetStatus::failed;
      if (m_options.progress.tenant_done)
        m_options.progress.tenant_done(t);
    }
    return ok;
  }

 private:
  void structure_step(const std::vector<std::size_t>& which,
                      const std::vector<const NamedEndpoint*>& tenants,
                      std::vector<std::size_t>& data) {
    if (which.empty())
      return;
    std::vector<Endpoint> endpoints;
    for (std::size_t i : which)
      endpoints.push_back(tenants[i]->endpoint);
    SchemaSyncOptions options{.allow_drop = m_config.sync.allow_drop,
                              .privileges = m_config.sync.privileges,
                              .dry_run = m_options.dry_run,
                              .jobs = jobs(),
                              .state_dir = m_config.state_dir,
                              .recheck = m_options.recheck,
                              .include = m_config.sync.include,
                              .exclude = m_config.sync.exclude};
    // A dry run leaves planned structure changes unapplied, so the data of those tenants
    // cannot be compared column for column yet.
    std::set<std::size_t> structure_pending;
    sync_schema(m_config.master.endpoint, endpoints, options, [&](const TenantResult& r) {
      const std::size_t i = which.at(r.index);
      FleetTenant& t = m_report.tenants[i];
      const LogField log_tenant("tenant", t.name);
      t.seconds += r.seconds;
      if (r.status == TenantStatus::applied || r.status == TenantStatus::in_sync ||
          r.status == TenantStatus::unverified || r.status == TenantStatus::planned) {
        t.structure_changes = r.plan.changes.size();
        if (r.status == TenantStatus::planned && !r.plan.changes.empty())
          structure_pending.insert(i);
        if (m_journal && !m_options.dry_run)
          m_journal->structure_done(t.name);
        spdlog::log(progress_line_level(), "{}: structure {} ({} change(s))", t.name,
                    to_string(r.status), r.plan.changes.size());
      } else {
        t.status = FleetStatus::failed;
        t.detail = std::string("structure ") + to_string(r.status) + ": " + r.error;
        // Said once, by the report; here only at -v, as it happens.
        spdlog::debug("{}: {}", t.name, t.detail);
      }
    });
    for (std::size_t i : which) {
      FleetTenant& t = m_report.tenants[i];
      if (t.status == FleetStatus::failed)
        continue;
      if (structure_pending.contains(i)) {
        if (m_report.mode == SyncMode::full && !m_config.sync.tables.empty())
          t.detail = "data not compared: the structure changes come first (dry run)";
        continue;
      }
      data.push_back(i);
    }
  }

  void data_step(const std::vector<std::size_t>& which,
                 const std::vector<const NamedEndpoint*>& tenants) {
    if (m_config.sync.tables.empty())
      return;
    // Tenants resumed half-way skip the tables they finished: one call per set of tables left.
    std::map<std::vector<std::string>, std::vector<std::size_t>> by_tables;
    for (std::size_t i : which) {
      const TenantProgress p =
          m_journal ? m_journal->progress(m_report.tenants[i].name) : TenantProgress{};
      std::vector<std::string> left;
      for (const std::string& table : m_config.sync.tables) {
        if (!p.tables_done.contains(table))
          left.push_back(table);
      }
      if (!left.empty())
        by_tables[left].push_back(i);
    }
    for (const auto& [tables, members] : by_tables) {
      std::vector<Endpoint> endpoints;
      for (std::size_t i : members)
        endpoints.push_back(tenants[i]->endpoint);
      for (std::size_t i : members) {
        if (m_options.progress.step)
          m_options.progress.step(m_report.tenants[i].name, "data", tables.size());
      }
      DataSyncOptions options;
      options.tables = tables;
      options.deletes = m_config.sync.deletes;
      options.dry_run = m_options.dry_run;
      options.jobs = jobs();
      options.state_dir = m_config.state_dir;
      sync_data(
          m_config.master.endpoint, endpoints, options,
          [&](const TenantDataResult& r) {
            FleetTenant& t = m_report.tenants[members.at(r.index)];
            const LogField log_tenant("tenant", t.name);
            t.seconds += r.seconds;
            t.rows_moved += r.changes();
            if (r.status == DataStatus::failed) {
              t.status = FleetStatus::failed;
              t.detail = "data: " + (r.error.empty() ? std::string("table errors") : r.error);
              for (const TableResult& table : r.tables) {
                if (!table.error.empty())
                  t.detail += "; " + table.table + ": " + table.error;
              }
            } else if (r.status == DataStatus::partial) {
              std::size_t kept = 0;
              for (const TableResult& table : r.tables)
                kept += table.blocked.size();
              t.detail = std::to_string(kept) + " delete(s) kept: rows still referenced";
            }
          },
          [&](std::size_t index, const std::string&, const TableResult& table) {
            const FleetTenant& t = m_report.tenants[members.at(index)];
            const LogField log_tenant("tenant", t.name);
            const LogField log_table("table", table.table);
            // A failed table is said by the report: here only at -v.
            spdlog::log(!table.error.empty() ? spdlog::level::debug : progress_line_level(),
                        "{}: table {}: +{} ~{} -{}{}", t.name, table.table, table.inserts,
                        table.updates, table.deletes,
                        table.error.empty() ? "" : " failed: " + table.error);
            if (m_options.progress.table_done)
              m_options.progress.table_done(t.name);
            if (table.error.empty() && m_journal && !m_options.dry_run) {
              // The journal speaks of tables as ferry.yaml names them.
              for (const std::string& name : m_config.sync.tables) {
                if (table.table == name || table.table.ends_with("." + name)) {
                  m_journal->table_done(t.name, name);
                }
              }
            }
          });
    }
  }

  int jobs() const { return m_options.jobs > 0 ? m_options.jobs : m_config.concurrency; }

  const Config& m_config;
  const FleetOptions& m_options;
  FleetReport& m_report;
  RunJournal* m_journal;
};

}  // namespace

const char* to_string(SyncMode mode) noexcept {
  return mode == SyncMode::full ? "full" : "structure";
}

const char* to_string(FleetStatus status) noexcept {
  switch (status) {
    case FleetStatus::done:
      return "done";
    case FleetStatus::failed:
      return "failed";
    case FleetStatus::skipped:
      return "skipped";
    case FleetStatus::not_run:
      return "not run";
    case FleetStatus::would_apply:
      return "would apply";
    case FleetStatus::in_sync:
      return "in sync";
  }
  return "failed";
}

bool in_shard(const std::string& tenant, const Shard& shard) noexcept {
  return static_cast<int>(stable_hash32(tenant) % static_cast<std::uint32_t>(shard.count)) ==
         shard.index;
}

Shard parse_shard(std::string_view text) {
  // Whole numbers only: "1/2x" is a typo, not shard 1 of 2.
  const auto number = [](std::string_view part, int& out) {
    const char* end = part.data() + part.size();
    const auto [ptr, ec] = std::from_chars(part.data(), end, out);
    return !part.empty() && ec == std::errc{} && ptr == end;
  };
  const auto slash = text.find('/');
  Shard s;
  if (slash == std::string_view::npos || !number(text.substr(0, slash), s.index) ||
      !number(text.substr(slash + 1), s.count)) {
    throw Error(ErrorKind::usage, "--shard expects K/N, e.g. 0/4, got '" + std::string(text) + "'");
  }
  if (s.count < 1 || s.index < 0 || s.index >= s.count) {
    throw Error(ErrorKind::usage, "--shard K/N needs 0 <= K < N, got '" + std::string(text) + "'");
  }
  return s;
}

ExitCode FleetReport::exit_code() const noexcept {
  std::size_t failed = 0, worked = 0;
  for (const FleetTenant& t : tenants) {
    failed += t.status == FleetStatus::failed || t.status == FleetStatus::not_run;
    worked += t.status != FleetStatus::failed && t.status != FleetStatus::not_run;
  }
  if (failed == 0)
    return ExitCode::ok;
  return worked == 0 ? ExitCode::failure : ExitCode::partial_failure;
}

std::pair<SyncMode, std::string> choose_mode(const Config& config, ModeChoice choice,
                                             std::chrono::system_clock::time_point now) {
  switch (choice) {
    case ModeChoice::structure:
      return {SyncMode::structure, "--mode structure"};
    case ModeChoice::full:
      return {SyncMode::full, "--mode full"};
    case ModeChoice::auto_:
      break;
  }
  if (!config.full_window) {
    return {SyncMode::structure, "no full window in " + config.file.string()};
  }
  if (config.full_window->contains(now)) {
    return {SyncMode::full, "inside the full window " + config.full_window->text()};
  }
  return {SyncMode::structure, "outside the full window " + config.full_window->text()};
}

FleetReport run_fleet_sync(const Config& config, const FleetOptions& options,
                           const std::function<void(const FleetReport&)>& on_mode) {
  const auto start = Clock::now();
  FleetReport report;
  report.dry_run = options.dry_run;
  std::optional<RunLock> lock;
  std::optional<RunJournal> journal;
  if (!options.dry_run)
    lock.emplace(config.state_dir);

  std::vector<const NamedEndpoint*> tenants = select_tenants(config, options);
  if (options.resume) {
    journal = RunJournal::last(config.state_dir);
    if (journal && journal->finished()) {
      report.resume_note = "nothing to resume: run " + journal->id() + " finished at " +
                           journal->finished_at() + "; starting a new run";
      journal.reset();
    } else if (!journal) {
      report.resume_note =
          "nothing to resume: no run in " + config.state_dir.string() + "; starting a new run";
    }
  }
  if (journal) {
    report.resumed = true;
    report.mode = journal->mode() == "full" ? SyncMode::full : SyncMode::structure;
    report.mode_reason = "resuming run " + journal->id() + " of " + journal->started();
    // The run covers the tenants it started with.
    std::set<std::string> original(journal->tenants().begin(), journal->tenants().end());
    std::erase_if(tenants, [&](const NamedEndpoint* t) { return !original.contains(t->name); });
  } else {
    std::tie(report.mode, report.mode_reason) = choose_mode(config, options.mode, options.now);
  }
  // Every table that a full sync will copy is checked on the master before any tenant is
  // touched, so a table that cannot be synced stops the run before its structure step.
  if (report.mode == SyncMode::full && !config.sync.tables.empty() && !tenants.empty())
    check_tables(config.master.endpoint, config.sync.tables);
  for (const NamedEndpoint* t : tenants) {
    report.tenants.push_back(FleetTenant{.name = t->name, .group = t->group, .mode = report.mode});
  }
  if (!options.dry_run && !journal) {
    std::vector<std::string> names;
    for (const NamedEndpoint* t : tenants)
      names.push_back(t->name);
    journal = RunJournal::start(config.state_dir, to_string(report.mode), names);
  }
  report.run_id = journal ? journal->id() : "dry-run";
  if (on_mode)
    on_mode(report);

  FleetRun run(config, options, report, journal ? &*journal : nullptr);
  std::size_t i = 0;
  std::string failed_group;
  while (i < tenants.size()) {
    std::vector<std::size_t> members;
    const std::string group = tenants[i]->group;
    for (; i < tenants.size() && tenants[i]->group == group; ++i)
      members.push_back(i);
    if (!failed_group.empty()) {
      for (std::size_t m : members) {
        report.tenants[m].detail = "not run: group " + failed_group + " failed before it";
        if (options.progress.tenant_done)
          options.progress.tenant_done(report.tenants[m]);
      }
      continue;
    }
    if (!run.run_group(members, tenants) && !options.continue_on_error) {
      failed_group = group.empty() ? "(ungrouped)" : group;
    }
  }
  // A run that reached its end is over, whatever failed in it: --resume continues only a run
  // that was cut short (kill -9, a crash), and the next run retries what failed.
  if (journal && !options.dry_run)
    journal->finish(static_cast<int>(report.exit_code()));
  report.seconds = seconds_since(start);
  return report;
}

}  // namespace ferry::engine
