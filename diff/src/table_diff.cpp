#include "ferry/diff/table_diff.hpp"

#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <thread>

#include "ferry/common/error.hpp"

namespace ferry::diff {
namespace {

std::vector<std::size_t> key_positions(const schema::Table& table,
                                       const std::vector<std::string>& key) {
  std::vector<std::size_t> out;
  for (const std::string& k : key) {
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
      if (table.columns[i].name == k)
        out.push_back(i);
    }
  }
  return out;
}

KeyOrder key_order_of(const schema::Table& table, const std::vector<std::size_t>& positions) {
  std::vector<schema::LogicalType> types;
  for (std::size_t p : positions)
    types.push_back(table.columns[p].type);
  return KeyOrder(std::move(types));
}

schema::KeyValue key_of(const schema::RowBatch& batch, std::size_t row,
                        const std::vector<std::size_t>& positions) {
  schema::KeyValue key;
  key.reserve(positions.size());
  for (std::size_t p : positions)
    key.emplace_back(batch.value(row, p));
  return key;
}

void copy_row(const schema::RowBatch& from, std::size_t row, schema::RowBatch& to) {
  for (std::size_t c = 0; c < from.columns(); ++c) {
    if (from.is_null(row, c)) {
      to.add_null();
    } else {
      to.add_value(from.value(row, c));
    }
  }
}

// Rejects a stream that is not in strictly increasing key order: ranges would not partition
// it and the diff would be wrong.
void check_order(const KeyOrder& order, const schema::KeyValue& previous,
                 const schema::KeyValue& key, const std::string& table, const Endpoint& where) {
  if (!previous.empty() && order.compare(previous, key) >= 0) {
    throw Error(ErrorKind::failure,
                "table " + table + " on " + where.redacted() +
                    " does not come back in byte order of its key (or the key has duplicates); "
                    "ferry cannot compare it safely");
  }
}

void require_same_columns(const schema::Table& master, const schema::Table& tenant,
                          const Endpoint& where) {
  std::string problem;
  if (master.columns.size() != tenant.columns.size()) {
    problem = std::to_string(master.columns.size()) + " columns on the master, " +
              std::to_string(tenant.columns.size()) + " on the tenant";
  } else {
    for (std::size_t i = 0; i < master.columns.size(); ++i) {
      if (master.columns[i].name != tenant.columns[i].name) {
        problem = "column " + std::to_string(i + 1) + " is " + master.columns[i].name +
                  " on the master and " + tenant.columns[i].name + " on the tenant";
        break;
      }
    }
  }
  if (!problem.empty()) {
    throw Error(ErrorKind::failure, "table " + master.qualified_name() + " on " + where.redacted() +
                                        " differs in structure from the master (" + problem +
                                        "); run ferry schema sync first");
  }
}

// SQLite lets a primary key column that is not declared NOT NULL hold NULL. Such a row has no
// key to match, write or delete by, and no key range holds it, so a comparison would pass it
// over: the table is refused while it has any.
void require_keys_without_nulls(connectors::Connector& conn, const schema::Table& table,
                                const std::vector<std::size_t>& key_index) {
  std::string condition, columns;
  for (const std::size_t p : key_index) {
    const schema::Column& c = table.columns[p];
    if (!c.nullable)
      continue;
    condition += (condition.empty() ? "" : " OR ") + conn.quote_identifier(c.name) + " IS NULL";
    columns += (columns.empty() ? "" : ", ") + c.name;
  }
  if (condition.empty())
    return;
  const std::string name = (table.schema.empty() ? "" : conn.quote_identifier(table.schema) + ".") +
                           conn.quote_identifier(table.name);
  const auto rows = conn.query("SELECT count(*) FROM " + name + " WHERE " + condition);
  const std::string count = rows.empty() || rows[0].empty() ? "0" : rows[0][0].value_or("0");
  if (count != "0") {
    throw Error(ErrorKind::failure,
                "table " + table.qualified_name() + " on " + conn.endpoint().redacted() + " has " +
                    count + " row(s) with NULL in its primary key (" + columns +
                    "): they cannot be matched by key; delete them, or declare the key NOT NULL");
  }
}

struct KeyHash {
  schema::KeyValue key;
  Hash128 hash;
};

// A batch of one stream's rows with each row's hash.
struct HashedBatch {
  schema::RowBatch rows;
  std::vector<Hash128> hashes;
};

// Batches of a stream held at once by read_hashed(): read ahead, being hashed, being consumed.
constexpr std::size_t k_batches_in_flight = 4;

// Reads `reader` through a oneTBB pipeline: the next batches are read (in order, one at a time)
// and their rows hashed (in parallel) while `consume` takes the batches before them, in order.
// At most k_batches_in_flight batches exist at once, so memory stays bounded whatever the
// table's size. An exception in any stage stops the pipeline and leaves by this call.
void read_hashed(connectors::RowReader& reader,
                 const std::function<void(const HashedBatch&)>& consume) {
  using Item = std::shared_ptr<HashedBatch>;
  // An arena of its own, per call: the pipeline gets threads even when the caller's arena (one
  // slot per tenant at work) is full; a thread waiting here never picks up another tenant's
  // work; and a consume stage that waits for the master's chunks (ChunkFeed) holds up only
  // this pipeline, never the master's read that it waits for.
  tbb::task_arena arena(static_cast<int>(std::max(2u, std::thread::hardware_concurrency())));
  arena.execute([&] {
    tbb::parallel_pipeline(
        k_batches_in_flight,
        tbb::make_filter<void, Item>(tbb::filter_mode::serial_in_order,
                                     [&](tbb::flow_control& control) {
                                       auto item = std::make_shared<HashedBatch>();
                                       if (!reader.next(item->rows)) {
                                         control.stop();
                                         return Item();
                                       }
                                       return item;
                                     }) &
            tbb::make_filter<Item, Item>(tbb::filter_mode::parallel,
                                         [](Item item) {
                                           const std::size_t rows = item->rows.rows();
                                           item->hashes.resize(rows);
                                           for (std::size_t r = 0; r < rows; ++r)
                                             item->hashes[r] = hash_row(item->rows, r);
                                           return item;
                                         }) &
            tbb::make_filter<Item, void>(tbb::filter_mode::serial_in_order,
                                         [&](const Item& item) { consume(*item); }));
  });
}

// Merges the master's rows of `range` with the tenant's rows of the same range (`tenant`, in
// key order) into `changes`: the rows to insert or update go to `pending`, the tenant's keys
// the master lacks to changes.deletes.
void merge_range(const MasterTable& master, connectors::Connector& master_conn,
                 const schema::KeyRange& range, const KeyOrder& order, std::vector<KeyHash>& tenant,
                 TableChanges& changes, PendingUpserts& pending, const DiffSettings& settings) {
  auto reader =
      master_conn.read_rows(master.table, {.range = range, .batch_rows = settings.batch_rows});
  schema::RowBatch batch;
  std::size_t t = 0;
  while (reader->next(batch)) {
    for (std::size_t r = 0; r < batch.rows(); ++r) {
      const schema::KeyValue key = key_of(batch, r, master.key_index);
      while (t < tenant.size() && order.compare(tenant[t].key, key) < 0) {
        changes.deletes.push_back(std::move(tenant[t++].key));
      }
      if (t < tenant.size() && order.compare(tenant[t].key, key) == 0) {
        if (!(tenant[t].hash == hash_row(batch, r)))
          pending.add(batch, r, false);
        ++t;
      } else {
        pending.add(batch, r, true);
      }
    }
  }
  for (; t < tenant.size(); ++t)
    changes.deletes.push_back(std::move(tenant[t].key));
}

// Merges a chunk that differs, part by part: the tenant's rows (in key order, all of them in
// the chunk's range) are summed per part, and only runs of adjacent parts whose sums differ
// are merged with the master's rows, one master read per run.
void merge_chunk(const MasterTable& master, connectors::Connector& master_conn, const Chunk& chunk,
                 const KeyOrder& order, std::vector<KeyHash>& tenant, TableChanges& changes,
                 PendingUpserts& pending, const DiffSettings& settings) {
  // Where each part's tenant rows end, and whether the part differs.
  std::vector<std::size_t> ends;
  std::vector<bool> differs;
  std::size_t t = 0;
  for (const ChunkPart& part : chunk.parts) {
    Summary theirs;
    while (t < tenant.size() &&
           (part.up_to.empty() || order.compare(tenant[t].key, part.up_to) <= 0)) {
      theirs.add(tenant[t++].hash);
    }
    ends.push_back(t);
    differs.push_back(!(theirs == part.summary));
  }
  if (chunk.parts.empty() || t != tenant.size()) {
    // No parts, or tenant rows past the last part (not expected): the whole chunk.
    merge_range(master, master_conn, chunk.range, order, tenant, changes, pending, settings);
    return;
  }
  for (std::size_t i = 0; i < chunk.parts.size();) {
    if (!differs[i]) {
      ++i;
      continue;
    }
    const std::size_t first = i;
    while (i < chunk.parts.size() && differs[i])
      ++i;
    const schema::KeyRange run{first == 0 ? chunk.range.after : chunk.parts[first - 1].up_to,
                               chunk.parts[i - 1].up_to};
    const std::size_t begin = first == 0 ? 0 : ends[first - 1];
    std::vector<KeyHash> rows(std::make_move_iterator(tenant.begin() + begin),
                              std::make_move_iterator(tenant.begin() + ends[i - 1]));
    merge_range(master, master_conn, run, order, rows, changes, pending, settings);
  }
}

void append_rows(const schema::RowBatch& from, schema::RowBatch& to) {
  for (std::size_t r = 0; r < from.rows(); ++r)
    copy_row(from, r, to);
}

}  // namespace

