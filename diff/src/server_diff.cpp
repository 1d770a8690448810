#include <algorithm>
#include <future>
#include <map>

#include "ferry/common/error.hpp"
#include "ferry/diff/table_diff.hpp"

namespace ferry::diff {
namespace {

constexpr std::size_t k_keys_per_read = 1000;
// A bucket holds about this many of the master's rows.
constexpr std::uint64_t k_rows_per_bucket = 64;
// The row count assumed when the master's is unknown (no summary, no statistics).
constexpr std::uint64_t k_unknown_rows = 65536;

bool same_types(const schema::Table& a, const schema::Table& b) {
  if (a.columns.size() != b.columns.size())
    return false;
  for (std::size_t i = 0; i < a.columns.size(); ++i) {
    if (a.columns[i].name != b.columns[i].name ||
        a.columns[i].declared_type != b.columns[i].declared_type) {
      return false;
    }
  }
  return true;
}

// One side's (key, hash) stream, a row at a time, checked to come in strictly increasing key
// order: the merge is only right when both sides order keys as KeyOrder does.
class KeyHashStream {
 public:
  KeyHashStream(std::unique_ptr<connectors::RowReader> reader, const KeyOrder& order,
                std::size_t key_columns, std::string what)
      : m_reader(std::move(reader)),
        m_order(order),
        m_key_columns(key_columns),
        m_what(std::move(what)) {
    advance();
  }
  bool done() const { return m_done; }
  const schema::KeyValue& key() const { return m_key; }
  std::string_view hash() const { return m_batch.value(m_row, m_key_columns); }
  void advance() {
    if (m_done)
      return;
    if (++m_row >= m_batch.rows()) {
      m_row = 0;
      if (!m_reader->next(m_batch)) {
        m_done = true;
        return;
      }
    }
    m_previous.swap(m_key);
    m_key.clear();
    for (std::size_t c = 0; c < m_key_columns; ++c)
      m_key.emplace_back(m_batch.value(m_row, c));
    if (m_count > 0 && m_order.compare(m_previous, m_key) >= 0) {
      throw Error(ErrorKind::failure,
                  m_what +
                      " does not come back in byte order of its key (or the key has "
                      "duplicates); ferry cannot compare it safely");
    }
    ++m_count;
  }
  std::uint64_t count() const { return m_count; }

 private:
  std::unique_ptr<connectors::RowReader> m_reader;
  const KeyOrder& m_order;
  std::size_t m_key_columns;
  std::string m_what;
  schema::RowBatch m_batch;
  std::size_t m_row = static_cast<std::size_t>(-1);
  bool m_done = false;
  schema::KeyValue m_key;
  schema::KeyValue m_previous;
  std::uint64_t m_count = 0;
};

// Reads the master rows of `keys` through `conn` into `pending`.
void fetch_master_rows(const MasterTable& master, connectors::Connector& conn,
                       const std::vector<schema::KeyValue>& keys, bool insert,
                       PendingUpserts& pending, const DiffSettings& settings) {
  for (std::size_t start = 0; start < keys.size(); start += k_keys_per_read) {
    const std::size_t end = std::min(keys.size(), start + k_keys_per_read);
    connectors::ReadOptions options{.batch_rows = settings.batch_rows};
    options.keys.assign(keys.begin() + static_cast<std::ptrdiff_t>(start),
                        keys.begin() + static_cast<std::ptrdiff_t>(end));
    auto reader = conn.read_rows(master.table, options);
    schema::RowBatch batch;
    while (reader->next(batch)) {
      for (std::size_t r = 0; r < batch.rows(); ++r)
        pending.add(batch, r, insert);
    }
  }
}

// The master's row count, for the choice of its bucket scheme: its summary's once that is
// known; until then the catalog's estimate, rather than wait (the summary may be in the
// making, or be the very buckets to be summed); without an estimate, the summary's after all.
std::uint64_t master_rows(const MasterTable& master) {
  const bool summary = master.server_summary.valid();
  if (master.table.row_estimate >= 0 &&
      (!summary ||
       master.server_summary.wait_for(std::chrono::seconds(0)) != std::future_status::ready)) {
    return static_cast<std::uint64_t>(master.table.row_estimate);
  }
  if (summary) {
    if (const auto& s = master.server_summary.get())
      return s->rows;
  }
  return k_unknown_rows;
}

// Waits, when it leaves scope, for a computation that borrows the caller's master connection.
class WaitFor {
 public:
  explicit WaitFor(const MasterBuckets::Started& started) : m_started(started) {}
  ~WaitFor() {
    if (m_started.by_caller && m_started.future.valid())
      m_started.future.wait();
  }
  WaitFor(const WaitFor&) = delete;
  WaitFor& operator=(const WaitFor&) = delete;

