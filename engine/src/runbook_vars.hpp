// Internal: the variables of a runbook run and their substitution.
//
//   ${name}            a value: ferry's own (release, run_id, tenant, node, group, date,
//                      time), the runbook's `vars:`, --set, else the environment
//   ${name:-default}   the default when the name has no value
//   ${date:FORMAT}     the run's start date or time, as strftime() formats it (UTC)
#pragma once

#include <chrono>
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
  std::string resolve(std::string_view text, const VarScope& scope, bool display = false) const;

  void set(const std::string& name, std::string value) { m_values[name] = std::move(value); }
  const std::map<std::string, std::string>& values() const { return m_values; }

 private:
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

// The names ferry itself defines in every run or step.
bool is_builtin_variable(std::string_view name) noexcept;

}  // namespace ferry::engine