PendingUpserts::PendingUpserts(const UpsertSink* sink, TableChanges& changes,
                               const std::vector<std::size_t>& key_index, std::size_t columns)
    : m_sink(sink),
      m_changes(changes),
      m_key_index(key_index),
      m_rows(columns),
      m_updated(columns) {}

void PendingUpserts::add(const schema::RowBatch& from, std::size_t row, bool insert) {
  ++(insert ? m_changes.inserts : m_changes.updates);
  if (m_sink == nullptr) {
    copy_row(from, row, insert ? m_changes.upserts : m_updated);
    return;
  }
  if (m_sink->keep_keys)
    (insert ? m_changes.insert_keys : m_changes.update_keys)
        .push_back(key_of(from, row, m_key_index));
  if (!m_sink->write)
    return;
  copy_row(from, row, m_rows);
  if (m_rows.rows() >= m_sink->max_rows || m_rows.byte_size() >= m_sink->max_bytes)
    flush();
}

void PendingUpserts::count(const schema::KeyValue& key, bool insert) {
  ++(insert ? m_changes.inserts : m_changes.updates);
  if (m_sink != nullptr && m_sink->keep_keys)
    (insert ? m_changes.insert_keys : m_changes.update_keys).push_back(key);
}

void PendingUpserts::flush() {
  if (m_rows.empty())
    return;
  m_sink->write(m_rows);
  m_rows = schema::RowBatch(m_rows.columns());  // gives the batch's memory back
}

