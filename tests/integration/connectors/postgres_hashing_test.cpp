// Server-side row hashing on PostgreSQL: table summaries, bucket summaries and (key, hash)
// streams agree with each other, and a row's hash changes with any column.
#include <gtest/gtest.h>

#include "ferry/common/error.hpp"
#include "server_hashing_checks.hpp"
#include "test_env.hpp"

namespace ferry::connectors {
namespace {

using test::TempDatabase;

const char* const k_columns =
    "region integer NOT NULL, code varchar(32) NOT NULL, label text, nick text COLLATE ci,"
    " fixed char(6), amount numeric(12,2), ratio double precision, r real, big bigint,"
    " small smallint, flag boolean, day date, at timestamptz, local_at timestamp, t time,"
    " span interval, doc json, docb jsonb, id uuid, blob bytea, tone tone, tags text[],"
    " PRIMARY KEY (region, code)";

std::vector<std::string> schema_sql(bool shift_oids) {
  std::vector<std::string> out;
  // Another enum first, so that this database's enum labels get other oids than the other's.
  if (shift_oids)
    out.emplace_back("CREATE TYPE unrelated AS ENUM ('a', 'b', 'c')");
  out.emplace_back(
      "CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)");
  out.emplace_back("CREATE TYPE tone AS ENUM ('low', 'high')");
  out.emplace_back(std::string("CREATE TABLE hashed (") + k_columns + ")");
  return out;
}

// 300 rows: non-ASCII keys, NULLs and '' in every nullable column, bigints that hashint8
// folds alike (multiples of 2^32 + 1), an infinite date.
const char* const k_rows =
    "INSERT INTO hashed SELECT g / 3, (ARRAY['AT', 'Zł', '東京', 'zz 🚢'])[g % 3 + 1],"
    " CASE WHEN g % 11 = 0 THEN NULL WHEN g % 13 = 0 THEN '' ELSE 'Zürich ' || g END,"
    " 'Nick' || g % 5, CASE WHEN g % 4 = 0 THEN NULL ELSE 'ab' END, g * 1.25, g / 7.0, g / 3.0,"
    " g * 4294967297, g % 100, CASE WHEN g % 9 = 0 THEN NULL ELSE g % 2 = 0 END,"
    " CASE WHEN g = 17 THEN 'infinity' ELSE date '2020-01-01' + g END,"
    " timestamptz '2024-01-01 00:00:00+00' + g * interval '61.5 seconds',"
    " timestamp '2024-01-01 00:00:00' + g * interval '1 hour', time '00:00' + g * interval '1 s',"
    " g * interval '1 day', json_build_object('g', g), jsonb_build_object('g', g),"
    " md5(g::text)::uuid, CASE WHEN g % 5 = 0 THEN NULL ELSE decode(md5(g::text), 'hex') END,"
    " CASE WHEN g % 2 = 0 THEN 'low' ELSE 'high' END::tone, ARRAY['a', g::text]"
    " FROM generate_series(0, 299) g";

const schema::Table& hashed_table(const schema::Catalog& catalog) {
  const schema::Table* t = catalog.find_table("public", "hashed");
  if (t == nullptr)
    throw std::runtime_error("no table hashed");
  return *t;
}

TEST(PostgresHashing, SummaryBucketsAndStreamsAgree) {
  TempDatabase temp(Dialect::postgres);
  auto db = temp.connect();
  EXPECT_EQ(db->server_hashing(), ServerHashing::summary_first);
  db->execute(schema_sql(false));
  db->execute({k_rows});
  const schema::Catalog catalog = db->introspect();
  using test::hashing::by_hash;
  test::hashing::expect_consistent(*db, hashed_table(catalog), 300,
                                   {by_hash(0), by_hash(1), by_hash(5), by_hash(14), by_hash(18)});
}

TEST(PostgresHashing, EqualRowsHashEqualAcrossDatabasesWhateverTheEnumOids) {
  TempDatabase first(Dialect::postgres), second(Dialect::postgres);
  auto a = first.connect();
  auto b = second.connect();
  a->execute(schema_sql(false));
  b->execute(schema_sql(true));
  a->execute({k_rows});
  b->execute({k_rows});
  const std::string enum_oid = "SELECT oid FROM pg_enum WHERE enumlabel = 'high'";
  ASSERT_NE(a->query(enum_oid), b->query(enum_oid));
  const schema::Catalog ca = a->introspect(), cb = b->introspect();
  const schema::Table& ta = hashed_table(ca);
  const schema::Table& tb = hashed_table(cb);
  EXPECT_EQ(a->server_summary(ta), b->server_summary(tb));
  const auto buckets_a = a->server_buckets(ta, test::hashing::by_hash(6));
  const auto buckets_b = b->server_buckets(tb, test::hashing::by_hash(6));
  ASSERT_TRUE(buckets_a && buckets_b);
  EXPECT_EQ(buckets_a->buckets, buckets_b->buckets);
  EXPECT_EQ(test::hashing::key_hashes(*a, ta), test::hashing::key_hashes(*b, tb));

  b->execute({"UPDATE hashed SET tone = 'high' WHERE region = 5 AND code = 'Zł'"});
  const auto changed = b->server_buckets(tb, test::hashing::by_hash(6));
  ASSERT_TRUE(changed);
  const std::vector<std::uint64_t> differ = test::hashing::diff_buckets(*buckets_a, *changed);
  EXPECT_EQ(differ.size(), 1u) << "one row changed, so one bucket";
}

TEST(PostgresHashing, EveryColumnChangeChangesTheRowHash) {
  TempDatabase temp(Dialect::postgres);
  auto db = temp.connect();
  db->execute(schema_sql(false));
  db->execute({"INSERT INTO hashed (region, code) VALUES (1, 'Zł')"});
  const schema::Catalog catalog = db->introspect();
  const schema::Table& table = hashed_table(catalog);
  std::vector<std::string> updates;
  for (const char* set : {"label = ''",               // NULL to ''
                          "label = NULL, nick = ''",  // '' to NULL
                          "nick = 'abc'",
                          "nick = 'ABC'",  // equal under the case-insensitive collation
                          "fixed = ''",
                          "fixed = 'a'",
                          "big = 0",
                          "big = 4294967297",  // hashint8 alone folds both halves into 0 here
                          "amount = 1.5",
                          "amount = 1.51",
                          "ratio = 0.3",
                          "ratio = 0.30000000000000004",
                          "r = 1.0000001",
                          "r = 1.0000002",
                          "small = 0",
                          "flag = false",
                          "flag = true",
                          "blob = '\\x'",
                          "blob = '\\x00'",
                          "blob = '\\x0000'",
                          "tone = 'low'",
                          "tone = 'high'",
                          "day = '2020-01-01'",
                          "day = 'infinity'",
                          "day = '-infinity'",
                          "at = '2024-01-01 00:00:00+00'",
                          "at = '2024-01-01 00:00:00.000001+00'",
                          "local_at = '2024-01-01 00:00:00'",
                          "t = '12:00'",
                          "span = '1 mon'",
                          "span = '30 days'",  // equal as intervals, not as values
                          "doc = '{\"a\":1}'",
                          "doc = '{\"a\": 1}'",
                          "docb = '{\"a\": 1.0}'",
                          "docb = '{\"a\": 1.00}'",
                          "id = '00000000-0000-0000-0000-000000000000'",
                          "tags = '{}'",
                          "tags = '{\"\"}'",
                          "label = 'a', nick = NULL"}) {
    updates.push_back(std::string("UPDATE hashed SET ") + set);
  }
  test::hashing::expect_every_state_hashes_apart(*db, table, updates);
}

// The table's summary is an XOR of row hashes: a row hash that were itself an XOR of column
// hashes would let values swapped between two rows cancel out.
TEST(PostgresHashing, ValuesSwappedBetweenRowsOrColumnsChangeTheSummary) {
  TempDatabase temp(Dialect::postgres);
  auto db = temp.connect();
  db->execute(schema_sql(false));
  db->execute(
      {"INSERT INTO hashed (region, code, label, nick, big, small) VALUES"
       " (1, 'a', 'x', 'p', 7, 1), (1, 'b', 'y', 'q', 8, 2)"});
  const schema::Catalog catalog = db->introspect();
  const schema::Table& table = hashed_table(catalog);
  const auto before = db->server_summary(table);
  const auto before_buckets = db->server_buckets(table, test::hashing::by_hash(0));
  ASSERT_TRUE(before && before_buckets);
  // Each swap undoes itself when run again.
  for (const char* swap : {
           // label between the rows
           "UPDATE hashed SET label = CASE label WHEN 'x' THEN 'y' ELSE 'x' END",
           // big and small between the rows at once
           "UPDATE hashed SET big = 15 - big, small = 3 - small",
           // label and nick within each row
           "UPDATE hashed SET label = nick, nick = label",
       }) {
    db->execute({swap});
    const auto after = db->server_summary(table);
    const auto after_buckets = db->server_buckets(table, test::hashing::by_hash(0));
    db->execute({swap});
    ASSERT_TRUE(after && after_buckets);
    EXPECT_EQ(after->rows, 2u);
    EXPECT_NE(*after, *before) << swap;
    EXPECT_NE(after_buckets->buckets, before_buckets->buckets) << swap << " (one bucket)";
  }
  EXPECT_EQ(db->server_summary(table), before) << "every swap was undone";
}

TEST(PostgresHashing, IntegerKeysSplitIntoKeyRanges) {
  TempDatabase temp(Dialect::postgres);
  auto db = temp.connect();
  // Negative keys and both ends of bigint: ranges are taken on the 64-bit pattern.
  db->execute({"CREATE TABLE big (id bigint PRIMARY KEY, v text)",
               "INSERT INTO big SELECT g * 7919 - 500000, 'v' || g FROM generate_series(0, 299) g",
               "INSERT INTO big VALUES (-9223372036854775808, 'min'), (9223372036854775807, 'max')",
               "CREATE TABLE small (id integer PRIMARY KEY, v text)",
               "INSERT INTO small SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE '' END"
               " FROM generate_series(-150, 149) g",
               "CREATE TABLE pair (a integer, b integer, PRIMARY KEY (a, b))"});
  const schema::Catalog catalog = db->introspect();
  const schema::Table& big = *catalog.find_table("public", "big");
  const schema::Table& small = *catalog.find_table("public", "small");
  const schema::Table& pair = *catalog.find_table("public", "pair");
  EXPECT_EQ(db->integer_key_bounds(big),
            (std::pair<std::int64_t, std::int64_t>{INT64_MIN, INT64_MAX}));
  EXPECT_EQ(db->integer_key_bounds(small), (std::pair<std::int64_t, std::int64_t>{-150, 149}));
  EXPECT_EQ(db->integer_key_bounds(pair), std::nullopt);
  using test::hashing::by_hash;
  using test::hashing::by_range;
  test::hashing::expect_consistent(
      *db, big, 302, {by_range(0), by_range(12), by_range(40), by_range(63), by_hash(4)});
  test::hashing::expect_consistent(*db, small, 300, {by_range(0), by_range(3), by_range(63)});
  EXPECT_THROW(db->server_buckets(pair, by_range(3)), Error);
}

TEST(PostgresHashing, TooManyBucketsIsAnError) {
  TempDatabase temp(Dialect::postgres);
  auto db = temp.connect();
  db->execute(schema_sql(false));
  const schema::Catalog catalog = db->introspect();
  const schema::Table& table = hashed_table(catalog);
  using test::hashing::by_hash;
  EXPECT_THROW(
      db->read_bucket_key_hashes(table, by_hash(BucketScheme::k_max_bucket_bits + 1), {0}, 10),
      Error);
  const auto buckets = db->server_buckets(table, by_hash(BucketScheme::k_max_bucket_bits + 5));
  ASSERT_TRUE(buckets);
  EXPECT_EQ(buckets->scheme, by_hash(BucketScheme::k_max_bucket_bits));
  EXPECT_TRUE(buckets->buckets.empty());
  EXPECT_EQ(buckets->total, db->server_summary(table));
}

}  // namespace
}  // namespace ferry::connectors
