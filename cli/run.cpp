// ferry run: a runbook from ferry.yaml or runbooks/NAME.yaml, step by step; ferry runs: the
// journals of runs, for a run in the background or one that was interrupted.
#include <fcntl.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "background.hpp"
#include "commands.hpp"
#include "endpoints.hpp"
#include "ferry/engine/runbook.hpp"

extern char** environ;

namespace ferry::cli {
namespace {

// This process's own command line, as the kernel has it.
std::vector<std::string> own_argv() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> out;
  std::string arg;
  while (std::getline(in, arg, '\0'))
    out.push_back(arg);
  return out;
}

// The id a --background run will have: the interrupted run it resumes, or a new one.
std::string background_id(const engine::Config& config, const engine::Runbook& book, bool resume) {
  if (resume) {
    const auto last = engine::read_run(config.state_dir, "last");
    if (last && last->status != "finished" && last->runbook == book.name)
      return last->run_id;
  }
  return engine::new_run_id();
}

}  // namespace

std::string start_in_background(const engine::Config& config, const engine::Runbook& book,
                                engine::RunOptions options) {
  options.detached = true;
  engine::check_run(book, options);
  const std::string id = background_id(config, book, options.resume);
  const std::filesystem::path dir = engine::run_folder(config.state_dir, id);
  std::filesystem::create_directories(dir);
  const std::filesystem::path log = dir / "run.log";
  const std::filesystem::path journal = dir / "journal.json";
  const auto journal_time = [&] {
    std::error_code ec;
    const auto t = std::filesystem::last_write_time(journal, ec);
    return ec ? std::filesystem::file_time_type::min() : t;
  };
  const auto before = journal_time();
  std::vector<std::string> argv;
  for (const std::string& a : own_argv()) {
    if (a != "--background")
      argv.push_back(a);
  }
  argv.push_back("--run-id=" + id);
  std::vector<char*> cargv;
  for (std::string& a : argv)
    cargv.push_back(a.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, "/proc/self/exe", &actions, &attr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0)
    throw Error(ErrorKind::failure,
                std::string("cannot start the run in the background: ") + std::strerror(rc));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (journal_time() == before) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      std::ifstream in(log);
      const std::string said((std::istreambuf_iterator<char>(in)), {});
      throw Error(ErrorKind::failure, "the background run did not start:\n" + said);
    }
    if (std::chrono::steady_clock::now() > deadline)
      break;  // still starting (a slow server): it goes on, and its log says how
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return id;
}

namespace {

struct RunArgs {
  std::string name;
  std::vector<std::string> sets;
  bool dry_run = false;
  std::string from;
  std::vector<std::string> only;
  bool resume = false;
  bool revert = false;
  bool yes = false;
  std::vector<std::string> allow_danger;
  bool json = false;
  bool background = false;
  std::string run_id;  // set by the --background parent for its child
};

engine::RunOptions run_options(const RunArgs& args) {
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
  options.resume = args.resume;
  options.revert = args.revert;
  if (args.resume && args.revert)
    throw Error(ErrorKind::usage, "--resume and --revert do not go together");
  options.yes = args.yes;
  options.allow_danger = args.allow_danger;
  options.run_id = args.run_id;
  options.detached = !args.run_id.empty();
  return options;
}

ExitCode run_runbook(const RunArgs& args) {
  engine::RunOptions options = run_options(args);
  const engine::Config& loaded = config();
  const engine::Runbook book = engine::load_runbook(loaded, args.name, options.sets);
  if (args.background) {
    if (options.dry_run)
      throw Error(ErrorKind::usage, "--background runs a runbook; a --dry-run needs no detaching");
    const std::string id = start_in_background(loaded, book, options);
    if (args.json)
      std::cout << nlohmann::json{{"run_id", id}, {"runbook", book.name}}.dump(2) << '\n';
    else
      std::cout << "run " << id << " of runbook " << book.name
                << " started in the background\nfollow it: ferry runs show " << id << " --follow\n";
    return ExitCode::ok;
  }
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

// ---- ferry runs ----

ExitCode list_runs(bool json) {
  const auto runs = engine::list_runs(config().state_dir);
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : runs)
      out.push_back({{"run_id", r.run_id},
                     {"runbook", r.runbook},
                     {"release", r.release},
                     {"status", r.status},
                     {"outcome", engine::to_string(r.outcome)},
                     {"started", r.started},
                     {"seconds", r.seconds},
                     {"journal", r.journal.string()}});
    std::cout << out.dump(2) << '\n';
    return ExitCode::ok;
  }
  if (runs.empty()) {
    std::cout << "no runbook runs in " << config().state_dir.string() << '\n';
    return ExitCode::ok;
  }
  std::size_t id_w = 6, book_w = 7;
  for (const auto& r : runs) {
    id_w = std::max(id_w, r.run_id.size());
    book_w = std::max(book_w, r.runbook.size());
  }
  std::printf("%-*s  %-*s  %-11s  %-8s  %-20s  %8s  %s\n", static_cast<int>(id_w), "run id",
              static_cast<int>(book_w), "runbook", "status", "outcome", "started", "time",
              "release");
  for (const auto& r : runs) {
    const bool running = r.status != "finished";
    std::printf("%-*s  %-*s  %-11s  %-8s  %-20s  %8s  %s\n", static_cast<int>(id_w),
                r.run_id.c_str(), static_cast<int>(book_w), r.runbook.c_str(), r.status.c_str(),
                running ? "-" : engine::to_string(r.outcome), r.started.c_str(),
                running ? "-" : engine::duration_text(r.seconds).c_str(), r.release.c_str());
  }
  return ExitCode::ok;
}

