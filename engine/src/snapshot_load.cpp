// Restore and copy: one load pipeline into a target database (snapshot.hpp says the order).
#include <algorithm>
#include <future>
#include <map>
#include <mutex>
#include <set>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "ferry/engine/snapshot.hpp"
#include "ferry/schema/convert.hpp"
#include "ferry/schema/filter.hpp"
#include "ferry/schema/plan.hpp"
#include "ferry/transfer/chunk_store.hpp"
#include "ferry/transfer/row_chunks.hpp"
#include "parallel.hpp"
#include "snapshot_internal.hpp"

namespace ferry::engine {
namespace {

using nlohmann::json;

// Where a load's rows come from: a snapshot's chunks or a live source's parts.
class RowSource {
 public:
  virtual ~RowSource() = default;
  virtual std::size_t workers() const = 0;
  virtual void read(const SnapshotTable& table, std::size_t part, std::size_t worker,
                    const std::function<void(const schema::RowBatch&)>& sink) = 0;
  // What the target's part must add up to.
  virtual diff::Summary expected(const SnapshotTable& table, std::size_t part,
                                 std::size_t worker) = 0;
};

class SnapshotSource final : public RowSource {
 public:
  explicit SnapshotSource(transfer::ChunkStore store, int jobs)
      : m_store(std::move(store)), m_jobs(static_cast<std::size_t>(std::max(1, jobs))) {}
  std::size_t workers() const override { return m_jobs; }
  void read(const SnapshotTable& table, std::size_t part, std::size_t,
            const std::function<void(const schema::RowBatch&)>& sink) override {
    schema::RowBatch batch(table.columns.size());
    for (const SnapshotPart::Chunk& c : table.parts[part].chunks) {
      batch.reset(table.columns.size());
      if (transfer::decode_rows(m_store.get(c.id), batch) != c.rows) {
        throw Error(ErrorKind::failure, "chunk " + c.id.hex() + " of table " + table.table +
                                            " does not hold the rows its manifest says");
      }
      sink(batch);
    }
  }
  diff::Summary expected(const SnapshotTable& table, std::size_t part, std::size_t) override {
    return table.parts[part].summary;
  }

 private:
  transfer::ChunkStore m_store;
  std::size_t m_jobs;
};

class LiveSource final : public RowSource {
 public:
  LiveSource(SourceRead& read, const schema::Catalog& catalog) : m_read(read), m_catalog(catalog) {}
  std::size_t workers() const override { return m_read.sessions.sessions.size(); }
  void read(const SnapshotTable& table, std::size_t part, std::size_t worker,
            const std::function<void(const schema::RowBatch&)>& sink) override {
    diff::Summary summary;
    read_part(*m_read.sessions.sessions[worker], source_table(table), table.columns,
              table.parts[part].range, [&](const schema::RowBatch& batch) {
                summarize(batch, summary);
                sink(batch);
              });
    const std::lock_guard lock(m_mutex);
    m_summaries[{table.table, part}] = summary;
  }
  diff::Summary expected(const SnapshotTable& table, std::size_t part,
                         std::size_t worker) override {
    {
      const std::lock_guard lock(m_mutex);
      const auto it = m_summaries.find({table.table, part});
      if (it != m_summaries.end())
        return it->second;
    }
    // Copied by an earlier run: what the source holds now.
    diff::Summary summary;
    read_part(*m_read.sessions.sessions[worker], source_table(table), table.columns,
              table.parts[part].range,
              [&](const schema::RowBatch& batch) { summarize(batch, summary); });
    return summary;
  }

 private:
  const schema::Table& source_table(const SnapshotTable& table) const {
    const schema::Table* t = find_carried_table(m_catalog, table.table, m_catalog.dialect);
    if (t == nullptr)
      throw Error(ErrorKind::failure, "table " + table.table + " is not on the source");
    return *t;
  }

