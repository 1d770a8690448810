// ferry push | ferry release list|current|flip|rollback|purge | ferry receive (docs/push.md).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "endpoints.hpp"
#include "ferry/engine/push.hpp"
#include "ferry/transfer/rate_limit.hpp"
#include "live_view.hpp"

namespace ferry::cli {
namespace {

// The scan and then a line per node (bytes sent of what it needs, rate, time left) in the
// live view on a terminal. Elsewhere: a log line when a node has planned and when it is done.
class PushProgressView {
 public:
  PushProgressView() {
    m_view.on_tick([this] {
      const std::lock_guard lock(m_mutex);
      if (m_scan != nullptr)
        m_view.set_done("scan", m_scan->bytes.load());
    });
  }

  engine::PushProgress callbacks() {
    engine::PushProgress p;
    p.scanning = [this](const transfer::ScanProgress* scan) {
      const std::lock_guard lock(m_mutex);
      if (scan != nullptr) {
        m_view.step("scan", "scanning", 0, Unit::bytes);
      } else if (m_scan != nullptr) {
        m_view.finish("scan", "scanned", Tone::good,
                      fmt::format("{} files ({} unchanged), {:.1f} MiB", m_scan->files.load(),
                                  m_scan->files_cached.load(),
                                  static_cast<double>(m_scan->bytes.load()) / (1 << 20)));
      }
      m_scan = scan;
    };
    p.planned = [this](const std::string& target, const nlohmann::json& plan) {
      const auto bytes = plan.value("need_bytes", std::uint64_t{0});
      m_view.step(target, "sending", bytes, Unit::bytes);
      if (!m_view.live())
        spdlog::info("{}: needs {} chunks ({} bytes); {} files linked, {} assembled", target,
                     plan.value("need_chunks", std::uint64_t{0}), bytes, plan.value("linked", 0),
                     plan.value("assembled", 0));
    };
    p.sent = [this](const std::string& target, std::uint64_t bytes) {
      m_view.advance(target, bytes);
    };
    p.node_done = [this](const engine::NodeResult& n) {
      const std::string status = engine::to_string(n.status);
      m_view.finish(n.target, status, LiveView::tone_of(status),
                    fmt::format("{} chunks, {:.1f} MiB sent", n.chunks_sent,
                                static_cast<double>(n.bytes_sent) / (1 << 20)));
      if (n.status == engine::NodeStatus::failed)
        spdlog::debug("{}: {}", n.target, n.error);  // the report says it
      else if (!m_view.live())
        spdlog::info("{}: {}, {} chunks sent ({:.2f}s)", n.target, status, n.chunks_sent,
                     n.stage_seconds);
    };
    return p;
  }

