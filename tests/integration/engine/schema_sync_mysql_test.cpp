// `ferry schema sync` / `schema diff` against real MariaDB tenants, driven through the CLI as
// a user runs them. Every sync is checked three ways: the report, an empty re-diff, and an
// information_schema snapshot of the tenant compared with the master's.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "test_env.hpp"

namespace ferry::test {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::string_view k_password = "ferry-test-pw";

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::string shell_word(const std::string& word) {
  return "'" + word + "'";
}

// FERRY_BIN, else the ferry built beside this test (<build>/tests/x -> <build>/cli/ferry).
std::string ferry_bin() {
  if (const char* bin = std::getenv("FERRY_BIN"); bin != nullptr && *bin != '\0')
    return bin;
  return (fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "cli" / "ferry")
      .string();
}

// Every command runs through here: nothing ferry prints may carry the password.
CommandOutput ferry(const std::string& args) {
  CommandOutput out = run_ferry(args);
  EXPECT_FALSE(contains(out.output, k_password)) << "password printed by: ferry " << args;
  return out;
}

// The JSON document of a --json run; log lines on stderr come before it.
Json json_of(const CommandOutput& out) {
  const auto start = out.output.starts_with("{") ? 0 : out.output.find("\n{");
  if (start == std::string::npos)
    throw std::runtime_error("no JSON document in: " + out.output);
  return Json::parse(out.output.substr(start));
}

std::vector<connectors::TextRow> query(const TempDatabase& db, const std::string& sql) {
  return db.connect()->query(sql);
}

std::string scalar(const TempDatabase& db, const std::string& sql) {
  const auto rows = query(db, sql);
  return rows.empty() || !rows[0].at(0) ? "NULL" : *rows[0].at(0);
}

void exec(const TempDatabase& db, const std::vector<std::string>& statements) {
  db.connect()->execute(statements);
}

// What a user would compare by hand: tables, columns, indexes, constraints, foreign key
// rules, checks and views from information_schema, one line per row, with the database's
// own name removed from view definitions.
std::vector<std::string> structure(const TempDatabase& db) {
  auto c = db.connect();
  const std::string schema = "'" + db.name() + "'";
  const std::string qualifier = "`" + db.name() + "`.";
  std::vector<std::string> lines;
  const auto add = [&](const std::string& kind, const std::string& sql) {
    for (const connectors::TextRow& row : c->query(sql)) {
      std::string line = kind;
      for (const auto& field : row)
        line += " | " + field.value_or("NULL");
      for (auto pos = line.find(qualifier); pos != std::string::npos; pos = line.find(qualifier))
        line.erase(pos, qualifier.size());
      lines.push_back(line);
    }
  };
  add("table",
      "SELECT TABLE_NAME, TABLE_TYPE, TABLE_COMMENT FROM information_schema.TABLES "
      "WHERE TABLE_SCHEMA = " +
          schema + " ORDER BY 1");
  add("column",
      "SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE, "
      "COLUMN_DEFAULT, EXTRA, GENERATION_EXPRESSION, COLUMN_COMMENT "
      "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " +
          schema + " ORDER BY 1, 3");
  add("index",
      "SELECT TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE, COLLATION "
      "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = " +
          schema + " ORDER BY 1, 2, 3");
  add("constraint",
      "SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE FROM "
      "information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = " +
          schema + " ORDER BY 1, 2");
  add("foreign key",
      "SELECT TABLE_NAME, CONSTRAINT_NAME, REFERENCED_TABLE_NAME, UPDATE_RULE, DELETE_RULE "
      "FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = " +
          schema + " ORDER BY 1, 2");
  add("check",
      "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
      "WHERE CONSTRAINT_SCHEMA = " +
          schema + " ORDER BY 1, 2");
  add("view",
      "SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = " +
          schema + " ORDER BY 1");
  return lines;
}

// SHOW CREATE TABLE without the AUTO_INCREMENT counter, which is data and never synced, and
// with its secondary keys in name order: the server lists them in the order they were made.
std::string show_create(const TempDatabase& db, const std::string& table) {
  const auto rows = query(db, "SHOW CREATE TABLE `" + table + "`");
  if (rows.empty() || rows[0].size() < 2 || !rows[0].at(1))
    return "no table " + table;
  static const std::regex k_counter(" AUTO_INCREMENT=[0-9]+");
  static const std::regex k_key("^  (UNIQUE |FULLTEXT |SPATIAL )?KEY `([^`]*)`");
  std::vector<std::string> lines;
  std::string text = std::regex_replace(*rows[0].at(1), k_counter, "");
  for (std::size_t at = 0; at <= text.size();) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    std::string line = text.substr(at, end - at);
    if (line.ends_with(","))
      line.pop_back();
    lines.push_back(std::move(line));
    at = end + 1;
  }
  const auto is_key = [](const std::string& line) { return std::regex_search(line, k_key); };
  const auto by_name = [](const std::string& a, const std::string& b) {
    std::smatch ma, mb;
    std::regex_search(a, ma, k_key);
    std::regex_search(b, mb, k_key);
    return ma[2].str() < mb[2].str();
  };
  for (auto first = lines.begin(); first != lines.end();) {
    first = std::find_if(first, lines.end(), is_key);
    const auto last = std::find_if_not(first, lines.end(), is_key);
    std::sort(first, last, by_name);
    first = last;
  }
  std::string out;
  for (const std::string& line : lines)
    out += line + "\n";
  return out;
}

