// Internal: upserts, deletes and value lookups built from a connector's own execute(),
// write_rows() and query(), with the dialect's statement forms supplied by the caller.
#pragma once

#include "common/sql_text.hpp"

namespace ferry::connectors {

struct DialectSql {
  QuoteFn quote;      // identifier quoting
  LiteralFn literal;  // a canonical value as a literal of its column's type
  // The table's name as written in statements ("s"."t", `t`).
  std::function<std::string(const schema::Table&)> table_name;
  // Statements that create an empty session-private table `temp` with the columns `columns`
  // of `table`, and the schema::Table that names it for write_rows().
  std::function<std::vector<std::string>(const schema::Table& table, const std::string& columns,
                                         const std::string& temp)>
      create_temp;
  std::string temp_schema;  // the schema the temp table lives in, if it has one (pg_temp)
  // INSERT INTO table (columns) SELECT columns FROM temp, updating rows whose key exists.
  std::function<std::string(const schema::Table& table, const std::vector<std::string>& columns,
                            const std::vector<std::string>& key, const std::string& temp)>
      upsert_from;
  std::string drop_temp;  // statement prefix: DROP TABLE pg_temp. / DROP TEMPORARY TABLE ...
};

// "c = EXCLUDED.c, ..." for the non-key columns: `source(quoted column)` gives the new value.
std::string update_assignments(const std::vector<std::string>& columns,
                               const std::vector<std::string>& key, const QuoteFn& quote,
                               const std::function<std::string(const std::string&)>& source);

void upsert_rows_via_temp(Connector& connector, const DialectSql& sql, const schema::Table& table,
                          const schema::RowBatch& rows);
void delete_rows_by_key(Connector& connector, const DialectSql& sql, const schema::Table& table,
                        const std::vector<schema::KeyValue>& keys);
std::vector<std::size_t> find_values_by_query(Connector& connector, const DialectSql& sql,
                                              const schema::Table& table,
                                              const std::vector<std::string>& columns,
                                              const std::vector<schema::KeyValue>& values);

// A connector whose upserts, deletes and value lookups are the shared ones above, in its own
// dialect's statement forms.
class SqlRowChanges : public Connector {
 public:
  void upsert_rows(const schema::Table& table, const schema::RowBatch& rows) final {
    upsert_rows_via_temp(*this, dialect_sql(), table, rows);
  }
  void delete_rows(const schema::Table& table, const std::vector<schema::KeyValue>& keys) final {
    delete_rows_by_key(*this, dialect_sql(), table, keys);
  }
  std::vector<std::size_t> find_values(const schema::Table& table,
                                       const std::vector<std::string>& columns,
                                       const std::vector<schema::KeyValue>& values) final {
    return find_values_by_query(*this, dialect_sql(), table, columns, values);
  }

 protected:
  virtual const DialectSql& dialect_sql() const = 0;
};

}  // namespace ferry::connectors
