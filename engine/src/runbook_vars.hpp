// Internal: what the runbook loader (runbook.cpp) shares with the runner: the variables of a
// run and their substitution, durations, disk margins, the means of maintenance steps.
//
//   ${name}            a value: ferry's own (release, run_id, tenant, node, group, date,
//                      time), the runbook's `vars:`, --set, else the environment
//   ${name:-default}   the default when the name has no value
//   ${date:FORMAT}     the run's start date or time, as strftime() formats it (UTC)
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::engine {

// Where a step runs, for ${tenant}, ${node} and ${group}.
struct VarScope {
  std::string tenant;
  std::string node;
  std::string group;
};

class Variables {
 public:
  Variables(std::map<std::string, std::string> values, std::chrono::system_clock::time_point now);

  // The text with every variable replaced. With `display`, values from the environment stay
  // written as ${NAME}, so reports, journals and dry runs never show a secret kept there.
  // Throws Error(config) naming an undefined variable.
  // A value from vars: or --set may itself name variables (`--account ${tenant}`): they are
  // resolved in turn, up to a depth that stops a variable naming itself.
  std::string resolve(std::string_view text, const VarScope& scope, bool display = false) const {
    return resolve(text, scope, display, 0);
  }

  void set(const std::string& name, std::string value) { m_values[name] = std::move(value); }
  const std::map<std::string, std::string>& values() const { return m_values; }

 private:
  std::string resolve(std::string_view text, const VarScope& scope, bool display, int depth) const;
  std::optional<std::string> lookup(const std::string& name, const VarScope& scope) const;

  std::map<std::string, std::string> m_values;
  std::chrono::system_clock::time_point m_now;
};

// A variable named in a text: its name and whether it has a default or a format.
struct VariableUse {
  std::string name;
  bool has_default = false;
};
// Every ${...} in `text`; std::nullopt when a ${ is not closed.
std::optional<std::vector<VariableUse>> variables_in(std::string_view text);

struct RunbookStep;
// How a maintenance step turns maintenance on or off: "flag:PATH", "sql" or "run".
std::string maintenance_means(const RunbookStep& step);

// "30s", "5m", "1h", "7d", "250ms" (a bare number is seconds); nullopt when it is not one.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// A disk-check margin: bytes ("500M", "2G", "1048576") or a share of the new bytes ("20%").
struct Margin {
  std::uint64_t bytes = 0;
  double percent = 0;
  std::uint64_t of(std::uint64_t new_bytes) const {
    return bytes + static_cast<std::uint64_t>(static_cast<double>(new_bytes) * percent / 100);
  }
};
std::optional<Margin> parse_margin(std::string_view text);

// The names ferry itself defines in every run or step.
bool is_builtin_variable(std::string_view name) noexcept;

}  // namespace ferry::engine