 private:
  const MasterBuckets::Started& m_started;
};

std::uint64_t rows_in(const connectors::BucketSummaries& s,
                      const std::vector<std::uint64_t>& buckets) {
  std::uint64_t rows = 0;
  auto it = s.buckets.begin();
  for (const std::uint64_t b : buckets) {
    it = std::lower_bound(
        it, s.buckets.end(), b,
        [](const connectors::BucketSummary& x, std::uint64_t v) { return x.bucket < v; });
    if (it != s.buckets.end() && it->bucket == b)
      rows += it->rows;
  }
  return rows;
}

// The least bits (at most k_max_bucket_bits) for which 2^bits buckets hold about 64 rows each.
unsigned bucket_bits(std::uint64_t rows) {
  unsigned bits = 0;
  while (bits < connectors::BucketScheme::k_max_bucket_bits && (rows >> bits) > k_rows_per_bucket)
    ++bits;
  return bits;
}

}  // namespace

MasterBuckets::Started MasterBuckets::start(connectors::Connector& master,
                                            const schema::Table& table, std::uint64_t rows) {
  const std::lock_guard lock(m_mutex);
  if (m_started)
    return {m_started->scheme, m_started->future, false};
  const connectors::BucketScheme scheme = bucket_scheme(rows, master.integer_key_bounds(table));
  Future future = std::async(std::launch::async, [&master, table, scheme] {
                    return master.server_buckets(table, scheme);
                  }).share();
  m_started = Started{scheme, future, false};
  return {scheme, future, true};
}

connectors::BucketScheme bucket_scheme(
    std::uint64_t rows, const std::optional<std::pair<std::int64_t, std::int64_t>>& bounds) {
  const unsigned bits = bucket_bits(rows);
  // The key span as 64-bit patterns. Ranges only pay when the keys fill at least a quarter of
  // it: one far key (an id of 10^12 among ids up to 10^6) would otherwise put nearly every row
  // in one range.
  const std::uint64_t span = bounds ? static_cast<std::uint64_t>(bounds->second) -
                                          static_cast<std::uint64_t>(bounds->first)
                                    : 0;
  if (!bounds || span / 4 >= rows)
    return {connectors::BucketScheme::Kind::key_hash, bits};
  // Cut into at most 2^bits ranges.
  unsigned shift = 0;
  while (shift < 63 && (span >> shift) >= (std::uint64_t{1} << bits))
    ++shift;
  return {connectors::BucketScheme::Kind::key_range, shift};
}

std::vector<std::uint64_t> differing_buckets(const connectors::BucketSummaries& a,
                                             const connectors::BucketSummaries& b) {
  std::vector<std::uint64_t> out;
  auto x = a.buckets.begin(), y = b.buckets.begin();
  while (x != a.buckets.end() || y != b.buckets.end()) {
    if (y == b.buckets.end() || (x != a.buckets.end() && x->bucket < y->bucket)) {
      out.push_back((x++)->bucket);
    } else if (x == a.buckets.end() || y->bucket < x->bucket) {
      out.push_back((y++)->bucket);
    } else {
      if (!(*x == *y))
        out.push_back(x->bucket);
      ++x;
      ++y;
    }
  }
  return out;
}

std::optional<TableChanges> diff_table_on_servers(
    const MasterTable& master, connectors::Connector& master_conn, connectors::Connector& tenant,
    const schema::Table& tenant_table, const DiffSettings& settings, const UpsertSink* sink) {
  const connectors::ServerHashing hashing = tenant.server_hashing();
  if (hashing == connectors::ServerHashing::none || tenant.dialect() != master.dialect ||
      master_conn.server_hashing() != hashing || !same_types(master.table, tenant_table)) {
    return std::nullopt;
  }
  TableChanges changes;
  changes.table = master.table.qualified_name();
  changes.upserts.reset(master.table.columns.size());
  changes.chunks = 1;

  // 1. The whole table, where that is cheaper than buckets and the tables are expected
  // equal: the tenant sums its rows while the master may still be summing its own.
  changes.buckets_first = !(hashing == connectors::ServerHashing::summary_first &&
                            master.server_summary.valid() && settings.table_summary_first);
  if (!changes.buckets_first) {
    const std::optional<connectors::ServerSummary> theirs = tenant.server_summary(tenant_table);
    const std::optional<connectors::ServerSummary>& mine = master.server_summary.get();
    if (!theirs || !mine)
      return std::nullopt;
    changes.summary_passes = 1;
    if (*theirs == *mine) {
      changes.rows_compared = theirs->rows;
      return changes;
    }
  }

  // 2. Buckets, both sides at once: the master's on a thread of their own (or already done
  // for another tenant), the tenant's here.
  const MasterBuckets::Started started =
      master.buckets->start(master_conn, master.table, master_rows(master));
  const WaitFor wait_for_master(started);
  const std::optional<connectors::BucketSummaries> theirs =
      tenant.server_buckets(tenant_table, started.scheme);
  const std::optional<connectors::BucketSummaries>& mine = started.future.get();
  if (!theirs || !mine)
    return std::nullopt;
  ++changes.summary_passes;
  if (!(theirs->scheme == mine->scheme)) {
    throw Error(ErrorKind::failure, "table " + changes.table + ": " + tenant.endpoint().redacted() +
                                        " split the rows into other buckets than the master");
  }
  changes.rows_compared = theirs->total.rows;
  changes.chunks = mine->buckets.size();  // the master's non-empty buckets
  if (theirs->total == mine->total)
    return changes;
  const std::vector<std::uint64_t> differing = differing_buckets(*mine, *theirs);
  changes.chunks_differing = differing.size();
  changes.differing.assign(differing.begin(), differing.end());

  // 3. The differing buckets' (key, hash) pairs from both sides, opened at once (each server
  // filters and sorts before its first row), merged by key.
  const std::uint64_t largest = std::max(mine->total.rows, theirs->total.rows);
  const bool whole_table =
      std::max(rows_in(*mine, differing), rows_in(*theirs, differing)) * 4 > largest;
  const auto open = [&](connectors::Connector& conn, const schema::Table& table) {
    std::unique_ptr<connectors::RowReader> reader =
        whole_table
            ? conn.read_key_hashes(table, settings.batch_rows)
            : conn.read_bucket_key_hashes(table, mine->scheme, differing, settings.batch_rows);
    if (!reader) {
      throw Error(ErrorKind::failure, "table " + changes.table + ": " + conn.endpoint().redacted() +
                                          " returned no stream of row hashes");
    }
    return reader;
  };
  std::vector<schema::LogicalType> key_types;
  for (std::size_t p : master.key_index)
    key_types.push_back(master.table.columns[p].type);
  const KeyOrder order(std::move(key_types));
  const std::size_t key_columns = master.key.size();
  auto master_reader =
      std::async(std::launch::async, [&] { return open(master_conn, master.table); });
  std::unique_ptr<connectors::RowReader> tenant_reader = open(tenant, tenant_table);
  KeyHashStream mine_rows(master_reader.get(), order, key_columns,
                          "table " + changes.table + " on " + master_conn.endpoint().redacted());
  KeyHashStream yours(std::move(tenant_reader), order, key_columns,
                      "table " + changes.table + " on " + tenant.endpoint().redacted());
  PendingUpserts pending(sink, changes, master.key_index, master.table.columns.size());
  // Without a sink every key is kept and the rows are read at the end; with one, rows are read
  // (through the sink's master session) a run of keys at a time, or only counted.
  const bool streaming = sink != nullptr;
  if (streaming && pending.reads_rows() && sink->master == nullptr) {
    throw Error(ErrorKind::failure,
                "table " + changes.table + ": no second master session to read rows with");
  }
  std::vector<schema::KeyValue> inserts, updates;
  const auto found = [&](const schema::KeyValue& key, bool insert) {
    if (streaming && !pending.reads_rows()) {
      pending.count(key, insert);
      return;
    }
    std::vector<schema::KeyValue>& keys = insert ? inserts : updates;
    keys.push_back(key);
    if (streaming && keys.size() >= k_keys_per_read) {
      fetch_master_rows(master, *sink->master, keys, insert, pending, settings);
      keys.clear();
    }
  };
  while (!mine_rows.done() || !yours.done()) {
    const int c = mine_rows.done() ? 1
                  : yours.done()   ? -1
                                   : order.compare(mine_rows.key(), yours.key());
    if (c < 0) {
      found(mine_rows.key(), true);
      mine_rows.advance();
    } else if (c > 0) {
      changes.deletes.push_back(yours.key());
      yours.advance();
    } else {
      if (mine_rows.hash() != yours.hash())
        found(mine_rows.key(), false);
      mine_rows.advance();
      yours.advance();
    }
  }
  // 4. The master rows to write (what is left of them).
  connectors::Connector& rows_conn = streaming && sink->master ? *sink->master : master_conn;
  fetch_master_rows(master, rows_conn, inserts, true, pending, settings);
  fetch_master_rows(master, rows_conn, updates, false, pending, settings);
  pending.finish();
  return changes;
}

std::size_t count_unapplied(const MasterTable& master, connectors::Connector& tenant,
                            const schema::Table& tenant_table, const schema::RowBatch& expected,
                            const std::vector<schema::KeyValue>& deleted,
                            const DiffSettings& settings) {
  std::map<schema::KeyValue, Hash128> want;
  for (std::size_t r = 0; r < expected.rows(); ++r) {
    schema::KeyValue key;
    for (std::size_t p : master.key_index)
      key.emplace_back(expected.value(r, p));
    want.emplace(std::move(key), hash_row(expected, r));
  }
  std::vector<schema::KeyValue> keys;
  for (const auto& [key, hash] : want)
    keys.push_back(key);
  keys.insert(keys.end(), deleted.begin(), deleted.end());
  std::size_t wrong = 0, found = 0;
  for (std::size_t start = 0; start < keys.size(); start += k_keys_per_read) {
    const std::size_t end = std::min(keys.size(), start + k_keys_per_read);
    connectors::ReadOptions options{.batch_rows = settings.batch_rows};
    options.keys.assign(keys.begin() + static_cast<std::ptrdiff_t>(start),
                        keys.begin() + static_cast<std::ptrdiff_t>(end));
    auto reader = tenant.read_rows(tenant_table, options);
    schema::RowBatch batch;
    while (reader->next(batch)) {
      for (std::size_t r = 0; r < batch.rows(); ++r) {
        schema::KeyValue key;
        for (std::size_t p : master.key_index)
          key.emplace_back(batch.value(r, p));
        const auto it = want.find(key);
        if (it == want.end() || !(it->second == hash_row(batch, r))) {
          ++wrong;  // a deleted key still there, or a written row that differs
        } else {
          ++found;
        }
      }
    }
  }
  return wrong + (want.size() - found);  // written rows that are missing count too
}

}  // namespace ferry::diff
