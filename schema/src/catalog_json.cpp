#include "ferry/schema/catalog_json.hpp"

#include <cstdint>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "ferry/common/error.hpp"

namespace ferry::schema {
namespace {

using nlohmann::json;

json optional_text(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

json column_json(const Column& c) {
  return json{{"name", c.name},
              {"position", c.position},
              {"declared_type", c.declared_type},
              {"type", to_string(c.type)},
              {"nullable", c.nullable},
              {"default", optional_text(c.default_expr)},
              {"identity", to_string(c.identity)},
              {"identity_options", optional_text(c.identity_options)},
              {"generated", optional_text(c.generated_expr)},
              {"generated_stored", c.generated_stored},
              {"collation", optional_text(c.collation)},
              {"comment", optional_text(c.comment)},
              {"inherited", c.inherited},
              {"on_update", optional_text(c.on_update)}};
}

json index_json(const Index& index) {
  json keys = json::array();
  for (const IndexKey& k : index.keys) {
    keys.push_back(json{{"column", k.expression ? json(nullptr) : json(k.column)},
                        {"expression", optional_text(k.expression)},
                        {"descending", k.descending},
                        {"opclass", optional_text(k.opclass)},
                        {"length", k.length ? json(*k.length) : json(nullptr)},
                        {"collation", optional_text(k.collation)}});
  }
  return json{{"name", index.name},       {"unique", index.unique},
              {"method", index.method},   {"keys", std::move(keys)},
              {"include", index.include}, {"predicate", optional_text(index.predicate)},
              {"ignored", index.ignored}};
}

json table_json(const Table& t) {
  json columns = json::array();
  for (const Column& c : t.columns)
    columns.push_back(column_json(c));
  json uniques = json::array();
  for (const UniqueConstraint& u : t.uniques) {
    uniques.push_back(json{{"name", u.name},
                           {"columns", u.columns},
                           {"deferrable", u.deferrable},
                           {"initially_deferred", u.initially_deferred}});
  }
  json indexes = json::array();
  for (const Index& i : t.indexes)
    indexes.push_back(index_json(i));
  json fks = json::array();
  for (const ForeignKey& fk : t.foreign_keys) {
    fks.push_back(json{{"name", fk.name},
                       {"columns", fk.columns},
                       {"ref_schema", fk.ref_schema},
                       {"ref_table", fk.ref_table},
                       {"ref_columns", fk.ref_columns},
                       {"on_delete", to_string(fk.on_delete)},
                       {"on_update", to_string(fk.on_update)},
                       {"deferrable", fk.deferrable},
                       {"initially_deferred", fk.initially_deferred},
                       {"valid", fk.valid}});
  }
  json checks = json::array();
  for (const Check& c : t.checks) {
    checks.push_back(json{{"name", c.name},
                          {"expression", c.expression},
                          {"column", c.column.empty() ? json(nullptr) : json(c.column)},
                          {"valid", c.valid}});
  }
  json pk = nullptr;
  if (t.primary_key)
    pk = json{{"name", t.primary_key->name}, {"columns", t.primary_key->columns}};
  return json{{"schema", t.schema},
              {"name", t.name},
              {"row_estimate", t.row_estimate},
              {"comment", optional_text(t.comment)},
              {"index_comments", t.index_comments},
              {"constraint_comments", t.constraint_comments},
              {"columns", std::move(columns)},
              {"primary_key", std::move(pk)},
              {"uniques", std::move(uniques)},
              {"indexes", std::move(indexes)},
              {"foreign_keys", std::move(fks)},
              {"checks", std::move(checks)},
              {"partition_by", optional_text(t.partition_by)},
              {"partition_of", optional_text(t.partition_of)},
              {"partition_bound", optional_text(t.partition_bound)},
              {"inherits", t.inherits},
              {"row_security", t.row_security},
              {"force_row_security", t.force_row_security},
              {"engine", optional_text(t.engine)},
              {"collation", optional_text(t.collation)},
              {"row_format", optional_text(t.row_format)},
              {"partitioning", optional_text(t.partitioning)},
              {"strict", t.strict},
              {"without_rowid", t.without_rowid}};
}

json privileges_json(const Privileges& p) {
  json grants = json::array();
  for (const Grant& g : p.grants) {
    grants.push_back(
        json{{"grantee", g.grantee}, {"privilege", g.privilege}, {"grantable", g.grantable}});
  }
  return json{{"owner", p.owner}, {"grants", std::move(grants)}};
}

// Privileges appear only where they were read (--with-privileges), so catalogs read without
// them serialize, and fingerprint, as before.
void add_privileges(json& object, const Privileges& p) {
  if (!p.owner.empty())
    object["privileges"] = privileges_json(p);
}

// One value of a document catalog_from_json() reads, and where it is in the document
// ("tables[2].columns[0].type"), which every error names. The path is put together only for
// an error, from the chain of values read to get here.
class Node {
 public:
  explicit Node(const json& value) : m_value(value) {}

  [[noreturn]] void fail(const std::string& what) const {
    const std::string where = path();
    throw Error(ErrorKind::failure,
                "catalog JSON: " + (where.empty() ? what : where + ": " + what));
  }

  bool has(const char* key) const { return m_value.is_object() && m_value.contains(key); }
  bool is_null() const { return m_value.is_null(); }

  // The member `key` of an object.
  Node operator[](const char* key) const {
    expect(m_value.is_object(), "an object");
    const auto it = m_value.find(key);
    if (it == m_value.end())
      fail("missing key \"" + std::string(key) + "\"");
    return Node(*it, this, Step::member, key);
  }

  template <typename F>
  void each(F&& f) const {
    expect(m_value.is_array(), "an array");
    for (std::size_t i = 0; i < m_value.size(); ++i)
      f(Node(m_value[i], this, i));
  }

  // f(key, value) for each member of an object.
  template <typename F>
  void each_member(F&& f) const {
    expect(m_value.is_object(), "an object");
    for (const auto& [key, value] : m_value.items())
      f(key, Node(value, this, Step::entry, key));
  }

  std::string text() const {
    expect(m_value.is_string(), "a string");
    return m_value.get<std::string>();
  }

  std::optional<std::string> optional_text() const {
    if (m_value.is_null())
      return std::nullopt;
    expect(m_value.is_string(), "a string or null");
    return m_value.get<std::string>();
  }

  bool boolean() const {
    expect(m_value.is_boolean(), "a boolean");
    return m_value.get<bool>();
  }

  template <typename T>
  T integer() const {
    expect(m_value.is_number_integer(), "an integer");
    if (m_value.is_number_unsigned()) {
      if (const auto v = m_value.get<std::uint64_t>(); std::in_range<T>(v))
        return static_cast<T>(v);
    } else if (const auto v = m_value.get<std::int64_t>(); std::in_range<T>(v)) {
      return static_cast<T>(v);
    }
    fail("integer " + m_value.dump() + " out of range");
  }

  std::vector<std::string> texts() const {
    std::vector<std::string> out;
    each([&](const Node& n) { out.push_back(n.text()); });
    return out;
  }

  std::map<std::string, std::string> text_map() const {
    std::map<std::string, std::string> out;
    each_member([&](const std::string& key, const Node& n) { out.emplace(key, n.text()); });
    return out;
  }

  // The enumerator `from(text())` names: from returns an optional, empty for an unknown name.
  template <typename From>
  auto named(From&& from, const char* what) const {
    const std::string name = text();
    const auto value = from(name);
    if (!value)
      fail("unknown " + std::string(what) + " \"" + name + "\"");
    return *value;
  }

 private:
  enum class Step { member, element, entry };

  Node(const json& value, const Node* parent, Step step, std::string_view key)
      : m_value(value), m_parent(parent), m_step(step), m_key(key) {}
  Node(const json& value, const Node* parent, std::size_t index)
      : m_value(value), m_parent(parent), m_step(Step::element), m_index(index) {}

  void expect(bool ok, const char* what) const {
    if (!ok)
      fail("expected " + std::string(what) + ", got " + m_value.type_name());
  }

  std::string path() const {
    if (m_parent == nullptr)
      return "";
    std::string p = m_parent->path();
    switch (m_step) {
      case Step::member:
        return (p.empty() ? p : p + ".") + std::string(m_key);
      case Step::element:
        return p + "[" + std::to_string(m_index) + "]";
      case Step::entry:
        return p + "[" + json(m_key).dump() + "]";
    }
    return p;
  }

  const json& m_value;
  const Node* m_parent = nullptr;
  Step m_step = Step::member;
  std::string_view m_key;
  std::size_t m_index = 0;
};

// fk_action_from_string() takes any other text for NO ACTION; here only the names to_string()
// writes are actions.
std::optional<FkAction> fk_action_named(std::string_view name) {
  const FkAction action = fk_action_from_string(name);
  return name == to_string(action) ? std::optional(action) : std::nullopt;
}

Column column_from(const Node& n) {
  return Column{.name = n["name"].text(),
                .position = n["position"].integer<int>(),
                .declared_type = n["declared_type"].text(),
                .type = n["type"].named(logical_type_from_string, "logical type"),
                .nullable = n["nullable"].boolean(),
                .default_expr = n["default"].optional_text(),
                .identity = n["identity"].named(identity_from_string, "identity"),
                .identity_options = n["identity_options"].optional_text(),
                .generated_expr = n["generated"].optional_text(),
                .generated_stored = n["generated_stored"].boolean(),
                .collation = n["collation"].optional_text(),
                .comment = n["comment"].optional_text(),
                .inherited = n["inherited"].boolean(),
                .on_update = n["on_update"].optional_text()};
}

Index index_from(const Node& n) {
  Index index{.name = n["name"].text()};
  n["keys"].each([&](const Node& k) {
    index.keys.push_back(IndexKey{
        .column = k["column"].optional_text().value_or(""),
        .expression = k["expression"].optional_text(),
        .descending = k["descending"].boolean(),
        .opclass = k["opclass"].optional_text(),
        .length = !k["length"].is_null() ? std::optional(k["length"].integer<int>()) : std::nullopt,
        .collation = k["collation"].optional_text()});
  });
  index.include = n["include"].texts();
  index.unique = n["unique"].boolean();
  index.method = n["method"].text();
  index.predicate = n["predicate"].optional_text();
  index.ignored = n["ignored"].boolean();
  return index;
}

Privileges privileges_from(const Node& n) {
  Privileges p{.owner = n["owner"].text()};
  n["grants"].each([&](const Node& g) {
    p.grants.push_back(Grant{.grantee = g["grantee"].text(),
                             .privilege = g["privilege"].text(),
                             .grantable = g["grantable"].boolean()});
  });
  return p;
}

// The "privileges" add_privileges() writes where they were read; none otherwise.
Privileges privileges_of(const Node& object) {
  return object.has("privileges") ? privileges_from(object["privileges"]) : Privileges{};
}

Table table_from(const Node& n) {
  Table t;
  t.schema = n["schema"].text();
  t.name = n["name"].text();
  t.row_estimate = n["row_estimate"].integer<std::int64_t>();
  t.comment = n["comment"].optional_text();
  t.index_comments = n["index_comments"].text_map();
  t.constraint_comments = n["constraint_comments"].text_map();
  n["columns"].each([&](const Node& c) { t.columns.push_back(column_from(c)); });
  if (const Node pk = n["primary_key"]; !pk.is_null())
    t.primary_key = PrimaryKey{.name = pk["name"].text(), .columns = pk["columns"].texts()};
  n["uniques"].each([&](const Node& u) {
    t.uniques.push_back(UniqueConstraint{.name = u["name"].text(),
                                         .columns = u["columns"].texts(),
                                         .deferrable = u["deferrable"].boolean(),
                                         .initially_deferred = u["initially_deferred"].boolean()});
  });
  n["indexes"].each([&](const Node& i) { t.indexes.push_back(index_from(i)); });
  n["foreign_keys"].each([&](const Node& fk) {
    t.foreign_keys.push_back(
        ForeignKey{.name = fk["name"].text(),
                   .columns = fk["columns"].texts(),
                   .ref_schema = fk["ref_schema"].text(),
                   .ref_table = fk["ref_table"].text(),
                   .ref_columns = fk["ref_columns"].texts(),
                   .on_delete = fk["on_delete"].named(fk_action_named, "foreign key action"),
                   .on_update = fk["on_update"].named(fk_action_named, "foreign key action"),
                   .deferrable = fk["deferrable"].boolean(),
                   .initially_deferred = fk["initially_deferred"].boolean(),
                   .valid = fk["valid"].boolean()});
  });
  n["checks"].each([&](const Node& c) {
    t.checks.push_back(Check{.name = c["name"].text(),
                             .expression = c["expression"].text(),
                             .column = c["column"].optional_text().value_or(""),
                             .valid = c["valid"].boolean()});
  });
  t.partition_by = n["partition_by"].optional_text();
  t.partition_of = n["partition_of"].optional_text();
  t.partition_bound = n["partition_bound"].optional_text();
  t.inherits = n["inherits"].texts();
  t.row_security = n["row_security"].boolean();
  t.force_row_security = n["force_row_security"].boolean();
  t.engine = n["engine"].optional_text();
  t.collation = n["collation"].optional_text();
  t.row_format = n["row_format"].optional_text();
  t.partitioning = n["partitioning"].optional_text();
  t.strict = n["strict"].boolean();
  t.without_rowid = n["without_rowid"].boolean();
  t.privileges = privileges_of(n);
  return t;
}

Sequence sequence_from(const Node& n) {
  return Sequence{.schema = n["schema"].text(),
                  .name = n["name"].text(),
                  .data_type = n["data_type"].text(),
                  .start = n["start"].integer<std::int64_t>(),
                  .increment = n["increment"].integer<std::int64_t>(),
                  .min_value = n["min_value"].integer<std::int64_t>(),
                  .max_value = n["max_value"].integer<std::int64_t>(),
                  .cache = n["cache"].integer<std::int64_t>(),
                  .cycle = n["cycle"].boolean(),
                  .owned_by = n["owned_by"].optional_text(),
                  .privileges = privileges_of(n)};
}

View view_from(const Node& n) {
  return View{.schema = n["schema"].text(),
              .name = n["name"].text(),
              .definition = n["definition"].text(),
              .materialized = n["materialized"].boolean(),
              .comment = n["comment"].optional_text(),
              .options = n["options"].text(),
              .check_option = n["check_option"].text(),
              .privileges = privileges_of(n)};
}

SchemaObject object_from(const Node& n) {
  return SchemaObject{.kind = n["kind"].named(object_kind_from_string, "object kind"),
                      .schema = n["schema"].text(),
                      .name = n["name"].text(),
                      .signature = n["signature"].text(),
                      .table = n["table"].text(),
                      .definition = n["definition"].texts(),
                      .replace_key = n["replace_key"].text(),
                      .version = n["version"].optional_text(),
                      .uses = n["uses"].texts(),
                      .privileges = privileges_of(n)};
}

}  // namespace

json to_json(const Catalog& catalog) {
  json tables = json::array();
  for (const Table& t : catalog.tables) {
    tables.push_back(table_json(t));
    add_privileges(tables.back(), t.privileges);
  }
  json sequences = json::array();
  for (const Sequence& s : catalog.sequences) {
    sequences.push_back(json{{"schema", s.schema},
                             {"name", s.name},
                             {"data_type", s.data_type},
                             {"start", s.start},
                             {"increment", s.increment},
                             {"min_value", s.min_value},
                             {"max_value", s.max_value},
                             {"cache", s.cache},
                             {"cycle", s.cycle},
                             {"owned_by", optional_text(s.owned_by)}});
    add_privileges(sequences.back(), s.privileges);
  }
  json enums = json::array();
  for (const EnumType& e : catalog.enums) {
    enums.push_back(json{{"schema", e.schema}, {"name", e.name}, {"labels", e.labels}});
  }
  json views = json::array();
  for (const View& v : catalog.views) {
    views.push_back(json{{"schema", v.schema},
                         {"name", v.name},
                         {"definition", v.definition},
                         {"materialized", v.materialized},
                         {"options", v.options},
                         {"check_option", v.check_option},
                         {"comment", optional_text(v.comment)}});
    add_privileges(views.back(), v.privileges);
  }
  json objects = json::array();
  for (const SchemaObject& o : catalog.objects) {
    objects.push_back(json{{"kind", to_string(o.kind)},
                           {"schema", o.schema},
                           {"name", o.name},
                           {"signature", o.signature},
                           {"table", o.table},
                           {"definition", o.definition},
                           {"replace_key", o.replace_key},
                           {"version", optional_text(o.version)},
                           {"uses", o.uses}});
    add_privileges(objects.back(), o.privileges);
  }
  json unmodelled = json::array();
  for (const UnmodelledObject& u : catalog.unmodelled)
    unmodelled.push_back(json{{"kind", u.kind}, {"name", u.name}});
  json doc{{"format", k_catalog_format},
           {"dialect", to_string(catalog.dialect)},
           {"server_version", catalog.server_version},
           {"database", catalog.database},
           {"schemas", catalog.schemas},
           {"schema_comments", catalog.schema_comments},
           {"tables", std::move(tables)},
           {"sequences", std::move(sequences)},
           {"enums", std::move(enums)},
           {"views", std::move(views)},
           {"objects", std::move(objects)},
           {"unmodelled", std::move(unmodelled)}};
  if (!catalog.schema_privileges.empty()) {
    json schemas = json::object();
    for (const auto& [name, p] : catalog.schema_privileges)
      schemas[name] = privileges_json(p);
    doc["schema_privileges"] = std::move(schemas);
  }
  if (!catalog.roles.empty())
    doc["roles"] = catalog.roles;
  return doc;
}

Catalog catalog_from_json(const json& doc) {
  const Node root(doc);
  if (const std::string format = root["format"].text(); format != k_catalog_format)
    root["format"].fail("\"" + format + "\" is not \"" + k_catalog_format + "\"");
  Catalog catalog;
  catalog.dialect = root["dialect"].named(dialect_from_string, "dialect");
  catalog.server_version = root["server_version"].text();
  catalog.database = root["database"].text();
  catalog.schemas = root["schemas"].texts();
  catalog.schema_comments = root["schema_comments"].text_map();
  root["tables"].each([&](const Node& n) { catalog.tables.push_back(table_from(n)); });
  root["sequences"].each([&](const Node& n) { catalog.sequences.push_back(sequence_from(n)); });
  root["enums"].each([&](const Node& n) {
    catalog.enums.push_back(EnumType{
        .schema = n["schema"].text(), .name = n["name"].text(), .labels = n["labels"].texts()});
  });
  root["views"].each([&](const Node& n) { catalog.views.push_back(view_from(n)); });
  root["objects"].each([&](const Node& n) { catalog.objects.push_back(object_from(n)); });
  root["unmodelled"].each([&](const Node& n) {
    catalog.unmodelled.push_back(
        UnmodelledObject{.kind = n["kind"].text(), .name = n["name"].text()});
  });
  if (root.has("schema_privileges")) {
    root["schema_privileges"].each_member([&](const std::string& name, const Node& n) {
      catalog.schema_privileges.emplace(name, privileges_from(n));
    });
  }
  if (root.has("roles"))
    catalog.roles = root["roles"].texts();
  return catalog;
}

}  // namespace ferry::schema
