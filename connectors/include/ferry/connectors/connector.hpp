// The Connector interface: the only door to a database (docs/ARCHITECTURE.md, "Connectors").
// Concrete connectors live in connectors/src/<dialect>/ and are made by connect().
//
// Thread-safety: a Connector is one session on one server; use it from one thread at a time.
// Parallel work opens one Connector per worker. A RowReader or RowWriter borrows its
// Connector's session: while one is open, make no other call on that Connector.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/common/endpoint.hpp"
#include "ferry/schema/catalog.hpp"
#include "ferry/schema/row.hpp"

namespace ferry::connectors {

// One row of a query() result in the server's text form; nullopt for NULL.
using TextRow = std::vector<std::optional<std::string>>;

// A reader ends a batch once its values hold this many bytes, whatever batch_rows says: a
// RowBatch addresses its bytes with 32-bit offsets, and wide rows must not make batches of
// gigabytes. A row bigger than this still makes a batch (of one row).
constexpr std::size_t k_batch_bytes = std::size_t{64} << 20;

struct ReadOptions {
  schema::KeyRange range;                   // unbounded by default
  std::size_t batch_rows = 8192;            // rows per RowBatch, at most
  std::size_t batch_bytes = k_batch_bytes;  // no row is added once a batch holds this many
  // When not empty, only the rows with these row keys (canonical values; at most a few
  // thousand per read).
  std::vector<schema::KeyValue> keys;
  // A table without a row key is read too, whole (`range` and `keys` must be empty), in the
  // server's order. Tables with a key are read in key order as always.
  bool allow_keyless = false;
};

// A sequence or auto-increment counter: the value it hands out next.
struct Counter {
  // PostgreSQL: the sequence's qualified name. MySQL/MariaDB, SQLite: the table's name.
  std::string name;
  // The table whose column takes its values ("schema.name" or "name"), when known.
  std::string table;
  std::int64_t next = 1;
  bool operator==(const Counter&) const = default;
};

// A server-side summary of a whole table: row count and a digest of the rows that is equal
// only between servers of one dialect whose columns have identical types.
struct ServerSummary {
  std::uint64_t rows = 0;
  std::string digest;
  bool operator==(const ServerSummary&) const = default;
};

// How a connector's server hashes rows (Connector::server_hashing()).
enum class ServerHashing {
  none,  // not at all: the caller hashes canonical rows itself
  // A whole-table summary costs clearly less than bucket summaries (PostgreSQL: a plain
  // aggregate against a hash aggregate), so an identical table is best found with
  // server_summary() alone, and buckets are summed only when the tables differ.
  summary_first,
  // Bucket summaries cost about as much as the whole-table one (MySQL/MariaDB, where hashing
  // the rows dominates): ask for the buckets at once; their total is the table's summary.
  buckets_first,
};

// How server_buckets() and read_bucket_key_hashes() split a table's rows into buckets.
struct BucketScheme {
  enum class Kind {
    // bucket = a hash of the row key masked to 2^bits buckets (bits <= k_max_bucket_bits):
    // any row key. A bucket's rows are found by a scan that hashes every key.
    key_hash,
    // bucket = the row key >> bits, on its 64-bit pattern: a row key of one integer column.
    // A bucket's rows are one key range (key_range_of()), found through the key's index.
    key_range,
  };
  // At most 2^18 buckets (bucket_scheme() aims at 64 rows a bucket: up to 16 M rows). With
  // the memory for their groups (PostgreSQL's bucket query asks for it), the servers'
  // aggregates cost little more than with 2^14 buckets, and a changed row makes far fewer
  // rows read again. On 10 M rows, 2^18 against 2^14: key ranges 4.7 s against 4.5 s,
  // hashed keys 7.1 s against 6.1 s (PostgreSQL), 26.1 s against 21.9 s (MariaDB); with
  // 10,000 rows changed, 6 % of the buckets differ instead of 46 %. (For key ranges, `bits`
  // is the shift, which bucket_scheme() picks so that the master's keys fill at most 2^18.)
  static constexpr unsigned k_max_bucket_bits = 18;

