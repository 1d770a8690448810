// Structure plans for what differs only by name (renamed in place where the dialect can) and
// for PostgreSQL domains and composite types that columns use (changed in place).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ferry/schema/catalog.hpp"
#include "ferry/schema/plan.hpp"

namespace ferry::schema {
namespace {

Catalog catalog_of(Dialect d, Table t) {
  Catalog c;
  c.dialect = d;
  if (d == Dialect::postgres) {
    c.schemas = {"public"};
    t.schema = "public";
  }
  c.tables = {std::move(t)};
  return c;
}

Table visits() {
  Table t;
  t.name = "visits";
  t.columns = {Column{.name = "id", .position = 1, .declared_type = "bigint", .nullable = false},
               Column{.name = "page", .position = 2, .declared_type = "varchar(200)"}};
  t.primary_key = PrimaryKey{.name = "visits_pkey", .columns = {"id"}};
  return t;
}

Index page_index(std::string name) {
  return Index{.name = std::move(name), .keys = {{.column = "page"}}, .method = "btree"};
}

std::string joined(const std::vector<std::string>& statements) {
  std::string out;
  for (const std::string& s : statements)
    out += s + "\n";
  return out;
}

TEST(PlanRename, AnIndexThatDiffersOnlyByNameIsRenamedWhereTheDialectCan) {
  const std::pair<Dialect, std::string> expected[] = {
      {Dialect::postgres, "ALTER INDEX \"public\".\"idx_page\" RENAME TO \"visits_page_idx\"\n"},
      {Dialect::mysql, "ALTER TABLE `visits` RENAME INDEX `idx_page` TO `visits_page_idx`\n"},
  };
  for (const auto& [d, sql] : expected) {
    Table want = visits(), have = visits();
    want.indexes = {page_index("visits_page_idx")};
    have.indexes = {page_index("idx_page")};
    const Plan plan = diff(catalog_of(d, want), catalog_of(d, have), {.allow_drop = true});
    EXPECT_EQ(joined(plan.statements()), sql) << to_string(d);
    EXPECT_TRUE(plan.drift.empty()) << to_string(d);
  }
  // SQLite cannot rename an index: dropped and created.
  Table want = visits(), have = visits();
  want.indexes = {page_index("visits_page_idx")};
  have.indexes = {page_index("idx_page")};
  const Plan plan = diff(catalog_of(Dialect::sqlite, want), catalog_of(Dialect::sqlite, have),
                         {.allow_drop = true});
  const std::string sql = joined(plan.statements());
  EXPECT_NE(sql.find("DROP INDEX"), std::string::npos) << sql;
  EXPECT_NE(sql.find("CREATE INDEX"), std::string::npos) << sql;
}

TEST(PlanRename, AmbiguousCandidatesAreNotPaired) {
  Table want = visits(), have = visits();
  want.indexes = {page_index("a_idx"), page_index("b_idx")};
  have.indexes = {page_index("c_idx"), page_index("d_idx")};
  const Plan plan = diff(catalog_of(Dialect::postgres, want), catalog_of(Dialect::postgres, have),
                         {.allow_drop = true});
  const std::string sql = joined(plan.statements());
  EXPECT_EQ(sql.find("RENAME"), std::string::npos) << sql;
  EXPECT_NE(sql.find("DROP INDEX"), std::string::npos) << sql;
}

TEST(PlanRename, ConstraintsAreRenamedAndKeepTheirComment) {
  Table want = visits(), have = visits();
  want.primary_key->name = "visits_pk";
  want.checks = {Check{.name = "visits_page_set", .expression = "page <> ''"}};
  have.checks = {Check{.name = "visits_page_check", .expression = "page <> ''"}};
  want.constraint_comments = {{"visits_page_set", "no empty pages"}};
  have.constraint_comments = {{"visits_page_check", "no empty pages"}};
  const Plan plan = diff(catalog_of(Dialect::postgres, want), catalog_of(Dialect::postgres, have),
                         {.allow_drop = true});
  EXPECT_EQ(joined(plan.statements()),
            "ALTER TABLE \"public\".\"visits\" RENAME CONSTRAINT \"visits_pkey\" TO "
            "\"visits_pk\"\n"
            "ALTER TABLE \"public\".\"visits\" RENAME CONSTRAINT \"visits_page_check\" TO "
            "\"visits_page_set\"\n");
}

SchemaObject object(ObjectKind kind, std::string name, std::vector<std::string> definition) {
  return SchemaObject{.kind = kind,
                      .schema = "public",
                      .name = std::move(name),
                      .definition = std::move(definition)};
}

// A catalog whose table `carts` has a column `qty` of type `type`, and `o`.
Catalog with_type_column(SchemaObject o, const std::string& type) {
  Table t;
  t.name = "carts";
  t.columns = {Column{.name = "qty", .position = 1, .declared_type = type}};
  Catalog c = catalog_of(Dialect::postgres, t);
  c.objects = {std::move(o)};
  return c;
}

TEST(PlanInPlace, ADomainColumnsUseChangesPartByPart) {
  const Catalog master = with_type_column(
      object(
          ObjectKind::domain, "quantity",
          {"CREATE DOMAIN public.quantity AS integer", "ALTER DOMAIN public.quantity SET DEFAULT 1",
           "ALTER DOMAIN public.quantity SET NOT NULL",
           "ALTER DOMAIN public.quantity ADD CONSTRAINT quantity_check CHECK ((VALUE > 1))"}),
      "quantity");
  const Catalog tenant = with_type_column(
      object(
          ObjectKind::domain, "quantity",
          {"CREATE DOMAIN public.quantity AS integer", "ALTER DOMAIN public.quantity SET DEFAULT 0",
           "ALTER DOMAIN public.quantity ADD CONSTRAINT quantity_check CHECK ((VALUE > 0))",
           "COMMENT ON DOMAIN public.quantity IS 'units'"}),
      "quantity");
  const Plan plan = diff(master, tenant, {.allow_drop = true});
  EXPECT_EQ(joined(plan.statements()),
            "ALTER DOMAIN public.quantity DROP CONSTRAINT quantity_check\n"
            "COMMENT ON DOMAIN public.quantity IS NULL\n"
            "ALTER DOMAIN public.quantity SET DEFAULT 1\n"
            "ALTER DOMAIN public.quantity SET NOT NULL\n"
            "ALTER DOMAIN public.quantity ADD CONSTRAINT quantity_check CHECK ((VALUE > 1))\n");
  ASSERT_EQ(plan.changes.size(), 1u);
  EXPECT_EQ(plan.changes[0].risk, Risk::data_dependent);
}

TEST(PlanInPlace, ADomainsNewBaseTypeIsBlocked) {
  const Catalog master = with_type_column(
      object(ObjectKind::domain, "quantity", {"CREATE DOMAIN public.quantity AS bigint"}),
      "quantity");
  const Catalog tenant = with_type_column(
      object(ObjectKind::domain, "quantity", {"CREATE DOMAIN public.quantity AS integer"}),
      "quantity");
  const Plan plan = diff(master, tenant, {.allow_drop = true});
  ASSERT_EQ(plan.manual().size(), 1u);
  EXPECT_NE(plan.manual()[0]->description.find("base type"), std::string::npos)
      << plan.manual()[0]->description;
}

TEST(PlanInPlace, ACompositeTypeGainsAndLosesAttributesInPlaceAndIsBuiltAgainForNewTypes) {
  const auto composite = [](const std::string& attributes) {
    return object(ObjectKind::composite_type, "dims",
                  {"CREATE TYPE public.dims AS (" + attributes + ")"});
  };
  Plan plan = diff(
      with_type_column(composite("w integer, h integer, \"Depth\" numeric(5,2)"), "dims"),
      with_type_column(composite("w integer, h integer, x text"), "dims"), {.allow_drop = true});
  EXPECT_EQ(joined(plan.statements()),
            "ALTER TYPE public.dims DROP ATTRIBUTE x\n"
            "ALTER TYPE public.dims ADD ATTRIBUTE \"Depth\" numeric(5,2)\n");
  EXPECT_EQ(plan.destructive().size(), 1u);

  plan = diff(with_type_column(composite("w integer, h integer"), "dims"),
              with_type_column(composite("w smallint, h integer"), "dims"), {.allow_drop = true});
  // An attribute's new type: the type is built again and its column cast to it.
  EXPECT_TRUE(plan.manual().empty());
  const std::string statements = joined(plan.statements());
  EXPECT_NE(statements.find("RENAME TO \"dims_ferry_replaced\""), std::string::npos) << statements;
  EXPECT_NE(statements.find("ROW((\"qty\").w::integer, (\"qty\").h::integer)"), std::string::npos)
      << statements;
  EXPECT_NE(statements.find("DROP TYPE \"public\".\"dims_ferry_replaced\""), std::string::npos)
      << statements;
}

TEST(PlanRename, ACompositeTypeUnderAnotherNameIsRenamedAndItsColumnsFollow) {
  const Catalog master = with_type_column(
      object(ObjectKind::composite_type, "geo_point",
             {"CREATE TYPE public.geo_point AS (lat double precision, lon double precision)"}),
      "geo_point");
  const Catalog tenant = with_type_column(
      object(ObjectKind::composite_type, "latlon",
             {"CREATE TYPE public.latlon AS (lat double precision, lon double precision)"}),
      "latlon");
  const Plan plan = diff(master, tenant, {.allow_drop = true});
  EXPECT_EQ(joined(plan.statements()),
            "ALTER TYPE \"public\".\"latlon\" RENAME TO \"geo_point\"\n");
  EXPECT_TRUE(plan.drift.empty());
}

}  // namespace
}  // namespace ferry::schema
