#include "ferry/engine/config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "ferry/common/error.hpp"
#include "ferry/common/url.hpp"
#include "ferry/engine/paths.hpp"
#include "ferry/transfer/transport.hpp"
#include "runbook_vars.hpp"
#include "yaml_reader.hpp"

namespace ferry::engine {
namespace {

// ferry.yaml's own values on top of the generic reader.
class Reader : public YamlReader {
 public:
  using YamlReader::YamlReader;

  NamedEndpoint endpoint(const YAML::Node& node, const std::string& key,
                         const std::string& name) const {
    NamedEndpoint out;
    out.name = name;
    // yaml-cpp's Node::operator= writes through to the node it refers to: rebind with reset().
    YAML::Node url_node;
    url_node.reset(node);
    std::optional<std::string> password_file;
    if (node.IsMap()) {
      // The master is a URL and its password; names and groups are the tenants'.
      if (key == "master") {
        only_keys(node, key, {"url", "password_file"});
      } else {
        only_keys(node, key, {"name", "url", "password_file", "group"});
      }
      url_node.reset(required(node, key, "url"));
      if (node["password_file"])
        password_file = text(node["password_file"], key + ".password_file");
      if (node["group"])
        out.group = text(node["group"], key + ".group");
    }
    const std::string url = text(url_node, key + (node.IsMap() ? ".url" : ""));
    try {
      out.endpoint = parse_endpoint(url);
    } catch (const Error& e) {
      fail(url_node, key, e.what());
    }
    // A relative SQLite path is relative to the config file, wherever ferry runs from.
    if (out.endpoint.dialect == Dialect::sqlite &&
        std::filesystem::path(out.endpoint.database).is_relative()) {
      out.endpoint.database = (file().parent_path() / out.endpoint.database).lexically_normal();
    }
    if (password_file) {
      std::filesystem::path path = *password_file;
      if (path.is_relative())
        path = file().parent_path() / path;
      std::optional<std::string> secret = read_secret_file(path.string());
      if (!secret)
        fail(node["password_file"], key + ".password_file", "cannot read " + path.string());
      out.endpoint.password = Secret(std::move(*secret));
    }
    return out;
  }

  MigrationSettings migrations(const YAML::Node& node, const std::filesystem::path& base) const {
    MigrationSettings out;
    out.dir = base / "migrations";
    if (node.IsScalar()) {
      out.dir = base / text(node, "migrations");
      return out;
    }
    only_keys(node, "migrations",
              {"dir", "format", "command", "status_command", "commands", "maintenance"});
    if (node["dir"])
      out.dir = base / text(node["dir"], "migrations.dir");
    if (node["format"]) {
      out.format = text(node["format"], "migrations.format");
      if (out.format != "ferry" && out.format != "flyway" && out.format != "golang-migrate" &&
          out.format != "prisma") {
        fail(node["format"], "migrations.format",
             "expected ferry, flyway, golang-migrate or prisma, got '" + out.format + "'");
      }
    }
    if (node["command"] && node["commands"])
      fail(node["commands"], "migrations.commands", "give command: or commands:, not both");
    if (node["command"]) {
      const auto runs = raw_list(node["command"], "migrations.command");
      const auto statuses = node["status_command"]
                                ? raw_list(node["status_command"], "migrations.status_command")
                                : std::vector<std::string>{};
      if (!statuses.empty() && statuses.size() != runs.size()) {
        fail(node["status_command"], "migrations.status_command",
             "expected one status command per command (" + std::to_string(runs.size()) + ")");
      }
      for (std::size_t i = 0; i < runs.size(); ++i) {
        out.commands.push_back(
            AppCommand{.name = runs.size() == 1 ? "app" : "app" + std::to_string(i + 1),
                       .run = runs[i],
                       .status = statuses.empty() ? "" : statuses[i]});
      }
    } else if (node["status_command"]) {
      fail(node["status_command"], "migrations.status_command", "needs migrations.command");
    }
    if (const YAML::Node list = node["commands"]) {
      if (!list.IsSequence())
        fail(list, "migrations.commands", "expected a list of {name, run, status}");
      for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string key = "migrations.commands[" + std::to_string(i) + "]";
        only_keys(list[i], key, {"name", "run", "status"});
        AppCommand c;
        c.name = text(required(list[i], key, "name"), key + ".name");
        c.run = raw(required(list[i], key, "run"), key + ".run");
        if (list[i]["status"])
          c.status = raw(list[i]["status"], key + ".status");
        for (const AppCommand& other : out.commands) {
          if (other.name == c.name)
            fail(list[i]["name"], key + ".name", "duplicate name '" + c.name + "'");
        }
        out.commands.push_back(std::move(c));
      }
    }
    if (const YAML::Node m = node["maintenance"]) {
      only_keys(m, "migrations.maintenance", {"on", "off", "flag"});
      if (m["flag"])
        out.maintenance.flag = raw(m["flag"], "migrations.maintenance.flag");
      for (const char* side : {"on", "off"}) {
        const std::string key = std::string("migrations.maintenance.") + side;
        const YAML::Node hook = m[side];
        if (!hook)
          continue;
        only_keys(hook, key, {"sql", "run"});
        if (static_cast<bool>(hook["sql"]) == static_cast<bool>(hook["run"]))
          fail(hook, key, "needs exactly one of sql or run");
        const bool on = std::string(side) == "on";
        std::string& target = hook["sql"] ? (on ? out.maintenance.on_sql : out.maintenance.off_sql)
                                          : (on ? out.maintenance.on_run : out.maintenance.off_run);
        target =
            raw(hook["sql"] ? hook["sql"] : hook["run"], key + (hook["sql"] ? ".sql" : ".run"));
      }
      const MaintenanceHooks& h = out.maintenance;
      if (h.on_sql.empty() != h.off_sql.empty() || h.on_run.empty() != h.off_run.empty())
        fail(m, "migrations.maintenance",
             "an on: hook needs the off: hook of the same kind (sql or run)");
      if (!h.flag.empty() && (!h.on_sql.empty() || !h.on_run.empty()))
        fail(m, "migrations.maintenance", "give flag: or on:/off:, not both");
    }
    return out;
  }

