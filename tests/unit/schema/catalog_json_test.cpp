#include "ferry/schema/catalog_json.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "ferry/common/error.hpp"

namespace ferry::schema {
namespace {

using nlohmann::json;

// Table has no operator== (row_estimate is not part of its equality): every field, one by
// one, row_estimate included, so a failure names the field.
void expect_same_table(const Table& a, const Table& b) {
  SCOPED_TRACE("table " + a.qualified_name());
  EXPECT_EQ(a.schema, b.schema);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.columns, b.columns);
  EXPECT_EQ(a.primary_key, b.primary_key);
  EXPECT_EQ(a.uniques, b.uniques);
  EXPECT_EQ(a.indexes, b.indexes);
  EXPECT_EQ(a.foreign_keys, b.foreign_keys);
  EXPECT_EQ(a.checks, b.checks);
  EXPECT_EQ(a.comment, b.comment);
  EXPECT_EQ(a.index_comments, b.index_comments);
  EXPECT_EQ(a.constraint_comments, b.constraint_comments);
  EXPECT_EQ(a.partition_by, b.partition_by);
  EXPECT_EQ(a.partition_of, b.partition_of);
  EXPECT_EQ(a.partition_bound, b.partition_bound);
  EXPECT_EQ(a.inherits, b.inherits);
  EXPECT_EQ(a.row_security, b.row_security);
  EXPECT_EQ(a.force_row_security, b.force_row_security);
  EXPECT_EQ(a.engine, b.engine);
  EXPECT_EQ(a.collation, b.collation);
  EXPECT_EQ(a.row_format, b.row_format);
  EXPECT_EQ(a.partitioning, b.partitioning);
  EXPECT_EQ(a.strict, b.strict);
  EXPECT_EQ(a.without_rowid, b.without_rowid);
  EXPECT_EQ(a.privileges, b.privileges);
  EXPECT_EQ(a.row_estimate, b.row_estimate);
}

// Catalog has no operator== either. available_extensions is not in the JSON: it comes back
// empty.
void expect_same_catalog(const Catalog& a, const Catalog& b) {
  EXPECT_EQ(a.dialect, b.dialect);
  EXPECT_EQ(a.server_version, b.server_version);
  EXPECT_EQ(a.database, b.database);
  EXPECT_EQ(a.schemas, b.schemas);
  EXPECT_EQ(a.schema_comments, b.schema_comments);
  EXPECT_EQ(a.schema_privileges, b.schema_privileges);
  ASSERT_EQ(a.tables.size(), b.tables.size());
  for (std::size_t i = 0; i < a.tables.size(); ++i)
    expect_same_table(a.tables[i], b.tables[i]);
  EXPECT_EQ(a.sequences, b.sequences);
  EXPECT_EQ(a.enums, b.enums);
  EXPECT_EQ(a.views, b.views);
  EXPECT_EQ(a.objects, b.objects);
  EXPECT_EQ(a.unmodelled, b.unmodelled);
  EXPECT_EQ(a.roles, b.roles);
  EXPECT_TRUE(b.available_extensions.empty());
}

// catalog_from_json(to_json(c)), both from the document and from its text (what a snapshot
// stores; parsed back, positive integers are unsigned), checked equal to c.
void expect_round_trip(const Catalog& c) {
  const json doc = to_json(c);
  const Catalog back = catalog_from_json(doc);
  expect_same_catalog(c, back);
  EXPECT_EQ(to_json(back), doc);
  const Catalog from_text = catalog_from_json(json::parse(doc.dump()));
  expect_same_catalog(c, from_text);
  EXPECT_EQ(to_json(from_text).dump(), doc.dump());
}

Privileges privileges(std::string owner) {
  return Privileges{.owner = std::move(owner),
                    .grants = {{.grantee = "PUBLIC", .privilege = "SELECT"},
                               {.grantee = "app", .privilege = "UPDATE", .grantable = true}}};
}

// A catalog with every field of every kind of item set to something other than its default
// (no server makes such a catalog: the round trip does not care).
Catalog full_catalog() {
  Catalog c;
  c.dialect = Dialect::postgres;
  c.server_version = "16.4";
  c.database = "shop";
  c.schemas = {"audit", "public"};
  c.schema_comments = {{"public", "standard public schema"}, {"audit", "who did what"}};
  c.schema_privileges = {{"public", privileges("pg_database_owner")},
                         {"audit", Privileges{.owner = "auditor"}}};
  c.roles = {"app", "auditor", "pg_database_owner"};

  Table t;
  t.schema = "public";
  t.name = "orders";
  t.columns = {
      {.name = "id",
       .position = 1,
       .declared_type = "bigint",
       .type = LogicalType::int64,
       .nullable = false,
       .identity = Identity::always,
       .identity_options = "START WITH 1 INCREMENT BY 1 MINVALUE 1 MAXVALUE "
                           "9223372036854775807 NO CYCLE"},
      {.name = "total",
       .position = 2,
       .declared_type = "numeric(12,2)",
       .type = LogicalType::numeric,
       .nullable = false,
       .default_expr = "0",
       .collation = "\"public\".\"numeric_ci\"",
       .comment = "gross, in cents\nwith \"quotes\" and ünïcode",
       .inherited = true,
       .on_update = "current_timestamp()"},
      {.name = "total_with_tax",
       .position = 3,
       .declared_type = "numeric(12,2)",
       .type = LogicalType::numeric,
       .generated_expr = "(total * 1.2)",
       .generated_stored = true},
      {.name = "status",
       .position = 4,
       .declared_type = "order_status",
       .type = LogicalType::enumeration,
       .identity = Identity::by_default},
  };
  t.primary_key = PrimaryKey{.name = "orders_pkey", .columns = {"id"}};
  t.uniques = {{.name = "orders_total_status_key",
                .columns = {"total", "status"},
                .deferrable = true,
                .initially_deferred = true}};
  t.indexes = {
      {.name = "orders_expr_idx",
       .keys = {{.expression = "lower(status::text)",
                 .descending = true,
                 .opclass = "text_pattern_ops",
                 .collation = "C"},
                {.column = "total", .length = 10, .collation = "\"de_DE\""}},
       .include = {"id", "status"},
       .unique = true,
       .method = "btree",
       .predicate = "(total > 0)",
       .ignored = true},
      {.name = "orders_status_idx", .keys = {{.column = "status"}}, .method = "hash"},
  };
  t.foreign_keys = {{.name = "orders_customer_fkey",
                     .columns = {"status"},
                     .ref_schema = "audit",
                     .ref_table = "customers",
                     .ref_columns = {"code"},
                     .on_delete = FkAction::cascade,
                     .on_update = FkAction::set_null,
                     .deferrable = true,
                     .initially_deferred = true,
                     .valid = false},
                    {.name = "orders_parent_fkey",
                     .columns = {"id"},
                     .ref_schema = "public",
                     .ref_table = "all_orders",
                     .ref_columns = {"id"},
                     .on_delete = FkAction::restrict,
                     .on_update = FkAction::set_default}};
  t.checks = {{.name = "orders_total_check", .expression = "(total >= 0)", .valid = false},
              {.name = "total", .expression = "`total` < 1000000", .column = "total"}};
  t.comment = "one row per order";
  t.index_comments = {{"orders_expr_idx", "for the search page"}};
  t.constraint_comments = {{"orders_pkey", "surrogate"}, {"orders_total_check", "no refunds"}};
  t.partition_by = "RANGE (id)";
  t.partition_of = "public.all_orders";
  t.partition_bound = "FOR VALUES FROM (1) TO (1000)";
  t.inherits = {"public.base", "public.stamped"};
  t.row_security = true;
  t.force_row_security = true;
  t.engine = "InnoDB";
  t.collation = "utf8mb4_unicode_ci";
  t.row_format = "DYNAMIC";
  t.partitioning = "PARTITION BY HASH (`id`)\nPARTITIONS 4";
  t.strict = true;
  t.without_rowid = true;
  t.privileges = privileges("shop_owner");
  t.row_estimate = 12345;
  c.tables.push_back(t);

  Table bare;
  bare.schema = "public";
  bare.name = "tags";
  bare.columns = {{.name = "tag", .position = 1, .declared_type = "text"}};
  c.tables.push_back(bare);

  c.sequences = {{.schema = "public",
                  .name = "invoice_no",
                  .data_type = "bigint",
                  .start = -5,
                  .increment = -1,
                  .min_value = std::numeric_limits<std::int64_t>::min(),
                  .max_value = std::numeric_limits<std::int64_t>::max(),
                  .cache = 20,
                  .cycle = true,
                  .owned_by = "orders.id",
                  .privileges = privileges("shop_owner")},
                 {.schema = "public", .name = "plain", .data_type = "integer"}};
  c.enums = {{.schema = "public", .name = "order_status", .labels = {"new", "paid", "shipped"}},
             {.schema = "public", .name = "empty"}};
  c.views = {{.schema = "public",
              .name = "big_orders",
              .definition = " SELECT id\n   FROM orders\n  WHERE total > 100;",
              .materialized = true,
              .comment = "refreshed nightly",
              .options = "security_barrier=true",
              .check_option = "WITH CASCADED CHECK OPTION",
              .privileges = privileges("reporter")},
             {.schema = "public", .name = "plain_view", .definition = "SELECT 1;"}};
  c.objects = {
      {.kind = ObjectKind::extension,
       .schema = "public",
       .name = "pgcrypto",
       .definition = {"CREATE EXTENSION pgcrypto WITH SCHEMA public;"},
       .replace_key = "public",
       .version = "1.3"},
      {.kind = ObjectKind::function,
       .schema = "public",
       .name = "order_total",
       .signature = "(integer, text)",
       .definition = {"CREATE OR REPLACE FUNCTION public.order_total(a integer, b text)\n"
                      " RETURNS numeric\n LANGUAGE sql\nAS $$ SELECT 1 $$;"},
       .replace_key = "RETURNS numeric",
       .uses = {"public.orders", "public.order_status"},
       .privileges = privileges("shop_owner")},
      {.kind = ObjectKind::trigger,
       .schema = "public",
       .name = "orders_audit",
       .table = "orders",
       .definition = {"CREATE TRIGGER orders_audit ...;",
                      "ALTER TABLE public.orders DISABLE TRIGGER orders_audit;"},
       .uses = {"public.order_total(integer, text)"}},
      {.kind = ObjectKind::event, .name = "nightly", .definition = {"CREATE EVENT nightly ..."}},
  };
  c.unmodelled = {{.kind = "aggregate", .name = "public.median"},
                  {.kind = "foreign table", .name = "public.remote"}};
  return c;
}

// The keys (as paths with array indices left out: "tables.columns.default") that hold no
// value other than null, false, "", [] or {} anywhere in `doc`: the fields a catalog does not
// exercise.
void collect_keys(const json& value, const std::string& path, std::set<std::string>& all,
                  std::set<std::string>& set) {
  if (value.is_array()) {
    for (const json& item : value)
      collect_keys(item, path, all, set);
    return;
  }
  if (!value.is_object())
    return;
  for (const auto& [key, member] : value.items()) {
    const std::string p = path.empty() ? key : path + "." + key;
    all.insert(p);
    const bool unset = member.is_null() || member == false || member == "" ||
                       ((member.is_array() || member.is_object()) && member.empty());
    if (!unset)
      set.insert(p);
    // Maps keyed by name (comments, schema privileges) are values, not structure.
    if (!key.ends_with("comments") && key != "schema_privileges")
      collect_keys(member, p, all, set);
  }
}

std::set<std::string> unexercised_keys(const json& doc) {
  std::set<std::string> all;
  std::set<std::string> set;
  collect_keys(doc, "", all, set);
  std::set<std::string> out;
  for (const std::string& key : all) {
    if (!set.contains(key))
      out.insert(key);
  }
  return out;
}

TEST(CatalogJson, FullCatalogExercisesEveryKey) {
  const json doc = to_json(full_catalog());
  EXPECT_EQ(unexercised_keys(doc), std::set<std::string>{});
  // The optional members to_json writes only when there is something to write.
  EXPECT_TRUE(doc.contains("schema_privileges"));
  EXPECT_TRUE(doc.contains("roles"));
  EXPECT_TRUE(doc["tables"][0].contains("privileges"));
  EXPECT_TRUE(doc["sequences"][0].contains("privileges"));
  EXPECT_TRUE(doc["views"][0].contains("privileges"));
  EXPECT_TRUE(doc["objects"][1].contains("privileges"));
}

TEST(CatalogJson, RoundTripsEveryField) {
  expect_round_trip(full_catalog());
}

TEST(CatalogJson, RoundTripsWithoutPrivilegesOrRoles) {
  Catalog c = full_catalog();
  c.schema_privileges.clear();
  c.roles.clear();
  for (Table& t : c.tables)
    t.privileges = {};
  for (Sequence& s : c.sequences)
    s.privileges = {};
  for (View& v : c.views)
    v.privileges = {};
  for (SchemaObject& o : c.objects)
    o.privileges = {};
  const json doc = to_json(c);
  EXPECT_FALSE(doc.contains("schema_privileges"));
  EXPECT_FALSE(doc.contains("roles"));
  EXPECT_FALSE(doc["tables"][0].contains("privileges"));
  expect_round_trip(c);
}

TEST(CatalogJson, RoundTripsAnEmptyCatalog) {
  expect_round_trip(Catalog{});
}

TEST(CatalogJson, RoundTripsEveryEnumerator) {
  for (Dialect d : {Dialect::postgres, Dialect::mysql, Dialect::sqlite}) {
    EXPECT_EQ(dialect_from_string(to_string(d)), d);
    Catalog c;
    c.dialect = d;
    expect_round_trip(c);
  }
  EXPECT_EQ(dialect_from_string("postgresql"), std::nullopt);

  Catalog c;
  c.dialect = Dialect::mysql;
  Table t;
  t.name = "every_type";
  int position = 0;
  for (int i = 0; i <= static_cast<int>(LogicalType::other); ++i) {
    const auto type = static_cast<LogicalType>(i);
    EXPECT_EQ(logical_type_from_string(to_string(type)), type);
    t.columns.push_back({.name = std::string("c_") + to_string(type),
                         .position = ++position,
                         .declared_type = "x",
                         .type = type});
  }
  for (Identity identity :
       {Identity::none, Identity::always, Identity::by_default, Identity::auto_increment}) {
    EXPECT_EQ(identity_from_string(to_string(identity)), identity);
    t.columns.push_back({.name = std::string("i_") + to_string(identity),
                         .position = ++position,
                         .declared_type = "integer",
                         .type = LogicalType::int32,
                         .identity = identity});
  }
  EXPECT_EQ(identity_from_string("identity"), std::nullopt);
  for (FkAction action : {FkAction::no_action, FkAction::restrict, FkAction::cascade,
                          FkAction::set_null, FkAction::set_default}) {
    t.foreign_keys.push_back({.name = std::string("fk_") + to_string(action),
                              .columns = {"c_int32"},
                              .ref_table = "every_type",
                              .ref_columns = {"c_int64"},
                              .on_delete = action,
                              .on_update = action});
  }
  c.tables.push_back(t);
  for (int i = 0; i <= static_cast<int>(ObjectKind::event); ++i) {
    const auto kind = static_cast<ObjectKind>(i);
    EXPECT_EQ(object_kind_from_string(to_string(kind)), kind);
    c.objects.push_back({.kind = kind, .name = std::string("o_") + to_string(kind)});
  }
  expect_round_trip(c);
}

// What the connectors make of each dialect, by hand: the fields each one sets.
TEST(CatalogJson, RoundTripsMysqlAndSqliteTables) {
  Catalog mysql;
  mysql.dialect = Dialect::mysql;
  mysql.server_version = "11.4.2-MariaDB";
  mysql.database = "shop";
  Table m;
  m.name = "events";
  m.columns = {{.name = "id",
                .position = 1,
                .declared_type = "int(11)",
                .type = LogicalType::int32,
                .nullable = false,
                .identity = Identity::auto_increment},
               {.name = "changed",
                .position = 2,
                .declared_type = "timestamp",
                .type = LogicalType::timestamp,
                .default_expr = "current_timestamp()",
                .on_update = "current_timestamp()"},
               {.name = "name",
                .position = 3,
                .declared_type = "varchar(40)",
                .type = LogicalType::text,
                .collation = "utf8mb4_bin"}};
  m.primary_key = PrimaryKey{.name = "PRIMARY", .columns = {"id"}};
  m.indexes = {
      {.name = "name_prefix", .keys = {{.column = "name", .length = 8}}, .method = "btree"},
      {.name = "by_func",
       .keys = {{.expression = "lcase(`name`)"}},
       .method = "btree",
       .ignored = true},
      {.name = "ft", .keys = {{.column = "name"}}, .method = "fulltext"}};
  m.checks = {{.name = "name", .expression = "`name` <> ''", .column = "name"}};
  m.engine = "InnoDB";
  m.collation = "utf8mb4_unicode_ci";
  m.row_format = "COMPRESSED";
  m.partitioning = "PARTITION BY HASH (`id`)\nPARTITIONS 4";
  m.row_estimate = 0;
  mysql.tables.push_back(m);
  mysql.views = {{.name = "v",
                  .definition = "select 1 AS `1`",
                  .options = "ALGORITHM=MERGE SQL SECURITY INVOKER",
                  .check_option = "WITH CASCADED CHECK OPTION"}};
  mysql.sequences = {{.name = "s", .data_type = "bigint", .max_value = 9223372036854775806}};
  expect_round_trip(mysql);

  Catalog sqlite;
  sqlite.dialect = Dialect::sqlite;
  sqlite.server_version = "3.40.1";
  sqlite.database = "app.db";
  Table s;
  s.name = "kv";
  s.columns = {{.name = "k",
                .position = 1,
                .declared_type = "TEXT",
                .type = LogicalType::text,
                .nullable = false,
                .collation = "NOCASE"},
               {.name = "v", .position = 2, .declared_type = "BLOB", .type = LogicalType::bytes}};
  s.primary_key = PrimaryKey{.columns = {"k"}};
  s.indexes = {{.name = "kv_expr",
                .keys = {{.expression = "substr(v, 1, 4)", .collation = "BINARY"},
                         {.column = "k", .descending = true, .collation = "RTRIM"}},
                .method = "btree",
                .predicate = "v IS NOT NULL"}};
  s.strict = true;
  s.without_rowid = true;
  s.row_estimate = -1;
  sqlite.tables.push_back(s);
  sqlite.objects = {
      {.kind = ObjectKind::trigger,
       .name = "kv_touch",
       .table = "kv",
       .definition = {"CREATE TRIGGER kv_touch AFTER UPDATE ON kv BEGIN SELECT 1; END"}}};
  expect_round_trip(sqlite);
}

TEST(CatalogJson, AvailableExtensionsAreNotKept) {
  Catalog c;
  c.dialect = Dialect::postgres;
  c.available_extensions = {"pgcrypto", "postgis"};
  EXPECT_TRUE(catalog_from_json(to_json(c)).available_extensions.empty());
}

// The message of the Error(failure) catalog_from_json(doc) throws; "" when it throws none.
std::string error_of(const json& doc) {
  try {
    catalog_from_json(doc);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::failure);
    return e.what();
  }
  ADD_FAILURE() << "no error for " << doc.dump();
  return "";
}

