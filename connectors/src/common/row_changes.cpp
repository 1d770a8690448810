#include "common/row_changes.hpp"

#include <algorithm>

namespace ferry::connectors {
namespace {

constexpr std::size_t k_keys_per_statement = 500;
constexpr const char* k_temp = "ferry_upsert";

const schema::Column& column_of(const schema::Table& table, const std::string& name) {
  const schema::Column* c = table.find_column(name);
  if (c == nullptr) {
    throw Error(ErrorKind::failure, "table " + table.name + " has no column " + name);
  }
  return *c;
}

std::string tuple(const schema::Table& table, const std::vector<std::string>& columns,
                  const schema::KeyValue& values, const LiteralFn& literal) {
  std::string out = columns.size() > 1 ? "(" : "";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i > 0)
      out += ", ";
    out += literal(column_of(table, columns[i]), values[i]);
  }
  return out + (columns.size() > 1 ? ")" : "");
}

std::string lhs(const std::vector<std::string>& columns, const QuoteFn& quote) {
  const std::string list = column_list(columns, quote);
  return columns.size() > 1 ? "(" + list + ")" : list;
}

}  // namespace

std::string update_assignments(const std::vector<std::string>& columns,
                               const std::vector<std::string>& key, const QuoteFn& quote,
                               const std::function<std::string(const std::string&)>& source) {
  std::string out;
  for (const std::string& c : columns) {
    if (std::find(key.begin(), key.end(), c) != key.end())
      continue;
    out += (out.empty() ? "" : ", ") + quote(c) + " = " + source(quote(c));
  }
  return out;
}

void upsert_rows_via_temp(Connector& connector, const DialectSql& sql, const schema::Table& table,
                          const schema::RowBatch& rows) {
  if (rows.empty())
    return;
  const std::vector<std::string> key = table.required_row_key();
  const std::vector<std::string> columns = writable_columns(table);
  // Generated columns are derived: project them out of the batch.
  std::vector<std::size_t> positions;
  for (const std::string& c : columns) {
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
      if (table.columns[i].name == c)
        positions.push_back(i);
    }
  }
  schema::RowBatch projected(columns.size());
  const bool all_columns = positions.size() == table.columns.size();
  if (!all_columns) {
    for (std::size_t r = 0; r < rows.rows(); ++r) {
      for (std::size_t p : positions) {
        rows.is_null(r, p) ? projected.add_null() : projected.add_value(rows.value(r, p));
      }
    }
  }
  connector.execute(sql.create_temp(table, column_list(columns, sql.quote), k_temp));
  try {
    schema::Table temp = table;
    temp.schema = sql.temp_schema;
    temp.name = k_temp;
    auto writer = connector.write_rows(temp, columns);
    writer->write(all_columns ? rows : projected);
    writer->commit();
    // The temp table is private to the session: this transaction is the only visible change.
    connector.execute({sql.upsert_from(table, columns, key, k_temp), sql.drop_temp + k_temp});
  } catch (...) {
    try {
      connector.execute({sql.drop_temp + k_temp});
    } catch (const std::exception&) {
      // The first error is the one to report; the temp table goes with the session anyway.
    }
    throw;
  }
}

void delete_rows_by_key(Connector& connector, const DialectSql& sql, const schema::Table& table,
                        const std::vector<schema::KeyValue>& keys) {
  if (keys.empty())
    return;
  const std::vector<std::string> key = table.required_row_key();
  std::vector<std::string> statements;
  for (std::size_t start = 0; start < keys.size(); start += k_keys_per_statement) {
    const std::size_t end = std::min(keys.size(), start + k_keys_per_statement);
    std::string list;
    for (std::size_t i = start; i < end; ++i) {
      if (!list.empty())
        list += ", ";
      list += tuple(table, key, keys[i], sql.literal);
    }
    statements.push_back("DELETE FROM " + sql.table_name(table) + " WHERE " + lhs(key, sql.quote) +
                         " IN (" + list + ")");
  }
  connector.execute(statements);
}

std::vector<std::size_t> find_values_by_query(Connector& connector, const DialectSql& sql,
                                              const schema::Table& table,
                                              const std::vector<std::string>& columns,
                                              const std::vector<schema::KeyValue>& values) {
  std::vector<std::size_t> found;
  for (std::size_t start = 0; start < values.size(); start += k_keys_per_statement) {
    const std::size_t end = std::min(values.size(), start + k_keys_per_statement);
    // SELECT i FROM (SELECT 0 AS i, v AS c0 UNION ALL ...) v WHERE EXISTS (matching row)
    std::string candidates;
    for (std::size_t i = start; i < end; ++i) {
      candidates += candidates.empty() ? "SELECT " : " UNION ALL SELECT ";
      candidates += std::to_string(i) + (i == start ? " AS i" : "");
      for (std::size_t c = 0; c < columns.size(); ++c) {
        candidates += ", " + sql.literal(column_of(table, columns[c]), values[i][c]);
        if (i == start)
          candidates += " AS c" + std::to_string(c);
      }
    }
    std::string match;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      match += (c == 0 ? "" : " AND ") + std::string("t.") + sql.quote(columns[c]) + " = v.c" +
               std::to_string(c);
    }
    for (const TextRow& row : connector.query("SELECT v.i FROM (" + candidates +
                                              ") v WHERE EXISTS "
                                              "(SELECT 1 FROM " +
                                              sql.table_name(table) + " t WHERE " + match + ")")) {
      if (row[0])
        found.push_back(std::stoul(*row[0]));
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace ferry::connectors
