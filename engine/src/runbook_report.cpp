// Reports of runbook runs, for humans and for machines.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "ferry/engine/runbook.hpp"

namespace ferry::engine {
namespace {

std::string clock_text(double seconds) {
  const long total = static_cast<long>(seconds + 0.5);
  if (total < 60)
    return fmt::format("{:.1f}s", seconds);
  return fmt::format("{}h {:02}m {:02}s", total / 3600, (total / 60) % 60, total % 60);
}

}  // namespace

std::string render_text(const RunReport& report) {
  std::size_t width = 4;
  for (const StepRun& s : report.steps)
    width = std::max(width, s.name.size() + (s.on_failure ? 2 : 0));
  std::string out =
      fmt::format("runbook {}, run {}, release {}{}\n", report.runbook, report.run_id,
                  report.release, report.dry_run ? " (dry run: nothing was run)" : "");
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
                           : clock_text(s.seconds),
                       targets);
    for (const TargetRun& t : s.targets) {
      if (report.dry_run && !t.detail.empty())
        out += fmt::format("    {}: {}\n", t.target, t.detail);
      else if (t.outcome == Outcome::failed)
        out += fmt::format("    {}: failed{}: {}{}\n", t.target,
                           t.attempts > 1 ? fmt::format(" ({} tries)", t.attempts) : "", t.detail,
                           t.output.empty() ? "" : "\n    output: " + t.output);
    }
  }
  out += fmt::format("total {}", clock_text(report.seconds));
  if (report.outage_seconds)
    out += fmt::format(", outage {} (maintenance on to off)", clock_text(*report.outage_seconds));
  out += fmt::format(": {}\n", report.outcome == Outcome::failed
                                   ? "failed at '" + report.failed_step + "'"
                                   : to_string(report.outcome));
  if (!report.journal.empty())
    out += "journal: " + report.journal.string() + "\n";
  return out;
}

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
                         {"attempts", t.attempts}});
    }
    steps.push_back({{"name", s.name},
                     {"kind", to_string(s.kind)},
                     {"on_failure", s.on_failure},
                     {"automatic", s.automatic},
                     {"started", s.started},
                     {"seconds", s.seconds},
                     {"outcome", to_string(s.outcome)},
                     {"targets", std::move(targets)}});
  }
  return {{"runbook", report.runbook},
          {"run_id", report.run_id},
          {"release", report.release},
          {"dry_run", report.dry_run},
          {"started", report.started},
          {"seconds", report.seconds},
          {"outcome", to_string(report.outcome)},
          {"failed_step", report.failed_step.empty() ? nlohmann::json(nullptr)
                                                     : nlohmann::json(report.failed_step)},
          {"outage_seconds", report.outage_seconds ? nlohmann::json(*report.outage_seconds)
                                                   : nlohmann::json(nullptr)},
          {"steps", std::move(steps)},
          {"journal", report.journal.string()},
          {"exit_code", static_cast<int>(report.exit_code())}};
}

}  // namespace ferry::engine
