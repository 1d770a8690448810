// Introspection: eleven pg_catalog queries per database (two more with privileges), whatever the
// number of tables, all in one REPEATABLE READ snapshot so the pieces agree with each other.
#include <charconv>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "ferry/common/error.hpp"
#include "ferry/schema/catalog.hpp"
#include "postgres/postgres_session.hpp"

namespace ferry::connectors::postgres {

// User schemas: not the system ones, not TOAST or temp schemas, not made by an extension.
std::string user_schema(std::string_view ns) {
  const std::string n(ns);
  return n + ".nspname NOT IN ('pg_catalog', 'information_schema') AND " + n +
         ".nspname !~ '^pg_(toast|temp)' AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE "
         "e.classid = 'pg_namespace'::regclass AND e.objid = " +
         n + ".oid AND e.deptype = 'e')";
}

// Objects that an extension created belong to the extension, not to the user's schema.
std::string not_extension(std::string_view catalog, std::string_view oid) {
  return "NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '" + std::string(catalog) +
         "'::regclass AND e.objid = " + std::string(oid) + " AND e.deptype = 'e')";
}

namespace {

using schema::LogicalType;

// A comment, as obj_description() and col_description() read it but joined rather than called
// once per row: the comment on `oid` (column `subid`) of `catalog`, as `alias`.description.
std::string description_join(std::string_view alias, std::string_view catalog, std::string_view oid,
                             std::string_view subid = "0") {
  const std::string a(alias);
  return " LEFT JOIN pg_description " + a + " ON " + a + ".objoid = " + std::string(oid) + " AND " +
         a + ".classoid = '" + std::string(catalog) + "'::regclass AND " + a +
         ".objsubid = " + std::string(subid);
}

std::string with_user_tables(std::string_view select) {
  return "WITH user_tables AS (SELECT c.oid FROM pg_class c "
         "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND " +
         user_schema("n") + " AND " + not_extension("pg_class", "c.oid") + ") " +
         std::string(select);
}

constexpr std::string_view k_database_query =
    "SELECT current_database(), current_setting('server_version'), "
    "ARRAY(SELECT name FROM pg_available_extensions)";

std::string schemas_query() {
  return "SELECT n.nspname, d.description FROM pg_namespace n" +
         description_join("d", "pg_namespace", "n.oid") + " WHERE " + user_schema("n");
}

std::string tables_query() {
  return with_user_tables(
      "SELECT c.oid, n.nspname, c.relname, "
      "CASE WHEN c.reltuples < 0 THEN -1 ELSE c.reltuples::bigint END, "
      "d.description, c.relrowsecurity, c.relforcerowsecurity, "
      "pg_get_partkeydef(c.oid), "
      "(SELECT pn.nspname || '.' || pc.relname FROM pg_inherits i "
      "  JOIN pg_class pc ON pc.oid = i.inhparent "
      "  JOIN pg_namespace pn ON pn.oid = pc.relnamespace "
      "  WHERE c.relispartition AND i.inhrelid = c.oid), "
      "CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END, "
      "ARRAY(SELECT pn.nspname || '.' || pc.relname FROM pg_inherits i "
      "  JOIN pg_class pc ON pc.oid = i.inhparent "
      "  JOIN pg_namespace pn ON pn.oid = pc.relnamespace "
      "  WHERE NOT c.relispartition AND i.inhrelid = c.oid ORDER BY i.inhseqno) "
      "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace" +
      description_join("d", "pg_class", "c.oid") + " WHERE c.oid IN (SELECT oid FROM user_tables)");
}

// A collation's name as schema::Column::collation holds it: a pg_catalog one plain, any
// other quoted and qualified. `ns` and `coll` are the aliases of pg_namespace and pg_collation.
std::string collation_name(std::string_view ns, std::string_view coll) {
  const std::string n(ns), c(coll);
  const auto quoted = [](const std::string& name) {
    return "'\"' || replace(" + name + ", '\"', '\"\"') || '\"'";
  };
  return "CASE WHEN " + n + ".nspname = 'pg_catalog' THEN " + c + ".collname ELSE " +
         quoted(n + ".nspname") + " || '.' || " + quoted(c + ".collname") + " END";
}

// A domain column maps by its base type; the collation counts only when it differs from the
// type's own default, which is what a plain "text" column declaration gets.
std::string columns_query() {
  return with_user_tables(
      "SELECT a.attrelid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), "
      "COALESCE(bt.typname, t.typname), COALESCE(bt.typtype, t.typtype), a.attnotnull, "
      "pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated, "
      "CASE WHEN a.attcollation <> t.typcollation THEN "
      "  " +
      collation_name("cn", "co") +
      " END, "
      "d.description, NOT a.attislocal "
      "FROM pg_attribute a "
      "JOIN pg_type t ON t.oid = a.atttypid "
      "LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype "
      "LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum "
      "LEFT JOIN pg_collation co ON co.oid = a.attcollation "
      "LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace" +
      description_join("d", "pg_class", "a.attrelid", "a.attnum") +
      " WHERE a.attrelid IN (SELECT oid FROM user_tables) AND a.attnum > 0 "
      "AND NOT a.attisdropped");
}

// Key columns come back as name arrays in key order (unnest ... WITH ORDINALITY).
std::string constraints_query() {
  return with_user_tables(
      "SELECT con.conrelid, con.conname, con.contype, "
      "ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord) "
      "      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum "
      "      ORDER BY k.ord), "
      "fn.nspname, fc.relname, "
      "ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord) "
      "      JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum "
      "      ORDER BY k.ord), "
      "con.confdeltype, con.confupdtype, con.condeferrable, con.condeferred, "
      "CASE WHEN con.contype = 'c' THEN pg_get_expr(con.conbin, con.conrelid) END, "
      "con.convalidated, d.description "
      "FROM pg_constraint con "
      "LEFT JOIN pg_class fc ON fc.oid = con.confrelid "
      "LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace" +
      description_join("d", "pg_constraint", "con.oid") +
      " WHERE con.conrelid IN (SELECT oid FROM user_tables) "
      "AND con.contype IN ('p', 'u', 'f', 'c') "
      // Checks a child inherits are the parent's. A partition's clones of its parent's keys
      // stay: they are its row key.
      "AND (con.contype <> 'c' OR con.conislocal)");
}

// One row per index key part. Indexes that back a primary key or unique constraint are part
// of that constraint, not separate objects.
std::string indexes_query() {
  return with_user_tables(
      "SELECT i.indrelid, ic.relname, i.indisunique, am.amname, "
      "pg_get_expr(i.indpred, i.indrelid), a.attname, "
      "pg_get_indexdef(i.indexrelid, k.n, true), (i.indoption[k.n - 1]::int & 1) = 1, "
      "(SELECT opc.opcname FROM pg_opclass opc WHERE opc.oid = i.indclass[k.n - 1] "
      "  AND NOT opc.opcdefault), "
      "(SELECT string_agg(quote_ident(ia.attname), ', ' ORDER BY g.n) "
      "  FROM generate_series(i.indnkeyatts + 1, i.indnatts) AS g(n) "
      "  JOIN pg_attribute ia ON ia.attrelid = i.indrelid AND ia.attnum = i.indkey[g.n - 1]), "
      "d.description, "
      // A column key's collation, where it is not the column's own.
      "(SELECT " +
      collation_name("kn", "kc") +
      "  FROM pg_collation kc JOIN pg_namespace kn ON kn.oid = kc.collnamespace "
      "  WHERE kc.oid = i.indcollation[k.n - 1] AND a.attnum IS NOT NULL "
      "  AND kc.oid <> a.attcollation) "
      "FROM pg_index i "
      "JOIN pg_class ic ON ic.oid = i.indexrelid "
      "JOIN pg_am am ON am.oid = ic.relam "
      "CROSS JOIN LATERAL generate_series(1, i.indnkeyatts) AS k(n) "
      "LEFT JOIN pg_attribute a ON i.indkey[k.n - 1] <> 0 AND a.attrelid = i.indrelid "
      "  AND a.attnum = i.indkey[k.n - 1]" +
      description_join("d", "pg_class", "i.indexrelid") +
      " WHERE i.indrelid IN (SELECT oid FROM user_tables) AND NOT ic.relispartition "
      "AND NOT EXISTS ("
      "  SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid "
      "  AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')) "
      "ORDER BY i.indrelid, ic.relname, k.n");
}

// owned_by: serial sequences depend on their column with deptype 'a', identity sequences
// with 'i'. Identity sequences are listed too (their values need syncing); a renderer
// recognizes them by the identity of the owning column.
std::string sequences_query() {
  return "SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqstart, "
         "s.seqincrement, s.seqmin, s.seqmax, s.seqcycle, s.seqcache, "
         "(SELECT tc.relname || '.' || a.attname FROM pg_depend d "
         "  JOIN pg_class tc ON tc.oid = d.refobjid "
         "  JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid "
         "  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid "
         "  AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 "
         "  AND d.deptype IN ('a', 'i') LIMIT 1) "
         "FROM pg_sequence s "
         "JOIN pg_class c ON c.oid = s.seqrelid "
         "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE " +
         user_schema("n") + " AND " + not_extension("pg_class", "c.oid");
}

std::string enums_query() {
  return "SELECT n.nspname, t.typname, e.enumlabel "
         "FROM pg_type t "
         "JOIN pg_namespace n ON n.oid = t.typnamespace "
         "LEFT JOIN pg_enum e ON e.enumtypid = t.oid "
         "WHERE t.typtype = 'e' AND " +
         user_schema("n") + " AND " + not_extension("pg_type", "t.oid") +
         " ORDER BY n.nspname, t.typname, e.enumsortorder";
}

std::string views_query() {
  return "SELECT n.nspname, c.relname, pg_get_viewdef(c.oid, true), c.relkind = 'm', "
         "d.description, array_to_string(ARRAY(SELECT o FROM "
         "unnest(c.reloptions) o WHERE o NOT LIKE 'check_option=%'), ', '), (SELECT 'WITH ' || "
         "upper(substr(o, 14)) || ' CHECK OPTION' FROM unnest(c.reloptions) o "
         "WHERE o LIKE 'check_option=%') "
         "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace" +
         description_join("d", "pg_class", "c.oid") + " WHERE c.relkind IN ('v', 'm') AND " +
         user_schema("n") + " AND " + not_extension("pg_class", "c.oid");
}

const std::string& text(const TextRow& row, std::size_t column) {
  static const std::string k_empty;
  return row[column] ? *row[column] : k_empty;
}

std::int64_t to_int64(const TextRow& row, std::size_t column) {
  const std::string& s = text(row, column);
  std::int64_t value = 0;
  const auto result = std::from_chars(s.data(), s.data() + s.size(), value);
  if (result.ec != std::errc() || result.ptr != s.data() + s.size()) {
    throw Error(ErrorKind::failure, "unexpected integer '" + s + "' in the PostgreSQL catalog");
  }
  return value;
}

bool to_bool(const TextRow& row, std::size_t column) {
  return text(row, column) == "t";
}

LogicalType logical_type(std::string_view type_name, std::string_view type_kind) {
  if (type_kind == "e")
    return LogicalType::enumeration;
  struct Mapping {
    std::string_view name;
    LogicalType type;
  };
  static constexpr Mapping k_types[] = {
      {"bool", LogicalType::boolean},        {"int2", LogicalType::int16},
      {"int4", LogicalType::int32},          {"int8", LogicalType::int64},
      {"numeric", LogicalType::numeric},     {"float4", LogicalType::float32},
      {"float8", LogicalType::float64},      {"text", LogicalType::text},
      {"varchar", LogicalType::text},        {"bpchar", LogicalType::text},
      {"char", LogicalType::text},           {"name", LogicalType::text},
      {"citext", LogicalType::text},         {"bytea", LogicalType::bytes},
      {"date", LogicalType::date},           {"time", LogicalType::time},
      {"timestamp", LogicalType::timestamp}, {"timestamptz", LogicalType::timestamptz},
      {"interval", LogicalType::interval},   {"json", LogicalType::json},
      {"jsonb", LogicalType::json},          {"uuid", LogicalType::uuid},
  };
  for (const Mapping& m : k_types) {
    if (m.name == type_name)
      return m.type;
  }
  return LogicalType::other;
}

schema::FkAction fk_action(std::string_view code) {
  if (code == "r")
    return schema::FkAction::restrict;
  if (code == "c")
    return schema::FkAction::cascade;
  if (code == "n")
    return schema::FkAction::set_null;
  if (code == "d")
    return schema::FkAction::set_default;
  return schema::FkAction::no_action;
}

class CatalogReader {
 public:
  CatalogReader(Session& session, const IntrospectOptions& options)
      : m_session(session), m_options(options) {}

