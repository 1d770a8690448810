#include <libpq-fe.h>

#include <algorithm>

#include "common/row_changes.hpp"
#include "factories.hpp"
#include "ferry/common/error.hpp"
#include "ferry/common/process.hpp"
#include "postgres/postgres_session.hpp"

namespace ferry::connectors {
namespace {

constexpr std::size_t k_statement_excerpt = 200;

std::string excerpt(std::string_view statement) {
  std::string out = postgres::one_line(statement);
  if (out.size() > k_statement_excerpt) {
    out.resize(k_statement_excerpt);
    out += "...";
  }
  return out;
}

class PostgresConnector final : public SqlRowChanges {
 public:
  explicit PostgresConnector(const Endpoint& endpoint) : m_session(endpoint) {}

  Dialect dialect() const noexcept override { return Dialect::postgres; }
  const Endpoint& endpoint() const noexcept override { return m_session.endpoint(); }

  std::string server_version() override {
    const auto rows = m_session.query("SHOW server_version", "reading the server version");
    return rows.empty() || !rows[0][0] ? std::string{} : *rows[0][0];
  }

  schema::Catalog introspect(const IntrospectOptions& options) override {
    return postgres::introspect_catalog(m_session, options);
  }

  std::optional<std::string> catalog_stamp() override { return postgres::catalog_stamp(m_session); }

  void execute(const std::vector<std::string>& statements) override {
    // One statement runs as its own implicit transaction, which is already atomic, and this
    // keeps statements that refuse a transaction block (CREATE/DROP DATABASE, VACUUM, CREATE
    // INDEX CONCURRENTLY) usable on their own.
    run(statements, statements.size() > 1, {});
  }

  void apply_schema_changes(const std::vector<std::string>& statements,
                            const SchemaApplyOptions& options) override {
    // Function bodies are checked when they run, not when created (as a restore does): a
    // SQL function may name a table the plan creates after it.
    run(statements, true,
        "SET LOCAL lock_timeout = '" + std::to_string(options.lock_timeout.count()) +
            "ms'; SET LOCAL check_function_bodies = off");
  }

  std::optional<std::string> try_lock(std::string_view name) override {
    const std::string key = lock_key(name);
    const auto got = m_session.query("SELECT pg_try_advisory_lock(" + key + ")", "taking a lock");
    if (!got.empty() && got[0][0] == "t")
      return std::nullopt;
    const auto holder = m_session.query(
        "SELECT a.application_name, a.pid, coalesce(host(a.client_addr), 'local socket'), "
        "to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') "
        "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        // Advisory locks are per database: the same key on another database of the server
        // (another tenant, maybe synced by this very run) is not this lock.
        "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND (l.classid, l.objid) = (" +
            lock_classid() + "::oid, " + std::to_string(lock_objid(name)) + "::oid)",
        "finding the lock holder");
    if (holder.empty())
      return "another session (it may just have released the lock)";
    const TextRow& h = holder[0];
    return (h[0] && !h[0]->empty() ? *h[0] : std::string("an unnamed client")) + " (server pid " +
           h[1].value_or("?") + ", from " + h[2].value_or("?") + ", connected since " +
           h[3].value_or("?") + " UTC)";
  }

  void release_lock(std::string_view name) override {
    m_session.query("SELECT pg_advisory_unlock(" + lock_key(name) + ")", "releasing a lock");
  }

  void begin_consistent_read() override {
    m_session.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "starting a snapshot");
  }

  void end_consistent_read() override { m_session.exec("COMMIT", "ending a snapshot"); }

  std::optional<std::string> export_snapshot() override {
    // The export lives as long as this transaction, which then idles while others read in it.
    m_session.exec("SET idle_in_transaction_session_timeout = 0", "keeping the snapshot open");
    const auto rows = m_session.query("SELECT pg_export_snapshot()", "exporting the snapshot");
    if (rows.empty() || !rows[0][0])
      throw Error(ErrorKind::failure,
                  "postgres " + endpoint().redacted() + ": pg_export_snapshot() returned nothing");
    return *rows[0][0];
  }

