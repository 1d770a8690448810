// Data sync: the master's reference data to many tenants (the night sync).
//
// Only the tables named are ever written on a tenant. The master's tables are summarized once
// per run, in one snapshot shared by all of the run's master sessions where the master can
// export it (PostgreSQL): on the servers where a tenant's server hashes alike
// (diff::diff_table_on_servers), else in chunks hashed by ferry (diff::summarize_master).
// Each tenant is compared, and only the rows that differ are read again and applied:
// upserts parents first, deletes children first, in batched transactions. A delete that the
// tenant's own rows (tables not being synced) still reference is kept and reported. After
// applying, the rows written and deleted (or the chunks that differed) are compared again
// and must match.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ferry/common/endpoint.hpp"
#include "ferry/common/error.hpp"
#include "ferry/diff/table_diff.hpp"

namespace ferry::engine {

enum class DeletesPolicy { propagate, keep };

struct DataSyncOptions {
  std::vector<std::string> tables;  // "name" or "schema.name"; empty: every master table
  DeletesPolicy deletes = DeletesPolicy::propagate;
  bool dry_run = false;    // compare only
  bool keep_keys = false;  // report the keys of every change (data diff --json)
  int jobs = 4;            // tenants at once
  // Hash canonical rows in ferry (chunk by chunk) even for tenants whose server could hash
  // alike with the master's (--hashing client): no hashing load on the servers.
  bool client_hashing = false;
  std::size_t batch_rows = 5000;  // rows per apply transaction
  diff::DiffSettings diff;
  // Where the run records, per tenant, the tables it found or made equal to the master, with
  // the master's write counters then (docs/data-sync.md, "One pass per side"). The next run
  // compares a table the master has not written to since by its whole-table summary first,
  // and any other by buckets at once. Empty: nothing is recorded, and every table is compared
  // whole-table first.
  std::filesystem::path state_dir;
};

struct BlockedDelete {
  schema::KeyValue key;
  std::string referenced_by;  // the tenant table whose rows still reference the key
};

struct TableResult {
  std::string table;
  std::uint64_t rows_compared = 0;
  std::uint64_t chunks = 0;
  std::uint64_t chunks_differing = 0;
  bool hashed_on_servers = false;  // both servers summed their rows; else ferry hashed them
  // On the servers: whether the comparison began with the buckets (the table was expected to
  // differ) or with the whole table's summary, and how many summary queries it took on the
  // tenant (2: the whole-table summaries differed, then the buckets were summed).
  bool buckets_first = false;
  unsigned summary_passes = 0;
  std::size_t inserts = 0;
  std::size_t updates = 0;
  std::size_t deletes = 0;  // deleted (or to delete, in a dry run)
  std::vector<BlockedDelete> blocked;
  std::vector<schema::KeyValue> insert_keys, update_keys, delete_keys;  // with keep_keys
  std::string error;
  double seconds = 0;
};

enum class DataStatus { in_sync, differs, synced, partial, failed };
const char* to_string(DataStatus status) noexcept;

struct TenantDataResult {
  std::string tenant;     // redacted URL
  std::size_t index = 0;  // the tenant's position in the list given (URLs may repeat)
  DataStatus status = DataStatus::failed;
  std::vector<TableResult> tables;
  std::string error;
  double seconds = 0;

  std::size_t changes() const noexcept;
};

struct DataSyncReport {
  std::string master;
  bool dry_run = false;
  // Whether every master read of the run saw one snapshot (PostgreSQL exports it to all of
  // the run's master sessions); otherwise each master session read its own.
  bool shared_snapshot = false;
  std::vector<TenantDataResult> tenants;
  double seconds = 0;

  // Dry run: 0 when every tenant is in sync, 3 when some differ. Sync: 0 when all synced;
  // 4 when some tenants failed or kept blocked deletes while others synced; 1 when all
  // failed.
  ExitCode exit_code() const noexcept;
};

using TenantDataDone = std::function<void(const TenantDataResult&)>;
// Per table, as it finishes: for progress lines.
using TableDone =
    std::function<void(std::size_t tenant_index, const std::string& tenant, const TableResult&)>;

// Plans a data sync of `tables` without touching a tenant: throws Error(usage) naming a table
// that is not on the master or has no primary key and no unique NOT NULL key.
void check_tables(const Endpoint& master, const std::vector<std::string>& tables);

DataSyncReport sync_data(const Endpoint& master, const std::vector<Endpoint>& tenants,
                         const DataSyncOptions& options, const TenantDataDone& on_tenant = {},
                         const TableDone& on_table = {});

std::string render_text(const DataSyncReport& report);
nlohmann::json to_json(const DataSyncReport& report);

}  // namespace ferry::engine
