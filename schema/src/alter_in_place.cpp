// PostgreSQL domains and composite types changed in place, and the nameless definitions that
// pair an object with its renamed self. Both read the definitions as the PostgreSQL connector
// prints them (connectors/src/postgres/postgres_objects.cpp):
//   CREATE DOMAIN <name> AS <type> [COLLATE ...]
//   ALTER DOMAIN <name> SET DEFAULT <expression>
//   ALTER DOMAIN <name> SET NOT NULL
//   ALTER DOMAIN <name> ADD CONSTRAINT <constraint> <definition>   (one per check)
//   COMMENT ON DOMAIN <name> IS '...'
//   CREATE TYPE <name> AS (<attribute> <type> [COLLATE ...], ...)
//   ALTER TABLE <table> ADD CONSTRAINT <constraint> EXCLUDE ...
//   COMMENT ON CONSTRAINT <constraint> ON <table> IS '...'
#include <algorithm>
#include <utility>

#include "plan_ops.hpp"

namespace ferry::schema::detail {
namespace {

// The identifier at the start of `text` as PostgreSQL prints it (quoted only where it must
// be): up to the first space outside double quotes.
std::string leading_identifier(std::string_view text) {
  bool quoted = false;
  std::size_t i = 0;
  for (; i < text.size(); ++i) {
    if (text[i] == '"')
      quoted = !quoted;
    else if (text[i] == ' ' && !quoted)
      break;
  }
  return std::string(text.substr(0, i));
}

// The object's name as its first statement spells it: what follows `prefix` ("CREATE DOMAIN ")
// up to " AS ". Empty when the statement is not of that form.
std::string printed_name(const SchemaObject& o, std::string_view prefix) {
  if (o.definition.empty() || !o.definition.front().starts_with(prefix))
    return {};
  const std::string& first = o.definition.front();
  const std::size_t end = first.find(" AS ", prefix.size());
  return end == std::string::npos ? std::string()
                                  : first.substr(prefix.size(), end - prefix.size());
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty())
    return;
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

// A composite type's attributes, (name, type) in order, from "CREATE TYPE x AS (a t, b u)".
std::vector<std::pair<std::string, std::string>> attributes(const SchemaObject& o) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::string& first = o.definition.front();
  const std::size_t open = first.find(" AS (");
  if (open == std::string::npos || !first.ends_with(')'))
    return out;
  const std::string_view list = std::string_view(first).substr(open + 5, first.size() - open - 6);
  int depth = 0;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= list.size(); ++i) {
    const char c = i < list.size() ? list[i] : ',';
    if (c == '"')
      quoted = !quoted;
    if (quoted)
      continue;
    depth += c == '(' ? 1 : (c == ')' ? -1 : 0);
    if (c != ',' || depth != 0 || (i < list.size() && list.substr(i, 2) != ", "))
      continue;
    const std::string_view item = list.substr(start, i - start);
    const std::string name = leading_identifier(item);
    const std::size_t type_at = std::min(item.size(), name.size() + 1);
    out.emplace_back(name, std::string(item.substr(type_at)));
    start = i + 2;
  }
  return out;
}

