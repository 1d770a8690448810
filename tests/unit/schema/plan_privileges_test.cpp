// Plans for owners and grants (DiffOptions::privileges): which ALTER ... OWNER TO, REVOKE and
// GRANT statements a difference takes, and what blocks a plan.
#include <gtest/gtest.h>

#include <algorithm>

#include "ferry/common/error.hpp"
#include "ferry/schema/catalog.hpp"
#include "ferry/schema/plan.hpp"

namespace ferry::schema {
namespace {

std::vector<Grant> owner_defaults(const std::string& owner) {
  std::vector<Grant> out;
  for (const char* p :
       {"DELETE", "INSERT", "REFERENCES", "SELECT", "TRIGGER", "TRUNCATE", "UPDATE"})
    out.push_back({owner, p, false});
  return out;
}

Catalog postgres_catalog(std::vector<std::string> roles = {"alice", "bob", "reader", "writer"}) {
  Catalog c;
  c.dialect = Dialect::postgres;
  c.server_version = "15.8";
  c.schemas = {"public"};
  c.schema_privileges["public"] = {"alice",
                                   {{"alice", "CREATE", false}, {"alice", "USAGE", false}}};
  c.roles = std::move(roles);
  return c;
}

Table table(const std::string& name, Privileges privileges) {
  Table t;
  t.schema = "public";
  t.name = name;
  Column id;
  id.name = "id";
  id.position = 1;
  id.declared_type = "integer";
  id.type = LogicalType::int32;
  id.nullable = false;
  t.columns = {id};
  t.primary_key = PrimaryKey{name + "_pkey", {"id"}};
  t.privileges = std::move(privileges);
  return t;
}

SchemaObject function(const std::string& name, Privileges privileges) {
  SchemaObject f;
  f.kind = ObjectKind::function;
  f.schema = "public";
  f.name = name;
  f.signature = "()";
  f.definition = {"CREATE OR REPLACE FUNCTION public." + name +
                  "()\n RETURNS integer\n LANGUAGE sql\nAS $function$SELECT 1$function$\n"};
  f.replace_key = "integer <- ";
  f.privileges = std::move(privileges);
  return f;
}

Plan plan_of(const Catalog& master, const Catalog& tenant) {
  return diff(master, tenant, {.privileges = true});
}

Privileges privileges(const std::string& owner, std::vector<Grant> more = {}) {
  std::vector<Grant> grants = owner_defaults(owner);
  grants.insert(grants.end(), more.begin(), more.end());
  std::sort(grants.begin(), grants.end());
  return {owner, grants};
}

TEST(PlanPrivileges, GrantsAndRevokesTheDifference) {
  Catalog master = postgres_catalog();
  Catalog tenant = postgres_catalog();
  master.tables = {table("t", privileges("alice", {{"reader", "SELECT", false}}))};
  tenant.tables = {
      table("t", privileges("alice", {{"writer", "INSERT", false}, {"writer", "UPDATE", false}}))};
  const Plan plan = plan_of(master, tenant);
  EXPECT_EQ(plan.statements(), (std::vector<std::string>{
                                   R"(REVOKE INSERT, UPDATE ON TABLE "public"."t" FROM "writer")",
                                   R"(GRANT SELECT ON TABLE "public"."t" TO "reader")",
                               }));
  EXPECT_TRUE(plan.manual().empty());
  EXPECT_TRUE(plan.notes.empty());
}

TEST(PlanPrivileges, GrantOptionAloneIsGrantedOrRevoked) {
  Catalog master = postgres_catalog();
  Catalog tenant = postgres_catalog();
  master.tables = {table("a", privileges("alice", {{"reader", "SELECT", true}})),
                   table("b", privileges("alice", {{"reader", "SELECT", false}}))};
  tenant.tables = {table("a", privileges("alice", {{"reader", "SELECT", false}})),
                   table("b", privileges("alice", {{"reader", "SELECT", true}}))};
  EXPECT_EQ(plan_of(master, tenant).statements(),
            (std::vector<std::string>{
                R"(GRANT SELECT ON TABLE "public"."a" TO "reader" WITH GRANT OPTION)",
                R"(REVOKE GRANT OPTION FOR SELECT ON TABLE "public"."b" FROM "reader")",
            }));
}

// ALTER ... OWNER TO hands the old owner's privileges to the new one: an owner change whose
// grants follow the owner is one statement.
TEST(PlanPrivileges, OwnerChangeCarriesTheOwnersGrants) {
  Catalog master = postgres_catalog();
  Catalog tenant = postgres_catalog();
  master.tables = {table("t", privileges("alice", {{"reader", "SELECT", false}}))};
  tenant.tables = {table("t", privileges("bob", {{"reader", "SELECT", false}}))};
  Sequence owned{
      .schema = "public", .name = "t_id_seq", .data_type = "integer", .owned_by = "t.id"};
  owned.privileges = {
      "alice", {{"alice", "SELECT", false}, {"alice", "UPDATE", false}, {"alice", "USAGE", false}}};
  master.sequences = {owned};
  owned.privileges = {
      "bob", {{"bob", "SELECT", false}, {"bob", "UPDATE", false}, {"bob", "USAGE", false}}};
  tenant.sequences = {owned};
  const Plan plan = plan_of(master, tenant);
  // The sequence is its table's: it follows ALTER TABLE ... OWNER TO.
  EXPECT_EQ(plan.statements(),
            (std::vector<std::string>{R"(ALTER TABLE "public"."t" OWNER TO "alice")"}));
  ASSERT_EQ(plan.changes.size(), 1u);
  EXPECT_EQ(plan.changes[0].description, "owner of table public.t to alice");
}

TEST(PlanPrivileges, NewObjectsStartFromTheirOwnersDefaults) {
  Catalog master = postgres_catalog();
  const Catalog tenant = postgres_catalog();
  master.tables = {table("t", privileges("bob", {{"PUBLIC", "SELECT", false}}))};
  master.objects = {function("f", {"alice", {{"alice", "EXECUTE", false}}})};
  const std::vector<std::string> sql = plan_of(master, tenant).statements();
  const auto at = [&](std::string_view statement) {
    return std::find(sql.begin(), sql.end(), statement) - sql.begin();
  };
  const auto size = static_cast<std::ptrdiff_t>(sql.size());
  ASSERT_LT(at(R"(ALTER TABLE "public"."t" OWNER TO "bob")"), size)
      << ::testing::PrintToString(sql);
  EXPECT_LT(at(R"(GRANT SELECT ON TABLE "public"."t" TO PUBLIC)"), size);
  EXPECT_LT(at(R"(ALTER FUNCTION "public"."f"() OWNER TO "alice")"), size);
  EXPECT_LT(at(R"(REVOKE EXECUTE ON FUNCTION "public"."f"() FROM PUBLIC)"), size);
  // After the objects are made.
  EXPECT_GT(at(R"(ALTER TABLE "public"."t" OWNER TO "bob")"),
            std::find_if(sql.begin(), sql.end(), [](const std::string& s) {
              return s.starts_with("CREATE TABLE");
            }) - sql.begin());
}

TEST(PlanPrivileges, MissingRoleIsABlockedChangeNamingIt) {
  Catalog master = postgres_catalog();
  Catalog tenant = postgres_catalog({"alice", "bob"});
  master.tables = {table("t", privileges("alice", {{"auditor", "SELECT", false}}))};
  tenant.tables = {table("t", privileges("alice"))};
  const Plan plan = plan_of(master, tenant);
  const auto manual = plan.manual();
  ASSERT_EQ(manual.size(), 1u);
  EXPECT_NE(manual[0]->description.find("role auditor does not exist on the tenant's server"),
            std::string::npos)
      << manual[0]->description;
}

TEST(PlanPrivileges, NotComparedWithoutTheOption) {
  Catalog master = postgres_catalog();
  Catalog tenant = postgres_catalog();
  master.tables = {table("t", privileges("alice", {{"reader", "SELECT", false}}))};
  tenant.tables = {table("t", privileges("bob"))};
  const Plan plan = diff(master, tenant, {});
  EXPECT_TRUE(plan.changes.empty());
  EXPECT_TRUE(plan.equal());
  ASSERT_EQ(plan.notes.size(), 1u);
  EXPECT_NE(plan.notes[0].find("privileges and ownership were not compared"), std::string::npos);
}

TEST(PlanPrivileges, OtherDialectsRefuseTheOption) {
  for (const Dialect d : {Dialect::mysql, Dialect::sqlite}) {
    Catalog c;
    c.dialect = d;
    try {
      (void)diff(c, c, {.privileges = true});
      ADD_FAILURE() << to_string(d) << " accepted --with-privileges";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::usage);
      EXPECT_NE(std::string(e.what()).find("PostgreSQL"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace ferry::schema
