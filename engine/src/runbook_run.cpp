// Runbooks: running one (ferry/engine/runbook.hpp). Steps run in order; a step's targets run
// group by group, in parallel within a group. Every finished target rewrites the run's
// journal, <state_dir>/runbooks/<run id>/journal.json, beside the targets' output files.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "ferry/common/process.hpp"
#include "ferry/connectors/connector.hpp"
#include "ferry/deploy_hooks/command.hpp"
#include "ferry/engine/paths.hpp"
#include "ferry/engine/runbook.hpp"
#include "ferry/transfer/transport.hpp"
#include "parallel.hpp"
#include "run_journal.hpp"
#include "runbook_vars.hpp"

namespace ferry::engine {
namespace {

using transfer::shell_quote;

// One place a step runs: this machine, a tenant or a node.
struct Target {
  std::string name;  // "local", or the tenant's or node's name
  std::string group;
  const NamedEndpoint* tenant = nullptr;
  const Node* node = nullptr;
};

// The targets of `on`, each once, grouped: groups of tenants in the config's order, then
// nodes in the config's order.
std::vector<std::vector<Target>> resolve_targets(const Config& config,
                                                 const std::vector<std::string>& on) {
  if (on.empty())
    return {{Target{.name = "local"}}};
  std::set<std::string> named(on.begin(), on.end());
  std::vector<std::vector<Target>> out;
  if (named.contains("local"))
    out.push_back({Target{.name = "local"}});
  std::map<std::string, std::vector<Target>> by_group;
  for (const NamedEndpoint& t : config.tenants) {
    if (named.contains(t.name) || (!t.group.empty() && named.contains(t.group)))
      by_group[t.group].push_back(Target{.name = t.name, .group = t.group, .tenant = &t});
  }
  if (auto it = by_group.find(""); it != by_group.end()) {
    out.push_back(it->second);
    by_group.erase(it);
  }
  for (const std::string& g : config.groups) {
    if (auto it = by_group.find(g); it != by_group.end())
      out.push_back(it->second);
  }
  std::vector<Target> nodes;
  for (const Node& n : config.nodes) {
    if (named.contains(n.name) || (!n.group.empty() && named.contains(n.group)))
      nodes.push_back(Target{.name = n.name, .group = n.group, .node = &n});
  }
  if (!nodes.empty())
    out.push_back(std::move(nodes));
  return out;
}

VarScope scope_of(const Target& t) {
  return VarScope{.tenant = t.tenant ? t.name : "", .node = t.node ? t.name : "", .group = t.group};
}

std::string file_safe(const std::string& s) {
  std::string out;
  for (char c : s)
    out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_';
  return out;
}

// The program that runs shell text `text` for a target: sh -c here, or in the node's root
// (locally, or over ssh with the variables exported first, since ssh does not pass them).
deploy_hooks::CommandSpec shell_spec(const Target& t, const std::string& text,
                                     const std::vector<std::string>& env) {
  deploy_hooks::CommandSpec spec;
  spec.env = env;
  if (t.node == nullptr) {
    spec.argv = {"/bin/sh", "-c", text};
    return spec;
  }
  const transfer::Target node = transfer::parse_target(t.node->target);
  if (node.kind == transfer::Target::Kind::local) {
    spec.argv = {"/bin/sh", "-c", text};
    spec.cwd = node.root;
    return spec;
  }
  std::string remote;
  for (const std::string& kv : env) {
    const auto eq = kv.find('=');
    remote += "export " + kv.substr(0, eq) + "=" + shell_quote(kv.substr(eq + 1)) + "; ";
  }
  remote += "cd " + shell_quote(node.root) + " && " + text;
  spec.argv = transfer::ssh_argv(node, "", remote);
  // Never a password prompt in the middle of a release: keys or agent only.
  const auto host = spec.argv.end() - 3;  // "--", host, command
  spec.argv.insert(host, {"-o", "BatchMode=yes"});
  return spec;
}

struct MaintenanceKey {
  const RunbookStep* step;  // the `on` step
  std::string target;
  auto operator<=>(const MaintenanceKey&) const = default;
};

class Runner {
 public:
  Runner(const Config& config, const Runbook& book, const RunOptions& options,
         const std::function<void(const StepRun&)>& on_step)
      : m_config(config),
        m_book(book),
        m_options(options),
        m_on_step(on_step),
        m_vars(initial_vars(), options.now) {}