void PendingUpserts::finish() {
  if (m_sink == nullptr) {
    append_rows(m_updated, m_changes.upserts);
    m_updated.clear();
  } else if (m_sink->write) {
    flush();
  }
}

const Chunk* ChunkFeed::wait(std::size_t index) const {
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [&] { return index < m_chunks.size() || m_done; });
  if (index < m_chunks.size())
    return &m_chunks[index];
  if (m_error)
    std::rethrow_exception(m_error);
  return nullptr;
}

void ChunkFeed::add(Chunk chunk) {
  {
    const std::lock_guard lock(m_mutex);
    m_chunks.push_back(std::move(chunk));
  }
  m_changed.notify_all();
}

void ChunkFeed::finish(std::exception_ptr error) {
  {
    const std::lock_guard lock(m_mutex);
    m_done = true;
    m_error = std::move(error);
  }
  m_changed.notify_all();
}

MasterTable master_table(Dialect dialect, const schema::Table& table, bool client_chunks) {
  MasterTable out;
  out.table = table;
  out.dialect = dialect;
  out.key = table.required_row_key();
  out.key_index = key_positions(table, out.key);
  if (client_chunks)
    out.chunks = std::make_shared<ChunkFeed>();
  return out;
}

bool summarize_chunks(connectors::Connector& master, const MasterTable& table,
                      const DiffSettings& settings) {
  ChunkFeed& feed = *table.chunks;
  try {
    require_keys_without_nulls(master, table.table, table.key_index);
    const KeyOrder order = key_order_of(table.table, table.key_index);
    const std::size_t chunk_rows = std::max<std::size_t>(1, settings.chunk_rows);
    auto reader = master.read_rows(table.table, {.batch_rows = settings.batch_rows});
    const std::size_t part_rows = std::max<std::size_t>(1, chunk_rows / k_chunk_parts);
    const std::size_t part_bytes = std::max<std::size_t>(1, settings.chunk_bytes / k_chunk_parts);
    Chunk current;
    ChunkPart part;
    std::size_t current_bytes = 0, in_part_bytes = 0;
    schema::KeyValue last;
    const auto end_part = [&](const schema::KeyValue& up_to) {
      part.up_to = up_to;
      current.parts.push_back(std::move(part));
      part = ChunkPart{};
      in_part_bytes = 0;
    };
    read_hashed(*reader, [&](const HashedBatch& hashed) {
      const schema::RowBatch& batch = hashed.rows;
      // The batch's mean row size stands for each of its rows: no per-column sum per row.
      const std::size_t row_bytes = batch.rows() == 0 ? 0 : batch.byte_size() / batch.rows();
      for (std::size_t r = 0; r < batch.rows(); ++r) {
        schema::KeyValue key = key_of(batch, r, table.key_index);
        check_order(order, last, key, table.table.qualified_name(), master.endpoint());
        current.summary.add(hashed.hashes[r]);
        part.summary.add(hashed.hashes[r]);
        current_bytes += row_bytes;
        in_part_bytes += row_bytes;
        last = std::move(key);
        if (current.summary.rows == chunk_rows || current_bytes >= settings.chunk_bytes) {
          end_part(last);
          current.range.up_to = last;
          feed.add(std::move(current));
          current = Chunk{};
          current_bytes = 0;
          current.range.after = last;
        } else if (part.summary.rows == part_rows || in_part_bytes >= part_bytes) {
          end_part(last);
        }
      }
    });
    // The last chunk, and its last part, are open above: tenant rows past the master's last key
    // land there.
    end_part({});
    current.range.up_to.clear();
    feed.add(std::move(current));
    feed.finish();
    return true;
  } catch (...) {
    feed.finish(std::current_exception());
    return false;
  }
}

