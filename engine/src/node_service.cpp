// ferry receive ROOT: the node's side of the protocol (docs/push.md). Pushes are received by
// transfer::receive_push; flips, rollbacks, purges and listings go to deploy_hooks. The
// root's lock is taken at the first request that changes anything and held to the end of
// the connection, so a push and the flip that follows it cannot be interleaved.
#include <fmt/format.h>

#include <optional>

#include "bench_node.hpp"
#include "ferry/common/node_layout.hpp"
#include "ferry/common/safe_fs.hpp"
#include "ferry/deploy_hooks/releases.hpp"
#include "ferry/engine/push.hpp"
#include "ferry/transfer/receiver.hpp"

namespace ferry::engine {
namespace {

nlohmann::json release_json(const deploy_hooks::ReleaseInfo& r) {
  return {{"name", r.name},
          {"bytes", r.bytes},
          {"new_bytes", r.bytes},
          {"shared_bytes", r.shared_bytes},
          {"completed_ns", r.completed_ns},
          {"current", r.current},
          {"previous", r.previous}};
}

nlohmann::json json_or_null(const std::optional<std::string>& name) {
  return name ? nlohmann::json(*name) : nlohmann::json(nullptr);
}

class NodeService {
 public:
  NodeService(std::filesystem::path root, transfer::Channel& channel)
      : m_path(std::move(root)), m_channel(channel) {}

  nlohmann::json handle(const nlohmann::json& request) {
    const std::string op = request.value("op", "");
    if (op == "push")
      return push(request);
    if (is_bench_request(op))
      return serve_bench_request(m_channel, request);
    if (op == "list") {
      const auto root = deploy_hooks::ReleaseRoot::open(m_path, false);
      nlohmann::json releases = nlohmann::json::array();
      for (const auto& r : root.list())
        releases.push_back(release_json(r));
      const auto current = root.current();
      return {{"releases", releases}, {"current", current ? nlohmann::json(*current) : nullptr}};
    }
    if (op == "current") {
      const auto root = deploy_hooks::ReleaseRoot::open(m_path, false);
      const auto current = root.current();
      const auto previous = root.previous();
      return {{"current", current ? nlohmann::json(*current) : nullptr},
              {"previous", previous ? nlohmann::json(*previous) : nullptr}};
    }
    // Dry runs of a flip and a rollback are requests of their own, so that a node too old to
    // know them refuses them rather than flipping.
    if (op == "flip" || op == "plan_flip") {
      const std::string name = request.value("release", "");
      node::check_release_name(name);
      if (op == "plan_flip") {
        const auto root = deploy_hooks::ReleaseRoot::open(m_path, false);
        root.check_flip(name);
        return {{"from", json_or_null(root.current())}, {"current", name}, {"dry_run", true}};
      }
      auto& root = locked_root(false);
      const auto from = root.current();
      root.flip(name);
      return {{"from", json_or_null(from)}, {"current", name}};
    }
    if (op == "rollback" || op == "plan_rollback") {
      if (op == "plan_rollback") {
        const auto root = deploy_hooks::ReleaseRoot::open(m_path, false);
        return {{"from", json_or_null(root.current())},
                {"current", root.rollback_target()},
                {"dry_run", true}};
      }
      auto& root = locked_root(false);
      const auto from = root.current();
      const std::string to = root.rollback();
      return {{"from", json_or_null(from)}, {"current", to}};
    }
    if (op == "purge") {
      const std::size_t keep = node::check_purge_keep(request.value("keep", 0LL));
      if (request.value("dry_run", false)) {
        // Not even the lock file is touched.
        auto root = deploy_hooks::ReleaseRoot::open(m_path, false);
        return {{"removed", root.purge(keep, true)}, {"dry_run", true}};
      }
      auto& root = locked_root(false);
      return {{"removed", root.purge(keep, false)}, {"dry_run", false}};
    }
    throw Error(ErrorKind::usage, fmt::format("unknown request '{}'; is the node's ferry older "
                                              "than the sender's?",
                                              op));
  }

 private:
  deploy_hooks::ReleaseRoot& locked_root(bool create) {
    if (!m_root)
      m_root.emplace(deploy_hooks::ReleaseRoot::open(m_path, create));
    if (!m_lock)
      m_lock.emplace(m_root->lock());
    return *m_root;
  }

  nlohmann::json push(const nlohmann::json& request) {
    const std::string display = m_path.string();
    if (request.value("dry_run", false)) {
      // A dry run changes nothing, not even by creating the root: a root that does not exist
      // yet is planned from its nearest existing parent, as a node with no releases.
      std::error_code ec;
      if (!std::filesystem::exists(m_path, ec)) {
        std::filesystem::path parent = m_path;
        while (parent.has_parent_path() && parent != parent.root_path() &&
               !std::filesystem::exists(parent, ec)) {
          parent = parent.parent_path();
        }
        Fd fd = open_root(parent, false);
        return transfer::receive_push(m_channel, fd.get(), display, request);
      }
      const auto root = deploy_hooks::ReleaseRoot::open(m_path, false);
      return transfer::receive_push(m_channel, root.fd(), display, request);
    }
    auto& root = locked_root(true);
    return transfer::receive_push(m_channel, root.fd(), display, request);
  }

  std::filesystem::path m_path;
  transfer::Channel& m_channel;
  std::optional<deploy_hooks::ReleaseRoot> m_root;
  std::optional<FileLock> m_lock;
};

}  // namespace

int serve_node(const std::filesystem::path& root, int in_fd, int out_fd) {
  transfer::Channel channel(in_fd, out_fd, "sender");
  NodeService service(root, channel);
  try {
    if (!root.is_absolute())
      throw Error(ErrorKind::usage,
                  fmt::format("the root {} is not an absolute path", root.string()));
    transfer::Frame frame;
    while (channel.receive_or_eof(frame)) {
      if (frame.type != transfer::FrameType::request)
        throw Error(ErrorKind::failure, "protocol error: expected a request");
      const auto request = nlohmann::json::parse(frame.payload, nullptr, false);
      if (!request.is_object())
        throw Error(ErrorKind::failure, "protocol error: a request that is not a JSON object");
      const nlohmann::json reply = service.handle(request);
      if (request.value("op", "") != "push")  // a push sends its own replies
        channel.send_json(transfer::FrameType::reply, reply);
    }
    return 0;
  } catch (const Error& e) {
    try {
      channel.send_json(
          transfer::FrameType::error,
          {{"message", e.what()}, {"kind", e.kind() == ErrorKind::usage ? "usage" : "failure"}});
    } catch (const Error&) {
      fmt::print(stderr, "ferry receive: {}\n", e.what());
    }
    return static_cast<int>(e.exit_code());
  } catch (const std::exception& e) {
    try {
      channel.send_json(transfer::FrameType::error, {{"message", e.what()}, {"kind", "failure"}});
    } catch (const Error&) {
      fmt::print(stderr, "ferry receive: {}\n", e.what());
    }
    return static_cast<int>(ExitCode::failure);
  }
}

}  // namespace ferry::engine