  SourceRead& m_read;
  const schema::Catalog& m_catalog;
  std::mutex m_mutex;
  std::map<std::pair<std::string, std::size_t>, diff::Summary> m_summaries;
};

struct LoadInput {
  std::string label;  // what the journal says is being loaded
  schema::Catalog catalog;
  std::vector<SnapshotTable> tables;
  std::vector<connectors::Counter> counters;
};

void drop_journal_table(schema::Catalog& catalog) {
  std::erase_if(catalog.tables, [](const schema::Table& t) { return t.name == k_load_journal; });
}

schema::Catalog introspect_target(connectors::Connector& db) {
  schema::Catalog catalog = db.introspect();
  drop_journal_table(catalog);
  return catalog;
}

// What a target holds besides schemas and extensions, as "kind name" lines.
std::vector<std::string> contents(const schema::Catalog& c) {
  std::vector<std::string> out;
  for (const auto& t : c.tables)
    out.push_back("table " + t.qualified_name());
  for (const auto& v : c.views)
    out.push_back("view " + v.qualified_name());
  for (const auto& s : c.sequences)
    out.push_back("sequence " + s.qualified_name());
  for (const auto& e : c.enums)
    out.push_back("enum " + e.qualified_name());
  for (const auto& o : c.objects) {
    if (o.kind != schema::ObjectKind::extension)
      out.push_back(std::string(to_string(o.kind)) + " " + o.qualified_name());
  }
  return out;
}

// The structure made before the rows: tables without what the rows do not need (secondary
// indexes, and where the dialect can add them later, keys and foreign keys), no triggers (they
// would fire on every row), no materialized views (they would be made empty).
schema::Catalog pre_data(const schema::Catalog& full) {
  schema::Catalog pre = full;
  std::set<std::string> materialized;
  for (const schema::View& v : full.views) {
    if (v.materialized)
      materialized.insert(v.qualified_name());
  }
  for (schema::Table& t : pre.tables) {
    t.indexes.clear();
    t.index_comments.clear();
    t.constraint_comments.clear();
    if (pre.dialect == Dialect::sqlite)
      continue;  // SQLite makes keys and foreign keys only with the table
    t.foreign_keys.clear();
    t.uniques.clear();
    if (pre.dialect == Dialect::postgres)
      t.primary_key.reset();  // MySQL keeps it: an AUTO_INCREMENT column must be a key
  }
  std::erase_if(pre.views, [](const schema::View& v) { return v.materialized; });
  std::erase_if(pre.objects, [&](const schema::SchemaObject& o) {
    if (o.kind == schema::ObjectKind::trigger || o.kind == schema::ObjectKind::index)
      return true;
    return std::any_of(o.uses.begin(), o.uses.end(),
                       [&](const std::string& u) { return materialized.contains(u); });
  });
  return pre;
}

bool builds_index(const schema::Change& change) {
  return change.description.starts_with("create index ") ||
         change.description.starts_with("add primary key ") ||
         change.description.starts_with("add unique ");
}

// The table (qualified name) a key or index change of builds_index() is on, from its
// description ("create index shop.orders.orders_day_idx").
std::string built_on(const schema::Change& change, const schema::Catalog& catalog) {
  std::string best;
  for (const schema::Table& t : catalog.tables) {
    const std::string name = t.qualified_name();
    for (const std::string_view prefix : {"create index ", "add primary key ", "add unique "}) {
      const std::string head = std::string(prefix) + name;
      const std::string& d = change.description;
      if (d.size() > head.size() && d.starts_with(head) &&
          (d[head.size()] == '.' || d[head.size()] == ' ') && name.size() > best.size())
        best = name;
    }
  }
  return best;
}

std::string journal_insert(const std::string& part, const std::string& info) {
  return std::string("INSERT INTO ") + k_load_journal + " (part, info) VALUES ('" + part + "', '" +
         to_hex(info) + "')";
}

std::string part_id(std::size_t table, std::size_t part) {
  return "t" + std::to_string(table) + "p" + std::to_string(part);
}

json ranges_json(const std::vector<SnapshotTable>& tables) {
  json out = json::array();
  for (const SnapshotTable& t : tables) {
    json parts = json::array();
    for (const SnapshotPart& p : t.parts)
      parts.push_back(json::array({p.range.after, p.range.up_to}));
    out.push_back(json{{"table", t.table}, {"parts", std::move(parts)}});
  }
  return out;
}

// The journal's rows: part id -> info.
std::map<std::string, std::string> read_journal(connectors::Connector& db) {
  std::map<std::string, std::string> out;
  for (const auto& row : db.query(std::string("SELECT part, info FROM ") + k_load_journal)) {
    if (row.size() == 2 && row[0] && row[1])
      out[*row[0]] = from_hex(*row[1]).value_or("");
  }
  return out;
}

void apply_statements(connectors::Connector& db, const std::vector<std::string>& statements) {
  if (!statements.empty())
    db.apply_schema_changes(statements, connectors::SchemaApplyOptions{});
}

LoadReport load(LoadInput& in, RowSource& source, const Endpoint& target,
                const LoadOptions& options, LoadProgress* progress) {
  const Clock::time_point start = Clock::now();
  LoadReport report;
  report.source = in.label;
  report.target = target.redacted();
  report.dry_run = options.dry_run;
  schema::filter_catalog(in.catalog, options.tables, options.exclude);
  in.counters = counters_of(in.catalog, std::move(in.counters));
  std::erase_if(in.tables, [&](const SnapshotTable& t) {
    return find_carried_table(in.catalog, t.table, in.catalog.dialect) == nullptr;
  });
  const schema::Converted converted = schema::convert_catalog(in.catalog, target.dialect);
  report.notes = converted.notes;
  if (in.catalog.dialect == target.dialect) {  // across dialects the conversion says so
    for (const schema::UnmodelledObject& u : in.catalog.unmodelled)
      report.notes.push_back(u.kind + " " + u.name + " not carried: ferry does not model it");
  }
  const schema::Catalog& full = converted.catalog;
  const schema::Catalog pre = pre_data(full);

  const std::unique_ptr<connectors::Connector> control = connectors::connect(target);
  const schema::Catalog found = control->introspect();
  const bool has_journal = found.find_table(target.dialect == Dialect::postgres ? "public" : "",
                                            k_load_journal) != nullptr;
  schema::Catalog current = found;
  drop_journal_table(current);
  std::map<std::string, std::string> journal;
  const bool resume = options.resume || (options.resume_if_interrupted && has_journal);
  if (has_journal && !resume && !options.clean) {
    throw Error(ErrorKind::usage,
                report.target + " holds an interrupted load (table " + k_load_journal +
                    "): run again with --resume to finish it, or --clean to start over");
  }
  if (resume) {
    if (!has_journal) {
      throw Error(ErrorKind::usage, "nothing to resume in " + report.target +
                                        ": it holds no interrupted load (no table " +
                                        k_load_journal + ")");
    }
    journal = read_journal(*control);
    if (journal["@source"] != in.label) {
      throw Error(ErrorKind::usage, "the interrupted load in " + report.target + " is of " +
                                        journal["@source"] + ", not of " + in.label +
                                        ": resume it with that source, or use --clean");
    }
    const json plan = json::parse(journal["@plan"]);
    for (SnapshotTable& t : in.tables) {
      for (const json& entry : plan) {
        if (entry.at("table") != t.table)
          continue;
        t.parts.resize(entry.at("parts").size());
        for (std::size_t p = 0; p < t.parts.size(); ++p) {
          t.parts[p].range.after = entry.at("parts")[p][0].get<schema::KeyValue>();
          t.parts[p].range.up_to = entry.at("parts")[p][1].get<schema::KeyValue>();
        }
      }
    }
    report.resumed = true;
  } else {
    const std::vector<std::string> held = contents(current);
    if (!held.empty() || has_journal) {
      if (!options.clean) {
        std::string list;
        for (std::size_t i = 0; i < held.size() && i < 5; ++i)
          list += (i ? ", " : "") + held[i];
        if (held.size() > 5)
          list += " and " + std::to_string(held.size() - 5) + " more";
        throw Error(ErrorKind::usage, report.target + " is not empty (" + list +
                                          "): restore into an empty database, or pass --clean "
                                          "to drop what it holds first");
      }
      schema::Catalog nothing;
      nothing.dialect = current.dialect;
      nothing.schemas = current.schemas;
      for (const schema::SchemaObject& o : current.objects) {
        if (o.kind == schema::ObjectKind::extension)
          nothing.objects.push_back(o);
      }
      const schema::Plan drop = schema::diff(nothing, current, {.allow_drop = true});
      report.dropped = held;
      std::vector<std::string> statements = drop.statements();
      if (has_journal)
        statements.push_back(std::string("DROP TABLE ") + k_load_journal);
      if (!options.dry_run) {
        apply_statements(*control, statements);
        current = introspect_target(*control);
      }
    }
  }

  if (options.dry_run) {
    schema::Catalog empty;
    empty.dialect = current.dialect;
    empty.schemas = current.schemas;
    report.statements = schema::diff(full, empty, {}).statements();
    report.seconds = seconds_since(start);
    return report;
  }

  // Structure before the rows, with the journal in the same transaction where DDL has one.
  Clock::time_point phase = Clock::now();
  {
    std::vector<std::string> statements;
    if (!has_journal || !resume) {
      statements.push_back(std::string("CREATE TABLE ") + k_load_journal +
                           " (part VARCHAR(100) PRIMARY KEY, info TEXT)");
      statements.push_back(journal_insert("@source", in.label));
      statements.push_back(journal_insert("@plan", ranges_json(in.tables).dump()));
    }
    const schema::Plan plan = schema::diff(pre, current, {});
    for (const schema::Change* c : plan.manual())
      report.notes.push_back("not made: " + c->description);
    const std::vector<std::string> structure = plan.statements();
    statements.insert(statements.end(), structure.begin(), structure.end());
    apply_statements(*control, statements);
  }
  const schema::Catalog loaded = introspect_target(*control);
  report.seconds_structure = seconds_since(phase);

  // Rows, part by part, each committed with its journal row.
  phase = Clock::now();
  struct Item {
    std::size_t table, part;
  };
  std::vector<Item> items;
  report.tables.resize(in.tables.size());
  for (std::size_t t = 0; t < in.tables.size(); ++t) {
    const schema::Table* target_table =
        find_carried_table(loaded, in.tables[t].table, in.catalog.dialect);
    if (target_table == nullptr)
      throw Error(ErrorKind::failure,
                  "table " + in.tables[t].table + " was not made in the target");
    report.tables[t].table = target_table->qualified_name();
    report.tables[t].parts = in.tables[t].parts.size();
    for (std::size_t p = 0; p < in.tables[t].parts.size(); ++p) {
      if (journal.contains(part_id(t, p)))
        ++report.tables[t].parts_resumed;
      else if (!options.structure_only)
        items.push_back({t, p});
    }
  }
  if (progress != nullptr) {
    progress->parts_total = items.size();
    for (const Item& item : items)
      progress->rows_total += in.tables[item.table].parts[item.part].rows;
  }
  std::vector<std::size_t> order(items.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return in.tables[items[a].table].parts[items[a].part].raw_bytes >
           in.tables[items[b].table].parts[items[b].part].raw_bytes;
  });
  // SQLite has one writer at a time: more sessions would only wait on each other.
  const std::size_t workers =
      target.dialect == Dialect::sqlite
          ? 1
          : std::max<std::size_t>(1, std::min(source.workers(), items.size()));
  std::vector<std::unique_ptr<connectors::Connector>> sessions;
  for (std::size_t w = 0; w < workers; ++w)
    sessions.push_back(connectors::connect(target));
  // SQLite makes foreign keys with the tables (pre_data), and parts load in any order (a
  // child before its parent): the writers check none, as on the other dialects, which add
  // their foreign keys after the rows. (The pragma is a no-op inside a transaction.)
  if (target.dialect == Dialect::sqlite) {
    for (const auto& session : sessions)
      session->query("PRAGMA foreign_keys = OFF");
  }
  std::mutex mutex;
  run_items(workers, order, [&](std::size_t i, std::size_t worker) {
    const Clock::time_point part_start = Clock::now();
    const SnapshotTable& table = in.tables[items[i].table];
    const schema::Table& target_table =
        *find_carried_table(loaded, table.table, in.catalog.dialect);
    // The target computes its generated columns: they are not written.
    std::vector<std::string> written;
    std::vector<std::size_t> picked;
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
      const schema::Column* column = target_table.find_column(table.columns[c]);
      if (column != nullptr && !column->generated_expr) {
        written.push_back(table.columns[c]);
        picked.push_back(c);
      }
    }
    const bool all = written.size() == table.columns.size();
    const std::unique_ptr<connectors::RowWriter> writer =
        sessions[worker]->write_rows(target_table, written);
    schema::RowBatch projected;
    std::uint64_t rows = 0, bytes = 0;
    source.read(table, items[i].part, worker, [&](const schema::RowBatch& batch) {
      if (all) {
        writer->write(batch);
      } else {
        project(batch, picked, projected);
        writer->write(projected);
      }
      rows += batch.rows();
      bytes += batch.byte_size();
      if (progress != nullptr) {
        progress->rows += batch.rows();
        progress->bytes += batch.byte_size();
      }
    });
    writer->commit_with(
        {journal_insert(part_id(items[i].table, items[i].part), std::to_string(rows))});
    if (progress != nullptr)
      ++progress->parts_done;
    const std::lock_guard lock(mutex);
    LoadTableReport& r = report.tables[items[i].table];
    r.rows += rows;
    r.raw_bytes += bytes;
    r.seconds += seconds_since(part_start);
  });
  report.seconds_data = seconds_since(phase);

