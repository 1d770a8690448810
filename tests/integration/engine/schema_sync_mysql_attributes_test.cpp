// `ferry schema sync` against real MariaDB for what is MySQL's own: table, column and index
// attributes (ON UPDATE, key prefixes, FULLTEXT, SPATIAL, IGNORED, partitioning, engine,
// collation, ROW_FORMAT) and stored programs (routines, triggers, events). The master has
// them, the tenant lacks them, has others or has them otherwise; after a sync SHOW CREATE
// reads alike.
#include <gtest/gtest.h>

#include "schema_sync_mysql_support.hpp"

namespace ferry::test {
namespace {

using SchemaSyncMysqlAttributes = MysqlSyncTest;

TEST_F(SchemaSyncMysqlAttributes, SyncsOnUpdateCurrentTimestamp) {
  exec(m_tenant,
       {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, "
        "touched timestamp NOT NULL DEFAULT current_timestamp(), "
        "seen datetime(3) NULL ON UPDATE current_timestamp(3), n int NULL)",
        "INSERT INTO t (id, touched, seen, n) VALUES (1, '2001-01-01 00:00:00', NULL, 1)"});
  exec(m_master,
       {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, "
        "touched timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(), "
        "seen datetime(3) NULL, n int NULL)",
        "CREATE TABLE u (id int NOT NULL PRIMARY KEY, "
        "at datetime(6) NOT NULL DEFAULT current_timestamp(6) ON UPDATE current_timestamp(6))"});
  EXPECT_EQ(diff_exit(m_tenant), 3);
  const Json tenant = expect_same_tables({"t", "u"});
  EXPECT_TRUE(has_statement(tenant, "ON UPDATE current_timestamp()"));
  exec(m_tenant, {"UPDATE t SET n = 2"});
  EXPECT_EQ(scalar(m_tenant, "SELECT touched > '2001-01-01' AND seen IS NULL FROM t"), "1");
}

TEST_F(SchemaSyncMysqlAttributes, SyncsIndexPrefixes) {
  exec(m_tenant, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(100) NULL, "
                  "code varchar(20) NULL, KEY k_name (name), KEY k_pair (name(8), code), "
                  "KEY k_code (code(4)))"});
  exec(m_master,
       {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(100) NULL, "
        "code varchar(20) NULL, KEY k_name (name(10)), KEY k_pair (name(5), code), "
        "KEY k_code (code))",
        "CREATE TABLE u (id int NOT NULL PRIMARY KEY, doc text NULL, KEY k_doc (doc(32)))"});
  const Json tenant = expect_same_tables({"t", "u"});
  EXPECT_TRUE(has_statement(tenant, "CREATE INDEX `k_name` ON `t` (`name`(10))"));
  EXPECT_TRUE(has_statement(tenant, "CREATE INDEX `k_doc` ON `u` (`doc`(32))"));
}

TEST_F(SchemaSyncMysqlAttributes, SyncsFulltextAndSpatialIndexes) {
  exec(m_tenant, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, title varchar(100) NULL, "
                  "body text NULL, g geometry NOT NULL, KEY ft_title (title))",
                  "INSERT INTO t VALUES (1, 'ferry', 'structure sync', POINT(1, 2))"});
  exec(m_master, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, title varchar(100) NULL, "
                  "body text NULL, g geometry NOT NULL, FULLTEXT KEY ft_title (title), "
                  "FULLTEXT KEY ft_all (title, body), SPATIAL KEY sp_g (g))",
                  "CREATE TABLE u (id int NOT NULL PRIMARY KEY, body text NULL, FULLTEXT KEY "
                  "ft_body (body))"});
  const Json tenant = expect_same_tables({"t", "u"});
  EXPECT_TRUE(has_statement(tenant, "CREATE FULLTEXT INDEX `ft_all` ON `t` (`title`, `body`)"));
  EXPECT_TRUE(has_statement(tenant, "CREATE SPATIAL INDEX `sp_g` ON `t` (`g`)"));
  EXPECT_EQ(scalar(m_tenant, "SELECT id FROM t WHERE MATCH (title, body) AGAINST ('structure')"),
            "1");
}

