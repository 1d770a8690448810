// SQLite DDL for a plan. SQLite can add columns, indexes and views, but changes a column or
// a constraint only by rebuilding the table (sqlite.org/lang_altertable.html, "Making Other
// Kinds Of Table Schema Changes"): create the new table, copy, drop, rename, recreate its
// indexes. The connector runs the plan with foreign keys off, in one transaction, and checks
// PRAGMA foreign_key_check before committing.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "ferry/common/text.hpp"
#include "plan_ops.hpp"

namespace ferry::schema::detail {
namespace {

constexpr std::string_view k_rebuild_prefix = "_ferry_rebuild_";
constexpr std::string_view k_rename_prefix = "_ferry_rename_";

std::string qi(std::string_view name) {
  return quote_identifier('"', name);
}

std::string columns(const std::vector<std::string>& names) {
  return quoted_list('"', names);
}

bool is_rowid_alias(const Table& t, const Column& c) {
  return c.identity == Identity::auto_increment && t.primary_key &&
         t.primary_key->columns == std::vector<std::string>{c.name};
}

std::string column_definition(const Table& t, const Column& c) {
  std::string out = qi(c.name);
  if (!c.declared_type.empty())
    out += " " + c.declared_type;
  if (is_rowid_alias(t, c)) {
    // AUTOINCREMENT exists only as a column constraint of an INTEGER PRIMARY KEY.
    out += " CONSTRAINT " + qi(t.primary_key->name) + " PRIMARY KEY AUTOINCREMENT";
  }
  if (!c.nullable)
    out += " NOT NULL";
  if (c.collation)
    out += " COLLATE " + *c.collation;
  if (c.generated_expr) {
    out += " GENERATED ALWAYS AS (" + *c.generated_expr + ")" +
           (c.generated_stored ? " STORED" : " VIRTUAL");
  } else if (c.default_expr) {
    out += " DEFAULT " + *c.default_expr;
  }
  return out;
}

std::string fk_clause(const ForeignKey& fk) {
  return foreign_key_clause('"', fk, qi(fk.ref_table), true);
}

// Every constraint is written with its name so that reading the table back gives the same
// names, whether the master spelled them or SQLite's reader made them up.
std::string create_table(const Table& t, std::string_view name) {
  std::vector<std::string> parts;
  for (const Column& c : t.columns)
    parts.push_back(column_definition(t, c));
  const bool inline_pk = std::any_of(t.columns.begin(), t.columns.end(),
                                     [&](const Column& c) { return is_rowid_alias(t, c); });
  if (t.primary_key && !inline_pk) {
    parts.push_back("CONSTRAINT " + qi(t.primary_key->name) + " PRIMARY KEY (" +
                    columns(t.primary_key->columns) + ")");
  }
  for (const UniqueConstraint& u : t.uniques) {
    parts.push_back("CONSTRAINT " + qi(u.name) + " UNIQUE (" + columns(u.columns) + ")");
  }
  for (const Check& c : t.checks) {
    parts.push_back("CONSTRAINT " + qi(c.name) + " CHECK (" + c.expression + ")");
  }
  for (const ForeignKey& fk : t.foreign_keys) {
    parts.push_back("CONSTRAINT " + qi(fk.name) + " " + fk_clause(fk));
  }
  std::vector<std::string> options;
  if (t.strict)
    options.push_back("STRICT");
  if (t.without_rowid)
    options.push_back("WITHOUT ROWID");
  return "CREATE TABLE " + qi(name) + " (\n  " + join(parts, ",\n  ") + "\n)" +
         (options.empty() ? "" : " " + join(options));
}

std::string index_statement(const Table& t, const Index& index) {
  std::vector<std::string> keys;
  for (const IndexKey& k : index.keys) {
    keys.push_back((k.expression ? *k.expression : qi(k.column)) +
                   (k.collation ? " COLLATE " + *k.collation : "") + (k.descending ? " DESC" : ""));
  }
  std::string out = fmt::format("CREATE {}INDEX {} ON {} ({})", index.unique ? "UNIQUE " : "",
                                qi(index.name), qi(t.name), join(keys));
  if (index.predicate)
    out += " WHERE " + *index.predicate;
  return out;
}

// ALTER TABLE ADD COLUMN's limits (lang_altertable.html, "ALTER TABLE ADD COLUMN").
bool can_add_column(const Table& t, const Column& c) {
  if (t.primary_key && std::find(t.primary_key->columns.begin(), t.primary_key->columns.end(),
                                 c.name) != t.primary_key->columns.end()) {
    return false;
  }
  if (c.generated_expr)
    return !c.generated_stored;
  if (!c.nullable && (!c.default_expr || *c.default_expr == "NULL"))
    return false;
  if (c.default_expr) {
    const std::string d = ascii_upper(*c.default_expr);
    if (d.starts_with("CURRENT_") || d.starts_with("("))
      return false;
  }
  return true;
}

// The table as rebuilt: the master's definition plus what only the tenant has (drift),
// which survives unless the plan drops drift.
Table rebuilt_definition(const Table& master, const Table* tenant, bool keep_drift) {
  Table t = master;
  if (tenant == nullptr || !keep_drift)
    return t;
  auto keep = [](auto& mine, const auto& theirs) {
    for (const auto& item : theirs) {
      const bool known =
          std::any_of(mine.begin(), mine.end(), [&](const auto& m) { return m.name == item.name; });
      if (!known)
        mine.push_back(item);
    }
  };
  keep(t.columns, tenant->columns);
  keep(t.uniques, tenant->uniques);
  keep(t.checks, tenant->checks);
  keep(t.foreign_keys, tenant->foreign_keys);
  keep(t.indexes, tenant->indexes);
  return t;
}

std::vector<std::string> rebuild(const Table& target, const Table& old) {
  const std::string temp = std::string(k_rebuild_prefix) + target.name;
  std::vector<std::string> copied;
  for (const Column& c : target.columns) {
    const Column* o = old.find_column(c.name);
    if (!c.generated_expr && o != nullptr && !o->generated_expr)
      copied.push_back(c.name);
  }
  std::vector<std::string> out{create_table(target, temp)};
  // AUTOINCREMENT never hands out an id twice, not even a deleted one, but the copy would
  // start the new table's sqlite_sequence entry at the largest id copied. Seeded with the old
  // table's high-water mark, the entry only grows during the copy; RENAME carries it over.
  const bool autoincrement =
      std::any_of(target.columns.begin(), target.columns.end(),
                  [&](const Column& c) { return is_rowid_alias(target, c); });
  if (autoincrement) {
    out.push_back("INSERT INTO sqlite_sequence (name, seq) SELECT " + quote_literal(temp) +
                  ", seq FROM sqlite_sequence WHERE name = " + quote_literal(old.name));
  }
  out.push_back("INSERT INTO " + qi(temp) + " (" + columns(copied) + ") SELECT " + columns(copied) +
                " FROM " + qi(old.name));
  out.push_back("DROP TABLE " + qi(old.name));
  out.push_back("ALTER TABLE " + qi(temp) + " RENAME TO " + qi(target.name));
  for (const Index& i : target.indexes)
    out.push_back(index_statement(target, i));
  return out;
}

bool needs_rebuild(const Op& op) {
  switch (op.kind) {
    case OpKind::alter_column:
    case OpKind::drop_column:
    case OpKind::add_primary_key:
    case OpKind::drop_primary_key:
    case OpKind::add_unique:
    case OpKind::drop_unique:
    case OpKind::add_check:
    case OpKind::drop_check:
    case OpKind::add_foreign_key:
    case OpKind::drop_foreign_key:
    case OpKind::alter_table_options:
    case OpKind::reorder_columns:
      return op.old_table != nullptr;
    case OpKind::add_column:
      return !can_add_column(*op.table, *op.column);
    default:
      return false;
  }
}

std::vector<std::string> render(const Op& op) {
  switch (op.kind) {
    case OpKind::create_table:
      return {create_table(*op.table, op.table->name)};
    case OpKind::drop_table:
      return {"DROP TABLE " + qi(op.table->name)};
    case OpKind::add_column:
      return {"ALTER TABLE " + qi(op.table->name) + " ADD COLUMN " +
              column_definition(*op.table, *op.column)};
    case OpKind::rename_table: {
      // RENAME TO a name that differs only in case is refused ("there is already another
      // table"): by way of a name of ferry's.
      const std::string temp = std::string(k_rename_prefix) + op.table->name;
      return {"ALTER TABLE " + qi(op.old_table->name) + " RENAME TO " + qi(temp),
              "ALTER TABLE " + qi(temp) + " RENAME TO " + qi(op.table->name)};
    }
    case OpKind::create_index:
      return {index_statement(*op.table, *op.index)};
    case OpKind::drop_index:
      return {"DROP INDEX " + qi(op.index->name)};
    case OpKind::create_view:
      return {"CREATE VIEW " + qi(op.view->name) + " AS " + op.view->definition};
    case OpKind::drop_view:
      return {"DROP VIEW " + qi(op.view->name)};
    case OpKind::create_object:
    case OpKind::replace_object:
    case OpKind::drop_object:
      return object_statements(Dialect::sqlite, op);
    default:
      return {};  // no schemas, sequences, enums or comments in SQLite
  }
}

}  // namespace

std::vector<Change> render_sqlite(const std::vector<Op>& ops, const Catalog& master,
                                  const Catalog& tenant, bool allow_drop) {
  std::set<std::string> rebuilt, dropped;
  for (const Op& op : ops) {
    if (op.kind == OpKind::drop_table)
      dropped.insert(op.table->name);
  }
  for (const Op& op : ops) {
    if (needs_rebuild(op) && !dropped.contains(op.table->name))
      rebuilt.insert(op.table->name);
  }
  // A table that is rebuilt gets the master's name from the rebuild: a rename_table op of it
  // only joins the rebuild's description.
  // A table that is rebuilt keeps its drift (tenant-only columns, indexes, constraints)
  // unless the plan drops drift.
  const bool keep_drift = !allow_drop;

  std::vector<Change> out;
  std::map<std::string, std::size_t> rebuild_change;  // table -> index into out
  for (const Op& op : ops) {
    if (op.kind == OpKind::drop_foreign_key && dropped.contains(op.table->name))
      continue;
    const bool table_op =
        op.table != nullptr && op.kind != OpKind::create_table && op.kind != OpKind::drop_table;
    if (table_op && rebuilt.contains(op.table->name)) {
      const auto it = rebuild_change.find(op.table->name);
      if (it != rebuild_change.end()) {
        Change& change = out[it->second];
        change.risk = std::max(change.risk, op.risk);
        change.description += "; " + describe(op);
        continue;
      }
      const Table* m = master.find_table(op.table->schema, op.table->name);
      // The tenant's table, which may spell the name in another case (rename_table).
      const Table* t = op.old_table != nullptr
                           ? op.old_table
                           : tenant.find_table(op.table->schema, op.table->name);
      const Table target = rebuilt_definition(*m, t, keep_drift);
      rebuild_change[op.table->name] = out.size();
      out.push_back(Change{.risk = std::max(op.risk, Risk::rewrite),
                           .description = "rebuild table " + op.table->name + ": " + describe(op),
                           .sql = rebuild(target, *t)});
      continue;
    }
    std::vector<std::string> sql = render(op);
    if (sql.empty() && op.kind != OpKind::manual_object)
      continue;
    out.push_back(Change{.risk = op.risk, .description = describe(op), .sql = std::move(sql)});
  }
  return out;
}

}  // namespace ferry::schema::detail
