// MySQL/MariaDB DDL for a plan. Each DDL statement commits by itself, so every statement
// must leave the tenant valid; the engine journals progress statement by statement.
#include <fmt/format.h>
#include "ferry/common/text.hpp"

#include <algorithm>
#include <cctype>

#include "plan_ops.hpp"

namespace ferry::schema::detail {
namespace {

std::string qi(std::string_view name) {
  return quote_identifier('`', name);
}

// MySQL treats backslash as an escape inside string literals (unless NO_BACKSLASH_ESCAPES).
std::string literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\')
      out += c;
    out += c;
  }
  return out + "'";
}

std::string columns(const std::vector<std::string>& names) {
  return quoted_list('`', names);
}

// Literals and CURRENT_TIMESTAMP stand bare after DEFAULT; other expressions need
// parentheses.
std::string default_clause(const std::string& expr) {
  const std::string l = ascii_lower(expr);
  const bool bare = expr.empty() || expr.front() == '\'' || expr.front() == '-' ||
                    std::isdigit(static_cast<unsigned char>(expr.front())) || l == "null" ||
                    l.starts_with("current_timestamp") || l.starts_with("b'") ||
                    l.starts_with("x'") || l.starts_with("0x");
  return bare ? expr : "(" + expr + ")";
}

// A collation's character set: the first word of its name (utf8mb4_unicode_ci).
std::string charset_of(const std::string& collation) {
  return collation.substr(0, collation.find('_'));
}

// `check`: the column-level check the column carries (MariaDB), if any.
std::string column_definition(const Column& c, const Check* check = nullptr) {
  std::string out = qi(c.name) + " " + c.declared_type;
  if (c.collation)
    out += " COLLATE " + *c.collation;
  if (c.generated_expr) {
    out += " GENERATED ALWAYS AS (" + *c.generated_expr + ")" +
           (c.generated_stored ? " STORED" : " VIRTUAL");
  } else {
    out += c.nullable ? " NULL" : " NOT NULL";
    if (c.default_expr)
      out += " DEFAULT " + default_clause(*c.default_expr);
    if (c.on_update)
      out += " ON UPDATE " + *c.on_update;
    if (c.identity == Identity::auto_increment)
      out += " AUTO_INCREMENT";
  }
  if (check != nullptr)
    out += " CHECK (" + check->expression + ")";
  if (c.comment)
    out += " COMMENT " + literal(*c.comment);
  return out;
}

bool is_virtual(const Column& c) {
  return c.generated_expr && !c.generated_stored;
}

const Check* column_check(const Table& t, const Column& c) {
  for (const Check& k : t.checks) {
    if (k.column == c.name)
      return &k;
  }
  return nullptr;
}

std::string fk_clause(const ForeignKey& fk) {
  return foreign_key_clause('`', fk, qi(fk.ref_table), false);
}

std::string index_keys(const Index& index) {
  std::vector<std::string> keys;
  for (const IndexKey& k : index.keys) {
    keys.push_back((k.expression ? "(" + *k.expression + ")" : qi(k.column)) +
                   (k.length ? fmt::format("({})", *k.length) : "") +
                   (k.descending ? " DESC" : ""));
  }
  return join(keys);
}

std::string index_statement(const Table& t, const Index& index) {
  const char* kind = index.unique                 ? "UNIQUE "
                     : index.method == "fulltext" ? "FULLTEXT "
                     : index.method == "spatial"  ? "SPATIAL "
                                                  : "";
  std::string out = fmt::format("CREATE {}INDEX {} ON {} ({})", kind, qi(index.name), qi(t.name),
                                index_keys(index));
  if (index.method == "hash")
    out += " USING HASH";
  if (index.ignored)
    out += " IGNORED";
  return out;
}

// Engine, default character set and collation, row format, partitioning: what CREATE TABLE
// says after the columns.
std::string table_options(const Table& t) {
  std::string out;
  if (t.engine)
    out += " ENGINE=" + *t.engine;
  if (t.collation)
    out += " DEFAULT CHARSET=" + charset_of(*t.collation) + " COLLATE=" + *t.collation;
  if (t.row_format)
    out += " ROW_FORMAT=" + *t.row_format;
  if (t.partitioning)
    out += "\n" + *t.partitioning;
  return out;
}

