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
  std::function<schema::Table(const schema::Table& table, const std::string& temp)> temp_model;
  // INSERT INTO table (columns) SELECT columns FROM temp, updating rows whose key exists.
  std::function<std::string(const schema::Table& table, const std::vector<std::string>& columns,
                            const std::vector<std::string>& key, const std::string& temp)>
      upsert_from;
  std::string drop_temp;  // statement prefix: DROP TABLE pg_temp. / DROP TEMPORARY TABLE ...
};

void upsert_rows_via_temp(Connector& connector, const DialectSql& sql, const schema::Table& table,
                          const schema::RowBatch& rows);
void delete_rows_by_key(Connector& connector, const DialectSql& sql, const schema::Table& table,
                        const std::vector<schema::KeyValue>& keys);
std::vector<std::size_t> find_values_by_query(Connector& connector, const DialectSql& sql,
                                              const schema::Table& table,
                                              const std::vector<std::string>& columns,
                                              const std::vector<schema::KeyValue>& values);

}  // namespace ferry::connectors