  Kind kind = Kind::key_hash;
  unsigned bits = 0;
  bool operator==(const BucketScheme&) const = default;
};

// The keys of bucket `bucket` of a key_range scheme of `bits` (0..63): [first, last].
inline std::pair<std::int64_t, std::int64_t> key_range_of(std::uint64_t bucket, unsigned bits) {
  const std::uint64_t first = bucket << bits;
  return {static_cast<std::int64_t>(first),
          static_cast<std::int64_t>(first + ((std::uint64_t{1} << bits) - 1))};
}

// One bucket of a table's rows.
struct BucketSummary {
  std::uint64_t bucket = 0;  // key_range: the 64-bit pattern of key >> bits
  std::uint64_t rows = 0;
  std::uint64_t digest = 0;  // XOR of the bucket's 64-bit row hashes
  bool operator==(const BucketSummary&) const = default;
};

// A table summed per bucket in one aggregate query. Equal only between servers of one
// dialect whose columns have identical types, summed with the same scheme.
struct BucketSummaries {
  BucketScheme scheme;
  ServerSummary total;                 // what server_summary() returns for the same rows
  std::vector<BucketSummary> buckets;  // the non-empty buckets, by bucket number
};

// Streams a table's rows in row-key order in canonical form (schema/row.hpp), all columns in
// ordinal order. Memory is bounded by one batch plus the driver's own buffer.
class RowReader {
 public:
  virtual ~RowReader() = default;
  // Replaces `batch` with the next rows: at most ReadOptions::batch_rows, and no further row
  // once the batch's values reach ReadOptions::batch_bytes (a row bigger than that is a batch
  // of its own). Returns false, with `batch` empty, when the table is exhausted. Throws Error
  // naming the table on failure.
  virtual bool next(schema::RowBatch& batch) = 0;
};

// Bulk-loads batches of canonical rows into one table, inside one transaction.
class RowWriter {
 public:
  virtual ~RowWriter() = default;
  // `batch` holds the writer's columns in the order given to Connector::write_rows().
  virtual void write(const schema::RowBatch& batch) = 0;
  // Makes everything written visible. Without commit(), destruction rolls it all back.
  void commit() { commit_with({}); }
  // Runs `statements` in the writer's transaction, then commits: the rows and whatever the
  // statements write (a journal entry) become visible together, or not at all.
  virtual void commit_with(const std::vector<std::string>& statements) = 0;
};

struct SchemaApplyOptions {
  // PostgreSQL: how long a statement may wait for a table lock before the plan fails (so a
  // busy table fails fast instead of blocking the application behind the DDL).
  std::chrono::milliseconds lock_timeout{5000};
  // MySQL/MariaDB: called after statement i has committed (DDL commits implicitly), so the
  // caller can journal progress. Not called on dialects that apply all or nothing.
  std::function<void(std::size_t)> on_committed;
};

struct IntrospectOptions {
  // PostgreSQL: read owners and grants (schema::Privileges) of schemas, tables, views,
  // sequences and routines, and the server's role names. Other dialects ignore it.
  bool privileges = false;
  // Tables only: their columns, keys, indexes and foreign keys (and enum types), without
  // views, sequences, routines, triggers and the other objects, whose reading costs most of
  // an introspection on PostgreSQL (a data sync needs only the tables). Other dialects read
  // everything.
  bool tables_only = false;
};

class Connector {
 public:
  virtual ~Connector() = default;

  virtual Dialect dialect() const noexcept = 0;
  virtual const Endpoint& endpoint() const noexcept = 0;
  virtual std::string server_version() = 0;

  // The whole catalog of the database (all user schemas), sorted (schema::sort_catalog), read
  // with a fixed handful of queries whatever the number of tables.
  virtual schema::Catalog introspect(const IntrospectOptions& options) = 0;
  schema::Catalog introspect() { return introspect(IntrospectOptions{}); }

  // A stamp of everything introspect() reads, far cheaper than reading it: taken before
  // introspect(), an equal stamp later means no change reached what introspect() would
  // return. PostgreSQL only (postgres_catalog.cpp says why it holds); the other dialects
  // return nullopt, and callers then always introspect.
  virtual std::optional<std::string> catalog_stamp() { return std::nullopt; }

  // Runs the statements in order, in one transaction where the dialect has transactional
  // DDL (PostgreSQL, SQLite); on MySQL/MariaDB each DDL statement commits by itself.
  // On failure nothing of a transactional run is kept; the Error names the statement.
  virtual void execute(const std::vector<std::string>& statements) = 0;

  // Runs one query and returns all its rows as text. For small results (catalog, aggregates).
  virtual std::vector<TextRow> query(std::string_view sql) = 0;

  // Streams `table` (as introspected from this database) in row-key order. The table must
  // have a row key (schema::Table::row_key()); otherwise Error(failure) says so.
  virtual std::unique_ptr<RowReader> read_rows(const schema::Table& table,
                                               const ReadOptions& options) = 0;