  RunReport run() {
    const auto start = Clock::now();
    m_report.runbook = m_book.name;
    m_report.dry_run = m_options.dry_run;
    m_report.started = now_utc();
    m_report.run_id = now_utc("%Y%m%dT%H%M%SZ") + "-" + std::to_string(::getpid());
    m_vars.set("run_id", m_report.run_id);
    if (!m_options.sets.contains("release")) {
      m_vars.set("release", m_book.release.empty() ? m_report.run_id
                                                   : m_vars.resolve(m_book.release, {}, false));
    }
    m_report.release = m_vars.values().at("release");
    check_before_running();

    std::optional<RunLock> lock;
    if (!m_options.dry_run) {
      lock.emplace(m_config.state_dir, "runbook.lock", "ferry run");
      m_dir = m_config.state_dir / "runbooks" / m_report.run_id;
      std::filesystem::create_directories(m_dir);
      m_report.journal = m_dir / "journal.json";
      write_file_atomically(m_config.state_dir / "runbooks" / "last", m_report.run_id + "\n");
      journal();
    }

    bool started = m_options.from.empty();
    bool failed = false;
    for (const RunbookStep& step : m_book.steps) {
      started = started || step.name == m_options.from;
      const bool chosen = started && (m_options.only.empty() ||
                                      std::find(m_options.only.begin(), m_options.only.end(),
                                                step.name) != m_options.only.end());
      if (!chosen || failed) {
        StepRun skipped{.name = step.name, .kind = step.kind, .outcome = Outcome::skipped};
        m_report.steps.push_back(std::move(skipped));
        continue;
      }
      const StepRun& done = run_step(step, false, false);
      if (done.outcome == Outcome::failed && !step.continue_on_error) {
        failed = true;
        m_report.failed_step = step.name;
      }
    }
    if (failed) {
      for (const RunbookStep& step : m_book.on_failure)
        run_step(step, true, false);
      maintenance_off_after_failure();
      m_report.outcome = Outcome::failed;
    } else {
      m_report.outcome = m_options.dry_run ? Outcome::planned : Outcome::ok;
    }
    m_report.outage_seconds = outage();
    m_report.seconds = seconds_since(start);
    if (!m_options.dry_run)
      journal();
    return m_report;
  }

 private:
  std::map<std::string, std::string> initial_vars() const {
    std::map<std::string, std::string> vars = m_book.vars;
    for (const auto& [k, v] : m_options.sets)
      vars[k] = v;
    return vars;
  }

  // Refusals that must come before anything runs.
  void check_before_running() const {
    const auto named = [](const std::vector<RunbookStep>& steps, const std::string& name) {
      return std::any_of(steps.begin(), steps.end(),
                         [&](const RunbookStep& s) { return s.name == name; });
    };
    if (!m_options.from.empty() && !named(m_book.steps, m_options.from))
      throw Error(ErrorKind::usage,
                  "--from: runbook " + m_book.name + " has no step '" + m_options.from + "'");
    for (const std::string& name : m_options.only) {
      if (!named(m_book.steps, name))
        throw Error(ErrorKind::usage,
                    "--only: runbook " + m_book.name + " has no step '" + name + "'");
    }
    for (const std::string& name : m_options.allow_danger) {
      if (!named(m_book.steps, name) && !named(m_book.on_failure, name))
        throw Error(ErrorKind::usage,
                    "--allow-danger: runbook " + m_book.name + " has no step '" + name + "'");
    }
    if (m_options.dry_run)
      return;
    for (const auto* list : {&m_book.steps, &m_book.on_failure}) {
      for (const RunbookStep& s : *list) {
        if (s.danger && std::find(m_options.allow_danger.begin(), m_options.allow_danger.end(),
                                  s.name) == m_options.allow_danger.end()) {
          throw Error(ErrorKind::usage,
                      "step '" + s.name + "' (" + s.file.string() + ":" + std::to_string(s.line) +
                          ") is marked danger: nothing was run; name it in --allow-danger " +
                          shell_quote(s.name) + " to run it");
        }
        if (s.kind == StepKind::confirm && !m_options.yes && ::isatty(0) == 0) {
          throw Error(ErrorKind::usage, "step '" + s.name +
                                            "' asks for a confirmation and there is no "
                                            "terminal: nothing was run; pass --yes to confirm");
        }
      }
    }
  }

