#include "ferry/schema/catalog.hpp"

#include <algorithm>
#include <array>
#include <tuple>
#include <utility>

#include "ferry/common/error.hpp"

namespace ferry::schema {
namespace {

constexpr std::array<std::pair<LogicalType, const char*>, 18> k_type_names{{
    {LogicalType::boolean, "boolean"},
    {LogicalType::int16, "int16"},
    {LogicalType::int32, "int32"},
    {LogicalType::int64, "int64"},
    {LogicalType::numeric, "numeric"},
    {LogicalType::float32, "float32"},
    {LogicalType::float64, "float64"},
    {LogicalType::text, "text"},
    {LogicalType::bytes, "bytes"},
    {LogicalType::date, "date"},
    {LogicalType::time, "time"},
    {LogicalType::timestamp, "timestamp"},
    {LogicalType::timestamptz, "timestamptz"},
    {LogicalType::interval, "interval"},
    {LogicalType::json, "json"},
    {LogicalType::uuid, "uuid"},
    {LogicalType::enumeration, "enum"},
    {LogicalType::other, "other"},
}};

template <typename T>
void sort_by_name(std::vector<T>& items) {
  std::sort(items.begin(), items.end(), [](const T& a, const T& b) { return a.name < b.name; });
}

template <typename T>
void sort_by_qualified_name(std::vector<T>& items) {
  std::sort(items.begin(), items.end(), [](const T& a, const T& b) {
    return std::tie(a.schema, a.name) < std::tie(b.schema, b.name);
  });
}

constexpr std::array<std::pair<ObjectKind, const char*>, 12> k_object_kind_names{{
    {ObjectKind::extension, "extension"},
    {ObjectKind::collation, "collation"},
    {ObjectKind::domain, "domain"},
    {ObjectKind::composite_type, "type"},
    {ObjectKind::function, "function"},
    {ObjectKind::procedure, "procedure"},
    {ObjectKind::constraint, "constraint"},
    {ObjectKind::index, "index"},
    {ObjectKind::trigger, "trigger"},
    {ObjectKind::policy, "policy"},
    {ObjectKind::rule, "rule"},
    {ObjectKind::event, "event"},
}};

}  // namespace

const char* to_string(ObjectKind kind) noexcept {
  for (const auto& [k, name] : k_object_kind_names) {
    if (k == kind)
      return name;
  }
  return "object";
}

std::optional<ObjectKind> object_kind_from_string(std::string_view name) noexcept {
  for (const auto& [k, n] : k_object_kind_names) {
    if (n == name)
      return k;
  }
  return std::nullopt;
}

std::string SchemaObject::qualified_name() const {
  if (!table.empty())
    return schema::qualified_name(schema, table) + "." + name;
  return schema::qualified_name(schema, name) + signature;
}

const char* to_string(LogicalType type) noexcept {
  for (const auto& [value, name] : k_type_names) {
    if (value == type)
      return name;
  }
  return "other";
}

std::optional<LogicalType> logical_type_from_string(std::string_view name) noexcept {
  for (const auto& [value, text] : k_type_names) {
    if (name == text)
      return value;
  }
  return std::nullopt;
}

const char* to_string(Identity identity) noexcept {
  switch (identity) {
    case Identity::none:
      return "none";
    case Identity::always:
      return "always";
    case Identity::by_default:
      return "by_default";
    case Identity::auto_increment:
      return "auto_increment";
  }
  return "none";
}

std::optional<Identity> identity_from_string(std::string_view name) noexcept {
  for (Identity i :
       {Identity::none, Identity::always, Identity::by_default, Identity::auto_increment}) {
    if (name == to_string(i))
      return i;
  }
  return std::nullopt;
}

const char* to_string(FkAction action) noexcept {
  switch (action) {
    case FkAction::no_action:
      return "NO ACTION";
    case FkAction::restrict:
      return "RESTRICT";
    case FkAction::cascade:
      return "CASCADE";
    case FkAction::set_null:
      return "SET NULL";
    case FkAction::set_default:
      return "SET DEFAULT";
  }
  return "NO ACTION";
}

FkAction fk_action_from_string(std::string_view rule) noexcept {
  for (FkAction a :
       {FkAction::restrict, FkAction::cascade, FkAction::set_null, FkAction::set_default}) {
    if (rule == to_string(a))
      return a;
  }
  return FkAction::no_action;
}

const Column* Table::find_column(std::string_view column) const noexcept {
  for (const Column& c : columns) {
    if (c.name == column)
      return &c;
  }
  return nullptr;
}

std::vector<std::string> Table::row_key() const {
  if (primary_key && !primary_key->columns.empty())
    return primary_key->columns;
  for (const UniqueConstraint& u : uniques) {
    const bool all_not_null = std::all_of(u.columns.begin(), u.columns.end(), [&](const auto& c) {
      const Column* col = find_column(c);
      return col != nullptr && !col->nullable;
    });
    if (all_not_null)
      return u.columns;
  }
  return {};
}

std::vector<std::string> Table::required_row_key() const {
  std::vector<std::string> key = row_key();
  if (key.empty()) {
    throw Error(ErrorKind::usage,
                "table " + qualified_name() +
                    " has no primary key and no unique NOT NULL key; ferry cannot order or "
                    "compare its rows (add a primary key, or leave the table out of the sync)");
  }
  return key;
}

std::string qualified_name(std::string_view schema, std::string_view name) {
  std::string out;
  out.reserve(schema.size() + 1 + name.size());
  if (!schema.empty()) {
    out += schema;
    out += '.';
  }
  out += name;
  return out;
}

std::string Table::qualified_name() const {
  return schema::qualified_name(schema, name);
}
std::string Sequence::qualified_name() const {
  return schema::qualified_name(schema, name);
}
std::string EnumType::qualified_name() const {
  return schema::qualified_name(schema, name);
}
std::string View::qualified_name() const {
  return schema::qualified_name(schema, name);
}

const Table* Catalog::find_table(std::string_view schema, std::string_view name) const noexcept {
  for (const Table& t : tables) {
    if (t.schema == schema && t.name == name)
      return &t;
  }
  return nullptr;
}

void sort_catalog(Catalog& catalog) {
  std::sort(catalog.schemas.begin(), catalog.schemas.end());
  sort_by_qualified_name(catalog.tables);
  sort_by_qualified_name(catalog.sequences);
  sort_by_qualified_name(catalog.enums);
  sort_by_qualified_name(catalog.views);
  std::sort(catalog.objects.begin(), catalog.objects.end(),
            [](const SchemaObject& a, const SchemaObject& b) {
              return std::make_tuple(a.kind, a.qualified_name()) <
                     std::make_tuple(b.kind, b.qualified_name());
            });
  std::sort(catalog.unmodelled.begin(), catalog.unmodelled.end(),
            [](const UnmodelledObject& a, const UnmodelledObject& b) {
              return std::tie(a.kind, a.name) < std::tie(b.kind, b.name);
            });
  std::sort(catalog.available_extensions.begin(), catalog.available_extensions.end());
  std::sort(catalog.roles.begin(), catalog.roles.end());
  const auto sort_grants = [](Privileges& p) { std::sort(p.grants.begin(), p.grants.end()); };
  for (auto& [name, p] : catalog.schema_privileges)
    sort_grants(p);
  for (Sequence& s : catalog.sequences)
    sort_grants(s.privileges);
  for (View& v : catalog.views)
    sort_grants(v.privileges);
  for (SchemaObject& o : catalog.objects)
    sort_grants(o.privileges);
  for (Table& t : catalog.tables) {
    sort_grants(t.privileges);
    std::sort(t.columns.begin(), t.columns.end(),
              [](const Column& a, const Column& b) { return a.position < b.position; });
    sort_by_name(t.uniques);
    if (catalog.dialect != Dialect::mysql)
      sort_by_name(t.indexes);
    sort_by_name(t.foreign_keys);
    sort_by_name(t.checks);
  }
}

}  // namespace ferry::schema