  void join_snapshot(const std::string& snapshot) override {
    // Snapshot names are hex digits and dashes (e.g. 00000003-0000001B-1); anything else is
    // refused rather than quoted.
    if (snapshot.empty() ||
        snapshot.find_first_not_of("0123456789ABCDEFabcdef-") != std::string::npos) {
      throw Error(ErrorKind::failure, "not a snapshot name: " + snapshot);
    }
    m_session.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "starting a snapshot");
    try {
      m_session.exec("SET TRANSACTION SNAPSHOT '" + snapshot + "'",
                     "joining the snapshot " + snapshot);
    } catch (...) {
      m_session.exec_quietly("ROLLBACK");
      throw;
    }
  }

  std::vector<TextRow> query(std::string_view sql) override {
    return m_session.query(sql, "query failed: " + excerpt(sql));
  }

  std::unique_ptr<RowReader> read_rows(const schema::Table& table,
                                       const ReadOptions& options) override {
    return postgres::make_row_reader(m_session, table, options);
  }

  ServerHashing server_hashing() const noexcept override { return ServerHashing::summary_first; }

  std::optional<ServerSummary> server_summary(const schema::Table& table) override {
    return postgres::server_summary(m_session, table);
  }

  std::optional<BucketSummaries> server_buckets(const schema::Table& table,
                                                const BucketScheme& scheme) override {
    return postgres::server_buckets(m_session, table, scheme);
  }

  std::optional<std::pair<std::int64_t, std::int64_t>> integer_key_bounds(
      const schema::Table& table) override {
    return postgres::integer_key_bounds(m_session, table);
  }

  std::map<std::string, std::string> write_counters(
      const std::vector<schema::Table>& tables) override {
    return postgres::write_counters(m_session, tables);
  }

  std::unique_ptr<RowReader> read_key_hashes(const schema::Table& table,
                                             std::size_t batch_rows) override {
    return postgres::make_key_hash_reader(m_session, table, batch_rows);
  }

  std::unique_ptr<RowReader> read_bucket_key_hashes(const schema::Table& table,
                                                    const BucketScheme& scheme,
                                                    const std::vector<std::uint64_t>& buckets,
                                                    std::size_t batch_rows) override {
    return postgres::make_bucket_key_hash_reader(m_session, table, scheme, buckets, batch_rows);
  }

  std::unique_ptr<RowWriter> write_rows(const schema::Table& table,
                                        const std::vector<std::string>& columns) override {
    return postgres::make_row_writer(m_session, table, columns);
  }

  std::string quote_string(std::string_view text) const override { return quote_with('\'', text); }

  std::string quote_identifier(std::string_view name) const override {
    return postgres::quote(name);
  }

  std::optional<std::string> log_position() override {
    const auto rows = m_session.query(
        "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() "
        "ELSE pg_current_wal_lsn() END::text",
        "reading the WAL position");
    if (rows.empty() || !rows[0][0])
      return std::nullopt;
    return "lsn " + *rows[0][0];
  }

  std::vector<Counter> read_counters(const schema::Catalog& catalog) override {
    std::vector<Counter> out;
    std::string sql;
    for (const schema::Sequence& s : catalog.sequences) {
      sql += sql.empty() ? "" : " UNION ALL ";
      sql += "SELECT last_value, is_called FROM " + postgres::quote(s.schema) + "." +
             postgres::quote(s.name);
      Counter counter{.name = s.qualified_name()};
      if (s.owned_by) {
        const auto dot = s.owned_by->rfind('.');
        counter.table = schema::qualified_name(s.schema, s.owned_by->substr(0, dot));
      }
      out.push_back(std::move(counter));
    }
    if (sql.empty())
      return out;
    const auto rows = m_session.query(sql, "reading sequences");
    for (std::size_t i = 0; i < rows.size() && i < out.size(); ++i) {
      const std::int64_t last = std::stoll(rows[i][0].value_or("1"));
      const bool called = rows[i][1].value_or("f") == "t";
      out[i].next = called ? last + catalog.sequences[i].increment : last;
    }
    return out;
  }

