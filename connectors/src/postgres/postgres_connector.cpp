#include <libpq-fe.h>

#include "factories.hpp"
#include "ferry/common/error.hpp"
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

class PostgresConnector final : public Connector {
 public:
  explicit PostgresConnector(const Endpoint& endpoint) : m_session(endpoint) {}

  Dialect dialect() const noexcept override { return Dialect::postgres; }
  const Endpoint& endpoint() const noexcept override { return m_session.endpoint(); }

  std::string server_version() override {
    const auto rows = m_session.query("SHOW server_version", "reading the server version");
    return rows.empty() || !rows[0][0] ? std::string{} : *rows[0][0];
  }

  schema::Catalog introspect() override { return postgres::introspect_catalog(m_session); }

  void execute(const std::vector<std::string>& statements) override {
    // One statement runs as its own implicit transaction, which is already atomic, and this
    // keeps statements that refuse a transaction block (CREATE/DROP DATABASE, VACUUM, CREATE
    // INDEX CONCURRENTLY) usable on their own.
    const bool wrap = statements.size() > 1;
    if (wrap)
      m_session.exec("BEGIN", "starting a transaction");
    for (const std::string& statement : statements) {
      postgres::Result result(PQexec(m_session.raw(), statement.c_str()));
      const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
      if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
        Error error = m_session.error("statement failed: " + excerpt(statement), result.get());
        if (wrap || PQtransactionStatus(m_session.raw()) != PQTRANS_IDLE) {
          m_session.exec_quietly("ROLLBACK");
        }
        throw error;
      }
    }
    if (wrap)
      m_session.exec("COMMIT", "committing");
  }

  std::vector<TextRow> query(std::string_view sql) override {
    return m_session.query(sql, "query failed: " + excerpt(sql));
  }

  std::unique_ptr<RowReader> read_rows(const schema::Table& table,
                                       const ReadOptions& options) override {
    return postgres::make_row_reader(m_session, table, options);
  }

  std::unique_ptr<RowWriter> write_rows(const schema::Table& table,
                                        const std::vector<std::string>& columns) override {
    return postgres::make_row_writer(m_session, table, columns);
  }

  std::string quote_identifier(std::string_view name) const override {
    return postgres::quote(name);
  }

 private:
  postgres::Session m_session;
};

}  // namespace

std::unique_ptr<Connector> make_postgres(const Endpoint& endpoint) {
  return std::make_unique<PostgresConnector>(endpoint);
}

}  // namespace ferry::connectors
