// ferry push and ferry release: the sender's side of the node protocol (docs/push.md).
#include "ferry/engine/push.hpp"
#include "exit_code_of.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <memory>

#include "ferry/common/log.hpp"
#include "ferry/common/node_layout.hpp"
#include "ferry/engine/paths.hpp"
#include "ferry/transfer/manifest.hpp"
#include "ferry/transfer/rate_limit.hpp"
#include "ferry/transfer/sender.hpp"
#include "parallel.hpp"

namespace ferry::engine {
namespace {

constexpr std::size_t k_frame_budget = 256u << 20;

std::vector<transfer::Target> parse_targets(const std::vector<std::string>& texts) {
  if (texts.empty())
    throw Error(ErrorKind::usage, "no target given (--to / --on local:/abs/root or ssh://...)");
  std::vector<transfer::Target> targets;
  for (const auto& text : texts)
    targets.push_back(transfer::parse_target(text));
  return targets;
}

// The error as the user should see it: when the node went away without saying why, what it
// (or ssh) wrote to stderr says more than "connection lost".
std::string describe(const Error& e, transfer::Connection* conn) {
  std::string message = e.what();
  if (conn == nullptr)
    return message;
  const int status = conn->close();
  const std::string tail = conn->stderr_tail();
  if (!tail.empty() && (message.find("connection") != std::string::npos ||
                        message.find("ended") != std::string::npos)) {
    message += fmt::format(" (node exit status {}: {})", status, tail);
  }
  return message;
}

// After a failed send, the node may have said why it stopped: an error frame in the pipe.
std::string node_error(const Error& e, transfer::Connection* conn) {
  // Only after a failed send: after any other error the node is still waiting for us, and
  // reading would wait forever.
  if (conn != nullptr && conn->channel().send_failed()) {
    try {
      transfer::Frame frame;
      while (conn->channel().receive_or_eof(frame)) {
      }
    } catch (const Error& said) {
      return said.what();
    }
  }
  return describe(e, conn);
}

// The tree last pushed to each target (by its display form), for deltas of the next push:
// STATE/push-sources.json, {"local:/srv/app": "/abs/build/dir", ...}. A missing or damaged
// file is an empty record; the record only says where to look, every older copy read from
// there is checked against the node's hash before a delta is made from it.
std::filesystem::path sources_file(const PushOptions& options) {
  return (options.state_dir.empty() ? default_state_dir() : options.state_dir) /
         "push-sources.json";
}

std::map<std::string, std::string> read_sources(const std::filesystem::path& file) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    return out;
  try {
    const auto json = nlohmann::json::parse(read_file(file), nullptr, false);
    if (!json.is_object())
      return out;
    for (const auto& [target, dir] : json.items()) {
      if (dir.is_string())
        out[target] = dir.get<std::string>();
    }
  } catch (const Error&) {
  }
  return out;
}

std::string name_of(const std::vector<std::string>& names, std::size_t i) {
  return i < names.size() ? names[i] : std::string();
}

std::filesystem::path absolute_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  auto out = std::filesystem::weakly_canonical(std::filesystem::absolute(dir, ec), ec);
  return ec ? dir : out;
}

}  // namespace

const char* to_string(NodeStatus status) noexcept {
  switch (status) {
    case NodeStatus::planned:
      return "planned";
    case NodeStatus::staged:
      return "staged";
    case NodeStatus::unchanged:
      return "unchanged";
    case NodeStatus::flipped:
      return "flipped";
    case NodeStatus::failed:
      return "failed";
  }
  return "?";
}

ExitCode PushReport::exit_code() const {
  std::size_t failed = 0;
  for (const auto& n : nodes)
    failed += n.status == NodeStatus::failed ? 1 : 0;
  if (failed == 0 && flip_requested && !flipped)
    return ExitCode::failure;
  return exit_code_of(failed, nodes.size());
}

ExitCode ReleaseReport::exit_code() const {
  std::size_t failed = 0;
  for (const auto& n : nodes)
    failed += n.ok ? 0 : 1;
  return exit_code_of(failed, nodes.size());
}

