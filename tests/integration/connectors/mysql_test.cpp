// The MySQL/MariaDB connector against a real server (scripts/test-servers): introspection of a
// realistic schema, canonical round trips of every type, keyset reads, writer transactions and
// connect errors.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "ferry/common/error.hpp"
#include "ferry/schema/catalog_json.hpp"
#include "test_env.hpp"

namespace ferry {
namespace {

using connectors::Connector;
using connectors::ReadOptions;
using schema::LogicalType;
using Row = std::vector<std::optional<std::string>>;

const schema::Table& table_named(const schema::Catalog& catalog, const std::string& name) {
  const schema::Table* table = catalog.find_table("", name);
  if (table == nullptr)
    throw std::runtime_error("no table " + name + " in the catalog");
  return *table;
}

const schema::Column& column_named(const schema::Table& table, const std::string& name) {
  const schema::Column* column = table.find_column(name);
  if (column == nullptr)
    throw std::runtime_error("no column " + name + " in " + table.name);
  return *column;
}

std::vector<Row> read_all(Connector& db, const schema::Table& table, ReadOptions options = {},
                          std::size_t* batches = nullptr) {
  auto reader = db.read_rows(table, options);
  std::vector<Row> rows;
  schema::RowBatch batch;
  while (reader->next(batch)) {
    if (batches != nullptr)
      ++*batches;
    EXPECT_LE(batch.rows(), options.batch_rows);
    for (std::size_t r = 0; r < batch.rows(); ++r) {
      Row& row = rows.emplace_back();
      for (std::size_t c = 0; c < batch.columns(); ++c) {
        const auto field = batch.field(r, c);
        row.push_back(field ? std::optional<std::string>(*field) : std::nullopt);
      }
    }
  }
  EXPECT_TRUE(batch.empty());
  return rows;
}

schema::RowBatch batch_of(const std::vector<Row>& rows) {
  schema::RowBatch batch(rows.empty() ? 0 : rows.front().size());
  for (const Row& row : rows) {
    for (const auto& field : row) {
      if (field) {
        batch.add_value(*field);
      } else {
        batch.add_null();
      }
    }
  }
  return batch;
}

std::string scalar(Connector& db, const std::string& sql) {
  const auto rows = db.query(sql);
  if (rows.empty() || rows.front().empty() || !rows.front().front())
    return "<null>";
  return *rows.front().front();
}

// A port on 127.0.0.1 that nothing listens on.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

const std::vector<std::string> k_fixture = {
    "CREATE TABLE customers ("
    "  tenant_id INT NOT NULL,"
    "  id BIGINT NOT NULL,"
    "  email VARCHAR(40) COLLATE utf8mb4_bin NOT NULL COMMENT 'login e-mail',"
    "  status ENUM('active','blocked') NOT NULL DEFAULT 'active',"
    "  created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
    "  PRIMARY KEY (tenant_id, id),"
    "  CONSTRAINT customers_email_key UNIQUE (tenant_id, email)"
    ") COMMENT 'people who buy'",
    "CREATE TABLE coupons (id INT NOT NULL PRIMARY KEY, code VARCHAR(40) NOT NULL)",
    "CREATE TABLE orders ("
    "  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
    "  tenant_id INT NOT NULL,"
    "  customer_id BIGINT NOT NULL,"
    "  coupon_id INT NULL,"
    "  qty SMALLINT NOT NULL DEFAULT 1,"
    "  price DECIMAL(12,2) NOT NULL,"
    "  total DECIMAL(14,2) AS (qty * price) STORED,"
    "  note TEXT,"
    "  placed_on DATE,"
    "  CONSTRAINT orders_customer_fk FOREIGN KEY (tenant_id, customer_id)"
    "    REFERENCES customers (tenant_id, id) ON DELETE CASCADE,"
    "  CONSTRAINT orders_coupon_fk FOREIGN KEY (coupon_id) REFERENCES coupons (id)"
    "    ON DELETE SET NULL ON UPDATE CASCADE,"
    "  CONSTRAINT orders_qty_positive CHECK (qty > 0),"
    "  INDEX orders_placed_idx (placed_on DESC, id)"
    ")",
    "CREATE TABLE kinds ("
    "  id INT NOT NULL PRIMARY KEY,"
    "  i INT, s SMALLINT, b BIGINT, d DECIMAL(12,2), f FLOAT, g DOUBLE,"
    "  t TEXT, v VARCHAR(40), bl BLOB, vb VARBINARY(64), flag BOOLEAN,"
    "  day DATE, dt DATETIME(6), ts TIMESTAMP(6) NULL, j JSON, u UUID,"
    "  e ENUM('x','y'), tm TIME(6), ub BIGINT UNSIGNED"
    ")",
    "CREATE VIEW order_totals AS SELECT customer_id, SUM(total) AS total FROM orders "
    "GROUP BY customer_id",
    "CREATE SEQUENCE invoice_seq START WITH 100 INCREMENT BY 5",
};

class MysqlConnector : public ::testing::Test {
 protected:
  void SetUp() override { m_db = m_temp.connect(); }
  Connector& db() { return *m_db; }
  schema::Catalog fixture() {
    db().execute(k_fixture);
    return db().introspect();
  }

