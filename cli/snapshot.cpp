// ferry snapshot create|restore|verify|list|show|prune, and ferry copy.
#include <exception>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "endpoints.hpp"
#include "ferry/engine/snapshot.hpp"
#include "live_view.hpp"

namespace ferry::cli {
namespace {

// A row of the live view on a terminal: parts done, rows of the estimated total, rate and
// the time left. Elsewhere nothing: the report says it all.
class ProgressLine {
 public:
  ProgressLine(const engine::LoadProgress& progress, std::string what)
      : m_progress(progress), m_what(std::move(what)) {
    m_view.step(m_what, m_what == "snapshot" ? "reading" : "loading", 0, Unit::items, "rows");
    m_view.on_tick([this] {
      m_view.note(m_what, fmt::format("parts {}/{}", m_progress.parts_done.load(),
                                      m_progress.parts_total.load()));
      m_view.set_total(m_what, m_progress.rows_total.load());
      m_view.set_done(m_what, m_progress.rows.load());
    });
  }
  ~ProgressLine() {
    const bool failed = std::uncaught_exceptions() > 0;
    m_view.finish(m_what, failed ? "failed" : "done", failed ? Tone::bad : Tone::good,
                  fmt::format("{} parts, {} rows, {:.1f} MiB", m_progress.parts_done.load(),
                              m_progress.rows.load(),
                              static_cast<double>(m_progress.bytes.load()) / (1 << 20)));
  }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

