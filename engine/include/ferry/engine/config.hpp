// ferry.yaml: the master, the tenants and their groups, the sync policy, the windows, the
// state directory, the nodes that releases are pushed to, the AWS settings of the deploy hooks
// (docs/config.md). Runbooks are read by runbook.hpp from the same file.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ferry/common/endpoint.hpp"
#include "ferry/deploy_hooks/aws.hpp"
#include "ferry/engine/data_sync.hpp"

namespace ferry::engine {

struct NamedEndpoint {
  std::string name;
  Endpoint endpoint;
  std::string group;  // tenants only
};

// A daily window in a time zone, e.g. 22:00-04:00 Europe/Amsterdam (it may cross midnight).
struct Window {
  int start_minute = 0;  // minutes after local midnight
  int end_minute = 0;
  std::string time_zone = "UTC";

  // Whether `when` falls inside the window, in the window's time zone (Error(config) when
  // the tz database has no such zone). Safe from any thread: the process's TZ is not touched.
  bool contains(std::chrono::system_clock::time_point when) const;
  std::string text() const;  // "00:00-06:00 Europe/Amsterdam"
};

// Whether the tz database (/usr/share/zoneinfo) has a zone of this name, e.g.
// "Europe/Amsterdam" or "UTC"; a folder of zones ("Europe") or a path is not one.
bool is_time_zone(const std::string& name);

struct SyncPolicy {
  std::vector<std::string> tables;   // whose data the master owns
  std::vector<std::string> include;  // glob patterns of schema objects to sync (default *)
  std::vector<std::string> exclude;  // glob patterns of schema objects to leave alone
  DeletesPolicy deletes = DeletesPolicy::propagate;
  bool allow_drop = false;
  bool privileges = false;  // PostgreSQL: sync owners and grants too (--with-privileges)
};

// A node that releases are pushed to: `ferry push --to NAME` or `--to GROUP`.
struct Node {
  std::string name;
  std::string target;  // local:/abs/root or ssh://user@host[:port]/abs/root
  std::string group;
  std::string ferry;  // the ferry executable on the node (ssh targets), if not on the PATH
};

// A migration step of the application's own (`migrations.commands`): run once per tenant,
// with the tenant's name, URL parts and password in the environment.
struct AppCommand {
  std::string name;
  std::string run;     // shell text, as written: ${tenant}, ${group} and vars resolve per tenant
  std::string status;  // shell text that lists the app's migrations (Django's --plan form)
};

// How a tenant is put in maintenance around its migrations; each text as written.
struct MaintenanceHooks {
  std::string on_sql, off_sql;  // run on the tenant
  std::string on_run, off_run;  // shell commands run here
  std::string flag;             // a file created here before and removed after
  bool any() const { return !on_sql.empty() || !on_run.empty() || !flag.empty(); }
};

// migrations: in ferry.yaml (docs/migrations.md).
struct MigrationSettings {
  std::filesystem::path dir;  // absolute; default migrations/ beside ferry.yaml
  std::string format;         // ferry, flyway, golang-migrate, prisma; empty: detected
  std::vector<AppCommand> commands;
  MaintenanceHooks maintenance;
};

struct Config {
  std::filesystem::path file;
  NamedEndpoint master;
  std::vector<NamedEndpoint> tenants;
  std::vector<std::string> groups;  // the order groups run in
  SyncPolicy sync;
  std::optional<Window> full_window;  // structure and data inside, structure outside
  int concurrency = 4;
  std::filesystem::path state_dir;

  std::vector<Node> nodes;
  deploy_hooks::AwsSettings aws;  // aws: profile, region, endpoint_url
  // snapshots: store: the default snapshot store of `ferry snapshot` (relative to the file)
  std::filesystem::path snapshot_store;
  MigrationSettings migrations;
  // vars: values for ${NAME} in migrations (and in runbooks, under their own vars:), as written.
  std::map<std::string, std::string> vars;

  // The tenant or master called `name`, or nullptr.
  const NamedEndpoint* find(std::string_view name) const noexcept;
  // The node called `name`, or every node of the group `name`; empty when neither.
  std::vector<const Node*> find_nodes(std::string_view name) const;
};

// Reads and checks a ferry.yaml. ${VAR} and ${VAR:-default} are replaced from the
// environment; password_file is read (relative paths from the file's folder). Throws
// Error(config) naming the file, the line and the key for unknown keys, wrong types,
// missing required keys, unset variables and bad values.
Config load_config(const std::filesystem::path& file);

// Minutes after midnight for "HH:MM", or nullopt.
std::optional<int> parse_clock(std::string_view text);

}  // namespace ferry::engine
