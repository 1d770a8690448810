// Chunked hash diff of one table between a master and a tenant (docs/ARCHITECTURE.md, "Data
// diff"; docs/data-sync.md, "How it compares").
//
// The master is read once per run: its rows, in key order, are cut into chunks of about
// chunk_rows rows, each summarized as (row count, sum of row hashes). Each tenant is then
// read once, in the same key order, and its rows are summed into the master's chunk ranges;
// a chunk whose summaries match is done. For a chunk that differs, the master's rows of that
// range are read again and merge-compared by key with the tenant's, giving the rows to
// insert, update and delete. Memory is bounded by one batch plus one chunk of tenant keys
// and hashes, plus the rows to upsert: all of them without an UpsertSink, one sink batch with
// one.
//
// Key order: every connector orders and compares text keys by bytes (COLLATE "C" and the
// like), and KeyOrder compares canonical keys the same way, so master and tenant agree on
// ranges whatever their dialects. A stream that is not in that order is an Error, never a
// wrong diff.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
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

// The master's bucket summaries of one table for the servers' path (diff_table_on_servers):
// computed at most once per run, by the first tenant that needs them, on that tenant's
// master connection and on a thread of their own, while the tenant sums its own buckets;
// every other tenant waits for the same result and uses the same scheme.
class MasterBuckets {
 public:
  using Future = std::shared_future<std::optional<connectors::BucketSummaries>>;
  struct Started {
    connectors::BucketScheme scheme;
    Future future;
    bool by_caller = false;  // the computation runs on the caller's connection: wait for it
                             // before the connection is used or closed
  };
  // Chooses the scheme (bucket_scheme(), asking `master` for the key's bounds) and starts
  // summing `table` on `master`, unless that has happened already.
  Started start(connectors::Connector& master, const schema::Table& table,
                std::uint64_t master_rows);

 private:
  std::mutex m_mutex;
  std::optional<Started> m_started;
};

// A stretch of a chunk: its rows after the previous part's up_to (the chunk's `after` for the
// first part) up to this one's (the chunk's own for the last).
struct ChunkPart {
  schema::KeyValue up_to;
  Summary summary;
};

// The parts a chunk is cut into (at most; one more when the master's read ends): a chunk that
// differs is bisected into them at no extra cost, as the master's read sums them alongside.
constexpr std::size_t k_chunk_parts = 16;

struct Chunk {
  schema::KeyRange range;  // (after, up_to]; the first is open below, the last open above
  Summary summary;
  std::vector<ChunkPart> parts;  // consecutive, covering `range`
};

// The master's chunks of one table, published as the master's read summarizes them, so that
// tenants compare each chunk as soon as it is there while that read goes on. One thread adds
// (summarize_chunks()); any number wait.
class ChunkFeed {
 public:
  // Chunk `index`, once the master's read has summarized it; nullptr past the last chunk.
  // Rethrows the error that ended the master's read. The chunk stays where it is.
  const Chunk* wait(std::size_t index) const;
  void add(Chunk chunk);
  void finish(std::exception_ptr error = nullptr);

 private:
  mutable std::mutex m_mutex;
  mutable std::condition_variable m_changed;
  std::deque<Chunk> m_chunks;  // a deque: chunks handed out never move
  bool m_done = false;
  std::exception_ptr m_error;
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
  // Its bucket summaries, when a tenant needs them (shared by copies of this MasterTable).
  std::shared_ptr<MasterBuckets> buckets = std::make_shared<MasterBuckets>();
  // server_summaries() sums the master's buckets at once rather than the whole table (some
  // tenant is expected to differ): their total is the summary, and no second pass over the
  // master is needed for the tenants that differ.
  bool buckets_at_once = false;
  std::vector<std::string> key;        // row key columns
  std::vector<std::size_t> key_index;  // their positions in table.columns
  // Consecutive chunks covering the whole key space, for tenants compared in ferry; nullptr
  // when only the servers compare (shared by copies of this MasterTable).
  std::shared_ptr<ChunkFeed> chunks;
};

