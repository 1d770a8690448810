// Rows holding 16 MiB values, on PostgreSQL, MariaDB and SQLite: a reader ends a batch by
// bytes as well as by rows, and `ferry data diff` and `ferry data sync` find and copy such
// rows exactly. The values are made by the test from seeds and checked through SQL on both
// sides (byte lengths, the text, the bytes as hex), one row at a time, so that the test
// never holds more than a few values.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "data_sync_support.hpp"
#include "ferry/common/hash128.hpp"

namespace ferry::test::data {
namespace {

using nlohmann::json;

constexpr std::size_t k_big = std::size_t{16} << 20;

// A value made from a seed: `size` letters and digits (text) or any bytes (binary), with the
// byte at `flip` changed when it is set.
struct Value {
  std::uint64_t seed = 0;
  std::size_t size = 0;
  bool binary = false;
  std::optional<std::size_t> flip;

  std::string make() const {
    static constexpr char k_alnum[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::mt19937_64 random(seed);
    std::string out(size, '\0');
    for (std::size_t i = 0; i < size; i += 8) {
      std::uint64_t bits = random();
      for (std::size_t j = i; j < std::min(size, i + 8); ++j, bits >>= 8) {
        out[j] = binary ? static_cast<char>(bits & 0xff) : k_alnum[(bits & 0xff) % 62];
      }
    }
    if (flip && *flip < size)
      out[*flip] = out[*flip] == 'x' ? 'y' : 'x';
    return out;
  }
};

Value text(std::uint64_t seed, std::size_t size, std::optional<std::size_t> flip = {}) {
  return {seed, size, false, flip};
}
Value bytes(std::uint64_t seed, std::size_t size, std::optional<std::size_t> flip = {}) {
  return {seed, size, true, flip};
}

// A row of `big`: id, body (text), data (bytes); nullopt is NULL.
struct BigRow {
  std::optional<Value> body;
  std::optional<Value> data;
};
using BigTable = std::map<std::int64_t, BigRow>;

// The master: NULLs, empty values, small values and 16 MiB values, one row of 32 MiB.
BigTable master_rows() {
  return {{1, {text(1, k_big), std::nullopt}},    {2, {text(2, 3), bytes(3, k_big)}},
          {3, {text(4, k_big), bytes(5, k_big)}}, {4, {text(6, 0), bytes(7, 100)}},
          {5, {text(8, k_big), bytes(9, 0)}},     {6, {std::nullopt, bytes(10, k_big)}}};
}

// The tenant before the sync: 1 and 3 missing; 2 and 5 differ from the master in one byte of
// a 16 MiB value, 4 has a 16 MiB body where the master's is empty; 6 is equal; 7 is the
// tenant's only.
BigTable tenant_rows() {
  BigTable rows = master_rows();
  rows.erase(1);
  rows.erase(3);
  rows[2].data = bytes(3, k_big, k_big / 2);
  rows[5].body = text(8, k_big, k_big - 1);
  rows[4].body = text(11, k_big);
  rows[7] = {text(12, k_big), bytes(13, 1)};
  return rows;
}

std::vector<std::string> create_big(Dialect dialect) {
  switch (dialect) {
    case Dialect::postgres:
      return {"CREATE TABLE big (id bigint PRIMARY KEY, body text, data bytea)"};
    case Dialect::mysql:
      return {"CREATE TABLE big (id bigint PRIMARY KEY, body longtext, data longblob)"};
    case Dialect::sqlite:
      return {"CREATE TABLE big (id bigint PRIMARY KEY, body text, data blob)"};
  }
  return {};
}

// Writes the rows one statement each (each value is made only while its row is written).
void insert_rows(connectors::Connector& db, Dialect dialect, const BigTable& rows) {
  for (const auto& [id, row] : rows) {
    std::string sql = "INSERT INTO big (id, body, data) VALUES (" + std::to_string(id) + ", ";
    // Letters and digits only: a plain literal in every dialect.
    sql += row.body ? "'" + row.body->make() + "'" : "NULL";
    sql += ", ";
    if (!row.data) {
      sql += "NULL";
    } else if (dialect == Dialect::postgres) {
      sql += "'\\x" + to_hex(row.data->make()) + "'::bytea";
    } else {
      sql += "X'" + to_hex(row.data->make()) + "'";
    }
    sql += ")";
    db.execute({sql});
  }
}

// One row as the server reports it: byte lengths from SQL, the text, the bytes as lowercase
// hex made by the server.
struct ServerRow {
  std::optional<std::string> body_length, data_length, body, data_hex;
};

// Appends to `out` how one column of a row differs: NULL where a value is expected or the
// reverse, another byte length, other bytes (as the server shows them: hex for bytes).
void check_value(std::string& out, const std::string& what, const std::optional<Value>& expected,
                 const std::optional<std::string>& length, const std::optional<std::string>& actual,
                 bool as_hex) {
  if (!expected) {
    if (actual)
      out += what + " is not NULL\n";
    return;
  }
  const std::string value = expected->make();
  if (length != std::to_string(value.size()))
    out += what + " has " + length.value_or("NULL") + " bytes, not " +
           std::to_string(value.size()) + "\n";
  else if (actual != (as_hex ? to_hex(value) : value))
    out += what + " differs\n";
}

ServerRow server_row(connectors::Connector& db, Dialect dialect, std::int64_t id) {
  std::string sql;
  switch (dialect) {
    case Dialect::postgres:
      sql = "SELECT octet_length(body), octet_length(data), body, encode(data, 'hex')";
      break;
    case Dialect::mysql:
      sql = "SELECT LENGTH(body), LENGTH(data), body, LOWER(HEX(data))";
      break;
    case Dialect::sqlite:
      // hex(NULL) is '', not NULL.
      sql =
          "SELECT length(CAST(body AS BLOB)), length(data), body, "
          "CASE WHEN data IS NULL THEN NULL ELSE lower(hex(data)) END";
      break;
  }
  const auto rows = db.query(sql + " FROM big WHERE id = " + std::to_string(id));
  if (rows.size() != 1)
    return {};
  return {rows[0][0], rows[0][1], rows[0][2], rows[0][3]};
}

std::vector<std::int64_t> ids_of(connectors::Connector& db) {
  std::vector<std::int64_t> out;
  for (const auto& row : db.query("SELECT id FROM big ORDER BY id"))
    out.push_back(std::stoll(row.at(0).value_or("-1")));
  return out;
}

// "" when the table holds exactly `expected`, row by row, else what differs.
std::string differences(connectors::Connector& db, Dialect dialect, const BigTable& expected) {
  std::string out;
  std::vector<std::int64_t> want;
  for (const auto& entry : expected)
    want.push_back(entry.first);
  const std::vector<std::int64_t> ids = ids_of(db);
  if (ids != want) {
    out += "ids differ: " + std::to_string(ids.size()) + " rows instead of " +
           std::to_string(want.size()) + "\n";
  }
  for (const auto& [id, row] : expected) {
    const ServerRow actual = server_row(db, dialect, id);
    const std::string at = "row " + std::to_string(id) + ": ";
    check_value(out, at + "body", row.body, actual.body_length, actual.body, false);
    check_value(out, at + "data", row.data, actual.data_length, actual.data_hex, true);
  }
  return out;
}

json report_of(const CommandOutput& out) {
  const std::string text = json_part(out.output);
  EXPECT_FALSE(text.empty()) << "no JSON report in:\n" << out.output;
  return text.empty() ? json::object() : json::parse(text);
}

const json& big_of(const json& report) {
  for (const json& t : report.at("tenants").at(0).at("tables")) {
    const std::string label = t.at("table").get<std::string>();
    if (label == "big" || label.ends_with(".big"))
      return t;
  }
  throw std::runtime_error("no table big in the report " + report.dump());
}

// What a diff or sync must find: 1 and 3 to insert, 2, 4 and 5 to update, 7 to delete.
void expect_counts(const json& report, const std::string& context) {
  const json& big = big_of(report);
  EXPECT_EQ(big.at("inserts"), 2) << context << ": " << big.dump();
  EXPECT_EQ(big.at("updates"), 3) << context << ": " << big.dump();
  EXPECT_EQ(big.at("deletes"), 1) << context << ": " << big.dump();
}

class LargeValueSync : public ::testing::TestWithParam<DialectPair> {};

TEST_P(LargeValueSync, DiffAndSyncOfRowsHolding16MiBValues) {
  const Dialect md = GetParam().master, td = GetParam().tenant;
  TempDatabase master_db(md);
  TempDatabase tenant_db(td);
  auto master = master_db.connect();
  auto tenant = tenant_db.connect();
  master->execute(create_big(md));
  tenant->execute(create_big(td));
  insert_rows(*master, md, master_rows());
  insert_rows(*tenant, td, tenant_rows());

  const std::string urls = " --from " + quoted(master_db.url()) + " --to " +
                           quoted(tenant_db.url()) + " --tables big --json";
  // The diff, as the servers hash (same dialect) and as ferry hashes: it changes nothing.
  for (const char* hashing : {"", " --hashing client"}) {
    const CommandOutput diff = ferry("data diff" + urls + hashing);
    EXPECT_EQ(diff.exit_code, 3) << diff.output;
    expect_counts(report_of(diff), std::string("diff") + hashing);
  }
  EXPECT_EQ(differences(*tenant, td, tenant_rows()), "");

  const CommandOutput sync = ferry("data sync" + urls);
  ASSERT_EQ(sync.exit_code, 0) << sync.output;
  const json report = report_of(sync);
  EXPECT_EQ(report.at("tenants").at(0).at("status"), "synced") << report.dump();
  expect_counts(report, "sync");
  EXPECT_EQ(differences(*tenant, td, master_rows()), "");

  const CommandOutput again = ferry("data diff" + urls);
  EXPECT_EQ(again.exit_code, 0) << again.output;
}

INSTANTIATE_TEST_SUITE_P(Pairs, LargeValueSync, ::testing::ValuesIn(k_pairs),
                         [](const auto& info) { return pair_name(info.param); });

class LargeValueReads : public ::testing::TestWithParam<Dialect> {};

// The bytes of a batch's last row.
std::size_t last_row_bytes(const schema::RowBatch& batch) {
  std::size_t bytes = 0;
  for (std::size_t c = 0; c < batch.columns(); ++c)
    bytes += batch.value(batch.rows() - 1, c).size();
  return bytes;
}

TEST_P(LargeValueReads, ABatchEndsOnceItsValuesReachTheByteCap) {
  TempDatabase db(GetParam());
  auto conn = db.connect();
  conn->execute(create_big(GetParam()));
  insert_rows(*conn, GetParam(), master_rows());
  const schema::Catalog catalog = conn->introspect();
  const schema::Table* table = nullptr;
  for (const schema::Table& t : catalog.tables) {
    if (t.name == "big")
      table = &t;
  }
  ASSERT_NE(table, nullptr);

  // 8,192 rows a batch by default, but about 64 MiB at most: rows 1-3 (16 + 16 + 32 MiB),
  // then 4-6 (0 + 16 + 16 MiB). Without its last row, no batch reaches the cap.
  auto reader = conn->read_rows(*table, {});
  schema::RowBatch batch;
  std::vector<std::size_t> rows;
  while (reader->next(batch)) {
    ASSERT_GT(batch.rows(), 0u);
    EXPECT_LT(batch.byte_size() - last_row_bytes(batch), connectors::k_batch_bytes)
        << "batch " << rows.size() + 1 << ": " << batch.rows() << " rows, " << batch.byte_size()
        << " bytes";
    rows.push_back(batch.rows());
  }
  EXPECT_EQ(rows, (std::vector<std::size_t>{3, 3}));

  // A cap below one value: every row is a batch of its own, whole.
  reader = conn->read_rows(*table, {.batch_bytes = 1});
  rows.clear();
  std::size_t bytes = 0;
  while (reader->next(batch)) {
    rows.push_back(batch.rows());
    bytes += batch.byte_size();
  }
  EXPECT_EQ(rows, (std::vector<std::size_t>(6, 1)));
  // Six one-digit ids, six values of 16 MiB, one of 3 bytes and one of 100.
  EXPECT_EQ(bytes, 6 + 3 + 100 + 6 * k_big);
}

INSTANTIATE_TEST_SUITE_P(Dialects, LargeValueReads,
                         ::testing::Values(Dialect::postgres, Dialect::mysql, Dialect::sqlite),
                         [](const auto& info) {
                           switch (info.param) {
                             case Dialect::postgres:
                               return std::string("Postgres");
                             case Dialect::mysql:
                               return std::string("MariaDB");
                             case Dialect::sqlite:
                               break;
                           }
                           return std::string("Sqlite");
                         });

}  // namespace
}  // namespace ferry::test::data
