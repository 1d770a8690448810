// Structure sync: the master's schema to many tenants, in parallel (the daytime sync).
//
// For each tenant, on its own worker: take the tenant's schema-sync lock, read its catalog,
// plan (a plan is computed once per catalog fingerprint and reused), refuse destructive
// plans without allow_drop, apply, read the catalog again and require an empty diff. One
// tenant's failure is recorded in its result and the others go on. A tenant found equal to
// the master is recorded in state_dir with both sides' catalog stamps; while neither stamp
// changes, later checks of it read no catalog (PostgreSQL; see SchemaSyncOptions::state_dir).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ferry/common/endpoint.hpp"
#include "ferry/common/error.hpp"
#include "ferry/schema/plan.hpp"

namespace ferry::engine {

struct SchemaSyncOptions {
  bool allow_drop = false;
  // PostgreSQL: compare and apply owners and grants too (schema::DiffOptions::privileges).
  bool privileges = false;
  bool dry_run = false;
  int jobs = 4;  // tenants synced at once
  std::chrono::milliseconds lock_timeout{5000};
  // Where MySQL/MariaDB tenants' apply journals live (statement-by-statement progress), and
  // the records of tenants found equal to the master: a PostgreSQL tenant whose catalog and
  // master's catalog are both unchanged since such a check (by their catalog stamps) is in
  // sync without reading either. Empty: no records, every check reads both catalogs.
  std::filesystem::path state_dir;
  // Read and compare both catalogs even when the records say neither changed.
  bool recheck = false;
  // Glob patterns over object names (table, view, sequence, enum; "name" or "schema.name"):
  // only objects matching an include pattern (all when empty) and no exclude pattern are
  // compared, on both sides.
  std::vector<std::string> include;
  std::vector<std::string> exclude;
};

enum class TenantStatus {
  in_sync,     // nothing to do, and everything on both sides was compared
  unverified,  // nothing to do in what ferry compares, but a side holds objects it does not
               // model (plan.not_compared): never called "in sync"
  planned,     // dry run: the plan was printed, nothing applied
  applied,     // the plan ran and the re-read catalog matches the master
  blocked,     // destructive changes without allow_drop: nothing applied
  locked,      // another sync holds this tenant's lock: nothing applied
  failed,      // an error, or differences left after applying
};

const char* to_string(TenantStatus status) noexcept;

struct TenantResult {
  std::string tenant;     // redacted URL
  std::size_t index = 0;  // the tenant's position in the list given (URLs may repeat)
  TenantStatus status = TenantStatus::failed;
  schema::Plan plan;
  std::size_t applied = 0;             // changes applied
  std::string error;                   // why it failed, was blocked or locked
  std::vector<std::string> remaining;  // differences left after applying (failed)
  bool plan_reused = false;            // the plan of an identical tenant was reused
  // in_sync without reading a catalog: neither side changed since the check that found them
  // equal, which ran at this time (UTC, ISO 8601). Empty when the catalogs were compared.
  std::string unchanged_since;
  double seconds = 0;
};

struct SchemaSyncReport {
  std::string master;  // redacted URL
  bool dry_run = false;
  std::vector<TenantResult> tenants;  // in the order the tenants were given
  double seconds = 0;

  // 0 when every tenant is in sync, unverified, applied or planned; 4 when some failed and
  // others did not; 1 when all failed.
  ExitCode exit_code() const noexcept;
};

// Progress as tenants finish, for log lines; called from worker threads, one at a time.
using TenantDone = std::function<void(const TenantResult&)>;

SchemaSyncReport sync_schema(const Endpoint& master, const std::vector<Endpoint>& tenants,
                             const SchemaSyncOptions& options, const TenantDone& on_done = {});

// One tenant checked against the master, as `schema diff` does: the plan that would make it
// match (diff options from `options`: allow_drop, privileges, include, exclude). Reads both
// catalogs at once, unless the records in options.state_dir show neither changed since a
// check found them equal; then the plan is empty and unchanged_since says when. Records a
// check that finds them equal. Locks nothing and changes no database.
struct StructureCheck {
  schema::Plan plan;
  std::string unchanged_since;
};
StructureCheck check_structure(const Endpoint& master, const Endpoint& tenant,
                               const SchemaSyncOptions& options);

// The human table (tenant, status, changes, drift, time) and the JSON report.
std::string render_text(const SchemaSyncReport& report);
nlohmann::json to_json(const SchemaSyncReport& report);

// The plan as text: each change as "-- <risk>: <description>" and its statements, then the
// drift. Shared by `schema diff` and `schema sync --dry-run`.
std::string render_plan(const schema::Plan& plan);
nlohmann::json plan_json(const schema::Plan& plan);

}  // namespace ferry::engine
