// Reports of ferry push and ferry release: a table for people, JSON for machines
// (docs/formats.md).
#include <fmt/format.h>

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
    case ReleaseOp::flip:
      return "flip";
    case ReleaseOp::rollback:
      return "rollback";
    case ReleaseOp::purge:
      return "purge";
  }
  return "?";
}

}  // namespace

std::string format_push_report(const PushReport& report) {
  std::string out = fmt::format("release {} from {}: {} files, {}, {} chunks (scan {:.2f}s)\n",
                                report.release, report.source, report.files,
                                human_bytes(report.bytes), report.chunks, report.scan_seconds);
  for (const auto& n : report.nodes) {
    if (n.status == NodeStatus::failed) {
      out += fmt::format("  {:<40} failed: {}\n", n.target, n.error);
      continue;
    }
    const std::string deltas = n.delta_files == 0
                                   ? std::string()
                                   : fmt::format(", {} as deltas ({} saved)", n.delta_files,
                                                 human_bytes(n.delta_saved_bytes));
    out += fmt::format(
        "  {:<40} {:<9} {} linked, {} resumed, {} assembled{}; {} chunks ({}) needed, {} sent "
        "({:.2f}s)\n",
        n.target, to_string(n.status), n.plan.value("linked", 0), n.plan.value("resumed", 0),
        n.plan.value("assembled", 0), deltas, n.plan.value("need_chunks", 0),
        human_bytes(n.plan.value("need_bytes", std::uint64_t{0})), human_bytes(n.bytes_sent),
        n.stage_seconds + n.flip_seconds);
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
    nlohmann::json node = {{"target", n.target},
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
  for (const auto& n : report.nodes) {
    if (!n.ok) {
      out += fmt::format("{}: failed: {}\n", n.target, n.error);
      continue;
    }
    switch (report.op) {
      case ReleaseOp::list: {
        out += fmt::format("{}:\n", n.target);
        const auto& releases = n.reply["releases"];
        if (releases.empty())
          out += "  (no releases)\n";
        for (const auto& r : releases) {
          out += fmt::format("  {} {:<30} {:>10}  {:>5} ago{}\n",
                             r.value("current", false) ? "*" : " ", r.value("name", ""),
                             human_bytes(r.value("bytes", std::uint64_t{0})),
                             age(r.value("completed_ns", std::int64_t{0})),
                             r.value("previous", false) ? "  (previous)" : "");
        }
        break;
      }
      case ReleaseOp::flip:
      case ReleaseOp::rollback:
        out += fmt::format("{}: current -> {}\n", n.target, n.reply.value("current", ""));
        break;
      case ReleaseOp::purge: {
        const auto& removed = n.reply["removed"];
        const bool dry = n.reply.value("dry_run", false);
        if (removed.empty()) {
          out += fmt::format("{}: nothing to purge\n", n.target);
        } else {
          std::string names;
          for (const auto& r : removed)
            names += (names.empty() ? "" : ", ") + r.get<std::string>();
          out += fmt::format("{}: {} {}\n", n.target, dry ? "would remove" : "removed", names);
        }
        break;
      }
    }
  }
  return out;
}

nlohmann::json release_report_json(const ReleaseReport& report) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : report.nodes) {
    nlohmann::json node = n.reply.is_object() ? n.reply : nlohmann::json::object();
    node["target"] = n.target;
    node["ok"] = n.ok;
    if (!n.error.empty())
      node["error"] = n.error;
    nodes.push_back(std::move(node));
  }
  return {{"op", op_name(report.op)},
          {"nodes", std::move(nodes)},
          {"exit_code", static_cast<int>(report.exit_code())}};
}

}  // namespace ferry::engine
