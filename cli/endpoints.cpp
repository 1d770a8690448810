#include "endpoints.hpp"

#include <CLI/CLI.hpp>

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <optional>

#include "ferry/common/error.hpp"

namespace ferry::cli {
namespace {

std::filesystem::path g_path;  // the config file chosen, or empty: none given or found
std::string g_how;             // how it was chosen, for the -v line
std::optional<engine::Config> g_config;

// ./ferry.yaml, else the nearest in a parent directory, stopping at the repository root (a
// directory holding .git) or at /. Empty when there is none.
std::filesystem::path discover() {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::current_path(ec);
  if (ec)
    return {};
  for (;;) {
    const std::filesystem::path candidate = dir / "ferry.yaml";
    if (std::filesystem::exists(candidate, ec))
      return candidate;
    if (std::filesystem::exists(dir / ".git", ec) || dir == dir.parent_path())
      return {};
    dir = dir.parent_path();
  }
}

}  // namespace

void set_config_path(std::string path) {
  g_config.reset();
  if (!path.empty()) {
    g_path = path;
    g_how = "from -c";
  } else if (const char* env = std::getenv("FERRY_CONFIG"); env != nullptr && *env != '\0') {
    g_path = env;
    g_how = "from FERRY_CONFIG";
  } else {
    g_path = discover();
    g_how = "found from the working directory";
  }
}

bool config_found() {
  return !g_path.empty();
}

const engine::Config& config() {
  if (!g_config) {
    if (g_path.empty()) {
      throw Error(ErrorKind::config,
                  "no ferry.yaml in this directory or its parents (pass -c PATH or set "
                  "FERRY_CONFIG)");
    }
    spdlog::debug("config: {} ({})", g_path.string(), g_how);
    g_config = engine::load_config(g_path);
  }
  return *g_config;
}

Endpoint resolve_endpoint(const std::string& text) {
  if (text.find(':') != std::string::npos)
    return parse_endpoint(text);
  if (!config_found()) {
    throw Error(ErrorKind::bad_endpoint,
                "'" + text +
                    "' is neither a URL (postgres://, mysql://, sqlite:) nor a name: "
                    "there is no ferry.yaml here or in a parent directory (pass -c PATH)");
  }
  const engine::NamedEndpoint* found = config().find(text);
  if (found == nullptr) {
    throw Error(ErrorKind::bad_endpoint, "'" + text +
                                             "' is neither a URL nor a tenant or the "
                                             "master in " +
                                             config().file.string());
  }
  return found->endpoint;
}

}  // namespace ferry::cli

namespace ferry::cli {

std::vector<std::string> resolve_targets(const std::vector<std::string>& texts) {
  return resolve_named_targets(texts).targets;
}

NamedTargets resolve_named_targets(const std::vector<std::string>& texts) {
  NamedTargets out;
  for (const std::string& text : texts) {
    if (text.find(':') != std::string::npos) {
      out.targets.push_back(text);
      out.names.emplace_back();
      continue;
    }
    if (!config_found()) {
      throw Error(ErrorKind::bad_endpoint,
                  "'" + text +
                      "' is neither a target (local:/abs/root, ssh://user@host/abs/root) nor a "
                      "name: there is no ferry.yaml here or in a parent directory (pass -c "
                      "PATH)");
    }
    const auto nodes = config().find_nodes(text);
    if (nodes.empty()) {
      throw Error(ErrorKind::bad_endpoint, "'" + text +
                                               "' is neither a target nor a node or "
                                               "node group in " +
                                               config().file.string());
    }
    for (const engine::Node* n : nodes) {
      out.targets.push_back(n->ferry.empty() ? n->target : n->target + "?ferry=" + n->ferry);
      out.names.push_back(n->name);
    }
  }
  return out;
}

void add_transport_flags(CLI::App* cmd, TransportFlags& flags) {
  cmd->add_option("--remote-ferry", flags.remote_ferry,
                  "The ferry executable on ssh:// nodes (default: the node's setting in "
                  "ferry.yaml, else `ferry` on the PATH)");
  cmd->add_option("--ssh", flags.ssh,
                  "The ssh command and options for ssh:// nodes (default: $FERRY_SSH, else ssh)");
}

transfer::TransportOptions transport(const TransportFlags& flags) {
  transfer::TransportOptions out;
  out.ssh_command = flags.ssh;
  if (!flags.remote_ferry.empty())
    out.remote_ferry = flags.remote_ferry;
  return out;
}

}  // namespace ferry::cli
