// convert_catalog(): a catalog of one dialect as the catalog of a database of another.
//
// Each direction starts from a realistic catalog built by hand the way its connector reads it
// (declared types as the server prints them, serial / AUTO_INCREMENT / rowid keys, an enum, a
// foreign key with ON DELETE CASCADE, a check, a view, a routine, a trigger, an expression
// index) and checks the converted columns, identities, schemas, keys and notes, and that
// diff() against an empty catalog of the target plans the tables.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "ferry/common/error.hpp"
#include "ferry/schema/catalog.hpp"
#include "ferry/schema/convert.hpp"
#include "ferry/schema/plan.hpp"

namespace ferry::schema {
namespace {

Column column(std::string name, std::string declared, LogicalType type, bool nullable = true,
              std::optional<std::string> default_expr = std::nullopt) {
  Column c;
  c.name = std::move(name);
  c.declared_type = std::move(declared);
  c.type = type;
  c.nullable = nullable;
  c.default_expr = std::move(default_expr);
  return c;
}

void add(Table& t, Column c) {
  c.position = static_cast<int>(t.columns.size()) + 1;
  t.columns.push_back(std::move(c));
}

const Table& table(const Catalog& catalog, std::string_view schema, std::string_view name) {
  const Table* t = catalog.find_table(schema, name);
  if (t == nullptr)
    throw std::runtime_error("no table " + std::string(name));
  return *t;
}

const Column& col(const Table& t, std::string_view name) {
  const Column* c = t.find_column(name);
  if (c == nullptr)
    throw std::runtime_error("no column " + t.name + "." + std::string(name));
  return *c;
}

const Index* find_index(const Table& t, std::string_view name) {
  for (const Index& i : t.indexes) {
    if (i.name == name)
      return &i;
  }
  return nullptr;
}

// Whether some note contains every one of `parts`.
bool noted(const Converted& converted, std::initializer_list<std::string_view> parts) {
  return std::any_of(converted.notes.begin(), converted.notes.end(), [&](const std::string& n) {
    return std::all_of(parts.begin(), parts.end(),
                       [&](std::string_view p) { return n.find(p) != std::string::npos; });
  });
}

std::string notes_text(const Converted& converted) {
  std::string out;
  for (const std::string& n : converted.notes)
    out += "  " + n + "\n";
  return out;
}

// Every statement of the plan that creates `converted` in an empty database of its dialect.
std::string create_sql(const Catalog& converted) {
  Catalog empty;
  empty.dialect = converted.dialect;
  std::string out;
  for (const std::string& s : diff(converted, empty, {}).statements())
    out += s + ";\n";
  return out;
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// A shop as PostgreSQL's connector reads it: a serial and an identity key, a varchar, an
// indexed text, numeric(12,2), timestamptz, boolean, jsonb, uuid, bytea, an enum, a foreign
// key with ON DELETE CASCADE, checks, an expression index, a view, a function, a trigger.
Catalog postgres_shop() {
  Catalog c;
  c.dialect = Dialect::postgres;
  c.server_version = "15.6";
  c.database = "shop";
  c.schemas = {"public", "sales"};

  Table customers;
  customers.schema = "public";
  customers.name = "customers";
  customers.comment = "people who buy";
  add(customers,
      column("id", "integer", LogicalType::int32, false, "nextval('customers_id_seq'::regclass)"));
  add(customers, column("email", "character varying(40)", LogicalType::text, false));
  add(customers, column("name", "text", LogicalType::text));
  add(customers, column("active", "boolean", LogicalType::boolean, false, "true"));
  add(customers,
      column("created_at", "timestamp with time zone", LogicalType::timestamptz, false, "now()"));
  add(customers, column("avatar", "bytea", LogicalType::bytes));
  add(customers, column("country", "character(2)", LogicalType::text, true, "'NL'::bpchar"));
  customers.primary_key = PrimaryKey{"customers_pkey", {"id"}};
  customers.uniques.push_back(UniqueConstraint{"customers_email_key", {"email"}});
  customers.indexes.push_back(
      Index{.name = "customers_name_idx", .keys = {IndexKey{.column = "name"}}, .method = "btree"});
  customers.indexes.push_back(Index{.name = "customers_lower_email_idx",
                                    .keys = {IndexKey{.expression = "lower((email)::text)"}},
                                    .method = "btree"});
  customers.checks.push_back(
      Check{.name = "customers_email_check", .expression = "((email)::text <> ''::text)"});

  Table orders;
  orders.schema = "public";
  orders.name = "orders";
  Column id = column("id", "bigint", LogicalType::int64, false);
  id.identity = Identity::by_default;
  id.identity_options =
      "START WITH 1 INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 CACHE 1 NO CYCLE";
  add(orders, id);
  add(orders, column("customer_id", "integer", LogicalType::int32, false));
  add(orders, column("total", "numeric(12,2)", LogicalType::numeric, false, "0"));
  add(orders,
      column("status", "order_status", LogicalType::enumeration, false, "'new'::order_status"));
  add(orders, column("payload", "jsonb", LogicalType::json, true, "'{}'::jsonb"));
  add(orders, column("token", "uuid", LogicalType::uuid, false, "gen_random_uuid()"));
  add(orders, column("placed_on", "date", LogicalType::date, false, "CURRENT_DATE"));
  add(orders,
      column("note", "character varying", LogicalType::text, true, "'it''s'::character varying"));
  orders.primary_key = PrimaryKey{"orders_pkey", {"id"}};
  orders.foreign_keys.push_back(ForeignKey{.name = "orders_customer_id_fkey",
                                           .columns = {"customer_id"},
                                           .ref_schema = "public",
                                           .ref_table = "customers",
                                           .ref_columns = {"id"},
                                           .on_delete = FkAction::cascade});
  orders.indexes.push_back(Index{.name = "orders_customer_id_idx",
                                 .keys = {IndexKey{.column = "customer_id"}},
                                 .method = "btree"});
  orders.checks.push_back(Check{.name = "orders_total_check", .expression = "(total >= 0)"});

  // Another schema: flattened, its index name shared with public's.
  Table invoices;
  invoices.schema = "sales";
  invoices.name = "invoices";
  add(invoices, column("id", "integer", LogicalType::int32, false,
                       "nextval('sales.invoices_id_seq'::regclass)"));
  add(invoices, column("order_id", "bigint", LogicalType::int64, false));
  add(invoices, column("number", "integer", LogicalType::int32, false,
                       "nextval('invoice_numbers'::regclass)"));
  invoices.primary_key = PrimaryKey{"invoices_pkey", {"id"}};
  invoices.foreign_keys.push_back(ForeignKey{.name = "invoices_order_id_fkey",
                                             .columns = {"order_id"},
                                             .ref_schema = "public",
                                             .ref_table = "orders",
                                             .ref_columns = {"id"},
                                             .deferrable = true});
  invoices.indexes.push_back(Index{
      .name = "customers_name_idx", .keys = {IndexKey{.column = "order_id"}}, .method = "btree"});

  c.tables = {customers, orders, invoices};
  c.sequences.push_back(Sequence{.schema = "public",
                                 .name = "customers_id_seq",
                                 .data_type = "integer",
                                 .max_value = 2147483647,
                                 .owned_by = "customers.id"});
  c.sequences.push_back(Sequence{.schema = "public",
                                 .name = "orders_id_seq",
                                 .data_type = "bigint",
                                 .max_value = 9223372036854775807,
                                 .owned_by = "orders.id"});
  c.sequences.push_back(Sequence{.schema = "sales",
                                 .name = "invoices_id_seq",
                                 .data_type = "integer",
                                 .max_value = 2147483647,
                                 .owned_by = "invoices.id"});
  c.sequences.push_back(Sequence{.schema = "public",
                                 .name = "invoice_numbers",
                                 .data_type = "bigint",
                                 .max_value = 9223372036854775807});
  c.enums.push_back(EnumType{"public", "order_status", {"new", "paid", "it's shipped"}});
  c.enums.push_back(EnumType{"public", "mood", {"happy", "sad"}});
  c.views.push_back(View{.schema = "public",
                         .name = "order_totals",
                         .definition = " SELECT customer_id, sum(total) AS total FROM orders"});
  c.objects.push_back(SchemaObject{.kind = ObjectKind::function,
                                   .schema = "public",
                                   .name = "touch",
                                   .signature = "()",
                                   .definition = {"CREATE FUNCTION public.touch() ..."}});
  c.objects.push_back(SchemaObject{.kind = ObjectKind::trigger,
                                   .schema = "public",
                                   .name = "orders_touch",
                                   .table = "orders",
                                   .definition = {"CREATE TRIGGER orders_touch ..."}});
  c.unmodelled.push_back(UnmodelledObject{"aggregate", "public.median(numeric)"});
  c.tables[0].privileges.owner = "shop";
  sort_catalog(c);
  return c;
}

// The same shop as MariaDB's connector reads it.
Catalog mysql_shop() {
  Catalog c;
  c.dialect = Dialect::mysql;
  c.server_version = "10.11.6-MariaDB";
  c.database = "shop";

  Table customers;
  customers.name = "customers";
  customers.engine = "InnoDB";
  customers.collation = "utf8mb4_general_ci";
  customers.comment = "people who buy";
  Column id = column("id", "int(11)", LogicalType::int32, false);
  id.identity = Identity::auto_increment;
  add(customers, id);
  add(customers, column("email", "varchar(40)", LogicalType::text, false));
  add(customers, column("name", "text", LogicalType::text));
  add(customers, column("active", "tinyint(1)", LogicalType::boolean, false, "1"));
  Column created =
      column("created_at", "timestamp", LogicalType::timestamptz, false, "current_timestamp()");
  created.on_update = "current_timestamp()";
  add(customers, created);
  add(customers, column("avatar", "longblob", LogicalType::bytes));
  Column nick = column("nick", "varchar(20)", LogicalType::text, true, "'o\\'neil\\\\'");
  nick.collation = "utf8mb4_bin";
  nick.comment = "shown to others";
  add(customers, nick);
  customers.primary_key = PrimaryKey{"PRIMARY", {"id"}};
  customers.uniques.push_back(UniqueConstraint{"email", {"email"}});
  customers.indexes.push_back(Index{
      .name = "idx_name", .keys = {IndexKey{.column = "name", .length = 20}}, .method = "btree"});
  customers.indexes.push_back(
      Index{.name = "ft_name", .keys = {IndexKey{.column = "name"}}, .method = "fulltext"});
  customers.checks.push_back(Check{.name = "email_not_empty", .expression = "`email` <> ''"});

  Table orders;
  orders.name = "orders";
  orders.engine = "InnoDB";
  orders.collation = "utf8mb4_general_ci";
  Column oid = column("id", "bigint(20) unsigned", LogicalType::numeric, false);
  oid.identity = Identity::auto_increment;
  add(orders, oid);
  add(orders, column("customer_id", "int(11)", LogicalType::int32, false));
  add(orders, column("total", "decimal(12,2)", LogicalType::numeric, false, "0.00"));
  add(orders, column("status", "enum('new','paid','it''s shipped','back\\\\slash')",
                     LogicalType::enumeration, false, "'new'"));
  add(orders, column("payload", "json", LogicalType::json));
  add(orders, column("token", "uuid", LogicalType::uuid, false, "uuid()"));
  add(orders, column("placed_on", "date", LogicalType::date, false, "curdate()"));
  add(orders, column("placed_at", "datetime(3)", LogicalType::timestamp, true,
                     "'0000-00-00 00:00:00.000'"));
  add(orders, column("count", "int(10) unsigned", LogicalType::int64, false, "0"));
  Column gross = column("gross", "decimal(13,2)", LogicalType::numeric);
  gross.generated_expr = "`total` * 1.21";
  add(orders, gross);
  orders.primary_key = PrimaryKey{"PRIMARY", {"id"}};
  orders.foreign_keys.push_back(ForeignKey{.name = "orders_ibfk_1",
                                           .columns = {"customer_id"},
                                           .ref_schema = "",
                                           .ref_table = "customers",
                                           .ref_columns = {"id"},
                                           .on_delete = FkAction::cascade});
  orders.indexes.push_back(
      Index{.name = "idx_name", .keys = {IndexKey{.column = "placed_on"}}, .method = "btree"});

  Table lines;
  lines.name = "order_lines";
  lines.engine = "MyISAM";
  add(lines, column("order_id", "bigint(20) unsigned", LogicalType::numeric, false));
  add(lines, column("line", "smallint(6)", LogicalType::int16, false));
  lines.primary_key = PrimaryKey{"PRIMARY", {"order_id", "line"}};
  lines.foreign_keys.push_back(ForeignKey{.name = "order_lines_ibfk_1",
                                          .columns = {"order_id"},
                                          .ref_schema = "",
                                          .ref_table = "orders",
                                          .ref_columns = {"id"}});

  c.tables = {customers, orders, lines};
  c.views.push_back(View{.name = "order_totals", .definition = "select 1"});
  c.objects.push_back(SchemaObject{.kind = ObjectKind::procedure, .name = "close_orders"});
  c.objects.push_back(
      SchemaObject{.kind = ObjectKind::trigger, .name = "orders_touch", .table = "orders"});
  c.objects.push_back(SchemaObject{.kind = ObjectKind::event, .name = "nightly"});
  sort_catalog(c);
  return c;
}

// The shop as SQLite's connector reads it.
Catalog sqlite_shop() {
  Catalog c;
  c.dialect = Dialect::sqlite;
  c.server_version = "3.40.1";
  c.database = "/tmp/shop.db";

  Table customers;
  customers.name = "customers";
  add(customers, column("id", "INTEGER", LogicalType::int64, false));  // the rowid
  add(customers, column("email", "VARCHAR(40)", LogicalType::text, false));
  add(customers, column("name", "TEXT", LogicalType::text));
  add(customers, column("active", "BOOLEAN", LogicalType::boolean, false, "1"));
  add(customers,
      column("created_at", "TIMESTAMP", LogicalType::timestamp, false, "CURRENT_TIMESTAMP"));
  add(customers, column("avatar", "BLOB", LogicalType::bytes));
  Column nick = column("nick", "TEXT", LogicalType::text, true, "'o''neil'");
  nick.collation = "NOCASE";
  add(customers, nick);
  customers.primary_key = PrimaryKey{"customers_pkey", {"id"}};
  customers.uniques.push_back(UniqueConstraint{"customers_email_key", {"email"}});
  customers.indexes.push_back(
      Index{.name = "customers_name", .keys = {IndexKey{.column = "name"}}, .method = "btree"});
  customers.indexes.push_back(Index{.name = "customers_lower_email",
                                    .keys = {IndexKey{.expression = "lower(email)"}},
                                    .method = "btree"});
  customers.checks.push_back(Check{.name = "customers_email_check", .expression = "email <> ''"});

  Table orders;
  orders.name = "orders";
  Column id = column("id", "INTEGER", LogicalType::int64, false);
  id.identity = Identity::auto_increment;
  add(orders, id);
  add(orders, column("customer_id", "INTEGER", LogicalType::int64, false));
  add(orders, column("total", "NUMERIC(12,2)", LogicalType::numeric, false, "0"));
  add(orders, column("payload", "JSON", LogicalType::json));
  add(orders, column("token", "UUID", LogicalType::uuid));
  add(orders,
      column("placed_at", "TIMESTAMPTZ", LogicalType::timestamptz, true, "(datetime('now'))"));
  add(orders, column("ratio", "REAL", LogicalType::float64, true, "0.5"));
  add(orders, column("open", "BOOLEAN", LogicalType::boolean, false, "TRUE"));
  orders.primary_key = PrimaryKey{"orders_pkey", {"id"}};
  orders.foreign_keys.push_back(ForeignKey{.name = "orders_customer_id_fkey",
                                           .columns = {"customer_id"},
                                           .ref_schema = "",
                                           .ref_table = "customers",
                                           .ref_columns = {"id"},
                                           .on_delete = FkAction::cascade});
  orders.indexes.push_back(Index{.name = "orders_open",
                                 .keys = {IndexKey{.column = "customer_id"}},
                                 .method = "btree",
                                 .predicate = "open"});
  orders.checks.push_back(Check{.name = "orders_total_check", .expression = "total >= 0"});

  c.tables = {customers, orders};
  c.views.push_back(View{.name = "order_totals", .definition = "SELECT 1"});
  c.objects.push_back(
      SchemaObject{.kind = ObjectKind::trigger, .name = "orders_touch", .table = "orders"});
  sort_catalog(c);
  return c;
}

TEST(Convert, SameDialectIsUnchanged) {
  const Catalog source = postgres_shop();
  const Converted converted = convert_catalog(source, Dialect::postgres);
  EXPECT_EQ(fingerprint(converted.catalog), fingerprint(source));
  EXPECT_EQ(converted.catalog.server_version, source.server_version);
  EXPECT_TRUE(converted.notes.empty());
}

TEST(Convert, PostgresToSqlite) {
  const Converted converted = convert_catalog(postgres_shop(), Dialect::sqlite);
  SCOPED_TRACE(notes_text(converted));
  const Catalog& c = converted.catalog;
  EXPECT_EQ(c.dialect, Dialect::sqlite);
  EXPECT_EQ(c.database, "shop");
  EXPECT_TRUE(c.schemas.empty());
  EXPECT_TRUE(c.sequences.empty());
  EXPECT_TRUE(c.enums.empty());
  EXPECT_TRUE(c.views.empty());
  EXPECT_TRUE(c.objects.empty());

  const Table& customers = table(c, "", "customers");
  EXPECT_EQ(customers.comment, std::nullopt);  // SQLite has no comments
  // The serial key becomes the rowid, numbered by AUTOINCREMENT.
  EXPECT_EQ(col(customers, "id").declared_type, "INTEGER");
  EXPECT_EQ(col(customers, "id").type, LogicalType::int64);
  EXPECT_EQ(col(customers, "id").identity, Identity::auto_increment);
  EXPECT_EQ(col(customers, "id").default_expr, std::nullopt);
  EXPECT_EQ(col(customers, "email").declared_type, "VARCHAR(40)");
  EXPECT_EQ(col(customers, "name").declared_type, "TEXT");
  EXPECT_EQ(col(customers, "active").declared_type, "BOOLEAN");
  EXPECT_EQ(col(customers, "active").default_expr, "1");
  EXPECT_EQ(col(customers, "created_at").declared_type, "TIMESTAMPTZ");
  EXPECT_EQ(col(customers, "created_at").type, LogicalType::timestamptz);
  EXPECT_EQ(col(customers, "created_at").default_expr, "CURRENT_TIMESTAMP");
  EXPECT_EQ(col(customers, "avatar").declared_type, "BLOB");
  EXPECT_EQ(col(customers, "country").declared_type, "VARCHAR(2)");
  EXPECT_EQ(col(customers, "country").default_expr, "'NL'");
  EXPECT_NE(find_index(customers, "customers_name_idx"), nullptr);
  EXPECT_EQ(find_index(customers, "customers_lower_email_idx"), nullptr);
  EXPECT_TRUE(customers.checks.empty());

  const Table& orders = table(c, "", "orders");
  EXPECT_EQ(col(orders, "id").declared_type, "INTEGER");
  EXPECT_EQ(col(orders, "id").identity, Identity::auto_increment);
  EXPECT_EQ(col(orders, "id").identity_options, std::nullopt);
  EXPECT_EQ(col(orders, "customer_id").declared_type, "INTEGER");
  EXPECT_EQ(col(orders, "total").declared_type, "NUMERIC(12,2)");
  EXPECT_EQ(col(orders, "total").type, LogicalType::numeric);
  EXPECT_EQ(col(orders, "total").default_expr, "0");
  EXPECT_EQ(col(orders, "status").declared_type, "TEXT");
  EXPECT_EQ(col(orders, "status").type, LogicalType::text);
  EXPECT_EQ(col(orders, "status").default_expr, "'new'");
  EXPECT_EQ(col(orders, "payload").declared_type, "TEXT");
  EXPECT_EQ(col(orders, "payload").type, LogicalType::text);
  EXPECT_EQ(col(orders, "payload").default_expr, "'{}'");
  EXPECT_EQ(col(orders, "token").declared_type, "UUID");
  EXPECT_EQ(col(orders, "token").default_expr, std::nullopt);
  EXPECT_EQ(col(orders, "placed_on").default_expr, "CURRENT_DATE");
  EXPECT_EQ(col(orders, "note").default_expr, "'it''s'");
  ASSERT_EQ(orders.foreign_keys.size(), 1u);
  EXPECT_EQ(orders.foreign_keys[0].ref_schema, "");
  EXPECT_EQ(orders.foreign_keys[0].ref_table, "customers");
  EXPECT_EQ(orders.foreign_keys[0].on_delete, FkAction::cascade);

  // sales.invoices: flattened; its serial is not the rowid's, its index renamed.
  const Table& invoices = table(c, "", "invoices");
  EXPECT_EQ(col(invoices, "id").identity, Identity::auto_increment);
  EXPECT_EQ(col(invoices, "number").identity, Identity::none);
  EXPECT_EQ(col(invoices, "number").default_expr, std::nullopt);
  EXPECT_EQ(invoices.foreign_keys.at(0).ref_schema, "");
  EXPECT_TRUE(invoices.foreign_keys.at(0).deferrable);  // SQLite has DEFERRABLE
  EXPECT_NE(find_index(invoices, "invoices_customers_name_idx"), nullptr);

  EXPECT_TRUE(noted(converted, {"schema sales flattened"}));
  EXPECT_TRUE(noted(
      converted, {"index public.customers.customers_lower_email_idx not carried", "expression"}));
  EXPECT_TRUE(noted(converted, {"check public.customers.customers_email_check not carried"}));
  EXPECT_TRUE(noted(converted, {"check public.orders.orders_total_check not carried"}));
  EXPECT_TRUE(noted(converted, {"column public.orders.status", "TEXT"}));
  EXPECT_TRUE(noted(converted, {"column public.orders.token", "gen_random_uuid()", "dropped"}));
  EXPECT_TRUE(noted(converted, {"column public.orders.payload: jsonb stored as TEXT"}));
  EXPECT_TRUE(noted(converted, {"column sales.invoices.number", "nextval('invoice_numbers'"}));
  EXPECT_TRUE(noted(converted, {"index customers_name_idx on invoices renamed "
                                "invoices_customers_name_idx"}));
  EXPECT_TRUE(noted(converted, {"sequence public.invoice_numbers not carried"}));
  EXPECT_TRUE(noted(converted, {"enum public.mood not carried"}));
  EXPECT_FALSE(noted(converted, {"enum public.order_status"}));
  EXPECT_TRUE(noted(converted, {"view public.order_totals not carried"}));
  EXPECT_TRUE(noted(converted, {"function public.touch() not carried"}));
  EXPECT_TRUE(noted(converted, {"trigger public.orders.orders_touch not carried"}));
  EXPECT_TRUE(noted(converted, {"aggregate public.median(numeric) not carried"}));
  EXPECT_TRUE(noted(converted, {"owners and grants not carried"}));
  EXPECT_FALSE(noted(converted, {"customers_id_seq"}));

  const std::string sql = create_sql(c);
  EXPECT_TRUE(contains(sql,
                       "CREATE TABLE \"customers\" (\n  \"id\" INTEGER CONSTRAINT "
                       "\"customers_pkey\" PRIMARY KEY AUTOINCREMENT NOT NULL"))
      << sql;
  EXPECT_TRUE(contains(sql, "\"total\" NUMERIC(12,2) NOT NULL DEFAULT 0")) << sql;
  EXPECT_TRUE(contains(sql,
                       "FOREIGN KEY (\"customer_id\") REFERENCES \"customers\" (\"id\") ON "
                       "DELETE CASCADE"))
      << sql;
  EXPECT_TRUE(contains(sql, "CREATE INDEX \"invoices_customers_name_idx\" ON \"invoices\"")) << sql;
}

TEST(Convert, PostgresToMysql) {
  const Converted converted = convert_catalog(postgres_shop(), Dialect::mysql);
  SCOPED_TRACE(notes_text(converted));
  const Catalog& c = converted.catalog;
  EXPECT_EQ(c.dialect, Dialect::mysql);
  EXPECT_TRUE(c.schemas.empty());
  EXPECT_TRUE(c.sequences.empty());
  EXPECT_TRUE(c.enums.empty());

  const Table& customers = table(c, "", "customers");
  EXPECT_EQ(customers.comment, "people who buy");
  EXPECT_EQ(customers.engine, std::nullopt);  // the server's default, InnoDB
  EXPECT_EQ(customers.primary_key->name, "PRIMARY");
  EXPECT_EQ(col(customers, "id").declared_type, "int");
  EXPECT_EQ(col(customers, "id").identity, Identity::auto_increment);
  EXPECT_EQ(col(customers, "id").default_expr, std::nullopt);
  EXPECT_EQ(col(customers, "email").declared_type, "varchar(40)");
  // An indexed text keeps its type; the index takes a prefix.
  EXPECT_EQ(col(customers, "name").declared_type, "longtext");
  const Index* name_index = find_index(customers, "customers_name_idx");
  ASSERT_NE(name_index, nullptr);
  EXPECT_EQ(name_index->keys.at(0).length, 255);
  EXPECT_EQ(col(customers, "active").declared_type, "tinyint(1)");
  EXPECT_EQ(col(customers, "active").default_expr, "1");
  EXPECT_EQ(col(customers, "created_at").declared_type, "timestamp(6)");
  EXPECT_EQ(col(customers, "created_at").type, LogicalType::timestamptz);
  EXPECT_EQ(col(customers, "created_at").default_expr, "current_timestamp(6)");
  EXPECT_EQ(col(customers, "avatar").declared_type, "longblob");
  EXPECT_EQ(col(customers, "country").declared_type, "varchar(2)");

  const Table& orders = table(c, "", "orders");
  EXPECT_EQ(col(orders, "id").declared_type, "bigint");
  EXPECT_EQ(col(orders, "id").identity, Identity::auto_increment);
  EXPECT_EQ(col(orders, "id").identity_options, std::nullopt);
  EXPECT_EQ(col(orders, "customer_id").declared_type, "int");
  EXPECT_EQ(col(orders, "total").declared_type, "decimal(12,2)");
  EXPECT_EQ(col(orders, "status").declared_type, "enum('new','paid','it''s shipped')");
  EXPECT_EQ(col(orders, "status").type, LogicalType::enumeration);
  EXPECT_EQ(col(orders, "status").default_expr, "'new'");
  EXPECT_EQ(col(orders, "payload").declared_type, "json");
  EXPECT_EQ(col(orders, "payload").default_expr, "('{}')");  // MySQL 8: an expression
  EXPECT_EQ(col(orders, "token").declared_type, "uuid");
  EXPECT_EQ(col(orders, "placed_on").default_expr, "curdate()");
  EXPECT_EQ(col(orders, "note").declared_type, "longtext");
  EXPECT_EQ(col(orders, "note").default_expr, "('it''s')");
  ASSERT_EQ(orders.foreign_keys.size(), 1u);
  EXPECT_EQ(orders.foreign_keys[0].ref_schema, "");
  EXPECT_EQ(orders.foreign_keys[0].on_delete, FkAction::cascade);

  const Table& invoices = table(c, "", "invoices");
  EXPECT_EQ(col(invoices, "id").identity, Identity::auto_increment);
  EXPECT_FALSE(invoices.foreign_keys.at(0).deferrable);
  // Per table in MySQL: the index keeps its name.
  EXPECT_NE(find_index(invoices, "customers_name_idx"), nullptr);

  EXPECT_TRUE(noted(converted, {"column public.customers.created_at", "timestamp(6)", "2038"}));
  EXPECT_TRUE(noted(converted, {"index public.customers.customers_name_idx", "first 255"}));
  EXPECT_TRUE(noted(
      converted, {"foreign key sales.invoices.invoices_order_id_fkey", "DEFERRABLE not carried"}));
  EXPECT_TRUE(noted(converted, {"column sales.invoices.number: default "
                                "nextval('invoice_numbers'::regclass) dropped"}));
  EXPECT_TRUE(noted(converted, {"check public.orders.orders_total_check not carried"}));
  EXPECT_TRUE(noted(converted, {"index public.customers.customers_lower_email_idx not carried"}));
  EXPECT_TRUE(noted(converted, {"view public.order_totals not carried"}));
  EXPECT_TRUE(noted(converted, {"function public.touch() not carried"}));
  EXPECT_TRUE(noted(converted, {"trigger public.orders.orders_touch not carried"}));
  EXPECT_TRUE(noted(converted, {"enum public.mood not carried"}));

  const std::string sql = create_sql(c);
  EXPECT_TRUE(contains(sql, "CREATE TABLE `customers` (\n  `id` int NOT NULL AUTO_INCREMENT"))
      << sql;
  EXPECT_TRUE(contains(sql, "`status` enum('new','paid','it''s shipped') NOT NULL DEFAULT 'new'"))
      << sql;
  EXPECT_TRUE(contains(sql, "`payload` json NULL DEFAULT (('{}'))")) << sql;
  EXPECT_TRUE(contains(sql, "CREATE INDEX `customers_name_idx` ON `customers` (`name`(255))"))
      << sql;
  EXPECT_TRUE(contains(sql,
                       "ALTER TABLE `orders` ADD CONSTRAINT `orders_customer_id_fkey` "
                       "FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE "
                       "CASCADE"))
      << sql;
}

TEST(Convert, MysqlToPostgres) {
  const Converted converted = convert_catalog(mysql_shop(), Dialect::postgres);
  SCOPED_TRACE(notes_text(converted));
  const Catalog& c = converted.catalog;
  EXPECT_EQ(c.dialect, Dialect::postgres);
  EXPECT_EQ(c.schemas, std::vector<std::string>{"public"});
  EXPECT_TRUE(c.sequences.empty());

  const Table& customers = table(c, "public", "customers");
  EXPECT_EQ(customers.engine, std::nullopt);
  EXPECT_EQ(customers.collation, std::nullopt);
  EXPECT_EQ(customers.comment, "people who buy");
  EXPECT_EQ(customers.primary_key->name, "customers_pkey");
  const Column& id = col(customers, "id");
  EXPECT_EQ(id.declared_type, "integer");
  EXPECT_EQ(id.identity, Identity::by_default);
  EXPECT_EQ(id.identity_options,
            "START WITH 1 INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 CACHE 1 NO CYCLE");
  EXPECT_EQ(col(customers, "email").declared_type, "character varying(40)");
  EXPECT_EQ(col(customers, "name").declared_type, "text");
  EXPECT_EQ(col(customers, "active").declared_type, "boolean");
  EXPECT_EQ(col(customers, "active").default_expr, "true");
  EXPECT_EQ(col(customers, "created_at").declared_type, "timestamp with time zone");
  EXPECT_EQ(col(customers, "created_at").default_expr, "CURRENT_TIMESTAMP");
  EXPECT_EQ(col(customers, "created_at").on_update, std::nullopt);
  EXPECT_EQ(col(customers, "avatar").declared_type, "bytea");
  EXPECT_EQ(col(customers, "nick").default_expr, "'o''neil\\'");
  EXPECT_EQ(col(customers, "nick").collation, std::nullopt);
  EXPECT_EQ(col(customers, "nick").comment, "shown to others");
  // Unique names are per schema in PostgreSQL: MySQL's per-table "idx_name" twice.
  EXPECT_EQ(customers.uniques.at(0).name, "email");
  const Index* name_index = find_index(customers, "idx_name");
  ASSERT_NE(name_index, nullptr);
  EXPECT_EQ(name_index->keys.at(0).length, std::nullopt);
  EXPECT_EQ(find_index(customers, "ft_name"), nullptr);

  const Table& orders = table(c, "public", "orders");
  EXPECT_EQ(col(orders, "id").declared_type, "bigint");
  EXPECT_EQ(col(orders, "id").type, LogicalType::int64);
  EXPECT_EQ(col(orders, "id").identity, Identity::by_default);
  EXPECT_EQ(col(orders, "customer_id").declared_type, "integer");
  EXPECT_EQ(col(orders, "total").declared_type, "numeric(12,2)");
  EXPECT_EQ(col(orders, "total").default_expr, "0.00");
  EXPECT_EQ(col(orders, "status").declared_type, "orders_status");
  EXPECT_EQ(col(orders, "status").type, LogicalType::enumeration);
  EXPECT_EQ(col(orders, "status").default_expr, "'new'");
  ASSERT_EQ(c.enums.size(), 1u);
  EXPECT_EQ(c.enums[0].schema, "public");
  EXPECT_EQ(c.enums[0].name, "orders_status");
  EXPECT_EQ(c.enums[0].labels,
            (std::vector<std::string>{"new", "paid", "it's shipped", "back\\slash"}));
  EXPECT_EQ(col(orders, "payload").declared_type, "json");
  EXPECT_EQ(col(orders, "token").declared_type, "uuid");
  EXPECT_EQ(col(orders, "token").default_expr, std::nullopt);
  EXPECT_EQ(col(orders, "placed_on").default_expr, "CURRENT_DATE");
  EXPECT_EQ(col(orders, "placed_at").declared_type, "timestamp without time zone");
  EXPECT_EQ(col(orders, "count").declared_type, "bigint");
  EXPECT_EQ(col(orders, "gross").declared_type, "numeric(13,2)");
  EXPECT_EQ(col(orders, "gross").generated_expr, std::nullopt);
  ASSERT_EQ(orders.foreign_keys.size(), 1u);
  EXPECT_EQ(orders.foreign_keys[0].ref_schema, "public");
  EXPECT_EQ(orders.foreign_keys[0].on_delete, FkAction::cascade);
  EXPECT_NE(find_index(orders, "orders_idx_name"), nullptr);

  // bigint unsigned referencing the (now bigint) key takes its type.
  const Table& lines = table(c, "public", "order_lines");
  EXPECT_EQ(col(lines, "order_id").declared_type, "bigint");
  EXPECT_EQ(col(lines, "line").declared_type, "smallint");
  EXPECT_EQ(lines.primary_key->name, "order_lines_pkey");

  EXPECT_TRUE(noted(converted, {"column orders.id", "bigint(20) unsigned", "signed 64-bit"}));
  EXPECT_TRUE(noted(converted, {"column orders.status", "public.orders_status"}));
  EXPECT_TRUE(noted(converted, {"column customers.created_at: ON UPDATE current_timestamp()"}));
  EXPECT_TRUE(noted(converted, {"column customers.nick: collation utf8mb4_bin not carried"}));
  EXPECT_TRUE(noted(converted, {"column orders.token: default uuid() dropped"}));
  EXPECT_TRUE(noted(converted, {"column orders.placed_at: default", "dropped: MySQL's zero date"}));
  EXPECT_TRUE(noted(converted, {"column orders.gross: generated column"}));
  EXPECT_TRUE(noted(converted, {"column order_lines.order_id", "like the key orders.id"}));
  EXPECT_TRUE(noted(converted, {"index idx_name on orders renamed orders_idx_name"}));
  EXPECT_TRUE(noted(converted, {"index customers.ft_name not carried", "fulltext"}));
  EXPECT_TRUE(noted(converted, {"check customers.email_not_empty not carried"}));
  EXPECT_TRUE(noted(converted, {"table order_lines: engine MyISAM not carried"}));
  EXPECT_FALSE(noted(converted, {"engine InnoDB"}));
  EXPECT_TRUE(noted(converted, {"view order_totals not carried"}));
  EXPECT_TRUE(noted(converted, {"procedure close_orders not carried"}));
  EXPECT_TRUE(noted(converted, {"trigger orders.orders_touch not carried"}));
  EXPECT_TRUE(noted(converted, {"event nightly not carried"}));

  const std::string sql = create_sql(c);
  EXPECT_TRUE(contains(sql,
                       "CREATE TYPE \"public\".\"orders_status\" AS ENUM ('new', 'paid', "
                       "'it''s shipped', 'back\\slash')"))
      << sql;
  EXPECT_TRUE(contains(sql,
                       "CREATE TABLE \"public\".\"customers\" (\n  \"id\" integer GENERATED "
                       "BY DEFAULT AS IDENTITY (START WITH 1"))
      << sql;
  EXPECT_TRUE(contains(sql, "\"status\" orders_status DEFAULT 'new' NOT NULL")) << sql;
  EXPECT_TRUE(contains(sql, "CONSTRAINT \"orders_pkey\" PRIMARY KEY (\"id\")")) << sql;
  EXPECT_TRUE(contains(sql, "REFERENCES \"public\".\"customers\" (\"id\") ON DELETE CASCADE"))
      << sql;
}

TEST(Convert, SqliteToPostgres) {
  const Converted converted = convert_catalog(sqlite_shop(), Dialect::postgres);
  SCOPED_TRACE(notes_text(converted));
  const Catalog& c = converted.catalog;
  EXPECT_EQ(c.schemas, std::vector<std::string>{"public"});

  const Table& customers = table(c, "public", "customers");
  // INTEGER PRIMARY KEY is numbered by SQLite even without AUTOINCREMENT.
  EXPECT_EQ(col(customers, "id").declared_type, "bigint");
  EXPECT_EQ(col(customers, "id").identity, Identity::by_default);
  EXPECT_EQ(col(customers, "email").declared_type, "character varying(40)");
  EXPECT_EQ(col(customers, "active").default_expr, "true");
  EXPECT_EQ(col(customers, "created_at").declared_type, "timestamp without time zone");
  EXPECT_EQ(col(customers, "created_at").default_expr, "CURRENT_TIMESTAMP");
  EXPECT_EQ(col(customers, "avatar").declared_type, "bytea");
  EXPECT_EQ(col(customers, "nick").default_expr, "'o''neil'");
  EXPECT_NE(find_index(customers, "customers_name"), nullptr);
  EXPECT_EQ(find_index(customers, "customers_lower_email"), nullptr);

  const Table& orders = table(c, "public", "orders");
  EXPECT_EQ(col(orders, "id").declared_type, "bigint");
  EXPECT_EQ(col(orders, "id").identity, Identity::by_default);
  EXPECT_EQ(col(orders, "customer_id").declared_type, "bigint");
  EXPECT_EQ(col(orders, "total").declared_type, "numeric(12,2)");
  EXPECT_EQ(col(orders, "payload").declared_type, "json");
  EXPECT_EQ(col(orders, "token").declared_type, "uuid");
  EXPECT_EQ(col(orders, "placed_at").declared_type, "timestamp with time zone");
  EXPECT_EQ(col(orders, "placed_at").default_expr, std::nullopt);
  EXPECT_EQ(col(orders, "ratio").declared_type, "double precision");
  EXPECT_EQ(col(orders, "open").default_expr, "true");
  EXPECT_EQ(orders.foreign_keys.at(0).ref_schema, "public");
  EXPECT_EQ(orders.foreign_keys.at(0).on_delete, FkAction::cascade);
  EXPECT_TRUE(orders.indexes.empty());

  EXPECT_TRUE(noted(converted, {"column customers.id: INTEGER PRIMARY KEY (the rowid) made an "
                                "identity"}));
  EXPECT_FALSE(noted(converted, {"column orders.id"}));
  EXPECT_TRUE(noted(converted, {"column customers.nick: collation NOCASE not carried"}));
  EXPECT_TRUE(noted(converted, {"column orders.placed_at: default (datetime('now')) dropped"}));
  EXPECT_TRUE(noted(converted, {"index orders.orders_open not carried", "partial"}));
  EXPECT_TRUE(noted(converted, {"index customers.customers_lower_email not carried"}));
  EXPECT_TRUE(noted(converted, {"check orders.orders_total_check not carried"}));
  EXPECT_TRUE(noted(converted, {"view order_totals not carried"}));
  EXPECT_TRUE(noted(converted, {"trigger orders.orders_touch not carried"}));

  const std::string sql = create_sql(c);
  EXPECT_TRUE(contains(sql,
                       "\"id\" bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 1 "
                       "INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 CACHE 1 NO "
                       "CYCLE) NOT NULL"))
      << sql;
  EXPECT_TRUE(contains(sql, "\"total\" numeric(12,2) DEFAULT 0 NOT NULL")) << sql;
  EXPECT_TRUE(contains(sql, "CREATE INDEX \"customers_name\" ON \"public\".\"customers\"")) << sql;
}

TEST(Convert, SqliteToMysql) {
  const Converted converted = convert_catalog(sqlite_shop(), Dialect::mysql);
  SCOPED_TRACE(notes_text(converted));
  const Catalog& c = converted.catalog;
  EXPECT_TRUE(c.schemas.empty());

  const Table& customers = table(c, "", "customers");
  EXPECT_EQ(col(customers, "id").declared_type, "bigint");
  EXPECT_EQ(col(customers, "id").identity, Identity::auto_increment);
  EXPECT_EQ(col(customers, "email").declared_type, "varchar(40)");
  EXPECT_EQ(col(customers, "name").declared_type, "longtext");
  EXPECT_EQ(find_index(customers, "customers_name")->keys.at(0).length, 255);
  EXPECT_EQ(col(customers, "active").default_expr, "1");
  EXPECT_EQ(col(customers, "created_at").declared_type, "datetime(6)");
  EXPECT_EQ(col(customers, "created_at").type, LogicalType::timestamp);
  EXPECT_EQ(col(customers, "created_at").default_expr, "current_timestamp(6)");
  EXPECT_EQ(col(customers, "avatar").declared_type, "longblob");
  EXPECT_EQ(col(customers, "nick").default_expr, "('o''neil')");

  const Table& orders = table(c, "", "orders");
  EXPECT_EQ(col(orders, "id").identity, Identity::auto_increment);
  EXPECT_EQ(col(orders, "customer_id").declared_type, "bigint");
  EXPECT_EQ(col(orders, "total").declared_type, "decimal(12,2)");
  EXPECT_EQ(col(orders, "payload").declared_type, "json");
  EXPECT_EQ(col(orders, "token").declared_type, "uuid");
  EXPECT_EQ(col(orders, "placed_at").declared_type, "timestamp(6)");
  EXPECT_EQ(col(orders, "ratio").declared_type, "double");
  EXPECT_EQ(orders.foreign_keys.at(0).ref_schema, "");
  EXPECT_EQ(orders.foreign_keys.at(0).on_delete, FkAction::cascade);

  EXPECT_TRUE(noted(converted, {"index customers.customers_name", "first 255"}));
  EXPECT_TRUE(noted(converted, {"column customers.id: INTEGER PRIMARY KEY (the rowid) made "
                                "AUTO_INCREMENT"}));
  EXPECT_TRUE(noted(converted, {"column orders.placed_at", "timestamp(6)", "2038"}));
  EXPECT_TRUE(noted(converted, {"check customers.customers_email_check not carried"}));
  EXPECT_TRUE(noted(converted, {"view order_totals not carried"}));
  EXPECT_TRUE(noted(converted, {"trigger orders.orders_touch not carried"}));

  const std::string sql = create_sql(c);
  EXPECT_TRUE(contains(sql, "`id` bigint NOT NULL AUTO_INCREMENT")) << sql;
  EXPECT_TRUE(contains(sql, "`created_at` datetime(6) NOT NULL DEFAULT current_timestamp(6)"))
      << sql;
  EXPECT_TRUE(contains(sql,
                       "FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE "
                       "CASCADE"))
      << sql;
}

TEST(Convert, MysqlToSqlite) {
  const Converted converted = convert_catalog(mysql_shop(), Dialect::sqlite);
  SCOPED_TRACE(notes_text(converted));
  const Catalog& c = converted.catalog;
  const Table& orders = table(c, "", "orders");
  // bigint unsigned AUTO_INCREMENT: the rowid.
  EXPECT_EQ(col(orders, "id").declared_type, "INTEGER");
  EXPECT_EQ(col(orders, "id").identity, Identity::auto_increment);
  EXPECT_EQ(col(orders, "status").declared_type, "TEXT");
  EXPECT_EQ(col(orders, "count").declared_type, "BIGINT");
  EXPECT_EQ(col(orders, "placed_on").default_expr, "CURRENT_DATE");
  EXPECT_EQ(orders.primary_key->name, "orders_pkey");
  const Table& customers = table(c, "", "customers");
  EXPECT_EQ(col(customers, "id").declared_type, "INTEGER");
  EXPECT_EQ(col(customers, "created_at").declared_type, "TIMESTAMPTZ");
  EXPECT_EQ(col(customers, "nick").comment, std::nullopt);
  // bigint unsigned is wider than SQLite's exact NUMERIC, but referencing the rowid it is one.
  const Table& lines = table(c, "", "order_lines");
  EXPECT_EQ(col(lines, "order_id").declared_type, "INTEGER");
  EXPECT_EQ(col(lines, "order_id").type, LogicalType::int64);
  EXPECT_TRUE(noted(converted, {"column order_lines.order_id: stored as INTEGER, not TEXT"}));
  EXPECT_TRUE(noted(converted, {"column orders.status", "stored as TEXT"}));
  EXPECT_TRUE(noted(converted, {"event nightly not carried"}));

  const std::string sql = create_sql(c);
  EXPECT_TRUE(contains(sql, "\"id\" INTEGER CONSTRAINT \"orders_pkey\" PRIMARY KEY AUTOINCREMENT"))
      << sql;
}

// Unbounded text in a MySQL key becomes varchar(255), a PostgreSQL unique one too.
TEST(Convert, TextKeysIntoMysql) {
  Catalog source;
  source.dialect = Dialect::postgres;
  source.schemas = {"public"};
  Table tags;
  tags.schema = "public";
  tags.name = "tags";
  add(tags, column("name", "text", LogicalType::text, false));
  add(tags, column("blob", "bytea", LogicalType::bytes));
  add(tags, column("long", "character varying(2000)", LogicalType::text));
  tags.primary_key = PrimaryKey{"tags_pkey", {"name"}};
  tags.uniques.push_back(UniqueConstraint{"tags_blob_key", {"blob"}});
  tags.indexes.push_back(
      Index{.name = "tags_long_idx", .keys = {IndexKey{.column = "long"}}, .method = "btree"});
  source.tables = {tags};
  const Converted converted = convert_catalog(source, Dialect::mysql);
  SCOPED_TRACE(notes_text(converted));
  const Table& t = table(converted.catalog, "", "tags");
  EXPECT_EQ(col(t, "name").declared_type, "varchar(255)");
  EXPECT_EQ(col(t, "blob").declared_type, "varbinary(255)");
  EXPECT_EQ(col(t, "long").declared_type, "varchar(2000)");
  EXPECT_EQ(find_index(t, "tags_long_idx")->keys.at(0).length, 768);
  EXPECT_TRUE(noted(converted, {"column public.tags.name: stored as varchar(255), not longtext"}));
  EXPECT_TRUE(noted(converted, {"column public.tags.blob: stored as varbinary(255)"}));
}

TEST(Convert, NumericWithoutPrecision) {
  Catalog source;
  source.dialect = Dialect::postgres;
  Table t;
  t.schema = "public";
  t.name = "amounts";
  add(t, column("exact", "numeric", LogicalType::numeric));
  add(t, column("wide", "numeric(30,10)", LogicalType::numeric));
  add(t, column("span", "interval", LogicalType::interval));
  add(t, column("ratio", "real", LogicalType::float32));
  add(t, column("n", "smallint", LogicalType::int16, true, "'-1'::integer"));
  source.tables = {t};

  const Converted mysql = convert_catalog(
      [&] {
        Catalog c = source;
        c.tables[0].columns.erase(c.tables[0].columns.begin() + 2);  // no interval in MySQL
        return c;
      }(),
      Dialect::mysql);
  EXPECT_EQ(col(mysql.catalog.tables.at(0), "exact").declared_type, "decimal(38,10)");
  EXPECT_EQ(col(mysql.catalog.tables.at(0), "wide").declared_type, "decimal(30,10)");
  EXPECT_EQ(col(mysql.catalog.tables.at(0), "n").default_expr, "-1");
  EXPECT_TRUE(noted(mysql, {"column public.amounts.exact", "decimal(38,10)"}));

  const Converted sqlite = convert_catalog(source, Dialect::sqlite);
  const Table& s = sqlite.catalog.tables.at(0);
  EXPECT_EQ(col(s, "exact").declared_type, "TEXT");
  EXPECT_EQ(col(s, "exact").type, LogicalType::text);
  EXPECT_EQ(col(s, "wide").declared_type, "TEXT");
  EXPECT_EQ(col(s, "span").declared_type, "TEXT");
  EXPECT_EQ(col(s, "ratio").declared_type, "FLOAT4");
  EXPECT_EQ(col(s, "ratio").type, LogicalType::float32);
  EXPECT_EQ(col(s, "n").declared_type, "SMALLINT");
  EXPECT_TRUE(noted(sqlite, {"column public.amounts.wide", "15 significant digits"}));
  EXPECT_TRUE(noted(sqlite, {"column public.amounts.span", "TEXT"}));
}

TEST(Convert, RefusesTypesMysqlCannotHold) {
  Catalog source;
  source.dialect = Dialect::postgres;
  Table t;
  t.schema = "public";
  t.name = "events";
  add(t, column("id", "integer", LogicalType::int32, false));
  add(t, column("tags", "text[]", LogicalType::other));
  add(t, column("span", "interval", LogicalType::interval));
  add(t, column("huge", "numeric(100,2)", LogicalType::numeric));
  source.tables = {t};
  try {
    convert_catalog(source, Dialect::mysql);
    FAIL() << "expected Error(usage)";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
    const std::string message = e.what();
    EXPECT_TRUE(contains(message, "column public.events.tags: type text[]")) << message;
    EXPECT_TRUE(contains(message, "column public.events.span: type interval")) << message;
    EXPECT_TRUE(contains(message, "column public.events.huge: type numeric(100,2)")) << message;
    EXPECT_FALSE(contains(message, "events.id")) << message;
  }
}

TEST(Convert, RefusesTablesThatCollideOnceFlattened) {
  Catalog source;
  source.dialect = Dialect::postgres;
  source.schemas = {"public", "sales"};
  for (const char* schema : {"public", "sales"}) {
    Table t;
    t.schema = schema;
    t.name = "users";
    add(t, column("id", "integer", LogicalType::int32, false));
    source.tables.push_back(t);
  }
  Table upper;
  upper.schema = "public";
  upper.name = "Orders";
  add(upper, column("id", "integer", LogicalType::int32, false));
  Table lower = upper;
  lower.name = "orders";
  source.tables.push_back(upper);
  source.tables.push_back(lower);
  sort_catalog(source);
  try {
    convert_catalog(source, Dialect::sqlite);
    FAIL() << "expected Error(usage)";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
    const std::string message = e.what();
    EXPECT_TRUE(contains(message, "tables public.users and sales.users would both be named users"))
        << message;
    // SQLite's names ignore case.
    EXPECT_TRUE(contains(message, "public.Orders and public.orders")) << message;
  }
  // MySQL's table names keep case: only the schemas collide.
  try {
    convert_catalog(source, Dialect::mysql);
    FAIL() << "expected Error(usage)";
  } catch (const Error& e) {
    EXPECT_FALSE(contains(e.what(), "Orders")) << e.what();
  }
}

TEST(Convert, PartitionsAreReadThroughTheirParent) {
  Catalog source;
  source.dialect = Dialect::postgres;
  Table parent;
  parent.schema = "public";
  parent.name = "events";
  parent.partition_by = "RANGE (at)";
  add(parent, column("at", "date", LogicalType::date, false));
  Table part = parent;
  part.name = "events_2026";
  part.partition_by.reset();
  part.partition_of = "public.events";
  part.partition_bound = "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')";
  source.tables = {parent, part};
  const Converted converted = convert_catalog(source, Dialect::sqlite);
  ASSERT_EQ(converted.catalog.tables.size(), 1u);
  EXPECT_EQ(converted.catalog.tables[0].name, "events");
  EXPECT_EQ(converted.catalog.tables[0].partition_by, std::nullopt);
  EXPECT_TRUE(noted(converted, {"table public.events_2026 not carried", "partition"}));
  EXPECT_TRUE(noted(converted, {"table public.events: PARTITION BY RANGE (at) not carried"}));
}

}  // namespace
}  // namespace ferry::schema
