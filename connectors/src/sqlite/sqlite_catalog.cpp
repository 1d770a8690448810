#include "sqlite/sqlite_catalog.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include "ferry/common/text.hpp"

#include "common/sql_text.hpp"
#include "sqlite/sqlite_ddl.hpp"

namespace ferry::connectors {
namespace {

using schema::LogicalType;

const std::string& text(const TextRow& row, std::size_t i) {
  static const std::string k_empty;
  return row[i] ? *row[i] : k_empty;
}

int number(const TextRow& row, std::size_t i) {
  return row[i] ? std::stoi(*row[i]) : 0;
}

std::string joined(const std::string& table, const std::vector<std::string>& columns,
                   const char* suffix) {
  std::string out = table;
  for (const std::string& c : columns)
    out += "_" + c;
  return out + "_" + suffix;
}

// Constraint names SQLite does not store are named the way PostgreSQL names them, so a
// catalog reads the same across dialects.
template <typename Def>
const Def* find_by_columns(const std::vector<Def>& defs, const std::vector<std::string>& columns) {
  for (const Def& d : defs) {
    if (d.columns == columns)
      return &d;
  }
  return nullptr;
}

// Where the pragmas list every table's details, grouped by table name.
struct Rows {
  std::map<std::string, std::vector<TextRow>> by_table;
  void add(std::vector<TextRow> rows) {
    for (TextRow& r : rows)
      by_table[text(r, 0)].push_back(std::move(r));
  }
  const std::vector<TextRow>& of(const std::string& table) const {
    static const std::vector<TextRow> k_none;
    const auto it = by_table.find(table);
    return it == by_table.end() ? k_none : it->second;
  }
};

void read_columns(schema::Table& t, const sqlite_ddl::TableDef& def, const Rows& columns) {
  // m.name, cid, name, type, notnull, dflt_value, pk, hidden
  std::vector<std::pair<int, std::string>> pk;
  for (const TextRow& r : columns.of(t.name)) {
    schema::Column c;
    c.position = number(r, 1) + 1;
    c.name = text(r, 2);
    c.declared_type = text(r, 3);
    c.type = sqlite_logical_type(c.declared_type);
    c.nullable = number(r, 4) == 0;
    if (r[5])
      c.default_expr = *r[5];
    if (number(r, 6) > 0)
      pk.emplace_back(number(r, 6), c.name);
    const int hidden = number(r, 7);
    for (const sqlite_ddl::ColumnDef& d : def.columns) {
      if (d.name != c.name)
        continue;
      if (d.collation && ascii_upper(*d.collation) != "BINARY")
        c.collation = d.collation;
      if (d.autoincrement)
        c.identity = schema::Identity::auto_increment;
      if (hidden == 2 || hidden == 3) {
        c.generated_expr = d.generated_expr.value_or("");
        c.generated_stored = hidden == 3;
      }
    }
    t.columns.push_back(std::move(c));
  }
  if (!pk.empty()) {
    std::sort(pk.begin(), pk.end());
    schema::PrimaryKey key;
    for (auto& [pos, name] : pk)
      key.columns.push_back(name);
    key.name = def.primary_key && def.primary_key->name ? *def.primary_key->name : t.name + "_pkey";
    // An INTEGER PRIMARY KEY column is the rowid: NOT NULL even when not declared so.
    for (schema::Column& c : t.columns) {
      if (key.columns.size() == 1 && c.name == key.columns[0] &&
          ascii_upper(c.declared_type) == "INTEGER") {
        c.nullable = false;
      }
    }
    t.primary_key = std::move(key);
  }
}

// The collation a key names where it differs from what the key would have without COLLATE:
// a column key's, when it is not the column's own; an expression key's, as written.
std::optional<std::string> key_collation(const schema::Table& t, const TextRow& key,
                                         const sqlite_ddl::IndexDef& parsed, std::size_t i) {
  if (number(key, 2) >= 0) {
    const schema::Column* c = t.find_column(text(key, 3));
    const std::string own = c && c->collation ? ascii_upper(*c->collation) : "BINARY";
    if (key[5] && ascii_upper(*key[5]) != own)
      return *key[5];
    return std::nullopt;
  }
  return i < parsed.keys.size() ? parsed.keys[i].collation : std::nullopt;
}

// What a primary key's or unique constraint's keys say that the model has no field for: a
// collation other than the column's own on a key (UNIQUE (name COLLATE NOCASE)), and DESC.
// Listed as unmodelled, named "table.constraint".
void unmodelled_key_options(const schema::Table& t, const std::string& constraint,
                            const std::vector<TextRow>& keys, const sqlite_ddl::IndexDef& parsed,
                            std::vector<schema::UnmodelledObject>& unmodelled) {
  bool collation = false, descending = false;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    collation = collation || key_collation(t, keys[i], parsed, i).has_value();
    descending = descending || number(keys[i], 4) != 0;
  }
  if (collation)
    unmodelled.push_back({"index key collation", t.name + "." + constraint});
  if (descending)
    unmodelled.push_back({"descending key", t.name + "." + constraint});
}

void read_indexes(schema::Table& t, const sqlite_ddl::TableDef& def, const Rows& indexes,
                  const std::map<std::string, std::vector<TextRow>>& keys_by_index,
                  const std::map<std::string, std::string>& index_sql,
                  std::vector<schema::UnmodelledObject>& unmodelled) {
  // indexes: m.name, il.name, il.unique, il.origin, il.partial
  // keys: il.name, seqno, cid, name, desc, coll
  for (const TextRow& r : indexes.of(t.name)) {
    const std::string& name = text(r, 1);
    const std::string& origin = text(r, 3);
    const auto keys_it = keys_by_index.find(name);
    std::vector<TextRow> keys =
        keys_it == keys_by_index.end() ? std::vector<TextRow>{} : keys_it->second;
    std::sort(keys.begin(), keys.end(),
              [](const TextRow& a, const TextRow& b) { return number(a, 1) < number(b, 1); });
    const auto sql = index_sql.find(name);
    const sqlite_ddl::IndexDef parsed =
        sqlite_ddl::parse_create_index(sql == index_sql.end() ? "" : sql->second);
    if (origin == "u") {
      schema::UniqueConstraint u;
      for (const TextRow& k : keys)
        u.columns.push_back(text(k, 3));
      const auto* declared = find_by_columns(def.uniques, u.columns);
      u.name = declared && declared->name ? *declared->name : joined(t.name, u.columns, "key");
      unmodelled_key_options(t, u.name, keys, parsed, unmodelled);
      t.uniques.push_back(std::move(u));
      continue;
    }
    if (origin != "c") {  // "pk": the primary key's own index
      unmodelled_key_options(t, t.primary_key ? t.primary_key->name : name, keys, parsed,
                             unmodelled);
      continue;
    }
    schema::Index index;
    index.name = name;
    index.unique = number(r, 2) != 0;
    index.method = "btree";
    for (std::size_t i = 0; i < keys.size(); ++i) {
      schema::IndexKey key;
      key.descending = number(keys[i], 4) != 0;
      if (number(keys[i], 2) == -2) {
        key.expression = i < parsed.keys.size() ? parsed.keys[i].text : "";
      } else {
        key.column = text(keys[i], 3);
      }
      key.collation = key_collation(t, keys[i], parsed, i);
      index.keys.push_back(std::move(key));
    }
    if (number(r, 4) != 0)
      index.predicate = parsed.predicate;
    t.indexes.push_back(std::move(index));
  }
}

void read_foreign_keys(schema::Table& t, const sqlite_ddl::TableDef& def, const Rows& fks,
                       const schema::Catalog& catalog) {
  // m.name, id, seq, table, from, to, on_update, on_delete
  std::map<int, std::vector<const TextRow*>> by_id;
  for (const TextRow& r : fks.of(t.name))
    by_id[number(r, 1)].push_back(&r);
  for (auto& [id, rows] : by_id) {
    std::sort(rows.begin(), rows.end(),
              [](const TextRow* a, const TextRow* b) { return number(*a, 2) < number(*b, 2); });
    schema::ForeignKey fk;
    fk.ref_table = text(*rows[0], 3);
    fk.on_update = schema::fk_action_from_string(text(*rows[0], 6));
    fk.on_delete = schema::fk_action_from_string(text(*rows[0], 7));
    bool implicit_target = false;
    for (const TextRow* r : rows) {
      fk.columns.push_back(text(*r, 4));
      if ((*r)[5]) {
        fk.ref_columns.push_back(*(*r)[5]);
      } else {
        implicit_target = true;
      }
    }
    if (implicit_target) {  // REFERENCES parent without columns: the parent's primary key
      const schema::Table* parent = catalog.find_table("", fk.ref_table);
      fk.ref_columns =
          parent && parent->primary_key ? parent->primary_key->columns : std::vector<std::string>{};
    }
    const auto* parsed = find_by_columns(def.foreign_keys, fk.columns);
    fk.name = parsed && parsed->name ? *parsed->name : joined(t.name, fk.columns, "fkey");
    if (parsed) {
      fk.deferrable = parsed->deferrable;
      fk.initially_deferred = parsed->initially_deferred;
    }
    t.foreign_keys.push_back(std::move(fk));
  }
}

void read_checks(schema::Table& t, const sqlite_ddl::TableDef& def) {
  int unnamed = 0;
  for (const sqlite_ddl::CheckDef& c : def.checks) {
    std::string name;
    if (c.name) {
      name = *c.name;
    } else if (c.column) {
      name = t.name + "_" + *c.column + "_check";
    } else {
      name = t.name + "_check" + (unnamed++ == 0 ? "" : std::to_string(unnamed - 1));
    }
    t.checks.push_back({std::move(name), c.expression});
  }
}

void read_row_estimates(Connector& db, schema::Catalog& catalog, bool has_stat1) {
  if (catalog.tables.empty())
    return;
  std::string sql;
  if (has_stat1) {
    // sqlite_stat1's first number is the table's row count, per index: take the largest.
    sql = "SELECT tbl, max(CAST(stat AS INTEGER)) FROM sqlite_stat1 GROUP BY tbl";
  } else {
    // No statistics: count exactly, in one statement for all tables.
    for (const schema::Table& t : catalog.tables) {
      if (!sql.empty())
        sql += " UNION ALL ";
      sql += "SELECT " + quote_with('\'', t.name) + ", count(*) FROM " + quote_with('"', t.name);
    }
  }
  std::map<std::string, std::int64_t> counts;
  for (const TextRow& r : db.query(sql))
    counts[text(r, 0)] = r[1] ? std::stoll(*r[1]) : -1;
  for (schema::Table& t : catalog.tables) {
    const auto it = counts.find(t.name);
    t.row_estimate = it == counts.end() ? (has_stat1 ? -1 : 0) : it->second;
  }
}

}  // namespace