MasterTable summarize_master(connectors::Connector& master, const schema::Table& table,
                             const DiffSettings& settings) {
  MasterTable out = master_table(master.dialect(), table, true);
  summarize_chunks(master, out, settings);
  return out;
}

std::future<void> server_summaries(std::unique_ptr<connectors::Connector> session,
                                   std::vector<MasterTable>& tables) {
  auto promises =
      std::make_shared<std::vector<std::promise<std::optional<connectors::ServerSummary>>>>(
          tables.size());
  for (std::size_t i = 0; i < tables.size(); ++i) {
    tables[i].server_summary = (*promises)[i].get_future().share();
  }
  // Copies: the tables' definitions, bucket states and choices, without the futures.
  std::vector<MasterTable> work;
  for (const MasterTable& t : tables) {
    MasterTable copy = t;
    copy.server_summary = {};
    copy.chunks.reset();
    work.push_back(std::move(copy));
  }
  return std::async(std::launch::async,
                    [conn = std::move(session), promises, work = std::move(work)]() mutable {
                      std::size_t done = 0;
                      try {
                        for (; done < work.size(); ++done) {
                          const MasterTable& t = work[done];
                          // Buckets at once need the catalog's row estimate for their scheme:
                          // without one, the scheme waits for the summary, which is then the whole
                          // table's.
                          if (t.buckets_at_once && t.table.row_estimate >= 0) {
                            const MasterBuckets::Started started = t.buckets->start(
                                *conn, t.table, static_cast<std::uint64_t>(t.table.row_estimate));
                            if (const auto& buckets = started.future.get()) {
                              (*promises)[done].set_value(buckets->total);
                              continue;
                            }
                          }
                          (*promises)[done].set_value(conn->server_summary(t.table));
                        }
                      } catch (...) {
                        for (; done < work.size(); ++done) {
                          (*promises)[done].set_exception(std::current_exception());
                        }
                      }
                    });
}