  const StepRun& run_step(const RunbookStep& step, bool on_failure, bool automatic,
                          const std::vector<std::vector<Target>>* only_targets = nullptr,
                          const std::string& value = {}) {
    StepRun run{
        .name = step.name, .kind = step.kind, .on_failure = on_failure, .automatic = automatic};
    run.started = now_utc();
    const auto start = Clock::now();
    const auto groups = only_targets ? *only_targets : resolve_targets(m_config, step.on);
    const std::string& step_value = value.empty() ? step.value : value;
    if (step.kind == StepKind::maintenance && step_value == "on" && !m_options.dry_run) {
      if (!m_outage_start)
        m_outage_start = Clock::now();
    }
    for (const auto& group : groups) {
      const std::size_t first = run.targets.size();
      run.targets.resize(first + group.size());
      const bool failed_before =
          std::any_of(run.targets.begin(), run.targets.begin() + static_cast<long>(first),
                      [](const TargetRun& t) { return t.outcome == Outcome::failed; });
      if (failed_before) {
        // A failed group stops the step: later groups are not touched.
        for (std::size_t i = 0; i < group.size(); ++i)
          run.targets[first + i] = TargetRun{.target = group[i].name, .outcome = Outcome::skipped};
        continue;
      }
      for_each_target(group.size(), m_config.concurrency, [&](std::size_t i) {
        run.targets[first + i] = run_target(step, step_value, group[i], m_report.steps.size());
        std::lock_guard lock(m_mutex);
        if (step.kind == StepKind::maintenance) {
          const MaintenanceKey key{&step, group[i].name};
          if (step_value == "on")
            m_maintenance_on.insert(key);
          else if (run.targets[first + i].outcome == Outcome::ok)
            clear_maintenance(step, group[i].name);
        }
        if (!m_options.dry_run)
          journal_locked(&run);
      });
    }
    run.seconds = seconds_since(start);
    const bool any_failed = std::any_of(run.targets.begin(), run.targets.end(),
                                        [](const auto& t) { return t.outcome == Outcome::failed; });
    run.outcome = m_options.dry_run ? Outcome::planned : any_failed ? Outcome::failed : Outcome::ok;
    if (step.kind == StepKind::maintenance && step_value == "off" && !m_options.dry_run)
      m_outage_end = Clock::now();
    m_report.steps.push_back(std::move(run));
    if (!m_options.dry_run)
      journal();
    if (m_on_step)
      m_on_step(m_report.steps.back());
    return m_report.steps.back();
  }

  // Turning maintenance off by the same means clears what an `on` step set on that target.
  void clear_maintenance(const RunbookStep& off, const std::string& target) {
    std::erase_if(m_maintenance_on, [&](const MaintenanceKey& k) {
      return k.target == target && k.step->params == off.params;
    });
  }

  // What a failed release must not leave behind: maintenance still on after the fail-back
  // steps ran is turned off, by the same means that turned it on.
  void maintenance_off_after_failure() {
    std::map<const RunbookStep*, std::vector<Target>> still_on;
    for (const MaintenanceKey& k : m_maintenance_on) {
      for (const auto& group : resolve_targets(m_config, k.step->on)) {
        for (const Target& t : group) {
          if (t.name == k.target)
            still_on[k.step].push_back(t);
        }
      }
    }
    for (auto& [step, targets] : still_on) {
      RunbookStep off = *step;
      off.name = step->name + " (off, automatic)";
      off.retries = std::max(off.retries, 2);
      const std::vector<std::vector<Target>> groups{targets};
      run_step(off, true, true, &groups, "off");
    }
  }

  std::optional<double> outage() const {
    if (!m_outage_start || !m_outage_end || *m_outage_end < *m_outage_start)
      return std::nullopt;
    return std::chrono::duration<double>(*m_outage_end - *m_outage_start).count();
  }