std::string column_type(const TempDatabase& db, const std::string& table,
                        const std::string& column) {
  return scalar(db, "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '" +
                        db.name() + "' AND TABLE_NAME = '" + table + "' AND COLUMN_NAME = '" +
                        column + "'");
}

std::size_t count_objects(const TempDatabase& db, const std::string& view,
                          const std::string& where) {
  return std::stoul(scalar(db, "SELECT COUNT(*) FROM information_schema." + view +
                                   " WHERE TABLE_SCHEMA = '" + db.name() + "' AND " + where));
}

std::vector<fs::path> journal_files(const std::string& state_dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(state_dir) / "schema-journal", ec)) {
    if (entry.path().extension() == ".json")
      out.push_back(entry.path());
  }
  return out;
}

class SchemaSyncMysql : public ::testing::Test {
 protected:
  std::string tenant_urls(const std::vector<const TempDatabase*>& tenants) const {
    std::string out;
    for (const TempDatabase* t : tenants)
      out += " " + shell_word(t->url());
    return out;
  }

  CommandOutput sync(const std::vector<const TempDatabase*>& tenants,
                     const std::string& options = "") {
    return ferry("schema sync --from " + shell_word(m_master.url()) + " --to" +
                 tenant_urls(tenants) + " --state-dir " + shell_word(m_state.path()) + " " +
                 options);
  }
  CommandOutput sync(const std::string& options = "") { return sync({&m_tenant}, options); }

  // A --json sync of the tenant that must exit with `exit_code`; the report.
  Json sync_json(const std::string& options, int exit_code) {
    const CommandOutput out = sync(options + " --json");
    EXPECT_EQ(out.exit_code, exit_code) << out.output;
    Json report = json_of(out);
    EXPECT_EQ(report.at("exit_code"), exit_code);
    return report;
  }

  int diff_exit(const TempDatabase& tenant, const std::string& options = "") {
    const CommandOutput out = ferry("schema diff " + shell_word(m_master.url()) + " " +
                                    shell_word(tenant.url()) + " " + options);
    EXPECT_TRUE(out.exit_code == 0 || out.exit_code == 3) << out.output;
    return out.exit_code;
  }

  // Syncs the tenant, expects it applied, then an empty re-diff and the master's structure
  // in information_schema. Returns the tenant's report.
  Json expect_synced(const std::string& options = "") {
    Json report = sync_json(options, 0);
    const Json& tenant = report.at("tenants").at(0);
    EXPECT_EQ(tenant.at("status"), "applied") << tenant.dump(2);
    EXPECT_GT(tenant.at("changes_applied").get<int>(), 0);
    EXPECT_EQ(diff_exit(m_tenant, options), 0);
    EXPECT_EQ(structure(m_tenant), structure(m_master));
    return tenant;
  }

  static std::vector<std::string> all_sql(const Json& tenant) {
    std::vector<std::string> out;
    for (const Json& change : tenant.at("plan").at("changes")) {
      for (const Json& sql : change.at("sql"))
        out.push_back(sql);
    }
    return out;
  }