void expect_error(const json& doc, std::initializer_list<std::string_view> parts) {
  const std::string message = error_of(doc);
  for (std::string_view part : parts)
    EXPECT_NE(message.find(part), std::string::npos) << "\"" << part << "\" not in: " << message;
}

TEST(CatalogJson, WrongFormatIsAnError) {
  json doc = to_json(full_catalog());
  doc["format"] = "ferry.catalog/2";
  expect_error(doc, {"format", "\"ferry.catalog/2\"", k_catalog_format});
  doc.erase("format");
  expect_error(doc, {"missing key \"format\""});
  doc["format"] = 1;
  expect_error(doc, {"format", "expected a string, got number"});
  expect_error(json::array(), {"expected an object, got array"});
}

TEST(CatalogJson, MissingKeyIsAnError) {
  json doc = to_json(full_catalog());
  doc.erase("tables");
  expect_error(doc, {"missing key \"tables\""});

  doc = to_json(full_catalog());
  doc["tables"][0]["columns"][1].erase("nullable");
  expect_error(doc, {"tables[0].columns[1]", "missing key \"nullable\""});

  doc = to_json(full_catalog());
  doc["tables"][0]["privileges"]["grants"][1].erase("grantable");
  expect_error(doc, {"tables[0].privileges.grants[1]", "missing key \"grantable\""});
}