  // Server-side hashing, for comparing two servers of one dialect without moving rows
  // (PostgreSQL and MySQL/MariaDB). A connector without it returns none, nullopt and nullptr,
  // and the caller hashes canonical rows itself. Every call hashes a row the same way: a
  // 64-bit value that changes when any column does (NULL and '' included).
  virtual ServerHashing server_hashing() const noexcept { return ServerHashing::none; }
  // Row count and XOR of the row hashes of the whole table, in one aggregate query.
  virtual std::optional<ServerSummary> server_summary(const schema::Table& table) = 0;
  // The same per bucket (BucketScheme), in one aggregate query; `total` falls out of it. A
  // key_hash scheme of more than k_max_bucket_bits is summed with k_max_bucket_bits (`scheme`
  // in the result says which); a key_range scheme needs a row key of one integer column.
  virtual std::optional<BucketSummaries> server_buckets(const schema::Table& /*table*/,
                                                        const BucketScheme& /*scheme*/) {
    return std::nullopt;
  }
  // Per table of `tables` (by qualified name), a token of the server's count of the writes
  // that reached it (rows inserted, updated, deleted; a TRUNCATE or rewrite; a reset of the
  // counters), read in one query: an equal token later means, almost surely, that no write
  // reached the table in between. The counters may lag the last writes by a moment, so a
  // caller may only use them to guess (e.g. which summary to ask for first), never to skip a
  // comparison. PostgreSQL only (its cumulative statistics, when track_counts is on); empty
  // elsewhere.
  virtual std::map<std::string, std::string> write_counters(
      const std::vector<schema::Table>& /*tables*/) {
    return {};
  }
  // The smallest and the largest row key of a table whose row key is one integer column,
  // through the key's index; nullopt when the table is empty or its key is not such a column.
  virtual std::optional<std::pair<std::int64_t, std::int64_t>> integer_key_bounds(
      const schema::Table& /*table*/) {
    return std::nullopt;
  }
  // Streams (row key columns..., row hash as int64) in row-key order, in canonical form, in
  // batches of at most batch_rows rows and about k_batch_bytes.
  virtual std::unique_ptr<RowReader> read_key_hashes(const schema::Table& table,
                                                     std::size_t batch_rows) = 0;
  // The same for the rows of the given buckets only (ascending bucket numbers).
  virtual std::unique_ptr<RowReader> read_bucket_key_hashes(
      const schema::Table& /*table*/, const BucketScheme& /*scheme*/,
      const std::vector<std::uint64_t>& /*buckets*/, std::size_t /*batch_rows*/) {
    return nullptr;
  }

  // Bulk-writes rows of `table` into the given columns (all non-generated columns when
  // `columns` is empty). Rows are inserted; existing keys are an error.
  virtual std::unique_ptr<RowWriter> write_rows(const schema::Table& table,
                                                const std::vector<std::string>& columns) = 0;

  // Inserts `rows` (all of `table`'s columns, in table order) or updates the rows with the
  // same row key, in one transaction. An upsert never deletes first (no REPLACE), so no
  // ON DELETE action fires on the tenant's own rows. Generated columns are not written.
  virtual void upsert_rows(const schema::Table& table, const schema::RowBatch& rows) = 0;

  // Deletes the rows with these row keys (canonical values), in one transaction.
  virtual void delete_rows(const schema::Table& table,
                           const std::vector<schema::KeyValue>& keys) = 0;

  // Which of `values` (canonical, one per entry of `columns`) occur in those columns of
  // `table`: their indexes into `values`. Used to find rows that still reference a key.
  virtual std::vector<std::size_t> find_values(const schema::Table& table,
                                               const std::vector<std::string>& columns,
                                               const std::vector<schema::KeyValue>& values) = 0;

