// Endpoint arguments: a URL, or the name of the master or a tenant in ferry.yaml.
#pragma once

#include <string>
#include <vector>

#include "ferry/engine/config.hpp"
#include "ferry/transfer/transport.hpp"

namespace CLI {
class App;
}

namespace ferry::cli {

// The config file: the one -c names, else $FERRY_CONFIG, else ./ferry.yaml or the nearest
// in a parent directory up to the repository root (.git) or /. Loaded on first use (the
// chosen path is logged at -v); config() throws Error(config) when there is none.
void set_config_path(std::string path);
const engine::Config& config();
bool config_found();

// "postgres://..." or "sqlite:..." parses as a URL; a bare name is looked up in ferry.yaml.
Endpoint resolve_endpoint(const std::string& text);

// Push targets: "local:/..." and "ssh://..." as they are; a bare name is a node or a node
// group in ferry.yaml (a node's `ferry:` path rides along as `?ferry=PATH`).
std::vector<std::string> resolve_targets(const std::vector<std::string>& texts);

// The same, with the name of each node from ferry.yaml (parallel to `targets`; empty for a
// target given as a URL), for reports that name nodes as ferry.yaml does.
struct NamedTargets {
  std::vector<std::string> targets;
  std::vector<std::string> names;
};
NamedTargets resolve_named_targets(const std::vector<std::string>& texts);

// How ssh:// nodes are reached: --remote-ferry and --ssh, shared by the commands that talk
// to nodes (push, release, bench).
struct TransportFlags {
  std::string remote_ferry;
  std::string ssh;
};
void add_transport_flags(CLI::App* cmd, TransportFlags& flags);
transfer::TransportOptions transport(const TransportFlags& flags);

}  // namespace ferry::cli