TableChanges diff_table(const MasterTable& master, connectors::Connector& master_conn,
                        connectors::Connector& tenant, const schema::Table& tenant_table,
                        const DiffSettings& settings, const UpsertSink* sink) {
  require_same_columns(master.table, tenant_table, tenant.endpoint());
  require_keys_without_nulls(tenant, tenant_table, master.key_index);
  const KeyOrder order = key_order_of(master.table, master.key_index);
  TableChanges changes;
  changes.table = master.table.qualified_name();
  changes.upserts.reset(master.table.columns.size());
  changes.chunks_differing = 0;
  const ChunkFeed& feed = *master.chunks;

  std::size_t chunk = 0;
  const Chunk* current = feed.wait(0);  // the chunk the tenant's rows are summed into
  Summary tenant_summary;
  std::vector<KeyHash> buffered;  // the current chunk's tenant keys and hashes
  PendingUpserts pending(sink, changes, master.key_index, master.table.columns.size());

  // Settles the current chunk and moves to the next (nullptr after the last): equal summaries
  // mean equal rows; otherwise the master's rows of the range are merged with the buffered
  // tenant rows.
  auto settle = [&] {
    if (!(tenant_summary == current->summary)) {
      changes.differing.push_back(chunk);
      merge_chunk(master, master_conn, *current, order, buffered, changes, pending, settings);
    }
    buffered.clear();
    tenant_summary = Summary{};
    current = feed.wait(++chunk);
  };

  // Streams the tenant's rows of `range` into the chunks' sums, settling each chunk as the
  // stream passes its end.
  schema::KeyValue last;
  const std::string table_label = tenant_table.qualified_name();
  auto read = [&](const schema::KeyRange& range) {
    const bool one_chunk = !range.unbounded();
    auto reader =
        tenant.read_rows(tenant_table, {.range = range, .batch_rows = settings.batch_rows});
    read_hashed(*reader, [&](const HashedBatch& hashed) {
      const schema::RowBatch& batch = hashed.rows;
      for (std::size_t r = 0; r < batch.rows(); ++r) {
        schema::KeyValue key = key_of(batch, r, master.key_index);
        check_order(order, last, key, table_label, tenant.endpoint());
        if (one_chunk) {
          // The chunk is settled once its read is closed; a key past its end means the
          // database and ferry disagree on the order of keys.
          if (!range.up_to.empty() && order.compare(key, range.up_to) > 0) {
            throw Error(ErrorKind::failure,
                        "table " + table_label + " on " + tenant.endpoint().redacted() +
                            " returned a key past the end of the range asked for; ferry cannot "
                            "compare it safely");
          }
        }
        // The master's chunks come in as its read goes on; the last is open above.
        while (!one_chunk && !current->range.up_to.empty() &&
               order.compare(key, current->range.up_to) > 0) {
          settle();
        }
        const Hash128 h = hashed.hashes[r];
        tenant_summary.add(h);
        last = key;
        buffered.push_back({std::move(key), h});
      }
      changes.rows_compared += batch.rows();
    });
  };
  if (settings.read_tenant_by_chunk) {
    // One read per chunk, closed before the chunk is settled, so that the sink may write to
    // the tenant through this very session.
    while (current != nullptr) {
      read(current->range);
      settle();
    }
  } else {
    read({});
    while (current != nullptr)
      settle();
  }
  pending.finish();
  changes.chunks = chunk;
  changes.chunks_differing = changes.differing.size();
  return changes;
}

TableChanges diff_chunks(const MasterTable& master, connectors::Connector& master_conn,
                         connectors::Connector& tenant, const schema::Table& tenant_table,
                         const std::vector<std::size_t>& chunks, const DiffSettings& settings) {
  require_same_columns(master.table, tenant_table, tenant.endpoint());
  const KeyOrder order = key_order_of(master.table, master.key_index);
  TableChanges changes;
  changes.table = master.table.qualified_name();
  changes.upserts.reset(master.table.columns.size());
  changes.chunks = chunks.size();
  PendingUpserts pending(nullptr, changes, master.key_index, master.table.columns.size());
  for (std::size_t index : chunks) {
    const Chunk& chunk = *master.chunks->wait(index);
    std::vector<KeyHash> rows;
    Summary summary;
    auto reader =
        tenant.read_rows(tenant_table, {.range = chunk.range, .batch_rows = settings.batch_rows});
    read_hashed(*reader, [&](const HashedBatch& hashed) {
      for (std::size_t r = 0; r < hashed.rows.rows(); ++r) {
        summary.add(hashed.hashes[r]);
        rows.push_back({key_of(hashed.rows, r, master.key_index), hashed.hashes[r]});
      }
      changes.rows_compared += hashed.rows.rows();
    });
    reader.reset();
    // The master's summary of the range is known: a match ends the chunk. Only a chunk that
    // still differs is merged with the master's rows, to count what is left.
    if (summary == chunk.summary)
      continue;
    const std::size_t before = changes.total();
    merge_range(master, master_conn, chunk.range, order, rows, changes, pending, settings);
    if (changes.total() != before)
      changes.differing.push_back(index);
  }
  pending.finish();
  changes.chunks_differing = changes.differing.size();
  return changes;
}

}  // namespace ferry::diff
