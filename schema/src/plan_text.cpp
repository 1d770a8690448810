// Shared by the renderers: literals, names and the human description of an op.
#include <fmt/format.h>

#include "plan_ops.hpp"

namespace ferry::schema::detail {

std::string quote_literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += '\'';
    out += c;
  }
  return out + "'";
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty())
      out += separator;
    out += s;
  }
  return out;
}

std::string quote_identifier(char quote, std::string_view name) {
  std::string out(1, quote);
  for (char c : name) {
    if (c == quote)
      out += quote;
    out += c;
  }
  return out + quote;
}

std::string quoted_list(char quote, const std::vector<std::string>& names) {
  std::vector<std::string> quoted;
  for (const std::string& n : names)
    quoted.push_back(quote_identifier(quote, n));
  return join(quoted);
}

std::string foreign_key_clause(char quote, const ForeignKey& fk, const std::string& ref,
                               bool deferrable) {
  std::string out =
      fmt::format("FOREIGN KEY ({}) REFERENCES {} ({})", quoted_list(quote, fk.columns), ref,
                  quoted_list(quote, fk.ref_columns));
  if (fk.on_delete != FkAction::no_action)
    out += std::string(" ON DELETE ") + to_string(fk.on_delete);
  if (fk.on_update != FkAction::no_action)
    out += std::string(" ON UPDATE ") + to_string(fk.on_update);
  if (deferrable && fk.deferrable)
    out += fk.initially_deferred ? " DEFERRABLE INITIALLY DEFERRED" : " DEFERRABLE";
  return out;
}

std::vector<std::string> object_statements(Dialect dialect, const Op& op) {
  const SchemaObject& o = *op.object;
  if (op.kind != OpKind::drop_object)
    return o.definition;
  const char q = dialect == Dialect::mysql ? '`' : '"';
  const auto name = [&](const std::string& n) {
    return o.schema.empty() ? quote_identifier(q, n)
                            : quote_identifier(q, o.schema) + "." + quote_identifier(q, n);
  };
  const std::string on_table = " ON " + name(o.table);
  switch (o.kind) {
    case ObjectKind::extension:
      return {"DROP EXTENSION " + quote_identifier(q, o.name)};
    case ObjectKind::collation:
      return {"DROP COLLATION " + name(o.name)};
    case ObjectKind::domain:
      return {"DROP DOMAIN " + name(o.name)};
    case ObjectKind::composite_type:
      return {"DROP TYPE " + name(o.name)};
    case ObjectKind::function:
      return {"DROP FUNCTION " + name(o.name) + o.signature};
    case ObjectKind::procedure:
      return {"DROP PROCEDURE " + name(o.name) + o.signature};
    case ObjectKind::constraint:
      return {"ALTER TABLE " + name(o.table) + " DROP CONSTRAINT " + quote_identifier(q, o.name)};
    case ObjectKind::index:
      return {"DROP INDEX " + name(o.name)};
    case ObjectKind::trigger:
      if (dialect == Dialect::postgres)
        return {"DROP TRIGGER " + quote_identifier(q, o.name) + on_table};
      return {"DROP TRIGGER " + name(o.name)};
    case ObjectKind::policy:
      return {"DROP POLICY " + quote_identifier(q, o.name) + on_table};
    case ObjectKind::rule:
      return {"DROP RULE " + quote_identifier(q, o.name) + on_table};
    case ObjectKind::event:
      return {"DROP EVENT " + name(o.name)};
  }
  return {};
}

namespace {

std::string table_of(const Op& op) {
  return op.table ? op.table->qualified_name() : "";
}

std::string column_changes(const Op& op) {
  std::vector<std::string> parts;
  const Column& c = *op.column;
  const Column& o = *op.old_column;
  if (op.delta.type)
    parts.push_back("type " + o.declared_type + " -> " + c.declared_type);
  if (op.delta.nullable)
    parts.push_back(c.nullable ? "drop NOT NULL" : "set NOT NULL");
  if (op.delta.default_expr) {
    parts.push_back(c.default_expr ? "default " + *c.default_expr : "drop default");
  }
  if (op.delta.identity)
    parts.push_back(std::string("identity ") + to_string(c.identity));
  if (op.delta.generated && c.generated_expr && o.generated_expr &&
      c.generated_stored != o.generated_stored) {
    parts.push_back(c.generated_stored ? "generated STORED" : "generated VIRTUAL");
  } else if (op.delta.generated) {
    parts.push_back("generated expression");
  }
  if (op.delta.collation) {
    parts.push_back("collation " +
                    c.collation.value_or(
                        op.table->collation ? "of the table, " + *op.table->collation : "default"));
  }
  if (op.delta.comment)
    parts.push_back("comment");
  if (op.delta.on_update)
    parts.push_back(c.on_update ? "on update " + *c.on_update : "drop on update");
  return join(parts);
}

// "table public.orders", "function public.f(integer)", "schema sales".
std::string privilege_target(const PrivilegeTarget& t) {
  return std::string(t.kind) + " " + (t.schema.empty() ? t.name : t.schema + "." + t.name) +
         t.signature;
}

}  // namespace