 private:
  const engine::LoadProgress& m_progress;
  std::string m_what;
  LiveView m_view;
};

struct Args {
  std::string source, target, store, name;
  std::vector<std::string> tables, exclude;
  int jobs = 4;
  bool json = false, structure_only = false, resume = false, clean = false, yes = false;
  bool no_verify = false, dry_run = false;
  std::size_t keep = 0;
  std::string older_than;
};

std::filesystem::path store_of(const Args& a) {
  std::filesystem::path store = a.store;
  if (store.empty() && config_found())
    store = config().snapshot_store;
  if (store.empty()) {
    throw Error(ErrorKind::usage,
                "which snapshot store? Pass --store DIR (or set snapshots.store in ferry.yaml)");
  }
  return std::filesystem::absolute(store);
}

engine::LoadOptions load_options(const Args& a) {
  engine::LoadOptions o;
  o.tables = a.tables;
  o.exclude = a.exclude;
  o.jobs = a.jobs;
  o.structure_only = a.structure_only;
  o.resume = a.resume;
  o.clean = a.clean;
  o.verify = !a.no_verify;
  o.dry_run = a.dry_run;
  return o;
}

template <typename Report>
ExitCode print(const Report& report, bool json) {
  if (json)
    std::cout << engine::to_json(report).dump(2) << '\n';
  else
    std::cout << engine::render_text(report);
  return ExitCode::ok;
}

// Restore and copy: --clean drops what the target holds, so without --yes the run stops at
// the list of what it would drop.
ExitCode run_load(const Args& a, const std::string& what,
                  const std::function<engine::LoadReport(const engine::LoadOptions&,
                                                         engine::LoadProgress*)>& load) {
  engine::LoadOptions options = load_options(a);
  if (a.clean && !a.yes && !a.dry_run) {
    engine::LoadOptions look = options;
    look.dry_run = true;
    const engine::LoadReport plan = load(look, nullptr);
    std::string list;
    for (const std::string& d : plan.dropped)
      list += "\n  " + d;
    throw Error(ErrorKind::usage, "--clean drops everything " + plan.target + " holds" +
                                      (list.empty() ? " (nothing now)" : ":" + list) +
                                      "\npass --yes to go ahead");
  }
  engine::LoadProgress progress;
  engine::LoadReport report;
  {
    const ProgressLine line(progress, what);
    report = load(options, &progress);
  }
  print(report, a.json);
  if (report.differs()) {
    throw Error(ErrorKind::failure,
                "verification failed: the target differs from its source (see the report)");
  }
  return ExitCode::ok;
}

void add_filters(CLI::App* cmd, Args& a) {
  cmd->add_option("--tables", a.tables, "Only these tables (glob patterns, name or schema.name)")
      ->delimiter(',');
  cmd->add_option("--exclude", a.exclude, "Leave out these tables (glob patterns)")->delimiter(',');
  cmd->add_option("-j,--jobs", a.jobs, "Parts read or written at once")
      ->default_val(4)
      ->check(CLI::Range(1, 64));
  cmd->add_flag("--json", a.json, "Print the report as JSON");
}

void add_load_flags(CLI::App* cmd, Args& a) {
  cmd->add_flag("--structure-only", a.structure_only, "Make the structure, load no rows");
  cmd->add_flag("--resume", a.resume,
                "Finish an interrupted load: parts committed before are kept, the rest redone");
  cmd->add_flag("--clean", a.clean, "Drop everything the target holds first (danger: needs --yes)");
  cmd->add_flag("--yes", a.yes, "Confirm --clean");
  cmd->add_flag("--no-verify", a.no_verify, "Skip the check of every part against its source");
  cmd->add_flag("--dry-run", a.dry_run,
                "Print the structure it would make and what --clean would drop; change nothing");
}

}  // namespace

void add_snapshot_commands(CLI::App& app, CommandResult& result) {
  CLI::App* snapshot =
      app.add_subcommand("snapshot", "Consistent, incremental, verifiable database snapshots");
  snapshot->require_subcommand(1);

  auto create = std::make_shared<Args>();
  CLI::App* create_cmd =
      snapshot->add_subcommand("create", "Take a consistent snapshot of a database into a store");
  create_cmd->add_option("source", create->source, "The database (URL or name in ferry.yaml)")
      ->required();
  create_cmd->add_option("--store", create->store, "The snapshot store (a directory)");
  create_cmd->add_option("--name", create->name,
                         "The snapshot's name (default: database-YYYYMMDD-HHMMSS)");
  add_filters(create_cmd, *create);
  create_cmd->callback([create, &result] {
    const Endpoint source = resolve_endpoint(create->source);
    engine::SnapshotOptions options;
    options.name = create->name;
    options.tables = create->tables;
    options.exclude = create->exclude;
    options.jobs = create->jobs;
    engine::LoadProgress progress;
    engine::SnapshotReport report;
    {
      const ProgressLine line(progress, "snapshot");
      report = engine::create_snapshot(source, store_of(*create), options, &progress);
    }
    result.code = print(report, create->json);
  });

  auto restore = std::make_shared<Args>();
  CLI::App* restore_cmd =
      snapshot->add_subcommand("restore", "Restore a snapshot into an empty database");
  restore_cmd->add_option("name", restore->name, "The snapshot")->required();
  restore_cmd->add_option("--to", restore->target, "The target database (URL or name)")->required();
  restore_cmd->add_option("--store", restore->store, "The snapshot store");
  add_filters(restore_cmd, *restore);
  add_load_flags(restore_cmd, *restore);
  restore_cmd->callback([restore, &result] {
    const Endpoint target = resolve_endpoint(restore->target);
    const std::filesystem::path store = store_of(*restore);
    result.code =
        run_load(*restore, "restore", [&](const engine::LoadOptions& o, engine::LoadProgress* p) {
          return engine::restore_snapshot(store, restore->name, target, o, p);
        });
  });

  auto verify = std::make_shared<Args>();
  CLI::App* verify_cmd = snapshot->add_subcommand(
      "verify", "Re-hash every chunk of a snapshot; --against compares a database with it");
  verify_cmd->add_option("name", verify->name, "The snapshot")->required();
  verify_cmd->add_option("--store", verify->store, "The snapshot store");
  verify_cmd->add_option("--against", verify->target, "A database to compare with the snapshot");
  verify_cmd->add_option("-j,--jobs", verify->jobs, "Parts checked at once")
      ->default_val(4)
      ->check(CLI::Range(1, 64));
  verify_cmd->add_flag("--json", verify->json, "Print the report as JSON");
  verify_cmd->callback([verify, &result] {
    std::optional<Endpoint> against;
    if (!verify->target.empty())
      against = resolve_endpoint(verify->target);
    const engine::VerifyReport report =
        engine::verify_snapshot(store_of(*verify), verify->name, against, verify->jobs);
    print(report, verify->json);
    if (!report.problems.empty())
      result.code = ExitCode::failure;
    else if (!report.tables_differing.empty())
      result.code = ExitCode::differences;
  });

  auto list = std::make_shared<Args>();
  CLI::App* list_cmd = snapshot->add_subcommand("list", "The snapshots of a store");
  list_cmd->add_option("--store", list->store, "The snapshot store");
  list_cmd->add_flag("--json", list->json, "Print the list as JSON");
  list_cmd->callback([list] {
    const auto all = engine::list_snapshots(store_of(*list));
    if (list->json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& m : all) {
        out.push_back({{"name", m.name},
                       {"created_at", m.created_at},
                       {"source", m.source},
                       {"tables", m.tables.size()},
                       {"rows", m.rows()},
                       {"raw_bytes", m.raw_bytes()},
                       {"stored_bytes", m.stored_bytes}});
      }
      std::cout << out.dump(2) << '\n';
      return;
    }
    std::size_t width = 4;
    for (const auto& m : all)
      width = std::max(width, m.name.size());
    std::cout << fmt::format("{:<{}}  {:<20}  {:>6}  {:>12}  {:>14}  {}\n", "name", width,
                             "created (UTC)", "tables", "rows", "new bytes", "source");
    for (const auto& m : all) {
      std::cout << fmt::format("{:<{}}  {:<20}  {:>6}  {:>12}  {:>14}  {}\n", m.name, width,
                               m.created_at, m.tables.size(), m.rows(), m.stored_bytes, m.source);
    }
  });

