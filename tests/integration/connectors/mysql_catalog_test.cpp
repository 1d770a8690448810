// The MySQL/MariaDB connector's introspection against a real server (scripts/test-servers):
// tables, columns, keys and attributes of a realistic schema; triggers, routines and events
// with the settings they were made under; what it does not model.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "ferry/common/error.hpp"
#include "ferry/schema/catalog_json.hpp"
#include "mysql_fixture.hpp"
#include "test_env.hpp"

namespace ferry {
namespace {

using connectors::Connector;
using schema::LogicalType;
using test::column_named;
using test::MysqlConnector;
using test::scalar;
using test::table_named;

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

}  // namespace
}  // namespace ferry
