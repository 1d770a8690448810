// Runbooks: running one (ferry/engine/runbook.hpp). Steps run in order; a step's targets run
// group by group, in parallel within a group. Every target that starts or ends rewrites the
// run's journal, <state_dir>/runbooks/<run id>/journal.json, beside the targets' output
// files, so a run killed at any point can be resumed from it.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "ferry/engine/paths.hpp"
#include "ferry/engine/runbook.hpp"
#include "ferry/transfer/transport.hpp"
#include "parallel.hpp"
#include "run_journal.hpp"
#include "runbook_kinds.hpp"

namespace ferry::engine {
namespace {

double epoch_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string file_safe(const std::string& s) {
  std::string out;
  for (char c : s)
    out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_';
  return out;
}

bool is_step(const std::vector<RunbookStep>& steps, const std::string& name) {
  return std::any_of(steps.begin(), steps.end(),
                     [&](const RunbookStep& s) { return s.name == name; });
}

// The main steps that --from and --only choose, in order.
std::vector<std::string> chosen_steps(const Runbook& book, const std::string& from,
                                      const std::vector<std::string>& only) {
  std::vector<std::string> out;
  bool reached = from.empty() || !is_step(book.steps, from);
  for (const RunbookStep& s : book.steps) {
    reached = reached || s.name == from;
    if (reached && (only.empty() || std::find(only.begin(), only.end(), s.name) != only.end()))
      out.push_back(s.name);
  }
  return out;
}

bool finished(Outcome o) {
  return o == Outcome::ok || o == Outcome::failed;
}

// A maintenance `on` that ran on a target and has not been turned off since.
struct MaintenanceKey {
  const RunbookStep* step;  // the `on` step
  std::string target;
  auto operator<=>(const MaintenanceKey&) const = default;
};

constexpr const char* k_automatic_suffix = " (after the failure)";

// Calls `attempt(n)`, n = 1, 2, ..., until it returns true or the step's retries are spent,
// waiting the step's backoff (doubled each time) between tries. `who` and the `why` the attempt
// sets name the failure in the warning.
void with_retries(const RunbookStep& step, const std::string& who,
                  const std::function<bool(int attempt, std::string& why)>& attempt) {
  auto backoff = step.backoff;
  for (int n = 1;; ++n) {
    std::string why;
    if (attempt(n, why) || n > step.retries)
      return;
    spdlog::warn("{}: {}: {}; trying again in {:.1f}s", step.name, who, why,
                 backoff.count() / 1000.0);
    std::this_thread::sleep_for(backoff);
    backoff *= 2;
  }
}

class Runner {
 public:
  Runner(const Config& config, const Runbook& book, const RunOptions& options,
         const std::function<void(const StepRun&)>& on_step)
      : m_config(config), m_book(book), m_options(options), m_on_step(on_step) {}

