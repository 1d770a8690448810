// The SQLite connector against real database files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "ferry/common/error.hpp"
#include "test_env.hpp"

namespace ferry::connectors {
namespace {

using schema::LogicalType;
using test::TempDatabase;

constexpr const char* k_fixture[] = {
    "CREATE TABLE currencies (code TEXT NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL, "
    "minor_units SMALLINT NOT NULL DEFAULT 2, CONSTRAINT currencies_name_uq UNIQUE (name))",
    "CREATE TABLE prices ("
    "  product_id INTEGER NOT NULL,"
    "  currency TEXT NOT NULL REFERENCES currencies (code) ON DELETE CASCADE,"
    "  amount NUMERIC(12,2) NOT NULL CHECK (amount > -100),"
    "  ratio DOUBLE PRECISION,"
    "  label TEXT COLLATE NOCASE,"
    "  doubled NUMERIC GENERATED ALWAYS AS (amount * 2) STORED,"
    "  valid_from DATE,"
    "  updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,"
    "  changed_at TIMESTAMPTZ,"
    "  active BOOLEAN NOT NULL DEFAULT 1,"
    "  payload JSON,"
    "  token UUID,"
    "  blob_data BLOB,"
    "  CONSTRAINT prices_pk PRIMARY KEY (product_id, currency),"
    "  CONSTRAINT prices_window CHECK (valid_from IS NULL OR valid_from > '2000-01-01'))",
    "CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, "
    "product_id INTEGER, currency TEXT, note TEXT, "
    "CONSTRAINT audit_price_fk FOREIGN KEY (product_id, currency) "
    "REFERENCES prices (product_id, currency) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED)",
    "CREATE INDEX prices_active_idx ON prices (currency, amount DESC) WHERE active = 1",
    "CREATE UNIQUE INDEX audit_note_lower ON audit (lower(note))",
    "CREATE VIEW active_prices AS SELECT product_id, currency, amount FROM prices WHERE active = 1",
};

std::unique_ptr<Connector> fixture(const TempDatabase& db) {
  auto c = db.connect();
  c->execute(std::vector<std::string>(std::begin(k_fixture), std::end(k_fixture)));
  return c;
}

const schema::Table& table(const schema::Catalog& catalog, const std::string& name) {
  const schema::Table* t = catalog.find_table("", name);
  if (t == nullptr)
    throw std::runtime_error("no table " + name);
  return *t;
}

const schema::Column& column(const schema::Table& t, const std::string& name) {
  const schema::Column* c = t.find_column(name);
  if (c == nullptr)
    throw std::runtime_error("no column " + name);
  return *c;
}

TEST(SqliteConnector, IntrospectsTheFixtureFieldByField) {
  TempDatabase db(Dialect::sqlite);
  auto conn = fixture(db);
  const schema::Catalog catalog = conn->introspect();
  EXPECT_EQ(catalog.dialect, Dialect::sqlite);
  EXPECT_FALSE(catalog.server_version.empty());
  ASSERT_EQ(catalog.tables.size(), 3u);
  EXPECT_EQ(catalog.tables[0].name, "audit");  // sorted

  const schema::Table& prices = table(catalog, "prices");
  ASSERT_TRUE(prices.primary_key);
  EXPECT_EQ(prices.primary_key->name, "prices_pk");
  EXPECT_EQ(prices.primary_key->columns, (std::vector<std::string>{"product_id", "currency"}));
  ASSERT_EQ(prices.columns.size(), 13u);
  EXPECT_EQ(prices.columns[0].name, "product_id");
  EXPECT_EQ(prices.columns[0].position, 1);

  struct Expect {
    const char* name;
    const char* declared;
    LogicalType type;
  };
  for (const Expect& e :
       {Expect{"product_id", "INTEGER", LogicalType::int64},
        Expect{"amount", "NUMERIC(12,2)", LogicalType::numeric},
        Expect{"ratio", "DOUBLE PRECISION", LogicalType::float64},
        Expect{"label", "TEXT", LogicalType::text}, Expect{"valid_from", "DATE", LogicalType::date},
        Expect{"updated_at", "TIMESTAMP", LogicalType::timestamp},
        Expect{"changed_at", "TIMESTAMPTZ", LogicalType::timestamptz},
        Expect{"active", "BOOLEAN", LogicalType::boolean},
        Expect{"payload", "JSON", LogicalType::json}, Expect{"token", "UUID", LogicalType::uuid},
        Expect{"blob_data", "BLOB", LogicalType::bytes}}) {
    const schema::Column& c = column(prices, e.name);
    EXPECT_EQ(c.declared_type, e.declared) << e.name;
    EXPECT_EQ(c.type, e.type) << e.name;
  }
  EXPECT_FALSE(column(prices, "amount").nullable);
  EXPECT_TRUE(column(prices, "ratio").nullable);
  EXPECT_EQ(column(prices, "updated_at").default_expr, "CURRENT_TIMESTAMP");
  EXPECT_EQ(column(prices, "active").default_expr, "1");
  EXPECT_EQ(column(prices, "label").collation, "NOCASE");
  EXPECT_FALSE(column(prices, "ratio").collation.has_value());
  EXPECT_EQ(column(prices, "doubled").generated_expr, "amount * 2");
  EXPECT_TRUE(column(prices, "doubled").generated_stored);

  ASSERT_EQ(prices.checks.size(), 2u);
  EXPECT_EQ(prices.checks[0].name, "prices_amount_check");
  EXPECT_EQ(prices.checks[0].expression, "amount > -100");
  EXPECT_EQ(prices.checks[1].name, "prices_window");
  EXPECT_EQ(prices.checks[1].expression, "valid_from IS NULL OR valid_from > '2000-01-01'");

  ASSERT_EQ(prices.foreign_keys.size(), 1u);
  const schema::ForeignKey& to_currency = prices.foreign_keys[0];
  EXPECT_EQ(to_currency.name, "prices_currency_fkey");
  EXPECT_EQ(to_currency.ref_table, "currencies");
  EXPECT_EQ(to_currency.ref_columns, std::vector<std::string>{"code"});
  EXPECT_EQ(to_currency.on_delete, schema::FkAction::cascade);
  EXPECT_FALSE(to_currency.deferrable);

  ASSERT_EQ(prices.indexes.size(), 1u);
  const schema::Index& partial = prices.indexes[0];
  EXPECT_EQ(partial.name, "prices_active_idx");
  EXPECT_FALSE(partial.unique);
  ASSERT_EQ(partial.keys.size(), 2u);
  EXPECT_EQ(partial.keys[0].column, "currency");
  EXPECT_FALSE(partial.keys[0].descending);
  EXPECT_EQ(partial.keys[1].column, "amount");
  EXPECT_TRUE(partial.keys[1].descending);
  EXPECT_EQ(partial.predicate, "active = 1");

  const schema::Table& audit = table(catalog, "audit");
  EXPECT_EQ(column(audit, "id").identity, schema::Identity::auto_increment);
  EXPECT_FALSE(column(audit, "id").nullable);
  ASSERT_EQ(audit.foreign_keys.size(), 1u);
  const schema::ForeignKey& to_price = audit.foreign_keys[0];
  EXPECT_EQ(to_price.name, "audit_price_fk");
  EXPECT_EQ(to_price.columns, (std::vector<std::string>{"product_id", "currency"}));
  EXPECT_EQ(to_price.ref_columns, (std::vector<std::string>{"product_id", "currency"}));
  EXPECT_EQ(to_price.on_delete, schema::FkAction::set_null);
  EXPECT_TRUE(to_price.deferrable);
  EXPECT_TRUE(to_price.initially_deferred);
  ASSERT_EQ(audit.indexes.size(), 1u);
  EXPECT_TRUE(audit.indexes[0].unique);
  ASSERT_EQ(audit.indexes[0].keys.size(), 1u);
  EXPECT_EQ(audit.indexes[0].keys[0].expression, "lower(note)");

  const schema::Table& currencies = table(catalog, "currencies");
  ASSERT_EQ(currencies.uniques.size(), 1u);
  EXPECT_EQ(currencies.uniques[0].name, "currencies_name_uq");
  EXPECT_EQ(currencies.uniques[0].columns, std::vector<std::string>{"name"});
  EXPECT_TRUE(currencies.indexes.empty());  // the unique constraint's index is not repeated
  EXPECT_EQ(column(currencies, "minor_units").type, LogicalType::int16);

  ASSERT_EQ(catalog.views.size(), 1u);
  EXPECT_EQ(catalog.views[0].name, "active_prices");
  EXPECT_EQ(catalog.views[0].definition,
            "SELECT product_id, currency, amount FROM prices WHERE active = 1");
  EXPECT_TRUE(catalog.objects.empty());
  EXPECT_TRUE(catalog.unmodelled.empty());
}

constexpr const char* k_triggers[] = {
    "CREATE TRIGGER prices_audit AFTER UPDATE OF amount ON prices FOR EACH ROW\n"
    "BEGIN\n  INSERT INTO audit (product_id, currency, note) VALUES (NEW.product_id, "
    "NEW.currency, 'amount changed');\nEND",
    "CREATE TEMP TRIGGER IF NOT EXISTS temp_only AFTER INSERT ON audit BEGIN SELECT 1; END",
    "create trigger if not exists main.active_prices_insert instead of insert on active_prices "
    "begin insert into prices (product_id, currency, amount) "
    "values (new.product_id, new.currency, new.amount); end",
};

schema::Catalog with_triggers(const TempDatabase& db) {
  auto c = fixture(db);
  c->execute(std::vector<std::string>(std::begin(k_triggers), std::end(k_triggers)));
  return c->introspect();
}

TEST(SqliteConnector, ReadsTriggersByTheirStoredText) {
  TempDatabase db(Dialect::sqlite);
  const schema::Catalog catalog = with_triggers(db);
  ASSERT_EQ(catalog.objects.size(), 2u);  // the TEMP trigger is not the database's
  const schema::SchemaObject& instead = catalog.objects[0];  // sorted by table, then name
  EXPECT_EQ(instead.kind, schema::ObjectKind::trigger);
  EXPECT_EQ(instead.qualified_name(), "active_prices.active_prices_insert");
  EXPECT_EQ(instead.table, "active_prices");
  EXPECT_EQ(instead.uses, std::vector<std::string>{"active_prices"});
  // As SQLite stores it: from the name on as written, without IF NOT EXISTS and "main.".
  EXPECT_EQ(instead.definition,
            std::vector<std::string>{
                "CREATE TRIGGER active_prices_insert instead of insert on active_prices "
                "begin insert into prices (product_id, currency, amount) "
                "values (new.product_id, new.currency, new.amount); end"});
  const schema::SchemaObject& audit = catalog.objects[1];
  EXPECT_EQ(audit.name, "prices_audit");
  EXPECT_EQ(audit.table, "prices");
  EXPECT_EQ(audit.uses, std::vector<std::string>{"prices"});
  EXPECT_EQ(audit.definition, std::vector<std::string>{k_triggers[0]});
  EXPECT_TRUE(catalog.unmodelled.empty());
}

// The property a schema diff relies on: one script read alike in two databases, and the
// definitions read from one make the same triggers in a third; another body reads otherwise.
TEST(SqliteConnector, TriggersFromTheSameSqlCompareEqual) {
  TempDatabase first_db(Dialect::sqlite), second_db(Dialect::sqlite), copy_db(Dialect::sqlite);
  const schema::Catalog first = with_triggers(first_db);
  EXPECT_EQ(first.objects, with_triggers(second_db).objects);

  auto copy = fixture(copy_db);
  for (const schema::SchemaObject& o : first.objects)
    copy->execute(o.definition);
  EXPECT_EQ(copy->introspect().objects, first.objects);

  copy->execute({"DROP TRIGGER prices_audit",
                 "CREATE TRIGGER prices_audit AFTER UPDATE OF amount ON prices FOR EACH ROW\n"
                 "BEGIN\n  INSERT INTO audit (product_id, currency, note) VALUES "
                 "(NEW.product_id, NEW.currency, 'amount was changed');\nEND"});
  const schema::Catalog changed = copy->introspect();
  ASSERT_EQ(changed.objects.size(), 2u);
  EXPECT_EQ(changed.objects[0], first.objects[0]);
  EXPECT_EQ(changed.objects[1].qualified_name(), first.objects[1].qualified_name());
  EXPECT_NE(changed.objects[1].definition, first.objects[1].definition);
}

// What ferry does not model is listed, never silently taken as equal: virtual tables (whose
// shadow tables are theirs, not tables of the database), ON CONFLICT clauses, a key collation
// other than the column's or DESC in a primary key or unique constraint. STRICT, WITHOUT
// ROWID and an index key's collation are read.
TEST(SqliteConnector, ListsWhatItDoesNotModel) {
  TempDatabase db(Dialect::sqlite);
  auto conn = db.connect();
  conn->execute({
      "CREATE VIRTUAL TABLE docs USING fts5(title, body)",
      "CREATE VIRTUAL TABLE boxes USING rtree(id, x0, x1)",
      "CREATE TABLE strict_t (id INTEGER PRIMARY KEY, v TEXT) STRICT",
      "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID",
      "CREATE TABLE both_t (k TEXT PRIMARY KEY) STRICT, WITHOUT ROWID",
      "CREATE TABLE tags (id INTEGER PRIMARY KEY, tag TEXT UNIQUE ON CONFLICT REPLACE)",
      "CREATE TABLE names (id INTEGER PRIMARY KEY, name TEXT, nick TEXT COLLATE NOCASE, "
      "UNIQUE (name COLLATE NOCASE))",
      "CREATE INDEX names_name_nocase ON names (name COLLATE NOCASE)",
      "CREATE INDEX names_nick ON names (nick COLLATE NOCASE)",  // the column's own
      "CREATE INDEX names_nick_binary ON names (nick COLLATE BINARY DESC)",
      "CREATE INDEX names_lower ON names (lower(name) COLLATE RTRIM, upper(name))",
      "CREATE TABLE ranked (score INTEGER, name TEXT, PRIMARY KEY (score DESC, name))",
  });
  const schema::Catalog catalog = conn->introspect();
  std::vector<std::pair<std::string, std::string>> listed;
  for (const schema::UnmodelledObject& u : catalog.unmodelled)
    listed.emplace_back(u.kind, u.name);
  EXPECT_EQ(listed, (std::vector<std::pair<std::string, std::string>>{
                        {"conflict clause", "tags"},
                        {"descending key", "ranked.ranked_pkey"},
                        {"index key collation", "names.names_name_key"},
                        {"virtual table", "boxes"},
                        {"virtual table", "docs"},
                    }));
  std::vector<std::string> tables;
  for (const schema::Table& t : catalog.tables)
    tables.push_back(t.name + (t.strict ? " strict" : "") +
                     (t.without_rowid ? " without_rowid" : ""));
  EXPECT_EQ(tables, (std::vector<std::string>{"both_t strict without_rowid", "kv without_rowid",
                                              "names", "ranked", "strict_t strict", "tags"}));
  std::vector<std::string> keys;
  for (const schema::Index& i : table(catalog, "names").indexes) {
    for (const schema::IndexKey& k : i.keys) {
      keys.push_back(i.name + " " + k.expression.value_or(k.column) + " " +
                     k.collation.value_or("-") + (k.descending ? " DESC" : ""));
    }
  }
  EXPECT_EQ(keys,
            (std::vector<std::string>{"names_lower lower(name) RTRIM", "names_lower upper(name) -",
                                      "names_name_nocase name NOCASE", "names_nick nick -",
                                      "names_nick_binary nick BINARY DESC"}));
}

TEST(SqliteConnector, RowEstimatesAreExactWithoutStatistics) {
  TempDatabase db(Dialect::sqlite);
  auto conn = fixture(db);
  conn->execute({"INSERT INTO currencies (code, name) VALUES ('EUR', 'Euro'), ('USD', 'Dollar')"});
  const schema::Catalog catalog = conn->introspect();
  EXPECT_EQ(table(catalog, "currencies").row_estimate, 2);
  EXPECT_EQ(table(catalog, "prices").row_estimate, 0);
}

// Every logical type, NULLs and awkward values included, in canonical form.
const std::vector<std::vector<std::optional<std::string>>> k_rows = {
    {"1", "EUR", "12.5", "0.1", "Zürich – 東京 🚢", "2024-02-29", "2024-03-01 12:00:00.000000",
     "2024-03-01 01:30:00.123456Z", "1", R"({"a": [1, 2]})", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
     std::string("\x00\xff\\x'", 5)},
    {"2", "EUR", "0", "1e-300", "", std::nullopt, std::nullopt, std::nullopt, "0", std::nullopt,
     std::nullopt, std::string()},
    {"3", "EUR", "-3.25", "-Infinity", "tab\there\nnewline \\ 'quote'", "2009-12-31",
     "1970-01-01 00:00:00.000001", "2038-01-19 03:14:07.999999Z", "1", "[]", std::nullopt,
     std::nullopt},
};
const std::vector<std::string> k_columns = {"product_id", "currency",   "amount",     "ratio",
                                            "label",      "valid_from", "updated_at", "changed_at",
                                            "active",     "payload",    "token",      "blob_data"};

TEST(SqliteConnector, BulkWriteThenStreamRoundTripsEveryType) {
  TempDatabase db(Dialect::sqlite);
  auto conn = fixture(db);
  conn->execute({"INSERT INTO currencies (code, name) VALUES ('EUR', 'Euro')"});
  const schema::Catalog catalog = conn->introspect();
  const schema::Table& prices = table(catalog, "prices");

  schema::RowBatch batch(k_columns.size());
  for (const auto& row : k_rows) {
    for (const auto& v : row)
      v ? batch.add_value(*v) : batch.add_null();
  }
  {
    auto writer = conn->write_rows(prices, k_columns);
    writer->write(batch);
    writer->commit();
  }

  // Independent check: the server's own view of what was stored.
  const auto stored = conn->query(
      "SELECT count(*), sum(amount), hex(blob_data), typeof(active), label FROM prices "
      "WHERE product_id = 1");
  EXPECT_EQ(stored[0][0], "1");
  EXPECT_EQ(stored[0][1], "12.5");
  EXPECT_EQ(stored[0][2], "00FF5C7827");
  EXPECT_EQ(stored[0][3], "integer");
  EXPECT_EQ(stored[0][4], "Zürich – 東京 🚢");
  EXPECT_EQ(conn->query("SELECT count(*) FROM prices WHERE valid_from IS NULL")[0][0], "1");
  EXPECT_EQ(conn->query("SELECT length(blob_data) FROM prices WHERE product_id = 2")[0][0], "0");

  auto reader = conn->read_rows(prices, {});
  schema::RowBatch out;
  ASSERT_TRUE(reader->next(out));
  ASSERT_EQ(out.rows(), k_rows.size());
  for (std::size_t r = 0; r < k_rows.size(); ++r) {
    for (std::size_t c = 0; c < k_columns.size(); ++c) {
      const std::size_t pos = static_cast<std::size_t>(column(prices, k_columns[c]).position - 1);
      const auto got = out.field(r, pos);
      EXPECT_EQ(got ? std::optional<std::string>(std::string(*got)) : std::nullopt, k_rows[r][c])
          << "row " << r << " column " << k_columns[c];
    }
    // The generated column is read too.
    const std::size_t doubled = static_cast<std::size_t>(column(prices, "doubled").position - 1);
    EXPECT_FALSE(out.is_null(r, doubled));
  }
  EXPECT_EQ(out.value(0, static_cast<std::size_t>(column(prices, "doubled").position - 1)), "25");
  EXPECT_FALSE(reader->next(out));
  EXPECT_TRUE(out.empty());
}

TEST(SqliteConnector, CanonicalizesValuesWrittenBySql) {
  TempDatabase db(Dialect::sqlite);
  auto conn = fixture(db);
  conn->execute({"INSERT INTO currencies (code, name) VALUES ('EUR', 'Euro')",
                 "INSERT INTO prices (product_id, currency, amount, ratio, changed_at, active, "
                 "token) VALUES (7, 'EUR', '12.50', 2, '2024-03-01 01:30:00+05:30', 'true', "
                 "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')"});
  const schema::Catalog catalog = conn->introspect();
  const schema::Table& prices = table(catalog, "prices");
  schema::RowBatch out;
  ASSERT_TRUE(conn->read_rows(prices, {})->next(out));
  auto value = [&](const char* name) {
    return std::string(out.value(0, static_cast<std::size_t>(column(prices, name).position - 1)));
  };
  EXPECT_EQ(value("amount"), "12.5");
  EXPECT_EQ(value("ratio"), "2");
  EXPECT_EQ(value("changed_at"), "2024-02-29 20:00:00.000000Z");
  EXPECT_EQ(value("active"), "1");
  EXPECT_EQ(value("token"), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
}

TEST(SqliteConnector, StreamsInKeyOrderInBatchesAndHonoursKeyRanges) {
  TempDatabase db(Dialect::sqlite);
  auto conn = db.connect();
  conn->execute(
      {"CREATE TABLE grid (x INTEGER NOT NULL, y TEXT NOT NULL, v REAL, "
       "PRIMARY KEY (x, y))",
       "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 4999) "
       "INSERT INTO grid SELECT i / 10, printf('k%02d', (i * 7) % 10), i * 0.5 FROM n "
       "ORDER BY random()"});
  const schema::Catalog catalog = conn->introspect();
  const schema::Table& grid = table(catalog, "grid");

  auto reader = conn->read_rows(grid, {.batch_rows = 700});
  schema::RowBatch batch;
  std::size_t total = 0, batches = 0;
  std::pair<long, std::string> previous{-1, ""};
  while (reader->next(batch)) {
    ++batches;
    EXPECT_LE(batch.rows(), 700u);
    for (std::size_t r = 0; r < batch.rows(); ++r) {
      std::pair<long, std::string> key{std::stol(std::string(batch.value(r, 0))),
                                       std::string(batch.value(r, 1))};
      EXPECT_LT(previous, key);
      previous = key;
      ++total;
    }
  }
  EXPECT_EQ(total, 5000u);
  EXPECT_EQ(batches, 8u);

  schema::KeyRange range{.after = {"10", "k03"}, .up_to = {"12", "k01"}};
  auto ranged = conn->read_rows(grid, {.range = range});
  std::vector<std::string> keys;
  while (ranged->next(batch)) {
    for (std::size_t r = 0; r < batch.rows(); ++r) {
      keys.push_back(std::string(batch.value(r, 0)) + "/" + std::string(batch.value(r, 1)));
    }
  }
  std::vector<std::string> expected;
  for (const char* k : {"k04", "k05", "k06", "k07", "k08", "k09"})
    expected.push_back("10/" + std::string(k));
  for (int i = 0; i < 10; ++i)
    expected.push_back("11/k0" + std::to_string(i));
  expected.push_back("12/k00");
  expected.push_back("12/k01");
  EXPECT_EQ(keys, expected);
}

TEST(SqliteConnector, WriterWithoutCommitRollsBack) {
  TempDatabase db(Dialect::sqlite);
  auto conn = fixture(db);
  const schema::Catalog catalog = conn->introspect();
  {
    auto writer = conn->write_rows(table(catalog, "currencies"), {"code", "name"});
    schema::RowBatch batch(2);
    batch.add_value("EUR");
    batch.add_value("Euro");
    writer->write(batch);
  }
  EXPECT_EQ(conn->query("SELECT count(*) FROM currencies")[0][0], "0");
}

TEST(SqliteConnector, FailedExecuteKeepsNothing) {
  TempDatabase db(Dialect::sqlite);
  auto conn = fixture(db);
  EXPECT_THROW(conn->execute({"INSERT INTO currencies (code, name) VALUES ('EUR', 'Euro')",
                              "INSERT INTO no_such_table VALUES (1)"}),
               Error);
  EXPECT_EQ(conn->query("SELECT count(*) FROM currencies")[0][0], "0");
}

TEST(SqliteConnector, RefusesToStreamATableWithoutAKey) {
  TempDatabase db(Dialect::sqlite);
  auto conn = db.connect();
  conn->execute({"CREATE TABLE loose (a INTEGER, b TEXT)"});
  const schema::Catalog catalog = conn->introspect();
  try {
    conn->read_rows(table(catalog, "loose"), {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("loose"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("primary key"), std::string::npos) << e.what();
  }
}

TEST(SqliteConnector, MissingFileAndNonDatabaseFileAreClassified) {
  test::TempDir dir;
  try {
    connect(parse_endpoint("sqlite://" + dir.path() + "/absent.db"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::database_missing);
    EXPECT_NE(std::string(e.what()).find("absent.db"), std::string::npos);
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/absent.db"));
  std::ofstream(dir.path() + "/junk.db") << "this is not a database, just text that is long "
                                            "enough to be read as a header";
  try {
    connect(parse_endpoint("sqlite://" + dir.path() + "/junk.db"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), ExitCode::bad_input);
    EXPECT_NE(std::string(e.what()).find("junk.db"), std::string::npos);
  }
}

}  // namespace
}  // namespace ferry::connectors
