// Internal: the dialect-neutral operations diff() finds, before rendering to SQL.
// Pointers refer into the master and tenant catalogs, which outlive the ops.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "ferry/schema/catalog.hpp"
#include "ferry/schema/plan.hpp"

namespace ferry::schema::detail {

enum class OpKind {
  create_schema,
  drop_schema,  // a tenant-only schema, after everything in it went
  create_enum,
  add_enum_label,
  replace_enum,       // labels removed or reordered: a new type, the columns cast to it
  rename_enum,        // ALTER TYPE `name` RENAME TO the master's
  rename_enum_label,  // ALTER TYPE ... RENAME VALUE `before` TO `name`
  create_sequence,
  alter_sequence,
  drop_view,
  drop_foreign_key,
  drop_check,
  drop_unique,
  drop_index,
  drop_primary_key,
  create_table,
  add_column,
  alter_column,
  drop_column,
  add_primary_key,
  add_unique,
  add_check,
  create_index,
  add_foreign_key,
  set_sequence_owner,
  create_view,
  set_table_comment,
  set_column_comment,
  set_view_comment,
  drop_table,
  drop_sequence,
  drop_enum,
  create_object,   // runs the object's definition
  replace_object,  // a routine's CREATE OR REPLACE definition, in place
  drop_object,
  alter_extension,    // ALTER EXTENSION ... UPDATE TO the master's version
  missing_extension,  // the tenant's server cannot install it: by hand
  manual_object,      // a changed type or domain that columns use: by hand
  set_row_security,
  change_partition_key,  // PostgreSQL cannot repartition a table in place: by hand
  set_partition_of,      // DETACH from the tenant's parent, ATTACH to the master's
  set_inherits,          // INHERIT / NO INHERIT
  // MySQL: the table's engine, default collation, or partitioning removed (before the
  // table's columns and keys change: what the old partitioning or engine forbids may follow).
  // SQLite: STRICT or WITHOUT ROWID changed (a rebuild).
  alter_table_options,
  partition_table,    // MySQL: PARTITION BY the master's clause (after the keys change)
  set_index_ignored,  // MariaDB: ALTER INDEX ... [NOT] IGNORED
  set_comment,        // PostgreSQL COMMENT ON INDEX, CONSTRAINT or SCHEMA `name`
  reorder_columns,    // SQLite: the columns into the master's order (a rebuild)
  // A table the tenant has under another name, to the master's: SQLite's whose name differs only
  // in case, PostgreSQL's partitions (same parent, same bound).
  rename_table,
  rename_constraint,  // PostgreSQL ALTER TABLE ... RENAME CONSTRAINT `before` TO `name`
  rename_index,       // PostgreSQL ALTER INDEX `before` RENAME TO `name`; MariaDB ... RENAME INDEX
  rename_object,      // PostgreSQL: a domain, composite type or exclusion constraint, to `object`'s
                      // name
  alter_object,       // PostgreSQL: a domain or composite type that columns use, changed in place
  // PostgreSQL, --with-privileges (diff_privileges.cpp): after everything else.
  missing_role,  // a role the master's privileges name is not on the tenant's server: by hand
  set_owner,     // ALTER ... OWNER TO `name`
  revoke,        // REVOKE `grants` (grantable: only the grant option)
  grant,         // GRANT `grants` (grantable: WITH GRANT OPTION)
};

// What set_owner, revoke and grant act on.
struct PrivilegeTarget {
  // "table", "view", "materialized view", "sequence", "function", "procedure", "schema"
  const char* kind = "";
  std::string schema;  // empty for a schema
  std::string name;
  std::string signature;  // routines: "(integer, text)"
};

// Which attributes of a column differ.
struct ColumnDelta {
  bool type = false;
  bool nullable = false;
  bool default_expr = false;
  bool identity = false;
  bool generated = false;
  bool collation = false;
  bool comment = false;
  bool on_update = false;
};

struct Op {
  OpKind kind;
  Risk risk = Risk::safe;
  const Table* table = nullptr;  // the table as it should be (master), or the tenant's for drops
  const Table* old_table = nullptr;  // the tenant's version, when both exist
  const Column* column = nullptr;
  const Column* old_column = nullptr;
  ColumnDelta delta;
  const PrimaryKey* primary_key = nullptr;
  const UniqueConstraint* unique = nullptr;
  const Index* index = nullptr;
  const ForeignKey* foreign_key = nullptr;
  // MySQL alter_column and add_column: the column-level check the column keeps (MariaDB drops
  // one that MODIFY COLUMN does not restate), if any.
  const Check* check = nullptr;
  const View* view = nullptr;
  const Sequence* sequence = nullptr;
  const Sequence* old_sequence = nullptr;  // alter_sequence: the tenant's
  const EnumType* enum_type = nullptr;
  const SchemaObject* object = nullptr;
  const SchemaObject* old_object = nullptr;  // rename_object, alter_object: the tenant's
  // schema name, enum label; alter_extension: the schema to move it to, if it moves;
  // rename_constraint, rename_index: the master's name; manual_object: why it is by hand
  std::string name;
  // enum label to add after, or; alter_extension: the version to update to, if it changes
  std::string after;
  // the label to add before when the new one comes first; rename_enum_label,
  // rename_constraint, rename_index: the tenant's name
  std::string before;
  // set_comment: what is commented on ("index", "constraint", "schema") and the comment, none
  // to remove it.
  const char* comment_on = nullptr;
  std::optional<std::string> comment;
  // set_owner, revoke, grant: the object; revoke, grant: what is revoked or granted.
  PrivilegeTarget target;
  std::vector<Grant> grants;
  // replace_enum, alter_object: the tenant's columns of the type (cast to the new one where
  // the type is built again).
  std::vector<std::pair<const Table*, const Column*>> type_columns;
};

// Renders ops, already in execution order, to changes in one dialect.
std::vector<Change> render_postgres(const std::vector<Op>& ops);
std::vector<Change> render_mysql(const std::vector<Op>& ops);
// SQLite lacks most ALTERs: ops on one table collapse into a rebuild of that table.
std::vector<Change> render_sqlite(const std::vector<Op>& ops, const Catalog& master,
                                  const Catalog& tenant, bool allow_drop);

// The statements of create_object, replace_object and drop_object ops, in any dialect.
std::vector<std::string> object_statements(Dialect dialect, const Op& op);

struct InPlaceChange {
  std::vector<std::string> statements;
  Risk risk = Risk::safe;
  std::string blocked;
  bool rebuilt = false;  // a composite type built again and its columns cast (below)
};
// PostgreSQL domains and composite types that columns use cannot be dropped and made again:
// how the tenant's `have` becomes the master's `want` in place (ALTER DOMAIN's SET / DROP
// DEFAULT, SET / DROP NOT NULL, ADD / DROP CONSTRAINT; ALTER TYPE's ADD / DROP ATTRIBUTE), or
// why it cannot (`blocked`: a domain's base type; an attribute's type or order, unless
// `columns`, the tenant's columns of the type, are given: then the type is built again
// beside the old one and each column cast to it).
InPlaceChange alter_in_place(const SchemaObject& want, const SchemaObject& have,
                             const std::vector<std::pair<const Table*, const Column*>>& columns);

// A domain's, composite type's or exclusion constraint's definition with its own name left
// out: two objects whose nameless definitions are equal are one under two names.
std::vector<std::string> nameless_definition(const SchemaObject& o);

// Shared rendering helpers.
std::string quote_literal(std::string_view text);  // 'it''s'
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");
std::string describe(const Op& op);  // the human one-liner of an op
// An identifier in `quote` characters, with inner quotes doubled.
std::string quote_identifier(char quote, std::string_view name);
// "a", "b" with each name quoted.
std::string quoted_list(char quote, const std::vector<std::string>& names);
// "FOREIGN KEY (..) REFERENCES ref (..) ON DELETE .. ON UPDATE .. [DEFERRABLE ...]" with the
// referenced table already rendered; DEFERRABLE only where the dialect has it.
std::string foreign_key_clause(char quote, const ForeignKey& fk, const std::string& ref,
                               bool deferrable);

}  // namespace ferry::schema::detail
