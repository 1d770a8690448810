// Runbooks: loading and checking (ferry/engine/runbook.hpp), and their variables.
#include "ferry/engine/runbook.hpp"

#include <cstdlib>
#include <ctime>
#include <set>

#include "runbook_vars.hpp"
#include "yaml_reader.hpp"

namespace ferry::engine {

// ---- variables ----

bool is_builtin_variable(std::string_view name) noexcept {
  for (const char* builtin : {"release", "run_id", "tenant", "node", "group", "date", "time"}) {
    if (name == builtin)
      return true;
  }
  return false;
}

std::optional<std::vector<VariableUse>> variables_in(std::string_view text) {
  std::vector<VariableUse> out;
  const auto scanned = substitute(text, [&](const std::string& name, const std::string& rest) {
    out.push_back(VariableUse{.name = name, .has_default = rest.starts_with("-")});
    return std::string();
  });
  if (!scanned)
    return std::nullopt;
  return out;
}

Variables::Variables(std::map<std::string, std::string> values,
                     std::chrono::system_clock::time_point now)
    : m_values(std::move(values)), m_now(now) {}

std::optional<std::string> Variables::lookup(const std::string& name, const VarScope& scope) const {
  if (name == "tenant" && !scope.tenant.empty())
    return scope.tenant;
  if (name == "node" && !scope.node.empty())
    return scope.node;
  if (name == "group" && !scope.group.empty())
    return scope.group;
  if (const auto it = m_values.find(name); it != m_values.end())
    return it->second;
  return std::nullopt;
}

std::string Variables::resolve(std::string_view text, const VarScope& scope, bool display) const {
  const auto out = substitute(text, [&](const std::string& name, const std::string& rest) {
    const bool has_default = rest.starts_with("-");
    if ((name == "date" || name == "time") && !has_default) {
      const std::time_t t = std::chrono::system_clock::to_time_t(m_now);
      std::tm tm{};
      ::gmtime_r(&t, &tm);
      char buf[128];
      const std::string format = !rest.empty() ? rest : name == "date" ? "%Y-%m-%d" : "%H%M%S";
      std::strftime(buf, sizeof buf, format.c_str(), &tm);
      return std::string(buf);
    }
    if (auto value = lookup(name, scope))
      return *value;
    if (const char* env = std::getenv(name.c_str()); env != nullptr && *env != '\0')
      return display ? "${" + name + "}" : std::string(env);
    if (has_default)
      return rest.substr(1);
    throw Error(ErrorKind::config, "variable " + name + " is not defined (in '" +
                                       std::string(text) + "'; --set " + name +
                                       "=VALUE or vars: defines it)");
  });
  if (!out)
    throw Error(ErrorKind::config, "unterminated ${ in '" + std::string(text) + "'");
  return *out;
}

// ---- loading ----

const char* to_string(StepKind kind) noexcept {
  switch (kind) {
    case StepKind::command:
      return "command";
    case StepKind::maintenance:
      return "maintenance";
    case StepKind::confirm:
      return "confirm";
  }
  return "command";
}

namespace {

// Kinds the runbook format names that this version cannot run yet: a runbook using one is
// refused at load, never half-run.
constexpr const char* k_later_kinds[] = {"sync",       "push",       "flip",        "rollback",
                                         "purge",      "disk-check", "ecs-restart", "ecs-scale",
                                         "dns-switch", "wait-http",  "notify",      "snapshot",
                                         "restore",    "copy",       "migrate"};

struct KindSpec {
  StepKind kind;
  const char* key;
  std::set<std::string> params;
};

const std::vector<KindSpec>& kind_specs() {
  static const std::vector<KindSpec> specs = {
      {StepKind::command, "command", {}},
      {StepKind::maintenance, "maintenance", {"flag", "sql", "run"}},
      {StepKind::confirm, "confirm", {}},
  };
  return specs;
}

std::chrono::milliseconds duration(const YamlReader& r, const YAML::Node& node,
                                   const std::string& key) {
  const std::string text = r.raw(node, key);
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    r.fail(node, key, "expected a duration such as 30s, 5m or 1h, got '" + text + "'");
  }
  const std::string unit = text.substr(used);
  const double scale = unit == "ms"                  ? 0.001
                       : unit == "s" || unit.empty() ? 1
                       : unit == "m"                 ? 60
                       : unit == "h"                 ? 3600
                                                     : -1;
  if (scale < 0 || value < 0)
    r.fail(node, key, "expected a duration such as 30s, 5m or 1h, got '" + text + "'");
  return std::chrono::milliseconds(static_cast<long long>(value * scale * 1000));
}

class RunbookLoader {
 public:
  RunbookLoader(const Config& config, const std::map<std::string, std::string>& sets)
      : m_config(config), m_sets(sets) {}

