// Runbooks: a named list of release steps (maintenance, commands, and ferry's own work) run
// in order over tenants, nodes or this machine, each step journaled and timed, with an
// `on_failure` list run when a step fails (docs/runbooks.md).
//
// A runbook lives in ferry.yaml under `runbooks:` or in `runbooks/NAME.yaml` beside it. Its
// text keeps its variables (`${release}`, `${date:%Y.%m.%d}`, `${tenant}`, `--set` values,
// `vars:`, the environment) until the step runs; loading checks that every one is defined.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ferry/common/error.hpp"
#include "ferry/engine/config.hpp"

namespace ferry::engine {

enum class StepKind {
  command,
  maintenance,
  confirm,
  sync,
  push,
  flip,
  rollback,
  purge,
  disk_check,
  ecs_restart,
  ecs_scale,
  dns_switch,
  wait_http,
  notify,
  revert,
  snapshot,
  restore,
  copy,
  migrate,
};
// The kind as a runbook writes it: "disk-check", "ecs-restart", ...
const char* to_string(StepKind kind) noexcept;
// Whether a step of this kind that may have half-run can simply run again.
bool is_idempotent(StepKind kind) noexcept;

struct RunbookStep {
  std::string name;
  StepKind kind = StepKind::command;
  std::string value;                          // the kind's own value, as written
  std::map<std::string, std::string> params;  // the kind's other keys, as written
  std::vector<std::string> on;                // targets as written; empty: this machine
  std::chrono::milliseconds timeout{0};       // per target; 0: none
  int retries = 0;                            // further tries after a failure
  std::chrono::milliseconds backoff{1000};    // before the first retry, doubled after each
  bool continue_on_error = false;
  bool danger = false;
  std::optional<bool> idempotent;  // as written; unset: the kind's own rule
  std::filesystem::path file;
  int line = 0;
};

struct Runbook {
  std::string name;
  std::filesystem::path file;
  std::string release;                      // the release-name template, as written
  std::map<std::string, std::string> vars;  // as written
  std::vector<RunbookStep> steps;
  std::vector<RunbookStep> on_failure;
};

// Loads runbook `name` from the config's file or runbooks/NAME.yaml beside it. Throws
// Error(config) naming the file, the line and the key: unknown keys or step kinds, missing
// keys, unknown targets, variables that are not defined (by the runbook, `sets`, ferry's
// own names or the environment), duplicate step names.
Runbook load_runbook(const Config& config, const std::string& name,
                     const std::map<std::string, std::string>& sets);

// The names of the runbooks the config's file and its runbooks/ folder define.
std::vector<std::string> runbook_names(const Config& config);

struct RunOptions {
  std::map<std::string, std::string> sets;  // --set KEY=VALUE
  bool dry_run = false;
  // Continue the last run when it did not reach its end (killed, machine lost); when it did,
  // say so and start a new one.
  bool resume = false;
  // Put back, newest first, what the last run's dns-switch and ecs-scale steps replaced, as
  // a run of its own.
  bool revert = false;
  std::string run_id;                     // the new run's id; empty: made up (new_run_id())
  bool detached = false;                  // no terminal will ever answer (--background)
  std::string from;                       // start at this step
  std::vector<std::string> only;          // run only these steps
  bool yes = false;                       // confirm steps say yes without asking
  std::vector<std::string> allow_danger;  // danger steps allowed to run, by name
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

// `running`: journaled when a target or step starts, so a run killed in the middle shows
// what may have half-run.
enum class Outcome { ok, failed, skipped, planned, running };
const char* to_string(Outcome outcome) noexcept;

struct TargetRun {
  std::string target;   // "local", a tenant's or a node's name
  std::string started;  // UTC, ISO 8601
  double seconds = 0;
  Outcome outcome = Outcome::planned;
  std::string detail;  // dry run: what it would do; otherwise why it failed
  std::string output;  // the file holding the target's output, if any
  int attempts = 0;
  // What the step replaced, for a `revert` step: a DNS record's values, services' desired
  // counts (JSON text). Never a secret.
  std::string previous;
};

struct StepRun {
  std::string name;
  StepKind kind = StepKind::command;
  bool on_failure = false;  // one of the fail-back steps
  bool automatic = false;   // added by ferry (maintenance off after a failure)
  std::string action;       // maintenance: on or off
  std::string started;
  double started_at = 0;  // seconds since the epoch, for the outage
  double seconds = 0;
  Outcome outcome = Outcome::planned;
  bool earlier = false;  // done by the run before a --resume
  std::vector<TargetRun> targets;
};

struct RunReport {
  std::string runbook;
  std::string run_id;
  std::string release;
  bool dry_run = false;
  std::string started;
  double started_at = 0;  // seconds since the epoch: ${date} and ${time} of a resumed run
  double seconds = 0;
  Outcome outcome = Outcome::ok;
  std::string resume_note;  // what --resume (or --revert) did, in one line
  std::string failed_step;  // the step whose failure started the fail-back
  std::vector<StepRun> steps;
  // From the start of the first `maintenance: on` to the end of the last `maintenance: off`.
  std::optional<double> outage_seconds;
  std::filesystem::path journal;  // the run's journal file (empty on a dry run)
  // Journals only: "running" while the run goes on, "finished" at its end, and (as read back
  // by read_run) "interrupted" when it stopped before its end.
  std::string status;
  std::string running_step;  // the step a running or interrupted run was in

  ExitCode exit_code() const noexcept;
};

// A new run id: UTC time and process id, e.g. 20261206T014515Z-4242.
std::string new_run_id();

// The refusals that come before anything runs (unknown --from/--only/--allow-danger steps,
// danger steps not allowed, confirm steps with no one to answer), without running anything.
void check_run(const Runbook& runbook, const RunOptions& options);

// Runs (or with dry_run, plans and prints) the runbook. Holds <state_dir>/runbook.lock for the
// whole run; refuses, before any step runs, danger steps not in allow_danger and confirm
// steps with no terminal and no `yes`. With `resume`, continues the last run if it did not
// reach its end; with `revert`, puts back what the last run replaced. `on_step` is called as
// each step finishes.
RunReport run_runbook(const Config& config, const Runbook& runbook, const RunOptions& options,
                      const std::function<void(const StepRun&)>& on_step = {});

std::string render_text(const RunReport& report);
nlohmann::json to_json(const RunReport& report);
// "4.2s", "1h 31m 05s": how reports show a duration.
std::string duration_text(double seconds);
RunReport run_report_from_json(const nlohmann::json& doc);

// The journal of run `id` ("last": the latest run) in <state_dir>/runbooks, or nullopt. A
// run journaled as running reads as "interrupted" when its process is gone or no longer
// holds the state directory's runbook lock.
std::optional<RunReport> read_run(const std::filesystem::path& state_dir, const std::string& id);
// Every journaled run, oldest first.
std::vector<RunReport> list_runs(const std::filesystem::path& state_dir);
// The folder of run `id`'s journal and output files.
std::filesystem::path run_folder(const std::filesystem::path& state_dir, const std::string& id);

}  // namespace ferry::engine