  std::vector<std::string> step_env(const RunbookStep& step, const Target& t) const {
    std::vector<std::string> env = {"FERRY_RUN_ID=" + m_report.run_id,
                                    "FERRY_RELEASE=" + m_report.release,
                                    "FERRY_RUNBOOK=" + m_book.name, "FERRY_STEP=" + step.name};
    if (t.tenant)
      env.push_back("FERRY_TENANT=" + t.name);
    if (t.node)
      env.push_back("FERRY_NODE=" + t.name);
    if (!t.group.empty())
      env.push_back("FERRY_GROUP=" + t.group);
    return env;
  }

  TargetRun run_target(const RunbookStep& step, const std::string& value, const Target& t,
                       std::size_t index) {
    TargetRun out{.target = t.name};
    out.started = now_utc();
    const auto start = Clock::now();
    const VarScope scope = scope_of(t);
    try {
      out.detail = describe(step, value, t, scope);
      if (m_options.dry_run) {
        out.outcome = Outcome::planned;
        return out;
      }
      auto backoff = step.backoff;
      for (int attempt = 0; attempt <= step.retries; ++attempt) {
        out.attempts = attempt + 1;
        std::string why;
        const std::filesystem::path output =
            m_dir / (std::to_string(index + 1) + "-" + file_safe(step.name) + "-" +
                     file_safe(t.name) + ".log");
        if (execute(step, value, t, scope, output, why)) {
          out.outcome = Outcome::ok;
          out.detail.clear();
          if (std::filesystem::exists(output))
            out.output = output.string();
          break;
        }
        out.outcome = Outcome::failed;
        out.detail = why;
        if (std::filesystem::exists(output))
          out.output = output.string();
        if (attempt < step.retries) {
          spdlog::warn("{}: {}: {}; trying again in {:.1f}s", step.name, t.name, why,
                       backoff.count() / 1000.0);
          std::this_thread::sleep_for(backoff);
          backoff *= 2;
        }
      }
    } catch (const std::exception& e) {
      out.outcome = Outcome::failed;
      out.detail = t.tenant ? t.tenant->endpoint.scrub(e.what()) : e.what();
    }
    out.seconds = seconds_since(start);
    return out;
  }

  // What the step does on the target, with every value resolved but secrets from the
  // environment left as ${NAME}.
  std::string describe(const RunbookStep& step, const std::string& value, const Target& t,
                       const VarScope& scope) const {
    switch (step.kind) {
      case StepKind::command: {
        const auto spec = shell_spec(t, m_vars.resolve(value, scope, true), {});
        return join_argv(spec) + (spec.cwd.empty() ? "" : " (in " + spec.cwd.string() + ")");
      }
      case StepKind::maintenance: {
        if (step.params.contains("flag")) {
          const std::string flag = m_vars.resolve(step.params.at("flag"), scope, true);
          return (value == "on" ? "create " : "remove ") + flag + " under " +
                 (t.node ? t.node->target : "this machine");
        }
        if (step.params.contains("sql")) {
          return "on " + (t.tenant ? t.tenant->endpoint.redacted() : t.name) + ": " +
                 m_vars.resolve(step.params.at("sql"), scope, true);
        }
        return join_argv(shell_spec(t, m_vars.resolve(step.params.at("run"), scope, true), {}));
      }
      case StepKind::confirm:
        return "ask: " + m_vars.resolve(value, scope, true);
    }
    return {};
  }

  static std::string join_argv(const deploy_hooks::CommandSpec& spec) {
    std::string out;
    for (const std::string& a : spec.argv)
      out += (out.empty() ? "" : " ") +
             (a.find_first_of(" '\"$;&|") == std::string::npos ? a : shell_quote(a));
    return out;
  }

  bool run_shell(const RunbookStep& step, const Target& t, const std::string& text,
                 const std::filesystem::path& output, std::string& why) const {
    deploy_hooks::CommandSpec spec = shell_spec(t, text, step_env(step, t));
    spec.output = output;
    spec.timeout = step.timeout;
    const deploy_hooks::CommandOutcome result = deploy_hooks::run_command(spec);
    if (result.ok())
      return true;
    why = result.describe(step.timeout) +
          (result.tail.empty() ? "" : "; its output ends with:\n" + result.tail);
    return false;
  }

