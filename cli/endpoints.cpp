#include "endpoints.hpp"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <optional>

#include "ferry/common/error.hpp"

namespace ferry::cli {
namespace {

std::string g_path;
bool g_given = false;
std::optional<engine::Config> g_config;

}  // namespace

void set_config_path(std::string path) {
  g_given = !path.empty();
  g_path = g_given ? std::move(path) : "ferry.yaml";
}

bool config_given() {
  return g_given;
}

const engine::Config& config() {
  if (!g_config)
    g_config = engine::load_config(g_path.empty() ? "ferry.yaml" : g_path);
  return *g_config;
}

Endpoint resolve_endpoint(const std::string& text) {
  if (text.find(':') != std::string::npos)
    return parse_endpoint(text);
  if (!g_given && !std::filesystem::exists(g_path.empty() ? "ferry.yaml" : g_path)) {
    throw Error(ErrorKind::bad_endpoint,
                "'" + text +
                    "' is neither a URL (postgres://, mysql://, sqlite:) nor a name: "
                    "there is no ferry.yaml here (pass -c PATH)");
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
  std::vector<std::string> out;
  for (const std::string& text : texts) {
    if (text.find(':') != std::string::npos) {
      out.push_back(text);
      continue;
    }
    if (!g_given && !std::filesystem::exists(g_path.empty() ? "ferry.yaml" : g_path)) {
      throw Error(ErrorKind::bad_endpoint,
                  "'" + text +
                      "' is neither a target (local:/abs/root, ssh://user@host/abs/root) nor a "
                      "name: there is no ferry.yaml here (pass -c PATH)");
    }
    const auto nodes = config().find_nodes(text);
    if (nodes.empty()) {
      throw Error(ErrorKind::bad_endpoint, "'" + text +
                                               "' is neither a target nor a node or "
                                               "node group in " +
                                               config().file.string());
    }
    for (const engine::Node* n : nodes)
      out.push_back(n->ferry.empty() ? n->target : n->target + "?ferry=" + n->ferry);
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
