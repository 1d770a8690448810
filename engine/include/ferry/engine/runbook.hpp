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
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ferry/common/error.hpp"
#include "ferry/engine/config.hpp"

namespace ferry::engine {

enum class StepKind { command, maintenance, confirm };
const char* to_string(StepKind kind) noexcept;

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
  std::string from;                       // start at this step
  std::vector<std::string> only;          // run only these steps
  bool yes = false;                       // confirm steps say yes without asking
  std::vector<std::string> allow_danger;  // danger steps allowed to run, by name
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

enum class Outcome { ok, failed, skipped, planned };
const char* to_string(Outcome outcome) noexcept;

struct TargetRun {
  std::string target;   // "local", a tenant's or a node's name
  std::string started;  // UTC, ISO 8601
  double seconds = 0;
  Outcome outcome = Outcome::planned;
  std::string detail;  // dry run: what it would do; otherwise why it failed
  std::string output;  // the file holding the target's output, if any
  int attempts = 0;
};

struct StepRun {
  std::string name;
  StepKind kind = StepKind::command;
  bool on_failure = false;  // one of the fail-back steps
  bool automatic = false;   // added by ferry (maintenance off after a failure)
  std::string started;
  double seconds = 0;
  Outcome outcome = Outcome::planned;
  std::vector<TargetRun> targets;
};

struct RunReport {
  std::string runbook;
  std::string run_id;
  std::string release;
  bool dry_run = false;
  std::string started;
  double seconds = 0;
  Outcome outcome = Outcome::ok;
  std::string failed_step;  // the step whose failure started the fail-back
  std::vector<StepRun> steps;
  // From the start of the first `maintenance: on` to the end of the last `maintenance: off`.
  std::optional<double> outage_seconds;
  std::filesystem::path journal;  // the run's journal file (empty on a dry run)

  ExitCode exit_code() const noexcept;
};

// Runs (or with dry_run, plans and prints) the runbook. Holds <state_dir>/runbook.lock for the
// whole run; refuses, before any step runs, danger steps not in allow_danger and confirm
// steps with no terminal and no `yes`. `on_step` is called as each step finishes.
RunReport run_runbook(const Config& config, const Runbook& runbook, const RunOptions& options,
                      const std::function<void(const StepRun&)>& on_step = {});

std::string render_text(const RunReport& report);
nlohmann::json to_json(const RunReport& report);

}  // namespace ferry::engine
