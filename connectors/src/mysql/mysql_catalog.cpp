// Catalog introspection for MySQL/MariaDB: a fixed set of information_schema queries for the
// connected database, assembled in memory: never one query per table (docs/ARCHITECTURE.md,
// "Connectors"). Only what information_schema does not hold is read one by one: the SHOW CREATE
// of each stored routine, trigger and event (the statement as made, with the settings it was
// made under), of each partitioned table (for its PARTITION BY clause), and on MySQL 8 of each
// view (for its ALGORITHM).
#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "common/sql_text.hpp"
#include "ferry/common/error.hpp"
#include "ferry/common/text.hpp"
#include "mysql/mysql_session.hpp"
#include "mysql/mysql_sql_text.hpp"

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
  if (ascii_lower(*raw).starts_with("current_timestamp"))
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

// The space-separated words of `s`.
std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto end = std::min(s.find(' ', i), s.size());
    if (end > i)
      out.push_back(s.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

// Whether the server's version ("10.11.6-MariaDB-...", "8.0.36") is at least major.minor.
bool at_least(const ServerInfo& server, int major, int minor) {
  int have_major = 0, have_minor = 0;
  const char* p = server.version.data();
  const char* end = p + server.version.size();
  p = std::from_chars(p, end, have_major).ptr;
  if (p < end && *p == '.')
    std::from_chars(p + 1, end, have_minor);
  return have_major > major || (have_major == major && have_minor >= minor);
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
  // `collation`: the database's default collation, what a table made without saying gets.
  CatalogReader(Session& session, std::string database, std::string collation)
      : m_session(session),
        m_database(std::move(database)),
        m_db(string_literal(m_database)),
        m_collation(std::move(collation)) {}

  schema::Catalog read() {
    m_catalog.dialect = Dialect::mysql;
    m_catalog.server_version = m_session.server().version;
    m_catalog.database = m_database;
    read_tables();
    read_partitioning();
    read_checks();  // before columns: MariaDB's JSON columns are recognized by their check
    read_columns();
    read_key_columns();
    read_foreign_key_rules();
    read_indexes();
    read_views();
    read_sequences();
    read_routines();
    read_triggers();
    read_events();
    for (auto& [name, table] : m_tables)
      m_catalog.tables.push_back(std::move(table));
    for (const auto& [kind, name] : m_unmodelled)
      m_catalog.unmodelled.push_back({kind, name});
    schema::sort_catalog(m_catalog);
    return std::move(m_catalog);
  }

 private:
  schema::Table* find_table(const std::string& name) {
    const auto it = m_tables.find(name);
    return it == m_tables.end() ? nullptr : &it->second;
  }

  // What ferry reads but does not model, named "table", "table.column" or "table.index". Each
  // is something two databases can differ in that a plan would not make alike, so it is listed
  // rather than ignored: the model has no field for it.
  void unmodelled(std::string kind, std::string name) {
    m_unmodelled.emplace(std::move(kind), std::move(name));
  }

  // Tables, with their engine, default collation and ROW_FORMAT (partitioning:
  // read_partitioning). Not modelled, so listed in unmodelled when they differ from what a
  // plain CREATE TABLE makes: MariaDB system versioning and the other table options
  // (KEY_BLOCK_SIZE, STATS_*, PAGE_COMPRESSED, ... as CREATE_OPTIONS lists them). The
  // AUTO_INCREMENT counter is data, not structure: not read.
  void read_tables() {
    for (const TextRow& row : m_session.query(
             "SELECT TABLE_NAME, TABLE_TYPE, TABLE_ROWS, TABLE_COLLATION, TABLE_COMMENT, ENGINE, "
             "CREATE_OPTIONS FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
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
      table.comment = non_empty(row, 4);
      table.engine = non_empty(row, 5);
      table.collation = non_empty(row, 3);
      if (type == "SYSTEM VERSIONED")
        unmodelled("system versioning", name);
      for (const std::string& option : words(text(row, 6))) {
        if (option == "partitioned") {
          m_partitioned.push_back(name);
        } else if (ascii_lower(option).starts_with("row_format=")) {
          // Only a ROW_FORMAT the table was given is listed; SHOW CREATE TABLE prints it.
          table.row_format = option.substr(std::string_view("row_format=").size());
        } else {
          unmodelled("table options", name);
        }
      }
    }
  }

  // The PARTITION BY clause of each partitioned table, as SHOW CREATE TABLE prints it after
  // the table options (MySQL 8 inside a versioned comment, /*!50100 ... */), without the
  // "ENGINE = <the table's engine>" the server adds to each partition.
  void read_partitioning() {
    for (const std::string& name : m_partitioned) {
      schema::Table& table = m_tables.at(name);
      const std::vector<TextRow> rows = m_session.query("SHOW CREATE TABLE " + qualified(name));
      const std::string create =
          rows.empty() || rows.front().size() < 2 ? "" : text(rows.front(), 1);
      // Column and key lines start with two spaces: the first ") " line ends the list.
      const auto options = create.find("\n) ");
      const auto at = options == std::string::npos ? options : create.find("PARTITION BY", options);
      if (at == std::string::npos) {
        unmodelled("partitioning", name);
        continue;
      }
      std::string clause = create.substr(at);
      if (create.compare(at - std::min<std::size_t>(at, 9), 9, "/*!50100 ") == 0 &&
          clause.ends_with(" */")) {
        clause.resize(clause.size() - 3);
      }
      if (table.engine) {
        const std::string engine = " ENGINE = " + *table.engine;
        for (auto pos = clause.find(engine); pos != std::string::npos;
             pos = clause.find(engine, pos))
          clause.erase(pos, engine.size());
      }
      table.partitioning = std::move(clause);
    }
  }

  void read_checks() {
    // MariaDB names checks per table (CONSTRAINT_1 may repeat), MySQL 8 per database.
    // MySQL 8 may keep a check NOT ENFORCED, which the model cannot say: listed as unmodelled.
    const std::string sql =
        m_session.server().mariadb
            ? "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE, LEVEL, 'YES' "
              "FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = " +
                  m_db
            : "SELECT tc.TABLE_NAME, cc.CONSTRAINT_NAME, cc.CHECK_CLAUSE, 'Table', tc.ENFORCED "
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
      if (text(row, 4) == "NO")
        unmodelled("not enforced check", table->name + "." + name);
      // MariaDB names a column-level check after its column.
      table->checks.push_back(
          schema::Check{name, clause, text(row, 3) == "Column" ? name : std::string{}});
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
      const std::string data_type = ascii_lower(text(row, 4));
      column.type = logical_type(data_type, column.declared_type);
      const bool json = m_json_columns.contains({table->name, column.name});
      if (json) {
        column.type = LogicalType::json;
        column.declared_type = "json";
      }
      column.nullable = text(row, 5) == "YES";
      const std::string& extra = text(row, 7);
      const std::string qualified = table->name + "." + column.name;
      // "on update current_timestamp()" (MariaDB), "DEFAULT_GENERATED on update
      // CURRENT_TIMESTAMP(3)" (MySQL 8): the expression is the word after it.
      if (const auto at = ascii_lower(extra).find("on update "); at != std::string::npos) {
        const auto begin = at + std::string_view("on update ").size();
        column.on_update = extra.substr(begin, extra.find_first_of(" ,", begin) - begin);
      }
      // INVISIBLE has no field in the model.
      if (ascii_lower(extra).find("invisible") != std::string::npos)
        unmodelled("invisible column", qualified);
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
      // Set when it differs from the table's default collation, as SHOW CREATE TABLE prints
      // it (a table made again from the model gets its default). JSON's utf8mb4_bin is part
      // of the type, not a choice the user made.
      if (row.at(9) && !json && *row.at(9) != table->collation.value_or(m_collation)) {
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
  // adds for a foreign key under the key's own name are part of those constraints. Key
  // prefixes (name(10)) and MariaDB's IGNORED are read for secondary indexes; a SPATIAL
  // index's prefix is the server's own (SUB_PART 32), not one the user wrote.
  // Not modelled, so listed in unmodelled: index comments, MySQL 8 INVISIBLE, and prefixes,
  // IGNORED and DESC in a primary key or unique constraint (whose model is a column list).
  // Each table's indexes are kept in the server's order, the one SHOW CREATE TABLE prints:
  // STATISTICS lists a table's keys in it (the order they were made in, within the kinds the
  // server sorts keys into), so the rows are taken as they come, not sorted.
  void read_indexes() {
    const ServerInfo& server = m_session.server();
    const std::string expression = server.mariadb ? "NULL" : "EXPRESSION";
    const std::string hidden = !server.mariadb           ? "IF(IS_VISIBLE = 'NO', 'YES', 'NO')"
                               : at_least(server, 10, 6) ? "IGNORED"
                                                         : "'NO'";
    const std::string hidden_kind = server.mariadb ? "ignored index" : "invisible index";
    for (const TextRow& row : m_session.query(
             "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, COLLATION, INDEX_TYPE, " +
             expression + ", SUB_PART, INDEX_COMMENT, " + hidden +
             ", SEQ_IN_INDEX FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = " + m_db)) {
      schema::Table* table = find_table(text(row, 0));
      if (table == nullptr)
        continue;
      const std::string& name = text(row, 1);
      const std::string qualified = table->name + "." + name;
      const bool hidden_index = text(row, 9) == "YES";
      if (!text(row, 8).empty())
        unmodelled("index comment", qualified);
      if (name == "PRIMARY" || backs_constraint(*table, name)) {
        if (text(row, 4) == "D")
          unmodelled("descending key", qualified);
        if (row.at(7))
          unmodelled("index prefix", qualified);
        if (hidden_index)
          unmodelled(hidden_kind, qualified);
        continue;
      }
      if (hidden_index && !server.mariadb)
        unmodelled(hidden_kind, qualified);
      auto current = std::find_if(table->indexes.begin(), table->indexes.end(),
                                  [&](const schema::Index& i) { return i.name == name; });
      if (current == table->indexes.end()) {
        current = table->indexes.emplace(table->indexes.end());
        current->name = name;
        current->unique = text(row, 2) == "0";
        current->method = ascii_lower(text(row, 5));
        current->ignored = hidden_index && server.mariadb;
      }
      schema::IndexKey key;
      key.column = text(row, 3);
      if (row.at(6))
        key.expression = row.at(6);
      if (row.at(7) && current->method != "spatial")
        key.length = static_cast<int>(to_int64(*row.at(7), 0));
      key.descending = text(row, 4) == "D";
      // SEQ_IN_INDEX, 1-based: the key part's place.
      const auto seq =
          static_cast<std::size_t>(std::max<std::int64_t>(to_int64(text(row, 10), 1), 1));
      if (current->keys.size() < seq)
        current->keys.resize(seq);
      current->keys[seq - 1] = std::move(key);
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
             ", start_value, increment, minimum_value, maximum_value, cycle_option, cache_size "
             "FROM " +
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
      if (text(row, 6) != "1000")  // the default CACHE, which the model has no field for
        unmodelled("sequence cache", sequence.name);
      m_catalog.sequences.push_back(std::move(sequence));
    }
  }

  // Every name an object body may qualify with the database (see strip_own_database).
  std::set<std::string> object_names() const {
    std::set<std::string> names;
    for (const auto& [name, table] : m_tables)
      names.insert(ascii_lower(name));
    for (const schema::View& view : m_catalog.views)
      names.insert(ascii_lower(view.name));
    for (const std::string& name : m_sequence_names)
      names.insert(ascii_lower(name));
    for (const auto& [lower, routines] : m_routines)
      names.insert(lower);
    return names;
  }

  // The routines `body` calls (qualified names), besides `self`.
  std::vector<std::string> routines_called(std::string_view body, const SqlMode& mode,
                                           const std::string& self) const {
    std::set<std::string> uses;
    for (const std::string& name : called_names(body, mode)) {
      const auto it = m_routines.find(name);
      if (it == m_routines.end())
        continue;
      for (const std::string& routine : it->second) {
        if (routine != self)
          uses.insert(routine);
      }
    }
    return {uses.begin(), uses.end()};
  }

  std::string qualified(const std::string& name) const {
    return quote_with('`', m_database) + "." + quote_with('`', name);
  }

  // Stored functions and procedures: listed from information_schema.ROUTINES, each defined by
  // SHOW CREATE FUNCTION|PROCEDURE without its DEFINER, made under the settings it was made
  // with (made_under).
  void read_routines() {
    struct Listed {
      std::string name;
      std::string type;
    };
    std::vector<Listed> listed;
    for (const TextRow& row :
         m_session.query("SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES "
                         "WHERE ROUTINE_SCHEMA = " +
                         m_db)) {
      Listed& routine = listed.emplace_back(Listed{text(row, 0), text(row, 1)});
      if (routine.type == "FUNCTION" || routine.type == "PROCEDURE")
        m_routines[ascii_lower(routine.name)].push_back(routine.name);
    }
    if (listed.empty())
      return;
    const std::set<std::string> names = object_names();
    for (const Listed& routine : listed) {
      const std::string kind_name = ascii_lower(routine.type);
      if (routine.type != "FUNCTION" && routine.type != "PROCEDURE") {
        // MariaDB's PACKAGE and PACKAGE BODY (sql_mode=ORACLE).
        m_catalog.unmodelled.push_back({kind_name, routine.name});
        continue;
      }
      // Routine, sql_mode, statement, character_set_client, collation_connection, ...
      const std::vector<TextRow> rows =
          m_session.query("SHOW CREATE " + routine.type + " " + qualified(routine.name));
      // Without the privilege to read it (the definer, or SELECT on mysql.proc / SHOW_ROUTINE)
      // the server returns NULL: the routine cannot be compared.
      if (rows.empty() || rows.front().size() < 5 || !rows.front().at(2)) {
        m_catalog.unmodelled.push_back({kind_name, routine.name});
        continue;
      }
      const TextRow& row = rows.front();
      const MadeUnder settings{text(row, 1), text(row, 3), text(row, 4), std::nullopt};
      const SqlMode mode(settings.sql_mode);
      schema::SchemaObject object;
      object.kind =
          routine.type == "FUNCTION" ? schema::ObjectKind::function : schema::ObjectKind::procedure;
      object.name = routine.name;
      std::string create = strip_own_database(strip_definer(*row.at(2)), m_database, names, mode);
      if (!settings.sendable(create)) {
        m_catalog.unmodelled.push_back(
            {kind_name + " written in " + settings.character_set_client, routine.name});
        continue;
      }
      object.uses = routines_called(create, mode, routine.name);
      object.definition = settings.definition(std::move(create));
      m_catalog.objects.push_back(std::move(object));
    }
  }

  // Triggers, each defined by SHOW CREATE TRIGGER: the statement as the user typed it (less
  // its DEFINER and the database's own name), with the FOLLOWS or PRECEDES that placed it,
  // made under the settings it was made with (made_under).
  // Several triggers on one table, timing and event run in an order (ACTION_ORDER) that their
  // statements alone do not give: each is placed where its CREATE puts it (last, or beside
  // the trigger it FOLLOWS or PRECEDES) when it is made. So:
  // - replace_key is the trigger before it in that order (empty for the first): a trigger
  //   whose place changed is made again.
  // - uses lists, besides its table and the routines it calls, the triggers that must exist
  //   before its CREATE runs for every trigger to land in its place (trigger_order below);
  //   making one again takes along those that must come after it.
  void read_triggers() {
    const std::vector<TextRow> rows = m_session.query(
        "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION "
        "FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = " +
        m_db + " ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER");
    if (rows.empty())
      return;
    std::set<std::string> names = object_names();
    for (const TextRow& row : rows)
      names.insert(ascii_lower(text(row, 0)));  // CREATE TRIGGER db.name keeps its qualifier
    std::vector<PlacedTrigger> group;           // one table, timing and event, in ACTION_ORDER
    std::string group_key;
    const auto flush = [&] {
      trigger_order(group);
      for (PlacedTrigger& placed : group)
        m_catalog.objects.push_back(std::move(placed.object));
      group.clear();
    };
    for (const TextRow& row : rows) {
      const std::string name = text(row, 0);
      const std::string table = text(row, 1);
      const std::string key = table + '\n' + text(row, 2) + '\n' + text(row, 3);
      if (key != group_key) {
        flush();
        group_key = key;
      }
      // Trigger, sql_mode, SQL Original Statement, character_set_client,
      // collation_connection, ...
      const std::vector<TextRow> shown = m_session.query("SHOW CREATE TRIGGER " + qualified(name));
      if (shown.empty() || shown.front().size() < 5 || !shown.front().at(2)) {
        m_catalog.unmodelled.push_back({"trigger", schema::qualified_name("", table) + "." + name});
        continue;
      }
      const TextRow& made = shown.front();
      const MadeUnder settings{text(made, 1), text(made, 3), text(made, 4), std::nullopt};
      const SqlMode mode(settings.sql_mode);
      std::string create = strip_own_database(strip_definer(*made.at(2)), m_database, names, mode);
      if (!settings.sendable(create)) {
        m_catalog.unmodelled.push_back({"trigger written in " + settings.character_set_client,
                                        schema::qualified_name("", table) + "." + name});
        continue;
      }
      PlacedTrigger& placed = group.emplace_back();
      placed.relative_to = placement(create, mode, placed.follows);
      placed.object.kind = schema::ObjectKind::trigger;
      placed.object.name = name;
      placed.object.table = table;
      placed.object.uses = routines_called(create, mode, "");
      placed.object.uses.push_back(table);
      placed.object.definition = settings.definition(std::move(create));
    }
    flush();
  }

  // Events: listed from information_schema.EVENTS, each defined by SHOW CREATE EVENT without
  // its DEFINER, made under the settings it was made with (made_under), its time zone among
  // them: the schedule's times are printed, and read when it is made, in that zone.
  // An EVERY event created without STARTS starts when it was created, and the server prints
  // that moment as STARTS: two events made from one statement would never read alike. A STARTS
  // equal to the event's CREATED or LAST_ALTERED time is taken as defaulted and left out, so
  // the event is made again with the same default; the cost is that an event started
  // explicitly at the second of its creation reads as defaulted (it means the same then).
  void read_events() {
    const std::vector<TextRow> rows = m_session.query(
        "SELECT EVENT_NAME, STARTS, CONVERT_TZ(STARTS, TIME_ZONE, '+00:00'), CREATED, "
        "LAST_ALTERED FROM information_schema.EVENTS WHERE EVENT_SCHEMA = " +
        m_db);
    if (rows.empty())
      return;
    const std::set<std::string> names = object_names();
    for (const TextRow& row : rows) {
      schema::SchemaObject object;
      object.kind = schema::ObjectKind::event;
      object.name = text(row, 0);
      // Event, sql_mode, time_zone, Create Event, character_set_client, collation_connection
      const std::vector<TextRow> shown =
          m_session.query("SHOW CREATE EVENT " + qualified(object.name));
      if (shown.empty() || shown.front().size() < 6 || !shown.front().at(3)) {
        m_catalog.unmodelled.push_back({"event", object.name});
        continue;
      }
      const TextRow& made = shown.front();
      const MadeUnder settings{text(made, 1), text(made, 4), text(made, 5), text(made, 2)};
      std::string create = strip_definer(*made.at(3));
      if (row.at(1) && row.at(2) && (*row.at(2) == text(row, 3) || *row.at(2) == text(row, 4)))
        replace_in_schedule(create, " STARTS '" + *row.at(1) + "'", "");
      const SqlMode mode(settings.sql_mode);
      create = strip_own_database(create, m_database, names, mode);
      if (!settings.sendable(create)) {
        m_catalog.unmodelled.push_back(
            {"event written in " + settings.character_set_client, object.name});
        continue;
      }
      object.uses = routines_called(create, mode, "");
      object.definition = settings.definition(std::move(create));
      m_catalog.objects.push_back(std::move(object));
    }
  }

  Session& m_session;
  std::string m_database;
  std::string m_db;  // m_database as an SQL string literal
  schema::Catalog m_catalog;
  std::map<std::string, schema::Table> m_tables;
  std::string m_collation;                                       // the database's default collation
  std::set<std::pair<std::string, std::string>> m_unmodelled;    // (kind, name)
  std::set<std::pair<std::string, std::string>> m_json_columns;  // (table, column)
  std::vector<std::string> m_sequence_names;
  std::vector<std::string> m_partitioned;  // tables CREATE_OPTIONS calls partitioned
  // The database's functions and procedures by lowercase name (routine names are not case
  // sensitive; a function and a procedure may share one).
  std::map<std::string, std::vector<std::string>> m_routines;
};

}  // namespace

schema::Catalog read_catalog(Session& session) {
  const std::vector<TextRow> database = session.query("SELECT DATABASE(), @@collation_database");
  if (database.empty() || !database.front().at(0)) {
    throw Error(ErrorKind::bad_endpoint,
                session.endpoint().redacted() + " names no database; add one: mysql://host/db");
  }
  try {
    const TextRow& row = database.front();
    return CatalogReader(session, *row.at(0), text(row, 1)).read();
  } catch (const Error& e) {
    throw Error(e.kind(), "cannot introspect the database: " + std::string(e.what()),
                e.retryable());
  }
}

}  // namespace ferry::connectors::mysql