  RunReport run() {
    m_start = Clock::now();
    check_run(m_book, m_options);
    std::optional<RunLock> lock;
    std::optional<RunReport> earlier;
    if (!m_options.dry_run)
      lock.emplace(m_config.state_dir, "runbook.lock", "ferry run");
    if (m_options.revert)
      return revert_run();
    if (!m_options.dry_run && m_options.resume)
      earlier = resumable();
    m_from = m_options.from;
    m_only = m_options.only;
    if (earlier) {
      m_earlier = std::move(*earlier);
      m_report.run_id = m_earlier->run_id;
      m_report.started = m_earlier->started;
      m_report.started_at = m_earlier->started_at;
      // The interrupted run's choice of steps holds unless this command line makes its own.
      if (m_from.empty())
        m_from = m_earlier_from;
      if (m_only.empty())
        m_only = m_earlier_only;
      m_earlier_seconds = m_earlier->seconds;
      check_half_run();
    } else {
      m_report.run_id = m_options.run_id.empty() ? new_run_id() : m_options.run_id;
      m_report.started = now_utc();
      m_report.started_at = epoch_now();
    }
    set_variables(m_earlier ? &*m_earlier : nullptr);
    if (!m_options.dry_run) {
      start_journal();
      // A resumed run's journal keeps what the interrupted run did until a step replaces it.
      journal(nullptr, m_earlier ? &m_earlier->steps : nullptr);
    }

    if (m_earlier)
      m_report.failed_step = m_earlier->failed_step;
    const std::vector<std::string> chosen = chosen_steps(m_book, m_from, m_only);
    for (const RunbookStep& step : m_book.steps) {
      const StepRun* before = earlier_step(step.name, false);
      if (before && finished(before->outcome)) {
        adopt(*before, &step);
        if (before->outcome == Outcome::failed && !step.continue_on_error &&
            m_report.failed_step.empty())
          m_report.failed_step = step.name;
        continue;
      }
      if (!m_report.failed_step.empty() ||
          std::find(chosen.begin(), chosen.end(), step.name) == chosen.end()) {
        m_report.steps.push_back(
            StepRun{.name = step.name, .kind = step.kind, .outcome = Outcome::skipped});
        continue;
      }
      run_step(step, false, false, before);
    }
    if (!m_report.failed_step.empty()) {
      // A resume --from a fail-back step starts the fail-back there.
      bool reached = !is_step(m_book.on_failure, m_from);
      for (const RunbookStep& step : m_book.on_failure) {
        reached = reached || step.name == m_from;
        const StepRun* before = earlier_step(step.name, true);
        if (before && finished(before->outcome))
          adopt(*before, &step);
        else if (reached)
          run_step(step, true, false, before);
        else
          m_report.steps.push_back(StepRun{.name = step.name,
                                           .kind = step.kind,
                                           .on_failure = true,
                                           .outcome = Outcome::skipped});
      }
      maintenance_off_after_failure();
      m_report.outcome = Outcome::failed;
    } else {
      m_report.outcome = m_options.dry_run ? Outcome::planned : Outcome::ok;
    }
    m_report.outage_seconds = outage();
    m_report.seconds = elapsed();
    if (!m_options.dry_run) {
      m_report.status = "finished";
      journal();
    }
    return m_report;
  }

 private:
  // ${run_id}, ${release}, ${date} of this run; a run that continues or reverts `earlier` keeps
  // its release and start date.
  void set_variables(const RunReport* earlier) {
    m_report.runbook = m_book.name;
    m_report.dry_run = m_options.dry_run;
    const auto started = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::duration<double>(earlier ? earlier->started_at : 0)));
    m_vars.emplace(initial_vars(), earlier ? started : m_options.now);
    m_vars->set("run_id", m_report.run_id);
    if (earlier) {
      m_vars->set("release", earlier->release);
    } else if (!m_options.sets.contains("release")) {
      m_vars->set("release",
                  m_book.release.empty() ? m_report.run_id : m_vars->resolve(m_book.release, {}));
    }
    m_report.release = m_vars->values().at("release");
  }

  void start_journal() {
    m_dir = run_folder(m_config.state_dir, m_report.run_id);
    std::filesystem::create_directories(m_dir);
    m_report.journal = m_dir / "journal.json";
    write_file_atomically(m_config.state_dir / "runbooks" / "last", m_report.run_id + "\n");
    m_report.status = "running";
  }

  // ferry run NAME --revert: a run of revert steps, one per dns-switch or ecs-scale step of the
  // last run that recorded what it replaced, newest first.
  RunReport revert_run() {
    std::optional<RunReport> last = read_run(m_config.state_dir, "last");
    if (!last || last->runbook != m_book.name)
      throw Error(ErrorKind::usage,
                  "--revert: the last run in " + m_config.state_dir.string() + " is " +
                      (last ? "of runbook " + last->runbook : std::string("not there")) +
                      ", not of " + m_book.name + "; nothing to revert");
    m_reverted = std::move(*last);
    for (auto it = m_reverted->steps.rbegin(); it != m_reverted->steps.rend(); ++it) {
      const RunbookStep* original = find_step(it->name, false);
      const bool recorded = std::any_of(it->targets.begin(), it->targets.end(),
                                        [](const TargetRun& t) { return !t.previous.empty(); });
      if (it->on_failure || original == nullptr || !recorded ||
          (original->kind != StepKind::dns_switch && original->kind != StepKind::ecs_scale))
        continue;
      RunbookStep revert{.name = "revert " + it->name, .kind = StepKind::revert, .value = it->name};
      revert.file = original->file;
      revert.line = original->line;
      revert.retries = original->retries;
      revert.timeout = original->timeout;
      m_synthetic.push_back(std::move(revert));
    }
    m_report.run_id = m_options.run_id.empty() ? new_run_id() : m_options.run_id;
    m_report.started = now_utc();
    m_report.started_at = epoch_now();
    set_variables(&*m_reverted);
    m_report.resume_note = "reverting run " + m_reverted->run_id +
                           (m_synthetic.empty() ? ": it changed nothing a revert puts back" : "");
    if (!m_options.dry_run) {
      start_journal();
      journal();
    }
    for (const RunbookStep& step : m_synthetic) {
      if (run_step(step, false, false, nullptr).outcome == Outcome::failed &&
          m_report.failed_step.empty())
        m_report.failed_step = step.name;
    }
    m_report.outcome = !m_report.failed_step.empty() ? Outcome::failed
                       : m_options.dry_run           ? Outcome::planned
                                                     : Outcome::ok;
    m_report.seconds = elapsed();
    if (!m_options.dry_run) {
      m_report.status = "finished";
      journal();
    }
    return m_report;
  }

