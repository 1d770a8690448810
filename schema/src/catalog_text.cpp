#include "ferry/schema/catalog_text.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace ferry::schema {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty())
      out += ", ";
    out += s;
  }
  return out;
}

std::string plural(std::size_t n, const char* noun) {
  return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s");
}

std::string column_flags(const Column& c) {
  std::string out = c.nullable ? "" : "NOT NULL";
  auto add = [&](const std::string& s) {
    if (!out.empty())
      out += ' ';
    out += s;
  };
  if (c.identity != Identity::none)
    add(fmt::format("identity({})", to_string(c.identity)));
  if (c.default_expr)
    add("DEFAULT " + *c.default_expr);
  if (c.generated_expr)
    add("GENERATED AS (" + *c.generated_expr + ")");
  if (c.collation)
    add("COLLATE " + *c.collation);
  if (c.on_update)
    add("ON UPDATE " + *c.on_update);
  return out;
}

std::string index_keys(const Index& index) {
  std::vector<std::string> parts;
  for (const IndexKey& k : index.keys) {
    parts.push_back((k.expression ? *k.expression : k.column) +
                    (k.length ? fmt::format("({})", *k.length) : "") +
                    (k.collation ? " COLLATE " + *k.collation : "") +
                    (k.descending ? " DESC" : ""));
  }
  return join(parts);
}

void table_block(const Table& t, std::string& out) {
  out += t.qualified_name();
  out += t.row_estimate >= 0 ? fmt::format("  ~{} rows", t.row_estimate) : "  rows unknown";
  if (t.comment)
    out += "  -- " + *t.comment;
  out += '\n';
  std::size_t name_width = 4, type_width = 4;
  for (const Column& c : t.columns) {
    name_width = std::max(name_width, c.name.size());
    type_width = std::max(type_width, c.declared_type.size());
  }
  for (const Column& c : t.columns) {
    out += fmt::format("    {:<{}}  {:<{}}  {:<11}  {}", c.name, name_width, c.declared_type,
                       type_width, to_string(c.type), column_flags(c));
    while (!out.empty() && out.back() == ' ')
      out.pop_back();
    out += '\n';
  }
  if (t.primary_key)
    out += "  primary key (" + join(t.primary_key->columns) + ")\n";
  for (const UniqueConstraint& u : t.uniques) {
    out += "  unique " + u.name + " (" + join(u.columns) + ")" +
           (u.deferrable ? " DEFERRABLE" : "") +
           (u.initially_deferred ? " INITIALLY DEFERRED" : "") + "\n";
  }
  for (const Index& i : t.indexes) {
    out += fmt::format("  {}index {} {} ({}){}{}\n", i.unique ? "unique " : "", i.name, i.method,
                       index_keys(i), i.predicate ? " WHERE " + *i.predicate : "",
                       i.ignored ? " IGNORED" : "");
  }
  for (const ForeignKey& fk : t.foreign_keys) {
    out += fmt::format("  foreign key {} ({}) -> {} ({}) ON DELETE {} ON UPDATE {}{}\n", fk.name,
                       join(fk.columns), qualified_name(fk.ref_schema, fk.ref_table),
                       join(fk.ref_columns), to_string(fk.on_delete), to_string(fk.on_update),
                       std::string(fk.deferrable ? " DEFERRABLE" : "") +
                           (fk.initially_deferred ? " INITIALLY DEFERRED" : ""));
  }
  for (const Check& c : t.checks)
    out += "  check " + c.name + " (" + c.expression + ")" +
           (c.column.empty() ? "" : " on column " + c.column) + "\n";
  if (t.engine)
    out += "  engine " + *t.engine + "\n";
  if (t.collation)
    out += "  collation " + *t.collation + "\n";
  if (t.row_format)
    out += "  row format " + *t.row_format + "\n";
  if (t.strict)
    out += "  STRICT\n";
  if (t.without_rowid)
    out += "  WITHOUT ROWID\n";
  if (t.partitioning) {
    std::string clause = *t.partitioning;
    std::replace(clause.begin(), clause.end(), '\n', ' ');
    out += "  " + clause + "\n";
  }
  out += '\n';
}

}  // namespace

std::string summarize(const Catalog& catalog, const std::string& source) {
  std::string out =
      fmt::format("{}  ({} {})\n", source, to_string(catalog.dialect), catalog.server_version);
  out += fmt::format("{}, {}, {}, {}\n\n", plural(catalog.tables.size(), "table"),
                     plural(catalog.views.size(), "view"),
                     plural(catalog.sequences.size(), "sequence"),
                     plural(catalog.enums.size(), "enum"));
  for (const Table& t : catalog.tables)
    table_block(t, out);
  for (const View& v : catalog.views) {
    out +=
        fmt::format("{} {}\n", v.materialized ? "materialized view" : "view", v.qualified_name());
  }
  for (const Sequence& s : catalog.sequences) {
    out += fmt::format("sequence {} {} start {} increment {}{}\n", s.qualified_name(), s.data_type,
                       s.start, s.increment, s.owned_by ? " owned by " + *s.owned_by : "");
  }
  for (const EnumType& e : catalog.enums) {
    out += fmt::format("enum {} ({})\n", e.qualified_name(), join(e.labels));
  }
  return out;
}

}  // namespace ferry::schema