PushReport push(const PushOptions& options, const PushProgress& progress) {
  node::check_release_name(options.release);
  const std::vector<transfer::Target> targets = parse_targets(options.targets);
  std::error_code ec;
  if (!std::filesystem::is_directory(options.source, ec)) {
    throw Error(ErrorKind::usage,
                fmt::format("{} is not a directory; push takes the tree to release",
                            options.source.string()));
  }
  if (!options.delta_from.empty() && !std::filesystem::is_directory(options.delta_from, ec)) {
    throw Error(ErrorKind::usage,
                fmt::format("--delta-from {} is not a directory; give the tree of the build the "
                            "nodes have",
                            options.delta_from.string()));
  }
  const auto start = Clock::now();
  PushReport report;
  report.release = options.release;
  report.source = options.source.string();
  report.flip_requested = options.flip && !options.dry_run;

  transfer::ScanOptions scan_options;
  if (options.scan_cache)
    scan_options.cache = transfer::default_scan_cache(options.source);
  scan_options.exclude = options.exclude;
  scan_options.on_cache_error = [](const std::string& message) {
    spdlog::warn("{} (the next push reads every file again)", message);
  };
  transfer::ScanProgress scan_progress;
  // The display reads scan_progress until told the scan ended, also when it throws.
  struct ScanShown {
    const PushProgress& progress;
    ~ScanShown() {
      if (progress.scanning)
        progress.scanning(nullptr);
    }
  };
  if (progress.scanning)
    progress.scanning(&scan_progress);
  const transfer::Manifest manifest = [&] {
    const ScanShown shown{progress};
    return transfer::scan_tree(options.source, scan_options, &scan_progress);
  }();
  const std::string encoded = transfer::compress_manifest(transfer::encode(manifest));
  report.scan_seconds = seconds_since(start);
  for (const auto& e : manifest.entries)
    report.files += e.type == transfer::EntryType::file ? 1 : 0;
  report.files_cached = scan_progress.files_cached.load();
  report.excluded = scan_progress.excluded.load();
  report.bytes = manifest.total_bytes();
  report.chunks = manifest.chunk_count();
  spdlog::log(progress_line_level(),
              "scanned {}: {} files ({} unchanged since the last scan), {} bytes, {} chunks "
              "({:.2f}s)",
              report.source, report.files, report.files_cached, report.bytes, report.chunks,
              report.scan_seconds);

  const transfer::ChunkSource source(options.source, manifest);
  transfer::ChunkFrames frames(source, options.zstd_level, k_frame_budget);
  const std::filesystem::path source_dir = absolute_dir(options.source);
  const bool record_sources = options.deltas == DeltaMode::on && !options.dry_run;
  std::map<std::string, std::string> sources;
  if (record_sources && options.delta_from.empty())
    sources = read_sources(sources_file(options));
  // Deltas at level 9 at least: each is made once for all nodes and is what crosses the
  // slow links. The rebuilt postgres binary alone: 40 % fewer bytes than at level 3 for 2.3 x
  // the time (level 19: 60 % fewer for 36 x); the whole postgresql-15 update: 6.50 MB per
  // node against 6.97 MB.
  transfer::DeltaSource deltas(options.source, manifest, std::max(options.zstd_level, 9));
  // Where each node's older copies are read on this machine; empty: no deltas for it.
  const auto delta_base = [&](const std::string& target) -> std::filesystem::path {
    if (options.deltas == DeltaMode::off || options.dry_run)
      return {};
    if (!options.delta_from.empty())
      return absolute_dir(options.delta_from);
    const auto it = sources.find(target);
    std::error_code ec;
    if (it == sources.end() || !std::filesystem::is_directory(it->second, ec) ||
        absolute_dir(it->second) == source_dir)
      return {};
    return it->second;
  };
  // Declared before the connections, which write through them until they close.
  std::unique_ptr<transfer::RateLimiter> total_limit;
  if (options.bwlimit_total > 0)
    total_limit = std::make_unique<transfer::RateLimiter>(options.bwlimit_total);
  std::vector<std::unique_ptr<transfer::RateLimiter>> node_limits(targets.size());
  std::vector<std::unique_ptr<transfer::Connection>> conns(targets.size());
  report.nodes.resize(targets.size());
  for_each_target(targets.size(), options.jobs, [&](std::size_t i) {
    NodeResult& node = report.nodes[i];
    node.target = targets[i].display();
    node.node = name_of(options.names, i);
    const LogField log_node("node", node.target);
    const auto node_start = Clock::now();
    try {
      conns[i] = transfer::Connection::open(targets[i], options.transport);
      if (options.bwlimit > 0) {
        node_limits[i] = std::make_unique<transfer::RateLimiter>(options.bwlimit);
        conns[i]->channel().limit_rate(*node_limits[i]);
      }
      if (total_limit)
        conns[i]->channel().limit_rate(*total_limit);
      transfer::DeltaOptions delta_options;
      if (const auto base = delta_base(node.target); !base.empty()) {
        delta_options = {&deltas, base};
        node.delta_from = base.string();
      }
      transfer::StageProgress stage_progress;
      if (progress.planned) {
        stage_progress.on_plan = [&](const nlohmann::json& plan) {
          progress.planned(node.target, plan);
        };
      }
      if (progress.sent)
        stage_progress.on_chunk = [&](std::uint64_t bytes) { progress.sent(node.target, bytes); };
      const auto outcome =
          transfer::stage_release(conns[i]->channel(), options.release, encoded, frames,
                                  options.dry_run, stage_progress, delta_options);
      // The final reply counts the chunks needed once deltas were agreed on.
      node.plan = outcome.done.is_object() ? outcome.done : outcome.plan;
      node.chunks_sent = outcome.chunks_sent;
      node.bytes_sent = outcome.bytes_sent;
      node.delta_files = outcome.delta_files;
      node.delta_bytes = outcome.delta_bytes;
      node.delta_saved_bytes = outcome.delta_saved_bytes;
      const std::string status = outcome.plan.value("status", "");
      node.status = options.dry_run         ? NodeStatus::planned
                    : status == "unchanged" ? NodeStatus::unchanged
                                            : NodeStatus::staged;
    } catch (const Error& e) {
      node.status = NodeStatus::failed;
      node.error = node_error(e, conns[i].get());
      conns[i].reset();
    } catch (const std::exception& e) {
      node.status = NodeStatus::failed;
      node.error = e.what();
      conns[i].reset();
    }
    node.stage_seconds = seconds_since(node_start);
    if (progress.node_done)
      progress.node_done(node);
  });

  const bool all_staged = std::all_of(report.nodes.begin(), report.nodes.end(),
                                      [](const auto& n) { return n.status != NodeStatus::failed; });
  if (report.flip_requested && all_staged) {
    for_each_target(targets.size(), options.jobs, [&](std::size_t i) {
      NodeResult& node = report.nodes[i];
      const auto flip_start = Clock::now();
      try {
        conns[i]->channel().send_json(transfer::FrameType::request,
                                      {{"op", "flip"}, {"release", options.release}});
        conns[i]->channel().expect_json(transfer::FrameType::reply);
        node.status = NodeStatus::flipped;
      } catch (const Error& e) {
        node.status = NodeStatus::failed;
        node.error = "flip: " + describe(e, conns[i].get());
        conns[i].reset();
      }
      node.flip_seconds = seconds_since(flip_start);
    });
    report.flipped = std::all_of(report.nodes.begin(), report.nodes.end(),
                                 [](const auto& n) { return n.status == NodeStatus::flipped; });
  } else if (report.flip_requested) {
    spdlog::error("release {} staged on some nodes but not all: no node was flipped",
                  options.release);
  }
  for (auto& conn : conns) {
    if (conn)
      conn->close();
  }
  if (record_sources) {
    sources = read_sources(sources_file(options));
    for (const NodeResult& node : report.nodes) {
      if (node.status != NodeStatus::failed)
        sources[node.target] = source_dir.string();
    }
    try {
      write_file_atomically(sources_file(options), nlohmann::json(sources).dump(2) + "\n");
    } catch (const Error& e) {
      spdlog::warn(
          "{} (the next push finds no older copies for deltas by itself; give "
          "--delta-from)",
          e.what());
    }
  }
  report.compressions = frames.compressions();
  report.seconds = seconds_since(start);
  return report;
}