std::vector<std::string> alter_table_options(const Op& op) {
  const Table& t = *op.table;
  const Table& old = *op.old_table;
  const std::string alter = "ALTER TABLE " + qi(t.name) + " ";
  std::vector<std::string> out;
  if (old.partitioning && t.partitioning != old.partitioning)
    out.push_back(alter + "REMOVE PARTITIONING");
  // A new engine and row format in one statement: the table is copied once, and the tenant's
  // row format may be one the new engine lacks. ROW_FORMAT=DEFAULT removes the one it was given.
  const std::string row_format =
      t.row_format != old.row_format ? "ROW_FORMAT=" + t.row_format.value_or("DEFAULT") : "";
  if (t.engine && t.engine != old.engine) {
    out.push_back(alter + "ENGINE=" + *t.engine + (row_format.empty() ? "" : " " + row_format));
  } else if (!row_format.empty()) {
    out.push_back(alter + row_format);
  }
  // The table's default only: its columns keep their collations (each carries its own).
  if (t.collation && t.collation != old.collation) {
    out.push_back(alter + "DEFAULT CHARACTER SET " + charset_of(*t.collation) + " COLLATE " +
                  *t.collation);
  }
  return out;
}

std::string sequence_options(const Sequence& s) {
  return fmt::format("INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {} {}", s.increment,
                     s.min_value, s.max_value, s.start, s.cycle ? "CYCLE" : "NOCYCLE");
}

// The column this one follows in the master, for ADD COLUMN ... AFTER.
std::string position_clause(const Table& t, const Column& c) {
  const Column* previous = nullptr;
  for (const Column& other : t.columns) {
    if (other.name == c.name)
      break;
    previous = &other;
  }
  return previous ? " AFTER " + qi(previous->name) : " FIRST";
}

// A primary key that changes is dropped and added in one statement, rendered with the add:
// MariaDB refuses to drop a primary key alone while an AUTO_INCREMENT column needs it as its
// key (error 1075), and one ALTER copies the table once and never leaves it without a key.
// Not when a tenant-only column of the old key goes first (DROP COLUMN shrinks the key).
bool replaces_primary_key(const Op& op) {
  if (op.old_table == nullptr || !op.table->primary_key || !op.old_table->primary_key)
    return false;
  const std::vector<std::string>& old_columns = op.old_table->primary_key->columns;
  return std::all_of(old_columns.begin(), old_columns.end(),
                     [&](const std::string& c) { return op.table->find_column(c) != nullptr; });
}