  static bool has_statement(const Json& tenant, std::string_view part) {
    const auto sql = all_sql(tenant);
    return std::any_of(sql.begin(), sql.end(),
                       [&](const std::string& s) { return contains(s, part); });
  }

  // Syncs, then expects every table's SHOW CREATE TABLE alike on both sides (expect_synced
  // checks the re-diff and information_schema). Returns the tenant's report.
  Json expect_same_tables(const std::vector<std::string>& tables, const std::string& options = "") {
    Json tenant = expect_synced(options);
    for (const std::string& t : tables)
      EXPECT_EQ(show_create(m_tenant, t), show_create(m_master, t)) << t;
    return tenant;
  }

  static std::vector<std::string> drift(const Json& tenant) {
    std::vector<std::string> out;
    for (const Json& d : tenant.at("plan").at("drift"))
      out.push_back(d.at("kind").get<std::string>() + " " + d.at("name").get<std::string>());
    return out;
  }

  TempDatabase m_master{Dialect::mysql};
  TempDatabase m_tenant{Dialect::mysql};
  TempDir m_state;
};

// Every kind of change MariaDB has.

TEST_F(SchemaSyncMysql, CreatesNewTablesWithEveryKindOfKey) {
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

TEST_F(SchemaSyncMysql, AddsColumnsInTheMastersPositions) {
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

TEST_F(SchemaSyncMysql, WidensTypesWithoutAllowDrop) {
  exec(m_tenant, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(20) NULL, n int)",
                  "INSERT INTO t VALUES (1, 'twenty characters!!!', 2147483647)"});
  exec(m_master, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(40) NULL, n bigint)"});
  expect_synced();
  EXPECT_EQ(column_type(m_tenant, "t", "name"), "varchar(40)");
  EXPECT_EQ(column_type(m_tenant, "t", "n"), "bigint(20)");
  EXPECT_EQ(scalar(m_tenant, "SELECT CONCAT(name, ' ', n) FROM t"),
            "twenty characters!!! 2147483647");
}

