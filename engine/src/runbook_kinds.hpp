// Internal: what each runbook step kind does on its targets, and what a dry run says it would
// do. The runner (runbook_run.cpp) decides order, retries, journal and fail-back.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "ferry/engine/runbook.hpp"
#include "runbook_vars.hpp"

namespace ferry::engine {

// One place a step runs: this machine, a tenant or a node.
struct Target {
  std::string name;  // "local", or the tenant's or node's name
  std::string group;
  const NamedEndpoint* tenant = nullptr;
  const Node* node = nullptr;
};

// The targets of `on`, each once, grouped: groups of tenants in the config's order, then
// nodes in the config's order. No `on`: this machine.
std::vector<std::vector<Target>> resolve_targets(const Config& config,
                                                 const std::vector<std::string>& on);

VarScope scope_of(const Target& t);

// What a step needs from its run.
struct StepContext {
  const Config& config;
  const Runbook& book;
  const Variables& vars;
  const RunReport& report;              // run id, release, and the steps done so far (revert)
  std::filesystem::path output;         // the file for the target's (or step's) output
  const RunReport* reverted = nullptr;  // ferry run --revert: the run whose changes go back
};

// Kinds that run once for all their targets (ferry's own: one sync of the tenants, one push
// to the nodes), as opposed to once per target.
bool runs_whole_step(StepKind kind) noexcept;

// Per-target kinds. `value` is the kind's value (maintenance: on or off). describe() resolves
// every value but leaves the environment's as ${NAME}; execute() returns false with `why`
// when the target failed, and sets `previous` to what it replaced (revert).
std::string describe(const StepContext& ctx, const RunbookStep& step, const std::string& value,
                     const Target& target);
bool execute(const StepContext& ctx, const RunbookStep& step, const std::string& value,
             const Target& target, std::string& why, std::string& previous);

// Whole-step kinds: what it would do, and doing it; one result per target, in order.
std::string describe_whole(const StepContext& ctx, const RunbookStep& step,
                           const std::vector<Target>& targets);
std::vector<TargetRun> execute_whole(const StepContext& ctx, const RunbookStep& step,
                                     const std::vector<Target>& targets);

}  // namespace ferry::engine
