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

std::string Variables::resolve(std::string_view text, const VarScope& scope, bool display,
                               int depth) const {
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
    if (auto value = lookup(name, scope)) {
      const bool own = name == "tenant" || name == "node" || name == "group";
      if (own || value->find("${") == std::string::npos)
        return *value;
      if (depth >= 8)
        throw Error(ErrorKind::config,
                    "variable " + name + " names itself (in '" + std::string(text) + "')");
      return resolve(*value, scope, display, depth + 1);
    }
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

std::string maintenance_means(const RunbookStep& step) {
  if (const auto it = step.params.find("flag"); it != step.params.end())
    return "flag:" + it->second;
  return step.params.contains("sql") ? "sql" : "run";
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(std::string(text), &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const std::string_view unit = text.substr(used);
  const double scale = unit == "ms"                  ? 0.001
                       : unit == "s" || unit.empty() ? 1
                       : unit == "m"                 ? 60
                       : unit == "h"                 ? 3600
                       : unit == "d"                 ? 86400
                                                     : -1;
  if (scale < 0 || value < 0)
    return std::nullopt;
  return std::chrono::milliseconds(static_cast<long long>(value * scale * 1000));
}

std::optional<Margin> parse_margin(std::string_view text) {
  if (text.empty())
    return std::nullopt;
  std::size_t digits = 0;
  while (digits < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[digits])) != 0 || text[digits] == '.'))
    ++digits;
  if (digits == 0)
    return std::nullopt;
  double value = 0;
  try {
    value = std::stod(std::string(text.substr(0, digits)));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const std::string_view unit = text.substr(digits);
  if (unit == "%")
    return value <= 1000 ? std::optional(Margin{.percent = value}) : std::nullopt;
  double scale = 0;
  if (unit.empty() || unit == "B")
    scale = 1;
  else if (unit == "K")
    scale = 1024.0;
  else if (unit == "M")
    scale = 1024.0 * 1024;
  else if (unit == "G")
    scale = 1024.0 * 1024 * 1024;
  else if (unit == "T")
    scale = 1024.0 * 1024 * 1024 * 1024;
  else
    return std::nullopt;
  return Margin{.bytes = static_cast<std::uint64_t>(value * scale)};
}

// ---- loading ----

namespace {

// Where a kind's steps run.
enum class Targets {
  any,      // this machine, tenants or nodes (command, maintenance)
  local,    // this machine only: the hook calls an API (AWS, DNS, HTTP)
  tenants,  // tenants or groups of tenants, required
  nodes,    // nodes or groups of nodes, required
};

struct KindSpec {
  StepKind kind;
  const char* key;
  std::set<std::string> params;
  Targets targets;
  bool idempotent;  // may run again after it half-ran
};

const std::vector<KindSpec>& kind_specs() {
  static const std::vector<KindSpec> specs = {
      {StepKind::command, "command", {}, Targets::any, false},
      {StepKind::maintenance, "maintenance", {"flag", "sql", "run"}, Targets::any, true},
      {StepKind::confirm, "confirm", {}, Targets::local, true},
      {StepKind::sync, "sync", {}, Targets::tenants, true},
      {StepKind::push, "push", {"release"}, Targets::nodes, true},
      {StepKind::flip, "flip", {}, Targets::nodes, true},
      {StepKind::rollback, "rollback", {}, Targets::nodes, false},
      {StepKind::purge, "purge", {}, Targets::nodes, true},
      {StepKind::disk_check, "disk-check", {"release", "margin"}, Targets::nodes, true},
      {StepKind::ecs_restart, "ecs-restart", {"services", "interval"}, Targets::local, true},
      {StepKind::ecs_scale, "ecs-scale", {"cluster", "services", "interval"}, Targets::local, true},
      {StepKind::dns_switch,
       "dns-switch",
       {"to", "type", "ttl", "server", "key", "zone", "hosted_zone", "interval"},
       Targets::local,
       true},
      {StepKind::wait_http, "wait-http", {"status", "contains", "interval"}, Targets::local, true},
      {StepKind::notify, "notify", {"webhook", "run"}, Targets::local, false},
      {StepKind::revert, "revert", {}, Targets::local, true},
      // A half-run snapshot left no manifest and runs again; one that finished has its name.
      {StepKind::snapshot,
       "snapshot",
       {"store", "as", "tables", "exclude", "jobs"},
       Targets::local,
       false},
      // Restore and copy pick up an interrupted load of the same source (--resume).
      {StepKind::restore,
       "restore",
       {"store", "to", "tables", "exclude", "jobs"},
       Targets::local,
       true},
      {StepKind::copy, "copy", {"to", "tables", "exclude", "jobs"}, Targets::local, true},
      // The history table says what ran: a tenant cut short continues where it stopped.
      {StepKind::migrate, "migrate", {"to"}, Targets::tenants, true},
  };
  return specs;
}

const KindSpec& spec_of(StepKind kind) {
  for (const KindSpec& s : kind_specs()) {
    if (s.kind == kind)
      return s;
  }
  return kind_specs().front();
}

std::string kind_list() {
  std::string out;
  for (const KindSpec& s : kind_specs())
    out += (out.empty() ? "" : ", ") + std::string(s.key);
  return out;
}

// The keys every step may have besides its kind and the kind's own.
const std::set<std::string> k_step_keys = {
    "name", "on", "timeout", "retries", "backoff", "continue_on_error", "danger", "idempotent"};

}  // namespace