void print_status(const engine::RunReport& run) {
  if (run.status == "running")
    std::cout << "running"
              << (run.running_step.empty() ? "" : ", in step '" + run.running_step + "'") << '\n';
  else if (run.status == "interrupted")
    std::cout << "interrupted"
              << (run.running_step.empty() ? "" : " in step '" + run.running_step + "'") << ": "
              << (run.runbook.starts_with("migrate-") ? "ferry migrate " + run.runbook.substr(8)
                                                      : "ferry run " + run.runbook)
              << " --resume continues it\n";
}

ExitCode show_run(const std::string& id, bool follow, bool json) {
  const std::filesystem::path& state = config().state_dir;
  std::optional<engine::RunReport> run = engine::read_run(state, id);
  if (!run)
    throw Error(ErrorKind::usage, "no runbook run '" + id + "' in " + state.string() +
                                      " (ferry runs list shows them)");
  if (follow) {
    // Each step as it finishes, until the run ends or stops.
    std::size_t shown = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::hours(24);
    for (;;) {
      for (; shown < run->steps.size(); ++shown) {
        const engine::StepRun& s = run->steps[shown];
        if (s.outcome == engine::Outcome::running)
          break;
        std::cerr << (s.on_failure ? "on failure: " : "") << s.name << ": "
                  << engine::to_string(s.outcome) << " (" << engine::duration_text(s.seconds)
                  << ")\n";
      }
      if (run->status != "running" || std::chrono::steady_clock::now() > deadline)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      run = engine::read_run(state, run->run_id);
      if (!run)
        throw Error(ErrorKind::failure, "the journal of run " + id + " went away");
    }
  }
  if (json) {
    nlohmann::json doc = engine::to_json(*run);
    std::cout << doc.dump(2) << '\n';
  } else {
    std::cout << engine::render_text(*run);
    print_status(*run);
  }
  if (run->status == "interrupted")
    return ExitCode::failure;
  return run->status == "finished" ? run->exit_code() : ExitCode::ok;
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
  run->add_flag("--resume", args->resume,
                "Continue the last run if it was interrupted (else start a new one)");
  run->add_flag("--revert", args->revert,
                "Put back what the last run's dns-switch and ecs-scale steps replaced");
  run->add_flag("--yes", args->yes, "Answer yes to confirm steps");
  run->add_option("--allow-danger", args->allow_danger, "Steps marked danger that may run, by name")
      ->delimiter(',');
  run->add_flag("--background", args->background,
                "Detach: print the run id and go on without a terminal (ferry runs show ID)");
  run->add_option("--run-id", args->run_id)->group("");  // the --background child's id
  run->add_flag("--json", args->json, "Print the report as JSON");
  run->callback([args, &result] { result.code = run_runbook(*args); });

  CLI::App* runs = app.add_subcommand("runs", "The journals of runbook runs");
  runs->require_subcommand(1);
  auto list_json = std::make_shared<bool>(false);
  CLI::App* list = runs->add_subcommand("list", "Every runbook run in the state directory");
  list->add_flag("--json", *list_json, "Print the list as JSON");
  list->callback([list_json, &result] { result.code = list_runs(*list_json); });
  struct ShowArgs {
    std::string id;
    bool follow = false;
    bool json = false;
  };
  auto show_args = std::make_shared<ShowArgs>();
  CLI::App* show = runs->add_subcommand("show", "One run's steps, timings and outage");
  show->add_option("ID", show_args->id, "The run id, or last")->required();
  show->add_flag("--follow,-f", show_args->follow, "Print steps as they finish until the run ends");
  show->add_flag("--json", show_args->json, "Print the run as JSON");
  show->callback([show_args, &result] {
    result.code = show_run(show_args->id, show_args->follow, show_args->json);
  });
}

}  // namespace ferry::cli
