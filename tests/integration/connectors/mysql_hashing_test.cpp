// Server-side row hashing on MySQL/MariaDB: table summaries, bucket summaries and (key, hash)
// streams agree with each other, and a row's hash changes with any column, NULL against ''
// and values that a plain CONCAT_WS would run together included.
#include <gtest/gtest.h>

#include "ferry/common/error.hpp"
#include "server_hashing_checks.hpp"
#include "test_env.hpp"

namespace ferry::connectors {
namespace {

using test::TempDatabase;

const char* const k_table =
    "CREATE TABLE hashed (region INT NOT NULL, code VARCHAR(32) NOT NULL, label TEXT,"
    " nick VARCHAR(20) COLLATE utf8mb4_general_ci, fixed CHAR(6),"
    " latin VARCHAR(10) CHARACTER SET latin1, amount DECIMAL(12,2), ratio DOUBLE, r FLOAT,"
    " big BIGINT, ubig BIGINT UNSIGNED, flag BOOLEAN, day DATE, at TIMESTAMP(6) NULL,"
    " local_at DATETIME(6), t TIME(6), doc JSON, blob_col BLOB, bin VARBINARY(8),"
    " tone ENUM('low', 'high'), tags SET('a', 'b'), bits BIT(5), id UUID,"
    " PRIMARY KEY (region, code)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";

// 300 rows: non-ASCII keys, NULLs and '' in every nullable column.
const char* const k_rows =
    "INSERT INTO hashed SELECT seq DIV 3, ELT(seq % 3 + 1, 'AT', 'Zł', '東京'),"
    " CASE WHEN seq % 11 = 0 THEN NULL WHEN seq % 13 = 0 THEN '' ELSE CONCAT('Zürich ', seq) END,"
    " CONCAT('Nick', seq % 5), IF(seq % 4 = 0, NULL, 'ab'), IF(seq % 6 = 0, NULL, 'café'),"
    " seq * 1.25, seq / 7, seq / 3, seq * 4294967297, seq * 3, IF(seq % 9 = 0, NULL, seq % 2),"
    " DATE '2020-01-01' + INTERVAL seq DAY,"
    " TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq * 61500000 MICROSECOND,"
    " TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq HOUR, SEC_TO_TIME(seq),"
    " JSON_OBJECT('g', seq), IF(seq % 5 = 0, NULL, UNHEX(MD5(seq))), UNHEX(LPAD(HEX(seq), 4, '0')),"
    " IF(seq % 2 = 0, 'low', 'high'), IF(seq % 3 = 0, 'a,b', 'b'), seq % 32,"
    " CONCAT('00000000-0000-4000-8000-', LPAD(seq, 12, '0')) FROM seq_0_to_299";

const schema::Table& hashed_table(const schema::Catalog& catalog) {
  const schema::Table* t = catalog.find_table("", "hashed");
  if (t == nullptr)
    throw std::runtime_error("no table hashed");
  return *t;
}

class MysqlHashing : public ::testing::Test {
 protected:
  void SetUp() override {
    m_db = m_temp.connect();
    m_db->execute({k_table});
  }
  Connector& db() { return *m_db; }