  Window window(const YAML::Node& node, const std::string& key, const std::string& zone) const {
    const std::string spec = text(node, key);
    const auto dash = spec.find('-');
    const auto start = parse_clock(spec.substr(0, dash));
    const auto end = dash == std::string::npos ? std::nullopt : parse_clock(spec.substr(dash + 1));
    if (!start || !end)
      fail(node, key, "expected \"HH:MM-HH:MM\", got '" + spec + "'");
    if (*start == *end)
      fail(node, key, "the window is empty");
    return Window{*start, *end, zone};
  }
};

}  // namespace

std::optional<int> parse_clock(std::string_view text) {
  while (!text.empty() && text.front() == ' ')
    text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ')
    text.remove_suffix(1);
  if (text.size() != 5 || text[2] != ':')
    return std::nullopt;
  for (std::size_t i : {0u, 1u, 3u, 4u}) {
    if (!std::isdigit(static_cast<unsigned char>(text[i])))
      return std::nullopt;
  }
  const int h = (text[0] - '0') * 10 + (text[1] - '0');
  const int m = (text[3] - '0') * 10 + (text[4] - '0');
  if (h > 24 || m > 59 || (h == 24 && m != 0))
    return std::nullopt;
  return h * 60 + m;
}

const NamedEndpoint* Config::find(std::string_view name) const noexcept {
  if (name == master.name)
    return &master;
  for (const NamedEndpoint& t : tenants) {
    if (t.name == name)
      return &t;
  }
  return nullptr;
}

std::vector<const Node*> Config::find_nodes(std::string_view name) const {
  std::vector<const Node*> out;
  for (const Node& n : nodes) {
    if (n.name == name)
      return {&n};
    if (n.group == name)
      out.push_back(&n);
  }
  return out;
}