struct DiffSettings {
  // A master chunk ends after chunk_rows rows or once its rows' canonical values reach
  // chunk_bytes, whichever comes first: chunks of wide rows hold fewer rows, so that reading
  // a differing chunk again stays as short as for narrow rows.
  std::size_t chunk_rows = 10000;
  std::size_t chunk_bytes = std::size_t{4} << 20;
  std::size_t batch_rows = 8192;
  // diff_table(): read the tenant one chunk range at a time rather than in one stream, so that
  // no read is open while a chunk's rows go to the sink (SQLite: the sink writes through the
  // reading session, as a second one would wait for the read to end).
  bool read_tenant_by_chunk = false;
  // diff_table_on_servers(), where a whole-table summary is cheaper than buckets
  // (ServerHashing::summary_first): compare the whole table's summaries first, and sum the
  // buckets only when they differ. False when the tenant is expected to differ (the master
  // changed since the tenant was last found equal): the buckets are summed at once, one pass
  // over each side instead of two.
  bool table_summary_first = true;
};

// The master's side of `table` before any row is read: its row key (Error when it has none)
// and, with `client_chunks` (for tenants that cannot be compared on the servers: another
// dialect, other column types), an empty ChunkFeed for summarize_chunks() to fill.
// server_summary is left to the caller, who fills it when some tenant compares on the
// servers, e.g. in the background (server_summaries()).
MasterTable master_table(Dialect dialect, const schema::Table& table, bool client_chunks);

// Reads the master's rows of `table` in key order and publishes them in chunks of
// settings.chunk_rows rows (fewer when they pass settings.chunk_bytes), each with its
// summary, to table.chunks. Never throws: an error
// ends the feed, and whoever waits on it gets the error. Returns whether the read completed.
bool summarize_chunks(connectors::Connector& master, const MasterTable& table,
                      const DiffSettings& settings);

// master_table() and summarize_chunks() at once.
MasterTable summarize_master(connectors::Connector& master, const schema::Table& table,
                             const DiffSettings& settings);

// Computes the master's server summaries of `tables` on `session` (a master session of its
// own, in the run's consistent read), on a background thread; fills each table's
// server_summary future. The returned future ends when all are done; keep it until the tables
// are no longer used.
std::future<void> server_summaries(std::unique_ptr<connectors::Connector> session,
                                   std::vector<MasterTable>& tables);

// Where a sync's rows to upsert go as they are found, so that memory holds one batch rather
// than every differing row of the table.
struct UpsertSink {
  // Receives the master rows to upsert (all columns in table order, inserts and updates
  // mixed), at most max_rows rows or about max_bytes bytes at a time. Empty: the rows are only
  // counted and never read in full (a dry run).
  std::function<void(const schema::RowBatch&)> write;
  // A second session on the master: the servers' path reads the rows to write through it while
  // its (key, row hash) streams are still open on the first. Required when `write` is set.
  connectors::Connector* master = nullptr;
  bool keep_keys = false;  // record the keys in TableChanges::insert_keys and update_keys
  std::size_t max_rows = 50000;
  std::size_t max_bytes = std::size_t{32} << 20;
};

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
  // The servers' path: the summary queries over the tenant's table, 1 when the first one
  // settled it (equal whole-table summaries, or buckets summed at once), 2 when the
  // whole-table summaries differed and the buckets were summed after them.
  unsigned summary_passes = 0;
  bool buckets_first = false;  // the servers' path began with the buckets
  // With an UpsertSink, `upserts` stays empty; these hold the keys when it asked for them.
  std::vector<schema::KeyValue> insert_keys;
  std::vector<schema::KeyValue> update_keys;

  std::size_t total() const noexcept { return inserts + updates + deletes.size(); }
};

// Compares the tenant's copy of the master's table. `tenant_table` is the table as the
// tenant's catalog describes it; its columns must match the master's by name and order
// (a structure sync makes them so), else Error names the difference. With a `sink`, the rows
// to upsert go to it as the differing chunks are merged (the tenant's stream is still open
// then: write through another session).
TableChanges diff_table(const MasterTable& master, connectors::Connector& master_conn,
                        connectors::Connector& tenant, const schema::Table& tenant_table,
                        const DiffSettings& settings, const UpsertSink* sink = nullptr);

