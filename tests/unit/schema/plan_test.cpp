// Golden-file tests of the structure plans diff() renders in each dialect.
//
// Each scenario builds a master and a tenant catalog by hand and renders the plan as text:
// first one "-- drift <kind>: <name>" line per tenant-only object, then for each change a
// "-- <risk>: <description>" line followed by its statements, each ending in ";". The text
// is compared with unit/schema/golden/<dialect>_<scenario>.sql.
//
// After an intended change of the rendered SQL, rewrite the golden files with
//   FERRY_UPDATE_GOLDEN=1 build/tests/unit_schema --gtest_filter='Plan*'
// and read the diff of golden/ line by line: the files are the specification of the SQL, and
// a regenerated file is only as right as its review.
//
// FERRY_GOLDEN_SETUP_DIR=<dir> also writes <dir>/<dialect>_<scenario>.setup.sql, the DDL that
// creates the scenario's tenant from nothing. Running the setup file and then the golden file
// on a scratch database checks that the golden SQL runs on a real server.
//
// PlanBug tests assert the correct behaviour where the renderer or differ is known to be wrong;
// they fail until the bug they name is fixed, and have no golden file on purpose.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "ferry/common/error.hpp"
#include "ferry/common/hash128.hpp"
#include "ferry/schema/catalog.hpp"
#include "ferry/schema/plan.hpp"

#ifndef FERRY_GOLDEN_DIR
#error "tests/CMakeLists.txt defines FERRY_GOLDEN_DIR for unit_schema"
#endif