  std::map<std::string, std::string> initial_vars() const {
    std::map<std::string, std::string> vars = m_book.vars;
    for (const auto& [k, v] : m_options.sets)
      vars[k] = v;
    return vars;
  }

  // The last run, when it can be continued; nullopt (with a note) when a new run starts.
  std::optional<RunReport> resumable() {
    const std::optional<RunReport> last = read_run(m_config.state_dir, "last");
    if (!last) {
      m_report.resume_note = "no earlier run to resume: starting a new run";
      return std::nullopt;
    }
    if (last->status == "finished") {
      m_report.resume_note = "the last run (" + last->run_id + " of runbook " + last->runbook +
                             ") reached its end (" + to_string(last->outcome) +
                             "): starting a new run";
      return std::nullopt;
    }
    if (last->runbook != m_book.name) {
      throw Error(ErrorKind::usage, "the last run (" + last->run_id + ") is of runbook " +
                                        last->runbook + " and did not reach its end: ferry run " +
                                        last->runbook + " --resume continues it");
    }
    const nlohmann::json doc = read_journal_json(last->journal);
    m_earlier_from = doc.value("from", std::string());
    if (doc.contains("only"))
      m_earlier_only = doc["only"].get<std::vector<std::string>>();
    m_report.resume_note =
        "resuming run " + last->run_id + ", interrupted" +
        (last->running_step.empty() ? "" : " in step '" + last->running_step + "'");
    return last;
  }

  static nlohmann::json read_journal_json(const std::filesystem::path& file) {
    std::ifstream in(file);
    return nlohmann::json::parse(in);
  }

  const StepRun* earlier_step(const std::string& name, bool on_failure) const {
    if (!m_earlier)
      return nullptr;
    for (const StepRun& s : m_earlier->steps) {
      if (s.name == name && s.on_failure == on_failure && !s.automatic)
        return &s;
    }
    return nullptr;
  }

  // A step that may have half-run in the interrupted run, on a target, runs again only when
  // its kind can (or the user named it in --from): otherwise nothing runs.
  void check_half_run() const {
    for (const StepRun& s : m_earlier->steps) {
      if (s.outcome != Outcome::running)
        continue;
      const RunbookStep* step = find_step(s.name, s.on_failure);
      if (step == nullptr || step->idempotent.value_or(is_idempotent(step->kind)) ||
          m_from == step->name || before_from(step->name, s.on_failure))
        continue;
      for (const TargetRun& t : s.targets) {
        if (t.outcome != Outcome::running && t.outcome != Outcome::failed)
          continue;
        const std::string next = next_step(step->name, s.on_failure);
        throw Error(ErrorKind::failure,
                    "step '" + step->name + "' (" + to_string(step->kind) + ", " +
                        step->file.string() + ":" + std::to_string(step->line) +
                        ") may have half-run on " + t.target + " when run " + m_earlier->run_id +
                        " was interrupted, and a step of its kind is not known to be safe to run "
                        "twice: nothing was run. Look at " +
                        t.target + (t.output.empty() ? "" : " (output: " + t.output + ")") +
                        ", then ferry run " + m_book.name + " --resume --from " +
                        transfer::shell_quote(step->name) + " to run it again" +
                        (next.empty() ? ""
                                      : ", or --resume --from " + transfer::shell_quote(next) +
                                            " to go on after it") +
                        " (idempotent: true on the step makes this automatic)");
      }
    }
  }