LogicalType sqlite_logical_type(std::string_view declared) {
  // SQLite accepts any declared type: map the names people write, then fall back to
  // SQLite's own affinity rules (datatype3.html, "Determination Of Column Affinity").
  const std::string t = ascii_upper(declared);
  const std::string base = t.substr(0, t.find('('));
  auto has = [&](const char* s) { return t.find(s) != std::string::npos; };
  if (base == "BOOLEAN" || base == "BOOL")
    return LogicalType::boolean;
  if (base == "SMALLINT" || base == "INT2")
    return LogicalType::int16;
  if (base == "TIMESTAMPTZ" || has("WITH TIME ZONE"))
    return LogicalType::timestamptz;
  if (base == "DATETIME" || base.starts_with("TIMESTAMP"))
    return LogicalType::timestamp;
  if (base == "DATE")
    return LogicalType::date;
  if (base == "TIME")
    return LogicalType::time;
  if (base == "JSON" || base == "JSONB")
    return LogicalType::json;
  if (base == "UUID")
    return LogicalType::uuid;
  if (has("INT"))
    return LogicalType::int64;
  if (has("CHAR") || has("CLOB") || has("TEXT"))
    return LogicalType::text;
  if (t.empty() || has("BLOB") || base == "BYTEA")
    return LogicalType::bytes;
  if (base == "FLOAT4")
    return LogicalType::float32;
  if (has("REAL") || has("FLOA") || has("DOUB"))
    return LogicalType::float64;
  if (base == "NUMERIC" || base == "DECIMAL")
    return LogicalType::numeric;
  return LogicalType::other;
}