InPlaceChange alter_domain(const SchemaObject& want, const SchemaObject& have) {
  InPlaceChange out;
  if (want.definition.front() != have.definition.front()) {
    out.blocked = "its base type or collation differs (master: " + want.definition.front() +
                  "; tenant: " + have.definition.front() +
                  "), which PostgreSQL cannot change in place";
    return out;
  }
  const std::string name = printed_name(want, "CREATE DOMAIN ");
  const std::string alter = "ALTER DOMAIN " + name + " ";
  const std::string comment = "COMMENT ON DOMAIN " + name + " IS ";
  const auto has = [](const SchemaObject& o, const std::string& statement) {
    return std::find(o.definition.begin() + 1, o.definition.end(), statement) != o.definition.end();
  };
  const auto has_prefix = [](const SchemaObject& o, const std::string& prefix) {
    return std::any_of(o.definition.begin() + 1, o.definition.end(),
                       [&](const std::string& s) { return s.starts_with(prefix); });
  };
  // What the tenant has and the master lacks goes first (a changed check is dropped, then
  // added again under its name); a default or comment the master has replaces the tenant's.
  for (auto it = have.definition.begin() + 1; it != have.definition.end(); ++it) {
    const std::string& part = *it;
    if (has(want, part))
      continue;
    if (part.starts_with(alter + "SET DEFAULT ")) {
      if (!has_prefix(want, alter + "SET DEFAULT "))
        out.statements.push_back(alter + "DROP DEFAULT");
    } else if (part == alter + "SET NOT NULL") {
      out.statements.push_back(alter + "DROP NOT NULL");
    } else if (part.starts_with(alter + "ADD CONSTRAINT ")) {
      const std::string constraint =
          leading_identifier(std::string_view(part).substr((alter + "ADD CONSTRAINT ").size()));
      out.statements.push_back(alter + "DROP CONSTRAINT " + constraint);
    } else if (part.starts_with(comment)) {
      if (!has_prefix(want, comment))
        out.statements.push_back(comment + "NULL");
    } else {
      out.blocked = "the tenant's \"" + part + "\" cannot be undone in place";
      return out;
    }
  }
  for (auto it = want.definition.begin() + 1; it != want.definition.end(); ++it) {
    if (has(have, *it))
      continue;
    out.statements.push_back(*it);
    // A new check or NOT NULL holds only if every value the columns have meets it.
    if (it->starts_with(alter + "ADD CONSTRAINT ") || *it == alter + "SET NOT NULL")
      out.risk = Risk::data_dependent;
  }
  return out;
}

// A type name with its attribute-level COLLATE left out: "text COLLATE \"C\"" -> "text".
std::string bare_type(const std::string& type) {
  const std::size_t at = type.find(" COLLATE ");
  return at == std::string::npos ? type : type.substr(0, at);
}

// Attributes that change type or order, which PostgreSQL refuses while a column uses the
// type: the old type steps aside under a temporary name, the master's takes the name, each
// column is cast to it attribute by attribute (an attribute the master lacks is left out, a
// new one starts NULL, a NULL value stays NULL; its default, which may name the old type, is
// dropped, and the master's set again by the plan's column ops), and the old type goes.
InPlaceChange rebuild_composite(
    const SchemaObject& want, const SchemaObject& have,
    const std::vector<std::pair<const Table*, const Column*>>& columns) {
  const auto q = [](const std::string& name) { return quote_identifier('"', name); };
  const std::string type = q(have.schema) + "." + q(have.name);
  const std::string aside = have.name.substr(0, 40) + "_ferry_replaced";
  InPlaceChange out;
  out.rebuilt = true;
  out.risk = Risk::data_dependent;  // a value that does not fit the new attribute type stops it
  out.statements = {"ALTER TYPE " + type + " RENAME TO " + q(aside), want.definition.front()};
  const auto have_attributes = attributes(have);
  const auto want_attributes = attributes(want);
  for (const auto& [attribute, attribute_type] : have_attributes) {
    if (std::none_of(want_attributes.begin(), want_attributes.end(),
                     [&](const auto& a) { return a.first == attribute; }))
      out.risk = Risk::destructive;  // the columns' values lose the attribute
  }
  for (const auto& [t, c] : columns) {
    const std::string column = q(c->name);
    std::vector<std::string> fields;
    for (const auto& [attribute, attribute_type] : want_attributes) {
      const bool kept = std::any_of(have_attributes.begin(), have_attributes.end(),
                                    [&](const auto& a) { return a.first == attribute; });
      fields.push_back((kept ? "(" + column + ")." + attribute : std::string("NULL")) +
                       "::" + bare_type(attribute_type));
    }
    const std::string alter =
        "ALTER TABLE " + q(t->schema) + "." + q(t->name) + " ALTER COLUMN " + column;
    if (c->default_expr)
      out.statements.push_back(alter + " DROP DEFAULT");
    out.statements.push_back(alter + " TYPE " + type + " USING CASE WHEN " + column +
                             " IS NOT DISTINCT FROM NULL THEN NULL ELSE ROW(" + join(fields) +
                             ")::" + type + " END");
  }
  out.statements.push_back("DROP TYPE " + q(have.schema) + "." + q(aside));
  return out;
}