  Runbook load(const YamlReader& r, const YAML::Node& node, const std::string& name,
               const std::string& where) {
    Runbook book;
    book.name = name;
    book.file = r.file();
    const std::string prefix = where.empty() ? "" : where + ".";
    r.only_keys(node, where, {"description", "release", "vars", "steps", "on_failure"});
    if (node["vars"]) {
      const YAML::Node vars = node["vars"];
      if (!vars.IsMap())
        r.fail(vars, prefix + "vars", "expected a mapping of names to values");
      for (const auto& item : vars) {
        const std::string key = item.first.as<std::string>();
        if (is_builtin_variable(key))
          r.fail(item.first, prefix + "vars." + key, "is one of ferry's own variables");
        book.vars[key] = r.raw(item.second, prefix + "vars." + key);
      }
    }
    if (node["release"])
      book.release = r.raw(node["release"], prefix + "release");
    m_defined = book.vars;
    for (const auto& [key, value] : m_sets)
      m_defined[key] = value;
    for (const auto& [key, value] : book.vars)
      check_variables(r, node["vars"][key], prefix + "vars." + key, value);
    if (node["release"])
      check_variables(r, node["release"], prefix + "release", book.release);

    const YAML::Node steps = r.required(node, where, "steps");
    book.steps = load_steps(r, steps, prefix + "steps");
    if (node["on_failure"])
      book.on_failure = load_steps(r, node["on_failure"], prefix + "on_failure");
    return book;
  }

 private:
  std::vector<RunbookStep> load_steps(const YamlReader& r, const YAML::Node& list,
                                      const std::string& where) {
    if (!list.IsSequence() || list.size() == 0)
      r.fail(list, where, "expected a non-empty list of steps");
    std::vector<RunbookStep> out;
    std::set<std::string> names;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string key = where + "[" + std::to_string(i) + "]";
      RunbookStep step = load_step(r, list[i], key);
      if (!names.insert(step.name).second)
        r.fail(list[i]["name"], key + ".name", "duplicate step name '" + step.name + "'");
      out.push_back(std::move(step));
    }
    return out;
  }

  RunbookStep load_step(const YamlReader& r, const YAML::Node& node, const std::string& key) {
    if (!node.IsMap())
      r.fail(node, key, "expected a mapping with name and a step kind");
    RunbookStep step;
    step.file = r.file();
    step.line = node.Mark().line + 1;
    step.name = r.raw(r.required(node, key, "name"), key + ".name");
    const KindSpec* spec = nullptr;
    for (const KindSpec& s : kind_specs()) {
      if (node[s.key]) {
        if (spec != nullptr)
          r.fail(node, key,
                 std::string("a step has one kind; found ") + spec->key + " and " + s.key);
        spec = &s;
      }
    }
    if (spec == nullptr) {
      for (const char* later : k_later_kinds) {
        if (node[later]) {
          r.fail(node[later], key + "." + later,
                 std::string("step kind '") + later +
                     "' is not available in this version of ferry (available: command, "
                     "maintenance, confirm)");
        }
      }
      r.fail(node, key, "no step kind (expected one of: command, maintenance, confirm)");
    }
    step.kind = spec->kind;
    std::set<std::string> allowed = spec->params;
    allowed.insert(
        {"name", spec->key, "on", "timeout", "retries", "backoff", "continue_on_error", "danger"});
    r.only_keys(node, key, allowed);
    step.value = r.raw(node[spec->key], key + "." + spec->key);
    check_variables(r, node[spec->key], key + "." + spec->key, step.value);
    for (const std::string& param : spec->params) {
      if (node[param]) {
        step.params[param] = r.raw(node[param], key + "." + param);
        check_variables(r, node[param], key + "." + param, step.params[param]);
      }
    }
    if (node["on"]) {
      step.on = r.raw_list(node["on"], key + ".on");
      for (const std::string& target : step.on) {
        if (!known_target(target)) {
          r.fail(node["on"], key + ".on",
                 "unknown target '" + target +
                     "' (expected local, a tenant, a group of tenants, a node or a group of "
                     "nodes from the config)");
        }
      }
    }
    if (node["timeout"])
      step.timeout = duration(r, node["timeout"], key + ".timeout");
    if (node["retries"])
      step.retries = r.integer(node["retries"], key + ".retries", 0, 100);
    if (node["backoff"])
      step.backoff = duration(r, node["backoff"], key + ".backoff");
    if (node["continue_on_error"])
      step.continue_on_error = r.boolean(node["continue_on_error"], key + ".continue_on_error");
    if (node["danger"])
      step.danger = r.boolean(node["danger"], key + ".danger");

    if (step.kind == StepKind::maintenance) {
      if (step.value != "on" && step.value != "off")
        r.fail(node["maintenance"], key + ".maintenance", "expected on or off");
      const int ways = static_cast<int>(step.params.size());
      if (ways != 1)
        r.fail(node, key, "maintenance needs exactly one of flag, sql or run");
      if (step.params.contains("flag")) {
        const std::filesystem::path flag = step.params["flag"];
        bool escapes = flag.is_absolute();
        for (const auto& part : flag)
          escapes = escapes || part == "..";
        if (escapes)
          r.fail(node["flag"], key + ".flag", "must be a path inside the node's root, without ..");
        if (step.on.empty())
          r.fail(node, key, "a maintenance flag is set on nodes: add on: with nodes");
      }
      if (step.params.contains("sql") && step.on.empty())
        r.fail(node, key, "maintenance by sql runs on tenants: add on: with tenants or groups");
    }
    return step;
  }