TEST_F(SchemaSyncMysqlAttributes, SyncsIgnoredIndexesInPlace) {
  exec(m_tenant, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, a int NULL, b int NULL, "
                  "KEY k_a (a), KEY k_b (b) IGNORED)"});
  exec(m_master, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, a int NULL, b int NULL, "
                  "c int NULL, KEY k_a (a) IGNORED, KEY k_b (b), KEY k_c (c) IGNORED)"});
  const Json tenant = expect_same_tables({"t"});
  EXPECT_TRUE(has_statement(tenant, "ALTER TABLE `t` ALTER INDEX `k_a` IGNORED"));
  EXPECT_TRUE(has_statement(tenant, "ALTER TABLE `t` ALTER INDEX `k_b` NOT IGNORED"));
  EXPECT_FALSE(has_statement(tenant, "DROP INDEX"));
  EXPECT_TRUE(has_statement(tenant, "CREATE INDEX `k_c` ON `t` (`c`) IGNORED"));
}

TEST_F(SchemaSyncMysqlAttributes, SyncsPartitioning) {
  exec(m_tenant,
       {// Not partitioned here; by range of year in the master, with a wider primary key.
        "CREATE TABLE added (id int NOT NULL PRIMARY KEY, d date NOT NULL)",
        // Partitioned otherwise.
        "CREATE TABLE changed (id int NOT NULL PRIMARY KEY) PARTITION BY KEY (id) PARTITIONS 2",
        // Partitioned here only; the master has a FULLTEXT index, which needs it gone.
        "CREATE TABLE removed (id int NOT NULL PRIMARY KEY, body text NULL) "
        "PARTITION BY HASH (id) PARTITIONS 3",
        "INSERT INTO added VALUES (1, '1999-05-01'), (2, '2024-05-01')",
        "INSERT INTO changed VALUES (1), (2), (3)",
        "INSERT INTO removed VALUES (1, 'a'), (2, 'b')"});
  exec(m_master,
       {"CREATE TABLE added (id int NOT NULL, d date NOT NULL, PRIMARY KEY (id, d)) "
        "PARTITION BY RANGE (YEAR(d)) (PARTITION p_old VALUES LESS THAN (2000), "
        "PARTITION p_new VALUES LESS THAN MAXVALUE)",
        "CREATE TABLE changed (id int NOT NULL PRIMARY KEY) PARTITION BY HASH (id) PARTITIONS 4",
        "CREATE TABLE removed (id int NOT NULL PRIMARY KEY, body text NULL, "
        "FULLTEXT KEY ft_body (body))",
        "CREATE TABLE fresh (id int NOT NULL, k int NOT NULL, PRIMARY KEY (id, k)) "
        "PARTITION BY LIST (k) (PARTITION p_a VALUES IN (1, 2), PARTITION p_b VALUES IN (3))"});
  EXPECT_EQ(diff_exit(m_tenant), 3);
  const Json tenant = expect_same_tables({"added", "changed", "removed", "fresh"});
  EXPECT_TRUE(has_statement(tenant, "ALTER TABLE `removed` REMOVE PARTITIONING"));
  EXPECT_TRUE(has_statement(tenant, "ALTER TABLE `changed` PARTITION BY HASH (`id`)"));
  EXPECT_EQ(scalar(m_tenant, "SELECT COUNT(*) FROM added PARTITION (p_old)"), "1");
  EXPECT_EQ(scalar(m_tenant, "SELECT COUNT(*) FROM changed"), "3");
  EXPECT_EQ(scalar(m_tenant, "SELECT COUNT(*) FROM removed"), "2");
}

