// The SQLite connector: the embedded default. One sqlite3 handle per Connector.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>

#include "common/row_changes.hpp"
#include "common/sql_text.hpp"
#include "factories.hpp"
#include "ferry/common/error.hpp"
#include "ferry/common/hash128.hpp"
#include "ferry/common/process.hpp"
#include "sqlite/sqlite_catalog.hpp"

namespace ferry::connectors {
namespace {

using schema::LogicalType;

class Statement final {
 public:
  Statement(sqlite3* db, std::string_view sql) {
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &m_stmt, nullptr) !=
        SQLITE_OK) {
      const std::string message = sqlite3_errmsg(db);
      sqlite3_finalize(m_stmt);
      throw Error(ErrorKind::failure,
                  "SQLite: " + message + " in: " + std::string(sql.substr(0, 200)));
    }
  }
  ~Statement() { sqlite3_finalize(m_stmt); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt* get() const noexcept { return m_stmt; }

 private:
  sqlite3_stmt* m_stmt = nullptr;
};

std::string column_text(sqlite3_stmt* stmt, int i) {
  const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt, i));
  const int size = sqlite3_column_bytes(stmt, i);
  return data == nullptr ? std::string{} : std::string(data, static_cast<std::size_t>(size));
}

// Rows of one table, read with one prepared SELECT stepped across next() calls.
class SqliteReader final : public RowReader {
 public:
  SqliteReader(sqlite3* db, const schema::Table& table, std::string sql, std::size_t batch_rows,
               std::size_t batch_bytes)
      : m_table(table),
        m_db(db),
        m_stmt(db, sql),
        m_batch_rows(std::max<std::size_t>(1, batch_rows)),
        m_batch_bytes(std::max<std::size_t>(1, batch_bytes)) {}

  bool next(schema::RowBatch& batch) override {
    batch.reset(m_table.columns.size());
    while (!m_done && batch.rows() < m_batch_rows && batch.byte_size() < m_batch_bytes) {
      const int rc = sqlite3_step(m_stmt.get());
      if (rc == SQLITE_DONE) {
        m_done = true;
        break;
      }
      if (rc != SQLITE_ROW) {
        throw Error(ErrorKind::failure,
                    "reading table " + m_table.name + ": " + sqlite3_errmsg(m_db));
      }
      for (std::size_t c = 0; c < m_table.columns.size(); ++c)
        append_field(batch, c);
    }
    return !batch.empty();
  }

 private:
  void append_field(schema::RowBatch& batch, std::size_t c) {
    sqlite3_stmt* stmt = m_stmt.get();
    const int i = static_cast<int>(c);
    const int storage = sqlite3_column_type(stmt, i);
    if (storage == SQLITE_NULL) {
      batch.add_null();
      return;
    }
    const schema::Column& column = m_table.columns[c];
    std::string& out = batch.value_buffer();
    const std::size_t start = out.size();
    bool ok = true;
    switch (column.type) {
      case LogicalType::boolean:
        if (storage == SQLITE_INTEGER || storage == SQLITE_FLOAT) {
          out += sqlite3_column_double(stmt, i) != 0 ? '1' : '0';
        } else {
          ok = schema::canonical::boolean(column_text(stmt, i), out);
        }
        break;
      case LogicalType::float32:
      case LogicalType::float64:
        if (storage == SQLITE_INTEGER || storage == SQLITE_FLOAT) {
          const double v = sqlite3_column_double(stmt, i);
          ok = column.type == LogicalType::float32
                   ? schema::canonical::float32(static_cast<float>(v), out)
                   : schema::canonical::float64(v, out);
        } else {
          ok = schema::canonical::float_text(column_text(stmt, i), column.type, out);
        }
        break;
      case LogicalType::numeric:
        if (storage == SQLITE_FLOAT) {
          char buf[400];
          const auto r = std::to_chars(buf, buf + sizeof buf, sqlite3_column_double(stmt, i),
                                       std::chars_format::fixed);
          ok = schema::canonical::numeric(std::string_view(buf, r.ptr), out);
        } else {
          ok = schema::canonical::numeric(column_text(stmt, i), out);
        }
        break;
      case LogicalType::timestamp:
      case LogicalType::timestamptz:
        ok = schema::canonical::timestamp(column_text(stmt, i), column.type, out);
        break;
      case LogicalType::time:
        ok = schema::canonical::time(column_text(stmt, i), out);
        break;
      case LogicalType::uuid:
        ok = schema::canonical::uuid(
            storage == SQLITE_BLOB ? to_hex(column_text(stmt, i)) : column_text(stmt, i), out);
        break;
      default:
        out += column_text(stmt, i);
        break;
    }
    if (!ok) {
      out.resize(start);
      throw Error(ErrorKind::failure, "table " + m_table.name + ", column " + column.name +
                                          ": value '" + column_text(stmt, i).substr(0, 60) +
                                          "' is not a valid " + to_string(column.type));
    }
    batch.commit_value(start);
  }

