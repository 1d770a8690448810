// Internal: reads the parts of SQLite's stored CREATE statements that no PRAGMA reports:
// constraint names, CHECK expressions, generated-column expressions, collations, DEFERRABLE,
// AUTOINCREMENT, index expressions and partial-index predicates.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::connectors::sqlite_ddl {

struct ColumnDef {
  std::string name;
  std::optional<std::string> collation;
  std::optional<std::string> generated_expr;
  bool generated_stored = false;
  bool autoincrement = false;
};

struct NamedColumns {
  std::optional<std::string> name;  // from CONSTRAINT name, if given
  std::vector<std::string> columns;
};

struct ForeignKeyDef {
  std::optional<std::string> name;
  std::vector<std::string> columns;
  std::string ref_table;
  bool deferrable = false;
  bool initially_deferred = false;
};

struct CheckDef {
  std::optional<std::string> name;
  std::optional<std::string> column;  // set for a column constraint
  std::string expression;
};

struct TableDef {
  std::vector<ColumnDef> columns;
  std::optional<NamedColumns> primary_key;
  std::vector<NamedColumns> uniques;
  std::vector<ForeignKeyDef> foreign_keys;
  std::vector<CheckDef> checks;
  bool conflict_clause = false;  // an ON CONFLICT clause on any of its constraints
};

// Parses "CREATE TABLE ... ( ... )". Unknown clauses are skipped, never fatal.
TableDef parse_create_table(std::string_view sql);

struct IndexKeyDef {
  std::string text;  // column name (unquoted) or expression text
  bool descending = false;
  std::optional<std::string> collation;  // from a COLLATE after the key, not part of `text`
};

struct IndexDef {
  std::vector<IndexKeyDef> keys;
  std::optional<std::string> predicate;
};

// Parses "CREATE [UNIQUE] INDEX name ON table ( keys ) [WHERE expr]".
IndexDef parse_create_index(std::string_view sql);

// The query text of "CREATE VIEW name AS select".
std::string view_definition(std::string_view sql);

}  // namespace ferry::connectors::sqlite_ddl
