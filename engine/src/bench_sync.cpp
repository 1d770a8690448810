// ferry bench sync: a data diff of a tenant (engine::sync_data, dry run) against what a full
// reload must at least do, read every row of the same tables from the master; with write,
// the real sync too.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "bench_internal.hpp"
#include "ferry/engine/data_sync.hpp"
#include "parallel.hpp"

namespace ferry::engine {

ExitCode SyncBenchReport::exit_code() const noexcept {
  return error.empty() ? ExitCode::ok : ExitCode::failure;
}

SyncBenchReport bench_sync(const Endpoint& master, const Endpoint& tenant,
                           const SyncBenchOptions& options) {
  const auto start = Clock::now();
  SyncBenchReport report;
  report.master = master.redacted();
  report.tenant = tenant.redacted();
  report.write = options.write;
  if (!options.tables.empty())
    check_tables(master, options.tables);

  // A full reload connects and reads the master's catalog as the diff does: that time counts
  // on both sides of the ratio, or a small table's diff looks slower than it is.
  auto phase = Clock::now();
  const auto db = connectors::connect(master);
  const schema::Catalog catalog = db->introspect();
  report.full_read_seconds = seconds_since(phase);
  const std::vector<const schema::Table*> tables =
      bench_tables(catalog, options.tables, report.master);

  DataSyncOptions sync;
  sync.tables = options.tables;
  sync.dry_run = true;
  sync.jobs = 1;
  spdlog::info("comparing {} with {} (a data diff)", report.tenant, report.master);
  phase = Clock::now();
  const DataSyncReport diff = sync_data(master, {tenant}, sync);
  report.diff_seconds = seconds_since(phase);
  const TenantDataResult* result = diff.tenants.empty() ? nullptr : &diff.tenants.front();
  if (result == nullptr || result->status == DataStatus::failed)
    report.error = result != nullptr ? result->error : "the diff reported no tenant";

  for (const schema::Table* table : tables) {
    SyncBenchTable t;
    t.table = table->qualified_name();
    spdlog::info("table {}: reading every row from the master", t.table);
    const TableRead read = read_table(*db, *table);
    t.rows = read.rows;
    t.bytes = read.bytes;
    t.read_seconds = read.seconds;
    report.full_read_rows += read.rows;
    report.full_read_bytes += read.bytes;
    report.full_read_seconds += read.seconds;
    if (result != nullptr) {
      for (const TableResult& r : result->tables) {
        if (r.table != t.table && r.table != table->name)
          continue;
        t.diff_seconds = r.seconds;
        t.changes = r.inserts + r.updates + r.deletes;
        t.hashed_on_servers = r.hashed_on_servers;
        report.rows_compared += r.rows_compared;
        report.changes += t.changes;
        if (!r.error.empty() && report.error.empty())
          report.error = fmt::format("table {}: {}", t.table, r.error);
      }
    }
    report.tables.push_back(std::move(t));
  }

  if (options.write && report.error.empty()) {
    spdlog::info("syncing {}", report.tenant);
    sync.dry_run = false;
    phase = Clock::now();
    const DataSyncReport applied = sync_data(master, {tenant}, sync);
    report.sync_seconds = seconds_since(phase);
    for (const TenantDataResult& t : applied.tenants) {
      report.synced_changes += t.changes();
      if (t.status == DataStatus::failed || t.status == DataStatus::partial)
        report.error = t.error.empty() ? std::string("the sync failed") : t.error;
    }
  }
  report.seconds = seconds_since(start);
  return report;
}

}  // namespace ferry::engine
