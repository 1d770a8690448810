// The MySQL/MariaDB connector: mysql:// URLs, through mysql-connector-c++ 1.1. The session
// (mysql_session.cpp), the catalog (mysql_catalog.cpp) and rows (mysql_rows.cpp) live beside it.
#include "common/sql_text.hpp"
#include "factories.hpp"
#include "ferry/common/error.hpp"
#include "mysql/mysql_session.hpp"

namespace ferry::connectors {
namespace {

class MysqlConnector final : public Connector {
 public:
  explicit MysqlConnector(const Endpoint& endpoint) : m_session(endpoint) {}

  Dialect dialect() const noexcept override { return Dialect::mysql; }
  const Endpoint& endpoint() const noexcept override { return m_session.endpoint(); }
  std::string server_version() override { return m_session.server().version; }

  schema::Catalog introspect() override { return mysql::read_catalog(m_session); }

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

  std::vector<TextRow> query(std::string_view sql) override { return m_session.query(sql); }

  std::unique_ptr<RowReader> read_rows(const schema::Table& table,
                                       const ReadOptions& options) override {
    return mysql::make_row_reader(m_session, table, options);
  }

  std::unique_ptr<RowWriter> write_rows(const schema::Table& table,
                                        const std::vector<std::string>& columns) override {
    return mysql::make_row_writer(m_session, table, columns);
  }

  std::string quote_identifier(std::string_view name) const override {
    return quote_with('`', name);
  }

 private:
  mysql::Session m_session;
};

}  // namespace

std::unique_ptr<Connector> make_mysql(const Endpoint& endpoint) {
  return std::make_unique<MysqlConnector>(endpoint);
}

}  // namespace ferry::connectors
