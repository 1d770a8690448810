// ferry bench link|db|push|sync: throughput of the paths the other commands take
// (docs/bench.md).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "endpoints.hpp"
#include "ferry/engine/bench.hpp"

namespace ferry::cli {
namespace {

struct OutputFlags {
  bool json = false;
  std::string plot;
};

void add_output_flags(CLI::App* cmd, OutputFlags& flags) {
  cmd->add_flag("--json", flags.json, "Print the report as JSON on stdout");
  cmd->add_option("--plot", flags.plot,
                  "Also draw the throughputs as a bar chart into this SVG file");
}

// Prints the report and writes its chart; the report's exit code.
template <typename Report>
ExitCode finish(const Report& report, const OutputFlags& flags) {
  if (!flags.plot.empty()) {
    std::ofstream out(flags.plot, std::ios::binary | std::ios::trunc);
    out << engine::render_svg(engine::chart_of(report));
    out.close();
    if (!out)
      throw Error(ErrorKind::failure, "cannot write the chart to " + flags.plot);
  }
  if (flags.json)
    std::cout << engine::to_json(report).dump(2) << '\n';
  else
    std::cout << engine::render_text(report);
  return report.exit_code();
}

std::uint64_t mebibytes(std::uint64_t mib) {
  return mib << 20;
}

}  // namespace

void add_bench_commands(CLI::App& app, CommandResult& result) {
  CLI::App* bench = app.add_subcommand("bench", "Measure links, databases, pushes and syncs");
  bench->require_subcommand(1);

  {
    struct Options {
      std::vector<std::string> targets;
      std::uint64_t size_mib = 64;
      int max_streams = 8;
      TransportFlags transport;
      OutputFlags output;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = bench->add_subcommand(
        "link", "Round trip, throughput (raw and zstd) and parallel streams to push targets");
    cmd->add_option("TARGET", o->targets,
                    "local:/abs/root, ssh://user@host[:port]/abs/root, or node and node group "
                    "names from ferry.yaml (nothing is written there)")
        ->required();
    cmd->add_option("--size", o->size_mib, "MiB sent per measurement")
        ->default_val(64)
        ->check(CLI::Range(1, 1 << 20));
    cmd->add_option("--max-streams", o->max_streams,
                    "Parallel streams tried at most (1, 2, 4, ...)")
        ->default_val(8)
        ->check(CLI::Range(1, 64));
    add_transport_flags(cmd, o->transport);
    add_output_flags(cmd, o->output);
    cmd->callback([o, &result] {
      engine::LinkBenchOptions options;
      options.targets = resolve_targets(o->targets);
      options.size = mebibytes(o->size_mib);
      options.max_streams = o->max_streams;
      options.transport = transport(o->transport);
      result.code = finish(engine::bench_link(options), o->output);
    });
  }

  {
    struct Options {
      std::string endpoint;
      std::vector<std::string> tables;
      bool write = false;
      OutputFlags output;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = bench->add_subcommand(
        "db", "Read, hash and (with --write) write rates per table through ferry's connector");
    cmd->add_option("ENDPOINT", o->endpoint, "A database URL, or a name from ferry.yaml")
        ->required();
    cmd->add_option("--tables", o->tables, "Tables to measure (name, schema.name or a glob)")
        ->delimiter(',');
    cmd->add_flag("--write", o->write,
                  "Also time writes, into a scratch table ferry_bench_scratch_PID that is "
                  "dropped again; without it nothing is written");
    add_output_flags(cmd, o->output);
    cmd->callback([o, &result] {
      const Endpoint endpoint = resolve_endpoint(o->endpoint);
      result.code =
          finish(engine::bench_db(endpoint, {.tables = o->tables, .write = o->write}), o->output);
    });
  }

  {
    struct Options {
      std::string source;
      std::vector<std::string> to;
      std::uint64_t size_mib = 64;
      TransportFlags transport;
      OutputFlags output;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = bench->add_subcommand(
        "push", "Scan, chunk and compress rates of a tree; with --to, a push's estimated time");
    cmd->add_option("SRC", o->source, "The tree a push would release")->required();
    cmd->add_option("--to", o->to,
                    "Targets to estimate a push to, as for push --to (asked for a dry-run plan; "
                    "nothing is written)");
    cmd->add_option("--size", o->size_mib, "MiB sent to each target to measure its link")
        ->default_val(64)
        ->check(CLI::Range(1, 1 << 20));
    add_transport_flags(cmd, o->transport);
    add_output_flags(cmd, o->output);
    cmd->callback([o, &result] {
      engine::PushBenchOptions options;
      options.source = o->source;
      if (!o->to.empty())
        options.targets = resolve_targets(o->to);
      options.link.size = mebibytes(o->size_mib);
      options.link.transport = transport(o->transport);
      result.code = finish(engine::bench_push(options), o->output);
    });
  }

  {
    struct Options {
      std::string master;
      std::string tenant;
      std::vector<std::string> tables;
      bool write = false;
      OutputFlags output;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = bench->add_subcommand(
        "sync", "A data diff of a tenant against a full read of the same master tables");
    cmd->add_option("MASTER", o->master, "The master endpoint")->required();
    cmd->add_option("TENANT", o->tenant, "The tenant endpoint")->required();
    cmd->add_option("--tables", o->tables, "Tables, as for data sync (default: every master table)")
        ->delimiter(',');
    cmd->add_flag("--write", o->write,
                  "Also run the real sync and time it (writes the tenant); without it nothing is "
                  "written");
    add_output_flags(cmd, o->output);
    cmd->callback([o, &result] {
      const Endpoint master = resolve_endpoint(o->master);
      const Endpoint tenant = resolve_endpoint(o->tenant);
      result.code = finish(
          engine::bench_sync(master, tenant, {.tables = o->tables, .write = o->write}), o->output);
    });
  }
}

}  // namespace ferry::cli
