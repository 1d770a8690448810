#include "ferry/schema/catalog_json.hpp"

#include <nlohmann/json.hpp>

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

}  // namespace ferry::schema