  // Starts a read-only transaction whose reads all see one snapshot (PostgreSQL REPEATABLE
  // READ, MySQL WITH CONSISTENT SNAPSHOT, SQLite a deferred transaction) until
  // end_consistent_read(). Make no writes on this Connector meanwhile.
  virtual void begin_consistent_read() = 0;
  virtual void end_consistent_read() = 0;
  // Names the snapshot of the consistent read open on this Connector so that other sessions
  // can read in it too (join_snapshot()), for as long as this read stays open. nullopt where
  // the dialect cannot share a snapshot between sessions (MySQL/MariaDB, SQLite).
  //   PostgreSQL: pg_export_snapshot().
  virtual std::optional<std::string> export_snapshot() { return std::nullopt; }
  // Begins a consistent read (end it with end_consistent_read()) in the snapshot that another
  // session exported and still holds: both then see exactly the same rows. Error when the
  // export is gone or the dialect has none.
  virtual void join_snapshot(const std::string& snapshot);
  // Holds every commit on the server until resume_commits(), so that consistent reads begun
  // meanwhile in other sessions all see the same data. Returns false, with the reason in
  // `why`, where that is not possible. MariaDB: BACKUP STAGE BLOCK_COMMIT (needs the RELOAD
  // privilege; gives up after 10 s of waiting for running DDL or commits).
  virtual bool pause_commits(std::string& why) {
    why = "this database cannot hold its commits";
    return false;
  }
  virtual void resume_commits() {}
  // Where the server's change log stood when the consistent read open on this session began,
  // for a later change-data follow; nullopt where there is none.
  //   PostgreSQL: "lsn 0/16B3748" (pg_current_wal_lsn() read in the snapshot: at or after it).
  //   MariaDB: "binlog FILE:POSITION" of the consistent snapshot (binlog_snapshot_file and
  //   _position), nullopt when the binary log is off. SQLite: nullopt.
  virtual std::optional<std::string> log_position() { return std::nullopt; }

  // The sequences and auto-increment counters of the tables of `catalog` (as introspected
  // from this database), with the value each hands out next.
  virtual std::vector<Counter> read_counters(const schema::Catalog& catalog) = 0;
  // Sets counters (read from another database, maybe of another dialect) on `catalog`'s
  // objects: a counter names a sequence of the catalog, or a table whose identity or
  // auto-increment column takes it. Counters that match nothing are returned, not set.
  virtual std::vector<Counter> set_counters(const schema::Catalog& catalog,
                                            const std::vector<Counter>& counters) = 0;
  // Refreshes the planner's statistics of `tables`.
  virtual void analyze(const std::vector<const schema::Table*>& tables) = 0;

  // Applies a structure plan (schema::Plan::statements()).
  //   PostgreSQL: one transaction with SET LOCAL lock_timeout; all or nothing.
  //   MySQL/MariaDB: statement by statement (DDL commits implicitly), on_committed after each.
  //   SQLite: foreign keys off, one BEGIN IMMEDIATE transaction, PRAGMA foreign_key_check
  //           before COMMIT (a violation rolls back), foreign keys on again.
  // The Error names the failing statement.
  virtual void apply_schema_changes(const std::vector<std::string>& statements,
                                    const SchemaApplyOptions& options) = 0;

  // A named advisory lock on this database, held until release_lock() or until the session
  // ends (a crashed ferry never leaves it behind). Returns nullopt when acquired; otherwise
  // who holds it (process, host, since when) for the error message. Non-blocking.
  //   PostgreSQL pg_try_advisory_lock, MySQL GET_LOCK, SQLite an flock()ed file beside the
  //   database.
  virtual std::optional<std::string> try_lock(std::string_view name) = 0;
  virtual void release_lock(std::string_view name) = 0;

  // The identifier quoted for this dialect ("x" or `x`).
  virtual std::string quote_identifier(std::string_view name) const = 0;
  // A string literal for this dialect's SQL ('it''s'; MySQL also escapes backslashes).
  virtual std::string quote_string(std::string_view text) const = 0;
};

// `count` sessions on one database, each in a consistent read (end_consistent_read() ends
// it), all reading one snapshot where the server allows it: PostgreSQL exports the first
// session's snapshot and the others join it (keep the first open until the last read is
// done); MariaDB begins them while its commits are paused (pause_commits()). Elsewhere, or
// when pausing is refused, each session reads its own snapshot and `shared` is false.
struct SnapshotSessions {
  std::vector<std::unique_ptr<Connector>> sessions;
  std::optional<std::string> exported;  // PostgreSQL: the snapshot later sessions can join
  bool shared = false;                  // every session reads the same snapshot
  std::string why_not;                  // when not shared: why
};
SnapshotSessions connect_in_one_snapshot(const Endpoint& endpoint, std::size_t count);

// Opens a session on the endpoint's server, honouring Endpoint::connect_timeout.
// Throws Error classified as bad_endpoint, unreachable, auth_failed or database_missing (exit
// code 2) or failure; the message names the redacted URL and carries the server's words,
// never the password.
std::unique_ptr<Connector> connect(const Endpoint& endpoint);

}  // namespace ferry::connectors