  test::TempDatabase m_temp{Dialect::mysql};
  std::unique_ptr<Connector> m_db;
};

TEST_F(MysqlConnector, IntrospectsTablesColumnsAndConstraints) {
  const schema::Catalog catalog = fixture();
  EXPECT_EQ(catalog.dialect, Dialect::mysql);
  EXPECT_EQ(catalog.database, m_temp.name());
  EXPECT_NE(catalog.server_version.find("MariaDB"), std::string::npos);
  EXPECT_EQ(catalog.server_version, db().server_version());
  EXPECT_TRUE(catalog.schemas.empty());
  ASSERT_EQ(catalog.tables.size(), 4u);
  EXPECT_EQ(catalog.tables[0].name, "coupons");  // sorted
  for (const auto& table : catalog.tables)
    EXPECT_EQ(table.schema, "");

  const schema::Table& customers = table_named(catalog, "customers");
  ASSERT_TRUE(customers.primary_key);
  EXPECT_EQ(customers.primary_key->columns, (std::vector<std::string>{"tenant_id", "id"}));
  ASSERT_EQ(customers.uniques.size(), 1u);
  EXPECT_EQ(customers.uniques[0].name, "customers_email_key");
  EXPECT_EQ(customers.uniques[0].columns, (std::vector<std::string>{"tenant_id", "email"}));
  EXPECT_TRUE(customers.indexes.empty());  // PRIMARY and the unique's index are not listed
  EXPECT_EQ(customers.comment, "people who buy");
  EXPECT_EQ(customers.row_key(), (std::vector<std::string>{"tenant_id", "id"}));

  const schema::Column& email = column_named(customers, "email");
  EXPECT_EQ(email.position, 3);
  EXPECT_EQ(email.declared_type, "varchar(40)");
  EXPECT_EQ(email.type, LogicalType::text);
  EXPECT_FALSE(email.nullable);
  EXPECT_EQ(email.collation, "utf8mb4_bin");
  EXPECT_EQ(email.comment, "login e-mail");
  EXPECT_EQ(email.default_expr, std::nullopt);
  const schema::Column& status = column_named(customers, "status");
  EXPECT_EQ(status.declared_type, "enum('active','blocked')");
  EXPECT_EQ(status.type, LogicalType::enumeration);
  EXPECT_EQ(status.default_expr, "'active'");
  EXPECT_EQ(status.collation, std::nullopt);  // the database's default
  const schema::Column& created = column_named(customers, "created_at");
  EXPECT_EQ(created.type, LogicalType::timestamptz);
  EXPECT_EQ(created.declared_type, "timestamp(6)");
  EXPECT_EQ(created.default_expr, "current_timestamp(6)");

  const schema::Table& orders = table_named(catalog, "orders");
  const schema::Column& id = column_named(orders, "id");
  EXPECT_EQ(id.identity, schema::Identity::auto_increment);
  EXPECT_EQ(id.declared_type, "int(11)");
  EXPECT_EQ(id.type, LogicalType::int32);
  EXPECT_EQ(column_named(orders, "qty").default_expr, "1");
  EXPECT_EQ(column_named(orders, "qty").type, LogicalType::int16);
  EXPECT_EQ(column_named(orders, "note").default_expr, std::nullopt);  // MariaDB says "NULL"
  EXPECT_TRUE(column_named(orders, "note").nullable);
  const schema::Column& total = column_named(orders, "total");
  ASSERT_TRUE(total.generated_expr);
  EXPECT_EQ(*total.generated_expr, "`qty` * `price`");
  EXPECT_TRUE(total.generated_stored);
  EXPECT_EQ(total.default_expr, std::nullopt);
  EXPECT_EQ(total.type, LogicalType::numeric);

  ASSERT_EQ(orders.foreign_keys.size(), 2u);
  const schema::ForeignKey& coupon_fk = orders.foreign_keys[0];  // sorted by name
  EXPECT_EQ(coupon_fk.name, "orders_coupon_fk");
  EXPECT_EQ(coupon_fk.columns, (std::vector<std::string>{"coupon_id"}));
  EXPECT_EQ(coupon_fk.ref_schema, "");
  EXPECT_EQ(coupon_fk.ref_table, "coupons");
  EXPECT_EQ(coupon_fk.ref_columns, (std::vector<std::string>{"id"}));
  EXPECT_EQ(coupon_fk.on_delete, schema::FkAction::set_null);
  EXPECT_EQ(coupon_fk.on_update, schema::FkAction::cascade);
  const schema::ForeignKey& customer_fk = orders.foreign_keys[1];
  EXPECT_EQ(customer_fk.name, "orders_customer_fk");
  EXPECT_EQ(customer_fk.columns, (std::vector<std::string>{"tenant_id", "customer_id"}));
  EXPECT_EQ(customer_fk.ref_table, "customers");
  EXPECT_EQ(customer_fk.ref_columns, (std::vector<std::string>{"tenant_id", "id"}));
  EXPECT_EQ(customer_fk.on_delete, schema::FkAction::cascade);
  EXPECT_EQ(customer_fk.on_update, schema::FkAction::restrict);  // MariaDB's default

  // The indexes InnoDB made for the foreign keys carry the keys' names and are not listed.
  ASSERT_EQ(orders.indexes.size(), 1u);
  const schema::Index& placed = orders.indexes[0];
  EXPECT_EQ(placed.name, "orders_placed_idx");
  EXPECT_FALSE(placed.unique);
  EXPECT_EQ(placed.method, "btree");
  EXPECT_EQ(placed.predicate, std::nullopt);
  ASSERT_EQ(placed.keys.size(), 2u);
  EXPECT_EQ(placed.keys[0].column, "placed_on");
  EXPECT_TRUE(placed.keys[0].descending);
  EXPECT_EQ(placed.keys[1].column, "id");
  EXPECT_FALSE(placed.keys[1].descending);

  ASSERT_EQ(orders.checks.size(), 1u);
  EXPECT_EQ(orders.checks[0].name, "orders_qty_positive");
  EXPECT_EQ(orders.checks[0].expression, "`qty` > 0");

  const schema::Table& kinds = table_named(catalog, "kinds");
  const std::vector<std::tuple<std::string, std::string, LogicalType>> types = {
      {"i", "int(11)", LogicalType::int32},
      {"s", "smallint(6)", LogicalType::int16},
      {"b", "bigint(20)", LogicalType::int64},
      {"d", "decimal(12,2)", LogicalType::numeric},
      {"f", "float", LogicalType::float32},
      {"g", "double", LogicalType::float64},
      {"t", "text", LogicalType::text},
      {"v", "varchar(40)", LogicalType::text},
      {"bl", "blob", LogicalType::bytes},
      {"vb", "varbinary(64)", LogicalType::bytes},
      {"flag", "tinyint(1)", LogicalType::boolean},
      {"day", "date", LogicalType::date},
      {"dt", "datetime(6)", LogicalType::timestamp},
      {"ts", "timestamp(6)", LogicalType::timestamptz},
      {"j", "json", LogicalType::json},
      {"u", "uuid", LogicalType::uuid},
      {"e", "enum('x','y')", LogicalType::enumeration},
      {"tm", "time(6)", LogicalType::time},
      {"ub", "bigint(20) unsigned", LogicalType::numeric},
  };
  for (const auto& [name, declared, type] : types) {
    const schema::Column& column = column_named(kinds, name);
    EXPECT_EQ(column.declared_type, declared) << name;
    EXPECT_EQ(column.type, type) << name;
    EXPECT_TRUE(column.nullable) << name;
    EXPECT_EQ(column.default_expr, std::nullopt) << name;
    EXPECT_EQ(column.collation, std::nullopt) << name;  // JSON's utf8mb4_bin is the type's
  }
  EXPECT_TRUE(kinds.checks.empty());  // MariaDB's json_valid(`j`) is the JSON type

  ASSERT_EQ(catalog.views.size(), 1u);
  EXPECT_EQ(catalog.views[0].name, "order_totals");
  EXPECT_NE(catalog.views[0].definition.find("sum(`orders`.`total`)"), std::string::npos)
      << catalog.views[0].definition;
  EXPECT_EQ(catalog.views[0].definition.find(m_temp.name()), std::string::npos)
      << catalog.views[0].definition;

  ASSERT_EQ(catalog.sequences.size(), 1u);
  EXPECT_EQ(catalog.sequences[0].name, "invoice_seq");
  EXPECT_EQ(catalog.sequences[0].start, 100);
  EXPECT_EQ(catalog.sequences[0].increment, 5);
  EXPECT_FALSE(catalog.sequences[0].cycle);
  EXPECT_TRUE(catalog.enums.empty());
  EXPECT_EQ(catalog.views[0].options, "ALGORITHM=UNDEFINED SQL SECURITY DEFINER");
  EXPECT_EQ(catalog.views[0].check_option, "");
  EXPECT_TRUE(catalog.objects.empty());
  EXPECT_TRUE(catalog.unmodelled.empty());
}

TEST_F(MysqlConnector, IntrospectionIsStable) {
  const schema::Catalog first = fixture();
  const schema::Catalog second = db().introspect();
  EXPECT_EQ(schema::to_json(first).dump(), schema::to_json(second).dump());
}

// Triggers, routines and events, some naming their own database as a user may: `database` is
// the database they are created in.
std::vector<std::string> objects_fixture(const std::string& database) {
  return {
      "CREATE TABLE items (id INT NOT NULL PRIMARY KEY, qty INT NOT NULL)",
      "CREATE TABLE item_log (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, note TEXT)",
      "CREATE FUNCTION doubled(x INT) RETURNS INT DETERMINISTIC RETURN x * 2",
      "CREATE PROCEDURE " + database +
          ".log_note(IN n TEXT) MODIFIES SQL DATA\n"
          "BEGIN\n  INSERT INTO `" +
          database + "`.item_log (note) VALUES (n); -- keep this comment\nEND",
      "CREATE TRIGGER items_ai AFTER INSERT ON items FOR EACH ROW\n"
      "BEGIN\n  CALL log_note(CONCAT('added ', doubled(NEW.qty)));\nEND",
      "CREATE TRIGGER " + database + ".items_ai_first AFTER INSERT ON " + database +
          ".items FOR EACH ROW PRECEDES items_ai INSERT INTO item_log (note) VALUES ('first')",
      "CREATE TRIGGER items_bu BEFORE UPDATE ON items FOR EACH ROW SET NEW.qty = NEW.qty + 0",
      "CREATE EVENT purge_log ON SCHEDULE EVERY 1 DAY DO DELETE FROM item_log WHERE id < 0",
      "CREATE EVENT yearly ON SCHEDULE EVERY 1 YEAR STARTS '2030-01-01 00:00:00' "
      "ENDS '2035-01-01 00:00:00' ON COMPLETION PRESERVE DISABLE COMMENT 'later' "
      "DO DELETE FROM item_log",
      "CREATE ALGORITHM=MERGE SQL SECURITY INVOKER VIEW big_items AS "
      "SELECT id, qty FROM items WHERE qty > 10 WITH LOCAL CHECK OPTION",
  };
}

const schema::SchemaObject& object_named(const schema::Catalog& catalog, schema::ObjectKind kind,
                                         const std::string& qualified) {
  for (const schema::SchemaObject& o : catalog.objects) {
    if (o.kind == kind && o.qualified_name() == qualified)
      return o;
  }
  throw std::runtime_error("no " + std::string(schema::to_string(kind)) + " " + qualified);
}

// Runs the objects' definitions in an order where each comes after what it uses, as a plan
// does.
void create_objects(Connector& db, const std::vector<schema::SchemaObject>& objects) {
  std::vector<const schema::SchemaObject*> left;
  for (const auto& o : objects)
    left.push_back(&o);
  std::set<std::string> made;
  while (!left.empty()) {
    const auto ready = std::find_if(left.begin(), left.end(), [&](const auto* o) {
      return std::all_of(o->uses.begin(), o->uses.end(), [&](const std::string& u) {
        return made.contains(u) || std::none_of(left.begin(), left.end(), [&](const auto* other) {
                 return other->qualified_name() == u;
               });
      });
    });
    ASSERT_NE(ready, left.end()) << "a cycle in uses";
    db.execute((*ready)->definition);
    made.insert((*ready)->qualified_name());
    left.erase(ready);
  }
}

TEST_F(MysqlConnector, IntrospectsTriggersRoutinesAndEvents) {
  db().execute(objects_fixture(m_temp.name()));
  const schema::Catalog catalog = db().introspect();
  using schema::ObjectKind;
  // The settings of the session that made them, which each definition restates around its
  // CREATE: its sql_mode, client character set and connection collation, an event's time zone.
  const std::string settings =
      "SET SESSION sql_mode = '" + scalar(db(), "SELECT @@SESSION.sql_mode") +
      "', SESSION character_set_client = '" + scalar(db(), "SELECT @@character_set_client") +
      "', SESSION collation_connection = '" + scalar(db(), "SELECT @@collation_connection") + "'";
  const std::string time_zone =
      ", SESSION time_zone = '" + scalar(db(), "SELECT @@time_zone") + "'";
  ASSERT_EQ(catalog.objects.size(), 7u);
  for (const schema::SchemaObject& o : catalog.objects) {
    ASSERT_EQ(o.definition.size(), 4u) << o.name;
    EXPECT_TRUE(o.definition[0].starts_with("SET @ferry_sql_mode = @@SESSION.sql_mode"))
        << o.definition[0];
    EXPECT_EQ(o.definition[1], settings + (o.kind == ObjectKind::event ? time_zone : ""));
    EXPECT_TRUE(o.definition[3].starts_with("SET SESSION sql_mode = @ferry_sql_mode"))
        << o.definition[3];
    EXPECT_EQ(o.definition[2].find("DEFINER"), std::string::npos) << o.definition[2];
    EXPECT_EQ(o.definition[2].find(m_temp.name()), std::string::npos) << o.definition[2];
    EXPECT_EQ(o.schema, "");
    EXPECT_EQ(o.signature, "");
  }

  const auto& doubled = object_named(catalog, ObjectKind::function, "doubled");
  EXPECT_TRUE(doubled.definition[2].starts_with("CREATE FUNCTION `doubled`(x INT) RETURNS int"))
      << doubled.definition[2];
  EXPECT_TRUE(doubled.uses.empty());
  const auto& log_note = object_named(catalog, ObjectKind::procedure, "log_note");
  EXPECT_NE(log_note.definition[2].find(
                "BEGIN\n  INSERT INTO item_log (note) VALUES (n); -- keep this comment\nEND"),
            std::string::npos)
      << log_note.definition[2];

  // Triggers as typed (MariaDB keeps no FOLLOWS or PRECEDES in them), made in their order: each
  // after those before it, each naming the trigger before it (replace_key).
  const auto& first = object_named(catalog, ObjectKind::trigger, "items.items_ai_first");
  EXPECT_EQ(first.table, "items");
  EXPECT_EQ(first.definition[2],
            "CREATE TRIGGER items_ai_first AFTER INSERT ON items FOR EACH ROW "
            "INSERT INTO item_log (note) VALUES ('first')");
  EXPECT_EQ(first.uses, (std::vector<std::string>{"items"}));
  EXPECT_EQ(first.replace_key, "");
  const auto& after = object_named(catalog, ObjectKind::trigger, "items.items_ai");
  EXPECT_EQ(after.definition[2],
            "CREATE TRIGGER items_ai AFTER INSERT ON items FOR EACH ROW\n"
            "BEGIN\n  CALL log_note(CONCAT('added ', doubled(NEW.qty)));\nEND");
  EXPECT_EQ(after.uses,
            (std::vector<std::string>{"doubled", "items", "items.items_ai_first", "log_note"}));
  EXPECT_EQ(after.replace_key, "items_ai_first");
  EXPECT_EQ(object_named(catalog, ObjectKind::trigger, "items.items_bu").table, "items");

  const auto& purge = object_named(catalog, ObjectKind::event, "purge_log");
  EXPECT_EQ(purge.definition[2],
            "CREATE EVENT `purge_log` ON SCHEDULE EVERY 1 DAY ON COMPLETION NOT PRESERVE ENABLE "
            "DO DELETE FROM item_log WHERE id < 0");  // the defaulted STARTS is left out
  const auto& yearly = object_named(catalog, ObjectKind::event, "yearly");
  EXPECT_NE(yearly.definition[2].find(
                "EVERY 1 YEAR STARTS '2030-01-01 00:00:00' ENDS '2035-01-01 00:00:00' "
                "ON COMPLETION PRESERVE DISABLE COMMENT 'later'"),
            std::string::npos)
      << yearly.definition[2];

  ASSERT_EQ(catalog.views.size(), 1u);
  EXPECT_EQ(catalog.views[0].options, "ALGORITHM=MERGE SQL SECURITY INVOKER");
  EXPECT_EQ(catalog.views[0].check_option, "LOCAL");
  EXPECT_TRUE(catalog.unmodelled.empty());
}

// An object's sql_mode is part of its definition: the same text made under another mode
// differs, and its definition makes it again under its own mode, whatever the session's.
TEST_F(MysqlConnector, ObjectsKeepTheSqlModeTheyWereMadeUnder) {
  db().execute({"CREATE TABLE t (id INT NOT NULL PRIMARY KEY)", "SET @saved = @@SESSION.sql_mode",
                "SET SESSION sql_mode = 'PIPES_AS_CONCAT,ANSI_QUOTES'",
                "CREATE FUNCTION piped() RETURNS TEXT DETERMINISTIC RETURN 'a' || 'b'",
                "CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET @\"x\" = 'a' || 'b'",
                "SET SESSION sql_mode = @saved"});
  const schema::Catalog catalog = db().introspect();
  using schema::ObjectKind;
  for (const auto& [kind, name] :
       {std::pair{ObjectKind::function, "piped"}, std::pair{ObjectKind::trigger, "t.t_bi"}}) {
    const schema::SchemaObject& o = object_named(catalog, kind, name);
    ASSERT_EQ(o.definition.size(), 4u) << name;
    EXPECT_TRUE(o.definition[1].starts_with(
        "SET SESSION sql_mode = 'PIPES_AS_CONCAT,ANSI_QUOTES', SESSION character_set_client"))
        << o.definition[1];
  }

  // Made again from its definition in another database: the same mode, and the session's
  // own sql_mode afterwards.
  test::TempDatabase copy(Dialect::mysql);
  auto copy_db = copy.connect();
  copy_db->execute({"CREATE TABLE t (id INT NOT NULL PRIMARY KEY)"});
  const std::string ferry_mode = scalar(*copy_db, "SELECT @@SESSION.sql_mode");
  create_objects(*copy_db, catalog.objects);
  EXPECT_EQ(scalar(*copy_db, "SELECT @@SESSION.sql_mode"), ferry_mode);
  EXPECT_EQ(scalar(*copy_db,
                   "SELECT SQL_MODE FROM information_schema.ROUTINES "
                   "WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_NAME = 'piped'"),
            "PIPES_AS_CONCAT,ANSI_QUOTES");
  EXPECT_EQ(scalar(*copy_db, "SELECT piped()"), "ab");
  EXPECT_EQ(schema::to_json(catalog)["objects"].dump(1),
            schema::to_json(copy_db->introspect())["objects"].dump(1));

  // The same text under ferry's mode reads otherwise.
  test::TempDatabase plain(Dialect::mysql);
  auto plain_db = plain.connect();
  plain_db->execute({"CREATE FUNCTION piped() RETURNS TEXT DETERMINISTIC RETURN 'a' || 'b'"});
  EXPECT_NE(object_named(plain_db->introspect(), ObjectKind::function, "piped").definition,
            object_named(catalog, ObjectKind::function, "piped").definition);
}

// The property a schema diff relies on: the same objects read alike in two databases (other
// names, created at other times), and the definitions read from one make the same objects in
// a third.
TEST_F(MysqlConnector, ObjectsFromTheSameSqlCompareEqual) {
  db().execute(objects_fixture(m_temp.name()));
  const schema::Catalog first = db().introspect();

  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // another CREATED second
  test::TempDatabase other(Dialect::mysql);
  auto other_db = other.connect();
  other_db->execute(objects_fixture(other.name()));
  const schema::Catalog second = other_db->introspect();
  EXPECT_EQ(schema::to_json(first)["objects"].dump(1), schema::to_json(second)["objects"].dump(1));
  EXPECT_EQ(first.views, second.views);

  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  test::TempDatabase copy(Dialect::mysql);
  auto copy_db = copy.connect();
  const std::vector<std::string> fixture = objects_fixture(copy.name());
  copy_db->execute({fixture[0], fixture[1]});  // the tables
  create_objects(*copy_db, first.objects);
  EXPECT_EQ(schema::to_json(first)["objects"].dump(1),
            schema::to_json(copy_db->introspect())["objects"].dump(1));
}

TEST_F(MysqlConnector, ChangedObjectsReadOtherwise) {
  db().execute(objects_fixture(m_temp.name()));
  const schema::Catalog before = db().introspect();
  db().execute({"DROP TRIGGER items_bu",
                "CREATE TRIGGER items_bu BEFORE UPDATE ON items FOR EACH ROW "
                "SET NEW.qty = NEW.qty + 1",
                "ALTER EVENT purge_log ON SCHEDULE EVERY 2 DAY", "DROP FUNCTION doubled",
                "CREATE FUNCTION doubled(x INT) RETURNS INT DETERMINISTIC RETURN x * 3"});
  const schema::Catalog after = db().introspect();
  using schema::ObjectKind;
  for (const auto& [kind, name] :
       {std::pair{ObjectKind::trigger, "items.items_bu"}, std::pair{ObjectKind::event, "purge_log"},
        std::pair{ObjectKind::function, "doubled"}}) {
    EXPECT_NE(object_named(before, kind, name).definition,
              object_named(after, kind, name).definition)
        << name;
  }
  EXPECT_EQ(object_named(before, ObjectKind::trigger, "items.items_ai"),
            object_named(after, ObjectKind::trigger, "items.items_ai"));
}

// What ferry does not model is listed, never silently taken as equal.
TEST_F(MysqlConnector, ListsWhatItDoesNotModel) {
  db().execute({
      "CREATE TABLE plain (id INT NOT NULL PRIMARY KEY, name VARCHAR(40))",
      "CREATE TABLE versioned (id INT NOT NULL PRIMARY KEY) WITH SYSTEM VERSIONING",
      "CREATE TABLE parted (id INT NOT NULL PRIMARY KEY) PARTITION BY HASH (id) PARTITIONS 2",
      "CREATE TABLE misc (id INT NOT NULL, name VARCHAR(100), secret INT INVISIBLE,"
      "  touched TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,"
      "  PRIMARY KEY (id DESC), INDEX misc_name (name(10)) COMMENT 'short',"
      "  INDEX misc_touched (touched) IGNORED)"
      " ENGINE=MyISAM ROW_FORMAT=FIXED PACK_KEYS=1 DEFAULT CHARSET=latin1",
      "CREATE SEQUENCE cached_seq CACHE 10",
  });
  const schema::Catalog catalog = db().introspect();
  std::vector<std::pair<std::string, std::string>> listed;
  for (const schema::UnmodelledObject& u : catalog.unmodelled)
    listed.emplace_back(u.kind, u.name);
  // ON UPDATE, the key prefix, IGNORED, partitioning, the engine, the table's collation and
  // ROW_FORMAT are modelled (ReadsTableColumnAndIndexAttributes); PACK_KEYS is not.
  EXPECT_EQ(listed, (std::vector<std::pair<std::string, std::string>>{
                        {"descending key", "misc.PRIMARY"},
                        {"index comment", "misc.misc_name"},
                        {"invisible column", "misc.secret"},
                        {"sequence cache", "cached_seq"},
                        {"system versioning", "versioned"},
                        {"table options", "misc"},
                    }));
  EXPECT_NE(catalog.find_table("", "versioned"), nullptr);
  EXPECT_NE(catalog.find_table("", "parted"), nullptr);
}

TEST_F(MysqlConnector, ReadsTableColumnAndIndexAttributes) {
  db().execute({
      "CREATE TABLE plain (id INT NOT NULL PRIMARY KEY, name VARCHAR(40))",
      "CREATE TABLE parted (id INT NOT NULL PRIMARY KEY) PARTITION BY HASH (id) PARTITIONS 2",
      "CREATE TABLE ranged (id INT NOT NULL, d DATE NOT NULL, PRIMARY KEY (id, d)) "
      "PARTITION BY RANGE (YEAR(d)) (PARTITION p0 VALUES LESS THAN (2000), "
      "PARTITION p1 VALUES LESS THAN MAXVALUE)",
      "CREATE TABLE misc (id INT NOT NULL PRIMARY KEY, name VARCHAR(100),"
      "  other VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, body TEXT,"
      "  qty INT CHECK (qty > 0), doubled INT AS (qty * 2) VIRTUAL,"
      "  touched TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,"
      "  changed DATETIME(3) NULL ON UPDATE CURRENT_TIMESTAMP(3),"
      "  INDEX misc_name (name(10), id), INDEX misc_touched (touched) IGNORED,"
      "  FULLTEXT INDEX misc_body (body), CONSTRAINT misc_qty CHECK (qty < 100))"
      " ENGINE=MyISAM DEFAULT CHARSET=latin1 ROW_FORMAT=DYNAMIC",
      "CREATE TABLE shapes (id INT NOT NULL PRIMARY KEY, g GEOMETRY NOT NULL,"
      "  SPATIAL INDEX shapes_g (g)) AUTO_INCREMENT=50",
  });
  const schema::Catalog catalog = db().introspect();
  EXPECT_TRUE(catalog.unmodelled.empty());

  const schema::Table& plain = table_named(catalog, "plain");
  EXPECT_EQ(plain.engine, "InnoDB");
  EXPECT_EQ(plain.collation, "utf8mb4_unicode_ci");  // the test server's database default
  EXPECT_EQ(plain.partitioning, std::nullopt);
  EXPECT_EQ(plain.row_format, std::nullopt);  // none given, whatever format InnoDB uses
  EXPECT_EQ(column_named(plain, "name").collation, std::nullopt);

  EXPECT_EQ(table_named(catalog, "parted").partitioning, "PARTITION BY HASH (`id`)\nPARTITIONS 2");
  EXPECT_EQ(table_named(catalog, "ranged").partitioning,
            "PARTITION BY RANGE (year(`d`))\n(PARTITION `p0` VALUES LESS THAN (2000),\n "
            "PARTITION `p1` VALUES LESS THAN MAXVALUE)");

  const schema::Table& misc = table_named(catalog, "misc");
  EXPECT_EQ(misc.engine, "MyISAM");
  EXPECT_EQ(misc.collation, "latin1_swedish_ci");
  EXPECT_EQ(misc.row_format, "DYNAMIC");
  // A column's collation is set when it is not the table's default, as SHOW CREATE TABLE says.
  EXPECT_EQ(column_named(misc, "name").collation, std::nullopt);
  EXPECT_EQ(column_named(misc, "other").collation, "utf8mb4_bin");
  EXPECT_EQ(column_named(misc, "touched").on_update, "current_timestamp()");
  EXPECT_EQ(column_named(misc, "touched").default_expr, "current_timestamp()");
  EXPECT_EQ(column_named(misc, "changed").on_update, "current_timestamp(3)");
  EXPECT_EQ(column_named(misc, "name").on_update, std::nullopt);
  const schema::Column& doubled = column_named(misc, "doubled");
  EXPECT_EQ(doubled.generated_expr, "`qty` * 2");
  EXPECT_FALSE(doubled.generated_stored);
  ASSERT_EQ(misc.checks.size(), 2u);
  EXPECT_EQ(misc.checks[0], (schema::Check{"misc_qty", "`qty` < 100", ""}));
  EXPECT_EQ(misc.checks[1], (schema::Check{"qty", "`qty` > 0", "qty"}));  // column-level
  // In the server's order, as SHOW CREATE TABLE prints them: as made, FULLTEXT last.
  ASSERT_EQ(misc.indexes.size(), 3u);
  const schema::Index& name = misc.indexes[0];
  EXPECT_EQ(name.name, "misc_name");
  ASSERT_EQ(name.keys.size(), 2u);
  EXPECT_EQ(name.keys[0].length, 10);
  EXPECT_EQ(name.keys[1].column, "id");
  EXPECT_EQ(name.keys[1].length, std::nullopt);
  EXPECT_FALSE(name.ignored);
  EXPECT_EQ(misc.indexes[1].name, "misc_touched");
  EXPECT_TRUE(misc.indexes[1].ignored);
  const schema::Index& body = misc.indexes[2];
  EXPECT_EQ(body.name, "misc_body");
  EXPECT_EQ(body.method, "fulltext");

  const schema::Table& shapes = table_named(catalog, "shapes");
  ASSERT_EQ(shapes.indexes.size(), 1u);
  EXPECT_EQ(shapes.indexes[0].method, "spatial");
  EXPECT_EQ(shapes.indexes[0].keys.at(0).length, std::nullopt);  // the server's own prefix
}

TEST_F(MysqlConnector, RoundTripsEveryTypeInCanonicalForm) {
  const schema::Catalog catalog = fixture();
  const schema::Table& kinds = table_named(catalog, "kinds");
  const std::string bytes("\x00\xff\\'\"\x1a\r\n", 8);
  // Columns: id i s b d f g t v bl vb flag day dt ts j u e tm ub
  const std::vector<Row> written = {
      {"1",
       "-2147483648",
       "-32768",
       "-9223372036854775808",
       "12.50",
       "3.4028235e+38",
       "0.1",
       "Zürich – 東京 🚢",
       "tab\there\nnew 'q' \\ back",
       bytes,
       std::string("\x00\x01", 2),
       "1",
       "2024-02-29",
       "2024-03-01 01:30:00.123456",
       "2024-03-01 01:30:00.123456Z",
       R"({"a": [1, 2.5, "x"]})",
       "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
       "y",
       "23:59:59.999999",
       "18446744073709551615"},
      {"2",
       "2147483647",
       "32767",
       "9223372036854775807",
       "-0.01",
       "-1.5",
       "1e-300",
       "",
       "",
       "",
       "",
       "0",
       "1970-01-01",
       "1999-12-31 23:59:59",
       "2024-03-01 02:30:00.5+01:00",
       "[]",
       "00000000-0000-0000-0000-000000000000",
       "x",
       "00:00:00",
       "0"},
      {"3",
       "0",
       "0",
       "0",
       "0",
       "-0",
       "-0.0",
       "\\",
       "'",
       "\\",
       "'",
       "0",
       "2024-03-01",
       "2024-03-01 00:00:00",
       "1970-01-02 00:00:00Z",
       "null",
       "ffffffff-ffff-ffff-ffff-ffffffffffff",
       "x",
       "12:00:00.5",
       "1"},
      {"4",          std::nullopt, std::nullopt, std::nullopt, std::nullopt,
       std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
       std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
       std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt},
  };
  {
    auto writer = db().write_rows(kinds, {});
    writer->write(batch_of(written));
    writer->commit();
  }
  std::vector<Row> expected = written;
  expected[0][4] = "12.5";
  expected[0][16] = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
  expected[0][19] = "18446744073709551615";
  expected[1][13] = "1999-12-31 23:59:59.000000";
  expected[1][14] = "2024-03-01 01:30:00.500000Z";
  expected[1][18] = "00:00:00.000000";
  expected[2][5] = "0";
  expected[2][6] = "0";
  expected[2][13] = "2024-03-01 00:00:00.000000";
  expected[2][14] = "1970-01-02 00:00:00.000000Z";
  expected[2][18] = "12:00:00.500000";
  const std::vector<Row> read = read_all(db(), kinds);
  ASSERT_EQ(read.size(), expected.size());
  for (std::size_t r = 0; r < read.size(); ++r) {
    for (std::size_t c = 0; c < kinds.columns.size(); ++c) {
      EXPECT_EQ(read[r][c], expected[r][c]) << "row " << r << " column " << kinds.columns[c].name;
    }
  }

  // What the server holds, seen through its own functions rather than the reader.
  const auto check = db().query(
      "SELECT COUNT(*), SUM(i), HEX(bl), HEX(vb), LENGTH(t), CHAR_LENGTH(t), "
      "UNIX_TIMESTAMP(ts), CAST(d AS CHAR), JSON_EXTRACT(j, '$.a[1]'), f = "
      "CAST(3.4028234663852886e38 AS FLOAT) "
      "FROM kinds WHERE id = 1");
  ASSERT_EQ(check.size(), 1u);
  EXPECT_EQ(check[0][0], "1");
  EXPECT_EQ(check[0][1], "-2147483648");
  EXPECT_EQ(check[0][2], "00FF5C27221A0D0A");
  EXPECT_EQ(check[0][3], "0001");
  EXPECT_EQ(check[0][4], std::to_string(std::string("Zürich – 東京 🚢").size()));
  EXPECT_EQ(check[0][5], "13");
  EXPECT_EQ(check[0][6], "1709256600.123456");  // 01:30 UTC, whatever the server's zone
  EXPECT_EQ(check[0][7], "12.50");
  EXPECT_EQ(check[0][8], "2.5");
  EXPECT_EQ(check[0][9], "1");
  const auto nulls = db().query(
      "SELECT t IS NULL, t = '', bl IS NULL, LENGTH(bl) FROM kinds "
      "WHERE id IN (2, 4) ORDER BY id");
  ASSERT_EQ(nulls.size(), 2u);
  EXPECT_EQ(nulls[0], (Row{"0", "1", "0", "0"}));  // empty, not NULL
  EXPECT_EQ(nulls[1], (Row{"1", std::nullopt, "1", std::nullopt}));
}

TEST_F(MysqlConnector, WriterRejectsValuesMariaDbCannotStore) {
  const schema::Catalog catalog = fixture();
  const schema::Table& kinds = table_named(catalog, "kinds");
  try {
    db().write_rows(kinds, {"id", "g"})->write(batch_of({{"1", "NaN"}}));
    FAIL() << "NaN was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("kinds"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("`g`"), std::string::npos) << e.what();
  }
  EXPECT_THROW(db().write_rows(kinds, {"id", "f"})->write(batch_of({{"1", "-Infinity"}})), Error);
  EXPECT_THROW(db().write_rows(kinds, {"id", "d"})->write(batch_of({{"1", "NaN"}})), Error);
  EXPECT_THROW(db().write_rows(kinds, {"id"})->write(batch_of({{"1; DROP TABLE kinds"}})), Error);
  EXPECT_THROW(db().write_rows(kinds, {"id", "nope"}), Error);
}

TEST_F(MysqlConnector, FailedWriteCannotBeCommitted) {
  db().execute({"CREATE TABLE fw (id INT NOT NULL PRIMARY KEY, g DOUBLE)"});
  const schema::Table table = table_named(db().introspect(), "fw");
  auto writer = db().write_rows(table, {});
  writer->write(batch_of({{"1", "1.5"}}));
  EXPECT_THROW(writer->write(batch_of({{"2", "2.5"}, {"3", "NaN"}})), Error);
  EXPECT_THROW(writer->commit(), Error);
  EXPECT_EQ(scalar(db(), "SELECT COUNT(*) FROM fw"), "0");
}

TEST_F(MysqlConnector, ReadsInKeyOrderInBatchesAndByKeyRange) {
  db().execute(
      {"CREATE TABLE k (a INT NOT NULL, b VARCHAR(20) NOT NULL, v INT, "
       "PRIMARY KEY (a, b))"});
  const schema::Table table = table_named(db().introspect(), "k");
  std::vector<Row> rows;
  for (int i = 0; i < 5000; ++i) {
    char b[16];
    std::snprintf(b, sizeof b, "k%04d", i % 100);
    rows.push_back({std::to_string(i / 100), b, std::to_string(i)});
  }
  std::reverse(rows.begin(), rows.end());  // key order must come from the reader, not insertion
  {
    auto writer = db().write_rows(table, {});
    writer->write(batch_of(rows));
    writer->commit();
  }
  EXPECT_EQ(scalar(db(), "SELECT COUNT(*) FROM k"), "5000");

  ReadOptions options;
  options.batch_rows = 700;
  std::size_t batches = 0;
  const std::vector<Row> all = read_all(db(), table, options, &batches);
  ASSERT_EQ(all.size(), 5000u);
  EXPECT_EQ(batches, 8u);
  for (std::size_t i = 1; i < all.size(); ++i) {
    const auto key = [](const Row& r) { return std::pair(std::stoi(*r[0]), *r[1]); };
    ASSERT_LT(key(all[i - 1]), key(all[i])) << "at row " << i;
  }

  options.range.after = {"10", "k0050"};
  options.range.up_to = {"12", "k0010"};
  const std::vector<Row> slice = read_all(db(), table, options);
  ASSERT_EQ(slice.size(), 49u + 100u + 11u);
  EXPECT_EQ(slice.front(), (Row{"10", "k0051", "1051"}));
  EXPECT_EQ(slice.back(), (Row{"12", "k0010", "1210"}));

  options.range = {};
  options.range.up_to = {"0", "k0002"};
  EXPECT_EQ(read_all(db(), table, options).size(), 3u);
  options.range = {};
  options.range.after = {"49", "k0098"};
  EXPECT_EQ(read_all(db(), table, options), (std::vector<Row>{{"49", "k0099", "4999"}}));
}

TEST_F(MysqlConnector, KeyRangeLiteralsEscapeQuotesBackslashesAndBytes) {
  db().execute({"CREATE TABLE s (k VARCHAR(20) NOT NULL PRIMARY KEY, v INT)",
                "CREATE TABLE bk (k VARBINARY(8) NOT NULL PRIMARY KEY, v INT)",
                "CREATE TABLE tk (k TIMESTAMP(6) NOT NULL PRIMARY KEY, v INT)"});
  const schema::Catalog catalog = db().introspect();
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"s", {"a'b", "a\\b", "a\\'", "a", "b\"c", "z\n"}},
      {"bk", {std::string("\x00", 1), "'", "\\", std::string("\xff\x00", 2), "a"}},
      {"tk",
       {"2024-03-01 01:30:00.000001Z", "2024-03-01 01:30:00.000000Z",
        "1999-01-01 00:00:00.000000Z"}},
  };
  for (const auto& [name, keys] : cases) {
    const schema::Table& table = table_named(catalog, name);
    std::vector<Row> rows;
    for (std::size_t i = 0; i < keys.size(); ++i)
      rows.push_back({keys[i], std::to_string(i)});
    auto writer = db().write_rows(table, {});
    writer->write(batch_of(rows));
    writer->commit();
    // Every key as a lower bound must yield exactly the rows after it in the reader's order.
    const std::vector<Row> all = read_all(db(), table);
    ASSERT_EQ(all.size(), keys.size()) << name;
    for (std::size_t i = 0; i < all.size(); ++i) {
      ReadOptions options;
      options.range.after = {*all[i][0]};
      const std::vector<Row> after = read_all(db(), table, options);
      EXPECT_EQ(after, std::vector<Row>(all.begin() + static_cast<long>(i) + 1, all.end()))
          << name << " after key #" << i;
      options.range = {};
      options.range.up_to = {*all[i][0]};
      EXPECT_EQ(read_all(db(), table, options).size(), i + 1) << name << " up to key #" << i;
    }
  }
}

