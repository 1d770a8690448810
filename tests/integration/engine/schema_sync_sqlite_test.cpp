// `ferry schema diff` and `ferry schema sync` against real SQLite files, as a user runs them.
// Every outcome is checked again from SQLite's own view (sqlite_schema, PRAGMA table_xinfo,
// ordered SELECTs of quote()d values), never from ferry's catalog alone: rows must come
// through a table rebuild unchanged, and a failed sync must leave the tenant as it was.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "test_env.hpp"

namespace ferry {
namespace {

using connectors::TextRow;
using test::run_ferry;
using test::TempDatabase;
using Rows = std::vector<TextRow>;

void exec(const TempDatabase& db, const std::vector<std::string>& statements) {
  db.connect()->execute(statements);
}

Rows query(const TempDatabase& db, const std::string& sql) {
  return db.connect()->query(sql);
}

// Rows as SQL literals (quote()), so 1, '1' and X'31' differ: a byte-for-byte comparison.
Rows dump(const TempDatabase& db, const std::string& table, const std::string& columns,
          const std::string& order_by) {
  std::string select;
  std::stringstream in(columns);
  for (std::string c; std::getline(in, c, ',');)
    select += (select.empty() ? "quote(" : ", quote(") + c + ")";
  return query(db, "SELECT " + select + " FROM " + table + " ORDER BY " + order_by);
}

// Everything SQLite stores about the structure, in a stable order.
Rows structure(const TempDatabase& db) {
  return query(db, "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name");
}

// "name type notnull default pk hidden" per column, from PRAGMA table_xinfo.
std::vector<std::string> xinfo(const TempDatabase& db, const std::string& table) {
  std::vector<std::string> out;
  for (const TextRow& r : query(db,
                                "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM "
                                "pragma_table_xinfo('" +
                                    table + "') ORDER BY cid")) {
    std::string line;
    for (const auto& v : r)
      line += (line.empty() ? "" : " ") + v.value_or("NULL");
    out.push_back(line);
  }
  return out;
}

std::string object_sql(const TempDatabase& db, const std::string& name) {
  const Rows r = query(db, "SELECT sql FROM sqlite_schema WHERE name = '" + name + "'");
  return r.empty() ? std::string{} : r[0][0].value_or("");
}

bool has_object(const TempDatabase& db, const std::string& name) {
  return !query(db, "SELECT 1 FROM sqlite_schema WHERE name = '" + name + "'").empty();
}

std::string file_path(const TempDatabase& db) {
  return db.endpoint().database;
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string q(const std::string& url) {
  return "'" + url + "'";
}

test::CommandOutput sync(const TempDatabase& master, const std::vector<const TempDatabase*>& to,
                         const std::string& flags = "") {
  std::string tenants;
  for (const TempDatabase* t : to)
    tenants += " " + q(t->url());
  return run_ferry("-q schema sync --from " + q(master.url()) + " --to" + tenants + " " + flags);
}

test::CommandOutput diff(const TempDatabase& master, const TempDatabase& tenant,
                         const std::string& flags = "") {
  return run_ferry("-q schema diff " + q(master.url()) + " " + q(tenant.url()) + " " + flags);
}

// The JSON document in a command's output (log lines, if any, come before it).
nlohmann::json json_of(const std::string& output) {
  return nlohmann::json::parse(output.substr(output.find('{')));
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Macros, not functions, so a failure names the line of the test.
#define EXPECT_IN_SYNC(master, tenant)               \
  do {                                               \
    const auto rediff = diff(master, tenant);        \
    EXPECT_EQ(rediff.exit_code, 0) << rediff.output; \
  } while (false)

// `command` runs once; its one tenant must show the status "applied" in the table.
#define EXPECT_APPLIED(command)                                             \
  do {                                                                      \
    const auto applied = (command);                                         \
    EXPECT_EQ(applied.exit_code, 0) << applied.output;                      \
    EXPECT_TRUE(contains(applied.output, "  applied  ")) << applied.output; \
  } while (false)

class SchemaSyncSqlite : public ::testing::Test {
 protected:
  TempDatabase master{Dialect::sqlite};
  TempDatabase tenant{Dialect::sqlite};
};

// Change kinds

TEST_F(SchemaSyncSqlite, CreatesTablesWithEveryKindOfConstraint) {
  exec(master, {"CREATE TABLE parent (id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL "
                "UNIQUE, qty INTEGER NOT NULL DEFAULT 0 CHECK (qty >= 0))",
                "CREATE TABLE child (id INTEGER NOT NULL PRIMARY KEY, parent_id INTEGER "
                "REFERENCES parent (id) ON DELETE CASCADE, note TEXT)"});
  const auto out = sync(master, {&tenant});
  EXPECT_APPLIED(out);
  EXPECT_IN_SYNC(master, tenant);

  EXPECT_EQ(xinfo(tenant, "parent"),
            (std::vector<std::string>{"id INTEGER 1 NULL 1 0", "code TEXT 1 NULL 0 0",
                                      "qty INTEGER 1 0 0 0"}));
  EXPECT_TRUE(contains(object_sql(tenant, "parent"), "AUTOINCREMENT"));
  EXPECT_EQ(query(tenant,
                  "SELECT \"table\", \"from\", \"to\", on_delete FROM "
                  "pragma_foreign_key_list('child')"),
            (Rows{{"parent", "parent_id", "id", "CASCADE"}}));
  // The constraints hold: unique, check, foreign key, and the cascade.
  exec(tenant, {"INSERT INTO parent (code) VALUES ('a')",
                "INSERT INTO child (id, parent_id) VALUES (1, 1)"});
  EXPECT_ANY_THROW(exec(tenant, {"INSERT INTO parent (code) VALUES ('a')"}));
  EXPECT_ANY_THROW(exec(tenant, {"INSERT INTO parent (code, qty) VALUES ('b', -1)"}));
  EXPECT_ANY_THROW(exec(tenant, {"INSERT INTO child (id, parent_id) VALUES (2, 99)"}));
  exec(tenant, {"DELETE FROM parent"});
  EXPECT_TRUE(query(tenant, "SELECT * FROM child").empty());
  EXPECT_EQ(query(tenant, "SELECT seq FROM sqlite_sequence WHERE name = 'parent'"), (Rows{{"1"}}));
}

TEST_F(SchemaSyncSqlite, AddsColumnsInPlaceWhenSqliteCan) {
  const std::vector<std::string> base{
      "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)",
  };
  exec(master, base);
  exec(master, {"ALTER TABLE t ADD COLUMN note TEXT",
                "ALTER TABLE t ADD COLUMN status TEXT NOT NULL DEFAULT 'new'"});
  exec(tenant, base);
  exec(tenant, {"INSERT INTO t VALUES (1, 'one'), (2, NULL), (3, 'x''y')"});

  const auto plan = diff(master, tenant);
  EXPECT_EQ(plan.exit_code, 3) << plan.output;
  EXPECT_TRUE(contains(plan.output, "ALTER TABLE \"t\" ADD COLUMN \"note\" TEXT")) << plan.output;
  EXPECT_TRUE(contains(plan.output, "ADD COLUMN \"status\" TEXT NOT NULL DEFAULT 'new'"))
      << plan.output;
  EXPECT_FALSE(contains(plan.output, "_ferry_rebuild_")) << plan.output;

  EXPECT_APPLIED(sync(master, {&tenant}));
  EXPECT_IN_SYNC(master, tenant);
  EXPECT_EQ(dump(tenant, "t", "id,name,note,status", "id"),
            (Rows{{"1", "'one'", "NULL", "'new'"},
                  {"2", "NULL", "NULL", "'new'"},
                  {"3", "'x''y'", "NULL", "'new'"}}));
}

// A NOT NULL column without a default can only come by a rebuild, whose copy has no value
// for it: planned as data_dependent; on a table with rows the sync fails and changes nothing.
TEST_F(SchemaSyncSqlite, NotNullColumnWithoutDefaultFailsOnRowsAndLeavesTheTenantAlone) {
  exec(master, {"CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, code TEXT NOT NULL)"});
  exec(tenant, {"CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)",
                "INSERT INTO t VALUES (1, 'one'), (2, 'two')"});
  const auto plan = diff(master, tenant);
  EXPECT_EQ(plan.exit_code, 3);
  EXPECT_TRUE(contains(plan.output, "-- data_dependent: rebuild table t")) << plan.output;

  const Rows structure_before = structure(tenant);
  const Rows rows_before = dump(tenant, "t", "id,name", "id");
  const auto out = sync(master, {&tenant});
  EXPECT_EQ(out.exit_code, 1) << out.output;
  EXPECT_TRUE(contains(out.output, "failed")) << out.output;
  EXPECT_TRUE(contains(out.output, "NOT NULL")) << out.output;
  EXPECT_EQ(structure(tenant), structure_before);
  EXPECT_EQ(dump(tenant, "t", "id,name", "id"), rows_before);

  // Empty, the same table takes the column.
  exec(tenant, {"DELETE FROM t"});
  EXPECT_APPLIED(sync(master, {&tenant}));
  EXPECT_IN_SYNC(master, tenant);
  EXPECT_EQ(xinfo(tenant, "t").back(), "code TEXT 1 NULL 0 0");
}

TEST_F(SchemaSyncSqlite, RebuildChangesTypeNullabilityAndDefaultAndKeepsEveryRow) {
  exec(master, {"CREATE TABLE t (id INTEGER PRIMARY KEY, amount BIGINT, name TEXT NOT NULL, "
                "flag INTEGER DEFAULT 1, ratio REAL, data BLOB)",
                "CREATE INDEX t_name_idx ON t (name)"});
  exec(tenant, {"CREATE TABLE t (id INTEGER PRIMARY KEY, amount INTEGER, name TEXT, "
                "flag INTEGER, ratio REAL, data BLOB)",
                "CREATE INDEX t_name_idx ON t (name)",
                "INSERT INTO t VALUES (1, 9223372036854775807, 'a', NULL, 0.1, X'00ff'), "
                "(2, -5, 'b''c', 0, 1e300, NULL), (3, NULL, 'ünï', 7, NULL, X'')"});
  const std::string cols = "id,amount,name,flag,ratio,data";
  const Rows before = dump(tenant, "t", cols, "id");

  const auto plan = diff(master, tenant);
  EXPECT_TRUE(contains(plan.output, "type INTEGER -> BIGINT")) << plan.output;
  EXPECT_TRUE(contains(plan.output, "set NOT NULL")) << plan.output;
  EXPECT_TRUE(contains(plan.output, "default 1")) << plan.output;

  EXPECT_APPLIED(sync(master, {&tenant}));
  EXPECT_IN_SYNC(master, tenant);
  EXPECT_EQ(dump(tenant, "t", cols, "id"), before);
  EXPECT_EQ(xinfo(tenant, "t"),
            (std::vector<std::string>{"id INTEGER 1 NULL 1 0", "amount BIGINT 0 NULL 0 0",
                                      "name TEXT 1 NULL 0 0", "flag INTEGER 0 1 0 0",
                                      "ratio REAL 0 NULL 0 0", "data BLOB 0 NULL 0 0"}));
  EXPECT_TRUE(has_object(tenant, "t_name_idx"));
  EXPECT_FALSE(has_object(tenant, "_ferry_rebuild_t"));
}

TEST_F(SchemaSyncSqlite, ChangesThePrimaryKey) {
  exec(master, {"CREATE TABLE t (a INTEGER NOT NULL, b TEXT NOT NULL, v TEXT, "
                "PRIMARY KEY (a, b))"});
  exec(tenant, {"CREATE TABLE t (a INTEGER NOT NULL, b TEXT NOT NULL, v TEXT, PRIMARY KEY (a))",
                "INSERT INTO t VALUES (1, 'x', 'one'), (2, 'y', NULL)"});
  const Rows before = dump(tenant, "t", "a,b,v", "a");
  EXPECT_APPLIED(sync(master, {&tenant}));
  EXPECT_IN_SYNC(master, tenant);
  EXPECT_EQ(dump(tenant, "t", "a,b,v", "a"), before);
  EXPECT_EQ(query(tenant, "SELECT name FROM pragma_table_info('t') WHERE pk > 0 ORDER BY pk"),
            (Rows{{"a"}, {"b"}}));
  exec(tenant, {"INSERT INTO t VALUES (1, 'z', 'same a, other b')"});
}

TEST_F(SchemaSyncSqlite, AddsUniqueConstraintsAndRefusesDuplicates) {
  exec(master, {"CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT, CONSTRAINT t_email_key "
                "UNIQUE (email))"});
  exec(tenant, {"CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT, code TEXT, "
                "CONSTRAINT t_code_key UNIQUE (code))",
                "INSERT INTO t VALUES (1, 'a@x', 'c1'), (2, 'a@x', 'c2')"});
  const auto plan = diff(master, tenant);
  EXPECT_TRUE(contains(plan.output, "add unique t.t_email_key")) << plan.output;
  EXPECT_TRUE(contains(plan.output, "data_dependent")) << plan.output;

  // Duplicates: the copy into the rebuilt table fails and nothing changes.
  const Rows before = structure(tenant);
  const auto refused = sync(master, {&tenant});
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_TRUE(contains(refused.output, "UNIQUE")) << refused.output;
  EXPECT_EQ(structure(tenant), before);

  exec(tenant, {"UPDATE t SET email = 'b@x' WHERE id = 2"});
  EXPECT_APPLIED(sync(master, {&tenant}));
  EXPECT_IN_SYNC(master, tenant);
  EXPECT_ANY_THROW(exec(tenant, {"INSERT INTO t (id, email) VALUES (3, 'a@x')"}));
  // The tenant's own unique constraint and column are drift: kept, and still enforced.
  EXPECT_ANY_THROW(exec(tenant, {"INSERT INTO t (id, email, code) VALUES (4, 'n@x', 'c1')"}));
  EXPECT_EQ(dump(tenant, "t", "id,email,code", "id"),
            (Rows{{"1", "'a@x'", "'c1'"}, {"2", "'b@x'", "'c2'"}}));

  EXPECT_APPLIED(sync(master, {&tenant}, "--allow-drop"));
  EXPECT_IN_SYNC(master, tenant);
  EXPECT_EQ(diff(master, tenant, "--allow-drop").exit_code, 0);
  EXPECT_EQ(dump(tenant, "t", "id,email", "id"), (Rows{{"1", "'a@x'"}, {"2", "'b@x'"}}));
}

TEST_F(SchemaSyncSqlite, CreatesPartialAndExpressionIndexesAndReplacesChangedOnes) {
  const std::string table = "CREATE TABLE u (id INTEGER PRIMARY KEY, email TEXT, status TEXT)";
  exec(master, {table, "CREATE INDEX u_active_idx ON u (email) WHERE status = 'active'",
                "CREATE UNIQUE INDEX u_lower_idx ON u (lower(email))",
                "CREATE INDEX u_status_idx ON u (status DESC, email)"});
  exec(tenant, {table, "CREATE INDEX u_status_idx ON u (status)",
                "INSERT INTO u VALUES (1, 'A@x', 'active'), (2, 'b@x', 'gone')"});
  EXPECT_APPLIED(sync(master, {&tenant}));
  EXPECT_IN_SYNC(master, tenant);
  for (const char* name : {"u_active_idx", "u_lower_idx", "u_status_idx"}) {
    std::string sql = object_sql(tenant, name);  // ferry quotes every name
    std::erase(sql, '"');
    EXPECT_EQ(sql, object_sql(master, name)) << name;
  }
  EXPECT_EQ(query(tenant,
                  "SELECT partial FROM pragma_index_list('u') WHERE name = "
                  "'u_active_idx'"),
            (Rows{{"1"}}));
  EXPECT_ANY_THROW(exec(tenant, {"INSERT INTO u VALUES (3, 'a@X', NULL)"}));
}

TEST_F(SchemaSyncSqlite, AddsAForeignKeyToAnExistingTableAndChangesOnDelete) {
  exec(master, {"CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT)",
                "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER, CONSTRAINT c_p_fk "
                "FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE CASCADE)",
                "CREATE TABLE d (id INTEGER PRIMARY KEY, p_id INTEGER, CONSTRAINT d_p_fk "
                "FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE SET NULL)"});
  exec(tenant, {"CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT)",
                "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER)",
                "CREATE TABLE d (id INTEGER PRIMARY KEY, p_id INTEGER, CONSTRAINT d_p_fk "
                "FOREIGN KEY (p_id) REFERENCES p (id))",
                "INSERT INTO p VALUES (1, 'one'), (2, 'two')",
                "INSERT INTO c VALUES (10, 1), (11, 2), (12, NULL)",
                "INSERT INTO d VALUES (20, 1), (21, 2)"});
  const auto plan = diff(master, tenant);
  EXPECT_TRUE(contains(plan.output, "rebuild table c: add foreign key c.c_p_fk")) << plan.output;
  EXPECT_TRUE(contains(plan.output, "ON DELETE SET NULL")) << plan.output;

  EXPECT_APPLIED(sync(master, {&tenant}));
  EXPECT_IN_SYNC(master, tenant);
  EXPECT_EQ(dump(tenant, "c", "id,p_id", "id"), (Rows{{"10", "1"}, {"11", "2"}, {"12", "NULL"}}));
  EXPECT_TRUE(query(tenant, "PRAGMA foreign_key_check").empty());
  exec(tenant, {"DELETE FROM p WHERE id = 1"});
  EXPECT_EQ(dump(tenant, "c", "id,p_id", "id"), (Rows{{"11", "2"}, {"12", "NULL"}}));
  EXPECT_EQ(dump(tenant, "d", "id,p_id", "id"), (Rows{{"20", "NULL"}, {"21", "2"}}));
}

TEST_F(SchemaSyncSqlite, AddsAndDropsCheckConstraints) {
  exec(master, {"CREATE TABLE t (id INTEGER PRIMARY KEY, qty INTEGER, "
                "CONSTRAINT t_qty_check CHECK (qty >= 0))"});
  exec(tenant, {"CREATE TABLE t (id INTEGER PRIMARY KEY, qty INTEGER, "
                "CONSTRAINT t_old_check CHECK (qty < 100))",
                "INSERT INTO t VALUES (1, -1), (2, 5)"});
  const Rows before = structure(tenant);
  const auto refused = sync(master, {&tenant});
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_TRUE(contains(refused.output, "CHECK constraint failed")) << refused.output;
  EXPECT_EQ(structure(tenant), before);

  exec(tenant, {"UPDATE t SET qty = 1 WHERE id = 1"});
  EXPECT_APPLIED(sync(master, {&tenant}));
  EXPECT_IN_SYNC(master, tenant);
  EXPECT_ANY_THROW(exec(tenant, {"INSERT INTO t VALUES (3, -1)"}));
  EXPECT_ANY_THROW(exec(tenant, {"INSERT INTO t VALUES (3, 100)"}));  // drift check kept

  EXPECT_APPLIED(sync(master, {&tenant}, "--allow-drop"));
  EXPECT_EQ(diff(master, tenant, "--allow-drop").exit_code, 0);
  exec(tenant, {"INSERT INTO t VALUES (3, 100)"});
  EXPECT_EQ(dump(tenant, "t", "id,qty", "id"), (Rows{{"1", "1"}, {"2", "5"}, {"3", "100"}}));
}

TEST_F(SchemaSyncSqlite, ViewsAreCreatedAndStillReadRebuiltTables) {
  exec(master, {"CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, extra TEXT)",
                "CREATE TABLE p (id INTEGER PRIMARY KEY)",
                "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id))",
                "CREATE VIEW t_names AS SELECT id, name FROM t",
                "CREATE VIEW c_view AS SELECT id, p_id FROM c",
                "CREATE VIEW new_view AS SELECT count(*) AS n FROM t"});
  exec(tenant, {"CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)",
                "CREATE TABLE p (id INTEGER PRIMARY KEY)",
                "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER)",
                "CREATE VIEW t_names AS SELECT id, name FROM t",
                "CREATE VIEW c_view AS SELECT id, p_id FROM c",
                "CREATE VIEW tenant_view AS SELECT name FROM t WHERE id > 1",
                "INSERT INTO t VALUES (1, 'a'), (2, 'b')", "INSERT INTO p VALUES (1)",
                "INSERT INTO c VALUES (5, 1)"});
  EXPECT_APPLIED(sync(master, {&tenant}));
  EXPECT_IN_SYNC(master, tenant);
  EXPECT_EQ(query(tenant, "SELECT * FROM t_names ORDER BY id"), (Rows{{"1", "a"}, {"2", "b"}}));
  EXPECT_EQ(query(tenant, "SELECT * FROM new_view"), (Rows{{"2"}}));
  // c was rebuilt for its new foreign key only (no column changed), its view still reads it.
  EXPECT_EQ(query(tenant, "SELECT * FROM c_view"), (Rows{{"5", "1"}}));
  // The tenant's own view over the rebuilt table survives and works.
  EXPECT_EQ(query(tenant, "SELECT * FROM tenant_view"), (Rows{{"b"}}));
}

// Rebuilding a parent must not fire its children's ON DELETE CASCADE nor leave them
// pointing at a table that is gone.
TEST_F(SchemaSyncSqlite, RebuildingAParentKeepsItsChildrenAndTheirReferences) {
  const std::string child =
      "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT "
      "NULL REFERENCES parent (id) ON DELETE CASCADE, v TEXT)";
  exec(master, {"CREATE TABLE parent (id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL)", child});
  exec(tenant, {"CREATE TABLE parent (id INTEGER PRIMARY KEY, name VARCHAR(40))", child,
                "INSERT INTO parent VALUES (1, 'p1'), (2, 'p2')",
                "INSERT INTO child VALUES (10, 1, 'a'), (11, 1, 'b'), (12, 2, NULL)"});
  const Rows children = dump(tenant, "child", "id,parent_id,v", "id");
  const Rows parents = dump(tenant, "parent", "id,name", "id");
  EXPECT_APPLIED(sync(master, {&tenant}));
  EXPECT_IN_SYNC(master, tenant);
  EXPECT_EQ(dump(tenant, "child", "id,parent_id,v", "id"), children);
  EXPECT_EQ(dump(tenant, "parent", "id,name", "id"), parents);
  EXPECT_TRUE(query(tenant, "PRAGMA foreign_key_check").empty());
  EXPECT_TRUE(contains(object_sql(tenant, "child"), "REFERENCES parent"));
  exec(tenant, {"DELETE FROM parent WHERE id = 1"});  // the cascade still works
  EXPECT_EQ(dump(tenant, "child", "id", "id"), (Rows{{"12"}}));
}

TEST_F(SchemaSyncSqlite, ARebuildThatBreaksAForeignKeyFailsAndChangesNothing) {
  exec(master, {"CREATE TABLE parent (id INTEGER PRIMARY KEY)",
                "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER, CONSTRAINT "
                "child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id))"});
  exec(tenant, {"CREATE TABLE parent (id INTEGER PRIMARY KEY)",
                "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER)",
                "INSERT INTO parent VALUES (1)", "INSERT INTO child VALUES (1, 1), (2, 42)"});
  const Rows before = structure(tenant);
  const Rows rows = dump(tenant, "child", "id,parent_id", "id");
  const std::string bytes = file_bytes(file_path(tenant));
  const auto out = sync(master, {&tenant});
  EXPECT_EQ(out.exit_code, 1) << out.output;
  EXPECT_TRUE(contains(out.output, "failed")) << out.output;
  EXPECT_TRUE(contains(out.output, "foreign key")) << out.output;
  EXPECT_TRUE(contains(out.output, "child")) << out.output;
  EXPECT_EQ(structure(tenant), before);
  EXPECT_EQ(dump(tenant, "child", "id,parent_id", "id"), rows);
  EXPECT_EQ(file_bytes(file_path(tenant)), bytes);
  EXPECT_EQ(diff(master, tenant).exit_code, 3);
  // The connector put foreign keys back on: another session sees enforcement as usual.
  EXPECT_EQ(query(tenant, "PRAGMA foreign_keys"), (Rows{{"1"}}));
}

// AUTOINCREMENT promises never to hand out an id again, even a deleted one: the rebuilt
// table must keep the old table's high-water mark in sqlite_sequence.
TEST_F(SchemaSyncSqlite, RebuildKeepsTheAutoincrementHighWaterMark) {
  exec(master, {"CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL)",
                "CREATE TABLE e (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL)"});
  exec(tenant, {"CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT)",
                "CREATE TABLE e (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT)",
                "INSERT INTO t (name) VALUES ('a'), ('b'), ('c')", "DELETE FROM t WHERE id = 3",
                "INSERT INTO e (name) VALUES ('a'), ('b')", "DELETE FROM e"});
  EXPECT_APPLIED(sync(master, {&tenant}));
  EXPECT_IN_SYNC(master, tenant);
  exec(tenant, {"INSERT INTO t (name) VALUES ('d')", "INSERT INTO e (name) VALUES ('c')"});
  EXPECT_EQ(dump(tenant, "t", "id,name", "id"), (Rows{{"1", "'a'"}, {"2", "'b'"}, {"4", "'d'"}}));
  EXPECT_EQ(dump(tenant, "e", "id,name", "id"), (Rows{{"3", "'c'"}}));
  EXPECT_EQ(query(tenant, "SELECT name, seq FROM sqlite_sequence ORDER BY name"),
            (Rows{{"e", "3"}, {"t", "4"}}));
}

// A rebuild's DROP TABLE takes the table's triggers with it: the plan makes them again. A
// trigger only the tenant has goes with --allow-drop.
TEST_F(SchemaSyncSqlite, TriggersOfRebuiltTablesSurvive) {
  exec(master,
       {"CREATE TABLE t (id INTEGER PRIMARY KEY, qty BIGINT)", "CREATE TABLE log (x)",
        "CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.id); END"});
  exec(tenant, {"CREATE TABLE t (id INTEGER PRIMARY KEY, qty INTEGER)", "CREATE TABLE log (x)",
                "CREATE TABLE mine (y)",
                "CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.id); END",
                "CREATE TRIGGER mine_ins AFTER INSERT ON mine BEGIN INSERT INTO log VALUES (0); "
                "END"});
  const std::string trigger = object_sql(tenant, "t_ins");
  EXPECT_APPLIED(sync(master, {&tenant}, "--allow-drop"));
  EXPECT_IN_SYNC(master, tenant);
  EXPECT_EQ(object_sql(tenant, "t_ins"), trigger);
  EXPECT_FALSE(has_object(tenant, "mine_ins"));
  exec(tenant, {"INSERT INTO t VALUES (7, 1)"});
  EXPECT_EQ(query(tenant, "SELECT x FROM log"), (Rows{{"7"}}));
}

// A column the tenant lacks in the middle of the master's order: ADD COLUMN would put it
// last, so the table is rebuilt in the master's order, every row kept. One missing at the
// end is added in place; a tenant-only column stays where the rebuild puts it (last).
TEST_F(SchemaSyncSqlite, AColumnMissingInTheMiddleIsRebuiltInTheMastersOrderKeepingRows) {
  exec(master, {"CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, tag TEXT DEFAULT "
                "'x', qty INTEGER, note TEXT)",
                "CREATE INDEX t_qty ON t (qty)",
                "CREATE TABLE u (id INTEGER PRIMARY KEY, name TEXT, note TEXT)"});
  exec(tenant,
       {"CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER, "
        "mine TEXT)",
        "CREATE INDEX t_qty ON t (qty)",
        "INSERT INTO t VALUES (1, 'a', 10, 'm1'), (2, 'b''c', NULL, NULL), "
        "(3, 'ünï', -4, 'm3')",
        "CREATE TABLE u (id INTEGER PRIMARY KEY, name TEXT)", "INSERT INTO u VALUES (1, 'one')"});
  const Rows before = dump(tenant, "t", "id,name,qty,mine", "id");

  const auto plan = diff(master, tenant);
  EXPECT_EQ(plan.exit_code, 3) << plan.output;
  EXPECT_TRUE(contains(plan.output, "-- rewrite: rebuild table t")) << plan.output;
  EXPECT_TRUE(contains(plan.output, "column order of t: id, name, tag, qty, note")) << plan.output;
  EXPECT_TRUE(contains(plan.output, "ALTER TABLE \"u\" ADD COLUMN \"note\" TEXT")) << plan.output;
  EXPECT_FALSE(contains(plan.output, "_ferry_rebuild_u")) << plan.output;

  EXPECT_APPLIED(sync(master, {&tenant}));
  EXPECT_IN_SYNC(master, tenant);
  EXPECT_EQ(xinfo(tenant, "t"),
            (std::vector<std::string>{"id INTEGER 1 NULL 1 0", "name TEXT 1 NULL 0 0",
                                      "tag TEXT 0 'x' 0 0", "qty INTEGER 0 NULL 0 0",
                                      "note TEXT 0 NULL 0 0", "mine TEXT 0 NULL 0 0"}));
  EXPECT_EQ(dump(tenant, "t", "id,name,qty,mine", "id"), before);
  EXPECT_EQ(dump(tenant, "t", "tag,note", "id"),
            (Rows{{"'x'", "NULL"}, {"'x'", "NULL"}, {"'x'", "NULL"}}));
  EXPECT_TRUE(has_object(tenant, "t_qty"));
  EXPECT_EQ(dump(tenant, "u", "id,name,note", "id"), (Rows{{"1", "'one'", "NULL"}}));

  // Columns in another order alone: rebuilt too, the values staying with their columns.
  exec(tenant, {"DROP TABLE u", "CREATE TABLE u (id INTEGER PRIMARY KEY, note TEXT, name TEXT)",
                "INSERT INTO u VALUES (1, 'n', 'one')"});
  EXPECT_APPLIED(sync(master, {&tenant}));
  EXPECT_IN_SYNC(master, tenant);
  EXPECT_EQ(xinfo(tenant, "u"),
            (std::vector<std::string>{"id INTEGER 1 NULL 1 0", "name TEXT 0 NULL 0 0",
                                      "note TEXT 0 NULL 0 0"}));
  EXPECT_EQ(query(tenant, "SELECT * FROM u"), (Rows{{"1", "one", "n"}}));
}

// STRICT and WITHOUT ROWID are compared and made by a rebuild that keeps every row; a row that
// does not fit a STRICT column fails the sync, and the tenant stays as it was.
TEST_F(SchemaSyncSqlite, StrictAndWithoutRowidTablesAreRebuiltKeepingRows) {
  exec(master, {"CREATE TABLE m (id INTEGER PRIMARY KEY, v REAL NOT NULL, raw BLOB) STRICT",
                "CREATE TABLE kv (scope TEXT NOT NULL, k TEXT NOT NULL, v TEXT, "
                "PRIMARY KEY (scope, k)) WITHOUT ROWID",
                "CREATE TABLE both_t (name TEXT PRIMARY KEY) STRICT, WITHOUT ROWID"});
  exec(tenant, {"CREATE TABLE m (id INTEGER PRIMARY KEY, v REAL NOT NULL, raw BLOB)",
                "INSERT INTO m VALUES (1, 1.5, X'01'), (2, 3, NULL)",
                "CREATE TABLE kv (scope TEXT NOT NULL, k TEXT NOT NULL, v TEXT, "
                "PRIMARY KEY (scope, k))",
                "INSERT INTO kv VALUES ('a', 'x', '1'), ('b', 'y', NULL)"});
  const Rows m_before = dump(tenant, "m", "id,v,raw", "id");
  const Rows kv_before = dump(tenant, "kv", "scope,k,v", "scope, k");

  const auto plan = diff(master, tenant);
  EXPECT_EQ(plan.exit_code, 3) << plan.output;
  EXPECT_TRUE(contains(plan.output, "rebuild table m: table options of m: STRICT")) << plan.output;
  EXPECT_TRUE(contains(plan.output, "table options of kv: WITHOUT ROWID")) << plan.output;
  EXPECT_TRUE(contains(plan.output, ") STRICT, WITHOUT ROWID")) << plan.output;
  EXPECT_FALSE(contains(plan.output, "not compared")) << plan.output;

  EXPECT_APPLIED(sync(master, {&tenant}));
  EXPECT_IN_SYNC(master, tenant);
  EXPECT_EQ(query(tenant,
                  "SELECT name, wr, strict FROM pragma_table_list WHERE schema = 'main' AND name "
                  "NOT LIKE 'sqlite%' ORDER BY name"),
            (Rows{{"both_t", "1", "1"}, {"kv", "1", "0"}, {"m", "0", "1"}}));
  EXPECT_EQ(dump(tenant, "m", "id,v,raw", "id"), m_before);
  EXPECT_EQ(dump(tenant, "kv", "scope,k,v", "scope, k"), kv_before);
  EXPECT_ANY_THROW(exec(tenant, {"INSERT INTO m VALUES (3, 'not a number', NULL)"}));

  // Back to a rowid table, not STRICT: rebuilt again, rows kept.
  exec(master,
       {"DROP TABLE m", "CREATE TABLE m (id INTEGER PRIMARY KEY, v REAL NOT NULL, raw BLOB)"});
  EXPECT_APPLIED(sync(master, {&tenant}));
  EXPECT_IN_SYNC(master, tenant);
  EXPECT_EQ(query(tenant, "SELECT strict FROM pragma_table_list WHERE name = 'm'"), (Rows{{"0"}}));
  EXPECT_EQ(dump(tenant, "m", "id,v,raw", "id"),
            (Rows{{"1", "1.5", "X'01'"}, {"2", "3.0", "NULL"}}));

  // A value a STRICT column refuses fails the rebuild: nothing changes.
  exec(master, {"DROP TABLE m",
                "CREATE TABLE m (id INTEGER PRIMARY KEY, v REAL NOT NULL, raw "
                "BLOB) STRICT"});
  exec(tenant, {"INSERT INTO m VALUES (3, 'abc', NULL)"});
  const Rows structure_before = structure(tenant);
  const auto failed = sync(master, {&tenant});
  EXPECT_EQ(failed.exit_code, 1) << failed.output;
  EXPECT_TRUE(contains(failed.output, "failed")) << failed.output;
  EXPECT_EQ(structure(tenant), structure_before);
  EXPECT_EQ(dump(tenant, "m", "id,v", "id"), (Rows{{"1", "1.5"}, {"2", "3.0"}, {"3", "'abc'"}}));
}

// SQLite compares table names without case: a tenant table whose name differs only in case
// is renamed (by way of another name: SQLite refuses a case-only RENAME TO), keeping its
// rows, indexes, triggers, the views that read it and the foreign keys that reference it.
TEST_F(SchemaSyncSqlite, ATableNamedInAnotherCaseIsRenamedNotCreatedAgain) {
  exec(master, {"CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
                "CREATE INDEX customers_name ON customers (name)",
                "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES "
                "customers (id))",
                "CREATE TABLE log (x)",
                "CREATE TRIGGER customers_ins AFTER INSERT ON customers BEGIN INSERT INTO log "
                "VALUES (new.id); END",
                "CREATE VIEW names AS SELECT name FROM customers"});
  exec(tenant,
       {"CREATE TABLE Customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
        "CREATE INDEX customers_name ON Customers (name)",
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES "
        "Customers (id))",
        "CREATE TABLE log (x)",
        "CREATE TRIGGER customers_ins AFTER INSERT ON Customers BEGIN INSERT INTO log "
        "VALUES (new.id); END",
        "CREATE VIEW names AS SELECT name FROM Customers",
        "INSERT INTO Customers VALUES (1, 'a'), (2, 'b')", "INSERT INTO orders VALUES (10, 2)"});
  const auto plan = diff(master, tenant);
  EXPECT_EQ(plan.exit_code, 3) << plan.output;
  EXPECT_TRUE(contains(plan.output,
                       "ALTER TABLE \"Customers\" RENAME TO \"_ferry_rename_customers\";\n"
                       "ALTER TABLE \"_ferry_rename_customers\" RENAME TO \"customers\""))
      << plan.output;
  EXPECT_FALSE(contains(plan.output, "CREATE TABLE")) << plan.output;
  EXPECT_FALSE(contains(plan.output, "drift")) << plan.output;

  EXPECT_APPLIED(sync(master, {&tenant}));
  EXPECT_IN_SYNC(master, tenant);
  EXPECT_EQ(query(tenant, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"),
            (Rows{{"customers"}, {"log"}, {"orders"}}));
  EXPECT_EQ(dump(tenant, "customers", "id,name", "id"), (Rows{{"1", "'a'"}, {"2", "'b'"}}));
  EXPECT_EQ(query(tenant, "SELECT * FROM names ORDER BY name"), (Rows{{"a"}, {"b"}}));
  EXPECT_TRUE(contains(object_sql(tenant, "names"), "AS SELECT name FROM customers"))
      << object_sql(tenant, "names");
  EXPECT_EQ(object_sql(tenant, "customers_ins"), object_sql(master, "customers_ins"));
  EXPECT_TRUE(has_object(tenant, "customers_name"));
  // The reference keeps its spelling (SQLite finds the table whatever the case) and holds.
  EXPECT_EQ(query(tenant, "SELECT lower(\"table\") FROM pragma_foreign_key_list('orders')"),
            (Rows{{"customers"}}));
  EXPECT_TRUE(query(tenant, "PRAGMA foreign_key_check").empty());
  EXPECT_ANY_THROW(exec(tenant, {"INSERT INTO orders VALUES (11, 99)"}));
  exec(tenant, {"INSERT INTO customers VALUES (3, 'c')"});
  EXPECT_EQ(query(tenant, "SELECT x FROM log ORDER BY x"), (Rows{{"1"}, {"2"}, {"3"}}));
}

// A key's COLLATE is part of the index: compared, and made as the master has it.
TEST_F(SchemaSyncSqlite, IndexKeyCollationsAreComparedAndMade) {
  exec(master,
       {"CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, nick TEXT COLLATE NOCASE)",
        "CREATE INDEX t_name ON t (name COLLATE NOCASE DESC)", "CREATE INDEX t_nick ON t (nick)",
        "CREATE INDEX t_lower ON t (lower(name) COLLATE RTRIM)"});
  exec(tenant, {"CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, nick TEXT COLLATE NOCASE)",
                "CREATE INDEX t_name ON t (name DESC)", "CREATE INDEX t_nick ON t (nick)",
                "CREATE INDEX t_lower ON t (lower(name))"});
  const auto plan = diff(master, tenant);
  EXPECT_EQ(plan.exit_code, 3) << plan.output;
  EXPECT_TRUE(contains(plan.output, "ON \"t\" (\"name\" COLLATE NOCASE DESC)")) << plan.output;
  EXPECT_TRUE(contains(plan.output, "(lower(name) COLLATE RTRIM)")) << plan.output;
  EXPECT_FALSE(contains(plan.output, "t_nick")) << plan.output;
  EXPECT_FALSE(contains(plan.output, "not compared")) << plan.output;

  EXPECT_APPLIED(sync(master, {&tenant}));
  EXPECT_IN_SYNC(master, tenant);
  const std::string keys =
      "SELECT i.name, x.coll FROM pragma_index_list('t') i, pragma_index_xinfo(i.name) x "
      "WHERE x.key = 1 ORDER BY i.name";
  EXPECT_EQ(query(tenant, keys), query(master, keys));
}

// Idempotence, dry runs, drift, destructive changes, locks

TEST_F(SchemaSyncSqlite, ASecondSyncAppliesNothingAndADryRunWritesNothing) {
  exec(master, {"CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT)",
                "CREATE TABLE n (id INTEGER PRIMARY KEY)"});
  exec(tenant,
       {"CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)", "INSERT INTO t VALUES (1, 'a')"});
  const std::string path = file_path(tenant);
  const std::string bytes = file_bytes(path);
  const auto dry = sync(master, {&tenant}, "--dry-run");
  EXPECT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_TRUE(contains(dry.output, "planned")) << dry.output;
  EXPECT_TRUE(contains(dry.output, "-- plan for")) << dry.output;
  EXPECT_TRUE(contains(dry.output, "CREATE TABLE \"n\"")) << dry.output;
  EXPECT_EQ(file_bytes(path), bytes);
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(path).parent_path())) {
    EXPECT_EQ(entry.path().string(), path) << "a dry run left " << entry.path();
  }

  EXPECT_APPLIED(sync(master, {&tenant}));
  const std::string synced = file_bytes(path);
  const auto second = sync(master, {&tenant}, "--json");
  EXPECT_EQ(second.exit_code, 0) << second.output;
  const auto report = json_of(second.output);
  EXPECT_EQ(report["tenants"][0]["status"], "in sync");
  EXPECT_EQ(report["tenants"][0]["changes_applied"], 0);
  EXPECT_TRUE(report["tenants"][0]["plan"]["changes"].empty());
  EXPECT_EQ(file_bytes(path), synced);
  EXPECT_IN_SYNC(master, tenant);
}

TEST_F(SchemaSyncSqlite, TenantOnlyObjectsAreDriftUntilAllowDrop) {
  exec(master, {"CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"});
  exec(tenant,
       {"CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, legacy TEXT)",
        "CREATE INDEX t_legacy_idx ON t (legacy)", "CREATE TABLE mine (x INTEGER)",
        "CREATE VIEW my_view AS SELECT x FROM mine",
        "INSERT INTO t VALUES (1, 'a', 'old1'), (2, NULL, 'old2')", "INSERT INTO mine VALUES (7)"});
  const auto text = diff(master, tenant);
  EXPECT_EQ(text.exit_code, 0) << text.output;  // drift alone is not a difference
  for (const char* item : {"column t.legacy", "index t.t_legacy_idx", "table mine", "view my_view"})
    EXPECT_TRUE(contains(text.output, item)) << item << "\n" << text.output;

  const auto kept = sync(master, {&tenant}, "--json");
  EXPECT_EQ(kept.exit_code, 0) << kept.output;
  std::set<std::string> drift;
  const auto report = json_of(kept.output);
  for (const auto& d : report["tenants"][0]["plan"]["drift"])
    drift.insert(d["kind"].get<std::string>() + " " + d["name"].get<std::string>());
  EXPECT_EQ(drift, (std::set<std::string>{"column t.legacy", "index t.t_legacy_idx", "table mine",
                                          "view my_view"}));
  EXPECT_EQ(dump(tenant, "t", "id,name,legacy", "id"),
            (Rows{{"1", "'a'", "'old1'"}, {"2", "NULL", "'old2'"}}));
  EXPECT_EQ(query(tenant, "SELECT * FROM my_view"), (Rows{{"7"}}));
  EXPECT_TRUE(has_object(tenant, "t_legacy_idx"));

  EXPECT_APPLIED(sync(master, {&tenant}, "--allow-drop"));
  EXPECT_EQ(diff(master, tenant, "--allow-drop").exit_code, 0);
  EXPECT_EQ(xinfo(tenant, "t"),
            (std::vector<std::string>{"id INTEGER 1 NULL 1 0", "name TEXT 0 NULL 0 0"}));
  for (const char* gone : {"t_legacy_idx", "mine", "my_view"})
    EXPECT_FALSE(has_object(tenant, gone)) << gone;
  EXPECT_EQ(dump(tenant, "t", "id,name", "id"), (Rows{{"1", "'a'"}, {"2", "NULL"}}));
}

// A rebuild for a master change keeps the tenant's drift; with --allow-drop, the same
// rebuild must leave out every kind of drift the plan drops, not only columns.
TEST_F(SchemaSyncSqlite, RebuildKeepsDriftAndAllowDropRemovesItAll) {
  exec(master, {"CREATE TABLE t (id INTEGER PRIMARY KEY, qty BIGINT)"});
  const std::vector<std::string> tenant_t{
      "CREATE TABLE t (id INTEGER PRIMARY KEY, qty INTEGER, CONSTRAINT t_qty_check CHECK "
      "(qty < 1000))",
      "CREATE INDEX t_qty_idx ON t (qty)", "INSERT INTO t VALUES (1, 10), (2, 20)"};
  exec(tenant, tenant_t);
  EXPECT_APPLIED(sync(master, {&tenant}));
  EXPECT_IN_SYNC(master, tenant);
  EXPECT_TRUE(has_object(tenant, "t_qty_idx"));
  EXPECT_TRUE(contains(object_sql(tenant, "t"), "t_qty_check"));

  TempDatabase other{Dialect::sqlite};
  exec(other, tenant_t);
  EXPECT_APPLIED(sync(master, {&other}, "--allow-drop"));
  EXPECT_EQ(diff(master, other, "--allow-drop").exit_code, 0);
  EXPECT_FALSE(has_object(other, "t_qty_idx"));
  EXPECT_FALSE(contains(object_sql(other, "t"), "t_qty_check"));
  EXPECT_EQ(dump(other, "t", "id,qty", "id"), (Rows{{"1", "10"}, {"2", "20"}}));
}

TEST_F(SchemaSyncSqlite, NarrowingIsBlockedWithoutAllowDrop) {
  exec(master, {"CREATE TABLE t (id INTEGER PRIMARY KEY, code VARCHAR(10))"});
  exec(tenant, {"CREATE TABLE t (id INTEGER PRIMARY KEY, code VARCHAR(40))",
                "INSERT INTO t VALUES (1, 'short'), (2, 'a value longer than ten')"});
  const std::string path = file_path(tenant);
  const std::string bytes = file_bytes(path);
  const auto blocked = sync(master, {&tenant});
  EXPECT_EQ(blocked.exit_code, 1) << blocked.output;
  EXPECT_TRUE(contains(blocked.output, "blocked")) << blocked.output;
  EXPECT_TRUE(contains(blocked.output, "--allow-drop")) << blocked.output;
  EXPECT_TRUE(contains(blocked.output, "VARCHAR(40) -> VARCHAR(10)")) << blocked.output;
  EXPECT_EQ(file_bytes(path), bytes);

  EXPECT_APPLIED(sync(master, {&tenant}, "--allow-drop"));
  EXPECT_IN_SYNC(master, tenant);
  EXPECT_EQ(xinfo(tenant, "t")[1], "code VARCHAR(10) 0 NULL 0 0");
  // SQLite does not enforce lengths: the rebuild copies every value as it was.
  EXPECT_EQ(dump(tenant, "t", "id,code", "id"),
            (Rows{{"1", "'short'"}, {"2", "'a value longer than ten'"}}));
}

TEST_F(SchemaSyncSqlite, ALockedTenantIsReportedWithItsHolder) {
  exec(master, {"CREATE TABLE t (id INTEGER PRIMARY KEY)"});
  exec(tenant, {"CREATE TABLE other (x INTEGER)"});
  auto holder = tenant.connect();
  ASSERT_EQ(holder->try_lock("schema-sync"), std::nullopt);
  const auto out = sync(master, {&tenant});
  EXPECT_EQ(out.exit_code, 1) << out.output;
  EXPECT_TRUE(contains(out.output, "locked")) << out.output;
  EXPECT_TRUE(contains(out.output, "ferry pid " + std::to_string(::getpid()))) << out.output;
  EXPECT_FALSE(has_object(tenant, "t"));

  holder->release_lock("schema-sync");
  EXPECT_APPLIED(sync(master, {&tenant}));
  EXPECT_IN_SYNC(master, tenant);
}

// The command-line contract

TEST_F(SchemaSyncSqlite, DiffExitsThreeWithSqlAndRiskAndPrintsJson) {
  // a takes its column in place; b needs a rebuild (NOT NULL without a default).
  exec(master, {"CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT)",
                "CREATE TABLE b (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"});
  exec(tenant,
       {"CREATE TABLE a (id INTEGER PRIMARY KEY)", "CREATE TABLE b (id INTEGER PRIMARY KEY)"});
  const auto text = diff(master, tenant);
  EXPECT_EQ(text.exit_code, 3) << text.output;
  EXPECT_TRUE(contains(text.output,
                       "-- safe: add column a.name TEXT\n"
                       "ALTER TABLE \"a\" ADD COLUMN \"name\" TEXT;\n"))
      << text.output;
  EXPECT_TRUE(contains(text.output,
                       "-- data_dependent: rebuild table b: add column b.n INTEGER\n"
                       "CREATE TABLE \"_ferry_rebuild_b\""))
      << text.output;

  const auto json = diff(master, tenant, "--json");
  EXPECT_EQ(json.exit_code, 3) << json.output;
  const auto doc = json_of(json.output);
  EXPECT_EQ(doc["equal"], false);
  EXPECT_EQ(doc["dialect"], "sqlite");
  ASSERT_FALSE(doc["changes"].empty());
  EXPECT_EQ(doc["changes"][0]["risk"], "safe");
  EXPECT_TRUE(doc["changes"][0]["sql"].is_array());

  EXPECT_APPLIED(sync(master, {&tenant}));
  const auto equal = diff(master, tenant, "--json");
  EXPECT_EQ(equal.exit_code, 0);
  EXPECT_EQ(json_of(equal.output)["equal"], true);
}

TEST_F(SchemaSyncSqlite, SomeTenantsBlockedOthersAppliedExitsFour) {
  exec(master, {"CREATE TABLE t (id INTEGER PRIMARY KEY, code VARCHAR(10))"});
  TempDatabase ok1{Dialect::sqlite}, ok2{Dialect::sqlite};
  exec(tenant, {"CREATE TABLE t (id INTEGER PRIMARY KEY, code VARCHAR(40))"});
  exec(ok1, {"CREATE TABLE t (id INTEGER PRIMARY KEY)", "INSERT INTO t VALUES (1)"});
  const auto out = sync(master, {&ok1, &tenant, &ok2}, "-j 2 --json");
  EXPECT_EQ(out.exit_code, 4) << out.output;
  const auto report = json_of(out.output);
  EXPECT_EQ(report["exit_code"], 4);
  ASSERT_EQ(report["tenants"].size(), 3u);
  EXPECT_EQ(report["tenants"][0]["status"], "applied");
  EXPECT_EQ(report["tenants"][1]["status"], "blocked");
  EXPECT_EQ(report["tenants"][2]["status"], "applied");
  EXPECT_TRUE(contains(report["tenants"][1]["error"].get<std::string>(), "--allow-drop"));
  EXPECT_IN_SYNC(master, ok1);
  EXPECT_IN_SYNC(master, ok2);
  EXPECT_EQ(xinfo(tenant, "t")[1], "code VARCHAR(40) 0 NULL 0 0");
}

TEST_F(SchemaSyncSqlite, BadEndpointsAndUsageErrors) {
  exec(master, {"CREATE TABLE t (id INTEGER PRIMARY KEY)"});
  const test::TempDir dir;
  const std::string missing = dir.path() + "/missing.db";

  const auto bad_scheme = run_ferry("schema sync --from 'nosuch://x/y' --to " + q(tenant.url()));
  EXPECT_EQ(bad_scheme.exit_code, 2) << bad_scheme.output;
  for (const char* url : {"sqlite:", "sqlite://relative.db"}) {
    const auto bad = run_ferry("schema sync --from " + q(master.url()) + " --to " + q(url));
    EXPECT_EQ(bad.exit_code, 2) << url << "\n" << bad.output;
    EXPECT_TRUE(contains(bad.output, url)) << bad.output;
  }
  const auto bad_diff = run_ferry("schema diff 'nosuch://x/y' " + q(tenant.url()));
  EXPECT_EQ(bad_diff.exit_code, 2) << bad_diff.output;

  // A tenant file that does not exist is that tenant's failure, named in the report.
  const auto alone =
      run_ferry("-q schema sync --from " + q(master.url()) + " --to 'sqlite://" + missing + "'");
  EXPECT_EQ(alone.exit_code, 1) << alone.output;
  EXPECT_TRUE(contains(alone.output, missing)) << alone.output;
  EXPECT_FALSE(std::filesystem::exists(missing));
  const auto with_good = run_ferry("-q schema sync --from " + q(master.url()) + " --to 'sqlite://" +
                                   missing + "' " + q(tenant.url()));
  EXPECT_EQ(with_good.exit_code, 4) << with_good.output;
  EXPECT_TRUE(contains(with_good.output, missing)) << with_good.output;
  EXPECT_IN_SYNC(master, tenant);

  for (const std::string& args :
       {"schema sync --from " + q(master.url()), "schema sync --to " + q(tenant.url()),
        "schema diff " + q(master.url()),
        "schema sync --from " + q(master.url()) + " --to " + q(tenant.url()) + " -j 0",
        "schema sync --from " + q(master.url()) + " --to " + q(tenant.url()) + " --bogus",
        std::string("schema"), std::string("schema frobnicate")}) {
    const auto out = run_ferry(args);
    EXPECT_EQ(out.exit_code, 2) << args << "\n" << out.output;
  }
}

}  // namespace
}  // namespace ferry