  // Indexes and keys in parallel (one table's on one session), then the rest in order.
  // PostgreSQL foreign keys are added NOT VALID (a short lock, no scan) and validated after,
  // in parallel, under a lock that lets reads and writes go on.
  phase = Clock::now();
  const schema::Catalog before_post = introspect_target(*control);
  schema::Catalog post_target = full;
  std::vector<std::string> validations;
  if (target.dialect == Dialect::postgres) {
    for (schema::Table& t : post_target.tables) {
      const schema::Table* made = before_post.find_table(t.schema, t.name);
      for (schema::ForeignKey& fk : t.foreign_keys) {
        if (!fk.valid)
          continue;
        const bool validated =
            made != nullptr &&
            std::any_of(made->foreign_keys.begin(), made->foreign_keys.end(),
                        [&](const schema::ForeignKey& f) { return f.name == fk.name && f.valid; });
        if (validated)
          continue;  // by a run before this one
        fk.valid = false;
        validations.push_back("ALTER TABLE " + control->quote_identifier(t.schema) + "." +
                              control->quote_identifier(t.name) + " VALIDATE CONSTRAINT " +
                              control->quote_identifier(fk.name));
      }
    }
  }
  const schema::Plan post = schema::diff(post_target, before_post, {});
  for (const schema::Change* c : post.manual())
    report.notes.push_back("not made: " + c->description);
  // PostgreSQL: each index or key on a session of its own; it builds several indexes of a
  // table at once, and a key's ALTER TABLE waits for them. MySQL queues them on the table
  // anyway: a table's keys go on one session, in the plan's order, so SHOW CREATE TABLE
  // lists them as the source does; tables in parallel.
  std::vector<std::vector<std::string>> groups;
  std::map<std::string, std::size_t> group_of_table;
  std::vector<std::string> rest;
  for (const schema::Change& change : post.changes) {
    if (!builds_index(change) || target.dialect == Dialect::sqlite) {
      rest.insert(rest.end(), change.sql.begin(), change.sql.end());
      continue;
    }
    std::size_t g = groups.size();
    if (target.dialect == Dialect::mysql)
      g = group_of_table.emplace(built_on(change, post_target), groups.size()).first->second;
    if (g == groups.size())
      groups.emplace_back();
    groups[g].insert(groups[g].end(), change.sql.begin(), change.sql.end());
  }
  std::vector<std::size_t> group_order(groups.size());
  for (std::size_t i = 0; i < group_order.size(); ++i)
    group_order[i] = i;
  run_items(
      std::min(workers, std::max<std::size_t>(1, groups.size())), group_order,
      [&](std::size_t g, std::size_t worker) { apply_statements(*sessions[worker], groups[g]); });
  apply_statements(*control, rest);
  std::vector<std::size_t> validation_order(validations.size());
  for (std::size_t i = 0; i < validation_order.size(); ++i)
    validation_order[i] = i;
  run_items(
      std::min(workers, std::max<std::size_t>(1, validations.size())), validation_order,
      [&](std::size_t v, std::size_t worker) { sessions[worker]->execute({validations[v]}); });
  report.seconds_indexes = seconds_since(phase);