TEST_F(SchemaSyncMysqlAttributes, SyncsTableCharsetAndCollationWithoutConvertingColumns) {
  exec(m_tenant, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(20) NULL, "
                  "keep varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL)",
                  "CREATE TABLE u (id int NOT NULL PRIMARY KEY, name varchar(20) NULL) "
                  "DEFAULT CHARSET=latin1",
                  "CREATE TABLE v (id int NOT NULL PRIMARY KEY, name varchar(20) NULL)",
                  "INSERT INTO t VALUES (1, 'caf\u00e9', 'x')", "INSERT INTO u VALUES (1, 'abc')"});
  exec(m_master,
       {// The default changes and so do the columns that have it; `keep` keeps its own.
        "CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(20) NULL, "
        "keep varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL) "
        "DEFAULT CHARSET=latin1 COLLATE=latin1_general_ci",
        // Back to the database's default, a column keeping latin1.
        "CREATE TABLE u (id int NOT NULL PRIMARY KEY, "
        "name varchar(20) CHARACTER SET latin1 COLLATE latin1_swedish_ci NULL)",
        // Only the table's default changes: its column keeps the database's collation.
        "CREATE TABLE v (id int NOT NULL PRIMARY KEY, "
        "name varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL) "
        "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
        "CREATE TABLE w (id int NOT NULL PRIMARY KEY, a varchar(5) NULL, "
        "b varchar(5) CHARACTER SET utf8mb4 NULL) DEFAULT CHARSET=latin1"});
  const Json tenant = expect_same_tables({"t", "u", "v", "w"});
  EXPECT_TRUE(has_statement(
      tenant, "ALTER TABLE `t` DEFAULT CHARACTER SET latin1 COLLATE latin1_general_ci"));
  EXPECT_TRUE(
      has_statement(tenant, "ALTER TABLE `v` DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"));
  EXPECT_FALSE(has_statement(tenant, "CONVERT TO"));
  EXPECT_FALSE(has_statement(tenant, "MODIFY COLUMN `name` varchar(20) COLLATE"));
  EXPECT_EQ(scalar(m_tenant, "SELECT name FROM t"), "caf\u00e9");
  EXPECT_EQ(scalar(m_tenant, "SELECT name FROM u"), "abc");
}

TEST_F(SchemaSyncMysqlAttributes, SyncsTheStorageEngine) {
  exec(m_tenant, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, n int NULL)",
                  "CREATE TABLE u (id int NOT NULL PRIMARY KEY) ENGINE=MyISAM",
                  "INSERT INTO t VALUES (1, 1)", "INSERT INTO u VALUES (1)"});
  exec(m_master, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, n int NULL) ENGINE=MyISAM",
                  "CREATE TABLE u (id int NOT NULL PRIMARY KEY)",
                  "CREATE TABLE w (id int NOT NULL PRIMARY KEY, n int NULL) ENGINE=MyISAM"});
  const Json tenant = expect_same_tables({"t", "u", "w"});
  EXPECT_TRUE(has_statement(tenant, "ALTER TABLE `t` ENGINE=MyISAM"));
  EXPECT_TRUE(has_statement(tenant, "ALTER TABLE `u` ENGINE=InnoDB"));
  EXPECT_EQ(scalar(m_tenant, "SELECT COUNT(*) FROM t"), "1");
}

// Only a ROW_FORMAT a table was given shows in SHOW CREATE TABLE: given, changed, taken away
// (ROW_FORMAT=DEFAULT), together with a new engine, and on a new table.
TEST_F(SchemaSyncMysqlAttributes, SyncsTheRowFormat) {
  exec(m_tenant, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, n int NULL)",
                  "CREATE TABLE u (id int NOT NULL PRIMARY KEY) ROW_FORMAT=COMPACT",
                  "CREATE TABLE v (id int NOT NULL PRIMARY KEY) ROW_FORMAT=DYNAMIC",
                  "CREATE TABLE w (id int NOT NULL PRIMARY KEY) ROW_FORMAT=REDUNDANT",
                  "INSERT INTO t VALUES (1, 1)"});
  exec(m_master,
       {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, n int NULL) ROW_FORMAT=DYNAMIC",
        "CREATE TABLE u (id int NOT NULL PRIMARY KEY) ROW_FORMAT=REDUNDANT",
        "CREATE TABLE v (id int NOT NULL PRIMARY KEY)",
        "CREATE TABLE w (id int NOT NULL PRIMARY KEY) ENGINE=MyISAM ROW_FORMAT=FIXED",
        "CREATE TABLE x (id int NOT NULL PRIMARY KEY, s varchar(10) NULL) ROW_FORMAT=COMPACT"});
  const Json tenant = expect_same_tables({"t", "u", "v", "w", "x"});
  EXPECT_TRUE(has_statement(tenant, "ALTER TABLE `t` ROW_FORMAT=DYNAMIC"));
  EXPECT_TRUE(has_statement(tenant, "ALTER TABLE `u` ROW_FORMAT=REDUNDANT"));
  EXPECT_TRUE(has_statement(tenant, "ALTER TABLE `v` ROW_FORMAT=DEFAULT"));
  EXPECT_TRUE(has_statement(tenant, "ALTER TABLE `w` ENGINE=MyISAM ROW_FORMAT=FIXED"));
  EXPECT_EQ(scalar(m_tenant,
                   "SELECT ROW_FORMAT FROM information_schema.TABLES WHERE "
                   "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'x'"),
            "Compact");
  EXPECT_EQ(scalar(m_tenant, "SELECT COUNT(*) FROM t"), "1");
}