TEST_F(MysqlConnector, StreamsLargeTablesInBoundedMemory) {
  // 200k rows of 500 bytes: about 100 MB that a buffered result would hold at once.
  db().execute(
      {"CREATE TABLE big (id INT NOT NULL PRIMARY KEY, payload VARCHAR(500) NOT NULL)",
       "INSERT INTO big SELECT seq, REPEAT(CHAR(65 + seq % 26), 500) FROM seq_1_to_200000"});
  const schema::Table table = table_named(db().introspect(), "big");
  ReadOptions options;
  options.batch_rows = 1000;
  const std::size_t baseline = resident_bytes();  // before the query runs
  auto reader = db().read_rows(table, options);
  std::size_t peak = baseline;
  std::size_t rows = 0;
  long long last_id = 0;
  schema::RowBatch batch;
  while (reader->next(batch)) {
    peak = std::max(peak, resident_bytes());
    for (std::size_t r = 0; r < batch.rows(); ++r) {
      const long long id = std::stoll(std::string(batch.value(r, 0)));
      ASSERT_EQ(id, last_id + 1);
      last_id = id;
      ASSERT_EQ(batch.value(r, 1).size(), 500u);
    }
    rows += batch.rows();
  }
  EXPECT_EQ(rows, 200000u);
  EXPECT_LT(peak - baseline, std::size_t{40} << 20) << "the result was buffered, not streamed";
}