  // Whether a step comes before --from in its list (and so will not run).
  bool before_from(const std::string& name, bool on_failure) const {
    const auto& list = on_failure ? m_book.on_failure : m_book.steps;
    if (m_from.empty() || !is_step(list, m_from))
      return false;
    for (const RunbookStep& s : list) {
      if (s.name == m_from)
        return false;
      if (s.name == name)
        return true;
    }
    return false;
  }

  const RunbookStep* find_step(const std::string& name, bool on_failure) const {
    for (const RunbookStep& s : on_failure ? m_book.on_failure : m_book.steps) {
      if (s.name == name)
        return &s;
    }
    return nullptr;
  }

  std::string next_step(const std::string& name, bool on_failure) const {
    const auto& list = on_failure ? m_book.on_failure : m_book.steps;
    for (std::size_t i = 0; i + 1 < list.size(); ++i) {
      if (list[i].name == name)
        return list[i + 1].name;
    }
    return {};
  }

  double elapsed() const { return m_earlier_seconds + seconds_since(m_start); }

  // A step the interrupted run finished: reported as it was, and its maintenance counted.
  void adopt(const StepRun& before, const RunbookStep* step) {
    StepRun copy = before;
    copy.earlier = true;
    m_report.steps.push_back(copy);
    if (step != nullptr && step->kind == StepKind::maintenance) {
      for (const TargetRun& t : before.targets)
        note_maintenance(*step, before.action, t);
    }
  }

  void note_maintenance(const RunbookStep& step, const std::string& action, const TargetRun& t) {
    if (action == "on" && t.outcome != Outcome::skipped && t.outcome != Outcome::planned)
      m_maintenance_on.insert(MaintenanceKey{&step, t.target});
    else if (action == "off" && t.outcome == Outcome::ok)
      clear_maintenance(step, t.target);
  }

  std::filesystem::path output_file(std::size_t index, const RunbookStep& step,
                                    const std::string& target) const {
    return m_dir / (std::to_string(index + 1) + "-" + file_safe(step.name) + "-" +
                    file_safe(target) + ".log");
  }

  StepContext context(const std::filesystem::path& output) const {
    return StepContext{.config = m_config,
                       .book = m_book,
                       .vars = *m_vars,
                       .report = m_report,
                       .output = output,
                       .reverted = m_reverted ? &*m_reverted : nullptr};
  }

  const StepRun& run_step(const RunbookStep& step, bool on_failure, bool automatic,
                          const StepRun* partial,
                          const std::vector<std::vector<Target>>* only_targets = nullptr,
                          const std::string& value = {}) {
    StepRun run{
        .name = step.name, .kind = step.kind, .on_failure = on_failure, .automatic = automatic};
    run.started = now_utc();
    run.started_at = epoch_now();
    const auto start = Clock::now();
    const auto groups = only_targets ? *only_targets : resolve_targets(m_config, step.on);
    const std::string& step_value = value.empty() ? step.value : value;
    if (step.kind == StepKind::maintenance)
      run.action = step_value;
    if (runs_whole_step(step.kind)) {
      run_whole(step, groups, run);
    } else {
      for (const auto& group : groups) {
        const std::size_t first = run.targets.size();
        run.targets.resize(first + group.size());
        const bool failed_before =
            std::any_of(run.targets.begin(), run.targets.begin() + static_cast<long>(first),
                        [](const TargetRun& t) { return t.outcome == Outcome::failed; });
        for (std::size_t i = 0; i < group.size(); ++i)
          run.targets[first + i] =
              TargetRun{.target = group[i].name,
                        .outcome = failed_before && !step.continue_on_error ? Outcome::skipped
                                                                            : Outcome::planned};
        // A failed group stops the step: later groups are not touched (unless the step goes on
        // after errors).
        if (failed_before && !step.continue_on_error)
          continue;
        // A failed migration stops its group: tenants of it not started yet stay untouched.
        std::atomic<bool> group_failed = false;
        const bool stops_group = step.kind == StepKind::migrate && !step.continue_on_error;
        for_each_target(group.size(), m_config.concurrency, [&](std::size_t i) {
          TargetRun& slot = run.targets[first + i];
          const TargetRun* done = done_before(partial, group[i].name);
          if (done == nullptr && stops_group && group_failed) {
            std::lock_guard lock(m_mutex);
            slot.outcome = Outcome::skipped;
            slot.detail = "not started: a tenant of its group failed";
            return;
          }
          if (done == nullptr) {
            std::lock_guard lock(m_mutex);
            slot.outcome = Outcome::running;
            slot.started = now_utc();
            journal_quietly(&run);
          }
          TargetRun result =
              done ? *done : run_target(step, step_value, group[i], m_report.steps.size());
          if (result.outcome == Outcome::failed)
            group_failed = true;
          std::lock_guard lock(m_mutex);
          slot = std::move(result);
          if (step.kind == StepKind::maintenance)
            note_maintenance(step, step_value, slot);
          journal_quietly(&run);
        });
      }
    }
    run.seconds = seconds_since(start);
    const bool any_failed = std::any_of(run.targets.begin(), run.targets.end(),
                                        [](const auto& t) { return t.outcome == Outcome::failed; });
    run.outcome = m_options.dry_run ? Outcome::planned : any_failed ? Outcome::failed : Outcome::ok;
    // The failure is journaled with the step, so a resume never goes on past it.
    if (run.outcome == Outcome::failed && !on_failure && !step.continue_on_error &&
        m_report.failed_step.empty())
      m_report.failed_step = step.name;
    m_report.steps.push_back(std::move(run));
    if (!m_options.dry_run)
      journal();
    if (m_on_step)
      m_on_step(m_report.steps.back());
    return m_report.steps.back();
  }