const char* to_string(StepKind kind) noexcept {
  return spec_of(kind).key;
}

bool is_idempotent(StepKind kind) noexcept {
  return spec_of(kind).idempotent;
}

namespace {

std::chrono::milliseconds duration(const YamlReader& r, const YAML::Node& node,
                                   const std::string& key) {
  const std::string text = r.raw(node, key);
  const auto value = parse_duration(text);
  if (!value)
    r.fail(node, key, "expected a duration such as 30s, 5m or 1h, got '" + text + "'");
  return *value;
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
    check_reverts(r, node, prefix, book);
    check_maintenance_off(r, node, prefix, book);
    return book;
  }

 private:
  // A revert step names an earlier step of the runbook whose change it undoes.
  static void check_reverts(const YamlReader& r, const YAML::Node& node, const std::string& prefix,
                            const Runbook& book) {
    const auto check = [&](const std::vector<RunbookStep>& list, const char* list_key,
                           bool all_main) {
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (list[i].kind != StepKind::revert)
          continue;
        const auto last = all_main ? book.steps.end() : book.steps.begin() + static_cast<long>(i);
        const auto it = std::find_if(book.steps.begin(), last,
                                     [&](const RunbookStep& s) { return s.name == list[i].value; });
        const std::string key = prefix + list_key + "[" + std::to_string(i) + "].revert";
        if (it == last)
          r.fail(node[list_key][i]["revert"], key,
                 "no earlier step named '" + list[i].value + "' to revert");
        if (it->kind != StepKind::dns_switch && it->kind != StepKind::ecs_scale)
          r.fail(node[list_key][i]["revert"], key,
                 "step '" + it->name + "' is a " + to_string(it->kind) +
                     " step; revert undoes dns-switch and ecs-scale steps");
      }
    };
    check(book.steps, "steps", false);
    check(book.on_failure, "on_failure", true);
  }

  // After a failure ferry turns maintenance off by the runbook's own off step; a flag it can
  // remove by itself, SQL and commands it cannot guess.
  static void check_maintenance_off(const YamlReader& r, const YAML::Node& node,
                                    const std::string& prefix, const Runbook& book) {
    for (std::size_t i = 0; i < book.steps.size(); ++i) {
      const RunbookStep& on = book.steps[i];
      if (on.kind != StepKind::maintenance || on.value != "on" || on.params.contains("flag"))
        continue;
      const std::string means = maintenance_means(on);
      const bool has_off =
          std::any_of(book.steps.begin(), book.steps.end(), [&](const RunbookStep& s) {
            return s.kind == StepKind::maintenance && s.value == "off" &&
                   maintenance_means(s) == means;
          });
      if (!has_off)
        r.fail(node["steps"][i], prefix + "steps[" + std::to_string(i) + "]",
               "maintenance on by " + means + " needs a maintenance: off step by " + means +
                   " in the runbook (ferry runs it after a failure for targets still in "
                   "maintenance)");
    }
  }

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
      for (const auto& item : node) {
        const std::string k = item.first.as<std::string>();
        if (!k_step_keys.contains(k))
          r.fail(item.first, key + "." + k,
                 "unknown step kind '" + k + "' (expected one of: " + kind_list() + ")");
      }
      r.fail(node, key, "no step kind (expected one of: " + kind_list() + ")");
    }
    step.kind = spec->kind;
    std::set<std::string> allowed = spec->params;
    allowed.insert(k_step_keys.begin(), k_step_keys.end());
    allowed.insert(spec->key);
    r.only_keys(node, key, allowed);
    step.value = r.raw(node[spec->key], key + "." + spec->key);
    check_variables(r, node[spec->key], key + "." + spec->key, step.value);
    for (const std::string& param : spec->params) {
      if (!node[param])
        continue;
      // A list (services: [api, worker]) is kept as its items joined by commas.
      if (node[param].IsSequence()) {
        for (const std::string& item : r.raw_list(node[param], key + "." + param))
          step.params[param] += (step.params[param].empty() ? "" : ",") + item;
      } else {
        step.params[param] = r.raw(node[param], key + "." + param);
      }
      check_variables(r, node[param], key + "." + param, step.params[param]);
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
    if (node["idempotent"])
      step.idempotent = r.boolean(node["idempotent"], key + ".idempotent");
    check_targets(r, node, key, *spec, step);
    check_values(r, node, key, step);

    if ((step.kind == StepKind::restore || step.kind == StepKind::copy) &&
        !step.params.contains("to")) {
      r.fail(node, key, std::string(spec->key) + " needs to: the database to load");
    }
    if ((step.kind == StepKind::snapshot || step.kind == StepKind::restore) &&
        !step.params.contains("store") && m_config.snapshot_store.empty()) {
      r.fail(node, key,
             std::string(spec->key) + " needs store: (or snapshots.store in the config)");
    }
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

  void check_targets(const YamlReader& r, const YAML::Node& node, const std::string& key,
                     const KindSpec& spec, const RunbookStep& step) const {
    const bool local_only = step.on.empty() || (step.on.size() == 1 && step.on.front() == "local");
    switch (spec.targets) {
      case Targets::any:
        return;
      case Targets::local:
        if (!local_only)
          r.fail(node["on"], key + ".on",
                 std::string("a ") + spec.key + " step runs on this machine: remove on:");
        return;
      case Targets::tenants:
        for (const std::string& target : step.on) {
          if (!is_tenant_target(target))
            r.fail(node["on"], key + ".on",
                   "'" + target + "' is not a tenant or a group of tenants (a " + spec.key +
                       " step runs on tenants)");
        }
        break;
      case Targets::nodes:
        for (const std::string& target : step.on) {
          if (m_config.find_nodes(target).empty())
            r.fail(node["on"], key + ".on",
                   "'" + target + "' is not a node or a group of nodes (a " + spec.key +
                       " step runs on nodes)");
        }
        break;
    }
    if (step.on.empty())
      r.fail(node, key,
             std::string("a ") + spec.key + " step needs on: with " +
                 (spec.targets == Targets::tenants ? "tenants or groups" : "nodes or node groups"));
  }

  // The values each kind needs, checked when they hold no variables (those are checked when
  // the step runs).
  void check_values(const YamlReader& r, const YAML::Node& node, const std::string& key,
                    const RunbookStep& step) const {
    const std::string main_key = key + "." + to_string(step.kind);
    const YAML::Node main = node[to_string(step.kind)];
    const auto fixed = [](const std::string& text) { return text.find("${") == std::string::npos; };
    const auto param_node = [&](const char* name) { return node[name] ? node[name] : node; };
    switch (step.kind) {
      case StepKind::migrate:
        if (step.value != "up" && step.value != "down")
          r.fail(main, main_key, "expected up or down");
        if (step.value == "down" && !step.params.contains("to"))
          r.fail(node, key, "migrate: down needs to: the version to go back to (0: all)");
        break;
      case StepKind::sync:
        if (step.value != "structure" && step.value != "full" && step.value != "auto")
          r.fail(main, main_key, "expected structure, full or auto (the window decides)");
        break;
      case StepKind::purge:
        if (fixed(step.value))
          r.integer(main, main_key, 1, 100000);
        break;
      case StepKind::ecs_scale:
        if (fixed(step.value))
          r.integer(main, main_key, 0, 100000);
        if (!step.params.contains("cluster"))
          r.fail(node, key, "ecs-scale needs cluster:");
        [[fallthrough]];
      case StepKind::ecs_restart:
        if (!step.params.contains("services"))
          r.fail(node, key, std::string(to_string(step.kind)) + " needs services:");
        break;
      case StepKind::dns_switch: {
        if (!step.params.contains("to"))
          r.fail(node, key, "dns-switch needs to: (the record's new value)");
        const bool route53 = step.params.contains("hosted_zone");
        if (route53 && (step.params.contains("server") || step.params.contains("key")))
          r.fail(node, key,
                 "dns-switch goes to Route 53 (hosted_zone:) or to a server (server:), "
                 "not both");
        if (!route53 && (!step.params.contains("server") || !step.params.contains("zone")))
          r.fail(node, key,
                 "dns-switch needs hosted_zone: (Route 53) or server: and zone: (RFC 2136)");
        if (step.params.contains("type")) {
          const std::string& type = step.params.at("type");
          if (type != "A" && type != "AAAA" && type != "CNAME" && type != "TXT")
            r.fail(node["type"], key + ".type", "expected A, AAAA, CNAME or TXT");
        }
        if (step.params.contains("ttl") && fixed(step.params.at("ttl")))
          r.integer(node["ttl"], key + ".ttl", 0, 604800);
        break;
      }
      case StepKind::wait_http:
        if (step.params.contains("status"))
          r.integer(node["status"], key + ".status", 100, 599);
        break;
      case StepKind::notify:
        if (step.params.contains("webhook") == step.params.contains("run"))
          r.fail(node, key, "notify needs exactly one of webhook: (a URL) or run: (a command)");
        break;
      case StepKind::disk_check:
        if (step.params.contains("margin") && fixed(step.params.at("margin")) &&
            !parse_margin(step.params.at("margin")))
          r.fail(node["margin"], key + ".margin",
                 "expected bytes (such as 500M or 2G) or a percentage of the new bytes (20%)");
        break;
      default:
        break;
    }
    if (step.params.contains("interval"))
      duration(r, param_node("interval"), key + ".interval");
  }

  bool is_tenant_target(const std::string& target) const {
    const NamedEndpoint* t = m_config.find(target);
    if (t != nullptr)
      return t != &m_config.master;
    return std::find(m_config.groups.begin(), m_config.groups.end(), target) !=
           m_config.groups.end();
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