schema::Catalog introspect_sqlite(Connector& db) {
  schema::Catalog catalog;
  catalog.dialect = Dialect::sqlite;
  catalog.server_version = db.server_version();
  catalog.database = db.endpoint().database;

  const auto objects = db.query("SELECT type, name, tbl_name, sql FROM sqlite_schema");
  // The pragmas run on ordinary tables only: a virtual table's module may not be loaded here
  // (pragma_table_xinfo would fail), and it is not modelled anyway.
  const std::string user_tables =
      " WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
      "AND m.sql NOT LIKE 'CREATE VIRTUAL TABLE%'";
  Rows columns, indexes, fks;
  columns.add(
      db.query("SELECT m.name, p.cid, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk, p.hidden "
               "FROM sqlite_schema m JOIN pragma_table_xinfo(m.name) p" +
               user_tables));
  indexes.add(
      db.query("SELECT m.name, il.name, il.\"unique\", il.origin, il.partial "
               "FROM sqlite_schema m JOIN pragma_index_list(m.name) il" +
               user_tables));
  std::map<std::string, std::vector<TextRow>> keys_by_index;
  for (TextRow& r : db.query("SELECT il.name, ix.seqno, ix.cid, ix.name, ix.\"desc\", ix.coll "
                             "FROM sqlite_schema m JOIN pragma_index_list(m.name) il "
                             "JOIN pragma_index_xinfo(il.name) ix" +
                             user_tables + " AND ix.key = 1")) {
    keys_by_index[text(r, 0)].push_back(std::move(r));
  }
  fks.add(db.query(
      "SELECT m.name, f.id, f.seq, f.\"table\", f.\"from\", f.\"to\", f.on_update, f.on_delete "
      "FROM sqlite_schema m JOIN pragma_foreign_key_list(m.name) f" +
      user_tables));
  // What kind of table each is (pragma_table_list, SQLite 3.37): shadow tables belong to a
  // virtual table; STRICT and WITHOUT ROWID are table options.
  std::map<std::string, TextRow> table_kinds;
  for (TextRow& r :
       db.query("SELECT name, type, wr, strict FROM pragma_table_list WHERE schema = 'main'")) {
    table_kinds[text(r, 0)] = std::move(r);
  }

  std::map<std::string, std::string> index_sql;
  std::vector<std::pair<schema::Table, sqlite_ddl::TableDef>> tables;
  bool has_stat1 = false;
  for (const TextRow& o : objects) {
    const std::string& type = text(o, 0);
    const std::string& name = text(o, 1);
    if (name == "sqlite_stat1")
      has_stat1 = true;
    if (name.starts_with("sqlite_"))
      continue;
    if (type == "table") {
      const auto kind = table_kinds.find(name);
      const std::string table_kind = kind == table_kinds.end() ? "table" : text(kind->second, 1);
      if (table_kind == "shadow")
        continue;  // FTS5's docs_data, R*Tree's box_node, ...: part of their virtual table
      if (table_kind == "virtual" || text(o, 3).starts_with("CREATE VIRTUAL TABLE")) {
        catalog.unmodelled.push_back({"virtual table", name});
        continue;
      }
      schema::Table t;
      t.name = name;
      if (kind != table_kinds.end()) {
        t.without_rowid = number(kind->second, 2) != 0;
        t.strict = number(kind->second, 3) != 0;
      }
      tables.emplace_back(std::move(t), sqlite_ddl::parse_create_table(text(o, 3)));
      if (tables.back().second.conflict_clause)
        catalog.unmodelled.push_back({"conflict clause", name});
    } else if (type == "index" && o[3]) {
      index_sql[name] = *o[3];
    } else if (type == "view") {
      catalog.views.push_back({"", name, sqlite_ddl::view_definition(text(o, 3))});
    } else if (type == "trigger") {
      // Compared and made again by the CREATE TRIGGER text SQLite stores: the statement as
      // written, from the trigger's name on (SQLite drops TEMP, IF NOT EXISTS and a schema
      // qualifier before the name).
      schema::SchemaObject trigger;
      trigger.kind = schema::ObjectKind::trigger;
      trigger.name = name;
      trigger.table = text(o, 2);
      trigger.definition = {text(o, 3)};
      trigger.uses = {trigger.table};
      catalog.objects.push_back(std::move(trigger));
    }
  }
  for (auto& [t, def] : tables) {
    read_columns(t, def, columns);
    read_indexes(t, def, indexes, keys_by_index, index_sql, catalog.unmodelled);
    read_checks(t, def);
  }
  for (auto& [t, def] : tables)
    catalog.tables.push_back(t);
  // Foreign keys may name a parent's primary key implicitly: resolve after all tables.
  for (std::size_t i = 0; i < tables.size(); ++i) {
    read_foreign_keys(catalog.tables[i], tables[i].second, fks, catalog);
  }
  read_row_estimates(db, catalog, has_stat1);
  schema::sort_catalog(catalog);
  return catalog;
}

}  // namespace ferry::connectors
