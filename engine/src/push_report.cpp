// Reports of ferry push and ferry release: a table for people, JSON for machines
// (docs/formats.md).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "ferry/common/units.hpp"
#include "ferry/engine/push.hpp"

namespace ferry::engine {
namespace {

std::string age(std::int64_t completed_ns) {
  const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const std::int64_t s = std::max<std::int64_t>(0, (now - completed_ns) / 1'000'000'000);
  if (s < 120)
    return fmt::format("{}s", s);
  if (s < 7200)
    return fmt::format("{}m", s / 60);
  if (s < 172800)
    return fmt::format("{}h", s / 3600);
  return fmt::format("{}d", s / 86400);
}

const char* op_name(ReleaseOp op) {
  switch (op) {
    case ReleaseOp::list:
      return "list";
    case ReleaseOp::current:
      return "current";
    case ReleaseOp::flip:
      return "flip";
    case ReleaseOp::rollback:
      return "rollback";
    case ReleaseOp::purge:
      return "purge";
  }
  return "?";
}

// How reports name a node: its name in ferry.yaml, else its target (passwords masked).
const std::string& label(const std::string& node, const std::string& target) {
  return node.empty() ? target : node;
}

// The width of the node column: the longest label, at least `least`.
template <typename Nodes>
std::size_t label_width(const Nodes& nodes, std::size_t least) {
  std::size_t width = least;
  for (const auto& n : nodes)
    width = std::max(width, label(n.node, n.target).size());
  return width;
}

std::string name_or(const nlohmann::json& value, const char* none) {
  return value.is_string() ? value.get<std::string>() : std::string(none);
}

}  // namespace

std::string format_push_report(const PushReport& report) {
  std::string out = fmt::format("release {} from {}: {} files, {}, {} chunks (scan {:.2f}s)\n",
                                report.release, report.source, report.files,
                                human_bytes(report.bytes), report.chunks, report.scan_seconds);
  if (report.excluded > 0)
    out += fmt::format("{} excluded by --exclude and .ferryignore\n", report.excluded);
  const std::size_t width = label_width(report.nodes, 12);
  for (const auto& n : report.nodes) {
    if (n.status == NodeStatus::failed) {
      out += fmt::format("  {:<{}} failed: {}\n", label(n.node, n.target), width, n.error);
      continue;
    }
    const std::string deltas = n.delta_files == 0
                                   ? std::string()
                                   : fmt::format(", {} as deltas ({} saved)", n.delta_files,
                                                 human_bytes(n.delta_saved_bytes));
    out += fmt::format(
        "  {:<{}} {:<9} {} linked, {} resumed, {} assembled{}; {} chunks ({}) needed, {} sent "
        "({:.2f}s)\n",
        label(n.node, n.target), width, to_string(n.status), n.plan.value("linked", 0),
        n.plan.value("resumed", 0), n.plan.value("assembled", 0), deltas,
        n.plan.value("need_chunks", 0), human_bytes(n.plan.value("need_bytes", std::uint64_t{0})),
        human_bytes(n.bytes_sent), n.stage_seconds + n.flip_seconds);
  }
  if (report.flip_requested) {
    out += report.flipped ? fmt::format("current -> {} on every node\n", report.release)
                          : std::string("not flipped: not every node staged the release\n");
  }
  out += fmt::format("{:.2f}s in all\n", report.seconds);
  return out;
}

nlohmann::json push_report_json(const PushReport& report) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : report.nodes) {
    nlohmann::json node = {
        {"target", n.target},
        {"node", n.node.empty() ? nlohmann::json(nullptr) : nlohmann::json(n.node)},
        {"status", to_string(n.status)},
        {"chunks_sent", n.chunks_sent},
        {"bytes_sent", n.bytes_sent},
        {"delta_files", n.delta_files},
        {"delta_bytes", n.delta_bytes},
        {"delta_saved_bytes", n.delta_saved_bytes},
        {"stage_seconds", n.stage_seconds},
        {"flip_seconds", n.flip_seconds}};
    if (!n.error.empty())
      node["error"] = n.error;
    if (!n.delta_from.empty())
      node["delta_from"] = n.delta_from;
    for (const char* key : {"files", "linked", "resumed", "assembled", "new_bytes", "need_chunks",
                            "need_bytes", "free_bytes"}) {
      if (n.plan.contains(key))
        node[key] = n.plan[key];
    }
    nodes.push_back(std::move(node));
  }
  return {{"release", report.release},
          {"source", report.source},
          {"files", report.files},
          {"files_cached", report.files_cached},
          {"excluded_files", report.excluded},
          {"bytes", report.bytes},
          {"chunks", report.chunks},
          {"scan_seconds", report.scan_seconds},
          {"seconds", report.seconds},
          {"flip", report.flip_requested},
          {"flipped", report.flipped},
          {"compressions", report.compressions},
          {"nodes", std::move(nodes)},
          {"exit_code", static_cast<int>(report.exit_code())}};
}