  const schema::Catalog final_catalog = introspect_target(*control);
  report.counters_unmatched = control->set_counters(final_catalog, in.counters);
  // Statistics on the control session while the workers verify.
  std::future<void> analyzed = std::async(std::launch::async, [&] {
    std::vector<const schema::Table*> tables;
    for (const schema::Table& t : final_catalog.tables)
      tables.push_back(&t);
    control->analyze(tables);
  });

  // Every part against what it must hold.
  phase = Clock::now();
  if (options.verify && !options.structure_only) {
    std::vector<Item> all;
    for (std::size_t t = 0; t < in.tables.size(); ++t) {
      for (std::size_t p = 0; p < in.tables[t].parts.size(); ++p)
        all.push_back({t, p});
    }
    std::vector<std::size_t> verify_order(all.size());
    for (std::size_t i = 0; i < verify_order.size(); ++i)
      verify_order[i] = i;
    run_items(workers, verify_order, [&](std::size_t i, std::size_t worker) {
      const SnapshotTable& table = in.tables[all[i].table];
      const schema::Table& target_table =
          *find_carried_table(final_catalog, table.table, in.catalog.dialect);
      diff::Summary got;
      read_part(*sessions[worker], target_table, table.columns, table.parts[all[i].part].range,
                [&](const schema::RowBatch& batch) { summarize(batch, got); });
      const diff::Summary want = source.expected(table, all[i].part, worker);
      if (got == want)
        return;
      const std::lock_guard lock(mutex);
      report.tables[all[i].table].differences.push_back(
          "part " + std::to_string(all[i].part + 1) + ": " + std::to_string(got.rows) +
          " rows in the target, " + std::to_string(want.rows) + " in the source" +
          (got.rows == want.rows ? ", contents differ" : ""));
    });
    report.verified = true;
  }
  report.seconds_verify = seconds_since(phase);
  analyzed.get();
  control->execute({std::string("DROP TABLE ") + k_load_journal});
  report.seconds = seconds_since(start);
  return report;
}

}  // namespace