  const schema::Table& m_table;
  sqlite3* m_db;
  Statement m_stmt;
  std::size_t m_batch_rows;
  std::size_t m_batch_bytes;
  bool m_done = false;
};

// Inserts with one prepared statement inside one transaction.
class SqliteWriter final : public RowWriter {
 public:
  SqliteWriter(sqlite3* db, const schema::Table& table, std::vector<const schema::Column*> columns,
               const std::string& sql)
      : m_db(db), m_table(table), m_columns(std::move(columns)) {
    exec("BEGIN IMMEDIATE");
    try {
      m_stmt = std::make_unique<Statement>(db, sql);
    } catch (...) {
      exec("ROLLBACK");
      throw;
    }
  }

  ~SqliteWriter() override {
    m_stmt.reset();
    if (!m_committed)
      sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
  }

  void write(const schema::RowBatch& batch) override {
    sqlite3_stmt* stmt = m_stmt->get();
    for (std::size_t r = 0; r < batch.rows(); ++r) {
      for (std::size_t c = 0; c < m_columns.size(); ++c)
        bind(stmt, batch, r, c);
      if (sqlite3_step(stmt) != SQLITE_DONE) {
        throw Error(ErrorKind::failure,
                    "writing table " + m_table.name + ": " + sqlite3_errmsg(m_db));
      }
      sqlite3_reset(stmt);
    }
  }

  void commit_with(const std::vector<std::string>& statements) override {
    m_stmt.reset();
    for (const std::string& statement : statements)
      exec(statement.c_str());
    exec("COMMIT");
    m_committed = true;
  }

 private:
  void bind(sqlite3_stmt* stmt, const schema::RowBatch& batch, std::size_t r, std::size_t c) {
    const int i = static_cast<int>(c) + 1;
    if (batch.is_null(r, c)) {
      sqlite3_bind_null(stmt, i);
      return;
    }
    const std::string_view v = batch.value(r, c);
    const schema::Column& column = *m_columns[c];
    switch (column.type) {
      case LogicalType::boolean:
      case LogicalType::int16:
      case LogicalType::int32:
      case LogicalType::int64: {
        std::int64_t n = 0;
        const auto res = std::from_chars(v.data(), v.data() + v.size(), n);
        if (res.ec != std::errc() || res.ptr != v.data() + v.size())
          invalid(column, v);
        sqlite3_bind_int64(stmt, i, n);
        return;
      }
      case LogicalType::float32:
      case LogicalType::float64: {
        double d = 0;
        const auto res = std::from_chars(v.data(), v.data() + v.size(), d);
        if (v == "Infinity" || v == "-Infinity") {
          d = v.front() == '-' ? -INFINITY : INFINITY;
        } else if (res.ec != std::errc() || res.ptr != v.data() + v.size() || std::isnan(d)) {
          // from_chars reads "NaN" too; SQLite stores NaN as NULL: refuse rather than lose it
          invalid(column, v);
        }
        sqlite3_bind_double(stmt, i, d);
        return;
      }
      case LogicalType::bytes:
        sqlite3_bind_blob64(stmt, i, v.data(), v.size(), SQLITE_TRANSIENT);
        return;
      default:
        sqlite3_bind_text64(stmt, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
        return;
    }
  }

  [[noreturn]] void invalid(const schema::Column& column, std::string_view v) const {
    throw Error(ErrorKind::failure, "table " + m_table.name + ", column " + column.name +
                                        ": cannot store '" + std::string(v.substr(0, 60)) +
                                        "' in SQLite as " + to_string(column.type));
  }

  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(m_db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      const std::string message = err ? err : "unknown error";
      sqlite3_free(err);
      throw Error(ErrorKind::failure, "writing table " + m_table.name + ": " + message);
    }
  }