ReleaseReport release_command(const ReleaseOptions& options) {
  const std::vector<transfer::Target> targets = parse_targets(options.targets);
  if (options.op == ReleaseOp::flip)
    node::check_release_name(options.release);
  if (options.op == ReleaseOp::purge)
    node::check_purge_keep(options.keep);
  nlohmann::json request;
  switch (options.op) {
    case ReleaseOp::list:
      request = {{"op", "list"}};
      break;
    case ReleaseOp::current:
      request = {{"op", "current"}};
      break;
    case ReleaseOp::flip:
      request = {{"op", options.dry_run ? "plan_flip" : "flip"}, {"release", options.release}};
      break;
    case ReleaseOp::rollback:
      request = {{"op", options.dry_run ? "plan_rollback" : "rollback"}};
      break;
    case ReleaseOp::purge:
      request = {{"op", "purge"}, {"keep", options.keep}, {"dry_run", options.dry_run}};
      break;
  }
  ReleaseReport report;
  report.op = options.op;
  report.dry_run =
      options.dry_run && options.op != ReleaseOp::list && options.op != ReleaseOp::current;
  report.nodes.resize(targets.size());
  for_each_target(targets.size(), options.jobs, [&](std::size_t i) {
    ReleaseNodeResult& node = report.nodes[i];
    node.target = targets[i].display();
    node.node = name_of(options.names, i);
    const LogField log_node("node", node.target);
    std::unique_ptr<transfer::Connection> conn;
    try {
      conn = transfer::Connection::open(targets[i], options.transport);
      conn->channel().send_json(transfer::FrameType::request, request);
      node.reply = conn->channel().expect_json(transfer::FrameType::reply);
      conn->close();
      node.ok = true;
    } catch (const Error& e) {
      node.error = describe(e, conn.get());
    }
  });
  return report;
}

}  // namespace ferry::engine