 private:
  std::mutex m_mutex;
  const transfer::ScanProgress* m_scan = nullptr;  // while the scan runs
  LiveView m_view;
};

}  // namespace

void add_push_commands(CLI::App& app, CommandResult& result) {
  // ferry push
  {
    auto* cmd = app.add_subcommand("push", "Push a tree to nodes as an immutable release");
    struct Options {
      std::string dir;
      std::vector<std::string> to;
      std::string release;
      bool flip = false;
      bool dry_run = false;
      bool json = false;
      bool no_scan_cache = false;
      bool no_delta = false;
      std::string delta_from;
      std::vector<std::string> exclude;
      std::string bwlimit;
      std::string bwlimit_total;
      int jobs = 8;
      TransportFlags transport;
    };
    auto o = std::make_shared<Options>();
    cmd->add_option("DIR", o->dir, "The tree to release")->required();
    cmd->add_option("--to", o->to,
                    "Targets: local:/abs/root, ssh://user@host[:port]/abs/root, "
                    "or node and node group names from ferry.yaml")
        ->required();
    cmd->add_option("--release", o->release, "The release name (e.g. a build id)")->required();
    cmd->add_flag("--flip", o->flip,
                  "Point `current` at the release once every node has staged it");
    cmd->add_flag("--dry-run", o->dry_run, "Ask every node what it lacks; send and change nothing");
    cmd->add_option("-j,--jobs", o->jobs, "Nodes pushed to at once")->check(CLI::Range(1, 256));
    cmd->add_flag("--json", o->json, "Print the report as JSON on stdout");
    cmd->add_option("--exclude", o->exclude,
                    "Leave out what matches this gitignore pattern (relative to DIR; repeatable; "
                    "wins over DIR's .ferryignore files)")
        ->allow_extra_args(false);
    cmd->add_flag("--no-scan-cache", o->no_scan_cache,
                  "Read every file of DIR; neither use nor update the scan cache");
    auto* delta_from =
        cmd->add_option("--delta-from", o->delta_from,
                        "The tree of the build the nodes have (default: the tree last pushed to "
                        "each target); changed files go as zstd deltas against it when smaller");
    cmd->add_flag("--no-delta", o->no_delta, "Send changed files as chunks only, never as deltas")
        ->excludes(delta_from);
    cmd->add_option("--bwlimit", o->bwlimit,
                    "Bytes per second to each node, as rsync reads it: 500K, 10M, 1G (1024-based; "
                    "KB, MB, GB: 1000-based; no suffix: K; 0: no limit)");
    cmd->add_option("--bwlimit-total", o->bwlimit_total,
                    "Bytes per second to all nodes together, as for --bwlimit");
    add_transport_flags(cmd, o->transport);
    cmd->callback([o, &result] {
      engine::PushOptions options;
      options.source = o->dir;
      NamedTargets targets = resolve_named_targets(o->to);
      options.targets = std::move(targets.targets);
      options.names = std::move(targets.names);
      options.exclude = o->exclude;
      options.release = o->release;
      options.flip = o->flip;
      options.dry_run = o->dry_run;
      options.jobs = o->jobs;
      options.scan_cache = !o->no_scan_cache;
      options.deltas = o->no_delta ? engine::DeltaMode::off : engine::DeltaMode::on;
      options.delta_from = o->delta_from;
      if (!o->bwlimit.empty())
        options.bwlimit = transfer::parse_rate("--bwlimit", o->bwlimit);
      if (!o->bwlimit_total.empty())
        options.bwlimit_total = transfer::parse_rate("--bwlimit-total", o->bwlimit_total);
      options.transport = transport(o->transport);
      engine::PushReport report;
      {
        PushProgressView view;
        report = engine::push(options, view.callbacks());
      }
      if (o->json)
        std::cout << engine::push_report_json(report).dump(2) << '\n';
      else
        std::cout << engine::format_push_report(report);
      result.code = report.exit_code();
    });
  }

  // ferry release ...
  {
    auto* release =
        app.add_subcommand("release", "List, flip, roll back and purge releases; show the current");
    release->require_subcommand(1);
    struct Options {
      std::vector<std::string> on;
      std::string name;
      long long keep = 0;
      bool dry_run = false;
      bool json = false;
      int jobs = 8;
      TransportFlags transport;
    };
    auto add = [&](const char* name, const char* help, engine::ReleaseOp op) {
      auto* cmd = release->add_subcommand(name, help);
      auto o = std::make_shared<Options>();
      if (op == engine::ReleaseOp::flip)
        cmd->add_option("NAME", o->name, "The release to make current")->required();
      if (op == engine::ReleaseOp::purge) {
        cmd->add_option("--keep", o->keep,
                        "Complete releases to keep (the current and the "
                        "previous one are always kept)")
            ->required();
        cmd->add_flag("--dry-run", o->dry_run, "Say what would be removed; remove nothing");
      }
      if (op == engine::ReleaseOp::flip || op == engine::ReleaseOp::rollback)
        cmd->add_flag("--dry-run", o->dry_run,
                      "Say what `current` would point to on each node; change nothing");
      cmd->add_option("--on", o->on, "Targets, as for push --to")->required();
      cmd->add_option("-j,--jobs", o->jobs, "Nodes at once")->check(CLI::Range(1, 256));
      cmd->add_flag("--json", o->json, "Print the report as JSON on stdout");
      add_transport_flags(cmd, o->transport);
      cmd->callback([o, op, &result] {
        engine::ReleaseOptions options;
        options.op = op;
        NamedTargets targets = resolve_named_targets(o->on);
        options.targets = std::move(targets.targets);
        options.names = std::move(targets.names);
        options.release = o->name;
        options.keep = o->keep;
        options.dry_run = o->dry_run;
        options.jobs = o->jobs;
        options.transport = transport(o->transport);
        const engine::ReleaseReport report = engine::release_command(options);
        if (o->json)
          std::cout << engine::release_report_json(report).dump(2) << '\n';
        else
          std::cout << engine::format_release_report(report);
        result.code = report.exit_code();
      });
    };
    add("list",
        "Releases on each node: name, new and shared bytes, age, which is current and which "
        "previous",
        engine::ReleaseOp::list);
    add("current", "The release `current` points to on each node", engine::ReleaseOp::current);
    add("flip", "Point `current` at a release on every node", engine::ReleaseOp::flip);
    add("rollback", "Point `current` back at the release flipped to before it",
        engine::ReleaseOp::rollback);
    add("purge", "Remove old releases, never the current or the previous one",
        engine::ReleaseOp::purge);
  }

  // ferry receive ROOT
  {
    auto* cmd = app.add_subcommand(
        "receive", "The node side of push and release, speaking ferry's protocol on stdin/stdout");
    auto root = std::make_shared<std::string>();
    cmd->add_option("ROOT", *root, "The release root on this node (absolute)")->required();
    cmd->callback([root, &result] {
      result.code = static_cast<ExitCode>(engine::serve_node(*root, STDIN_FILENO, STDOUT_FILENO));
    });
  }
}

}  // namespace ferry::cli