Config load_config(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    throw Error(ErrorKind::config,
                "config file " + file.string() + " is a directory (pass -c PATH/ferry.yaml)");
  }
  const YAML::Node root = load_yaml(file, "config file", " (pass -c PATH or create ferry.yaml)");
  const Reader r(file);
  Config config;
  config.file = file;
  if (!root.IsMap()) {
    // An empty file has no position: point at its first line.
    const int line = std::max(root.Mark().line, 0) + 1;
    throw Error(ErrorKind::config, file.string() + ":" + std::to_string(line) +
                                       ": expected a mapping with master: and tenants:");
  }
  r.only_keys(root, "",
              {"version", "master", "tenants", "groups", "sync", "windows", "concurrency",
               "state_dir", "nodes", "aws", "runbooks", "snapshots", "migrations", "vars"});
  if (root["version"] && r.integer(root["version"], "version", 1, 1) != 1) {
    r.fail(root["version"], "version", "only version 1 is known");
  }
  config.master = r.endpoint(r.required(root, "", "master"), "master", "master");

  const YAML::Node tenants = r.required(root, "", "tenants");
  if (!tenants.IsSequence() || tenants.size() == 0) {
    r.fail(tenants, "tenants", "expected a non-empty list of tenants");
  }
  std::set<std::string> names{"master"};
  for (std::size_t i = 0; i < tenants.size(); ++i) {
    const std::string key = "tenants[" + std::to_string(i) + "]";
    const YAML::Node t = tenants[i];
    if (!t.IsMap())
      r.fail(t, key, "expected a mapping with name and url");
    const std::string name = r.text(r.required(t, key, "name"), key + ".name");
    if (!names.insert(name).second)
      r.fail(t["name"], key + ".name", "duplicate name '" + name + "'");
    config.tenants.push_back(r.endpoint(t, key, name));
  }
  // With groups: every tenant's group must be listed; without, groups run in the order
  // they first appear.
  const bool groups_given = static_cast<bool>(root["groups"]);
  if (groups_given)
    config.groups = r.list(root["groups"], "groups");
  for (std::size_t i = 0; i < config.tenants.size(); ++i) {
    const NamedEndpoint& t = config.tenants[i];
    if (t.group.empty())
      continue;
    if (std::find(config.groups.begin(), config.groups.end(), t.group) != config.groups.end())
      continue;
    if (groups_given) {
      r.fail(tenants[i]["group"], "tenants[" + std::to_string(i) + "].group",
             "group '" + t.group + "' is not in groups");
    }
    config.groups.push_back(t.group);
  }

  if (const YAML::Node nodes = root["nodes"]) {
    if (!nodes.IsSequence())
      r.fail(nodes, "nodes", "expected a list of nodes");
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const std::string key = "nodes[" + std::to_string(i) + "]";
      const YAML::Node n = nodes[i];
      r.only_keys(n, key, {"name", "target", "group", "ferry"});
      Node node;
      node.name = r.text(r.required(n, key, "name"), key + ".name");
      if (!names.insert(node.name).second)
        r.fail(n["name"], key + ".name", "duplicate name '" + node.name + "'");
      node.target = r.text(r.required(n, key, "target"), key + ".target");
      try {
        transfer::parse_target(node.target);
      } catch (const Error& e) {
        r.fail(n["target"], key + ".target", e.what());
      }
      if (n["group"])
        node.group = r.text(n["group"], key + ".group");
      if (n["ferry"])
        node.ferry = r.text(n["ferry"], key + ".ferry");
      config.nodes.push_back(std::move(node));
    }
  }

  if (const YAML::Node sync = root["sync"]) {
    r.only_keys(sync, "sync",
                {"tables", "include", "exclude", "deletes", "allow_drop", "privileges"});
    if (sync["tables"])
      config.sync.tables = r.list(sync["tables"], "sync.tables");
    if (sync["include"])
      config.sync.include = r.list(sync["include"], "sync.include");
    if (sync["exclude"])
      config.sync.exclude = r.list(sync["exclude"], "sync.exclude");
    if (sync["deletes"]) {
      const std::string d = r.text(sync["deletes"], "sync.deletes");
      if (d != "propagate" && d != "keep") {
        r.fail(sync["deletes"], "sync.deletes", "expected propagate or keep, got '" + d + "'");
      }
      config.sync.deletes = d == "keep" ? DeletesPolicy::keep : DeletesPolicy::propagate;
    }
    if (sync["allow_drop"])
      config.sync.allow_drop = r.boolean(sync["allow_drop"], "sync.allow_drop");
    if (sync["privileges"])
      config.sync.privileges = r.boolean(sync["privileges"], "sync.privileges");
  }
  if (const YAML::Node windows = root["windows"]) {
    r.only_keys(windows, "windows", {"full", "time_zone"});
    const std::string zone =
        windows["time_zone"] ? r.text(windows["time_zone"], "windows.time_zone") : "UTC";
    // A zone the tz database does not know is an error here, never UTC by default.
    if (!is_time_zone(zone)) {
      r.fail(windows["time_zone"] ? windows["time_zone"] : windows, "windows.time_zone",
             "unknown time zone '" + zone + "' (use a tz database name such as Europe/Amsterdam)");
    }
    if (windows["full"])
      config.full_window = r.window(windows["full"], "windows.full", zone);
  }
  if (const YAML::Node aws = root["aws"]) {
    r.only_keys(aws, "aws", {"profile", "region", "endpoint_url"});
    if (aws["profile"])
      config.aws.profile = r.text(aws["profile"], "aws.profile");
    if (aws["region"])
      config.aws.region = r.text(aws["region"], "aws.region");
    if (aws["endpoint_url"])
      config.aws.endpoint_url = r.text(aws["endpoint_url"], "aws.endpoint_url");
  }
  if (root["concurrency"])
    config.concurrency = r.integer(root["concurrency"], "concurrency", 1, 256);
  if (const YAML::Node snapshots = root["snapshots"]) {
    r.only_keys(snapshots, "snapshots", {"store"});
    if (snapshots["store"]) {
      config.snapshot_store = r.text(snapshots["store"], "snapshots.store");
      if (config.snapshot_store.is_relative())
        config.snapshot_store = file.parent_path() / config.snapshot_store;
    }
  }
  config.migrations.dir = file.parent_path() / "migrations";
  if (const YAML::Node m = root["migrations"])
    config.migrations = r.migrations(m, file.parent_path());
  if (const YAML::Node vars = root["vars"]) {
    if (!vars.IsMap())
      r.fail(vars, "vars", "expected a mapping of names to values");
    for (const auto& item : vars) {
      const std::string key = item.first.as<std::string>();
      if (is_builtin_variable(key))
        r.fail(item.first, "vars." + key, "is one of ferry's own variables");
      config.vars[key] = r.raw(item.second, "vars." + key);
    }
  }
  config.state_dir = root["state_dir"]
                         ? std::filesystem::path(r.text(root["state_dir"], "state_dir"))
                         : default_state_dir();
  if (config.state_dir.is_relative())
    config.state_dir = file.parent_path() / config.state_dir;
  return config;
}

}  // namespace ferry::engine