bool LoadReport::differs() const noexcept {
  return std::any_of(tables.begin(), tables.end(),
                     [](const LoadTableReport& t) { return !t.differences.empty(); });
}

LoadReport restore_snapshot(const std::filesystem::path& store, const std::string& name,
                            const Endpoint& target, const LoadOptions& options,
                            LoadProgress* progress) {
  SnapshotManifest manifest = read_snapshot(store, name);
  LoadInput in{.label = "snapshot " + manifest.name,
               .catalog = std::move(manifest.catalog),
               .tables = std::move(manifest.tables),
               .counters = std::move(manifest.counters)};
  SnapshotSource source(transfer::ChunkStore::open(store, false), options.jobs);
  return load(in, source, target, options, progress);
}

LoadReport copy_database(const Endpoint& source, const Endpoint& target, const LoadOptions& options,
                         LoadProgress* progress) {
  if (source.redacted() == target.redacted())
    throw Error(ErrorKind::usage, "copy: the source and the target are the same database");
  SourceRead read = open_source(source, options.jobs);
  LoadInput in{.label = "copy of " + source.redacted(),
               .catalog = read.catalog,
               .tables = {},
               .counters = read.counters};
  schema::filter_catalog(in.catalog, options.tables, options.exclude);
  for (const schema::Table& table : in.catalog.tables) {
    SnapshotTable entry{.table = table.qualified_name(), .columns = carried_columns(table)};
    for (schema::KeyRange& range : plan_parts(*read.sessions.sessions.front(), table)) {
      SnapshotPart part{.range = std::move(range)};
      part.raw_bytes = static_cast<std::uint64_t>(std::max<std::int64_t>(table.row_estimate, 0));
      entry.parts.push_back(std::move(part));
    }
    in.tables.push_back(std::move(entry));
  }
  LiveSource live(read, in.catalog);
  LoadReport report = load(in, live, target, options, progress);
  read.close();
  return report;
}

}  // namespace ferry::engine
