// `ferry schema sync` against real MariaDB, one kind of change at a time: tables, columns,
// keys, foreign keys, checks, generated columns, views and comments. The tenant ends up with
// the master's structure as information_schema shows it, `ferry schema diff` finds nothing
// left, and the tenant's rows survive.
#include <gtest/gtest.h>

#include "schema_sync_mysql_support.hpp"

namespace ferry::test {
namespace {

using SchemaSyncMysqlChanges = MysqlSyncTest;

TEST_F(SchemaSyncMysqlChanges, CreatesNewTablesWithEveryKindOfKey) {
  exec(m_master,
       {"CREATE TABLE parent (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, "
        "code varchar(20) NOT NULL DEFAULT 'x' COMMENT 'the code', qty int NOT NULL DEFAULT 0, "
        "price decimal(10,2) NULL, status enum('new','paid') NOT NULL DEFAULT 'new', "
        "total decimal(20,2) GENERATED ALWAYS AS (qty * price) STORED, doc json NULL, "
        "created datetime NOT NULL DEFAULT current_timestamp(), "
        "UNIQUE KEY u_code (code), KEY k_qty_desc (qty DESC, code), "
        "CONSTRAINT chk_qty CHECK (qty >= 0)) COMMENT='parents'",
        "CREATE TABLE child (id bigint NOT NULL PRIMARY KEY, parent_id int NULL, "
        "CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id) "
        "ON DELETE CASCADE)",
        "CREATE VIEW parent_codes AS SELECT id, code FROM parent WHERE qty > 0"});
  EXPECT_EQ(diff_exit(m_tenant), 3);
  expect_synced();
  EXPECT_EQ(scalar(m_tenant,
                   "SELECT COLLATION FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '" +
                       m_tenant.name() + "' AND INDEX_NAME = 'k_qty_desc' AND SEQ_IN_INDEX = 1"),
            "D");
  // The new tables work as the master's do: defaults, generated column, JSON check.
  exec(m_tenant, {"INSERT INTO parent (code, qty, price) VALUES ('a', 2, 1.50)"});
  EXPECT_EQ(scalar(m_tenant, "SELECT CONCAT(id, ' ', status, ' ', total) FROM parent"),
            "1 new 3.00");
  EXPECT_ANY_THROW(exec(m_tenant, {"INSERT INTO parent (code, doc) VALUES ('b', 'not json')"}));
}

TEST_F(SchemaSyncMysqlChanges, AddsColumnsInTheMastersPositions) {
  exec(m_tenant, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(20) NULL)",
                  "INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, NULL)"});
  exec(m_master, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, note varchar(50) NULL, "
                  "name varchar(20) NULL, qty int NOT NULL DEFAULT 7, "
                  "created datetime NOT NULL DEFAULT current_timestamp())"});
  const Json tenant = expect_synced();
  EXPECT_TRUE(has_statement(tenant, "ADD COLUMN `note` varchar(50) NULL AFTER `id`"));
  EXPECT_EQ(
      scalar(m_tenant,
             "SELECT ORDINAL_POSITION FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '" +
                 m_tenant.name() + "' AND TABLE_NAME = 't' AND COLUMN_NAME = 'note'"),
      "2");
  EXPECT_EQ(scalar(m_tenant, "SELECT GROUP_CONCAT(qty ORDER BY id) FROM t"), "7,7,7");
  EXPECT_EQ(scalar(m_tenant, "SELECT COUNT(*) FROM t WHERE note IS NULL"), "3");
}

TEST_F(SchemaSyncMysqlChanges, WidensTypesWithoutAllowDrop) {
  exec(m_tenant, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(20) NULL, n int)",
                  "INSERT INTO t VALUES (1, 'twenty characters!!!', 2147483647)"});
  exec(m_master, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(40) NULL, n bigint)"});
  expect_synced();
  EXPECT_EQ(column_type(m_tenant, "t", "name"), "varchar(40)");
  EXPECT_EQ(column_type(m_tenant, "t", "n"), "bigint(20)");
  EXPECT_EQ(scalar(m_tenant, "SELECT CONCAT(name, ' ', n) FROM t"),
            "twenty characters!!! 2147483647");
}