  static const TargetRun* done_before(const StepRun* partial, const std::string& target) {
    if (partial == nullptr)
      return nullptr;
    for (const TargetRun& t : partial->targets) {
      if (t.target == target && t.outcome == Outcome::ok)
        return &t;
    }
    return nullptr;
  }

  // Kinds that run once over all their targets (ferry's own sync, push and releases).
  void run_whole(const RunbookStep& step, const std::vector<std::vector<Target>>& groups,
                 StepRun& run) {
    std::vector<Target> targets;
    for (const auto& g : groups)
      targets.insert(targets.end(), g.begin(), g.end());
    const std::filesystem::path output = output_file(m_report.steps.size(), step, "all");
    const StepContext ctx = context(output);
    std::string detail;
    try {
      detail = describe_whole(ctx, step, targets);
    } catch (const std::exception& e) {
      for (const Target& t : targets)
        run.targets.push_back(
            TargetRun{.target = t.name, .outcome = Outcome::failed, .detail = scrub(e.what())});
      return;
    }
    for (const Target& t : targets)
      run.targets.push_back(TargetRun{.target = t.name, .started = now_utc(), .detail = detail});
    if (m_options.dry_run)
      return;
    for (TargetRun& t : run.targets)
      t.outcome = Outcome::running;
    journal(&run);
    const auto start = Clock::now();
    with_retries(step, "some targets", [&](int attempt, std::string& why) {
      std::vector<TargetRun> results;
      try {
        results = execute_whole(ctx, step, targets);
      } catch (const std::exception& e) {
        results.clear();
        for (const Target& t : targets)
          results.push_back(
              TargetRun{.target = t.name, .outcome = Outcome::failed, .detail = scrub(e.what())});
      }
      for (std::size_t i = 0; i < results.size() && i < run.targets.size(); ++i) {
        run.targets[i].outcome = results[i].outcome;
        run.targets[i].detail = results[i].detail;
        run.targets[i].attempts = attempt;
        run.targets[i].seconds = seconds_since(start);
        if (std::filesystem::exists(output))
          run.targets[i].output = output.string();
      }
      why = "failed";
      return std::none_of(results.begin(), results.end(),
                          [](const TargetRun& t) { return t.outcome == Outcome::failed; });
    });
  }

  // Turning maintenance off by the same means (the same flag, or SQL, or a command) clears
  // what an `on` step set on that target.
  void clear_maintenance(const RunbookStep& off, const std::string& target) {
    std::erase_if(m_maintenance_on, [&](const MaintenanceKey& k) {
      return k.target == target && maintenance_means(*k.step) == maintenance_means(off);
    });
  }

  // The step that turns maintenance off for an `on` step's target after a failure: the
  // runbook's own `maintenance: off` step by the same means on that target, else (a flag)
  // the `on` step itself with off.
  const RunbookStep* off_step_for(const RunbookStep& on, const std::string& target) const {
    for (const RunbookStep& s : m_book.steps) {
      if (s.kind != StepKind::maintenance || s.value != "off" ||
          maintenance_means(s) != maintenance_means(on))
        continue;
      for (const auto& group : resolve_targets(m_config, s.on)) {
        for (const Target& t : group) {
          if (t.name == target)
            return &s;
        }
      }
    }
    return on.params.contains("flag") ? &on : nullptr;
  }

