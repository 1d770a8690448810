// What ferry does not model is never called equal: `schema diff` lists it under "not
// compared" and exits 3, and `schema sync` reports the tenant unverified, not in sync.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_env.hpp"

namespace ferry {
namespace {

using test::run_ferry;
using test::TempDatabase;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(NotCompared, AnAggregateOnlyTheMasterHasMakesSchemaDiffExit3) {
  TempDatabase master(Dialect::postgres);
  TempDatabase tenant(Dialect::postgres);
  const std::string table = "CREATE TABLE t (id integer PRIMARY KEY, n integer)";
  master.connect()->execute(
      {table, "CREATE AGGREGATE public.total(integer) (sfunc = int4pl, stype = integer)"});
  tenant.connect()->execute({table});
  const std::string urls = "'" + master.url() + "' '" + tenant.url() + "'";

  const auto diff = run_ferry("schema diff " + urls);
  EXPECT_EQ(diff.exit_code, 3) << diff.output;
  EXPECT_TRUE(contains(diff.output, "not compared")) << diff.output;
  EXPECT_TRUE(contains(diff.output, "master: aggregate public.total(integer)")) << diff.output;

  const auto json = run_ferry("schema diff --json " + urls);
  EXPECT_EQ(json.exit_code, 3) << json.output;
  const auto doc = nlohmann::json::parse(json.output.substr(json.output.find('{')));
  EXPECT_FALSE(doc.at("equal").get<bool>());
  EXPECT_EQ(doc.at("not_compared").size(), 1u) << json.output;

  const auto sync =
      run_ferry("schema sync --json --from '" + master.url() + "' --to '" + tenant.url() + "'");
  EXPECT_EQ(sync.exit_code, 0) << sync.output;
  const auto report = nlohmann::json::parse(sync.output.substr(sync.output.find('{')));
  EXPECT_EQ(report.at("tenants").at(0).at("status").get<std::string>(), "unverified")
      << sync.output;

  // The same aggregate on both sides is still not compared: ferry did not look at it.
  tenant.connect()->execute(
      {"CREATE AGGREGATE public.total(integer) (sfunc = int4pl, stype = integer)"});
  const auto both = run_ferry("schema diff " + urls);
  EXPECT_EQ(both.exit_code, 3) << both.output;
  EXPECT_TRUE(contains(both.output, "tenant: aggregate public.total(integer)")) << both.output;
}

TEST(NotCompared, ATriggerOnlyTheTenantHasIsSeen) {
  TempDatabase master(Dialect::postgres);
  TempDatabase tenant(Dialect::postgres);
  const std::vector<std::string> common = {
      "CREATE TABLE t (id integer PRIMARY KEY, n integer)",
      "CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS "
      "$$BEGIN NEW.n := NEW.n + 1; RETURN NEW; END$$"};
  master.connect()->execute(common);
  tenant.connect()->execute(common);
  tenant.connect()->execute(
      {"CREATE TRIGGER t_bump BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION bump()"});
  const std::string urls = "'" + master.url() + "' '" + tenant.url() + "'";
  const auto diff = run_ferry("schema diff --allow-drop " + urls);
  EXPECT_EQ(diff.exit_code, 3) << diff.output;
  EXPECT_TRUE(contains(diff.output, "DROP TRIGGER \"t_bump\" ON \"public\".\"t\"")) << diff.output;
}

}  // namespace
}  // namespace ferry