TEST_F(MysqlConnector, AbandonedReaderLeavesTheSessionUsable) {
  db().execute({"CREATE TABLE r (id INT NOT NULL PRIMARY KEY)",
                "INSERT INTO r SELECT seq FROM seq_1_to_5000"});
  const schema::Table table = table_named(db().introspect(), "r");
  ReadOptions options;
  options.batch_rows = 10;
  {
    auto reader = db().read_rows(table, options);
    schema::RowBatch batch;
    ASSERT_TRUE(reader->next(batch));
    EXPECT_EQ(batch.rows(), 10u);
  }
  EXPECT_EQ(scalar(db(), "SELECT COUNT(*) FROM r"), "5000");
}

TEST_F(MysqlConnector, WriterWithoutCommitRollsBack) {
  db().execute({"CREATE TABLE w (id INT NOT NULL PRIMARY KEY, name TEXT)"});
  const schema::Table table = table_named(db().introspect(), "w");
  {
    auto writer = db().write_rows(table, {});
    writer->write(batch_of({{"1", "one"}, {"2", std::nullopt}}));
    EXPECT_EQ(scalar(db(), "SELECT COUNT(*) FROM w"), "2");  // visible inside the transaction
  }
  EXPECT_EQ(scalar(db(), "SELECT COUNT(*) FROM w"), "0");
  const auto other = m_temp.connect();
  EXPECT_EQ(scalar(*other, "SELECT COUNT(*) FROM w"), "0");
}