  // What a failed release must not leave behind: maintenance still on after the fail-back
  // steps ran is turned off, by the same means that turned it on.
  void maintenance_off_after_failure() {
    // A resumed fail-back: the automatic steps the interrupted run finished count.
    if (m_earlier) {
      for (const StepRun& s : m_earlier->steps) {
        if (!s.automatic || !finished(s.outcome))
          continue;
        const std::string name = s.name.substr(0, s.name.size() - std::strlen(k_automatic_suffix));
        if (const RunbookStep* off = find_step(name, false)) {
          adopt(s, nullptr);
          for (const TargetRun& t : s.targets)
            note_maintenance(*off, "off", t);
        }
      }
    }
    std::map<const RunbookStep*, std::vector<Target>> still_on;
    for (const MaintenanceKey& k : m_maintenance_on) {
      const RunbookStep* off = off_step_for(*k.step, k.target);
      if (off == nullptr) {
        spdlog::error("{}: maintenance is still on ({}): no maintenance off step turns it off",
                      k.target, k.step->name);
        continue;
      }
      for (const auto& group : resolve_targets(m_config, k.step->on)) {
        for (const Target& t : group) {
          if (t.name == k.target)
            still_on[off].push_back(t);
        }
      }
    }
    for (auto& [step, targets] : still_on) {
      RunbookStep off = *step;
      off.name = step->name + k_automatic_suffix;
      off.retries = std::max(off.retries, 2);
      const std::vector<std::vector<Target>> groups{targets};
      run_step(off, true, true, nullptr, &groups, "off");
    }
  }

  // From the start of the first `maintenance: on` to the end of the last `maintenance: off`.
  std::optional<double> outage() const {
    std::optional<double> start, end;
    for (const StepRun& s : m_report.steps) {
      if (s.kind != StepKind::maintenance || !finished(s.outcome))
        continue;
      if (s.action == "on" && !start)
        start = s.started_at;
      if (s.action == "off" && s.outcome == Outcome::ok)
        end = s.started_at + s.seconds;
    }
    if (!start || !end || *end < *start)
      return std::nullopt;
    return *end - *start;
  }

  TargetRun run_target(const RunbookStep& step, const std::string& value, const Target& t,
                       std::size_t index) {
    TargetRun out{.target = t.name};
    out.started = now_utc();
    const auto start = Clock::now();
    const std::filesystem::path output = output_file(index, step, t.name);
    const StepContext ctx = context(output);
    try {
      out.detail = describe(ctx, step, value, t);
      if (m_options.dry_run) {
        out.outcome = Outcome::planned;
        return out;
      }
      with_retries(step, t.name, [&](int attempt, std::string& why) {
        out.attempts = attempt;
        bool ok = false;
        why.clear();
        try {
          ok = step.kind == StepKind::confirm && m_options.yes
                   ? true
                   : execute(ctx, step, value, t, why, out.previous);
        } catch (const std::exception& e) {
          why = scrub(e.what());
        }
        if (std::filesystem::exists(output))
          out.output = output.string();
        out.outcome = ok ? Outcome::ok : Outcome::failed;
        out.detail = why;  // on success, what the kind says it did (migrate), if anything
        return ok;
      });
    } catch (const std::exception& e) {
      out.outcome = Outcome::failed;
      out.detail = scrub(e.what());
    }
    out.seconds = seconds_since(start);
    return out;
  }

  // An error's text without any password of the config's databases.
  std::string scrub(std::string text) const {
    text = m_config.master.endpoint.scrub(text);
    for (const NamedEndpoint& t : m_config.tenants)
      text = t.endpoint.scrub(text);
    return text;
  }

  void journal(const StepRun* running = nullptr, const std::vector<StepRun>* steps = nullptr) {
    std::lock_guard lock(m_mutex);
    journal_locked(running, steps);
  }

  // From a target's thread: a journal that cannot be written (disk full) is logged, and the
  // step's own result stands; the next write tries again.
  void journal_quietly(const StepRun* running) {
    if (m_options.dry_run)
      return;
    try {
      journal_locked(running);
    } catch (const std::exception& e) {
      spdlog::error("cannot write the run's journal: {}", e.what());
    }
  }