InPlaceChange alter_composite(const SchemaObject& want, const SchemaObject& have,
                              const std::vector<std::pair<const Table*, const Column*>>& columns) {
  InPlaceChange out;
  const std::string name = printed_name(want, "CREATE TYPE ");
  if (want.definition.size() != 1 || have.definition.size() != 1 ||
      name != printed_name(have, "CREATE TYPE ")) {
    out.blocked = "its definition is not a plain list of attributes";
    return out;
  }
  const auto want_attributes = attributes(want);
  const auto have_attributes = attributes(have);
  const auto find = [](const auto& list, const std::string& attribute) {
    return std::find_if(list.begin(), list.end(),
                        [&](const auto& a) { return a.first == attribute; });
  };
  std::vector<std::string> order;  // the attributes after the change, in their order
  for (const auto& [attribute, type] : have_attributes) {
    const auto it = find(want_attributes, attribute);
    if (it == want_attributes.end()) {
      out.statements.push_back("ALTER TYPE " + name + " DROP ATTRIBUTE " + attribute);
      out.risk = Risk::destructive;  // the columns' values lose the attribute
      continue;
    }
    if (it->second != type) {
      if (!columns.empty())
        return rebuild_composite(want, have, columns);
      out.blocked = "attribute " + attribute + " changes type (" + type + " -> " + it->second +
                    "), which PostgreSQL refuses while a column uses the type";
      return out;
    }
    order.push_back(attribute);
  }
  for (const auto& [attribute, type] : want_attributes) {
    if (find(have_attributes, attribute) == have_attributes.end()) {
      out.statements.push_back("ALTER TYPE " + name + " ADD ATTRIBUTE " + attribute + " " + type);
      order.push_back(attribute);
    }
  }
  std::vector<std::string> want_order;
  for (const auto& a : want_attributes)
    want_order.push_back(a.first);
  if (order != want_order && !columns.empty())
    return rebuild_composite(want, have, columns);
  if (order != want_order) {
    out.blocked = "its attributes would be in another order than the master's (" +
                  join(want_order) + "), and attributes cannot be reordered in place";
  }
  return out;
}

}  // namespace

InPlaceChange alter_in_place(const SchemaObject& want, const SchemaObject& have,
                             const std::vector<std::pair<const Table*, const Column*>>& columns) {
  if (want.definition.empty() || have.definition.empty())
    return {.blocked = "its definition is empty"};
  if (want.kind == ObjectKind::domain && have.kind == ObjectKind::domain)
    return alter_domain(want, have);
  if (want.kind == ObjectKind::composite_type && have.kind == ObjectKind::composite_type)
    return alter_composite(want, have, columns);
  return {.blocked = "only domains and composite types change in place"};
}

std::vector<std::string> nameless_definition(const SchemaObject& o) {
  std::vector<std::string> out = o.definition;
  std::string name, replacement;
  if (o.kind == ObjectKind::domain) {
    name = printed_name(o, "CREATE DOMAIN ");
  } else if (o.kind == ObjectKind::composite_type) {
    name = printed_name(o, "CREATE TYPE ");
  } else if (o.kind == ObjectKind::constraint && !out.empty()) {
    // "... ADD CONSTRAINT <name> EXCLUDE ..." and "COMMENT ON CONSTRAINT <name> ON ...".
    const std::string add = " ADD CONSTRAINT ";
    const std::size_t at = out.front().find(add);
    if (at != std::string::npos) {
      name = "CONSTRAINT " +
             leading_identifier(std::string_view(out.front()).substr(at + add.size())) + " ";
      replacement = "CONSTRAINT \x01 ";
    }
  }
  if (name.empty())
    return out;
  if (replacement.empty())
    replacement = "\x01";
  for (std::string& statement : out)
    replace_all(statement, name, replacement);
  return out;
}

}  // namespace ferry::schema::detail