TEST_F(MysqlConnector, WriterSplitsStatementsUnderMaxAllowedPacket) {
  db().execute({"CREATE TABLE wide (id INT NOT NULL PRIMARY KEY, payload MEDIUMBLOB NOT NULL)"});
  const schema::Table table = table_named(db().introspect(), "wide");
  std::vector<Row> rows;
  const std::string payload(300000, '\x01');
  for (int i = 0; i < 60; ++i)
    rows.push_back({std::to_string(i), payload});  // ~36 MB as hex
  auto writer = db().write_rows(table, {});
  writer->write(batch_of(rows));
  writer->commit();
  EXPECT_EQ(scalar(db(), "SELECT COUNT(*) FROM wide"), "60");
  EXPECT_EQ(scalar(db(), "SELECT SUM(LENGTH(payload)) FROM wide"), "18000000");
}

TEST_F(MysqlConnector, TableWithoutRowKeyCannotBeRead) {
  db().execute({"CREATE TABLE nokey (a INT, b TEXT, UNIQUE KEY nokey_a (a))"});
  const schema::Table table = table_named(db().introspect(), "nokey");
  try {
    db().read_rows(table, {});
    FAIL() << "read_rows accepted a table without a row key";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);  // exit 2: the table needs a key, not a retry
    EXPECT_NE(std::string(e.what()).find("nokey"), std::string::npos) << e.what();
  }
}