TEST_F(SchemaSyncMysqlChanges, NarrowingIsBlockedWithoutAllowDrop) {
  exec(m_tenant, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(40) NULL, n bigint)",
                  "INSERT INTO t VALUES (1, 'short', 5)"});
  exec(m_master, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(20) NULL, n int)"});
  const auto before = structure(m_tenant);
  const Json report = sync_json("", 1);
  const Json& tenant = report.at("tenants").at(0);
  EXPECT_EQ(tenant.at("status"), "blocked");
  EXPECT_EQ(tenant.at("changes_applied"), 0);
  EXPECT_TRUE(contains(tenant.at("error").get<std::string>(), "--allow-drop"))
      << tenant.at("error");
  EXPECT_EQ(structure(m_tenant), before);
  EXPECT_EQ(diff_exit(m_tenant), 3);

  expect_synced("--allow-drop");
  EXPECT_EQ(column_type(m_tenant, "t", "name"), "varchar(20)");
  EXPECT_EQ(column_type(m_tenant, "t", "n"), "int(11)");
  EXPECT_EQ(scalar(m_tenant, "SELECT CONCAT(name, ' ', n) FROM t"), "short 5");
}

TEST_F(SchemaSyncMysqlChanges, ChangesNullabilityDefaultsAndAutoIncrement) {
  exec(m_tenant, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, a int NULL, b int NOT NULL, "
                  "c int NULL DEFAULT 5, d varchar(10) NULL, e int NOT NULL DEFAULT 1)",
                  "INSERT INTO t VALUES (1, 10, 20, 30, 'd', 1)"});
  exec(m_master,
       {"CREATE TABLE t (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, a int NOT NULL, b int NULL, "
        "c int NULL, d varchar(10) NULL DEFAULT 'it''s', e int NOT NULL DEFAULT 2)"});
  expect_synced();
  exec(m_tenant, {"INSERT INTO t (a) VALUES (11)"});
  EXPECT_EQ(scalar(m_tenant,
                   "SELECT CONCAT_WS(',', id, a, IFNULL(b, '-'), IFNULL(c, '-'), d, e) "
                   "FROM t WHERE a = 11"),
            "2,11,-,-,it's,2");
}

TEST_F(SchemaSyncMysqlChanges, ChangesThePrimaryKeyOfAnAutoIncrementTable) {
  exec(m_tenant, {"CREATE TABLE k (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, code int NOT NULL)",
                  "CREATE TABLE m (a int NOT NULL, b int NOT NULL, PRIMARY KEY (a))",
                  "INSERT INTO k (code) VALUES (1), (2)", "INSERT INTO m VALUES (1, 1), (2, 1)"});
  exec(m_master, {"CREATE TABLE k (id int NOT NULL AUTO_INCREMENT, code int NOT NULL, "
                  "PRIMARY KEY (id, code))",
                  "CREATE TABLE m (a int NOT NULL, b int NOT NULL, PRIMARY KEY (b, a))"});
  expect_synced();
  EXPECT_EQ(scalar(m_tenant, "SELECT COUNT(*) FROM k"), "2");
}