std::string format_release_report(const ReleaseReport& report) {
  std::string out;
  const std::size_t width = label_width(report.nodes, 0);
  // One column layout for every node's releases, wide enough for the longest name.
  std::size_t name_width = 7;  // "release"
  std::size_t new_width = 3, shared_width = 6;
  if (report.op == ReleaseOp::list) {
    for (const auto& n : report.nodes) {
      if (!n.ok || !n.reply.contains("releases"))
        continue;
      for (const auto& r : n.reply["releases"]) {
        name_width = std::max(name_width, r.value("name", "").size());
        new_width = std::max(new_width, human_bytes(r.value("bytes", std::uint64_t{0})).size());
        shared_width =
            std::max(shared_width, human_bytes(r.value("shared_bytes", std::uint64_t{0})).size());
      }
    }
  }
  const bool single = report.nodes.size() == 1;
  for (const auto& n : report.nodes) {
    const std::string& who = label(n.node, n.target);
    if (!n.ok) {
      out += fmt::format("{}: failed: {}\n", who, n.error);
      continue;
    }
    switch (report.op) {
      case ReleaseOp::list: {
        out += fmt::format("{}:\n", who);
        const auto& releases = n.reply["releases"];
        if (releases.empty()) {
          out += "  (no releases)\n";
          break;
        }
        out += fmt::format("  {:<{}}  {:>{}}  {:>{}}  {:>5}\n", "release", name_width, "new",
                           new_width, "shared", shared_width, "age");
        for (const auto& r : releases) {
          const bool current = r.value("current", false);
          const bool previous = r.value("previous", false);
          out += fmt::format("  {:<{}}  {:>{}}  {:>{}}  {:>5}{}\n", r.value("name", ""), name_width,
                             human_bytes(r.value("bytes", std::uint64_t{0})), new_width,
                             human_bytes(r.value("shared_bytes", std::uint64_t{0})), shared_width,
                             age(r.value("completed_ns", std::int64_t{0})),
                             current    ? "  current"
                             : previous ? "  previous"
                                        : "");
        }
        break;
      }
      case ReleaseOp::current: {
        const std::string name = name_or(n.reply["current"], "(none)");
        out += single ? name + "\n" : fmt::format("{:<{}}  {}\n", who + ":", width + 1, name);
        break;
      }
      case ReleaseOp::flip:
      case ReleaseOp::rollback: {
        const bool dry = n.reply.value("dry_run", false);
        out += fmt::format("{:<{}}  {}current {} -> {}\n", who + ":", width + 1,
                           dry ? "would flip " : "", name_or(n.reply["from"], "(none)"),
                           n.reply.value("current", ""));
        break;
      }
      case ReleaseOp::purge: {
        const auto& removed = n.reply["removed"];
        const bool dry = n.reply.value("dry_run", false);
        if (removed.empty()) {
          out += fmt::format("{:<{}}  nothing to purge\n", who + ":", width + 1);
        } else {
          std::string names;
          for (const auto& r : removed)
            names += (names.empty() ? "" : ", ") + r.get<std::string>();
          out += fmt::format("{:<{}}  {} {}\n", who + ":", width + 1,
                             dry ? "would remove" : "removed", names);
        }
        break;
      }
    }
  }
  if (report.op == ReleaseOp::list) {
    out +=
        "new: bytes of files no older release shares; shared: bytes of files hard-linked from "
        "older releases\n";
  }
  return out;
}

nlohmann::json release_report_json(const ReleaseReport& report) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : report.nodes) {
    nlohmann::json node = n.reply.is_object() ? n.reply : nlohmann::json::object();
    node["target"] = n.target;
    node["node"] = n.node.empty() ? nlohmann::json(nullptr) : nlohmann::json(n.node);
    node["ok"] = n.ok;
    if (!n.error.empty())
      node["error"] = n.error;
    nodes.push_back(std::move(node));
  }
  return {{"op", op_name(report.op)},
          {"dry_run", report.dry_run},
          {"nodes", std::move(nodes)},
          {"exit_code", static_cast<int>(report.exit_code())}};
}

}  // namespace ferry::engine