  bool known_target(const std::string& target) const {
    if (target == "local")
      return true;
    if (m_config.find(target) != nullptr || !m_config.find_nodes(target).empty())
      return true;
    return std::find(m_config.groups.begin(), m_config.groups.end(), target) !=
           m_config.groups.end();
  }

  void check_variables(const YamlReader& r, const YAML::Node& node, const std::string& key,
                       const std::string& text) const {
    const auto uses = variables_in(text);
    if (!uses)
      r.fail(node, key, "unterminated ${ in '" + text + "'");
    for (const VariableUse& use : *uses) {
      if (use.has_default || is_builtin_variable(use.name) || m_defined.contains(use.name))
        continue;
      const char* env = std::getenv(use.name.c_str());
      if (env != nullptr && *env != '\0')
        continue;
      r.fail(node, key,
             "variable " + use.name + " is not defined (--set " + use.name +
                 "=VALUE, vars: in the runbook, or the environment defines it)");
    }
  }

  const Config& m_config;
  const std::map<std::string, std::string>& m_sets;
  std::map<std::string, std::string> m_defined;
};

std::filesystem::path runbook_folder(const Config& config) {
  return config.file.parent_path() / "runbooks";
}

}  // namespace

Runbook load_runbook(const Config& config, const std::string& name,
                     const std::map<std::string, std::string>& sets) {
  RunbookLoader loader(config, sets);
  const YAML::Node root = load_yaml(config.file, "config file");
  if (root.IsMap() && root["runbooks"]) {
    const YamlReader r(config.file);
    const YAML::Node books = root["runbooks"];
    if (!books.IsMap())
      r.fail(books, "runbooks", "expected a mapping of runbook names to runbooks");
    if (books[name])
      return loader.load(r, books[name], name, "runbooks." + name);
  }
  const std::filesystem::path file = runbook_folder(config) / (name + ".yaml");
  std::error_code ec;
  if (name.find('/') == std::string::npos && std::filesystem::is_regular_file(file, ec)) {
    const YamlReader r(file);
    return loader.load(r, load_yaml(file, "runbook"), name, "");
  }
  std::string known;
  for (const std::string& n : runbook_names(config))
    known += (known.empty() ? "" : ", ") + n;
  throw Error(ErrorKind::config, "no runbook '" + name + "' in " + config.file.string() +
                                     " (runbooks:) or " + file.string() +
                                     (known.empty() ? "" : " (runbooks: " + known + ")"));
}

std::vector<std::string> runbook_names(const Config& config) {
  std::set<std::string> names;
  const YAML::Node root = load_yaml(config.file, "config file");
  if (root.IsMap() && root["runbooks"] && root["runbooks"].IsMap()) {
    for (const auto& item : root["runbooks"])
      names.insert(item.first.as<std::string>());
  }
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(runbook_folder(config), ec)) {
    if (entry.path().extension() == ".yaml")
      names.insert(entry.path().stem().string());
  }
  return {names.begin(), names.end()};
}

}  // namespace ferry::engine
