// ferry run: a runbook from ferry.yaml or runbooks/NAME.yaml, step by step.
#include <spdlog/spdlog.h>

#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "endpoints.hpp"
#include "ferry/engine/runbook.hpp"

namespace ferry::cli {
namespace {

struct RunArgs {
  std::string name;
  std::vector<std::string> sets;
  bool dry_run = false;
  std::string from;
  std::vector<std::string> only;
  bool yes = false;
  std::vector<std::string> allow_danger;
  bool json = false;
};

ExitCode run_runbook(const RunArgs& args) {
  engine::RunOptions options;
  for (const std::string& kv : args.sets) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error(ErrorKind::usage, "--set expects KEY=VALUE, got '" + kv + "'");
    options.sets[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  options.dry_run = args.dry_run;
  options.from = args.from;
  options.only = args.only;
  options.yes = args.yes;
  options.allow_danger = args.allow_danger;
  const engine::Config& loaded = config();
  const engine::Runbook book = engine::load_runbook(loaded, args.name, options.sets);
  const engine::RunReport report =
      engine::run_runbook(loaded, book, options, [](const engine::StepRun& step) {
        spdlog::info("{}{}: {} ({:.2f}s)", step.on_failure ? "on failure: " : "", step.name,
                     engine::to_string(step.outcome), step.seconds);
      });
  if (args.json)
    std::cout << engine::to_json(report).dump(2) << '\n';
  else
    std::cout << engine::render_text(report);
  return report.exit_code();
}

}  // namespace

void add_run_command(CLI::App& app, CommandResult& result) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* run = app.add_subcommand(
      "run", "Run a runbook: release steps in order, journaled and timed, with fail-back");
  run->add_option("NAME", args->name,
                  "The runbook (runbooks: in ferry.yaml, or runbooks/NAME.yaml)")
      ->required();
  run->add_option("--set", args->sets, "KEY=VALUE: a variable for ${KEY} (repeatable)");
  run->add_flag("--dry-run", args->dry_run,
                "Print every step with its targets and resolved commands; run nothing");
  run->add_option("--from", args->from, "Start at this step (earlier ones are skipped)");
  run->add_option("--only", args->only, "Run only these steps")->delimiter(',');
  run->add_flag("--yes", args->yes, "Answer yes to confirm steps");
  run->add_option("--allow-danger", args->allow_danger, "Steps marked danger that may run, by name")
      ->delimiter(',');
  run->add_flag("--json", args->json, "Print the report as JSON");
  run->callback([args, &result] { result.code = run_runbook(*args); });
}

}  // namespace ferry::cli