TEST_F(SchemaSyncMysql, NarrowingIsBlockedWithoutAllowDrop) {
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

TEST_F(SchemaSyncMysql, ChangesNullabilityDefaultsAndAutoIncrement) {
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

TEST_F(SchemaSyncMysql, ChangesThePrimaryKeyOfAnAutoIncrementTable) {
  exec(m_tenant, {"CREATE TABLE k (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, code int NOT NULL)",
                  "CREATE TABLE m (a int NOT NULL, b int NOT NULL, PRIMARY KEY (a))",
                  "INSERT INTO k (code) VALUES (1), (2)", "INSERT INTO m VALUES (1, 1), (2, 1)"});
  exec(m_master, {"CREATE TABLE k (id int NOT NULL AUTO_INCREMENT, code int NOT NULL, "
                  "PRIMARY KEY (id, code))",
                  "CREATE TABLE m (a int NOT NULL, b int NOT NULL, PRIMARY KEY (b, a))"});
  expect_synced();
  EXPECT_EQ(scalar(m_tenant, "SELECT COUNT(*) FROM k"), "2");
}

TEST_F(SchemaSyncMysql, AddsChangesAndDropsUniquesAndIndexes) {
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
TEST_F(SchemaSyncMysql, MakesIndexesInTheMastersOrder) {
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

TEST_F(SchemaSyncMysql, AddsAndChangesForeignKeysAndBreaksCycles) {
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
TEST_F(SchemaSyncMysql, WidensColumnsThatForeignKeysUse) {
  exec(m_tenant, {"CREATE TABLE parent (id int NOT NULL PRIMARY KEY)",
                  "CREATE TABLE child (id int NOT NULL PRIMARY KEY, parent_id int NULL, "
                  "CONSTRAINT fk_child FOREIGN KEY (parent_id) REFERENCES parent (id))",
                  "INSERT INTO parent VALUES (1)", "INSERT INTO child VALUES (1, 1)"});
  exec(m_master, {"CREATE TABLE parent (id bigint NOT NULL PRIMARY KEY)",
                  "CREATE TABLE child (id int NOT NULL PRIMARY KEY, parent_id bigint NULL, "
                  "CONSTRAINT fk_child FOREIGN KEY (parent_id) REFERENCES parent (id))"});
  expect_synced();
}

TEST_F(SchemaSyncMysql, ChangesChecksEnumsAndGeneratedColumns) {
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

TEST_F(SchemaSyncMysql, CreatesViewsAndRecreatesThoseOverChangedTables) {
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

TEST_F(SchemaSyncMysql, ChangesTableAndColumnComments) {
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

// MySQL table, column and index attributes: the master has them, the tenant lacks them, has
// others or has them otherwise; after a sync SHOW CREATE TABLE reads alike.

TEST_F(SchemaSyncMysql, SyncsOnUpdateCurrentTimestamp) {
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

TEST_F(SchemaSyncMysql, SyncsIndexPrefixes) {
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

TEST_F(SchemaSyncMysql, SyncsFulltextAndSpatialIndexes) {
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

TEST_F(SchemaSyncMysql, SyncsIgnoredIndexesInPlace) {
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

TEST_F(SchemaSyncMysql, SyncsPartitioning) {
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

TEST_F(SchemaSyncMysql, SyncsTableCharsetAndCollationWithoutConvertingColumns) {
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

TEST_F(SchemaSyncMysql, SyncsTheStorageEngine) {
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
TEST_F(SchemaSyncMysql, SyncsTheRowFormat) {
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

TEST_F(SchemaSyncMysql, MakesStoredProgramsUnderTheirOwnSqlModeAndInOrder) {
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

TEST_F(SchemaSyncMysql, SyncsColumnAndTableChecks) {
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
TEST_F(SchemaSyncMysql, ColumnAndTableChecksOfOneMeaningCompareEqual) {
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

TEST_F(SchemaSyncMysql, SyncsVirtualAndStoredGeneratedColumns) {
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

TEST_F(SchemaSyncMysql, AutoIncrementCountersAreNeverSynced) {
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

// Runs: repeated, dry, with drift.

TEST_F(SchemaSyncMysql, SecondSyncAppliesNothing) {
  exec(m_master, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(20) NULL)",
                  "CREATE INDEX k_name ON t (name)", "CREATE VIEW v AS SELECT name FROM t"});
  expect_synced();
  const auto after_first = structure(m_tenant);
  const Json tenant = sync_json("", 0).at("tenants").at(0);
  EXPECT_EQ(tenant.at("status"), "in sync");
  EXPECT_EQ(tenant.at("changes_applied"), 0);
  EXPECT_TRUE(tenant.at("plan").at("changes").empty());
  EXPECT_EQ(structure(m_tenant), after_first);
  const CommandOutput text = sync();
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_TRUE(contains(text.output, "in sync")) << text.output;
}

TEST_F(SchemaSyncMysql, DryRunChangesNothing) {
  exec(m_tenant, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(40) NULL)",
                  "CREATE TABLE only_here (id int)"});
  exec(m_master, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(20) NOT NULL, "
                  "n int NULL, KEY k_n (n))",
                  "CREATE TABLE fresh (id int NOT NULL PRIMARY KEY)"});
  const auto before = structure(m_tenant);
  const CommandOutput text = sync("--dry-run --allow-drop");
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_TRUE(contains(text.output, "-- plan for")) << text.output;
  EXPECT_TRUE(contains(text.output, "CREATE TABLE `fresh`")) << text.output;
  EXPECT_TRUE(contains(text.output, "DROP TABLE `only_here`")) << text.output;
  EXPECT_TRUE(contains(text.output, "planned")) << text.output;
  const Json tenant = sync_json("--dry-run --allow-drop", 0).at("tenants").at(0);
  EXPECT_EQ(tenant.at("status"), "planned");
  EXPECT_EQ(tenant.at("changes_applied"), 0);
  EXPECT_FALSE(tenant.at("plan").at("changes").empty());
  EXPECT_EQ(structure(m_tenant), before);
  EXPECT_TRUE(journal_files(m_state.path()).empty());
  EXPECT_EQ(diff_exit(m_tenant), 3);
}

TEST_F(SchemaSyncMysql, TenantOnlyObjectsAreDriftUntilAllowDrop) {
  exec(m_tenant, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(20) NULL, "
                  "mine int NULL, KEY k_mine (mine))",
                  "INSERT INTO t VALUES (1, 'one', 7)", "CREATE TABLE own (id int)",
                  "CREATE VIEW own_view AS SELECT id, mine FROM t"});
  exec(m_master, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(20) NULL, "
                  "added int NULL)"});
  const Json kept = sync_json("", 0).at("tenants").at(0);
  EXPECT_EQ(kept.at("status"), "applied");
  EXPECT_EQ(diff_exit(m_tenant), 0);
  EXPECT_EQ(count_objects(m_tenant, "COLUMNS", "COLUMN_NAME = 'added'"), 1u);
  EXPECT_EQ(drift(kept), (std::vector<std::string>{"column t.mine", "index t.k_mine", "table own",
                                                   "view own_view"}));
  // The tenant's view reads a table whose columns changed: it was recreated as it was.
  EXPECT_EQ(scalar(m_tenant, "SELECT mine FROM own_view"), "7");
  EXPECT_EQ(count_objects(m_tenant, "TABLES", "TABLE_NAME = 'own'"), 1u);
  EXPECT_EQ(count_objects(m_tenant, "STATISTICS", "INDEX_NAME = 'k_mine'"), 1u);
  EXPECT_EQ(diff_exit(m_tenant, "--allow-drop"), 3);
  const CommandOutput diff =
      ferry("schema diff " + shell_word(m_master.url()) + " " + shell_word(m_tenant.url()));
  EXPECT_TRUE(contains(diff.output, "drift: 4 object(s)")) << diff.output;

  const Json dropped = expect_synced("--allow-drop");
  EXPECT_TRUE(has_statement(dropped, "DROP TABLE `own`"));
  EXPECT_EQ(count_objects(m_tenant, "COLUMNS", "COLUMN_NAME = 'mine'"), 0u);
  EXPECT_EQ(count_objects(m_tenant, "VIEWS", "TABLE_NAME = 'own_view'"), 0u);
}

// Interrupted runs, locks, fleets, secrets.

// A ferry process started in the background; SIGKILLed and reaped when it goes.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::string& log) {
    const std::string bin = ferry_bin();
    std::vector<std::string> words{bin};
    words.insert(words.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& w : words)
      argv.push_back(w.data());
    argv.push_back(nullptr);
    m_pid = ::fork();
    if (m_pid == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execv(bin.c_str(), argv.data());
      ::_exit(127);
    }
  }
  ~Child() { kill(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Whether the process has ended (reaped).
  bool done() {
    if (m_pid <= 0)
      return true;
    if (::waitpid(m_pid, nullptr, WNOHANG) == m_pid)
      m_pid = -1;
    return m_pid <= 0;
  }
  void kill() {
    if (m_pid <= 0)
      return;
    ::kill(m_pid, SIGKILL);
    ::waitpid(m_pid, nullptr, 0);
    m_pid = -1;
  }

 private:
  pid_t m_pid = -1;
};

TEST_F(SchemaSyncMysql, ResumesAfterSigkillMidPlan) {
  // 20 int columns widened to bigint on 200k rows: every ALTER copies the whole table.
  constexpr int k_columns = 20;
  std::string tenant_columns, master_columns, values;
  for (int i = 1; i <= k_columns; ++i) {
    tenant_columns += ", c" + std::to_string(i) + " int NOT NULL";
    master_columns += ", c" + std::to_string(i) + " bigint NOT NULL";
    values += ", seq";
  }
  exec(m_tenant, {"CREATE TABLE big (id int NOT NULL PRIMARY KEY" + tenant_columns + ")",
                  "INSERT INTO big SELECT seq" + values + " FROM seq_1_to_200000"});
  exec(m_master, {"CREATE TABLE big (id int NOT NULL PRIMARY KEY" + master_columns + ")"});

  const std::string log = m_state.path() + "/first-run.log";
  Child child({"schema", "sync", "--from", m_master.url(), "--to", m_tenant.url(), "--state-dir",
               m_state.path()},
              log);
  Json journal;
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  for (int polls = 0; polls < 6000 && Clock::now() < deadline; ++polls) {
    for (const fs::path& file : journal_files(m_state.path())) {
      std::ifstream in(file);
      try {
        journal = Json::parse(in);
      } catch (const std::exception&) {
        journal = Json();
      }
    }
    if (journal.is_object() && journal.value("committed", 0) >= 1)
      break;
    ASSERT_FALSE(child.done()) << "the sync ended before it could be killed";
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(journal.is_object() && journal.value("committed", 0) >= 1)
      << "no statement committed within 60 s";
  child.kill();

  const auto files = journal_files(m_state.path());
  ASSERT_EQ(files.size(), 1u);
  std::ifstream in(files[0]);
  journal = Json::parse(in);
  EXPECT_EQ(journal.at("status"), "running");
  const auto total = journal.at("statements").size();
  EXPECT_EQ(total, static_cast<std::size_t>(k_columns));
  EXPECT_GE(journal.at("committed").get<std::size_t>(), 1u);
  EXPECT_LT(journal.at("committed").get<std::size_t>(), total);
  EXPECT_FALSE(contains(journal.dump(), k_password));

  // The killed client's statement runs on in the server until it ends; wait for that session.
  const std::string others = "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = '" +
                             m_tenant.name() + "' AND ID <> CONNECTION_ID()";
  auto observer = m_tenant.connect();
  const auto quiet_deadline = Clock::now() + std::chrono::seconds(120);
  for (int polls = 0; polls < 1200 && Clock::now() < quiet_deadline; ++polls) {
    if (observer->query(others).at(0).at(0) == "0")
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(observer->query(others).at(0).at(0), "0") << "the killed session never ended";

  const CommandOutput rerun = sync("--json");
  EXPECT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_TRUE(contains(rerun.output, "an earlier run")) << rerun.output;
  const Json report = json_of(rerun);
  EXPECT_EQ(report.at("tenants").at(0).at("status"), "applied") << rerun.output;
  EXPECT_TRUE(journal_files(m_state.path()).empty());
  EXPECT_EQ(diff_exit(m_tenant), 0);
  EXPECT_EQ(structure(m_tenant), structure(m_master));
  EXPECT_EQ(scalar(m_tenant, "SELECT COUNT(*) FROM big"), "200000");
}

TEST_F(SchemaSyncMysql, LockedTenantIsReportedWithItsHolder) {
  TempDatabase other{Dialect::mysql};
  exec(m_master, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY)"});
  auto holder = m_tenant.connect();
  ASSERT_FALSE(holder->try_lock("schema-sync").has_value());
  const std::string connection_id = *holder->query("SELECT CONNECTION_ID()").at(0).at(0);

  const CommandOutput alone = sync("--json");
  EXPECT_EQ(alone.exit_code, 1) << alone.output;
  EXPECT_EQ(json_of(alone).at("tenants").at(0).at("status"), "locked");

  const CommandOutput out = sync({&m_tenant, &other}, "--json");
  EXPECT_EQ(out.exit_code, 4) << out.output;
  const Json report = json_of(out);
  const Json& locked = report.at("tenants").at(0);
  EXPECT_EQ(locked.at("status"), "locked");
  EXPECT_EQ(locked.at("changes_applied"), 0);
  const std::string error = locked.at("error");
  EXPECT_TRUE(contains(error, "lock")) << error;
  EXPECT_TRUE(contains(error, "connection " + connection_id)) << error;
  EXPECT_EQ(report.at("tenants").at(1).at("status"), "applied");
  EXPECT_EQ(count_objects(m_tenant, "TABLES", "TABLE_NAME = 't'"), 0u);
  EXPECT_EQ(diff_exit(other), 0);

  const CommandOutput text = sync();
  EXPECT_EQ(text.exit_code, 1) << text.output;
  EXPECT_TRUE(contains(text.output, "locked")) << text.output;
  EXPECT_TRUE(contains(text.output, "connection " + connection_id)) << text.output;

  holder->release_lock("schema-sync");
  expect_synced();
}

TEST_F(SchemaSyncMysql, SyncsSeveralTenantsInParallel) {
  TempDatabase second{Dialect::mysql};
  TempDatabase third{Dialect::mysql};
  exec(m_master, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(20) NULL)",
                  "CREATE VIEW v AS SELECT name FROM t"});
  exec(second, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY, name varchar(80) NULL)"});
  const auto second_before = structure(second);

  const CommandOutput out = sync({&m_tenant, &second, &third}, "-j 3 --json");
  EXPECT_EQ(out.exit_code, 4) << out.output;
  const Json report = json_of(out);
  EXPECT_EQ(report.at("exit_code"), 4);
  EXPECT_EQ(report.at("dry_run"), false);
  EXPECT_FALSE(contains(report.at("master").get<std::string>(), k_password));
  const Json& tenants = report.at("tenants");
  ASSERT_EQ(tenants.size(), 3u);
  const std::vector<const TempDatabase*> order{&m_tenant, &second, &third};
  const std::vector<std::string> want{"applied", "blocked", "applied"};
  for (std::size_t i = 0; i < 3; ++i) {
    const Json& t = tenants.at(i);
    EXPECT_TRUE(t.at("tenant").get<std::string>().ends_with("/" + order[i]->name())) << t;
    EXPECT_EQ(t.at("status"), want[i]) << t;
    EXPECT_TRUE(t.at("plan").at("changes").is_array());
    EXPECT_TRUE(t.at("seconds").is_number());
    EXPECT_EQ(t.at("error").is_null(), want[i] == "applied") << t;
  }
  EXPECT_TRUE(contains(tenants.at(1).at("error").get<std::string>(), "varchar(80) -> varchar(20)"))
      << tenants.at(1);
  EXPECT_EQ(structure(second), second_before);
  EXPECT_EQ(diff_exit(m_tenant), 0);
  EXPECT_EQ(diff_exit(second), 3);
  EXPECT_EQ(diff_exit(third), 0);
  EXPECT_EQ(structure(third), structure(m_master));
}

// Tenants synced on oneTBB worker threads used to crash ferry at exit (SIGSEGV, exit 139)
// now and then: the workers' MySQL thread cleanup ran after the driver was destroyed.
TEST_F(SchemaSyncMysql, ExitsCleanlyAfterSyncingTenantsOnWorkerThreads) {
  TempDatabase second{Dialect::mysql};
  TempDatabase third{Dialect::mysql};
  TempDatabase fourth{Dialect::mysql};
  exec(m_master, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY)"});
  for (int run = 0; run < 8; ++run) {
    const CommandOutput out = sync({&m_tenant, &second, &third, &fourth}, "-j 4");
    ASSERT_EQ(out.exit_code, 0) << "run " << run << ":\n" << out.output;
  }
  EXPECT_EQ(diff_exit(fourth), 0);
}

TEST_F(SchemaSyncMysql, PasswordsNeverAppearInOutput) {
  exec(m_master, {"CREATE TABLE t (id int NOT NULL PRIMARY KEY)"});
  const std::string missing = with_database(mysql_url(), m_tenant.name() + "_missing");
  std::string wrong = m_tenant.url();
  wrong.replace(wrong.find(k_password), k_password.size(), "Wr0ng-Secret-77");

  const std::string master = shell_word(m_master.url());
  const std::string state = " --state-dir " + shell_word(m_state.path());
  const std::vector<std::pair<std::string, int>> runs{
      {"schema diff " + master + " " + shell_word(missing), 2},
      {"schema diff " + master + " " + shell_word(wrong) + " --json", 2},
      {"schema sync --from " + master + " --to " + shell_word(missing) + " " +
           shell_word(m_tenant.url()) + state,
       4},
      {"schema sync --from " + master + " --to " + shell_word(wrong) + " " +
           shell_word(m_tenant.url()) + state + " --json",
       4},
      {"-v schema sync --dry-run --from " + master + " --to " + shell_word(m_tenant.url()) + state,
       0},
  };
  for (const auto& [args, exit_code] : runs) {
    const CommandOutput out = ferry(args);
    EXPECT_EQ(out.exit_code, exit_code) << args << "\n" << out.output;
    EXPECT_FALSE(contains(out.output, "Wr0ng-Secret-77")) << out.output;
    EXPECT_TRUE(contains(out.output, ":***@")) << out.output;
  }
}

}  // namespace
}  // namespace ferry::test