TEST(CatalogJson, UnknownNameIsAnError) {
  json doc = to_json(full_catalog());
  doc["tables"][0]["columns"][2]["type"] = "decimal";
  expect_error(doc, {"tables[0].columns[2].type", "unknown logical type \"decimal\""});

  doc = to_json(full_catalog());
  doc["tables"][0]["columns"][0]["identity"] = "serial";
  expect_error(doc, {"tables[0].columns[0].identity", "unknown identity \"serial\""});

  doc = to_json(full_catalog());
  doc["objects"][1]["kind"] = "aggregate";
  expect_error(doc, {"objects[1].kind", "unknown object kind \"aggregate\""});

  doc = to_json(full_catalog());
  doc["dialect"] = "oracle";
  expect_error(doc, {"dialect", "unknown dialect \"oracle\""});

  doc = to_json(full_catalog());
  doc["tables"][0]["foreign_keys"][0]["on_delete"] = "cascade";
  expect_error(doc,
               {"tables[0].foreign_keys[0].on_delete", "unknown foreign key action \"cascade\""});
}

TEST(CatalogJson, WrongJsonTypeIsAnError) {
  json doc = to_json(full_catalog());
  doc["tables"][0]["columns"][0]["nullable"] = "no";
  expect_error(doc, {"tables[0].columns[0].nullable", "expected a boolean, got string"});

  doc = to_json(full_catalog());
  doc["tables"][0]["comment"] = 3;
  expect_error(doc, {"tables[0].comment", "expected a string or null, got number"});

  doc = to_json(full_catalog());
  doc["sequences"] = json::object();
  expect_error(doc, {"sequences", "expected an array, got object"});

  doc = to_json(full_catalog());
  doc["tables"][0]["columns"][0]["position"] = 1.5;
  expect_error(doc, {"tables[0].columns[0].position", "expected an integer, got number"});

  doc = to_json(full_catalog());
  doc["tables"][0]["columns"][0]["position"] = std::int64_t{1} << 40;
  expect_error(doc, {"tables[0].columns[0].position", "out of range"});

  doc = to_json(full_catalog());
  doc["sequences"][0]["max_value"] = std::numeric_limits<std::uint64_t>::max();
  expect_error(doc, {"sequences[0].max_value", "out of range"});

  doc = to_json(full_catalog());
  doc["schema_comments"]["public"] = nullptr;
  expect_error(doc, {"schema_comments[\"public\"]", "expected a string, got null"});
}

}  // namespace
}  // namespace ferry::schema