  schema::Catalog read() {
    m_catalog.dialect = Dialect::postgres;
    const auto header = fetch(k_database_query, "database");
    m_catalog.database = text(header.at(0), 0);
    m_catalog.server_version = text(header.at(0), 1);
    m_catalog.available_extensions = parse_text_array(text(header.at(0), 2));
    for (const TextRow& row : fetch(schemas_query(), "schemas")) {
      m_catalog.schemas.push_back(text(row, 0));
      if (row[1])
        m_catalog.schema_comments[text(row, 0)] = *row[1];
    }
    read_tables();
    read_columns();
    read_constraints();
    read_indexes();
    read_enums();
    if (!m_options.tables_only) {
      read_sequences();
      read_views();
      read_objects(m_session, m_catalog);
    }
    if (m_options.privileges)
      read_privileges(m_session, m_catalog);
    schema::sort_catalog(m_catalog);
    return std::move(m_catalog);
  }

 private:
  std::vector<TextRow> fetch(std::string_view sql, std::string_view what) {
    return m_session.query(sql, "reading the catalog (" + std::string(what) + ")");
  }

  // Rows name their table by oid; tables that vanished between queries cannot appear within
  // one snapshot, but a missing oid is skipped rather than trusted.
  schema::Table* table(const TextRow& row) {
    const auto it = m_tables_by_oid.find(text(row, 0));
    return it == m_tables_by_oid.end() ? nullptr : &m_catalog.tables[it->second];
  }