  // Rewrites the journal: the steps finished so far (or `steps`), and the one running.
  void journal_locked(const StepRun* running, const std::vector<StepRun>* steps = nullptr) {
    RunReport copy = m_report;
    if (steps)
      copy.steps = *steps;
    copy.seconds = elapsed();
    if (running) {
      copy.steps.push_back(*running);
      copy.steps.back().outcome = Outcome::running;
      copy.running_step = running->name;
    }
    nlohmann::json doc = to_json(copy);
    doc["pid"] = ::getpid();
    doc["from"] = m_from;
    doc["only"] = m_only;
    write_file_atomically(m_report.journal, doc.dump(2) + "\n");
  }

  const Config& m_config;
  const Runbook& m_book;
  const RunOptions& m_options;
  const std::function<void(const StepRun&)>& m_on_step;
  std::optional<Variables> m_vars;
  std::optional<RunReport> m_earlier;    // the interrupted run that --resume continues
  std::optional<RunReport> m_reverted;   // the run that --revert undoes
  std::vector<RunbookStep> m_synthetic;  // --revert's steps (run_step keeps references)
  std::string m_earlier_from;
  double m_earlier_seconds = 0;
  Clock::time_point m_start;
  std::vector<std::string> m_earlier_only;
  std::string m_from;               // --from of this run (or of the one it resumes)
  std::vector<std::string> m_only;  // --only, likewise
  RunReport m_report;
  std::filesystem::path m_dir;
  std::mutex m_mutex;  // guards m_maintenance_on and journal writes
  std::set<MaintenanceKey> m_maintenance_on;
};

}  // namespace

void check_run(const Runbook& book, const RunOptions& options) {
  // A resume may start inside the fail-back (a fail-back step that needs a look).
  if (!options.from.empty() && !is_step(book.steps, options.from) &&
      !(options.resume && is_step(book.on_failure, options.from)))
    throw Error(ErrorKind::usage,
                "--from: runbook " + book.name + " has no step '" + options.from + "'");
  for (const std::string& name : options.only) {
    if (!is_step(book.steps, name))
      throw Error(ErrorKind::usage, "--only: runbook " + book.name + " has no step '" + name + "'");
  }
  for (const std::string& name : options.allow_danger) {
    if (!is_step(book.steps, name) && !is_step(book.on_failure, name))
      throw Error(ErrorKind::usage,
                  "--allow-danger: runbook " + book.name + " has no step '" + name + "'");
  }
  if (options.dry_run || options.revert)
    return;  // nothing of the runbook's own steps runs
  const bool terminal = !options.detached && ::isatty(0) != 0;
  // The steps this run may run: those --from and --only choose, and every fail-back step.
  std::vector<const RunbookStep*> may_run;
  const std::vector<std::string> chosen = chosen_steps(book, options.from, options.only);
  for (const RunbookStep& s : book.steps) {
    if (std::find(chosen.begin(), chosen.end(), s.name) != chosen.end())
      may_run.push_back(&s);
  }
  for (const RunbookStep& s : book.on_failure)
    may_run.push_back(&s);
  for (const RunbookStep* step : may_run) {
    const RunbookStep& s = *step;
    if (s.danger && std::find(options.allow_danger.begin(), options.allow_danger.end(), s.name) ==
                        options.allow_danger.end()) {
      throw Error(ErrorKind::usage,
                  "step '" + s.name + "' (" + s.file.string() + ":" + std::to_string(s.line) +
                      ") is marked danger: nothing was run; name it in --allow-danger " +
                      transfer::shell_quote(s.name) + " to run it");
    }
    if (s.kind == StepKind::confirm && !options.yes && !terminal) {
      throw Error(ErrorKind::usage, "step '" + s.name +
                                        "' asks for a confirmation and there is no "
                                        "terminal: nothing was run; pass --yes to confirm");
    }
  }
}

std::string new_run_id() {
  return now_utc("%Y%m%dT%H%M%SZ") + "-" + std::to_string(::getpid());
}

std::filesystem::path run_folder(const std::filesystem::path& state_dir, const std::string& id) {
  return state_dir / "runbooks" / id;
}

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
    case Outcome::running:
      return "running";
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