  std::vector<Counter> set_counters(const schema::Catalog& catalog,
                                    const std::vector<Counter>& counters) override {
    std::vector<Counter> unmatched;
    std::string sql;
    for (const Counter& counter : counters) {
      std::string sequence;
      for (const schema::Sequence& s : catalog.sequences) {
        if (s.qualified_name() == counter.name)
          sequence = quote_with('\'', postgres::quote(s.schema) + "." + postgres::quote(s.name));
      }
      if (sequence.empty()) {
        const schema::Table* table = counter_table(catalog, counter);
        const schema::Column* column = table ? counter_column(*table) : nullptr;
        if (column != nullptr) {
          sequence = "pg_get_serial_sequence(" +
                     quote_with('\'', postgres::qualified_name(*table)) + ", " +
                     quote_with('\'', column->name) + ")";
        }
      }
      if (sequence.empty()) {
        unmatched.push_back(counter);
        continue;
      }
      sql += sql.empty() ? "SELECT " : ", ";
      sql += "setval(" + sequence + ", " + std::to_string(counter.next) + ", false)";
    }
    if (!sql.empty())
      m_session.query(sql, "setting sequences");
    return unmatched;
  }

  void analyze(const std::vector<const schema::Table*>& tables) override {
    std::string list;
    for (const schema::Table* t : tables)
      list += (list.empty() ? "" : ", ") + postgres::qualified_name(*t);
    if (!list.empty())
      m_session.exec("ANALYZE " + list, "analyzing tables");
  }

 private:
  const DialectSql& dialect_sql() const override {
    static const DialectSql sql{
        .quote = [](std::string_view n) { return postgres::quote(n); },
        .literal = postgres::key_literal,
        .table_name = [](const schema::Table& t) { return postgres::qualified_name(t); },
        .create_temp =
            [](const schema::Table& t, const std::string& columns, const std::string& temp) {
              return std::vector<std::string>{"DROP TABLE IF EXISTS pg_temp." + temp,
                                              "CREATE TEMP TABLE " + temp + " AS SELECT " +
                                                  columns + " FROM " + postgres::qualified_name(t) +
                                                  " WITH NO DATA"};
            },
        .temp_schema = "pg_temp",
        .upsert_from =
            [](const schema::Table& t, const std::vector<std::string>& columns,
               const std::vector<std::string>& key, const std::string& temp) {
              const QuoteFn quote = [](std::string_view n) { return postgres::quote(n); };
              std::string set = update_assignments(
                  columns, key, quote, [](const std::string& c) { return "EXCLUDED." + c; });
              const bool identity_always = std::any_of(
                  t.columns.begin(), t.columns.end(),
                  [](const schema::Column& c) { return c.identity == schema::Identity::always; });
              const std::string list = column_list(columns, quote);
              return "INSERT INTO " + postgres::qualified_name(t) + " (" + list + ")" +
                     (identity_always ? " OVERRIDING SYSTEM VALUE" : "") + " SELECT " + list +
                     " FROM pg_temp." + temp + " ON CONFLICT (" + column_list(key, quote) +
                     ") DO " + (set.empty() ? "NOTHING" : "UPDATE SET " + set);
            },
        .drop_temp = "DROP TABLE pg_temp.",
    };
    return sql;
  }

  // Advisory locks use the two-key form: a fixed first key marks them as ferry's.
  static std::string lock_classid() { return "1179800153"; }
  static std::int64_t lock_objid(std::string_view name) {
    return static_cast<std::int64_t>(stable_hash32(name) & 0x7fffffffu);
  }
  static std::string lock_key(std::string_view name) {
    return lock_classid() + ", " + std::to_string(lock_objid(name));
  }

  // Runs statements, in one transaction when `transaction` (after `preamble`, if any); on
  // failure rolls back and throws an Error naming the statement.
  void run(const std::vector<std::string>& statements, bool transaction,
           const std::string& preamble) {
    if (transaction)
      m_session.exec("BEGIN", "starting a transaction");
    if (!preamble.empty())
      m_session.exec(preamble, "preparing the transaction");
    for (const std::string& statement : statements) {
      postgres::Result result(PQexec(m_session.raw(), statement.c_str()));
      const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
      if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
        Error error = m_session.error("statement failed: " + excerpt(statement), result.get());
        if (transaction || PQtransactionStatus(m_session.raw()) != PQTRANS_IDLE) {
          m_session.exec_quietly("ROLLBACK");
        }
        throw error;
      }
    }
    if (transaction)
      m_session.exec("COMMIT", "committing");
  }

  postgres::Session m_session;
};

}  // namespace

std::unique_ptr<Connector> make_postgres(const Endpoint& endpoint) {
  return std::make_unique<PostgresConnector>(endpoint);
}

}  // namespace ferry::connectors
