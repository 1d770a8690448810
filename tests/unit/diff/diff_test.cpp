// Row hashes, summaries and key order: the pieces every data comparison rests on.
#include <gtest/gtest.h>

#include "ferry/diff/row_hash.hpp"
#include "ferry/diff/table_diff.hpp"

namespace ferry::diff {
namespace {

using schema::LogicalType;

schema::RowBatch rows(std::initializer_list<std::vector<std::optional<std::string>>> values) {
  schema::RowBatch batch(values.begin()->size());
  for (const auto& row : values) {
    for (const auto& v : row)
      v ? batch.add_value(*v) : batch.add_null();
  }
  return batch;
}

TEST(RowHash, NullEmptyAndFieldBoundariesHashApart) {
  const schema::RowBatch b = rows({{"a", std::nullopt}, {"a", ""}, {"ab", ""}, {"a", "b"}});
  EXPECT_NE(hash_row(b, 0), hash_row(b, 1));  // NULL is not the empty string
  EXPECT_NE(hash_row(b, 2), hash_row(b, 3));  // "ab","" is not "a","b"
  const schema::RowBatch again = rows({{"a", std::nullopt}});
  EXPECT_EQ(hash_row(b, 0), hash_row(again, 0));
}

TEST(Summary, IsOrderIndependentAndAddsUpAcrossRanges) {
  const schema::RowBatch b = rows({{"1", "x"}, {"2", "y"}, {"3", "z"}});
  Summary forward, backward, first, second;
  for (std::size_t r = 0; r < 3; ++r)
    forward.add(hash_row(b, r));
  for (std::size_t r = 3; r-- > 0;)
    backward.add(hash_row(b, r));
  EXPECT_EQ(forward, backward);
  first.add(hash_row(b, 0));
  second.add(hash_row(b, 1));
  second.add(hash_row(b, 2));
  first.add(second);
  EXPECT_EQ(first, forward);
  EXPECT_EQ(forward.rows, 3u);
  Summary changed;
  const schema::RowBatch c = rows({{"1", "x"}, {"2", "Y"}, {"3", "z"}});
  for (std::size_t r = 0; r < 3; ++r)
    changed.add(hash_row(c, r));
  EXPECT_NE(changed, forward);
}

TEST(Hash128, AdditionCarriesIntoTheHighWord) {
  Hash128 a{~0ull, 1};
  a += Hash128{2, 0};
  EXPECT_EQ(a.low, 1u);
  EXPECT_EQ(a.high, 2u);
}

TEST(KeyOrder, ComparesByLogicalType) {
  const KeyOrder ints({LogicalType::int64});
  EXPECT_LT(ints.compare({"9"}, {"10"}), 0);  // numerically, not as text
  EXPECT_LT(ints.compare({"-10"}, {"-9"}), 0);
  const KeyOrder decimals({LogicalType::numeric});
  EXPECT_LT(decimals.compare({"9.99"}, {"10"}), 0);
  EXPECT_LT(decimals.compare({"-10.5"}, {"-10.25"}), 0);
  EXPECT_LT(decimals.compare({"1.05"}, {"1.5"}), 0);
  EXPECT_EQ(decimals.compare({"2.5"}, {"2.5"}), 0);
  const KeyOrder floats({LogicalType::float64});
  EXPECT_LT(floats.compare({"-Infinity"}, {"1e-300"}), 0);
  EXPECT_GT(floats.compare({"NaN"}, {"Infinity"}), 0);  // NaN last, as PostgreSQL sorts it
  const KeyOrder text({LogicalType::text});
  EXPECT_LT(text.compare({"Zebra"}, {"apple"}), 0);  // bytes: upper case first
  EXPECT_LT(text.compare({"z"}, {"\xc3\xa9"}), 0);   // UTF-8 above ASCII
  const KeyOrder stamps({LogicalType::timestamptz});
  EXPECT_LT(stamps.compare({"1999-12-31 23:59:59.999999Z"}, {"2000-01-01 00:00:00.000000Z"}), 0);
}

TEST(KeyOrder, CompositeKeysCompareColumnByColumn) {
  const KeyOrder order({LogicalType::int32, LogicalType::text});
  EXPECT_LT(order.compare({"1", "b"}, {"2", "a"}), 0);
  EXPECT_LT(order.compare({"2", "a"}, {"2", "b"}), 0);
  EXPECT_EQ(order.compare({"2", "b"}, {"2", "b"}), 0);
}

TEST(Buckets, HoldAboutSixtyFourRowsUpToTheCap) {
  using Kind = connectors::BucketScheme::Kind;
  const auto hash = [](std::uint64_t rows) { return bucket_scheme(rows, std::nullopt); };
  EXPECT_EQ(hash(0), (connectors::BucketScheme{Kind::key_hash, 0}));
  EXPECT_EQ(hash(64).bits, 0u);
  EXPECT_EQ(hash(65).bits, 1u);
  EXPECT_EQ(hash(6000).bits, 7u);         // 47 rows a bucket
  EXPECT_EQ(hash(1'000'000).bits, 14u);   // 61 rows a bucket
  EXPECT_EQ(hash(10'000'000).bits, 18u);  // 38 rows a bucket
  EXPECT_EQ(hash(100'000'000).bits, connectors::BucketScheme::k_max_bucket_bits);
  // Key ranges: about rows / 64 ranges between the bounds.
  using Bounds = std::pair<std::int64_t, std::int64_t>;
  EXPECT_EQ(bucket_scheme(1'000'000, Bounds{1, 1'000'000}),
            (connectors::BucketScheme{Kind::key_range, 6}));  // 15,625 ranges of 64 keys
  EXPECT_EQ(bucket_scheme(1'000, Bounds{-500, 499}).bits, 6u);
  EXPECT_EQ(bucket_scheme(1'000, Bounds{1'000'000, 1'000'999}).bits, 6u);
  EXPECT_EQ(bucket_scheme(10, Bounds{5, 5}).bits, 0u);
  EXPECT_EQ(bucket_scheme(1'000'000, Bounds{1, 4'000'000}),
            (connectors::BucketScheme{Kind::key_range, 8}));  // a quarter filled: still ranges
  // 156,250 ranges of 64 keys for 10 M rows.
  EXPECT_EQ(bucket_scheme(10'000'000, Bounds{1, 10'000'000}),
            (connectors::BucketScheme{Kind::key_range, 6}));
  // At most 2^18 of them: 100 M rows in 195,313 ranges of 512 keys.
  EXPECT_EQ(bucket_scheme(100'000'000, Bounds{1, 100'000'000}),
            (connectors::BucketScheme{Kind::key_range, 9}));
  EXPECT_EQ(bucket_scheme(1'000, Bounds{-2'000, 1'999}).kind, Kind::key_range);
  // Sparse keys, or one far key, are hashed.
  EXPECT_EQ(bucket_scheme(1'000'000, Bounds{1, 4'000'001}),
            (connectors::BucketScheme{Kind::key_hash, 14}));
  EXPECT_EQ(bucket_scheme(301, Bounds{1, 5'001}), (connectors::BucketScheme{Kind::key_hash, 3}));
  EXPECT_EQ(bucket_scheme(1'000'000, Bounds{INT64_MIN, INT64_MAX}).kind, Kind::key_hash);
  EXPECT_EQ(bucket_scheme(0, Bounds{1, 1}).kind, Kind::key_hash);
}

TEST(Buckets, KeyRangesCoverTheirBucket) {
  EXPECT_EQ(connectors::key_range_of(0, 6), (std::pair<std::int64_t, std::int64_t>{0, 63}));
  EXPECT_EQ(connectors::key_range_of(15'625, 6),
            (std::pair<std::int64_t, std::int64_t>{1'000'000, 1'000'063}));
  // A negative key's bucket: its pattern shifted right (MySQL) or its value (PostgreSQL).
  EXPECT_EQ(connectors::key_range_of(static_cast<std::uint64_t>(-1) >> 6, 6),
            (std::pair<std::int64_t, std::int64_t>{-64, -1}));
  EXPECT_EQ(connectors::key_range_of(static_cast<std::uint64_t>(std::int64_t{-1} >> 6), 6),
            (std::pair<std::int64_t, std::int64_t>{-64, -1}));
  EXPECT_EQ(connectors::key_range_of(1, 63),
            (std::pair<std::int64_t, std::int64_t>{INT64_MIN, -1}));
}

TEST(Buckets, DifferWhenCountDigestOrPresenceDiffers) {
  connectors::BucketSummaries a, b;
  a.buckets = {{1, 10, 7}, {2, 5, 9}, {4, 3, 3}, {8, 1, 1}};
  b.buckets = {{1, 10, 7}, {2, 6, 9}, {3, 1, 2}, {4, 3, 4}};
  EXPECT_EQ(differing_buckets(a, b), (std::vector<std::uint64_t>{2, 3, 4, 8}));
  EXPECT_EQ(differing_buckets(b, a), (std::vector<std::uint64_t>{2, 3, 4, 8}));
  EXPECT_TRUE(differing_buckets(a, a).empty());
  EXPECT_EQ(differing_buckets(a, {}), (std::vector<std::uint64_t>{1, 2, 4, 8}));
}

}  // namespace
}  // namespace ferry::diff
