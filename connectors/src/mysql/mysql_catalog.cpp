// Catalog introspection for MySQL/MariaDB: a fixed set of information_schema queries for the
// connected database, assembled in memory: never one query per table (docs/ARCHITECTURE.md,
// "Connectors").
#include <cctype>
#include <charconv>
#include <map>
#include <set>

#include "common/sql_text.hpp"
#include "ferry/common/error.hpp"
#include "mysql/mysql_session.hpp"

namespace ferry::connectors::mysql {
namespace {

using schema::LogicalType;

const std::string& text(const TextRow& row, std::size_t i) {
  static const std::string k_empty;
  return row.at(i) ? *row.at(i) : k_empty;
}

std::optional<std::string> non_empty(const TextRow& row, std::size_t i) {
  if (!row.at(i) || row.at(i)->empty())
    return std::nullopt;
  return row.at(i);
}

std::int64_t to_int64(const std::string& s, std::int64_t fallback) {
  std::int64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() ? v : fallback;
}

std::string lowercase(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Maps DATA_TYPE (lowercase base type) and COLUMN_TYPE (full declaration) to a LogicalType.
// Unsigned integers widen to the next type that holds their whole range.
LogicalType logical_type(const std::string& data_type, const std::string& column_type) {
  const bool is_unsigned = column_type.find("unsigned") != std::string::npos;
  if (data_type == "tinyint") {
    return column_type.starts_with("tinyint(1)") && !is_unsigned ? LogicalType::boolean
                                                                 : LogicalType::int16;
  }
  if (data_type == "smallint")
    return is_unsigned ? LogicalType::int32 : LogicalType::int16;
  if (data_type == "mediumint")
    return LogicalType::int32;
  if (data_type == "int" || data_type == "integer") {
    return is_unsigned ? LogicalType::int64 : LogicalType::int32;
  }
  if (data_type == "bigint")
    return is_unsigned ? LogicalType::numeric : LogicalType::int64;
  if (data_type == "decimal" || data_type == "numeric")
    return LogicalType::numeric;
  if (data_type == "float")
    return LogicalType::float32;
  if (data_type == "double" || data_type == "real")
    return LogicalType::float64;
  static const std::set<std::string, std::less<>> k_text = {
      "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "set"};
  if (k_text.contains(data_type))
    return LogicalType::text;
  static const std::set<std::string, std::less<>> k_bytes = {"binary", "varbinary",  "tinyblob",
                                                             "blob",   "mediumblob", "longblob"};
  if (k_bytes.contains(data_type))
    return LogicalType::bytes;
  if (data_type == "date")
    return LogicalType::date;
  if (data_type == "time")
    return LogicalType::time;
  if (data_type == "datetime")
    return LogicalType::timestamp;
  if (data_type == "timestamp")
    return LogicalType::timestamptz;  // the session is UTC
  if (data_type == "json")
    return LogicalType::json;
  if (data_type == "uuid")
    return LogicalType::uuid;
  if (data_type == "enum")
    return LogicalType::enumeration;
  return LogicalType::other;
}

// MariaDB stores JSON as LONGTEXT with a column-level CHECK (json_valid(`col`)) named after
// the column; that pair is the JSON type, not a user's check.
bool is_json_check(const std::string& column, const std::string& clause) {
  return clause == "json_valid(" + quote_with('`', column) + ")";
}

// MySQL 8 spells a literal default unquoted ("abc") and marks expression defaults with
// DEFAULT_GENERATED; MariaDB already returns an SQL expression ('abc', 5, current_timestamp()).
// Quote MySQL's literals so both servers yield the same form.
std::optional<std::string> default_expression(const ServerInfo& server,
                                              const std::optional<std::string>& raw,
                                              const std::string& extra, LogicalType type) {
  if (!raw || (server.mariadb && *raw == "NULL"))
    return std::nullopt;
  if (server.mariadb || extra.find("DEFAULT_GENERATED") != std::string::npos)
    return raw;
  if (lowercase(*raw).starts_with("current_timestamp"))
    return raw;
  switch (type) {
    case LogicalType::boolean:
    case LogicalType::int16:
    case LogicalType::int32:
    case LogicalType::int64:
    case LogicalType::numeric:
    case LogicalType::float32:
    case LogicalType::float64:
      return raw;
    default:
      return string_literal(*raw);
  }
}

// Removes "`db`." qualifiers that MariaDB writes into every view definition, so a view reads
// the same in every tenant database whatever its name.
std::string strip_database(std::string definition, const std::string& database) {
  const std::string qualifier = quote_with('`', database) + ".";
  for (auto pos = definition.find(qualifier); pos != std::string::npos;
       pos = definition.find(qualifier, pos)) {
    definition.erase(pos, qualifier.size());
  }
  return definition;
}

class CatalogReader final {
 public:
  CatalogReader(Session& session, std::string database)
      : m_session(session), m_database(std::move(database)), m_db(string_literal(m_database)) {}

  schema::Catalog read() {
    m_catalog.dialect = Dialect::mysql;
    m_catalog.server_version = m_session.server().version;
    m_catalog.database = m_database;
    read_tables();
    read_checks();  // before columns: MariaDB's JSON columns are recognized by their check
    read_columns();
    read_key_columns();
    read_foreign_key_rules();
    read_indexes();
    read_views();
    read_sequences();
    for (auto& [name, table] : m_tables)
      m_catalog.tables.push_back(std::move(table));
    schema::sort_catalog(m_catalog);
    return std::move(m_catalog);
  }

 private:
  schema::Table* find_table(const std::string& name) {
    const auto it = m_tables.find(name);
    return it == m_tables.end() ? nullptr : &it->second;
  }

  void read_tables() {
    for (const TextRow& row : m_session.query(
             "SELECT TABLE_NAME, TABLE_TYPE, TABLE_ROWS, TABLE_COLLATION, TABLE_COMMENT "
             "FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
             m_db)) {
      const std::string& name = text(row, 0);
      const std::string& type = text(row, 1);
      if (type == "SEQUENCE") {
        m_sequence_names.push_back(name);
        continue;
      }
      // MariaDB lists system-versioned tables under their own type; they hold rows like any.
      if (type != "BASE TABLE" && type != "SYSTEM VERSIONED")
        continue;
      schema::Table& table = m_tables[name];
      table.name = name;
      table.row_estimate = row.at(2) ? to_int64(*row.at(2), -1) : -1;
      m_table_collation[name] = text(row, 3);
      table.comment = non_empty(row, 4);
    }
  }

  void read_checks() {
    // MariaDB names checks per table (CONSTRAINT_1 may repeat), MySQL 8 per database.
    const std::string sql =
        m_session.server().mariadb
            ? "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE, LEVEL "
              "FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = " +
                  m_db
            : "SELECT tc.TABLE_NAME, cc.CONSTRAINT_NAME, cc.CHECK_CLAUSE, 'Table' "
              "FROM information_schema.TABLE_CONSTRAINTS tc "
              "JOIN information_schema.CHECK_CONSTRAINTS cc "
              "ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA "
              "AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME "
              "WHERE tc.TABLE_SCHEMA = " +
                  m_db + " AND tc.CONSTRAINT_TYPE = 'CHECK'";
    for (const TextRow& row : m_session.query(sql)) {
      schema::Table* table = find_table(text(row, 0));
      if (table == nullptr)
        continue;
      const std::string& name = text(row, 1);
      const std::string& clause = text(row, 2);
      if (text(row, 3) == "Column" && is_json_check(name, clause)) {
        m_json_columns.insert({table->name, name});
        continue;
      }
      table->checks.push_back(schema::Check{name, clause});
    }
  }

  void read_columns() {
    for (const TextRow& row : m_session.query(
             "SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, DATA_TYPE, "
             "IS_NULLABLE, COLUMN_DEFAULT, EXTRA, GENERATION_EXPRESSION, COLLATION_NAME, "
             "COLUMN_COMMENT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " +
             m_db + " ORDER BY TABLE_NAME, ORDINAL_POSITION")) {
      schema::Table* table = find_table(text(row, 0));
      if (table == nullptr)
        continue;  // a view's or a sequence's columns
      schema::Column column;
      column.name = text(row, 1);
      column.position = static_cast<int>(to_int64(text(row, 2), 0));
      column.declared_type = text(row, 3);
      const std::string data_type = lowercase(text(row, 4));
      column.type = logical_type(data_type, column.declared_type);
      const bool json = m_json_columns.contains({table->name, column.name});
      if (json) {
        column.type = LogicalType::json;
        column.declared_type = "json";
      }
      column.nullable = text(row, 5) == "YES";
      const std::string& extra = text(row, 7);
      if (extra.find("auto_increment") != std::string::npos) {
        column.identity = schema::Identity::auto_increment;
      }
      const bool stored = extra.find("STORED GENERATED") != std::string::npos;
      if (stored || extra.find("VIRTUAL GENERATED") != std::string::npos) {
        column.generated_expr = text(row, 8);
        column.generated_stored = stored;
      } else {
        column.default_expr = default_expression(m_session.server(), row.at(6), extra, column.type);
      }
      // JSON's utf8mb4_bin is part of the type, not a choice the user made.
      if (row.at(9) && !json && *row.at(9) != m_table_collation[table->name]) {
        column.collation = row.at(9);
      }
      column.comment = non_empty(row, 10);
      table->columns.push_back(std::move(column));
    }
  }

  // PRIMARY KEY, UNIQUE and FOREIGN KEY columns in one pass: KEY_COLUMN_USAGE alone tells them
  // apart (the primary key is always named PRIMARY; only foreign keys reference a table).
  void read_key_columns() {
    for (const TextRow& row : m_session.query(
             "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_SCHEMA, "
             "REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME "
             "FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = " +
             m_db + " ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION")) {
      schema::Table* table = find_table(text(row, 0));
      if (table == nullptr)
        continue;
      const std::string& name = text(row, 1);
      const std::string& column = text(row, 2);
      if (row.at(4)) {
        if (table->foreign_keys.empty() || table->foreign_keys.back().name != name) {
          schema::ForeignKey& fk = table->foreign_keys.emplace_back();
          fk.name = name;
          fk.ref_schema = text(row, 3) == m_database ? std::string{} : text(row, 3);
          fk.ref_table = text(row, 4);
        }
        table->foreign_keys.back().columns.push_back(column);
        table->foreign_keys.back().ref_columns.push_back(text(row, 5));
      } else if (name == "PRIMARY") {
        if (!table->primary_key)
          table->primary_key = schema::PrimaryKey{name, {}};
        table->primary_key->columns.push_back(column);
      } else {
        if (table->uniques.empty() || table->uniques.back().name != name) {
          table->uniques.push_back(schema::UniqueConstraint{name, {}});
        }
        table->uniques.back().columns.push_back(column);
      }
    }
  }

  void read_foreign_key_rules() {
    for (const TextRow& row : m_session.query(
             "SELECT TABLE_NAME, CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE "
             "FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = " +
             m_db)) {
      schema::Table* table = find_table(text(row, 0));
      if (table == nullptr)
        continue;
      for (schema::ForeignKey& fk : table->foreign_keys) {
        if (fk.name != text(row, 1))
          continue;
        fk.on_update = schema::fk_action_from_string(text(row, 2));
        fk.on_delete = schema::fk_action_from_string(text(row, 3));
      }
    }
  }

  // Secondary indexes only: the primary key's, the unique constraints' and the index InnoDB
  // adds for a foreign key under the key's own name are part of those constraints.
  void read_indexes() {
    const std::string expression = m_session.server().mariadb ? "NULL" : "EXPRESSION";
    schema::Index* current = nullptr;
    std::string current_table;
    for (const TextRow& row : m_session.query(
             "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, COLLATION, INDEX_TYPE, " +
             expression + " FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = " + m_db +
             " ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX")) {
      schema::Table* table = find_table(text(row, 0));
      if (table == nullptr)
        continue;
      const std::string& name = text(row, 1);
      if (name == "PRIMARY" || backs_constraint(*table, name))
        continue;
      if (current == nullptr || current_table != table->name || current->name != name) {
        current = &table->indexes.emplace_back();
        current_table = table->name;
        current->name = name;
        current->unique = text(row, 2) == "0";
        current->method = lowercase(text(row, 5));
      }
      schema::IndexKey key;
      key.column = text(row, 3);
      if (row.at(6))
        key.expression = row.at(6);
      key.descending = text(row, 4) == "D";
      current->keys.push_back(std::move(key));
    }
  }

  static bool backs_constraint(const schema::Table& table, const std::string& index) {
    for (const auto& u : table.uniques) {
      if (u.name == index)
        return true;
    }
    for (const auto& fk : table.foreign_keys) {
      if (fk.name == index)
        return true;
    }
    return false;
  }

  // A view's ALGORITHM and SQL SECURITY as SHOW CREATE VIEW prints them (both always, defaults
  // included), and its check option: "CASCADED", "LOCAL" or "" for none. The DEFINER is left
  // out: it names an account of one server, not the view's structure. MariaDB lists ALGORITHM
  // in information_schema.VIEWS; MySQL 8 only in SHOW CREATE VIEW, one per view.
  void read_views() {
    const bool mariadb = m_session.server().mariadb;
    for (const TextRow& row : m_session.query(
             std::string("SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE, ") +
             (mariadb ? "ALGORITHM" : "NULL") +
             " FROM information_schema.VIEWS WHERE TABLE_SCHEMA = " + m_db)) {
      schema::View view;
      view.name = text(row, 0);
      view.definition = strip_database(text(row, 1), m_database);
      const std::string algorithm = mariadb ? text(row, 4) : view_algorithm(view.name);
      view.options = "ALGORITHM=" + algorithm + " SQL SECURITY " + text(row, 3);
      if (text(row, 2) != "NONE")
        view.check_option = text(row, 2);
      m_catalog.views.push_back(std::move(view));
    }
  }

  std::string view_algorithm(const std::string& view) {
    const std::vector<TextRow> rows = m_session.query(
        "SHOW CREATE VIEW " + quote_with('`', m_database) + "." + quote_with('`', view));
    const std::string create = rows.empty() || rows.front().size() < 2 ? "" : text(rows.front(), 1);
    const auto at = create.find("ALGORITHM=");
    if (at == std::string::npos)
      return "UNDEFINED";
    const auto begin = at + std::string_view("ALGORITHM=").size();
    return create.substr(begin, create.find(' ', begin) - begin);
  }

  // MariaDB sequences are tables with one row of settings; one UNION ALL reads them all.
  void read_sequences() {
    if (m_sequence_names.empty())
      return;
    std::string sql;
    for (const std::string& name : m_sequence_names) {
      if (!sql.empty())
        sql += " UNION ALL ";
      sql += "SELECT " + string_literal(name) +
             ", start_value, increment, minimum_value, maximum_value, cycle_option FROM " +
             quote_with('`', m_database) + "." + quote_with('`', name);
    }
    for (const TextRow& row : m_session.query(sql)) {
      schema::Sequence sequence;
      sequence.name = text(row, 0);
      sequence.data_type = "bigint";  // the only sequence type before MariaDB 11.5
      sequence.start = to_int64(text(row, 1), 1);
      sequence.increment = to_int64(text(row, 2), 1);
      sequence.min_value = to_int64(text(row, 3), 1);
      sequence.max_value = to_int64(text(row, 4), 0);
      sequence.cycle = text(row, 5) == "1";
      m_catalog.sequences.push_back(std::move(sequence));
    }
  }

  Session& m_session;
  std::string m_database;
  std::string m_db;  // m_database as an SQL string literal
  schema::Catalog m_catalog;
  std::map<std::string, schema::Table> m_tables;
  std::map<std::string, std::string> m_table_collation;
  std::set<std::pair<std::string, std::string>> m_json_columns;  // (table, column)
  std::vector<std::string> m_sequence_names;
};

}  // namespace

schema::Catalog read_catalog(Session& session) {
  const std::vector<TextRow> database = session.query("SELECT DATABASE()");
  if (database.empty() || !database.front().at(0)) {
    throw Error(ErrorKind::bad_endpoint,
                session.endpoint().redacted() + " names no database; add one: mysql://host/db");
  }
  try {
    return CatalogReader(session, *database.front().at(0)).read();
  } catch (const Error& e) {
    throw Error(e.kind(), "cannot introspect the database: " + std::string(e.what()),
                e.retryable());
  }
}

}  // namespace ferry::connectors::mysql
