// Per-tenant migrations: versioned SQL files (ferry's layout, Flyway's, golang-migrate's,
// Prisma's) and the application's own migration commands, run tenant by tenant with a
// history table in each tenant, a lock, maintenance around the tenant, and a journal of each
// statement where DDL is not transactional (docs/migrations.md).
//
// The fleet (groups in order, tenants of a group in parallel, journal, --resume,
// --background) is a runbook run of one `migrate` step: run_migrations() below.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ferry/engine/config.hpp"
#include "ferry/engine/runbook.hpp"

namespace ferry::engine {

enum class MigrationFormat { ferry, flyway, golang_migrate, prisma };
const char* to_string(MigrationFormat format) noexcept;

// The history table ferry keeps in every tenant.
inline constexpr const char* k_history_table = "ferry_migrations";

struct Migration {
  // As the history table records it: "3" (ferry, golang-migrate: the number without leading
  // zeros), "1.1" (Flyway), the folder name (Prisma), "R__name" (Flyway repeatable).
  std::string version;
  std::string name;
  std::vector<std::uint64_t> order;  // the version's numbers, compared part by part
  std::filesystem::path up;          // the file that applies it
  std::filesystem::path down;        // the file that reverts it; empty when there is none
  bool repeatable = false;           // Flyway R__: runs again whenever its file changes
  std::string checksum;              // XXH3-128 of the up file's bytes, 32 hex digits
};

struct MigrationSet {
  MigrationFormat format = MigrationFormat::ferry;
  std::filesystem::path dir;
  std::vector<Migration> versioned;   // by version
  std::vector<Migration> repeatable;  // by name; they run after the versioned ones

  const Migration* find(std::string_view version) const;
};

// Reads a migrations directory in `format` ("" detects it from the file names). Error(config)
// names the file for a name that fits no layout, duplicate versions, a down file without its
// up file, and a directory with files of two layouts.
MigrationSet load_migrations(const std::filesystem::path& dir, const std::string& format);

// A row of a tenant's history table.
struct AppliedMigration {
  std::string version;
  std::string name;
  std::string checksum;
  // "applied"; "failed" (its transaction rolled back, or a statement failed); "running"
  // (statements_done of its statements committed when the run stopped).
  std::string state;
  std::size_t statements_done = 0;
  std::string applied_at;  // UTC, ISO 8601
  std::int64_t duration_ms = 0;
  std::string applied_by;
  std::string ferry_version;
  std::string error;
};

// One tenant's row of `ferry migrate status`.
struct TenantMigrationStatus {
  std::string tenant;
  std::string group;
  std::string current;  // the highest applied version; empty: none
  std::vector<std::string> pending;
  std::vector<std::string> failed;      // versions failed or half-run
  std::vector<std::string> mismatched;  // applied versions whose file changed since
  std::vector<std::string> missing;     // applied versions with no file any more
  std::size_t app_pending = 0;          // migrations the app's status commands list as pending
  std::string error;                    // the tenant could not be read
  double seconds = 0;
};

struct MigrateRequest {
  enum class Action { up, down };
  Action action = Action::up;
  // up: apply up to and including this version; down: revert every version above it ("0":
  // all). Empty: up to the latest (down needs it).
  std::string to;
  bool dry_run = false;
  std::string run_id;  // for the history's applied_by and the maintenance flag
  // How long to wait for a tenant's migration lock. A killed run's last statement can still
  // be running on the server, holding the lock until it ends.
  std::chrono::milliseconds lock_wait = std::chrono::seconds(30);
};

// What migrate_tenant() did on one tenant.
struct TenantMigrateResult {
  std::vector<std::string> done;      // versions applied (up) or reverted (down), in order
  std::vector<std::string> planned;   // dry run: what would run
  std::vector<std::string> commands;  // app commands run
  bool ok = true;
  std::string error;  // tenant, file (and line) and the database's words
  std::string summary() const;
};

// Runs one tenant's migrations: takes the tenant's migration lock (PostgreSQL
// pg_advisory_lock, MySQL GET_LOCK, SQLite a lock file), checks every applied checksum,
// turns maintenance on (migrations.maintenance), applies the pending files (PostgreSQL and
// SQLite: each in its own transaction with its history row; MySQL and `-- ferry:no-transaction`
// files: statement by statement, each journaled in the history row), runs the app's commands
// (with output in `output_dir`), and turns maintenance off again, also after a failure.
// Failures are values; Error only for a broken config.
TenantMigrateResult migrate_tenant(const Config& config, const NamedEndpoint& tenant,
                                   const MigrationSet& set, const MigrateRequest& request,
                                   const std::filesystem::path& output_dir);

// The status of these tenants, read in parallel (`jobs` at once).
std::vector<TenantMigrationStatus> migration_status(
    const Config& config, const std::vector<const NamedEndpoint*>& tenants, const MigrationSet& set,
    int jobs);
// The history rows of one tenant, oldest first; empty when it has no history table.
std::vector<AppliedMigration> read_history(const NamedEndpoint& tenant);

// `ferry migrate adopt`: imports Flyway's flyway_schema_history or Prisma's
// _prisma_migrations into ferry's history (successful rows whose version has a file here,
// with that file's checksum). Returns the versions imported; Error when the tenant has
// neither table.
std::vector<std::string> adopt_history(const NamedEndpoint& tenant, const MigrationSet& set);
// `ferry migrate repair`: records the files' current checksums for applied versions and
// removes failed and half-run rows. Returns one line per change.
std::vector<std::string> repair_history(const NamedEndpoint& tenant, const MigrationSet& set);

// `ferry migrate new NAME`: writes the next file (pair) of the set's layout; returns the
// files written (with dry_run: the files it would write, and writes nothing).
std::vector<std::filesystem::path> new_migration(const MigrationSet& set, const std::string& name,
                                                 bool dry_run = false);

// Progress of migrate_tenant() for a live view. Process-wide: the command line sets it around
// a run, whose tenants migrate on worker threads (each tenant's calls come one at a time).
struct MigrateProgress {
  // The tenant's lock is held and its checks passed: `steps` files and app commands to run.
  std::function<void(const std::string& tenant, std::size_t steps)> started;
  // One of them ran ("applied 42", "app command build").
  std::function<void(const std::string& tenant, const std::string& what)> step_done;
  // The tenant's last word.
  std::function<void(const std::string& tenant, const TenantMigrateResult& result)> finished;
};
void set_migrate_progress(MigrateProgress progress);

struct MigrateFleetOptions {
  MigrateRequest request;
  std::vector<std::string> tenants;  // names; empty: every tenant (or the group)
  std::string group;
  int jobs = 0;  // 0: concurrency in ferry.yaml
  bool continue_on_error = false;
  RunOptions run;  // resume, run id, detached
};

// `ferry migrate up|down` over the fleet: a runbook run of one `migrate` step on the chosen
// tenants (groups in their configured order, a failed group stops the later ones), journaled
// in state_dir like every run.
RunReport run_migrations(const Config& config, const MigrateFleetOptions& options,
                         const std::function<void(const StepRun&)>& on_step = {});
// The runbook that run_migrations() runs, for --background.
Runbook migrations_runbook(const Config& config, const MigrateFleetOptions& options);

std::string render_status(const std::vector<TenantMigrationStatus>& rows, const MigrationSet& set);
nlohmann::json status_json(const std::vector<TenantMigrationStatus>& rows, const MigrationSet& set);

}  // namespace ferry::engine
