// Release pushes to nodes and the releases on them (docs/push.md): `ferry push`,
// `ferry release list|current|flip|rollback|purge` and the node side, `ferry receive`.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/common/error.hpp"
#include "ferry/transfer/manifest.hpp"
#include "ferry/transfer/transport.hpp"

namespace ferry::engine {

// Whether changed files may go as deltas against older copies (docs/push.md, "Deltas").
enum class DeltaMode { on, off };

struct PushOptions {
  std::filesystem::path source;      // the tree to push
  std::vector<std::string> targets;  // local:/abs/root or ssh://user@host[:port]/abs/root
  // Parallel to `targets` (or empty): the node's name in ferry.yaml, which reports show in
  // place of the target; empty for a target given as a URL.
  std::vector<std::string> names;
  std::string release;
  bool flip = false;
  bool dry_run = false;
  int jobs = 8;  // nodes at once
  int zstd_level = 3;
  // Reuse what the last scan of the same source learned about unchanged files, from
  // transfer::default_scan_cache(source), and update it (docs/push.md, "Transfer").
  bool scan_cache = true;
  // gitignore patterns of files not to push, relative to `source`; they win over the tree's
  // .ferryignore files (transfer/ignore.hpp).
  std::vector<std::string> exclude;
  // Deltas: a changed file goes as a zstd delta against the node's older copy of it when that
  // is smaller than its chunks. The sender reads the older copies from `delta_from` (the
  // previous build's tree), else from the tree last pushed to the same target, as recorded in
  // `state_dir` (default_state_dir() when empty), when it still exists.
  DeltaMode deltas = DeltaMode::on;
  std::filesystem::path delta_from;
  std::filesystem::path state_dir;
  // Bytes per second the sender writes, to each node and to all nodes together; 0: no limit.
  std::uint64_t bwlimit = 0;
  std::uint64_t bwlimit_total = 0;
  transfer::TransportOptions transport;
};

enum class NodeStatus { planned, staged, unchanged, flipped, failed };
const char* to_string(NodeStatus status) noexcept;

struct NodeResult {
  std::string target;
  std::string node;  // the name in ferry.yaml; empty when the target was given as a URL
  NodeStatus status = NodeStatus::failed;
  std::string error;
  nlohmann::json plan;  // the node's answer: files linked, resumed, new bytes, chunks needed
  std::uint64_t chunks_sent = 0;
  std::uint64_t bytes_sent = 0;
  std::string delta_from;               // where older copies were read; empty: no deltas
  std::uint64_t delta_files = 0;        // files sent as deltas
  std::uint64_t delta_bytes = 0;        // their frames' bytes
  std::uint64_t delta_saved_bytes = 0;  // what their chunks would have cost more
  double stage_seconds = 0;
  double flip_seconds = 0;
};

struct PushReport {
  std::string release;
  std::string source;
  std::size_t files = 0;
  std::size_t files_cached = 0;  // of `files`, those the scan cache spared reading
  std::size_t excluded = 0;      // entries left out by --exclude and .ferryignore
  std::uint64_t bytes = 0;
  std::size_t chunks = 0;
  double scan_seconds = 0;
  double seconds = 0;
  std::uint64_t compressions = 0;
  bool flip_requested = false;
  bool flipped = false;  // every node flipped
  std::vector<NodeResult> nodes;

  ExitCode exit_code() const;
};

// Called from the nodes' worker threads, possibly at once.
struct PushProgress {
  // The scan of the source: called with its counters as it starts (read them from any
  // thread while it runs) and with nullptr once it ended, also when it failed.
  std::function<void(const transfer::ScanProgress*)> scanning;
  std::function<void(const std::string& target, const nlohmann::json& plan)> planned;
  std::function<void(const std::string& target, std::uint64_t bytes)> sent;
  std::function<void(const NodeResult&)> node_done;
};

// Scans the source once, stages the release on every target in parallel, and flips all of
// them only when every one staged. Per-node failures are in the report.
PushReport push(const PushOptions& options, const PushProgress& progress = {});

enum class ReleaseOp { list, current, flip, rollback, purge };

struct ReleaseOptions {
  ReleaseOp op = ReleaseOp::list;
  std::vector<std::string> targets;
  std::vector<std::string> names;  // as PushOptions::names
  std::string release;             // flip
  long long keep = 0;              // purge: complete releases to keep, at least 1
  bool dry_run = false;            // flip, rollback, purge: say what would change, change nothing
  int jobs = 8;
  transfer::TransportOptions transport;
};

struct ReleaseNodeResult {
  std::string target;
  std::string node;  // as NodeResult::node
  bool ok = false;
  std::string error;
  // list: {"releases": [...], "current": ...}; current: {"current": ..., "previous": ...};
  // flip/rollback: {"from": ..., "current": ..., "dry_run": true?}; purge: {"removed": [...]}
  nlohmann::json reply;
};

struct ReleaseReport {
  ReleaseOp op = ReleaseOp::list;
  bool dry_run = false;
  std::vector<ReleaseNodeResult> nodes;
  ExitCode exit_code() const;
};

ReleaseReport release_command(const ReleaseOptions& options);

// The node side: serves requests from stdin (in_fd) on stdout (out_fd) for the release root
// `root` until the sender hangs up. Returns the process exit code.
int serve_node(const std::filesystem::path& root, int in_fd, int out_fd);

std::string format_push_report(const PushReport& report);
nlohmann::json push_report_json(const PushReport& report);
std::string format_release_report(const ReleaseReport& report);
nlohmann::json release_report_json(const ReleaseReport& report);

}  // namespace ferry::engine