  auto show = std::make_shared<Args>();
  CLI::App* show_cmd = snapshot->add_subcommand("show", "One snapshot: position, tables, parts");
  show_cmd->add_option("name", show->name, "The snapshot")->required();
  show_cmd->add_option("--store", show->store, "The snapshot store");
  show_cmd->add_flag("--json", show->json, "Print the whole manifest as JSON");
  show_cmd->callback([show] {
    const engine::SnapshotManifest m = engine::read_snapshot(store_of(*show), show->name);
    if (show->json) {
      std::cout << engine::to_json(m).dump(2) << '\n';
      return;
    }
    std::cout << fmt::format("snapshot {}\n  source   {}\n  created  {} ({:.1f}s)\n", m.name,
                             m.source, m.created_at, m.seconds);
    std::cout << fmt::format("  position {}\n", m.position.value_or("none"));
    if (!m.why_not.empty())
      std::cout << fmt::format("  read by one session: {}\n", m.why_not);
    std::cout << fmt::format("  {} tables, {} rows, {} raw bytes, {} chunks, {} bytes new\n",
                             m.tables.size(), m.rows(), m.raw_bytes(), m.chunk_count(),
                             m.stored_bytes);
    for (const auto& t : m.tables) {
      std::uint64_t rows = 0, bytes = 0;
      for (const auto& p : t.parts) {
        rows += p.rows;
        bytes += p.raw_bytes;
      }
      std::cout << fmt::format("  {}: {} rows, {} bytes, {} part(s)\n", t.table, rows, bytes,
                               t.parts.size());
    }
    for (const auto& c : m.counters)
      std::cout << fmt::format("  counter {}: next {}\n", c.name, c.next);
  });

  auto prune = std::make_shared<Args>();
  CLI::App* prune_cmd = snapshot->add_subcommand(
      "prune", "Delete old snapshots, then the chunks no remaining snapshot uses");
  prune_cmd->add_option("--store", prune->store, "The snapshot store");
  prune_cmd->add_option("--keep", prune->keep, "Keep the newest N snapshots")
      ->check(CLI::Range(0, 100000));
  prune_cmd->add_option("--older-than", prune->older_than,
                        "Delete snapshots older than this (30d, 12h, 90m)");
  prune_cmd->add_flag("--dry-run", prune->dry_run, "Say what would go; delete nothing");
  prune_cmd->add_flag("--json", prune->json, "Print the report as JSON");
  prune_cmd->callback([prune, prune_cmd] {
    engine::PruneOptions options;
    if (prune_cmd->count("--keep") > 0)
      options.keep = prune->keep;
    if (!prune->older_than.empty())
      options.older_than = prune->older_than;
    options.dry_run = prune->dry_run;
    const engine::PruneReport report = engine::prune_snapshots(store_of(*prune), options);
    if (prune->json) {
      std::cout << nlohmann::json{{"removed", report.removed},
                                  {"chunks_removed", report.chunks_removed},
                                  {"bytes_removed", report.bytes_removed},
                                  {"dry_run", prune->dry_run}}
                       .dump(2)
                << '\n';
      return;
    }
    const char* verb = prune->dry_run ? "would remove" : "removed";
    for (const std::string& name : report.removed)
      std::cout << fmt::format("{} snapshot {}\n", verb, name);
    std::cout << fmt::format("{} {} snapshot(s) and {} chunk(s) ({} bytes)\n", verb,
                             report.removed.size(), report.chunks_removed, report.bytes_removed);
  });

  auto copy = std::make_shared<Args>();
  CLI::App* copy_cmd = app.add_subcommand(
      "copy", "Copy a database into another (any engines), consistent and verified");
  copy_cmd->add_option("source", copy->source, "The source database (URL or name)")->required();
  copy_cmd->add_option("target", copy->target, "The target database (URL or name)")->required();
  add_filters(copy_cmd, *copy);
  add_load_flags(copy_cmd, *copy);
  copy_cmd->callback([copy, &result] {
    const Endpoint source = resolve_endpoint(copy->source);
    const Endpoint target = resolve_endpoint(copy->target);
    result.code =
        run_load(*copy, "copy", [&](const engine::LoadOptions& o, engine::LoadProgress* p) {
          return engine::copy_database(source, target, o, p);
        });
  });
}

}  // namespace ferry::cli