  void read_tables() {
    for (const TextRow& row : fetch(tables_query(), "tables")) {
      schema::Table t;
      t.schema = text(row, 1);
      t.name = text(row, 2);
      t.row_estimate = to_int64(row, 3);
      t.comment = row[4];
      t.row_security = to_bool(row, 5);
      t.force_row_security = to_bool(row, 6);
      t.partition_by = row[7];
      t.partition_of = row[8];
      t.partition_bound = row[9];
      t.inherits = parse_text_array(text(row, 10));
      m_tables_by_oid.emplace(text(row, 0), m_catalog.tables.size());
      m_catalog.tables.push_back(std::move(t));
    }
  }

  void read_columns() {
    for (const TextRow& row : fetch(columns_query(), "columns")) {
      schema::Table* t = table(row);
      if (t == nullptr)
        continue;
      schema::Column c;
      c.position = static_cast<int>(to_int64(row, 1));
      c.name = text(row, 2);
      c.declared_type = text(row, 3);
      c.type = logical_type(text(row, 4), text(row, 5));
      c.nullable = !to_bool(row, 6);
      const std::string& identity = text(row, 8);
      if (identity == "a")
        c.identity = schema::Identity::always;
      if (identity == "d")
        c.identity = schema::Identity::by_default;
      // A stored generated column keeps its expression in pg_attrdef like a default.
      if (text(row, 9) == "s") {
        c.generated_expr = row[7];
        c.generated_stored = true;
      } else {
        c.default_expr = row[7];
      }
      c.collation = row[10];
      c.comment = row[11];
      c.inherited = to_bool(row, 12);
      t->columns.push_back(std::move(c));
    }
  }