TEST_F(SchemaSyncMysqlChanges, AddsChangesAndDropsUniquesAndIndexes) {
  exec(m_tenant,
       {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, code int NOT NULL, email varchar(50) NULL, "
        "n int NULL, UNIQUE KEY u_code (code), UNIQUE KEY u_pair (email), KEY k_n (n))",
        "INSERT INTO t VALUES (1, 1, 'a@x', 1), (2, 2, 'b@x', 1)"});
  exec(m_master,
       {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, code int NOT NULL, email varchar(50) NULL, "
        "n int NULL, UNIQUE KEY u_email (email), UNIQUE KEY u_pair (email, n), "
        "KEY k_n (n DESC, code), KEY k_email_n (email, n DESC))"});
  // u_code is the tenant's own: drift, kept until --allow-drop.
  const Json first = sync_json("", 0).at("tenants").at(0);
  EXPECT_EQ(first.at("status"), "applied");
  EXPECT_EQ(drift(first), std::vector<std::string>{"unique t.u_code"});
  EXPECT_EQ(diff_exit(m_tenant), 0);
  EXPECT_EQ(count_objects(m_tenant, "STATISTICS", "INDEX_NAME = 'u_code'"), 1u);
  EXPECT_EQ(count_objects(m_tenant, "STATISTICS",
                          "INDEX_NAME = 'k_n' AND SEQ_IN_INDEX = 1 AND COLLATION = 'D'"),
            1u);

  expect_synced("--allow-drop");
  EXPECT_EQ(count_objects(m_tenant, "STATISTICS", "INDEX_NAME = 'u_code'"), 0u);
}

// A new table's indexes are made in the master's order, which SHOW CREATE TABLE prints; an
// existing table whose indexes differ only in their order is no different.
TEST_F(SchemaSyncMysqlChanges, MakesIndexesInTheMastersOrder) {
  const std::string table =
      "CREATE TABLE t (id int NOT NULL PRIMARY KEY, a int NULL, b int NULL, c text NULL, "
      "KEY z_first (b), FULLTEXT KEY f_text (c), KEY m_second (a, b), KEY a_third (a))";
  exec(m_master, {table});
  exec(m_tenant, {"CREATE TABLE u (id int NOT NULL PRIMARY KEY, a int NULL, b int NULL, "
                  "KEY a_first (a), KEY b_second (b))"});
  exec(m_master, {"CREATE TABLE u (id int NOT NULL PRIMARY KEY, a int NULL, b int NULL, "
                  "KEY b_second (b), KEY a_first (a))"});
  const auto create = [](const TempDatabase& db, const std::string& name) {
    const auto rows = query(db, "SHOW CREATE TABLE `" + name + "`");
    return rows.at(0).at(1).value_or("");
  };
  const Json tenant = expect_synced();
  EXPECT_EQ(create(m_tenant, "t"), create(m_master, "t"));
  EXPECT_LT(create(m_tenant, "t").find("z_first"), create(m_tenant, "t").find("a_third"));
  EXPECT_FALSE(has_statement(tenant, "`u`"));
  EXPECT_NE(create(m_tenant, "u"), create(m_master, "u"));  // the order alone
}

TEST_F(SchemaSyncMysqlChanges, AddsAndChangesForeignKeysAndBreaksCycles) {
  exec(m_tenant, {"CREATE TABLE parent (id int NOT NULL PRIMARY KEY)",
                  "CREATE TABLE child (id int NOT NULL PRIMARY KEY, parent_id int NULL)",
                  "CREATE TABLE child2 (id int NOT NULL PRIMARY KEY, parent_id int NULL, "
                  "CONSTRAINT fk_c2 FOREIGN KEY (parent_id) REFERENCES parent (id))",
                  "INSERT INTO parent VALUES (1)", "INSERT INTO child VALUES (1, 1)",
                  "INSERT INTO child2 VALUES (1, 1)"});
  exec(m_master,
       {"CREATE TABLE parent (id int NOT NULL PRIMARY KEY)",
        "CREATE TABLE child (id int NOT NULL PRIMARY KEY, parent_id int NULL, "
        "CONSTRAINT fk_child FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE SET NULL)",
        "CREATE TABLE child2 (id int NOT NULL PRIMARY KEY, parent_id int NULL, "
        "CONSTRAINT fk_c2 FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE)",
        // Two new tables that reference each other.
        "CREATE TABLE a (id int NOT NULL PRIMARY KEY, b_id int NULL)",
        "CREATE TABLE b (id int NOT NULL PRIMARY KEY, a_id int NULL, "
        "CONSTRAINT fk_b_a FOREIGN KEY (a_id) REFERENCES a (id))",
        "ALTER TABLE a ADD CONSTRAINT fk_a_b FOREIGN KEY (b_id) REFERENCES b (id)"});
  expect_synced();
  const std::string rules =
      "SELECT GROUP_CONCAT(CONSTRAINT_NAME, '=', DELETE_RULE ORDER BY CONSTRAINT_NAME) "
      "FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = '" +
      m_tenant.name() + "'";
  EXPECT_EQ(scalar(m_tenant, rules),
            "fk_a_b=RESTRICT,fk_b_a=RESTRICT,fk_c2=CASCADE,fk_child=SET NULL");
  exec(m_tenant, {"DELETE FROM parent WHERE id = 1"});
  EXPECT_EQ(scalar(m_tenant, "SELECT COUNT(*) FROM child2"), "0");
  EXPECT_EQ(scalar(m_tenant, "SELECT IFNULL(parent_id, 'null') FROM child"), "null");
}