std::vector<std::string> render(const Op& op) {
  const auto alter_table = [&] { return "ALTER TABLE " + qi(op.table->name) + " "; };
  switch (op.kind) {
    case OpKind::create_schema:
    case OpKind::drop_schema:
    case OpKind::create_enum:
    case OpKind::add_enum_label:
    case OpKind::drop_enum:
    case OpKind::set_sequence_owner:
      return {};  // no such objects in MySQL
    case OpKind::replace_enum:
    case OpKind::rename_enum:
    case OpKind::rename_enum_label:
      return {};  // named enums are PostgreSQL's
    case OpKind::create_sequence:
      return {"CREATE SEQUENCE " + qi(op.sequence->name) + " " + sequence_options(*op.sequence)};
    case OpKind::alter_sequence:
      return {"ALTER SEQUENCE " + qi(op.sequence->name) + " " + sequence_options(*op.sequence)};
    case OpKind::drop_sequence:
      return {"DROP SEQUENCE " + qi(op.sequence->name)};
    case OpKind::drop_view:
      return {"DROP VIEW " + qi(op.view->name)};
    case OpKind::create_view:
      return {"CREATE " + (op.view->options.empty() ? "" : op.view->options + " ") + "VIEW " +
              qi(op.view->name) + " AS " + op.view->definition +
              (op.view->check_option.empty() ? ""
                                             : " WITH " + op.view->check_option + " CHECK OPTION")};
    case OpKind::set_view_comment:
      return {};  // MySQL views carry no comment
    case OpKind::set_comment:
      return {};  // read from PostgreSQL only
    case OpKind::drop_foreign_key:
      return {alter_table() + "DROP FOREIGN KEY " + qi(op.foreign_key->name)};
    case OpKind::add_foreign_key:
      return {alter_table() + "ADD CONSTRAINT " + qi(op.foreign_key->name) + " " +
              fk_clause(*op.foreign_key)};
    case OpKind::drop_check:
      // A column-level check goes with a MODIFY COLUMN that does not restate it.
      if (!op.check->column.empty())
        return {alter_table() + "MODIFY COLUMN " + column_definition(*op.column)};
      return {alter_table() + "DROP CONSTRAINT " + qi(op.check->name)};
    case OpKind::add_check:
      if (!op.check->column.empty())
        return {alter_table() + "MODIFY COLUMN " + column_definition(*op.column, op.check)};
      return {alter_table() + "ADD CONSTRAINT " + qi(op.check->name) + " CHECK (" +
              op.check->expression + ")"};
    case OpKind::drop_unique:
      return {alter_table() + "DROP INDEX " + qi(op.unique->name)};
    case OpKind::add_unique:
      return {alter_table() + "ADD CONSTRAINT " + qi(op.unique->name) + " UNIQUE (" +
              columns(op.unique->columns) + ")"};
    case OpKind::drop_index:
      return {"DROP INDEX " + qi(op.index->name) + " ON " + qi(op.table->name)};
    case OpKind::create_index:
      return {index_statement(*op.table, *op.index)};
    case OpKind::drop_primary_key:
      if (replaces_primary_key(op))
        return {};
      return {alter_table() + "DROP PRIMARY KEY"};
    case OpKind::add_primary_key:
      return {alter_table() + (replaces_primary_key(op) ? "DROP PRIMARY KEY, " : "") +
              "ADD PRIMARY KEY (" + columns(op.primary_key->columns) + ")"};
    case OpKind::create_table: {
      const Table& t = *op.table;
      std::vector<std::string> parts;
      for (const Column& c : t.columns)
        parts.push_back(column_definition(c, column_check(t, c)));
      if (t.primary_key)
        parts.push_back("PRIMARY KEY (" + columns(t.primary_key->columns) + ")");
      for (const UniqueConstraint& u : t.uniques) {
        parts.push_back("CONSTRAINT " + qi(u.name) + " UNIQUE (" + columns(u.columns) + ")");
      }
      for (const Check& c : t.checks) {
        if (c.column.empty())
          parts.push_back("CONSTRAINT " + qi(c.name) + " CHECK (" + c.expression + ")");
      }
      // The table comment follows as its own op (set_table_comment).
      return {"CREATE TABLE " + qi(t.name) + " (\n  " + join(parts, ",\n  ") + "\n)" +
              table_options(t)};
    }
    case OpKind::drop_table:
      return {"DROP TABLE " + qi(op.table->name)};
    case OpKind::add_column:
      return {alter_table() + "ADD COLUMN " + column_definition(*op.column, op.check) +
              position_clause(*op.table, *op.column)};
    case OpKind::drop_column:
      return {alter_table() + "DROP COLUMN " + qi(op.column->name)};
    case OpKind::alter_column:
      // MariaDB cannot MODIFY a column into or out of VIRTUAL ("not yet supported for
      // generated columns"); dropped and added in one statement, its indexes stay.
      if (is_virtual(*op.column) != is_virtual(*op.old_column)) {
        return {alter_table() + "DROP COLUMN " + qi(op.column->name) + ", ADD COLUMN " +
                column_definition(*op.column, op.check) + position_clause(*op.table, *op.column)};
      }
      // MODIFY restates the whole column, so one statement carries every attribute.
      return {alter_table() + "MODIFY COLUMN " + column_definition(*op.column, op.check)};
    case OpKind::set_table_comment:
      return {alter_table() + "COMMENT=" + literal(op.table->comment.value_or(""))};
    case OpKind::set_column_comment:
      // Column comments are part of the column definition: set on create or with MODIFY.
      return {};
    case OpKind::create_object:
    case OpKind::replace_object:
    case OpKind::drop_object:
      return object_statements(Dialect::mysql, op);
    case OpKind::alter_table_options:
      return alter_table_options(op);
    case OpKind::partition_table:
      return {alter_table() + *op.table->partitioning};
    case OpKind::set_index_ignored:
      return {alter_table() + "ALTER INDEX " + qi(op.index->name) +
              (op.index->ignored ? " IGNORED" : " NOT IGNORED")};
    case OpKind::alter_extension:
    case OpKind::missing_extension:
    case OpKind::manual_object:
    case OpKind::set_row_security:
    case OpKind::change_partition_key:
    case OpKind::set_partition_of:
    case OpKind::set_inherits:
    case OpKind::reorder_columns:
    case OpKind::rename_table:
    case OpKind::rename_object:
    case OpKind::alter_object:
    case OpKind::missing_role:
    case OpKind::set_owner:
    case OpKind::revoke:
    case OpKind::grant:
      return {};
    case OpKind::rename_constraint:  // planned for unique keys only: indexes in MySQL
    case OpKind::rename_index:
      return {alter_table() + "RENAME INDEX " + qi(op.before) + " TO " + qi(op.name)};
  }
  return {};
}

}  // namespace

std::vector<Change> render_mysql(const std::vector<Op>& ops) {
  std::vector<Change> out;
  for (const Op& op : ops) {
    std::vector<std::string> sql = render(op);
    if (sql.empty() && op.kind != OpKind::manual_object)
      continue;
    out.push_back(Change{.risk = op.risk, .description = describe(op), .sql = std::move(sql)});
  }
  return out;
}

}  // namespace ferry::schema::detail