  void read_constraints() {
    for (const TextRow& row : fetch(constraints_query(), "constraints")) {
      schema::Table* t = table(row);
      if (t == nullptr)
        continue;
      const std::string& kind = text(row, 2);
      std::vector<std::string> columns = parse_text_array(text(row, 3));
      if (row[13])
        t->constraint_comments[text(row, 1)] = *row[13];
      if (kind == "p") {
        t->primary_key = schema::PrimaryKey{text(row, 1), std::move(columns)};
      } else if (kind == "u") {
        t->uniques.push_back(schema::UniqueConstraint{text(row, 1), std::move(columns),
                                                      to_bool(row, 9), to_bool(row, 10)});
      } else if (kind == "f") {
        schema::ForeignKey fk;
        fk.name = text(row, 1);
        fk.columns = std::move(columns);
        fk.ref_schema = text(row, 4);
        fk.ref_table = text(row, 5);
        fk.ref_columns = parse_text_array(text(row, 6));
        fk.on_delete = fk_action(text(row, 7));
        fk.on_update = fk_action(text(row, 8));
        fk.deferrable = to_bool(row, 9);
        fk.initially_deferred = to_bool(row, 10);
        fk.valid = to_bool(row, 12);
        t->foreign_keys.push_back(std::move(fk));
      } else if (kind == "c") {
        t->checks.push_back(schema::Check{
            .name = text(row, 1), .expression = text(row, 11), .valid = to_bool(row, 12)});
      }
    }
  }

