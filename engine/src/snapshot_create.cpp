// snapshot create and verify, and the part reading that copy shares.
#include <fcntl.h>
#include <sys/file.h>

#include <algorithm>
#include <atomic>
#include <mutex>

#include <spdlog/spdlog.h>

#include "ferry/diff/row_hash.hpp"
#include "ferry/engine/paths.hpp"
#include "ferry/engine/snapshot.hpp"
#include "ferry/schema/filter.hpp"
#include "ferry/transfer/chunk_store.hpp"
#include "ferry/transfer/row_chunks.hpp"
#include "parallel.hpp"
#include "snapshot_internal.hpp"

namespace ferry::engine {

StoreLock::StoreLock(const std::filesystem::path& store, bool exclusive) {
  const Fd root = open_root(store, true);
  m_fd = Fd(::openat(root.get(), ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!m_fd)
    throw Error(ErrorKind::failure, "cannot open " + (store / ".lock").string());
  if (::flock(m_fd.get(), exclusive ? LOCK_EX : LOCK_SH) != 0)
    throw Error(ErrorKind::failure, "cannot lock " + (store / ".lock").string());
}

std::vector<schema::KeyRange> plan_parts(connectors::Connector& db, const schema::Table& table) {
  const std::vector<std::string> key = table.row_key();
  if (key.size() != 1 || table.row_estimate <= static_cast<std::int64_t>(k_part_rows))
    return {schema::KeyRange{}};
  const auto bounds = db.integer_key_bounds(table);
  if (!bounds)
    return {schema::KeyRange{}};
  const auto [low, high] = *bounds;
  const std::uint64_t parts = std::min<std::uint64_t>(
      256, (static_cast<std::uint64_t>(table.row_estimate) + k_part_rows - 1) / k_part_rows);
  const __int128 span = static_cast<__int128>(high) - low + 1;
  if (parts < 2 || span < static_cast<__int128>(parts))
    return {schema::KeyRange{}};
  std::vector<schema::KeyRange> out;
  for (std::uint64_t i = 0; i < parts; ++i) {
    schema::KeyRange range;
    if (i > 0)
      range.after = {std::to_string(static_cast<std::int64_t>(low + span * i / parts - 1))};
    if (i + 1 < parts)
      range.up_to = {std::to_string(static_cast<std::int64_t>(low + span * (i + 1) / parts - 1))};
    out.push_back(std::move(range));
  }
  return out;
}

std::vector<std::string> carried_columns(const schema::Table& table) {
  std::vector<std::string> out;
  for (const schema::Column& c : table.columns)
    out.push_back(c.name);
  return out;
}

void project(const schema::RowBatch& in, const std::vector<std::size_t>& picked,
             schema::RowBatch& out) {
  out.reset(picked.size());
  for (std::size_t r = 0; r < in.rows(); ++r) {
    for (const std::size_t c : picked) {
      if (in.is_null(r, c))
        out.add_null();
      else
        out.add_value(in.value(r, c));
    }
  }
}

void read_part(connectors::Connector& db, const schema::Table& table,
               const std::vector<std::string>& columns, const schema::KeyRange& range,
               const std::function<void(const schema::RowBatch&)>& sink) {
  connectors::ReadOptions options;
  options.range = range;
  options.allow_keyless = true;
  options.batch_bytes = std::size_t{8} << 20;
  std::vector<std::size_t> picked;
  for (const std::string& name : columns) {
    const schema::Column* c = table.find_column(name);
    if (c == nullptr) {
      throw Error(ErrorKind::failure,
                  "table " + table.qualified_name() + " has no column " + name + " to read");
    }
    picked.push_back(static_cast<std::size_t>(c - table.columns.data()));
  }
  bool all = picked.size() == table.columns.size();
  for (std::size_t i = 0; all && i < picked.size(); ++i)
    all = picked[i] == i;
  const std::unique_ptr<connectors::RowReader> reader = db.read_rows(table, options);
  schema::RowBatch batch(table.columns.size());
  schema::RowBatch projected(picked.size());
  while (reader->next(batch)) {
    if (all) {
      sink(batch);
      continue;
    }
    project(batch, picked, projected);
    sink(projected);
  }
}

void summarize(const schema::RowBatch& batch, diff::Summary& summary) {
  for (std::size_t r = 0; r < batch.rows(); ++r)
    summary.add(diff::hash_row(batch, r));
}

namespace {

std::string default_name(const Endpoint& source) {
  std::string base = source.database;
  const auto slash = base.find_last_of('/');
  if (slash != std::string::npos)
    base = base.substr(slash + 1);
  const auto dot = base.find('.');
  if (dot != std::string::npos && dot > 0)
    base = base.substr(0, dot);
  std::erase_if(base, [](char c) {
    return !(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
  });
  return (base.empty() ? std::string("snapshot") : base) + "-" + now_utc("%Y%m%d-%H%M%S");
}

}  // namespace

void run_items(std::size_t workers, const std::vector<std::size_t>& order,
               const std::function<void(std::size_t, std::size_t)>& work) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::exception_ptr first;
  for_each_target(workers, static_cast<int>(workers), [&](std::size_t worker) {
    while (!failed) {
      const std::size_t i = next++;
      if (i >= order.size())
        return;
      try {
        work(order[i], worker);
      } catch (...) {
        const std::lock_guard lock(mutex);
        if (!first)
          first = std::current_exception();
        failed = true;
      }
    }
  });
  if (first)
    std::rethrow_exception(first);
}

const schema::Table* find_carried_table(const schema::Catalog& catalog, const std::string& name,
                                        Dialect from) {
  const std::string bare = name.substr(name.rfind('.') + 1);
  for (const schema::Table& t : catalog.tables) {
    if (t.qualified_name() == name || (catalog.dialect != from && t.name == bare))
      return &t;
  }
  return nullptr;
}

std::vector<connectors::Counter> counters_of(const schema::Catalog& catalog,
                                             std::vector<connectors::Counter> counters) {
  std::erase_if(counters, [&](const connectors::Counter& c) {
    const bool table =
        std::any_of(catalog.tables.begin(), catalog.tables.end(), [&](const schema::Table& t) {
          return t.qualified_name() == c.table || t.qualified_name() == c.name;
        });
    const bool sequence =
        std::any_of(catalog.sequences.begin(), catalog.sequences.end(),
                    [&](const schema::Sequence& s) { return s.qualified_name() == c.name; });
    return !table && !sequence;
  });
  return counters;
}

SourceRead open_source(const Endpoint& source, int jobs) {
  SourceRead out;
  const std::size_t wanted = source.dialect == Dialect::sqlite ? 1 : std::max(1, jobs);
  out.sessions = connectors::connect_in_one_snapshot(source, wanted);
  if (!out.sessions.shared) {
    // Consistency comes first: one session that reads everything in one snapshot.
    out.why_not = out.sessions.why_not;
    for (auto& s : out.sessions.sessions)
      s->end_consistent_read();
    out.sessions = connectors::connect_in_one_snapshot(source, 1);
  }
  out.catalog = out.sessions.sessions.front()->introspect();
  try {
    out.position = out.sessions.sessions.front()->log_position();
  } catch (const Error& e) {
    spdlog::debug("no log position: {}", e.what());
  }
  out.counters = out.sessions.sessions.front()->read_counters(out.catalog);
  return out;
}

void SourceRead::close() {
  for (auto& s : sessions.sessions) {
    try {
      s->end_consistent_read();
    } catch (const Error&) {
    }
  }
}

SnapshotReport create_snapshot(const Endpoint& source, const std::filesystem::path& store,
                               const SnapshotOptions& options, LoadProgress* progress) {
  SnapshotReport report;
  report.store = store;
  SnapshotManifest& m = report.manifest;
  m.name = options.name.empty() ? default_name(source) : options.name;
  check_snapshot_name(m.name);
  const StoreLock lock(store, false);
  const transfer::ChunkStore chunks = transfer::ChunkStore::open(store, true);
  if (std::filesystem::exists(manifest_path(store, m.name))) {
    throw Error(ErrorKind::usage, "snapshot store " + store.string() + " has a snapshot '" +
                                      m.name + "' already: choose another --name");
  }
  const Clock::time_point start = Clock::now();
  m.created_at = now_utc();
  m.source = source.redacted();
  SourceRead read = open_source(source, options.jobs);
  m.consistent = true;  // one snapshot either way; why_not says when it was not parallel
  m.why_not = read.why_not;
  m.position = read.position;
  m.catalog = read.catalog;
  schema::filter_catalog(m.catalog, options.tables, options.exclude);
  m.counters = counters_of(m.catalog, read.counters);
  connectors::Connector& first = *read.sessions.sessions.front();
  struct Item {
    std::size_t table, part;
    std::int64_t weight;
  };
  std::vector<Item> items;
  for (std::size_t t = 0; t < m.catalog.tables.size(); ++t) {
    const schema::Table& table = m.catalog.tables[t];
    SnapshotTable entry{.table = table.qualified_name(), .columns = carried_columns(table)};
    for (schema::KeyRange& range : plan_parts(first, table))
      entry.parts.push_back(SnapshotPart{.range = std::move(range)});
    const std::int64_t weight = std::max<std::int64_t>(table.row_estimate, 0) /
                                static_cast<std::int64_t>(entry.parts.size());
    for (std::size_t p = 0; p < entry.parts.size(); ++p)
      items.push_back({t, p, weight});
    if (progress != nullptr)
      progress->rows_total +=
          static_cast<std::uint64_t>(std::max<std::int64_t>(table.row_estimate, 0));
    m.tables.push_back(std::move(entry));
    report.tables.push_back(
        {.table = m.tables.back().table, .parts = m.tables.back().parts.size()});
  }
  std::vector<std::size_t> order(items.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return items[a].weight > items[b].weight; });
  if (progress != nullptr)
    progress->parts_total = items.size();

  const transfer::Chunker chunker(k_row_chunks);
  std::atomic<std::size_t> added{0}, reused{0};
  std::atomic<std::uint64_t> stored{0};
  std::mutex report_mutex;
  run_items(read.sessions.sessions.size(), order, [&](std::size_t i, std::size_t worker) {
    const Clock::time_point part_start = Clock::now();
    const schema::Table& table = m.catalog.tables[items[i].table];
    SnapshotTable& entry = m.tables[items[i].table];
    SnapshotPart& part = entry.parts[items[i].part];
    std::uint64_t part_stored = 0;
    transfer::RowChunker cutter(chunker, [&](std::string_view chunk, std::size_t rows) {
      const transfer::ChunkStore::Put put = chunks.put(chunk, options.zstd_level);
      (put.added ? added : reused) += 1;
      if (put.added)
        part_stored += put.stored_bytes;
      part.chunks.push_back(
          {put.id, static_cast<std::uint32_t>(rows), static_cast<std::uint32_t>(chunk.size())});
      part.raw_bytes += chunk.size();
      if (progress != nullptr)
        progress->bytes += chunk.size();
    });
    read_part(*read.sessions.sessions[worker], table, entry.columns, part.range,
              [&](const schema::RowBatch& batch) {
                cutter.add(batch);
                summarize(batch, part.summary);
                if (progress != nullptr)
                  progress->rows += batch.rows();
              });
    cutter.finish();
    part.rows = part.summary.rows;
    stored += part_stored;
    if (progress != nullptr)
      ++progress->parts_done;
    const std::lock_guard guard(report_mutex);
    SnapshotTableReport& r = report.tables[items[i].table];
    r.rows += part.rows;
    r.raw_bytes += part.raw_bytes;
    r.stored_bytes += part_stored;
    r.seconds += seconds_since(part_start);
  });
  read.close();
  report.chunks_added = added;
  report.chunks_reused = reused;
  m.stored_bytes = stored;
  chunks.sync();  // the chunks are on disk before the manifest names them
  m.seconds = seconds_since(start);
  write_manifest(store, m);
  return report;
}

VerifyReport verify_snapshot(const std::filesystem::path& store, const std::string& name,
                             const std::optional<Endpoint>& against, int jobs) {
  const SnapshotManifest m = read_snapshot(store, name);
  const transfer::ChunkStore chunks = transfer::ChunkStore::open(store, false);
  VerifyReport report;
  report.name = m.name;
  struct Item {
    std::size_t table, part;
  };
  std::vector<Item> items;
  for (std::size_t t = 0; t < m.tables.size(); ++t) {
    for (std::size_t p = 0; p < m.tables[t].parts.size(); ++p)
      items.push_back({t, p});
  }
  std::vector<std::size_t> order(items.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::mutex mutex;
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::size_t> count{0};
  const std::size_t workers = std::max(1, jobs);
  run_items(workers, order, [&](std::size_t i, std::size_t) {
    const SnapshotTable& table = m.tables[items[i].table];
    const SnapshotPart& part = table.parts[items[i].part];
    diff::Summary summary;
    std::string problem;
    for (const SnapshotPart::Chunk& c : part.chunks) {
      std::string data;
      try {
        data = chunks.get(c.id);
      } catch (const Error& e) {
        problem = e.what();
        break;
      }
      schema::RowBatch batch(table.columns.size());
      if (transfer::decode_rows(data, batch) != c.rows) {
        problem = "chunk " + c.id.hex() + " does not hold the rows the manifest says";
        break;
      }
      summarize(batch, summary);
      bytes += data.size();
      ++count;
    }
    if (problem.empty() && summary != part.summary) {
      problem = "table " + table.table + " part " + std::to_string(items[i].part + 1) +
                ": its rows do not add up to the manifest's summary";
    }
    if (!problem.empty()) {
      const std::lock_guard lock(mutex);
      report.problems.push_back(problem);
    }
  });
  report.bytes = bytes;
  report.chunks = count;
  std::sort(report.problems.begin(), report.problems.end());
  if (!against)
    return report;
  report.against = against->redacted();
  SourceRead read = open_source(*against, jobs);
  std::vector<std::string> differing;
  std::vector<std::size_t> present;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const SnapshotTable& t = m.tables[items[i].table];
    if (find_carried_table(read.catalog, t.table, m.catalog.dialect) == nullptr) {
      differing.push_back(t.table + ": not in the database");
      continue;
    }
    present.push_back(i);
  }
  run_items(read.sessions.sessions.size(), present, [&](std::size_t i, std::size_t worker) {
    const SnapshotTable& t = m.tables[items[i].table];
    const SnapshotPart& part = t.parts[items[i].part];
    const schema::Table* table = find_carried_table(read.catalog, t.table, m.catalog.dialect);
    diff::Summary summary;
    read_part(*read.sessions.sessions[worker], *table, t.columns, part.range,
              [&](const schema::RowBatch& batch) { summarize(batch, summary); });
    if (summary != part.summary) {
      const std::lock_guard lock(mutex);
      differing.push_back(t.table + " part " + std::to_string(items[i].part + 1) + ": " +
                          std::to_string(summary.rows) + " rows in the database, " +
                          std::to_string(part.summary.rows) + " in the snapshot" +
                          (summary.rows == part.summary.rows ? ", contents differ" : ""));
    }
  });
  read.close();
  std::sort(differing.begin(), differing.end());
  report.tables_differing = std::move(differing);
  return report;
}

}  // namespace ferry::engine
