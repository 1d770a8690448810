// Reports of runbook runs, for humans and for machines.
#include <fmt/format.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ferry/engine/runbook.hpp"

namespace ferry::engine {

std::string duration_text(double seconds) {
  const long total = static_cast<long>(seconds + 0.5);
  if (total < 60)
    return fmt::format("{:.1f}s", seconds);
  return fmt::format("{}h {:02}m {:02}s", total / 3600, (total / 60) % 60, total % 60);
}

std::string render_text(const RunReport& report) {
  std::size_t width = 4;
  for (const StepRun& s : report.steps)
    width = std::max(width, s.name.size() + (s.on_failure ? 2 : 0));
  std::string out =
      fmt::format("runbook {}, run {}, release {}{}\n", report.runbook, report.run_id,
                  report.release, report.dry_run ? " (dry run: nothing was run)" : "");
  if (!report.resume_note.empty())
    out += report.resume_note + "\n";
  out += fmt::format("{:<{}}  {:<11}  {:<8}  {:>10}  {}\n", "step", width, "kind", "outcome",
                     "time", "targets");
  bool fail_back = false;
  for (const StepRun& s : report.steps) {
    if (s.on_failure && !fail_back) {
      fail_back = true;
      out += fmt::format("-- on failure of '{}':\n", report.failed_step);
    }
    std::string targets;
    for (const TargetRun& t : s.targets)
      targets += (targets.empty() ? "" : ", ") + t.target;
    out += fmt::format("{:<{}}  {:<11}  {:<8}  {:>10}  {}\n", (s.on_failure ? "  " : "") + s.name,
                       width, to_string(s.kind), to_string(s.outcome),
                       s.outcome == Outcome::skipped || s.outcome == Outcome::planned
                           ? std::string("-")
                           : duration_text(s.seconds),
                       targets + (s.earlier ? " (before the resume)" : ""));
    for (const TargetRun& t : s.targets) {
      if (report.dry_run && !t.detail.empty())
        out += fmt::format("    {}: {}\n", t.target, t.detail);
      else if (t.outcome == Outcome::failed)
        out += fmt::format("    {}: failed{}: {}{}\n", t.target,
                           t.attempts > 1 ? fmt::format(" ({} tries)", t.attempts) : "", t.detail,
                           t.output.empty() ? "" : "\n    output: " + t.output);
    }
  }
  out += fmt::format("total {}", duration_text(report.seconds));
  if (report.outage_seconds)
    out +=
        fmt::format(", outage {} (maintenance on to off)", duration_text(*report.outage_seconds));
  out += fmt::format(": {}\n", report.outcome == Outcome::failed
                                   ? "failed at '" + report.failed_step + "'"
                                   : to_string(report.outcome));
  if (!report.journal.empty())
    out += "journal: " + report.journal.string() + "\n";
  return out;
}

namespace {

Outcome outcome_from(const std::string& text) {
  for (Outcome o :
       {Outcome::ok, Outcome::failed, Outcome::skipped, Outcome::planned, Outcome::running}) {
    if (text == to_string(o))
      return o;
  }
  return Outcome::failed;
}

StepKind kind_from(const std::string& text) {
  for (int k = 0; k <= static_cast<int>(StepKind::revert); ++k) {
    if (text == to_string(static_cast<StepKind>(k)))
      return static_cast<StepKind>(k);
  }
  return StepKind::command;
}

}  // namespace

nlohmann::json to_json(const RunReport& report) {
  nlohmann::json steps = nlohmann::json::array();
  for (const StepRun& s : report.steps) {
    nlohmann::json targets = nlohmann::json::array();
    for (const TargetRun& t : s.targets) {
      targets.push_back({{"target", t.target},
                         {"started", t.started},
                         {"seconds", t.seconds},
                         {"outcome", to_string(t.outcome)},
                         {"detail", t.detail},
                         {"output", t.output},
                         {"attempts", t.attempts},
                         {"previous", t.previous}});
    }
    steps.push_back({{"name", s.name},
                     {"kind", to_string(s.kind)},
                     {"on_failure", s.on_failure},
                     {"automatic", s.automatic},
                     {"action", s.action},
                     {"started", s.started},
                     {"started_at", s.started_at},
                     {"seconds", s.seconds},
                     {"outcome", to_string(s.outcome)},
                     {"earlier", s.earlier},
                     {"targets", std::move(targets)}});
  }
  const auto optional = [](const std::string& text) {
    return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
  };
  return {{"runbook", report.runbook},
          {"run_id", report.run_id},
          {"release", report.release},
          {"dry_run", report.dry_run},
          {"started", report.started},
          {"started_at", report.started_at},
          {"seconds", report.seconds},
          {"status", optional(report.status)},
          {"running_step", optional(report.running_step)},
          {"resume_note", optional(report.resume_note)},
          {"outcome", to_string(report.outcome)},
          {"failed_step", optional(report.failed_step)},
          {"outage_seconds", report.outage_seconds ? nlohmann::json(*report.outage_seconds)
                                                   : nlohmann::json(nullptr)},
          {"steps", std::move(steps)},
          {"journal", report.journal.string()},
          {"exit_code", static_cast<int>(report.exit_code())}};
}

RunReport run_report_from_json(const nlohmann::json& doc) {
  const auto text = [](const nlohmann::json& j, const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
  };
  RunReport r;
  r.runbook = text(doc, "runbook");
  r.run_id = text(doc, "run_id");
  r.release = text(doc, "release");
  r.dry_run = doc.value("dry_run", false);
  r.started = text(doc, "started");
  r.started_at = doc.value("started_at", 0.0);
  r.seconds = doc.value("seconds", 0.0);
  r.status = text(doc, "status");
  r.running_step = text(doc, "running_step");
  r.resume_note = text(doc, "resume_note");
  r.outcome = outcome_from(text(doc, "outcome"));
  r.failed_step = text(doc, "failed_step");
  if (doc.contains("outage_seconds") && doc["outage_seconds"].is_number())
    r.outage_seconds = doc["outage_seconds"].get<double>();
  r.journal = text(doc, "journal");
  for (const nlohmann::json& s : doc.value("steps", nlohmann::json::array())) {
    StepRun step{.name = text(s, "name"),
                 .kind = kind_from(text(s, "kind")),
                 .on_failure = s.value("on_failure", false),
                 .automatic = s.value("automatic", false),
                 .action = text(s, "action"),
                 .started = text(s, "started"),
                 .started_at = s.value("started_at", 0.0),
                 .seconds = s.value("seconds", 0.0),
                 .outcome = outcome_from(text(s, "outcome")),
                 .earlier = s.value("earlier", false)};
    for (const nlohmann::json& t : s.value("targets", nlohmann::json::array())) {
      step.targets.push_back(TargetRun{.target = text(t, "target"),
                                       .started = text(t, "started"),
                                       .seconds = t.value("seconds", 0.0),
                                       .outcome = outcome_from(text(t, "outcome")),
                                       .detail = text(t, "detail"),
                                       .output = text(t, "output"),
                                       .attempts = t.value("attempts", 0),
                                       .previous = text(t, "previous")});
    }
    r.steps.push_back(std::move(step));
  }
  return r;
}

namespace {

// Whether a process holds the state directory's runbook lock. Only asked while the journal's
// process is alive, that is while it holds the lock itself (so the probe cannot get in the way
// of a run that is starting) or after its pid was reused.
bool lock_held(const std::filesystem::path& state_dir) {
  const int fd = ::open((state_dir / "runbook.lock").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
  ::close(fd);
  return held;
}

// Whether the process that wrote a journal still runs it.
bool alive(const std::filesystem::path& state_dir, const nlohmann::json& doc) {
  const int pid = doc.value("pid", 0);
  return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM) && lock_held(state_dir);
}

std::string last_id(const std::filesystem::path& state_dir) {
  std::ifstream in(state_dir / "runbooks" / "last");
  std::string id;
  std::getline(in, id);
  return id;
}

}  // namespace

namespace {

// Run `id`'s journal; `last` is the id in runbooks/last (read once by the caller).
std::optional<RunReport> read_journal(const std::filesystem::path& state_dir, const std::string& id,
                                      const std::string& last) {
  if (id.empty() || id.find('/') != std::string::npos || id.starts_with("."))
    return std::nullopt;
  const std::filesystem::path file = run_folder(state_dir, id) / "journal.json";
  std::ifstream in(file);
  if (!in)
    return std::nullopt;
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::failure, "journal " + file.string() + " is not readable: " + e.what());
  }
  RunReport report = run_report_from_json(doc);
  report.journal = file;
  if (report.status == "running" && (last != id || !alive(state_dir, doc)))
    report.status = "interrupted";
  return report;
}

}  // namespace

std::optional<RunReport> read_run(const std::filesystem::path& state_dir, const std::string& id) {
  const std::string last = last_id(state_dir);
  return read_journal(state_dir, id == "last" ? last : id, last);
}

std::vector<RunReport> list_runs(const std::filesystem::path& state_dir) {
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(state_dir / "runbooks", ec)) {
    if (entry.is_directory())
      ids.push_back(entry.path().filename().string());
  }
  std::sort(ids.begin(), ids.end());
  const std::string last = last_id(state_dir);
  std::vector<RunReport> out;
  for (const std::string& id : ids) {
    if (auto run = read_journal(state_dir, id, last))
      out.push_back(std::move(*run));
  }
  return out;
}

}  // namespace ferry::engine