// Routines, triggers and events as the server keeps them: their statement as made and the
// sql_mode, character set and collation (an event's time zone) it was made under; triggers on
// one event in their order.
std::vector<std::string> stored_programs(const TempDatabase& db) {
  auto c = db.connect();
  const std::string schema = "'" + db.name() + "'";
  std::vector<std::string> lines;
  const auto add = [&](const std::string& sql) {
    for (const connectors::TextRow& row : c->query(sql)) {
      std::string line;
      for (const auto& field : row)
        line += field.value_or("NULL") + " | ";
      lines.push_back(line);
    }
  };
  add("SELECT ROUTINE_NAME, ROUTINE_DEFINITION, SQL_MODE, CHARACTER_SET_CLIENT, "
      "COLLATION_CONNECTION FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = " +
      schema + " ORDER BY 1");
  add("SELECT EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER, TRIGGER_NAME, "
      "ACTION_STATEMENT, SQL_MODE, CHARACTER_SET_CLIENT, COLLATION_CONNECTION "
      "FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = " +
      schema + " ORDER BY 1, 2, 3, 4");
  add("SELECT EVENT_NAME, EVENT_DEFINITION, TIME_ZONE, SQL_MODE, CHARACTER_SET_CLIENT "
      "FROM information_schema.EVENTS WHERE EVENT_SCHEMA = " +
      schema + " ORDER BY 1");
  return lines;
}

TEST_F(SchemaSyncMysqlAttributes, MakesStoredProgramsUnderTheirOwnSqlModeAndInOrder) {
  const std::vector<std::string> tables = {
      "CREATE TABLE t (id int NOT NULL PRIMARY KEY, n int NULL, note varchar(20) NULL)"};
  exec(m_tenant, tables);
  exec(m_tenant, {"CREATE TRIGGER t_c BEFORE INSERT ON t FOR EACH ROW SET NEW.n = NEW.n + 100",
                  "CREATE TRIGGER t_a BEFORE INSERT ON t FOR EACH ROW SET NEW.n = 1",
                  "CREATE FUNCTION label() RETURNS TEXT DETERMINISTIC RETURN 'a' || 'b'"});
  exec(m_master, tables);
  exec(m_master,
       {"CREATE TRIGGER t_a BEFORE INSERT ON t FOR EACH ROW SET NEW.n = 1",
        "CREATE TRIGGER t_b BEFORE INSERT ON t FOR EACH ROW SET NEW.n = NEW.n * 10",
        "CREATE TRIGGER t_c BEFORE INSERT ON t FOR EACH ROW SET NEW.n = NEW.n + 100",
        "SET @saved = @@SESSION.sql_mode", "SET SESSION sql_mode = 'PIPES_AS_CONCAT,ANSI_QUOTES'",
        "CREATE FUNCTION label() RETURNS TEXT DETERMINISTIC RETURN 'a' || 'b'",
        "CREATE TRIGGER t_note BEFORE UPDATE ON t FOR EACH ROW SET NEW.\"note\" = 'x' || 'y'",
        "SET SESSION time_zone = '+02:00'",
        "CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 03:00:00' "
        "DO UPDATE t SET note = 'n' || 'm'",
        "SET SESSION sql_mode = @saved"});
  ASSERT_NE(stored_programs(m_tenant), stored_programs(m_master));

  const Json tenant = expect_synced("--allow-drop");
  EXPECT_EQ(stored_programs(m_tenant), stored_programs(m_master));
  EXPECT_TRUE(has_statement(tenant, "SET SESSION sql_mode = 'PIPES_AS_CONCAT,ANSI_QUOTES'"));
  // The order runs: 1, then * 10, then + 100; and the function concatenates under its mode.
  exec(m_tenant, {"INSERT INTO t (id, n) VALUES (1, 0)", "UPDATE t SET n = n WHERE id = 1"});
  EXPECT_EQ(scalar(m_tenant, "SELECT n FROM t"), "110");
  EXPECT_EQ(scalar(m_tenant, "SELECT note FROM t"), "xy");
  EXPECT_EQ(scalar(m_tenant, "SELECT label()"), "ab");
  // The plan left ferry's session as it was: a second sync finds nothing to do.
  EXPECT_EQ(diff_exit(m_tenant, "--allow-drop"), 0);
}

}  // namespace
}  // namespace ferry::test
