// `ferry sync`: every tenant of a ferry.yaml up to the master, structure only by day,
// structure and data in the full window; groups in their configured order, tenants of a
// group in parallel; journaled in the state directory so that --resume continues a run that
// was killed, and locked so that two runs never overlap.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ferry/engine/config.hpp"

namespace ferry::engine {

enum class ModeChoice { auto_, structure, full };
enum class SyncMode { structure, full };
const char* to_string(SyncMode mode) noexcept;

struct Shard {
  int index = 0;  // 0-based, as Kubernetes' JOB_COMPLETION_INDEX
  int count = 1;
};

// Whether `tenant` belongs to shard `shard`: a stable hash of the name, so N workers cover
// every tenant exactly once.
bool in_shard(const std::string& tenant, const Shard& shard) noexcept;
// Parses "K/N" (0 <= K < N); throws Error(usage).
Shard parse_shard(std::string_view text);

struct FleetTenant;

// Progress for a live view, called from worker threads (for one tenant, one call at a time).
struct FleetProgress {
  // A tenant starts a step: "structure", or "data" with the number of tables it compares.
  std::function<void(const std::string& tenant, const std::string& step, std::size_t tables)> step;
  // The data step finished one more table of a tenant.
  std::function<void(const std::string& tenant)> table_done;
  // A tenant's last word in this run: its status is final.
  std::function<void(const FleetTenant&)> tenant_done;
};

struct FleetOptions {
  std::vector<std::string> tenants;  // names; empty: all (or the group)
  std::string group;                 // only this group
  ModeChoice mode = ModeChoice::auto_;
  bool dry_run = false;
  bool resume = false;
  bool continue_on_error = false;
  // Compare structure in full even where catalog stamps say nothing changed
  // (SchemaSyncOptions::recheck).
  bool recheck = false;
  std::optional<Shard> shard;
  int jobs = 0;  // 0: the config's concurrency
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
  FleetProgress progress;
};

// A dry run ends each tenant as would_apply or in_sync, a real run as done; a tenant done
// earlier in a resumed run is skipped.
enum class FleetStatus { done, failed, skipped, not_run, would_apply, in_sync };
const char* to_string(FleetStatus status) noexcept;

struct FleetTenant {
  std::string name;
  std::string group;
  SyncMode mode = SyncMode::structure;
  FleetStatus status = FleetStatus::not_run;
  std::size_t structure_changes = 0;
  std::size_t rows_moved = 0;
  double seconds = 0;
  std::string detail;  // why it failed, was skipped or not run
};

struct FleetReport {
  std::string run_id;
  SyncMode mode = SyncMode::structure;
  std::string mode_reason;
  bool dry_run = false;
  bool resumed = false;
  // Set when --resume found no unfinished run and a new one started: one line saying so.
  std::string resume_note;
  std::vector<FleetTenant> tenants;
  double seconds = 0;

  ExitCode exit_code() const noexcept;
};

// The mode a run uses, and why (printed first).
std::pair<SyncMode, std::string> choose_mode(const Config& config, ModeChoice choice,
                                             std::chrono::system_clock::time_point now);

// `on_mode` is called once the mode is chosen, before any tenant is touched. With `resume`,
// continues the latest run when it was cut short (killed before its end); when it reached
// its end, whatever failed in it, says so in resume_note and starts a new run (a sync is
// idempotent). A dry run never writes the journal. In full mode the tables of sync.tables are
// checked on the master first: Error(usage) naming a table that cannot be synced, before any
// tenant is changed.
FleetReport run_fleet_sync(const Config& config, const FleetOptions& options,
                           const std::function<void(const FleetReport&)>& on_mode = {});

std::string render_text(const FleetReport& report);
nlohmann::json to_json(const FleetReport& report);

}  // namespace ferry::engine