  void read_indexes() {
    schema::Index* current = nullptr;
    std::string current_key;
    for (const TextRow& row : fetch(indexes_query(), "indexes")) {
      schema::Table* t = table(row);
      if (t == nullptr)
        continue;
      const std::string key = text(row, 0) + '.' + text(row, 1);
      if (current == nullptr || key != current_key) {
        schema::Index index;
        index.name = text(row, 1);
        index.unique = to_bool(row, 2);
        index.method = text(row, 3);
        index.predicate = row[4];
        if (row[10])
          t->index_comments[index.name] = *row[10];
        // INCLUDE columns come quoted and joined by ", ": split them back.
        if (row[9]) {
          std::string list = *row[9];
          std::size_t start = 0;
          bool quoted = false;
          for (std::size_t i = 0; i <= list.size(); ++i) {
            if (i < list.size() && list[i] == '"')
              quoted = !quoted;
            if (i == list.size() || (!quoted && list.compare(i, 2, ", ") == 0)) {
              std::string name = list.substr(start, i - start);
              if (name.size() >= 2 && name.front() == '"') {
                std::string unquoted;
                for (std::size_t j = 1; j + 1 < name.size(); ++j) {
                  unquoted += name[j];
                  if (name[j] == '"')
                    ++j;
                }
                name = unquoted;
              }
              index.include.push_back(name);
              start = i + 2;
              ++i;
            }
          }
        }
        t->indexes.push_back(std::move(index));
        current = &t->indexes.back();
        current_key = key;
      }
      schema::IndexKey part;
      if (row[5]) {
        part.column = *row[5];
      } else {
        part.expression = row[6];
      }
      part.descending = to_bool(row, 7);
      part.opclass = row[8];
      part.collation = row[11];
      current->keys.push_back(std::move(part));
    }
  }

  // An identity column carries its sequence's options, so a plan can create it alike.
  void set_identity_options(const schema::Sequence& s) {
    if (!s.owned_by)
      return;
    const auto dot = s.owned_by->rfind('.');
    for (schema::Table& t : m_catalog.tables) {
      if (t.schema != s.schema || t.name != s.owned_by->substr(0, dot))
        continue;
      for (schema::Column& c : t.columns) {
        if (c.name == s.owned_by->substr(dot + 1) && c.identity != schema::Identity::none) {
          c.identity_options = "START WITH " + std::to_string(s.start) + " INCREMENT BY " +
                               std::to_string(s.increment) + " MINVALUE " +
                               std::to_string(s.min_value) + " MAXVALUE " +
                               std::to_string(s.max_value) + " CACHE " + std::to_string(s.cache) +
                               (s.cycle ? " CYCLE" : " NO CYCLE");
        }
      }
    }
  }

  void read_sequences() {
    for (const TextRow& row : fetch(sequences_query(), "sequences")) {
      schema::Sequence s;
      s.schema = text(row, 0);
      s.name = text(row, 1);
      s.data_type = text(row, 2);
      s.start = to_int64(row, 3);
      s.increment = to_int64(row, 4);
      s.min_value = to_int64(row, 5);
      s.max_value = to_int64(row, 6);
      s.cycle = to_bool(row, 7);
      s.cache = to_int64(row, 8);
      s.owned_by = row[9];
      set_identity_options(s);
      m_catalog.sequences.push_back(std::move(s));
    }
  }

  void read_enums() {
    for (const TextRow& row : fetch(enums_query(), "enums")) {
      if (m_catalog.enums.empty() || m_catalog.enums.back().schema != text(row, 0) ||
          m_catalog.enums.back().name != text(row, 1)) {
        m_catalog.enums.push_back(schema::EnumType{text(row, 0), text(row, 1), {}});
      }
      if (row[2])
        m_catalog.enums.back().labels.push_back(*row[2]);
    }
  }

  void read_views() {
    for (const TextRow& row : fetch(views_query(), "views")) {
      m_catalog.views.push_back(schema::View{text(row, 0), text(row, 1), text(row, 2),
                                             to_bool(row, 3), row[4], text(row, 5), text(row, 6)});
    }
  }

