#include <future>
#include <map>

#include "ferry/common/error.hpp"
#include "ferry/diff/table_diff.hpp"

namespace ferry::diff {
namespace {

constexpr std::size_t k_keys_per_read = 1000;

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

// One side's (key, hash) stream, a row at a time.
class KeyHashStream {
 public:
  KeyHashStream(connectors::Connector& conn, const schema::Table& table, std::size_t key_columns,
                std::size_t batch_rows)
      : m_reader(conn.read_key_hashes(table, batch_rows)), m_key_columns(key_columns) {
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
    m_key.clear();
    for (std::size_t c = 0; c < m_key_columns; ++c)
      m_key.emplace_back(m_batch.value(m_row, c));
    ++m_count;
  }
  std::uint64_t count() const { return m_count; }

 private:
  std::unique_ptr<connectors::RowReader> m_reader;
  std::size_t m_key_columns;
  schema::RowBatch m_batch;
  std::size_t m_row = static_cast<std::size_t>(-1);
  bool m_done = false;
  schema::KeyValue m_key;
  std::uint64_t m_count = 0;
};

void fetch_master_rows(const MasterTable& master, connectors::Connector& conn,
                       const std::vector<schema::KeyValue>& keys, TableChanges& changes,
                       const DiffSettings& settings) {
  for (std::size_t start = 0; start < keys.size(); start += k_keys_per_read) {
    const std::size_t end = std::min(keys.size(), start + k_keys_per_read);
    connectors::ReadOptions options{.batch_rows = settings.batch_rows};
    options.keys.assign(keys.begin() + static_cast<std::ptrdiff_t>(start),
                        keys.begin() + static_cast<std::ptrdiff_t>(end));
    auto reader = conn.read_rows(master.table, options);
    schema::RowBatch batch;
    while (reader->next(batch)) {
      for (std::size_t r = 0; r < batch.rows(); ++r) {
        for (std::size_t c = 0; c < batch.columns(); ++c) {
          batch.is_null(r, c) ? changes.upserts.add_null()
                              : changes.upserts.add_value(batch.value(r, c));
        }
      }
    }
  }
}

}  // namespace

std::optional<TableChanges> diff_table_on_servers(const MasterTable& master,
                                                  connectors::Connector& master_conn,
                                                  connectors::Connector& tenant,
                                                  const schema::Table& tenant_table,
                                                  const DiffSettings& settings) {
  if (!master.server_summary.valid() || tenant.dialect() != master.dialect ||
      !same_types(master.table, tenant_table)) {
    return std::nullopt;
  }
  // The tenant sums its rows while the master may still be summing its own.
  const std::optional<connectors::ServerSummary> theirs = tenant.server_summary(tenant_table);
  const std::optional<connectors::ServerSummary>& master_summary = master.server_summary.get();
  if (!theirs || !master_summary)
    return std::nullopt;
  TableChanges changes;
  changes.table = master.table.schema.empty() ? master.table.name
                                              : master.table.schema + "." + master.table.name;
  changes.upserts.reset(master.table.columns.size());
  changes.chunks = 1;
  if (*theirs == *master_summary) {
    changes.rows_compared = theirs->rows;
    return changes;
  }
  changes.chunks_differing = 1;
  changes.differing.push_back(0);

  std::vector<schema::LogicalType> key_types;
  for (std::size_t p : master.key_index)
    key_types.push_back(master.table.columns[p].type);
  const KeyOrder order(std::move(key_types));
  const std::size_t key_columns = master.key.size();
  // Both servers hash and sort at once; the merge below reads whichever side is behind.
  KeyHashStream mine(master_conn, master.table, key_columns, settings.batch_rows);
  KeyHashStream yours(tenant, tenant_table, key_columns, settings.batch_rows);
  std::vector<schema::KeyValue> inserts, updates;
  schema::KeyValue last;
  while (!mine.done() || !yours.done()) {
    const int c = mine.done() ? 1 : yours.done() ? -1 : order.compare(mine.key(), yours.key());
    if (c < 0) {
      inserts.push_back(mine.key());
      mine.advance();
    } else if (c > 0) {
      changes.deletes.push_back(yours.key());
      yours.advance();
    } else {
      if (mine.hash() != yours.hash())
        updates.push_back(mine.key());
      mine.advance();
      yours.advance();
    }
  }
  changes.rows_compared = yours.count();
  changes.inserts = inserts.size();
  changes.updates = updates.size();
  fetch_master_rows(master, master_conn, inserts, changes, settings);
  fetch_master_rows(master, master_conn, updates, changes, settings);
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
