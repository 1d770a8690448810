// The MySQL/MariaDB connector against a real server (scripts/test-servers): canonical round
// trips of every type, keyset reads, writer transactions and connect errors (introspection is
// in mysql_catalog_test.cpp).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

#include "ferry/common/error.hpp"
#include "mysql_fixture.hpp"
#include "test_env.hpp"

namespace ferry {
namespace {

using connectors::Connector;
using connectors::ReadOptions;
using schema::LogicalType;
using Row = std::vector<std::optional<std::string>>;

using test::column_named;
using test::MysqlConnector;
using test::scalar;
using test::table_named;

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