namespace ferry::schema {
namespace {

constexpr std::array<Dialect, 3> k_dialects{Dialect::postgres, Dialect::mysql, Dialect::sqlite};

std::string plan_text(const Plan& plan) {
  std::string out;
  for (const Drift& d : plan.drift)
    out += "-- drift " + d.kind + ": " + d.name + "\n";
  for (const Change& c : plan.changes) {
    out += std::string("-- ") + to_string(c.risk) + ": " + c.description + "\n";
    for (const std::string& statement : c.sql)
      out += statement + ";\n";
  }
  return out;
}

bool env_is(const char* name, std::string_view value) {
  const char* set = std::getenv(name);
  return set != nullptr && value == set;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return "<missing>";
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

std::string golden_name(Dialect dialect, std::string_view scenario) {
  return std::string(to_string(dialect)) + "_" + std::string(scenario);
}

// Diffs, compares the plan's text with the golden file (or rewrites it), returns the plan.
Plan expect_golden(std::string_view scenario, const Catalog& master, const Catalog& tenant,
                   const DiffOptions& options = {}) {
  const std::string name = golden_name(master.dialect, scenario);
  SCOPED_TRACE(name);
  const Plan plan = diff(master, tenant, options);
  const std::string text = plan_text(plan);
  const std::filesystem::path path = std::filesystem::path(FERRY_GOLDEN_DIR) / (name + ".sql");
  if (env_is("FERRY_UPDATE_GOLDEN", "1")) {
    write_file(path, text);
  } else {
    EXPECT_EQ(read_file(path), text)
        << path << " differs from the plan; if the change is intended, regenerate with "
        << "FERRY_UPDATE_GOLDEN=1 and review the diff";
  }
  if (const char* dir = std::getenv("FERRY_GOLDEN_SETUP_DIR"); dir != nullptr && *dir != 0) {
    Catalog nothing;
    nothing.dialect = tenant.dialect;
    write_file(std::filesystem::path(dir) / (name + ".setup.sql"),
               plan_text(diff(tenant, nothing, {})));
  }
  return plan;
}

enum class Null { allowed, not_null };

std::string schema_of(Dialect dialect) {
  return dialect == Dialect::postgres ? "public" : "";
}

std::string qualified(Dialect dialect, const std::string& name) {
  return dialect == Dialect::postgres ? "public." + name : name;
}

std::string int_type(Dialect dialect) {
  return dialect == Dialect::mysql ? "int" : "integer";
}

LogicalType logical_of(std::string_view type) {
  if (type == "integer" || type == "int")
    return LogicalType::int32;
  if (type == "bigint")
    return LogicalType::int64;
  if (type.starts_with("varchar") || type == "text")
    return LogicalType::text;
  if (type.starts_with("numeric"))
    return LogicalType::numeric;
  if (type.starts_with("timestamp"))
    return LogicalType::timestamp;
  return LogicalType::other;
}

Column column(std::string name, std::string type, Null null = Null::allowed,
              std::optional<std::string> default_expr = std::nullopt) {
  Column c;
  c.name = std::move(name);
  c.type = logical_of(type);
  c.declared_type = std::move(type);
  c.nullable = null == Null::allowed;
  c.default_expr = std::move(default_expr);
  return c;
}

// A surrogate key the server numbers: identity, AUTO_INCREMENT or an INTEGER PRIMARY KEY.
Column id_column(Dialect dialect) {
  Column c = column("id", dialect == Dialect::sqlite ? "integer" : "bigint", Null::not_null);
  c.identity = dialect == Dialect::postgres ? Identity::always : Identity::auto_increment;
  return c;
}

Column plain_id(Dialect) {
  return column("id", "bigint", Null::not_null);
}

// Positions follow the order of `columns`; the primary key is on the first column.
Table table(Dialect dialect, std::string name, std::vector<Column> columns) {
  Table t;
  t.schema = schema_of(dialect);
  t.name = std::move(name);
  for (std::size_t i = 0; i < columns.size(); ++i)
    columns[i].position = static_cast<int>(i) + 1;
  t.columns = std::move(columns);
  t.primary_key = PrimaryKey{.name = t.name + "_pkey", .columns = {t.columns.front().name}};
  return t;
}

View view(Dialect dialect, std::string name, std::string definition) {
  return View{.schema = schema_of(dialect), .name = std::move(name), .definition = definition};
}

Index index(std::string name, std::vector<IndexKey> keys,
            std::optional<std::string> predicate = std::nullopt) {
  return Index{
      .name = std::move(name), .keys = std::move(keys), .method = "btree", .predicate = predicate};
}

ForeignKey foreign_key(Dialect dialect, std::string name, std::string column, std::string ref_table,
                       FkAction on_delete = FkAction::no_action) {
  return ForeignKey{.name = std::move(name),
                    .columns = {std::move(column)},
                    .ref_schema = schema_of(dialect),
                    .ref_table = std::move(ref_table),
                    .ref_columns = {"id"},
                    .on_delete = on_delete};
}

Catalog catalog(Dialect dialect, std::vector<Table> tables, std::vector<View> views = {}) {
  Catalog c;
  c.dialect = dialect;
  if (dialect == Dialect::postgres)
    c.schemas = {"public"};
  c.tables = std::move(tables);
  c.views = std::move(views);
  sort_catalog(c);
  return c;
}

Table* find(Catalog& c, std::string_view name) {
  for (Table& t : c.tables) {
    if (t.name == name)
      return &t;
  }
  return nullptr;
}

Column& column_of(Catalog& c, std::string_view table_name, std::string_view column_name) {
  Table* t = find(c, table_name);
  EXPECT_NE(t, nullptr) << table_name;
  for (Column& col : t->columns) {
    if (col.name == column_name)
      return col;
  }
  ADD_FAILURE() << "no column " << column_name;
  return t->columns.front();
}

// Index of the first change whose description starts with `prefix`; -1 when none does.
int change_index(const Plan& plan, std::string_view prefix) {
  for (std::size_t i = 0; i < plan.changes.size(); ++i) {
    if (plan.changes[i].description.starts_with(prefix))
      return static_cast<int>(i);
  }
  return -1;
}

// Index of the first statement that contains `text`; -1 when none does.
int statement_index(const std::vector<std::string>& statements, std::string_view text) {
  for (std::size_t i = 0; i < statements.size(); ++i) {
    if (statements[i].find(text) != std::string::npos)
      return static_cast<int>(i);
  }
  return -1;
}

std::vector<Risk> risks(const Plan& plan) {
  std::vector<Risk> out;
  for (const Change& c : plan.changes)
    out.push_back(c.risk);
  return out;
}

// people <- invoices: invoices sorts first, so its foreign key must wait for people.
Catalog billing(Dialect d) {
  Column name = column("name", "varchar(100)");
  name.comment = "Full name, as printed";
  Table people =
      table(d, "people",
            {id_column(d), column("email", "varchar(200)", Null::not_null), std::move(name)});
  people.uniques = {{.name = "people_email_key", .columns = {"email"}}};
  people.checks = {{.name = "people_email_check", .expression = "email <> ''"}};
  people.comment = "People we bill";

  Table invoices = table(d, "invoices",
                         {id_column(d), column("person_id", "bigint", Null::not_null),
                          column("total", "numeric(12,2)", Null::not_null, "0"),
                          column("status", "varchar(20)", Null::not_null, "'open'")});
  invoices.checks = {{.name = "invoices_total_check", .expression = "total >= 0"}};
  invoices.indexes = {index("invoices_person_idx", {{.column = "person_id"}})};
  invoices.foreign_keys = {
      foreign_key(d, "invoices_person_fk", "person_id", "people", FkAction::cascade)};
  invoices.comment = "Customer's invoices";

  Catalog c = catalog(d, {std::move(people), std::move(invoices)});
  if (d == Dialect::postgres) {
    // The identity columns' own sequences, as the PostgreSQL connector lists them.
    for (const char* t : {"invoices", "people"}) {
      c.sequences.push_back({.schema = "public",
                             .name = std::string(t) + "_id_seq",
                             .data_type = "bigint",
                             .max_value = INT64_MAX,
                             .owned_by = std::string(t) + ".id"});
    }
  }
  return c;
}

TEST(PlanGolden, CreateTables) {
  for (Dialect d : k_dialects) {
    const Plan plan = expect_golden("create_tables", billing(d), catalog(d, {}));
    EXPECT_TRUE(plan.drift.empty());
    EXPECT_TRUE(plan.destructive().empty());
    const int invoices = change_index(plan, "create table " + qualified(d, "invoices"));
    const int people = change_index(plan, "create table " + qualified(d, "people"));
    ASSERT_GE(invoices, 0);
    ASSERT_GE(people, 0);
    const int fk = change_index(plan, "add foreign key");
    if (d == Dialect::sqlite) {
      EXPECT_EQ(fk, -1) << "SQLite declares foreign keys inside CREATE TABLE";
      EXPECT_NE(plan.changes[invoices].sql.front().find("REFERENCES \"people\""),
                std::string::npos);
    } else {
      EXPECT_GT(fk, std::max(invoices, people)) << "foreign key before the table it references";
      EXPECT_EQ(plan.changes[fk].risk, Risk::safe) << "a new table has no rows to violate it";
    }
    if (d == Dialect::postgres) {
      EXPECT_EQ(change_index(plan, "create sequence"), -1)
          << "an identity column's own sequence is made by the server";
    }
  }
}

Catalog items(Dialect d) {
  return catalog(d, {table(d, "items", {plain_id(d), column("name", "varchar(20)")})});
}

TEST(PlanGolden, AddNullableColumn) {
  for (Dialect d : k_dialects) {
    Catalog master = items(d);
    Table& t = master.tables.front();
    t.columns.push_back(column("note", "varchar(200)"));
    t.columns.push_back(column("qty", int_type(d), Null::not_null, "1"));
    t.columns[2].position = 3;
    t.columns[3].position = 4;
    const Plan plan = expect_golden("add_nullable_column", master, items(d));
    EXPECT_EQ(risks(plan), (std::vector<Risk>{Risk::safe, Risk::safe}));
  }
}

TEST(PlanGolden, AddNotNullColumnWithoutDefault) {
  for (Dialect d : k_dialects) {
    Catalog master = items(d);
    Table& t = master.tables.front();
    t.columns.push_back(column("code", "varchar(10)", Null::not_null));
    t.columns.back().position = 3;
    const Plan plan = expect_golden("add_not_null_column", master, items(d));
    ASSERT_EQ(plan.changes.size(), 1U);
    EXPECT_EQ(plan.changes[0].risk, Risk::data_dependent);
    if (d == Dialect::sqlite) {
      EXPECT_TRUE(plan.changes[0].description.starts_with("rebuild table items"))
          << "SQLite cannot ADD COLUMN ... NOT NULL without a default";
    }
  }
}

TEST(PlanGolden, TypeChanges) {
  for (Dialect d : k_dialects) {
    const auto make = [&](const char* a, const char* n, const char* s) {
      return catalog(
          d, {table(d, "items", {plain_id(d), column("a", a), column("n", n), column("s", s)})});
    };
    const Catalog master = make("varchar(40)", "bigint", "varchar(10)");
    const Catalog tenant = make("varchar(20)", int_type(d).c_str(), "varchar(40)");
    const Plan plan = expect_golden("type_changes", master, tenant);
    if (d == Dialect::sqlite) {
      ASSERT_EQ(plan.changes.size(), 1U) << "one rebuild carries every change of the table";
      EXPECT_EQ(plan.changes[0].risk, Risk::destructive);
    } else {
      EXPECT_EQ(risks(plan), (std::vector<Risk>{Risk::safe, Risk::rewrite, Risk::destructive}));
    }
    const std::vector<const Change*> destructive = plan.destructive();
    ASSERT_EQ(destructive.size(), 1U);
    EXPECT_NE(destructive[0]->description.find("varchar(40) -> varchar(10)"), std::string::npos);
  }
}

TEST(PlanGolden, NullabilityAndDefaults) {
  for (Dialect d : k_dialects) {
    const std::string i = int_type(d);
    const Catalog tenant = catalog(
        d,
        {table(d, "items",
               {plain_id(d), column("a", "varchar(20)"), column("b", "varchar(20)", Null::not_null),
                column("c", i), column("d", i, Null::allowed, "0")})});
    const Catalog master = catalog(
        d,
        {table(d, "items",
               {plain_id(d), column("a", "varchar(20)", Null::not_null), column("b", "varchar(20)"),
                column("c", i, Null::allowed, "0"), column("d", i)})});
    const Plan plan = expect_golden("nullability_defaults", master, tenant);
    if (d != Dialect::sqlite) {
      EXPECT_EQ(risks(plan),
                (std::vector<Risk>{Risk::data_dependent, Risk::safe, Risk::safe, Risk::safe}));
    }
  }
}

TEST(PlanGolden, PostgresIdentity) {
  const Dialect d = Dialect::postgres;
  Catalog tenant = catalog(
      d,
      {table(d, "tickets",
             {column("id", "bigint", Null::not_null), column("ref", "bigint", Null::not_null)})});
  Catalog master = tenant;
  column_of(master, "tickets", "id").identity = Identity::by_default;
  column_of(tenant, "tickets", "ref").identity = Identity::always;
  // Each identity column comes with its sequence; neither is planned on its own.
  master.sequences = {{.schema = "public",
                       .name = "tickets_id_seq",
                       .data_type = "bigint",
                       .max_value = INT64_MAX,
                       .owned_by = "tickets.id"}};
  tenant.sequences = {{.schema = "public",
                       .name = "tickets_ref_seq",
                       .data_type = "bigint",
                       .max_value = INT64_MAX,
                       .owned_by = "tickets.ref"}};
  const Plan plan = expect_golden("identity", master, tenant);
  EXPECT_TRUE(plan.drift.empty()) << "the tenant's identity sequence is not drift";
  EXPECT_EQ(risks(plan), (std::vector<Risk>{Risk::safe, Risk::safe}));
}

// PostgreSQL refuses ADD GENERATED ... AS IDENTITY on a nullable column ("column must be
// declared NOT NULL before identity can be added"): SET NOT NULL has to come first.
TEST(PlanBug, PostgresIdentityOnNullableColumnSetsNotNullFirst) {
  const Dialect d = Dialect::postgres;
  const Catalog tenant = catalog(d, {table(d, "tickets", {plain_id(d), column("ref", "bigint")})});
  Catalog master = tenant;
  Column& ref = column_of(master, "tickets", "ref");
  ref.nullable = false;
  ref.identity = Identity::always;
  const Plan plan = diff(master, tenant, {});
  const std::vector<std::string> sql = plan.statements();
  const int not_null = statement_index(sql, "SET NOT NULL");
  const int identity = statement_index(sql, "ADD GENERATED ALWAYS AS IDENTITY");
  ASSERT_GE(not_null, 0);
  ASSERT_GE(identity, 0);
  EXPECT_LT(not_null, identity) << plan_text(plan);
}

TEST(PlanGolden, Indexes) {
  for (Dialect d : k_dialects) {
    const auto users = [&] {
      return table(d, "users",
                   {plain_id(d), column("email", "varchar(200)"), column("status", "varchar(20)"),
                    column("created_at", "timestamp")});
    };
    Table old = users();
    old.indexes = {index("users_status_idx", {{.column = "status"}})};
    Table want = users();
    want.indexes = {index("users_created_idx", {{.column = "created_at", .descending = true}}),
                    index("users_status_idx", {{.column = "status"}, {.column = "created_at"}})};
    if (d != Dialect::mysql) {  // MariaDB has neither partial nor expression indexes
      want.indexes.push_back(
          index("users_active_email_idx", {{.column = "email"}}, "status = 'active'"));
      want.indexes.push_back(index("users_email_lower_idx", {{.expression = "lower(email)"}}));
      want.indexes.back().unique = true;
    }
    const Plan plan = expect_golden("indexes", catalog(d, {want}), catalog(d, {old}));
    const int drop = change_index(plan, "drop index");
    ASSERT_GE(drop, 0);
    EXPECT_LT(drop, change_index(plan, "create index"))
        << "a changed index is dropped before it is created again";
    EXPECT_TRUE(plan.destructive().empty()) << "replacing a changed index loses no data";
  }
}

Catalog shop(Dialect d, FkAction on_delete) {
  Table orders = table(d, "orders", {plain_id(d), column("customer_id", "bigint")});
  orders.foreign_keys = {
      foreign_key(d, "orders_customer_fk", "customer_id", "customers", on_delete)};
  return catalog(d, {table(d, "customers", {plain_id(d)}), std::move(orders)});
}

TEST(PlanGolden, ForeignKeyActionChanged) {
  for (Dialect d : k_dialects) {
    const Plan plan = expect_golden("foreign_key_changed", shop(d, FkAction::cascade),
                                    shop(d, FkAction::no_action));
    if (d == Dialect::sqlite) {
      ASSERT_EQ(plan.changes.size(), 1U);
      EXPECT_TRUE(plan.changes[0].description.starts_with("rebuild table orders"));
    } else {
      ASSERT_EQ(plan.changes.size(), 2U);
      EXPECT_TRUE(plan.changes[0].description.starts_with("drop foreign key"));
      EXPECT_TRUE(plan.changes[1].description.starts_with("add foreign key"));
    }
  }
}

TEST(PlanGolden, ForeignKeyCycle) {
  for (Dialect d : k_dialects) {
    Table alpha = table(d, "alpha", {plain_id(d), column("beta_id", "bigint")});
    alpha.foreign_keys = {foreign_key(d, "alpha_beta_fk", "beta_id", "beta")};
    Table beta = table(d, "beta", {plain_id(d), column("alpha_id", "bigint")});
    beta.foreign_keys = {foreign_key(d, "beta_alpha_fk", "alpha_id", "alpha")};
    const Plan plan = expect_golden("foreign_key_cycle", catalog(d, {alpha, beta}), catalog(d, {}));
    if (d != Dialect::sqlite) {
      ASSERT_EQ(plan.changes.size(), 4U);
      EXPECT_TRUE(plan.changes[0].description.starts_with("create table"));
      EXPECT_TRUE(plan.changes[1].description.starts_with("create table"));
      EXPECT_TRUE(plan.changes[2].description.starts_with("add foreign key"));
      EXPECT_TRUE(plan.changes[3].description.starts_with("add foreign key"));
    }
  }
}

Catalog drifted_tenant(Dialect d) {
  Table t = table(d, "items",
                  {plain_id(d), column("name", "varchar(20)"), column("legacy", "varchar(20)")});
  t.indexes = {index("items_legacy_idx", {{.column = "legacy"}})};
  return catalog(d, {t, table(d, "old_items", {plain_id(d)})},
                 {view(d, "old_view", "SELECT id FROM old_items")});
}

TEST(PlanGolden, DriftIsReportedNotDropped) {
  for (Dialect d : k_dialects) {
    const Plan plan = expect_golden("drift_kept", items(d), drifted_tenant(d));
    EXPECT_TRUE(plan.empty());
    EXPECT_EQ(plan.drift.size(), 4U);
  }
}

TEST(PlanGolden, DriftDroppedWithAllowDrop) {
  for (Dialect d : k_dialects) {
    const Plan plan =
        expect_golden("drift_dropped", items(d), drifted_tenant(d), {.allow_drop = true});
    EXPECT_EQ(plan.drift.size(), 4U);
    ASSERT_FALSE(plan.empty());
    for (const Change& c : plan.changes)
      EXPECT_EQ(c.risk, Risk::destructive) << c.description;
    EXPECT_EQ(plan.destructive().size(), plan.changes.size());
    EXPECT_EQ(change_index(plan, "drop view"), 0) << "the view goes before what it reads";
    EXPECT_EQ(change_index(plan, "drop table"), static_cast<int>(plan.changes.size()) - 1);
  }
}

// A view reading a table whose column changes is dropped before and created after; a
// tenant-only one comes back as it was, since allow_drop is off.
TEST(PlanGolden, ViewOverChangedTable) {
  for (Dialect d : k_dialects) {
    const View totals = view(d, "order_totals", "SELECT id, amount FROM orders");
    const View big = view(d, "big_orders", "SELECT id FROM orders WHERE amount > 100");
    const Catalog master = catalog(
        d, {table(d, "orders", {plain_id(d), column("amount", "numeric(12,2)")})}, {totals});
    const Catalog tenant = catalog(
        d, {table(d, "orders", {plain_id(d), column("amount", "numeric(10,2)")})}, {totals, big});
    const Plan plan = expect_golden("view_over_changed_table", master, tenant);
    const int drop_view = change_index(plan, "drop view");
    const int alter =
        d == Dialect::sqlite ? change_index(plan, "rebuild table") : change_index(plan, "alter");
    const int create_view = change_index(plan, "create view");
    ASSERT_GE(drop_view, 0);
    EXPECT_LT(drop_view, alter);
    EXPECT_LT(alter, create_view);
    EXPECT_TRUE(plan.destructive().empty());
  }
}

// SQLite rebuilds a table for a changed foreign key, and DROP TABLE / ALTER TABLE ... RENAME
// fail while a view reads the table ("error in view order_list: no such table: main.orders"),
// so the view has to be dropped before the rebuild and created after it, as for a column
// change.
TEST(PlanBug, SqliteRebuildForKeyChangeDropsViewsOfTheTable) {
  const Dialect d = Dialect::sqlite;
  Catalog master = shop(d, FkAction::cascade);
  Catalog tenant = shop(d, FkAction::no_action);
  master.views = tenant.views = {view(d, "order_list", "SELECT id, customer_id FROM orders")};
  const Plan plan = diff(master, tenant, {});
  const int rebuild = change_index(plan, "rebuild table orders");
  ASSERT_GE(rebuild, 0);
  const int drop_view = change_index(plan, "drop view order_list");
  const int create_view = change_index(plan, "create view order_list");
  EXPECT_GE(drop_view, 0) << plan_text(plan);
  EXPECT_LT(drop_view, rebuild);
  EXPECT_GT(create_view, rebuild);
}

// The same with allow_drop and a tenant-only column: dropping it rebuilds the table, and the
// view reading the table (unchanged, in both catalogs) has to step aside as well.
TEST(PlanBug, SqliteRebuildForDroppedColumnDropsViewsOfTheTable) {
  const Dialect d = Dialect::sqlite;
  Catalog master = items(d);
  Catalog tenant = catalog(
      d, {table(d, "items",
                {plain_id(d), column("name", "varchar(20)"), column("legacy", "varchar(20)")})});
  master.views = tenant.views = {view(d, "item_names", "SELECT id, name FROM items")};
  const Plan plan = diff(master, tenant, {.allow_drop = true});
  const int rebuild = change_index(plan, "rebuild table items");
  ASSERT_GE(rebuild, 0);
  const int drop_view = change_index(plan, "drop view item_names");
  EXPECT_GE(drop_view, 0) << plan_text(plan);
  EXPECT_LT(drop_view, rebuild);
  EXPECT_GT(change_index(plan, "create view item_names"), rebuild);
}

TEST(PlanGolden, PostgresEnums) {
  const Dialect d = Dialect::postgres;
  Catalog master = catalog(d, {});
  Catalog tenant = catalog(d, {});
  const auto type = [](const char* name, std::vector<std::string> labels) {
    return EnumType{.schema = "public", .name = name, .labels = std::move(labels)};
  };
  master.enums = {type("color", {"red", "blue"}), type("mood", {"happy", "sad"}),
                  type("status", {"draft", "open", "paused", "closed"})};
  tenant.enums = {type("color", {"red", "green", "blue"}), type("status", {"open", "closed"})};
  const Plan plan = expect_golden("enums", master, tenant);
  // A removed label is a new type that the rows must fit: it fails, never loses, a row that
  // holds the label.
  EXPECT_TRUE(plan.destructive().empty());
  ASSERT_FALSE(plan.changes.empty());
  EXPECT_EQ(plan.changes[0].risk, Risk::data_dependent);
  EXPECT_NE(plan.changes[0].description.find("public.color"), std::string::npos);
  const std::vector<std::string> sql = plan.statements();
  EXPECT_GE(statement_index(sql, "ADD VALUE 'draft' BEFORE 'open'"), 0);
  EXPECT_GE(statement_index(sql, "ADD VALUE 'paused' AFTER 'open'"), 0);
}

TEST(PlanGolden, PostgresSequences) {
  const Dialect d = Dialect::postgres;
  Table invoices = table(d, "invoices", {id_column(d), column("number", "bigint")});
  Catalog tenant = catalog(d, {invoices});
  Catalog master = tenant;
  const Sequence counter{
      .schema = "public", .name = "counter_seq", .data_type = "bigint", .max_value = INT64_MAX};
  Sequence counter_by_five = counter;
  counter_by_five.increment = 5;
  counter_by_five.start = 100;
  const Sequence identity{.schema = "public",
                          .name = "invoices_id_seq",
                          .data_type = "bigint",
                          .max_value = INT64_MAX,
                          .owned_by = "invoices.id"};
  const Sequence number{.schema = "public",
                        .name = "invoice_number_seq",
                        .data_type = "integer",
                        .start = 1000,
                        .max_value = 2147483647,
                        .cycle = true,
                        .owned_by = "invoices.number"};
  master.sequences = {counter_by_five, number, identity};
  tenant.sequences = {counter};
  sort_catalog(master);
  const Plan plan = expect_golden("sequences", master, tenant);
  EXPECT_EQ(statement_index(plan.statements(), "invoices_id_seq"), -1)
      << "an identity column's sequence is not planned";
  EXPECT_GT(change_index(plan, "sequence public.invoice_number_seq owned by"),
            change_index(plan, "create sequence public.invoice_number_seq"));
}

// A serial column's sequence is owned by the column: DROP TABLE drops it too, so a later
// DROP SEQUENCE of it fails ("sequence ... does not exist") and aborts the tenant's plan.
TEST(PlanBug, PostgresDropTableDropsItsOwnedSequenceOnce) {
  const Dialect d = Dialect::postgres;
  Catalog tenant = items(d);
  tenant.tables.push_back(
      table(d, "old_items",
            {column("id", "integer", Null::not_null, "nextval('old_items_id_seq'::regclass)")}));
  tenant.sequences = {{.schema = "public",
                       .name = "old_items_id_seq",
                       .data_type = "integer",
                       .max_value = 2147483647,
                       .owned_by = "old_items.id"}};
  sort_catalog(tenant);
  const Plan plan = diff(items(d), tenant, {.allow_drop = true});
  ASSERT_GE(change_index(plan, "drop table public.old_items"), 0);
  EXPECT_EQ(statement_index(plan.statements(), "DROP SEQUENCE \"public\".\"old_items_id_seq\""), -1)
      << plan_text(plan);
}

enum class Stock { master, tenant, tenant_with_drift_column };

// Table t: the tenant's qty is text (the master's integer) and it has a drift index t_qty_idx.
Catalog stock(Stock side) {
  const Dialect d = Dialect::sqlite;
  const bool tenant = side != Stock::master;
  std::vector<Column> columns = {id_column(d), column("name", "varchar(20)", Null::not_null),
                                 column("qty", tenant ? "text" : "integer", Null::allowed, "0")};
  if (side == Stock::tenant_with_drift_column)
    columns.push_back(column("legacy", "text"));
  Table t = table(d, "t", std::move(columns));
  t.indexes = {index("t_name_idx", {{.column = "name"}})};
  if (tenant)
    t.indexes.push_back(index("t_qty_idx", {{.column = "qty"}}));
  t.checks = {{.name = "t_name_check", .expression = "length(name) > 0"}};
  return catalog(d, {t});
}

TEST(PlanGolden, SqliteRebuildKeepsDrift) {
  const Plan plan = expect_golden("rebuild_keeps_drift", stock(Stock::master),
                                  stock(Stock::tenant_with_drift_column));
  ASSERT_EQ(plan.changes.size(), 1U);
  EXPECT_EQ(plan.changes[0].risk, Risk::data_dependent);  // text -> integer
  const std::vector<std::string>& sql = plan.changes[0].sql;
  ASSERT_GE(sql.size(), 4U);
  EXPECT_TRUE(sql[0].starts_with("CREATE TABLE \"_ferry_rebuild_t\""));
  EXPECT_NE(sql[0].find("\"legacy\" text"), std::string::npos) << "drift column kept";
  // The copy, the drop and the rename follow in that order (after the AUTOINCREMENT
  // high-water mark is carried over, when the table has one).
  const auto copy = statement_index(sql, "INSERT INTO \"_ferry_rebuild_t\"");
  const auto drop = statement_index(sql, "DROP TABLE \"t\"");
  const auto rename = statement_index(sql, "ALTER TABLE \"_ferry_rebuild_t\" RENAME TO \"t\"");
  EXPECT_GT(copy, 0);
  EXPECT_GT(drop, copy);
  EXPECT_EQ(rename, drop + 1);
  EXPECT_GT(statement_index(sql, "CREATE INDEX \"t_qty_idx\""), rename) << "drift index kept";
}

// With allow_drop the plan drops the tenant's t_qty_idx (a destructive change merged into the
// rebuild), so the rebuilt table must not create it again. It does when the plan drops no
// column or table: render_sqlite's keep_drift looks only at drop_column/drop_table ops.
TEST(PlanBug, SqliteRebuildWithAllowDropDropsDriftIndex) {
  const Plan plan = diff(stock(Stock::master), stock(Stock::tenant), {.allow_drop = true});
  ASSERT_EQ(plan.changes.size(), 1U) << plan_text(plan);
  EXPECT_EQ(plan.changes[0].risk, Risk::destructive);
  EXPECT_EQ(statement_index(plan.changes[0].sql, "t_qty_idx"), -1) << plan_text(plan);
}

// MySQL table options, ON UPDATE, key prefixes, FULLTEXT, IGNORED, column-level checks and
// generated columns into and out of VIRTUAL.
Catalog mysql_attributes(bool master) {
  const Dialect d = Dialect::mysql;
  Column touched = column("touched", "timestamp", Null::not_null, "current_timestamp()");
  if (master)
    touched.on_update = "current_timestamp()";
  Column doubled = column("doubled", "int");
  doubled.generated_expr = "`qty` * 2";
  doubled.generated_stored = !master;
  Column name = column("name", "varchar(100)");
  if (!master)
    name.collation = "utf8mb4_bin";
  Table events = table(d, "events", {plain_id(d), column("qty", "int"), doubled, name, touched});
  events.engine = master ? "MyISAM" : "InnoDB";
  events.collation = master ? "latin1_swedish_ci" : "utf8mb4_unicode_ci";
  // FULLTEXT indexes cannot be on a partitioned table: the tenant's partitioning goes first.
  events.partitioning =
      master ? std::nullopt : std::optional<std::string>("PARTITION BY HASH (`id`)\nPARTITIONS 4");
  IndexKey prefixed{.column = "name", .length = master ? std::optional<int>(10) : std::nullopt};
  events.indexes = {index("events_name", {prefixed}), index("events_qty", {{.column = "qty"}})};
  events.indexes[1].ignored = master;
  if (master) {
    Index body = index("events_text", {{.column = "name"}});
    body.method = "fulltext";
    events.indexes.push_back(body);
    events.checks = {Check{.name = "qty", .expression = "`qty` > 0", .column = "qty"}};
  }
  std::vector<Table> tables{events};
  if (master) {
    Table logs = table(d, "logs", {plain_id(d), column("qty", "int"), column("at", "timestamp")});
    logs.columns[2].on_update = "current_timestamp()";
    logs.engine = "InnoDB";
    logs.collation = "utf8mb4_bin";
    logs.partitioning = "PARTITION BY KEY (`id`)\nPARTITIONS 2";
    logs.checks = {Check{.name = "logs_qty", .expression = "`qty` < 10"},
                   Check{.name = "qty", .expression = "`qty` > 0", .column = "qty"}};
    tables.push_back(logs);
  }
  return catalog(d, tables);
}

TEST(PlanGolden, MysqlTableColumnAndIndexAttributes) {
  const Plan plan =
      expect_golden("table_attributes", mysql_attributes(true), mysql_attributes(false));
  const std::vector<std::string> sql = plan.statements();
  // Engine, collation and the tenant's partitioning before the columns and keys change.
  EXPECT_LT(statement_index(sql, "ENGINE=MyISAM"), statement_index(sql, "MODIFY COLUMN `name`"));
  EXPECT_LT(statement_index(sql, "REMOVE PARTITIONING"), statement_index(sql, "CREATE FULLTEXT"));
  EXPECT_TRUE(diff(mysql_attributes(true), mysql_attributes(true), {}).equal());
}

// A check written in its column or as a table constraint of the same name means the same.
TEST(PlanGolden, MysqlColumnAndTableChecksCompareByMeaning) {
  Catalog master = mysql_attributes(true);
  Catalog tenant = master;
  find(tenant, "events")->checks[0].column.clear();
  EXPECT_TRUE(diff(master, tenant, {.allow_drop = true}).equal());
  // A MODIFY of the column leaves the tenant's table constraint be: no CHECK in it to clash.
  column_of(master, "events", "qty").declared_type = "bigint";
  const std::vector<std::string> sql = diff(master, tenant, {}).statements();
  ASSERT_EQ(sql.size(), 1u);
  EXPECT_EQ(sql[0], "ALTER TABLE `events` MODIFY COLUMN `qty` bigint NULL");
  // The other way round, the tenant's column-level check is restated.
  const std::vector<std::string> back = diff(tenant, master, {}).statements();
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0], "ALTER TABLE `events` MODIFY COLUMN `qty` int NULL CHECK (`qty` > 0)");
}

TEST(PlanGolden, EqualCatalogsGiveAnEmptyPlan) {
  for (Dialect d : k_dialects) {
    const Catalog c = billing(d);
    const Plan plan = expect_golden("equal", c, c, {.allow_drop = true});
    EXPECT_TRUE(plan.empty());
    EXPECT_TRUE(plan.drift.empty());
    EXPECT_TRUE(plan.statements().empty());
  }
}

TEST(PlanFingerprint, IgnoresStatisticsAndServerButNotStructure) {
  for (Dialect d : k_dialects) {
    const Catalog a = billing(d);
    Catalog b = a;
    b.server_version = "99.1";
    b.database = "tenant_42";
    for (Table& t : b.tables)
      t.row_estimate = 123456;
    EXPECT_EQ(fingerprint(a), fingerprint(b));
    // Hash128's hex form: 32 lowercase digits that read back as a hash.
    EXPECT_EQ(fingerprint(a).size(), 32u);
    EXPECT_EQ(Hash128::from_hex(fingerprint(a))->hex(), fingerprint(a));
    column_of(b, "people", "name").declared_type = "varchar(101)";
    EXPECT_NE(fingerprint(a), fingerprint(b));
  }
  const Catalog a = mysql_attributes(true);
  for (const auto& change : std::vector<std::function<void(Catalog&)>>{
           [](Catalog& c) { c.tables[0].engine = "Aria"; },
           [](Catalog& c) { c.tables[0].collation = "latin1_bin"; },
           [](Catalog& c) { c.tables[0].row_format = "COMPACT"; },
           [](Catalog& c) { c.tables[1].partitioning.reset(); },
           [](Catalog& c) { c.tables[0].indexes[0].ignored = true; },
           [](Catalog& c) { c.tables[0].indexes[0].keys[0].length = 12; },
           [](Catalog& c) { c.tables[0].checks[0].column.clear(); },
           [](Catalog& c) { c.tables[0].columns[4].on_update.reset(); },
       }) {
    Catalog b = a;
    change(b);
    EXPECT_NE(fingerprint(a), fingerprint(b));
  }
}

TEST(PlanDialect, DiffOfTwoDialectsThrows) {
  EXPECT_THROW(diff(items(Dialect::postgres), items(Dialect::mysql), {}), Error);
  EXPECT_THROW(diff(items(Dialect::sqlite), items(Dialect::postgres), {}), Error);
}

}  // namespace
}  // namespace ferry::schema