  sqlite3* m_db;
  const schema::Table& m_table;
  std::vector<const schema::Column*> m_columns;
  std::unique_ptr<Statement> m_stmt;
  bool m_committed = false;
};

class SqliteConnector final : public SqlRowChanges {
 public:
  explicit SqliteConnector(const Endpoint& endpoint) : m_endpoint(endpoint) {
    const auto mode = endpoint.params.find("mode");
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (mode != endpoint.params.end()) {
      if (mode->second == "rwc") {
        flags |= SQLITE_OPEN_CREATE;
      } else if (mode->second == "ro") {
        flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
      } else if (mode->second != "rw") {
        throw Error(ErrorKind::bad_endpoint,
                    "bad endpoint '" + endpoint.redacted() + "': mode must be ro, rw or rwc");
      }
    }
    if (!(flags & SQLITE_OPEN_CREATE) && !std::filesystem::exists(endpoint.database)) {
      throw Error(ErrorKind::database_missing, "cannot open " + endpoint.redacted() +
                                                   ": the file " + endpoint.database +
                                                   " does not exist (add ?mode=rwc to create it)");
    }
    const int rc = sqlite3_open_v2(endpoint.database.c_str(), &m_db, flags, nullptr);
    if (rc != SQLITE_OK) {
      const std::string message = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
      sqlite3_close(m_db);
      m_db = nullptr;
      throw Error(ErrorKind::database_missing,
                  "cannot open " + endpoint.redacted() + ": " + message);
    }
    sqlite3_busy_timeout(m_db, static_cast<int>(endpoint.connect_timeout.count() * 1000));
    try {
      // A file that is not a database fails here, on first read.
      query("PRAGMA foreign_keys = ON");
      query("SELECT count(*) FROM sqlite_schema");
    } catch (const Error& e) {
      sqlite3_close(m_db);
      m_db = nullptr;
      throw Error(ErrorKind::bad_endpoint, "cannot open " + endpoint.redacted() + ": " + e.what());
    }
  }

  ~SqliteConnector() override {
    for (const auto& [name, fd] : m_locks)
      ::close(fd);
    sqlite3_close(m_db);
  }

  Dialect dialect() const noexcept override { return Dialect::sqlite; }
  const Endpoint& endpoint() const noexcept override { return m_endpoint; }
  std::string server_version() override { return sqlite3_libversion(); }

  schema::Catalog introspect(const IntrospectOptions&) override { return introspect_sqlite(*this); }

  void execute(const std::vector<std::string>& statements) override {
    exec("BEGIN IMMEDIATE", "BEGIN");
    for (const std::string& sql : statements) {
      try {
        exec(sql, sql);
      } catch (...) {
        sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
    }
    exec("COMMIT", "COMMIT");
  }

  void apply_schema_changes(const std::vector<std::string>& statements,
                            const SchemaApplyOptions&) override {
    // The table-rebuild procedure (lang_altertable.html): foreign keys off around the
    // transaction (the pragma is a no-op inside one), legacy renames so a rebuilt table's
    // RENAME does not trip over views that read it, and a foreign-key check before commit.
    exec("PRAGMA foreign_keys = OFF", "PRAGMA foreign_keys = OFF");
    try {
      exec("BEGIN IMMEDIATE", "BEGIN");
      try {
        exec("PRAGMA legacy_alter_table = ON", "PRAGMA legacy_alter_table = ON");
        for (const std::string& sql : statements)
          exec(sql, sql);
        exec("PRAGMA legacy_alter_table = OFF", "PRAGMA legacy_alter_table = OFF");
        const auto violations = query("PRAGMA foreign_key_check");
        if (!violations.empty()) {
          const TextRow& v = violations[0];
          throw Error(ErrorKind::failure,
                      "the new structure breaks " + std::to_string(violations.size()) +
                          " foreign key reference(s), e.g. table " + v[0].value_or("?") + " row " +
                          v[1].value_or("?") + " -> " + v[2].value_or("?") +
                          "; nothing was changed");
        }
        exec("COMMIT", "COMMIT");
      } catch (...) {
        sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
    } catch (...) {
      sqlite3_exec(m_db, "PRAGMA legacy_alter_table = OFF", nullptr, nullptr, nullptr);
      sqlite3_exec(m_db, "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr);
      throw;
    }
    exec("PRAGMA foreign_keys = ON", "PRAGMA foreign_keys = ON");
  }

  // A deferred transaction takes its snapshot at the first read and keeps it (in WAL mode
  // writers go on; otherwise they wait until the end).
  void begin_consistent_read() override { exec("BEGIN DEFERRED", "BEGIN"); }
  void end_consistent_read() override { exec("COMMIT", "COMMIT"); }

  // SQLite has no advisory locks: an flock()ed file beside the database stands in, and holds
  // the label of the process that has it.
  std::optional<std::string> try_lock(std::string_view name) override {
    const std::string path = m_endpoint.database + ".ferry-" + std::string(name) + ".lock";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      throw Error(ErrorKind::failure,
                  "cannot create lock file " + path + ": " + std::strerror(errno));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      char buf[256] = {};
      const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
      ::close(fd);
      return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "another process";
    }
    const std::string label = process_label();
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, label.data(), label.size(), 0) < 0) {
      // The lock holds without the label; only the message for a waiting process suffers.
    }
    m_locks[std::string(name)] = fd;
    return std::nullopt;
  }