// MariaDB refuses to change the type of a column that a foreign key uses (error 1832/1833),
// so the plan has to drop those keys before the type change and add them again after.
TEST_F(SchemaSyncMysqlChanges, WidensColumnsThatForeignKeysUse) {
  exec(m_tenant, {"CREATE TABLE parent (id int NOT NULL PRIMARY KEY)",
                  "CREATE TABLE child (id int NOT NULL PRIMARY KEY, parent_id int NULL, "
                  "CONSTRAINT fk_child FOREIGN KEY (parent_id) REFERENCES parent (id))",
                  "INSERT INTO parent VALUES (1)", "INSERT INTO child VALUES (1, 1)"});
  exec(m_master, {"CREATE TABLE parent (id bigint NOT NULL PRIMARY KEY)",
                  "CREATE TABLE child (id int NOT NULL PRIMARY KEY, parent_id bigint NULL, "
                  "CONSTRAINT fk_child FOREIGN KEY (parent_id) REFERENCES parent (id))"});
  expect_synced();
}

TEST_F(SchemaSyncMysqlChanges, ChangesChecksEnumsAndGeneratedColumns) {
  exec(m_tenant,
       {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, qty int NOT NULL, price int NOT NULL, "
        "status enum('new','paid') NOT NULL DEFAULT 'new', "
        "doubled int GENERATED ALWAYS AS (qty * 2) STORED, "
        "CONSTRAINT chk_qty CHECK (qty >= 0))",
        "INSERT INTO t (id, qty, price, status) VALUES (1, 3, 5, 'paid')"});
  exec(m_master,
       {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, qty int NOT NULL, price int NOT NULL, "
        "status enum('new','shipped','paid') NOT NULL DEFAULT 'new', "
        "doubled int GENERATED ALWAYS AS (qty * 3) STORED, "
        "total int GENERATED ALWAYS AS (qty * price) STORED, "
        "CONSTRAINT chk_qty CHECK (qty > 0), CONSTRAINT chk_price CHECK (price < 1000))"});
  expect_synced();
  EXPECT_EQ(column_type(m_tenant, "t", "status"), "enum('new','shipped','paid')");
  EXPECT_EQ(scalar(m_tenant, "SELECT CONCAT_WS(',', status, doubled, total) FROM t"), "paid,9,15");
  EXPECT_ANY_THROW(exec(m_tenant, {"INSERT INTO t (id, qty, price) VALUES (2, 0, 1)"}));
  EXPECT_ANY_THROW(exec(m_tenant, {"INSERT INTO t (id, qty, price) VALUES (3, 1, 1000)"}));
  exec(m_tenant, {"INSERT INTO t (id, qty, price, status) VALUES (4, 1, 1, 'shipped')"});
}

