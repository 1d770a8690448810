#include "ferry/schema/catalog.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ferry/schema/catalog_json.hpp"
#include "ferry/schema/catalog_text.hpp"

namespace ferry::schema {
namespace {

Table make_table(std::string name) {
  Table t;
  t.schema = "public";
  t.name = std::move(name);
  t.columns = {{.name = "b", .position = 2, .declared_type = "text", .type = LogicalType::text},
               {.name = "a",
                .position = 1,
                .declared_type = "integer",
                .type = LogicalType::int32,
                .nullable = false}};
  return t;
}

TEST(Catalog, SortIsCanonicalSoJsonIsStable) {
  Catalog one;
  one.tables = {make_table("zeta"), make_table("alpha")};
  one.tables[0].indexes = {{.name = "z_idx"}, {.name = "a_idx"}};
  Catalog two = one;
  std::swap(two.tables[0], two.tables[1]);
  sort_catalog(one);
  sort_catalog(two);
  EXPECT_EQ(one.tables[0].name, "alpha");
  EXPECT_EQ(one.tables[0].columns[0].name, "a");
  EXPECT_EQ(one.tables[1].indexes[0].name, "a_idx");
  EXPECT_EQ(to_json(one).dump(), to_json(two).dump());
  EXPECT_EQ(to_json(one)["format"], k_catalog_format);
}

TEST(Catalog, QualifiedNamesHaveASchemaOnlyWhereThereIsOne) {
  EXPECT_EQ(qualified_name("public", "orders"), "public.orders");
  EXPECT_EQ(qualified_name("", "orders"), "orders");
  Table t;
  t.name = "orders";
  EXPECT_EQ(t.qualified_name(), "orders");  // MySQL, SQLite
  t.schema = "billing";
  EXPECT_EQ(t.qualified_name(), "billing.orders");
  EXPECT_EQ((View{.schema = "s", .name = "v"}).qualified_name(), "s.v");
  EXPECT_EQ((Sequence{.schema = "", .name = "seq"}).qualified_name(), "seq");
  EXPECT_EQ((EnumType{.schema = "s", .name = "mood"}).qualified_name(), "s.mood");
}

TEST(Catalog, RowKeyIsPrimaryKeyElseUniqueNotNull) {
  Table t = make_table("t");
  EXPECT_TRUE(t.row_key().empty());
  t.uniques = {{.name = "u_b", .columns = {"b"}}};  // b is nullable: not a row key
  EXPECT_TRUE(t.row_key().empty());
  t.uniques.push_back({.name = "u_a", .columns = {"a"}});
  EXPECT_EQ(t.row_key(), std::vector<std::string>{"a"});
  t.primary_key = PrimaryKey{.name = "pk", .columns = {"a", "b"}};
  EXPECT_EQ(t.row_key(), (std::vector<std::string>{"a", "b"}));
}

TEST(Catalog, SummaryListsColumnsKeysAndIndexes) {
  Catalog c;
  c.dialect = Dialect::postgres;
  c.server_version = "15.4";
  Table t = make_table("orders");
  t.row_estimate = 42;
  t.primary_key = PrimaryKey{.name = "orders_pkey", .columns = {"a"}};
  t.indexes = {{.name = "orders_b_idx",
                .keys = {{.column = "b"}},
                .method = "btree",
                .predicate = "b IS NOT NULL"}};
  c.tables = {t};
  const std::string text = summarize(c, "postgres://u:***@h/d");
  EXPECT_NE(text.find("postgres://u:***@h/d  (postgres 15.4)"), std::string::npos) << text;
  EXPECT_NE(text.find("public.orders  ~42 rows"), std::string::npos) << text;
  EXPECT_NE(text.find("primary key (a)"), std::string::npos) << text;
  EXPECT_NE(text.find("index orders_b_idx btree (b) WHERE b IS NOT NULL"), std::string::npos)
      << text;
}

}  // namespace
}  // namespace ferry::schema
