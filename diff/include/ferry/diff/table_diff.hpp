// Chunked hash diff of one table between a master and a tenant (DESIGN.md, "Data diff").
//
// The master is read once per run: its rows, in key order, are cut into chunks of about
// chunk_rows rows, each summarized as (row count, sum of row hashes). Each tenant is then
// read once, in the same key order, and its rows are summed into the master's chunk ranges;
// a chunk whose summaries match is done. For a chunk that differs, the master's rows of that
// range are read again and merge-compared by key with the tenant's, giving the rows to
// insert, update and delete. Memory is bounded by one batch plus one chunk of tenant keys
// and hashes, plus the changed rows themselves.
//
// Key order: every connector orders and compares text keys by bytes (COLLATE "C" and the
// like), and KeyOrder compares canonical keys the same way, so master and tenant agree on
// ranges whatever their dialects. A stream that is not in that order is an Error, never a
// wrong diff.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "ferry/connectors/connector.hpp"
#include "ferry/diff/row_hash.hpp"

namespace ferry::diff {

// Compares canonical key values of one table's row key, column by column, by logical type.
class KeyOrder {
 public:
  explicit KeyOrder(std::vector<schema::LogicalType> types) : m_types(std::move(types)) {}
  // <0, 0, >0 like strcmp. `a` and `b` hold one canonical value per key column.
  int compare(const schema::KeyValue& a, const schema::KeyValue& b) const;
  int compare_field(std::size_t column, std::string_view a, std::string_view b) const;

 private:
  std::vector<schema::LogicalType> m_types;
};

struct Chunk {
  schema::KeyRange range;  // (after, up_to]; the first is open below, the last open above
  Summary summary;
};

// The master's side of one table: computed once per run, shared by every tenant.
struct MasterTable {
  schema::Table table;
  Dialect dialect = Dialect::sqlite;
  // The master's own summary of the table when it hashes rows itself (PostgreSQL): tenants of
  // the same dialect compare against it without moving rows (diff_table_on_servers). A
  // future, so that it can be computed while tenants compute theirs; not valid() when the
  // caller did not ask for it.
  std::shared_future<std::optional<connectors::ServerSummary>> server_summary;
  std::vector<std::string> key;        // row key columns
  std::vector<std::size_t> key_index;  // their positions in table.columns
  std::vector<Chunk> chunks;           // consecutive, covering the whole key space
  std::uint64_t rows = 0;
};

struct DiffSettings {
  std::size_t chunk_rows = 10000;
  std::size_t batch_rows = 8192;
};

// `client_chunks`: read the master's rows and summarize them in chunks, for tenants that
// cannot be compared on the servers (another dialect, other column types), and take the
// server's summary too. Without it, only the key is worked out: the caller fills
// server_summary, e.g. in the background (server_summaries()).
MasterTable summarize_master(connectors::Connector& master, const schema::Table& table,
                             const DiffSettings& settings, bool client_chunks = true);

// Computes the master's server summaries of `tables` on a connection of its own, in one
// consistent snapshot, on a background thread; fills each table's server_summary future.
// The returned future ends when all are done; keep it until the tables are no longer used.
std::future<void> server_summaries(const Endpoint& master, std::vector<MasterTable>& tables);

struct TableChanges {
  std::string table;
  std::uint64_t rows_compared = 0;  // tenant rows read
  std::uint64_t chunks = 0;
  std::uint64_t chunks_differing = 0;
  // Master rows to upsert, all master columns in table order (inserts first, then updates).
  schema::RowBatch upserts;
  std::size_t inserts = 0;
  std::size_t updates = 0;
  std::vector<schema::KeyValue> deletes;  // tenant keys the master does not have
  std::vector<std::size_t> differing;     // indexes of the chunks that differed

  std::size_t total() const noexcept { return inserts + updates + deletes.size(); }
};

// Compares the tenant's copy of the master's table. `tenant_table` is the table as the
// tenant's catalog describes it; its columns must match the master's by name and order
// (a structure sync makes them so), else Error names the difference.
TableChanges diff_table(const MasterTable& master, connectors::Connector& master_conn,
                        connectors::Connector& tenant, const schema::Table& tenant_table,
                        const DiffSettings& settings);

// The same-dialect fast path: both servers hash their rows (Connector::server_summary,
// read_key_hashes). Equal table summaries end it at one aggregate query per side; otherwise
// (key, row hash) pairs stream from both sides in key order and are merged, and only the
// master rows to upsert are read in full. Returns nullopt when it does not apply: another
// dialect, no server hashing, or column types that differ between master and tenant.
std::optional<TableChanges> diff_table_on_servers(const MasterTable& master,
                                                  connectors::Connector& master_conn,
                                                  connectors::Connector& tenant,
                                                  const schema::Table& tenant_table,
                                                  const DiffSettings& settings);

// After a sync on the servers' path: reads back just the rows that were written and the keys
// that were deleted, and counts those that do not match (`expected` holds the master rows
// written, all columns; `deleted` the keys that must be gone).
std::size_t count_unapplied(const MasterTable& master, connectors::Connector& tenant,
                            const schema::Table& tenant_table, const schema::RowBatch& expected,
                            const std::vector<schema::KeyValue>& deleted,
                            const DiffSettings& settings);

// Compares only the given chunks (indexes into master.chunks), reading just those ranges on
// both sides: how a sync checks the ranges it changed.
TableChanges diff_chunks(const MasterTable& master, connectors::Connector& master_conn,
                         connectors::Connector& tenant, const schema::Table& tenant_table,
                         const std::vector<std::size_t>& chunks, const DiffSettings& settings);

}  // namespace ferry::diff