TEST_F(SchemaSyncMysqlChanges, CreatesViewsAndRecreatesThoseOverChangedTables) {
  exec(m_tenant, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(20) NULL)",
                  "INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')",
                  "CREATE VIEW v_t AS SELECT id, name FROM t",
                  "CREATE VIEW v_old AS SELECT id FROM t WHERE id > 1"});
  exec(m_master,
       {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(40) NULL, extra int NULL)",
        "CREATE VIEW v_t AS SELECT id, name FROM t",
        "CREATE VIEW v_old AS SELECT id FROM t WHERE id > 2",
        "CREATE VIEW v_new AS SELECT name FROM v_t WHERE id = 1"});
  const Json tenant = expect_synced();
  EXPECT_TRUE(has_statement(tenant, "DROP VIEW `v_t`"));
  EXPECT_TRUE(has_statement(tenant, "VIEW `v_t` AS"));
  EXPECT_EQ(scalar(m_tenant, "SELECT COUNT(*) FROM v_t"), "3");
  EXPECT_EQ(scalar(m_tenant, "SELECT COUNT(*) FROM v_old"), "1");
  EXPECT_EQ(scalar(m_tenant, "SELECT name FROM v_new"), "one");
}

TEST_F(SchemaSyncMysqlChanges, ChangesTableAndColumnComments) {
  exec(m_tenant, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY COMMENT 'old id', "
                  "a int NULL, b int NULL COMMENT 'gone soon') COMMENT='old table'",
                  "CREATE TABLE u (id int NOT NULL PRIMARY KEY) COMMENT='dropped comment'"});
  exec(m_master, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY COMMENT 'the id', "
                  "a int NULL COMMENT 'it''s a', b int NULL) COMMENT='the table''s comment'",
                  "CREATE TABLE u (id int NOT NULL PRIMARY KEY)"});
  expect_synced();
  EXPECT_EQ(scalar(m_tenant,
                   "SELECT TABLE_COMMENT FROM information_schema.TABLES "
                   "WHERE TABLE_SCHEMA = '" +
                       m_tenant.name() + "' AND TABLE_NAME = 't'"),
            "the table's comment");
}

TEST_F(SchemaSyncMysqlChanges, SyncsColumnAndTableChecks) {
  exec(m_tenant, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, qty int NULL, price int NULL, "
                  "rate int NULL CHECK (rate < 10), n int NULL CHECK (n > 0))",
                  "INSERT INTO t VALUES (1, 5, 5, 5, 5)"});
  exec(m_master,
       {// qty gains a column check, price a table check; rate's changes; n's goes (drift, kept
        // below) while n is widened: the MODIFY restates it.
        "CREATE TABLE t (id int NOT NULL PRIMARY KEY, qty int NULL CHECK (qty > 0), "
        "price int NULL, rate int NULL CHECK (rate < 100), n bigint NULL, "
        "CONSTRAINT chk_price CHECK (price >= 0))",
        "CREATE TABLE u (id int NOT NULL PRIMARY KEY, a int NULL CHECK (a <> 0), "
        "CONSTRAINT chk_a CHECK (a < 5))"});
  const Json kept = sync_json("", 0).at("tenants").at(0);
  EXPECT_EQ(kept.at("status"), "applied");
  EXPECT_EQ(drift(kept), std::vector<std::string>{"check t.n"});
  EXPECT_EQ(diff_exit(m_tenant), 0);
  EXPECT_EQ(show_create(m_tenant, "u"), show_create(m_master, "u"));
  EXPECT_TRUE(contains(show_create(m_tenant, "t"), "`n` bigint(20) DEFAULT NULL CHECK (`n` > 0)"))
      << show_create(m_tenant, "t");
  EXPECT_ANY_THROW(exec(m_tenant, {"INSERT INTO t (id, qty) VALUES (2, 0)"}));
  EXPECT_ANY_THROW(exec(m_tenant, {"INSERT INTO t (id, price) VALUES (3, -1)"}));
  exec(m_tenant, {"INSERT INTO t (id, rate) VALUES (4, 50)"});

  expect_same_tables({"t", "u"}, "--allow-drop");
}