// The same-dialect fast path: both servers hash their rows (Connector::server_hashing()).
//   1. Equal table summaries end it at one aggregate query per side: server_summary() where
//      that is cheaper than buckets (PostgreSQL; the master's comes from server_summaries())
//      and settings.table_summary_first expects the tables equal, else the totals of step 2
//      (MySQL/MariaDB, or a tenant expected to differ).
//   2. Both sides sum their rows per bucket (bucket_scheme(): key ranges of about 64 of the
//      master's rows for a key of one integer column, else a hash of the row key), in one
//      aggregate query each; the master's buckets are computed once and shared by all tenants.
//   3. Only the rows of the buckets that differ are read as (key, row hash) pairs, in key
//      order, from both sides at once, and merged; when those buckets hold more than a quarter
//      of the rows, the whole table is streamed instead (no filter, and the key's index gives
//      the order).
//   4. Only the master rows to upsert are read in full: with a `sink`, in runs of keys as the
//      merge finds them (through sink->master), handed to the sink in batches.
// TableChanges::chunks is then the master's number of non-empty buckets, and `differing`
// lists the numbers of the buckets that differed. Returns nullopt when it does not apply: another
// dialect, no server hashing, or column types that differ between master and tenant.
std::optional<TableChanges> diff_table_on_servers(const MasterTable& master,
                                                  connectors::Connector& master_conn,
                                                  connectors::Connector& tenant,
                                                  const schema::Table& tenant_table,
                                                  const DiffSettings& settings,
                                                  const UpsertSink* sink = nullptr);

// How the servers' path splits a master table of `rows` rows into buckets of about 64 rows.
// A row key of one integer column whose keys fill at least a quarter of the range between
// their bounds is split into key ranges (a bucket's rows are then read through the key's
// index): the shift gives about rows / 64 ranges between the bounds. Any other key is hashed
// into 2^bits buckets. Either way at most 2^BucketScheme::k_max_bucket_bits buckets.
connectors::BucketScheme bucket_scheme(
    std::uint64_t rows, const std::optional<std::pair<std::int64_t, std::int64_t>>& bounds);

// The buckets whose summaries differ between two summaries of one table with the same
// scheme (a bucket only one side has differs), ascending.
std::vector<std::uint64_t> differing_buckets(const connectors::BucketSummaries& a,
                                             const connectors::BucketSummaries& b);

// After a sync on the servers' path: reads back just the rows that were written and the keys
// that were deleted, and counts those that do not match (`expected` holds the master rows
// written, all columns; `deleted` the keys that must be gone).
std::size_t count_unapplied(const MasterTable& master, connectors::Connector& tenant,
                            const schema::Table& tenant_table, const schema::RowBatch& expected,
                            const std::vector<schema::KeyValue>& deleted,
                            const DiffSettings& settings);

// Gathers the rows to upsert of one table: into TableChanges::upserts (inserts first) without
// a sink, else into batches handed to the sink. Internal to the diff.
class PendingUpserts {
 public:
  PendingUpserts(const UpsertSink* sink, TableChanges& changes,
                 const std::vector<std::size_t>& key_index, std::size_t columns);
  // Row `row` of `from`, a master row to insert or update.
  void add(const schema::RowBatch& from, std::size_t row, bool insert);
  // A row known by its key only, when the sink has no `write` (its row is never read).
  void count(const schema::KeyValue& key, bool insert);
  bool reads_rows() const noexcept { return m_sink == nullptr || static_cast<bool>(m_sink->write); }
  // Hands over what is left (with a sink) or appends the updates after the inserts.
  void finish();

 private:
  void flush();
  const UpsertSink* m_sink;
  TableChanges& m_changes;
  const std::vector<std::size_t>& m_key_index;
  schema::RowBatch m_rows;     // with a sink: the batch being filled
  schema::RowBatch m_updated;  // without: the updates, appended after the inserts
};

// Compares only the given chunks (indexes into master.chunks): how a sync checks the ranges it
// changed. Each range is summarized again on the tenant; one whose summary now equals the
// master's is done, and only a range that still differs is merged with the master's rows.
TableChanges diff_chunks(const MasterTable& master, connectors::Connector& master_conn,
                         connectors::Connector& tenant, const schema::Table& tenant_table,
                         const std::vector<std::size_t>& chunks, const DiffSettings& settings);

}  // namespace ferry::diff