  TempDatabase m_temp{Dialect::mysql};
  std::unique_ptr<Connector> m_db;
};

TEST_F(MysqlHashing, SummaryBucketsAndStreamsAgree) {
  EXPECT_EQ(db().server_hashing(), ServerHashing::buckets_first);
  db().execute({k_rows});
  const schema::Catalog catalog = db().introspect();
  using test::hashing::by_hash;
  test::hashing::expect_consistent(db(), hashed_table(catalog), 300,
                                   {by_hash(0), by_hash(1), by_hash(5), by_hash(14), by_hash(18)});
}

TEST_F(MysqlHashing, EveryColumnChangeChangesTheRowHash) {
  db().execute({"INSERT INTO hashed (region, code, label) VALUES (1, 'Zł', 'start')"});
  const schema::Catalog catalog = db().introspect();
  const schema::Table& table = hashed_table(catalog);
  std::vector<std::string> updates;
  for (const char* set :
       {// NULL against '' and values whose text runs together without lengths and flags.
        "label = NULL",
        "label = ''",
        "label = 'a,', nick = NULL",
        "label = 'a', nick = ''",
        "label = 'a', nick = NULL",
        "label = NULL, nick = 'a'",
        "label = '', nick = 'a'",
        "label = NULL, nick = ''",
        "label = NULL, nick = NULL, fixed = ''",
        "fixed = NULL, blob_col = ''",
        "blob_col = NULL, bin = ''",
        "bin = NULL, latin = ''",
        "latin = 'é'",
        "latin = 'e'",
        "nick = 'abc'",
        "nick = 'ABC'",  // equal under the case-insensitive collation
        "r = 1.0000001",
        "r = 1.0000002",  // FLOAT prints both as 1
        "ratio = 0.3",
        "ratio = 0.30000000000000004",
        "amount = 1.5",
        "amount = 1.51",
        "big = 0",
        "big = 4294967297",
        "ubig = 18446744073709551615",
        "flag = 0",
        "flag = 1",
        "day = '2020-01-01'",
        "at = '2024-01-01 00:00:00'",
        "at = '2024-01-01 00:00:00.000001'",
        "local_at = '2024-01-01 00:00:00'",
        "t = '12:00:00'",
        "doc = '{\"a\":1}'",
        "doc = '{\"a\": 1}'",
        "tone = 'low'",
        "tone = 'high'",
        "tags = ''",
        "tags = 'a,b'",
        "bits = 0",
        "bits = 31",
        "id = '00000000-0000-0000-0000-000000000000'"}) {
    updates.push_back(std::string("UPDATE hashed SET ") + set);
  }
  test::hashing::expect_every_state_hashes_apart(db(), table, updates);
}

TEST_F(MysqlHashing, NullAndEmptyTextHashApartInBothDirections) {
  // The same key on two tables: one holds NULL, the other ''. Then both swap.
  db().execute({"INSERT INTO hashed (region, code, label, blob_col) VALUES (7, 'x', NULL, '')",
                "CREATE TABLE other LIKE hashed",
                "INSERT INTO other (region, code, label, blob_col) VALUES (7, 'x', '', NULL)"});
  schema::Catalog catalog = db().introspect();
  const schema::Table* a = catalog.find_table("", "hashed");
  const schema::Table* b = catalog.find_table("", "other");
  ASSERT_TRUE(a && b);
  const auto before_a = db().server_summary(*a), before_b = db().server_summary(*b);
  EXPECT_NE(before_a, before_b);
  db().execute({"UPDATE hashed SET label = '', blob_col = NULL",
                "UPDATE other SET label = NULL, blob_col = ''"});
  EXPECT_EQ(db().server_summary(*a), before_b) << "'' must hash as it did in the other table";
  EXPECT_EQ(db().server_summary(*b), before_a);
  EXPECT_NE(test::hashing::key_hashes(db(), *a), test::hashing::key_hashes(db(), *b));
}

TEST_F(MysqlHashing, TextKeysComeInByteOrderWhateverTheCollation) {
  db().execute(
      {"CREATE TABLE words (w VARCHAR(20) COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY, n INT)",
       "INSERT INTO words VALUES ('b', 1), ('B2', 2), ('東京', 3), ('Ä', 4), ('z', 5), ('É', 6)"});
  const schema::Catalog catalog = db().introspect();
  const schema::Table* words = catalog.find_table("", "words");
  ASSERT_NE(words, nullptr);
  std::vector<std::string> keys;
  for (const auto& [key, hash] : test::hashing::key_hashes(db(), *words))
    keys.push_back(key.at(0));
  EXPECT_EQ(keys, (std::vector<std::string>{"B2", "b", "z", "Ä", "É", "東京"}));
  const auto buckets = db().server_buckets(*words, test::hashing::by_hash(2));
  ASSERT_TRUE(buckets);
  std::vector<std::uint64_t> all;
  for (const auto& b : buckets->buckets)
    all.push_back(b.bucket);
  keys.clear();
  for (const auto& [key, hash] :
       test::hashing::bucket_key_hashes(db(), *words, test::hashing::by_hash(2), all))
    keys.push_back(key.at(0));
  EXPECT_EQ(keys, (std::vector<std::string>{"B2", "b", "z", "Ä", "É", "東京"}));
}

TEST_F(MysqlHashing, IntegerKeysSplitIntoKeyRanges) {
  // Negative keys and both ends of BIGINT: MariaDB shifts the 64-bit pattern.
  db().execute(
      {"CREATE TABLE big (id BIGINT NOT NULL PRIMARY KEY, v TEXT)",
       "INSERT INTO big SELECT CAST(seq AS SIGNED) * 7919 - 500000, CONCAT('v', seq) FROM "
       "seq_0_to_299",
       "INSERT INTO big VALUES (-9223372036854775808, 'min'), (9223372036854775807, 'max')",
       "CREATE TABLE small (id INT NOT NULL PRIMARY KEY, v VARCHAR(5))",
       "INSERT INTO small SELECT CAST(seq AS SIGNED) - 150, IF(seq % 7 = 0, NULL, '') FROM "
       "seq_0_to_299",
       "CREATE TABLE pair (a INT NOT NULL, b INT NOT NULL, PRIMARY KEY (a, b))"});
  const schema::Catalog catalog = db().introspect();
  const schema::Table& big = *catalog.find_table("", "big");
  const schema::Table& small = *catalog.find_table("", "small");
  const schema::Table& pair = *catalog.find_table("", "pair");
  EXPECT_EQ(db().integer_key_bounds(big),
            (std::pair<std::int64_t, std::int64_t>{INT64_MIN, INT64_MAX}));
  EXPECT_EQ(db().integer_key_bounds(small), (std::pair<std::int64_t, std::int64_t>{-150, 149}));
  EXPECT_EQ(db().integer_key_bounds(pair), std::nullopt);
  using test::hashing::by_hash;
  using test::hashing::by_range;
  test::hashing::expect_consistent(
      db(), big, 302, {by_range(0), by_range(12), by_range(40), by_range(63), by_hash(4)});
  test::hashing::expect_consistent(db(), small, 300, {by_range(0), by_range(3), by_range(63)});
  EXPECT_THROW(db().server_buckets(pair, by_range(3)), Error);
}

TEST_F(MysqlHashing, TooManyBucketsIsAnError) {
  const schema::Catalog catalog = db().introspect();
  const schema::Table& table = hashed_table(catalog);
  using test::hashing::by_hash;
  EXPECT_THROW(
      db().read_bucket_key_hashes(table, by_hash(BucketScheme::k_max_bucket_bits + 1), {0}, 10),
      Error);
  const auto buckets = db().server_buckets(table, by_hash(BucketScheme::k_max_bucket_bits + 5));
  ASSERT_TRUE(buckets);
  EXPECT_EQ(buckets->scheme, by_hash(BucketScheme::k_max_bucket_bits));
  EXPECT_TRUE(buckets->buckets.empty());
  EXPECT_EQ(buckets->total, db().server_summary(table));
}

}  // namespace
}  // namespace ferry::connectors