// MariaDB prints a column's check in the column or as a table constraint named after it: the
// same check either way.
TEST_F(SchemaSyncMysqlChanges, ColumnAndTableChecksOfOneMeaningCompareEqual) {
  exec(m_tenant, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, qty int NULL, n int NULL CHECK "
                  "(n > 0), CONSTRAINT qty CHECK (qty > 0))"});
  exec(m_master, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, qty int NULL CHECK (qty > 0), "
                  "n int NULL, CONSTRAINT n CHECK (n > 0))"});
  EXPECT_EQ(diff_exit(m_tenant), 0);
  EXPECT_EQ(diff_exit(m_tenant, "--allow-drop"), 0);
  // Widened, both keep their check, each where it is.
  exec(m_master, {"ALTER TABLE t MODIFY qty bigint NULL CHECK (qty > 0), MODIFY n bigint NULL"});
  expect_synced("--allow-drop");
  EXPECT_ANY_THROW(exec(m_tenant, {"INSERT INTO t (id, qty) VALUES (1, 0)"}));
  EXPECT_ANY_THROW(exec(m_tenant, {"INSERT INTO t (id, n) VALUES (2, 0)"}));
}

TEST_F(SchemaSyncMysqlChanges, SyncsVirtualAndStoredGeneratedColumns) {
  exec(m_tenant,
       {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, qty int NOT NULL, "
        "v int GENERATED ALWAYS AS (qty * 2) STORED, s int GENERATED ALWAYS AS (qty * 3) VIRTUAL, "
        "e int GENERATED ALWAYS AS (qty + 1) VIRTUAL, r int NULL, g int GENERATED ALWAYS AS "
        "(qty - 1) VIRTUAL, KEY k_v (v), KEY k_s (s, qty))",
        "INSERT INTO t (id, qty, r) VALUES (1, 5, 7)"});
  exec(m_master,
       {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, qty int NOT NULL, "
        "v int GENERATED ALWAYS AS (qty * 2) VIRTUAL, s int GENERATED ALWAYS AS (qty * 3) STORED, "
        "e int GENERATED ALWAYS AS (qty + 2) VIRTUAL, r int GENERATED ALWAYS AS (qty * 10) "
        "VIRTUAL, g int NULL, KEY k_v (v), KEY k_s (s, qty))",
        "CREATE TABLE u (id int NOT NULL PRIMARY KEY, a int NULL, "
        "b int GENERATED ALWAYS AS (a * a) VIRTUAL, c int AS (a + 1) PERSISTENT)"});
  const Json tenant = expect_same_tables({"t", "u"});
  EXPECT_TRUE(has_statement(tenant,
                            "DROP COLUMN `v`, ADD COLUMN `v` int(11) GENERATED ALWAYS AS "
                            "(`qty` * 2) VIRTUAL AFTER `qty`"));
  EXPECT_EQ(scalar(m_tenant, "SELECT CONCAT_WS(',', v, s, e, r, IFNULL(g, '-')) FROM t"),
            "10,15,7,50,-");
  EXPECT_EQ(count_objects(m_tenant, "STATISTICS", "INDEX_NAME = 'k_s'"), 2u);
}

TEST_F(SchemaSyncMysqlChanges, AutoIncrementCountersAreNeverSynced) {
  exec(m_master, {"CREATE TABLE t (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, n int NULL) "
                  "AUTO_INCREMENT=1000",
                  "INSERT INTO t (n) VALUES (1), (2)"});
  exec(m_tenant, {"CREATE TABLE t (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, n int NULL)",
                  "INSERT INTO t (n) VALUES (1)"});
  EXPECT_EQ(diff_exit(m_tenant), 0);
  const Json tenant = sync_json("", 0).at("tenants").at(0);
  EXPECT_EQ(tenant.at("status"), "in sync");
  EXPECT_TRUE(tenant.at("plan").at("changes").empty());
  EXPECT_EQ(show_create(m_tenant, "t"), show_create(m_master, "t"));
  exec(m_tenant, {"INSERT INTO t (n) VALUES (2)"});
  EXPECT_EQ(scalar(m_tenant, "SELECT MAX(id) FROM t"), "2");
}

}  // namespace
}  // namespace ferry::test
