#include "ferry/schema/sql_script.hpp"

#include <gtest/gtest.h>

#include "ferry/common/error.hpp"

namespace ferry::schema {
namespace {

std::vector<std::string> texts(std::string_view script, Dialect dialect) {
  std::vector<std::string> out;
  for (const ScriptStatement& s : split_sql_script(script, dialect))
    out.push_back(s.text);
  return out;
}

TEST(SqlScript, SplitsAtSemicolonsOutsideQuotesAndComments) {
  const auto got = texts(
      "CREATE TABLE a (x text DEFAULT 'a;b');\n"
      "-- a comment; with a semicolon\n"
      "INSERT INTO a VALUES ('it''s; fine') /* ; */;\n"
      "\n  ;  -- empty statements are dropped\n"
      "SELECT \"odd;name\" FROM a",
      Dialect::postgres);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], "CREATE TABLE a (x text DEFAULT 'a;b')");
  EXPECT_EQ(got[1], "-- a comment; with a semicolon\nINSERT INTO a VALUES ('it''s; fine') /* ; */");
  // A comment belongs to the statement after it, even on the line of an earlier semicolon.
  EXPECT_EQ(got[2], "-- empty statements are dropped\nSELECT \"odd;name\" FROM a");
}

TEST(SqlScript, KeepsPostgresDollarQuotedBodiesWhole) {
  const auto got = texts(
      "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $fn$\n"
      "BEGIN\n  NEW.x := 'a;'; RETURN NEW;\nEND;\n$fn$;\n"
      "CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW EXECUTE FUNCTION f();\n"
      "SELECT $1, $$;$$;",
      Dialect::postgres);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_TRUE(got[0].ends_with("$fn$"));
  EXPECT_TRUE(got[1].starts_with("CREATE TRIGGER"));
  EXPECT_EQ(got[2], "SELECT $1, $$;$$");
}

TEST(SqlScript, KeepsTriggerBodiesWholeOnSqlite) {
  const auto got = texts(
      "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n"
      "  UPDATE b SET n = CASE WHEN n > 0 THEN n + 1 ELSE 1 END;\n"
      "  INSERT INTO log VALUES ('x;');\n"
      "END;\n"
      "CREATE INDEX i ON a (x);",
      Dialect::sqlite);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[0].ends_with("END"));
  EXPECT_EQ(got[1], "CREATE INDEX i ON a (x)");
}

TEST(SqlScript, MysqlCompoundBodiesBackslashesAndDelimiter) {
  const auto got = texts(
      "INSERT INTO a VALUES ('back\\'slash;'); # hash comment;\n"
      "CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN\n"
      "  IF NEW.x IS NULL THEN SET NEW.x = 1; END IF;\n"
      "  CASE WHEN NEW.y = 1 THEN SET NEW.z = 2; ELSE SET NEW.z = 3; END CASE;\n"
      "END;\n"
      "DELIMITER //\n"
      "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END//\n"
      "DELIMITER ;\n"
      "SELECT 3;",
      Dialect::mysql);
  ASSERT_EQ(got.size(), 4u) << ::testing::PrintToString(got);
  EXPECT_EQ(got[0], "INSERT INTO a VALUES ('back\\'slash;')");
  EXPECT_TRUE(got[1].ends_with("END CASE;\nEND")) << got[1];
  EXPECT_EQ(got[2], "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END");
  EXPECT_EQ(got[3], "SELECT 3");
}

TEST(SqlScript, ReportsTheLineOfEachStatement) {
  const auto got =
      split_sql_script("-- header\n\nSELECT 1;\n/* a\n b */ SELECT\n 2;", Dialect::sqlite);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].line, 3);
  EXPECT_EQ(got[1].line, 5);
}

TEST(SqlScript, NamesTheLineOfAnUnclosedQuote) {
  try {
    split_sql_script("SELECT 1;\nSELECT 'open;\n", Dialect::postgres);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ferry::schema