TEST_F(MysqlConnector, QueryReturnsTextAndNulls) {
  const auto rows = db().query("SELECT 1, NULL, '', 'x' UNION ALL SELECT 2, 'b', NULL, 'y'");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (Row{"1", std::nullopt, "", "x"}));
  EXPECT_EQ(rows[1], (Row{"2", "b", std::nullopt, "y"}));
  EXPECT_EQ(scalar(db(), "SELECT @@session.time_zone"), "+00:00");
  EXPECT_NE(scalar(db(), "SELECT @@session.sql_mode").find("STRICT_ALL_TABLES"), std::string::npos);
  EXPECT_EQ(scalar(db(), "SELECT @@character_set_client"), "utf8mb4");
}

TEST_F(MysqlConnector, ExecuteNamesTheFailingStatementAndRollsBackDml) {
  db().execute({"CREATE TABLE e (id INT NOT NULL PRIMARY KEY)"});
  try {
    db().execute({"INSERT INTO e VALUES (1)", "INSERT INTO e VALUES (1)"});
    FAIL() << "a duplicate key was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::failure);
    EXPECT_NE(std::string(e.what()).find("INSERT INTO e VALUES (1)"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("Duplicate entry"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("ferry-test-pw"), std::string::npos) << e.what();
  }
  EXPECT_EQ(scalar(db(), "SELECT COUNT(*) FROM e"), "0");
  EXPECT_THROW(db().query("SELECT * FROM no_such_table"), Error);
}

TEST_F(MysqlConnector, BitColumnsRoundTripAsNumbers) {
  db().execute({"CREATE TABLE bits (id INT NOT NULL PRIMARY KEY, flags BIT(10))"});
  const schema::Table table = table_named(db().introspect(), "bits");
  EXPECT_EQ(column_named(table, "flags").type, LogicalType::other);
  auto writer = db().write_rows(table, {});
  writer->write(batch_of({{"1", "5"}, {"2", "1023"}, {"3", std::nullopt}}));
  writer->commit();
  EXPECT_EQ(read_all(db(), table),
            (std::vector<Row>{{"1", "5"}, {"2", "1023"}, {"3", std::nullopt}}));
  EXPECT_EQ(scalar(db(), "SELECT HEX(flags) FROM bits WHERE id = 2"), "3FF");
}

// A Connector may be opened on one thread and used on another (one at a time).
TEST_F(MysqlConnector, WorksFromAnotherThread) {
  db().execute(
      {"CREATE TABLE th (id INT NOT NULL PRIMARY KEY)", "INSERT INTO th VALUES (1), (2), (3)"});
  const schema::Table table = table_named(db().introspect(), "th");
  std::size_t rows = 0;
  std::thread worker([&] { rows = read_all(db(), table).size(); });
  worker.join();
  EXPECT_EQ(rows, 3u);
  EXPECT_EQ(scalar(db(), "SELECT COUNT(*) FROM th"), "3");
}

TEST_F(MysqlConnector, QuotesIdentifiersWithBackticks) {
  EXPECT_EQ(db().quote_identifier("a`b"), "`a``b`");
  EXPECT_EQ(db().dialect(), Dialect::mysql);
}

TEST(MysqlConnect, WrongPasswordIsAuthFailedAndRedacted) {
  Endpoint endpoint = parse_endpoint(test::mysql_url());
  endpoint.password = Secret("Wr0ng-Pa55-word");
  try {
    connectors::connect(endpoint);
    FAIL() << "connected with a wrong password";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::auth_failed) << message;
    EXPECT_NE(message.find(endpoint.redacted()), std::string::npos) << message;
    EXPECT_NE(message.find(":***@"), std::string::npos) << message;
    EXPECT_EQ(message.find("Wr0ng-Pa55-word"), std::string::npos) << message;
  }
}

TEST(MysqlConnect, MissingDatabaseIsDatabaseMissing) {
  const Endpoint endpoint =
      parse_endpoint(test::with_database(test::mysql_url(), "ferry_no_such_db_xyz"));
  try {
    connectors::connect(endpoint);
    FAIL() << "connected to a missing database";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::database_missing) << e.what();
    EXPECT_NE(std::string(e.what()).find("ferry_no_such_db_xyz"), std::string::npos) << e.what();
  }
}

TEST(MysqlConnect, ClosedPortIsUnreachable) {
  Endpoint endpoint = parse_endpoint(
      "mysql://app:S3cret@127.0.0.1:" + std::to_string(closed_port()) + "/db?connect_timeout=2");
  try {
    connectors::connect(endpoint);
    FAIL() << "connected to a closed port";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unreachable) << e.what();
    EXPECT_TRUE(e.retryable());
    EXPECT_NE(std::string(e.what()).find("app:***@127.0.0.1"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("S3cret"), std::string::npos) << e.what();
  }
}

TEST(MysqlConnect, UnknownUrlParameterIsBadEndpoint) {
  const Endpoint endpoint = parse_endpoint(test::mysql_url() + "?sslmode=require");
  try {
    connectors::connect(endpoint);
    FAIL() << "an unknown parameter was ignored";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_endpoint) << e.what();
    EXPECT_NE(std::string(e.what()).find("sslmode"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ferry