std::string describe(const Op& op) {
  const std::string t = table_of(op);
  switch (op.kind) {
    case OpKind::create_schema:
      return "create schema " + op.name;
    case OpKind::drop_schema:
      return "drop schema " + op.name;
    case OpKind::create_enum:
      return "create enum " + op.enum_type->qualified_name();
    case OpKind::add_enum_label:
      return fmt::format("add label '{}' to enum {}", op.name, op.enum_type->qualified_name());
    case OpKind::replace_enum:
      return fmt::format("recreate enum {} with labels {} and cast its {} column(s)",
                         op.enum_type->qualified_name(), join(op.enum_type->labels),
                         op.type_columns.size());
    case OpKind::rename_enum:
      return fmt::format("rename enum {} to {}", qualified_name(op.enum_type->schema, op.name),
                         op.enum_type->qualified_name());
    case OpKind::rename_enum_label:
      return fmt::format("rename label '{}' of enum {} to '{}'", op.before,
                         op.enum_type->qualified_name(), op.name);
    case OpKind::create_sequence:
      return "create sequence " + op.sequence->qualified_name();
    case OpKind::alter_sequence:
      return "alter sequence " + op.sequence->qualified_name();
    case OpKind::set_sequence_owner:
      return "sequence " + op.sequence->qualified_name() + " owned by " +
             op.sequence->owned_by.value_or("none");
    case OpKind::drop_sequence:
      return "drop sequence " + op.sequence->qualified_name();
    case OpKind::drop_enum:
      return "drop enum " + op.enum_type->qualified_name();
    case OpKind::drop_view:
      return "drop view " + op.view->qualified_name();
    case OpKind::create_view:
      return "create view " + op.view->qualified_name();
    case OpKind::set_view_comment:
      return "comment on view " + op.view->qualified_name();
    case OpKind::set_comment:
      return fmt::format("{} comment on {} {}", op.comment ? "set" : "remove", op.comment_on,
                         op.table == nullptr ? op.name : t + "." + op.name);
    case OpKind::drop_foreign_key:
      return "drop foreign key " + t + "." + op.foreign_key->name;
    case OpKind::add_foreign_key:
      return fmt::format("add foreign key {}.{} ({}) -> {}", t, op.foreign_key->name,
                         join(op.foreign_key->columns),
                         qualified_name(op.foreign_key->ref_schema, op.foreign_key->ref_table));
    case OpKind::drop_check:
      return "drop check " + t + "." + op.check->name;
    case OpKind::add_check:
      return "add check " + t + "." + op.check->name;
    case OpKind::drop_unique:
      return "drop unique " + t + "." + op.unique->name;
    case OpKind::add_unique:
      return fmt::format("add unique {}.{} ({})", t, op.unique->name, join(op.unique->columns));
    case OpKind::drop_index:
      return "drop index " + t + "." + op.index->name;
    case OpKind::create_index:
      return "create index " + t + "." + op.index->name;
    case OpKind::drop_primary_key:
      return "drop primary key of " + t;
    case OpKind::add_primary_key:
      return fmt::format("add primary key {} ({})", t, join(op.primary_key->columns));
    case OpKind::create_table:
      return "create table " + t;
    case OpKind::drop_table:
      return "drop table " + t;
    case OpKind::add_column:
      return fmt::format("add column {}.{} {}", t, op.column->name, op.column->declared_type);
    case OpKind::drop_column:
      return "drop column " + t + "." + op.column->name;
    case OpKind::alter_column:
      return fmt::format("alter column {}.{}: {}", t, op.column->name, column_changes(op));
    case OpKind::set_table_comment:
      return "comment on table " + t;
    case OpKind::set_column_comment:
      return "comment on column " + t + "." + op.column->name;
    case OpKind::create_object:
      return fmt::format("create {} {}", to_string(op.object->kind), op.object->qualified_name());
    case OpKind::replace_object:
      return fmt::format("replace {} {}", to_string(op.object->kind), op.object->qualified_name());
    case OpKind::drop_object:
      return fmt::format("drop {} {}", to_string(op.object->kind), op.object->qualified_name());
    case OpKind::alter_extension:
      return fmt::format("{} extension {}{}{}", op.name.empty() ? "update" : "move",
                         op.object->name, op.name.empty() ? "" : " to schema " + op.name,
                         op.after.empty() ? "" : " to version " + op.after);
    case OpKind::missing_extension:
      return fmt::format(
          "extension {} is not available on the tenant's server: install the package that "
          "provides it there (on Debian, postgresql-<major version>-{} or, for the "
          "extensions that come with PostgreSQL, postgresql-contrib)",
          op.object->name, op.object->name);
    case OpKind::manual_object:
      return fmt::format("{} {} differs and columns use it{}: change it by hand",
                         to_string(op.object->kind), op.object->qualified_name(),
                         op.name.empty() ? "" : "; " + op.name);
    case OpKind::alter_object:
      if (!op.type_columns.empty()) {
        return fmt::format("build {} {} again and cast its {} column(s) to it",
                           to_string(op.object->kind), op.object->qualified_name(),
                           op.type_columns.size());
      }
      return fmt::format("alter {} {} in place", to_string(op.object->kind),
                         op.object->qualified_name());
    case OpKind::rename_object:
      if (op.object->kind == ObjectKind::constraint) {
        return fmt::format("rename constraint {} on {} to {}", op.old_object->name,
                           qualified_name(op.object->schema, op.object->table), op.object->name);
      }
      return fmt::format("rename {} {} to {}", to_string(op.object->kind),
                         op.old_object->qualified_name(), op.object->qualified_name());
    case OpKind::change_partition_key:
      return fmt::format(
          "partitioning of {}: {} -> {}; a table cannot be repartitioned in "
          "place: recreate it by hand",
          t, op.old_table->partition_by.value_or("none"), op.table->partition_by.value_or("none"));
    case OpKind::set_partition_of:
      return fmt::format("partition {}: {} -> {}", t,
                         op.old_table->partition_of ? *op.old_table->partition_of + " " +
                                                          op.old_table->partition_bound.value_or("")
                                                    : std::string("none"),
                         op.table->partition_of ? *op.table->partition_of + " " +
                                                      op.table->partition_bound.value_or("")
                                                : std::string("none"));
    case OpKind::set_inherits:
      return fmt::format("{} inherits ({}) instead of ({})", t, join(op.table->inherits),
                         join(op.old_table->inherits));
    case OpKind::alter_table_options: {
      std::vector<std::string> parts;
      const Table& old = *op.old_table;
      if (old.partitioning && op.table->partitioning != old.partitioning)
        parts.push_back("remove partitioning");
      if (op.table->engine != old.engine)
        parts.push_back("engine " + op.table->engine.value_or("?"));
      if (op.table->collation != old.collation)
        parts.push_back("default collation " + op.table->collation.value_or("?"));
      if (op.table->row_format != old.row_format)
        parts.push_back("row format " + op.table->row_format.value_or("default"));
      if (op.table->strict != old.strict)
        parts.push_back(op.table->strict ? "STRICT" : "not STRICT");
      if (op.table->without_rowid != old.without_rowid)
        parts.push_back(op.table->without_rowid ? "WITHOUT ROWID" : "with rowid");
      return "table options of " + t + ": " + join(parts);
    }
    case OpKind::partition_table: {
      const std::string& clause = *op.table->partitioning;
      return "partition table " + t + ": " + clause.substr(0, clause.find('\n'));
    }
    case OpKind::set_index_ignored:
      return fmt::format("index {}.{}: {}", t, op.index->name,
                         op.index->ignored ? "ignored" : "not ignored");
    case OpKind::reorder_columns: {
      std::vector<std::string> columns;
      for (const Column& c : op.table->columns)
        columns.push_back(c.name);
      return fmt::format("column order of {}: {}", t, join(columns));
    }
    case OpKind::rename_table:
      return fmt::format("rename table {} to {}", op.old_table->qualified_name(), t);
    case OpKind::rename_constraint:
      return fmt::format("rename constraint {} on {} to {}", op.before, t, op.name);
    case OpKind::rename_index:
      return fmt::format("rename index {} on {} to {}", op.before, t, op.name);
    case OpKind::set_row_security:
      return fmt::format("row level security of {}: {}{}", t,
                         op.table->row_security ? "enabled" : "disabled",
                         op.table->force_row_security ? ", forced" : "");
    case OpKind::missing_role:
      return fmt::format(
          "role {} does not exist on the tenant's server and the master's privileges name it: "
          "create it there (CREATE ROLE), or sync without --with-privileges",
          op.name);
    case OpKind::set_owner:
      return fmt::format("owner of {} to {}", privilege_target(op.target), op.name);
    case OpKind::revoke:
    case OpKind::grant: {
      std::vector<std::string> parts;
      for (const Grant& g : op.grants) {
        if (op.kind == OpKind::grant)
          parts.push_back(fmt::format("{} to {}{}", g.privilege, g.grantee,
                                      g.grantable ? " with grant option" : ""));
        else
          parts.push_back(fmt::format("{}{} from {}", g.grantable ? "grant option for " : "",
                                      g.privilege, g.grantee));
      }
      return fmt::format("{} on {}: {}", op.kind == OpKind::grant ? "grant" : "revoke",
                         privilege_target(op.target), join(parts));
    }
  }
  return "change";
}

}  // namespace ferry::schema::detail