  void release_lock(std::string_view name) override {
    const auto it = m_locks.find(std::string(name));
    if (it == m_locks.end())
      return;
    ::close(it->second);  // closing releases the flock
    m_locks.erase(it);
  }

  std::vector<TextRow> query(std::string_view sql) override {
    Statement stmt(m_db, sql);
    std::vector<TextRow> rows;
    const int columns = sqlite3_column_count(stmt.get());
    int rc = 0;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
      TextRow row;
      row.reserve(static_cast<std::size_t>(columns));
      for (int i = 0; i < columns; ++i) {
        if (sqlite3_column_type(stmt.get(), i) == SQLITE_NULL) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(column_text(stmt.get(), i));
        }
      }
      rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) {
      throw Error(ErrorKind::failure, "SQLite: " + std::string(sqlite3_errmsg(m_db)) +
                                          " in: " + std::string(sql.substr(0, 200)));
    }
    return rows;
  }

  std::unique_ptr<RowReader> read_rows(const schema::Table& table,
                                       const ReadOptions& options) override {
    const std::vector<std::string> key = read_key(table, options);
    const QuoteFn quote = [this](std::string_view n) { return quote_identifier(n); };
    // Text keys in byte order whatever the column's collation (see sql_text.hpp).
    const KeyExprFn key_expr = [&](const schema::Column& c) {
      return is_text_key(c.type) ? quote(c.name) + " COLLATE BINARY" : quote(c.name);
    };
    std::vector<std::string> names;
    for (const schema::Column& c : table.columns)
      names.push_back(c.name);
    const std::string sql = "SELECT " + column_list(names, quote) + " FROM " + quote(table.name) +
                            where_and_order(table, key, options, key_expr, quote, literal);
    return std::make_unique<SqliteReader>(m_db, table, sql, options.batch_rows,
                                          options.batch_bytes);
  }

  // No server-side row hashing yet: the caller hashes canonical rows.
  std::optional<ServerSummary> server_summary(const schema::Table&) override {
    return std::nullopt;
  }
  std::unique_ptr<RowReader> read_key_hashes(const schema::Table&, std::size_t) override {
    return nullptr;
  }

  std::unique_ptr<RowWriter> write_rows(const schema::Table& table,
                                        const std::vector<std::string>& columns) override {
    const std::vector<std::string> names = columns.empty() ? writable_columns(table) : columns;
    std::vector<const schema::Column*> cols;
    std::string placeholders;
    for (const std::string& name : names) {
      const schema::Column* c = table.find_column(name);
      if (c == nullptr) {
        throw Error(ErrorKind::failure, "table " + table.name + " has no column " + name);
      }
      cols.push_back(c);
      placeholders += placeholders.empty() ? "?" : ", ?";
    }
    const QuoteFn quote = [this](std::string_view n) { return quote_identifier(n); };
    const std::string sql = "INSERT INTO " + quote(table.name) + " (" + column_list(names, quote) +
                            ") VALUES (" + placeholders + ")";
    return std::make_unique<SqliteWriter>(m_db, table, std::move(cols), sql);
  }

  std::string quote_string(std::string_view text) const override { return quote_with('\'', text); }

  std::string quote_identifier(std::string_view name) const override {
    return quote_with('"', name);
  }

  std::vector<Counter> read_counters(const schema::Catalog& catalog) override {
    std::vector<Counter> out;
    if (!has_sequence_table())
      return out;
    for (const TextRow& row : query("SELECT name, seq FROM sqlite_sequence ORDER BY name")) {
      if (!row[0] || !row[1] || catalog.find_table("", *row[0]) == nullptr)
        continue;
      out.push_back(Counter{.name = *row[0], .table = *row[0], .next = std::stoll(*row[1]) + 1});
    }
    return out;
  }

  // Only AUTOINCREMENT tables keep a counter (sqlite_sequence); any other rowid table hands
  // out one more than its largest rowid, which its restored rows already say.
  std::vector<Counter> set_counters(const schema::Catalog& catalog,
                                    const std::vector<Counter>& counters) override {
    std::vector<Counter> unmatched;
    std::vector<std::string> statements;
    for (const Counter& counter : counters) {
      const schema::Table* table = counter_table(catalog, counter);
      const schema::Column* column = table ? counter_column(*table) : nullptr;
      if (column == nullptr || column->identity != schema::Identity::auto_increment ||
          !has_sequence_table()) {
        unmatched.push_back(counter);
        continue;
      }
      const std::string name = quote_with('\'', table->name);
      statements.push_back("DELETE FROM sqlite_sequence WHERE name = " + name);
      statements.push_back("INSERT INTO sqlite_sequence (name, seq) VALUES (" + name + ", " +
                           std::to_string(counter.next - 1) + ")");
    }
    if (!statements.empty())
      execute(statements);
    return unmatched;
  }

  void analyze(const std::vector<const schema::Table*>& /*tables*/) override {
    exec("ANALYZE", "ANALYZE");
  }

 private:
  const DialectSql& dialect_sql() const override {
    static const QuoteFn quote = [](std::string_view n) { return quote_with('"', n); };
    static const DialectSql sql{
        .quote = quote,
        .literal = literal,
        .table_name = [](const schema::Table& t) { return "main." + quote(t.name); },
        .create_temp =
            [](const schema::Table& t, const std::string& columns, const std::string& temp) {
              return std::vector<std::string>{"DROP TABLE IF EXISTS temp." + temp,
                                              "CREATE TEMP TABLE " + temp + " AS SELECT " +
                                                  columns + " FROM main." + quote(t.name) +
                                                  " WHERE 0"};
            },
        .upsert_from =
            [](const schema::Table& t, const std::vector<std::string>& columns,
               const std::vector<std::string>& key, const std::string& temp) {
              std::string set = update_assignments(
                  columns, key, quote, [](const std::string& c) { return "excluded." + c; });
              const std::string list = column_list(columns, quote);
              // "WHERE true" keeps ON CONFLICT from being read as a join constraint.
              return "INSERT INTO main." + quote(t.name) + " (" + list + ") SELECT " + list +
                     " FROM temp." + temp + " WHERE true ON CONFLICT (" + column_list(key, quote) +
                     ") DO " + (set.empty() ? "NOTHING" : "UPDATE SET " + set);
            },
        .drop_temp = "DROP TABLE temp.",
    };
    return sql;
  }

  // Key values as SQL literals. Integers stay numbers so they compare as stored; bytes
  // are blob literals; everything else compares as text.
  static std::string literal(const schema::Column& column, std::string_view value) {
    switch (column.type) {
      case LogicalType::boolean:
      case LogicalType::int16:
      case LogicalType::int32:
      case LogicalType::int64:
      case LogicalType::float32:
      case LogicalType::float64:
      case LogicalType::numeric:
        return std::string(value);
      case LogicalType::bytes:
        return "X'" + to_hex(value) + "'";
      default:
        return quote_with('\'', value);
    }
  }

  bool has_sequence_table() {
    return !query("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").empty();
  }

  void exec(const std::string& sql, const std::string& what) {
    char* err = nullptr;
    if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      const std::string message = err ? err : "unknown error";
      sqlite3_free(err);
      throw Error(ErrorKind::failure, "SQLite: " + message + " in: " + what.substr(0, 200));
    }
  }

  Endpoint m_endpoint;
  sqlite3* m_db = nullptr;
  std::map<std::string, int> m_locks;  // lock name -> flock()ed file descriptor
};

}  // namespace

std::unique_ptr<Connector> make_sqlite(const Endpoint& endpoint) {
  return std::make_unique<SqliteConnector>(endpoint);
}

}  // namespace ferry::connectors
