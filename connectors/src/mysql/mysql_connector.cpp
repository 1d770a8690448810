// The MySQL/MariaDB connector: mysql:// URLs, through mysql-connector-c++ 1.1. The session
// (mysql_session.cpp), the catalog (mysql_catalog.cpp) and rows (mysql_rows.cpp) live beside it.
#include <algorithm>

#include "common/row_changes.hpp"
#include "common/sql_text.hpp"
#include "factories.hpp"
#include "ferry/common/error.hpp"
#include "ferry/common/process.hpp"
#include "mysql/mysql_session.hpp"

namespace ferry::connectors {
namespace {

class MysqlConnector final : public SqlRowChanges {
 public:
  explicit MysqlConnector(const Endpoint& endpoint) : m_session(endpoint) {}

  Dialect dialect() const noexcept override { return Dialect::mysql; }
  const Endpoint& endpoint() const noexcept override { return m_session.endpoint(); }
  std::string server_version() override { return m_session.server().version; }

  schema::Catalog introspect(const IntrospectOptions&) override {
    return mysql::read_catalog(m_session);
  }

  // DDL commits implicitly on MySQL/MariaDB, so only the DML between DDL statements is rolled
  // back on failure; connector.hpp documents that.
  void execute(const std::vector<std::string>& statements) override {
    m_session.exec("START TRANSACTION");
    try {
      for (const std::string& statement : statements)
        m_session.exec(statement);
      m_session.exec("COMMIT");
    } catch (const Error&) {
      try {
        m_session.exec("ROLLBACK");
      } catch (const Error&) {
        // The first error says what went wrong; a broken session cannot roll back anyway.
      }
      throw;
    }
  }

  void apply_schema_changes(const std::vector<std::string>& statements,
                            const SchemaApplyOptions& options) override {
    for (std::size_t i = 0; i < statements.size(); ++i) {
      m_session.exec(statements[i]);
      if (options.on_committed)
        options.on_committed(i);
    }
  }

  // GET_LOCK names are server-wide: qualify them with the database.
  std::optional<std::string> try_lock(std::string_view name) override {
    const std::string lock = mysql::string_literal(lock_name(name));
    const auto got = m_session.query("SELECT GET_LOCK(" + lock + ", 0)");
    if (!got.empty() && got[0][0] == "1")
      return std::nullopt;
    const auto holder = m_session.query(
        "SELECT p.ID, p.USER, p.HOST, p.TIME FROM information_schema.PROCESSLIST p "
        "WHERE p.ID = IS_USED_LOCK(" +
        lock + ")");
    if (holder.empty())
      return "another session (it may just have released the lock)";
    const TextRow& h = holder[0];
    return "connection " + h[0].value_or("?") + " of " + h[1].value_or("?") + " from " +
           h[2].value_or("?") + " (in its current statement for " + h[3].value_or("?") + " s)";
  }

  void release_lock(std::string_view name) override {
    m_session.query("SELECT RELEASE_LOCK(" + mysql::string_literal(lock_name(name)) + ")");
  }