  Session& m_session;
  const IntrospectOptions& m_options;
  schema::Catalog m_catalog;
  std::unordered_map<std::string, std::size_t> m_tables_by_oid;
};

}  // namespace

std::vector<std::string> parse_text_array(const std::string& in) {
  std::vector<std::string> out;
  if (in.size() < 2 || in.front() != '{' || in.back() != '}')
    return out;
  std::size_t i = 1;
  const std::size_t end = in.size() - 1;
  while (i < end) {
    std::string item;
    if (in[i] == '"') {
      for (++i; i < end && in[i] != '"'; ++i) {
        if (in[i] == '\\' && i + 1 < end)
          ++i;
        item += in[i];
      }
      ++i;  // closing quote
    } else {
      for (; i < end && in[i] != ','; ++i)
        item += in[i];
    }
    out.push_back(std::move(item));
    if (i < end && in[i] == ',')
      ++i;
  }
  return out;
}

namespace {

// Every catalog of the database that introspect_catalog() reads, directly or through the
// server's pg_get_*def() functions.
constexpr std::string_view k_stamped_catalogs[] = {"pg_namespace",
                                                   "pg_class",
                                                   "pg_attribute",
                                                   "pg_attrdef",
                                                   "pg_type",
                                                   "pg_enum",
                                                   "pg_collation",
                                                   "pg_constraint",
                                                   "pg_index",
                                                   "pg_sequence",
                                                   "pg_proc",
                                                   "pg_language",
                                                   "pg_trigger",
                                                   "pg_rewrite",
                                                   "pg_policy",
                                                   "pg_depend",
                                                   "pg_description",
                                                   "pg_inherits",
                                                   "pg_partitioned_table",
                                                   "pg_extension",
                                                   "pg_am",
                                                   "pg_opclass",
                                                   "pg_opfamily",
                                                   "pg_operator",
                                                   "pg_cast",
                                                   "pg_conversion",
                                                   "pg_transform",
                                                   "pg_ts_config",
                                                   "pg_ts_dict",
                                                   "pg_statistic_ext",
                                                   "pg_event_trigger",
                                                   "pg_publication",
                                                   "pg_foreign_server",
                                                   "pg_foreign_data_wrapper"};

std::string stamp_query() {
  // PostgreSQL never changes a catalog row in place for DDL: every CREATE, ALTER, DROP,
  // COMMENT or GRANT inserts or deletes row versions, and a new version carries the xid of its
  // transaction in xmin, unique within the cluster. So the multiset of xmins of a catalog
  // changes with every DDL that touches it, and only VACUUM's statistics and freeze horizons
  // (which introspection does not read) are written in place, keeping xmin. Per catalog the
  // stamp holds the row count and a sum of hashes of the xmins; around them the cluster's
  // identifier (a server rebuilt at the same address starts its xids again), the database,
  // the server version, the roles' names (pg_authid is shared and read through pg_roles) and
  // the database's settings.
  std::string sql =
      "SELECT concat_ws(' ', (SELECT system_identifier FROM pg_control_system()), "
      "(SELECT oid || '.' || xmin FROM pg_database WHERE datname = current_database()), "
      "current_setting('server_version_num'), "
      "(SELECT count(*) || '.' || coalesce(sum(hashtextextended(oid || ' ' || rolname, 0)), 0) "
      "FROM "
      "pg_roles), "
      "(SELECT count(*) || '.' || coalesce(sum(hashtextextended(xmin::text, 0)), 0) FROM "
      "pg_db_role_setting "
      "WHERE setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = "
      "current_database())))";
  for (const std::string_view catalog : k_stamped_catalogs) {
    sql += ", (SELECT count(*) || '.' || coalesce(sum(hashtextextended(xmin::text, 0)), 0) FROM ";
    sql += catalog;
    sql += ")";
  }
  sql += ")";
  return sql;
}

}  // namespace

std::string catalog_stamp(Session& session) {
  static const std::string sql = stamp_query();
  const auto rows = session.query(sql, "stamping the catalog");
  if (rows.size() != 1 || !rows[0][0])
    throw Error(ErrorKind::failure, "postgres " + session.endpoint().redacted() +
                                        ": stamping the catalog returned no row");
  return *rows[0][0];
}

schema::Catalog introspect_catalog(Session& session, const IntrospectOptions& options) {
  session.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "starting the catalog snapshot");
  try {
    schema::Catalog catalog = CatalogReader(session, options).read();
    session.exec("COMMIT", "ending the catalog snapshot");
    return catalog;
  } catch (...) {
    session.exec_quietly("ROLLBACK");
    throw;
  }
}

}  // namespace ferry::connectors::postgres