  bool execute(const RunbookStep& step, const std::string& value, const Target& t,
               const VarScope& scope, const std::filesystem::path& output, std::string& why) {
    switch (step.kind) {
      case StepKind::command:
        return run_shell(step, t, m_vars.resolve(value, scope), output, why);
      case StepKind::maintenance:
        return maintenance(step, value, t, scope, output, why);
      case StepKind::confirm:
        return m_options.yes || confirm(m_vars.resolve(value, scope), why);
    }
    return false;
  }

  bool maintenance(const RunbookStep& step, const std::string& value, const Target& t,
                   const VarScope& scope, const std::filesystem::path& output, std::string& why) {
    const bool on = value == "on";
    if (step.params.contains("run"))
      return run_shell(step, t, m_vars.resolve(step.params.at("run"), scope), output, why);
    if (step.params.contains("sql")) {
      if (t.tenant == nullptr) {
        why = "maintenance by sql runs on tenants; " + t.name + " is not one";
        return false;
      }
      connectors::connect(t.tenant->endpoint)
          ->execute({m_vars.resolve(step.params.at("sql"), scope)});
      return true;
    }
    if (t.node == nullptr) {
      why = "a maintenance flag is set on nodes; " + t.name + " is not one";
      return false;
    }
    const std::string flag = m_vars.resolve(step.params.at("flag"), scope);
    const transfer::Target node = transfer::parse_target(t.node->target);
    if (node.kind == transfer::Target::Kind::local) {
      const std::filesystem::path path = std::filesystem::path(node.root) / flag;
      if (on) {
        write_file_atomically(path, "maintenance by ferry run " + m_report.run_id + "\n");
      } else {
        std::error_code ec;
        std::filesystem::remove(path, ec);
        if (ec) {
          why = "cannot remove " + path.string() + ": " + ec.message();
          return false;
        }
      }
      return true;
    }
    const std::string quoted = shell_quote(flag);
    const std::string text = on ? "mkdir -p \"$(dirname " + quoted +
                                      ")\" && echo \"maintenance by ferry run " + m_report.run_id +
                                      "\" > " + quoted
                                : "rm -f " + quoted;
    return run_shell(step, t, text, output, why);
  }

  static bool confirm(const std::string& question, std::string& why) {
    // check_before_running() made sure there is a terminal or --yes.
    static std::mutex ask;
    std::lock_guard lock(ask);
    std::fprintf(stderr, "%s [y/N] ", question.c_str());
    std::fflush(stderr);
    char line[64] = {};
    if (std::fgets(line, sizeof line, stdin) == nullptr || (line[0] != 'y' && line[0] != 'Y')) {
      why = "not confirmed";
      return false;
    }
    return true;
  }

  void journal() {
    std::lock_guard lock(m_mutex);
    journal_locked(nullptr);
  }

  // Rewrites the journal: the steps finished so far, and the one running.
  void journal_locked(const StepRun* running) {
    nlohmann::json doc = to_json(m_report);
    doc["status"] = running ? "running" : (m_report.seconds > 0 ? "finished" : "running");
    if (running)
      doc["running"] = running->name;
    write_file_atomically(m_report.journal, doc.dump(2) + "\n");
  }

  const Config& m_config;
  const Runbook& m_book;
  const RunOptions& m_options;
  const std::function<void(const StepRun&)>& m_on_step;
  Variables m_vars;
  RunReport m_report;
  std::filesystem::path m_dir;
  std::mutex m_mutex;  // guards m_maintenance_on and journal writes
  std::set<MaintenanceKey> m_maintenance_on;
  std::optional<Clock::time_point> m_outage_start;
  std::optional<Clock::time_point> m_outage_end;
};

}  // namespace

const char* to_string(Outcome outcome) noexcept {
  switch (outcome) {
    case Outcome::ok:
      return "ok";
    case Outcome::failed:
      return "failed";
    case Outcome::skipped:
      return "skipped";
    case Outcome::planned:
      return "planned";
  }
  return "failed";
}

ExitCode RunReport::exit_code() const noexcept {
  return outcome == Outcome::failed ? ExitCode::failure : ExitCode::ok;
}

RunReport run_runbook(const Config& config, const Runbook& runbook, const RunOptions& options,
                      const std::function<void(const StepRun&)>& on_step) {
  return Runner(config, runbook, options, on_step).run();
}

}  // namespace ferry::engine