  void begin_consistent_read() override {
    m_session.exec("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
  }

  void end_consistent_read() override { m_session.exec("COMMIT"); }

  bool pause_commits(std::string& why) override {
    if (!m_session.server().mariadb) {
      why = "MySQL has no BACKUP STAGE";
      return false;
    }
    try {
      m_session.exec("SET SESSION lock_wait_timeout = 10");
      m_session.exec("BACKUP STAGE START");
      m_session.exec("BACKUP STAGE BLOCK_COMMIT");
      return true;
    } catch (const Error& e) {
      why = e.what();
      try {
        m_session.exec("BACKUP STAGE END");
      } catch (const Error&) {
        // Nothing was started, or the session is gone: the server ends the stage with it.
      }
      return false;
    }
  }

  void resume_commits() override { m_session.exec("BACKUP STAGE END"); }

  std::vector<TextRow> query(std::string_view sql) override { return m_session.query(sql); }

  std::unique_ptr<RowReader> read_rows(const schema::Table& table,
                                       const ReadOptions& options) override {
    return mysql::make_row_reader(m_session, table, options);
  }

  // Hashing the rows (SHA1 over their text) costs far more than grouping them into buckets,
  // so the buckets come at once (mysql_rows.cpp).
  ServerHashing server_hashing() const noexcept override { return ServerHashing::buckets_first; }

  std::optional<ServerSummary> server_summary(const schema::Table& table) override {
    return mysql::server_summary(m_session, table);
  }

  std::optional<BucketSummaries> server_buckets(const schema::Table& table,
                                                const BucketScheme& scheme) override {
    return mysql::server_buckets(m_session, table, scheme);
  }

  std::optional<std::pair<std::int64_t, std::int64_t>> integer_key_bounds(
      const schema::Table& table) override {
    return mysql::integer_key_bounds(m_session, table);
  }

  std::unique_ptr<RowReader> read_key_hashes(const schema::Table& table,
                                             std::size_t batch_rows) override {
    return mysql::make_key_hash_reader(m_session, table, batch_rows);
  }

  std::unique_ptr<RowReader> read_bucket_key_hashes(const schema::Table& table,
                                                    const BucketScheme& scheme,
                                                    const std::vector<std::uint64_t>& buckets,
                                                    std::size_t batch_rows) override {
    return mysql::make_bucket_key_hash_reader(m_session, table, scheme, buckets, batch_rows);
  }

  std::unique_ptr<RowWriter> write_rows(const schema::Table& table,
                                        const std::vector<std::string>& columns) override {
    return mysql::make_row_writer(m_session, table, columns);
  }

  std::string quote_string(std::string_view text) const override {
    return mysql::string_literal(text);
  }

  std::string quote_identifier(std::string_view name) const override {
    return quote_with('`', name);
  }

  // The consistent snapshot's own binary log position (MariaDB's binlog_snapshot_* status),
  // exact even while other sessions commit.
  std::optional<std::string> log_position() override {
    std::string file, position;
    for (const TextRow& row : m_session.query("SHOW STATUS LIKE 'binlog_snapshot_%'")) {
      if (row.size() < 2 || !row[0] || !row[1])
        continue;
      if (*row[0] == "Binlog_snapshot_file")
        file = *row[1];
      else if (*row[0] == "Binlog_snapshot_position")
        position = *row[1];
    }
    if (file.empty())
      return std::nullopt;
    return "binlog " + file + ":" + position;
  }

  std::vector<Counter> read_counters(const schema::Catalog& catalog) override {
    std::vector<Counter> out;
    const auto rows = m_session.query(
        "SELECT TABLE_NAME, AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
        "DATABASE() AND AUTO_INCREMENT IS NOT NULL ORDER BY TABLE_NAME");
    for (const TextRow& row : rows) {
      if (!row[0] || !row[1] || catalog.find_table("", *row[0]) == nullptr)
        continue;
      out.push_back(Counter{.name = *row[0], .table = *row[0], .next = std::stoll(*row[1])});
    }
    return out;
  }

  std::vector<Counter> set_counters(const schema::Catalog& catalog,
                                    const std::vector<Counter>& counters) override {
    std::vector<Counter> unmatched;
    for (const Counter& counter : counters) {
      const schema::Table* table = counter_table(catalog, counter);
      if (table == nullptr || counter_column(*table) == nullptr) {
        unmatched.push_back(counter);
        continue;
      }
      m_session.exec("ALTER TABLE " + quote_with('`', table->name) +
                     " AUTO_INCREMENT = " + std::to_string(counter.next));
    }
    return unmatched;
  }

  void analyze(const std::vector<const schema::Table*>& tables) override {
    std::string list;
    for (const schema::Table* t : tables)
      list += (list.empty() ? "" : ", ") + quote_with('`', t->name);
    if (!list.empty())
      m_session.query("ANALYZE TABLE " + list);
  }

 private:
  const DialectSql& dialect_sql() const override {
    static const QuoteFn quote = [](std::string_view n) { return quote_with('`', n); };
    static const DialectSql sql{
        .quote = quote,
        .literal =
            [](const schema::Column& column, std::string_view value) {
              std::string out;
              mysql::append_literal(out, schema::Table{}, column, value);
              return out;
            },
        .table_name = [](const schema::Table& t) { return quote(t.name); },
        .create_temp =
            [](const schema::Table& t, const std::string& columns, const std::string& temp) {
              return std::vector<std::string>{"DROP TEMPORARY TABLE IF EXISTS " + temp,
                                              "CREATE TEMPORARY TABLE " + temp + " AS SELECT " +
                                                  columns + " FROM " + quote(t.name) + " LIMIT 0"};
            },
        .upsert_from =
            [](const schema::Table& t, const std::vector<std::string>& columns,
               const std::vector<std::string>& key, const std::string& temp) {
              std::string set = update_assignments(
                  columns, key, quote, [](const std::string& c) { return "VALUES(" + c + ")"; });
              if (set.empty())
                set = quote(key[0]) + " = " + quote(key[0]);
              const std::string list = column_list(columns, quote);
              return "INSERT INTO " + quote(t.name) + " (" + list + ") SELECT " + list + " FROM " +
                     temp + " ON DUPLICATE KEY UPDATE " + set;
            },
        .drop_temp = "DROP TEMPORARY TABLE ",
    };
    return sql;
  }

  std::string lock_name(std::string_view name) const {
    // At most 64 characters: a hash keeps long database names apart.
    const std::string full = "ferry:" + m_session.endpoint().database + ":" + std::string(name);
    return full.size() <= 64 ? full : "ferry:" + std::to_string(stable_hash32(full));
  }

  mysql::Session m_session;
};

}  // namespace

std::unique_ptr<Connector> make_mysql(const Endpoint& endpoint) {
  return std::make_unique<MysqlConnector>(endpoint);
}

}  // namespace ferry::connectors
