// Checks of a connector's server-side row hashing (Connector::server_summary, server_buckets,
// read_key_hashes, read_bucket_key_hashes), shared by the PostgreSQL and MySQL/MariaDB tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ferry/connectors/connector.hpp"

namespace ferry::test::hashing {

// (row key, row hash) in stream order.
using KeyHashes = std::vector<std::pair<std::vector<std::string>, std::string>>;

inline KeyHashes drain(connectors::RowReader* reader, std::size_t key_columns) {
  KeyHashes out;
  EXPECT_NE(reader, nullptr);
  if (reader == nullptr)
    return out;
  schema::RowBatch batch;
  while (reader->next(batch)) {
    EXPECT_EQ(batch.columns(), key_columns + 1);
    for (std::size_t r = 0; r < batch.rows(); ++r) {
      std::vector<std::string> key;
      for (std::size_t c = 0; c < key_columns; ++c)
        key.emplace_back(batch.value(r, c));
      EXPECT_FALSE(batch.is_null(r, key_columns)) << "a row hash is NULL";
      out.emplace_back(std::move(key), std::string(batch.value(r, key_columns)));
    }
  }
  return out;
}

inline KeyHashes key_hashes(connectors::Connector& db, const schema::Table& table) {
  auto reader = db.read_key_hashes(table, 37);
  return drain(reader.get(), table.row_key().size());
}

inline KeyHashes bucket_key_hashes(connectors::Connector& db, const schema::Table& table,
                                   const connectors::BucketScheme& scheme,
                                   const std::vector<std::uint64_t>& buckets) {
  auto reader = db.read_bucket_key_hashes(table, scheme, buckets, 37);
  return drain(reader.get(), table.row_key().size());
}

inline connectors::BucketScheme by_hash(unsigned bits) {
  return {connectors::BucketScheme::Kind::key_hash, bits};
}

inline connectors::BucketScheme by_range(unsigned bits) {
  return {connectors::BucketScheme::Kind::key_range, bits};
}

inline std::string describe(const connectors::BucketScheme& scheme) {
  return scheme.kind == connectors::BucketScheme::Kind::key_hash
             ? "2^" + std::to_string(scheme.bits) + " hash buckets"
             : "key ranges of 2^" + std::to_string(scheme.bits);
}

// The hash of every row by key.
inline std::map<std::vector<std::string>, std::string> hash_by_key(connectors::Connector& db,
                                                                   const schema::Table& table) {
  std::map<std::vector<std::string>, std::string> out;
  for (auto& [key, hash] : key_hashes(db, table))
    out.emplace(key, hash);
  return out;
}

// The buckets whose summaries differ (one side's only included).
inline std::vector<std::uint64_t> diff_buckets(const connectors::BucketSummaries& a,
                                               const connectors::BucketSummaries& b) {
  std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>> left, right;
  for (const auto& x : a.buckets)
    left[x.bucket] = {x.rows, x.digest};
  for (const auto& x : b.buckets)
    right[x.bucket] = {x.rows, x.digest};
  std::set<std::uint64_t> out;
  for (const auto& [bucket, summary] : left) {
    const auto it = right.find(bucket);
    if (it == right.end() || it->second != summary)
      out.insert(bucket);
  }
  for (const auto& [bucket, summary] : right) {
    if (!left.contains(bucket))
      out.insert(bucket);
  }
  return {out.begin(), out.end()};
}

// Everything the servers' diff relies on, for one table of `rows` rows and each scheme: the
// bucket totals are server_summary(); buckets are ascending, non-empty and add up; the rows of
// all buckets, read by bucket, are the whole-table stream (same keys, order and hashes); the
// rows read for single buckets are as many as the bucket summary says, only theirs, and for
// key ranges inside the bucket's range.
inline void expect_consistent(connectors::Connector& db, const schema::Table& table,
                              std::uint64_t rows,
                              const std::vector<connectors::BucketScheme>& schemes) {
  const std::optional<connectors::ServerSummary> summary = db.server_summary(table);
  ASSERT_TRUE(summary.has_value());
  EXPECT_EQ(summary->rows, rows);
  const KeyHashes all = key_hashes(db, table);
  EXPECT_EQ(all.size(), rows);
  for (const connectors::BucketScheme& scheme : schemes) {
    SCOPED_TRACE(describe(scheme));
    const std::optional<connectors::BucketSummaries> buckets = db.server_buckets(table, scheme);
    ASSERT_TRUE(buckets.has_value());
    EXPECT_EQ(buckets->scheme, scheme);
    EXPECT_EQ(buckets->total, *summary);
    std::uint64_t counted = 0;
    std::vector<std::uint64_t> numbers;
    for (const connectors::BucketSummary& b : buckets->buckets) {
      if (scheme.kind == connectors::BucketScheme::Kind::key_hash) {
        EXPECT_LT(b.bucket, std::uint64_t{1} << scheme.bits);
      }
      EXPECT_GT(b.rows, 0u);
      EXPECT_TRUE(numbers.empty() || numbers.back() < b.bucket) << "buckets out of order";
      numbers.push_back(b.bucket);
      counted += b.rows;
    }
    EXPECT_EQ(counted, rows);
    if (scheme == by_hash(5) && rows >= 200) {
      EXPECT_GE(numbers.size(), 24u) << "keys spread over too few of 32 buckets";
    }
    EXPECT_EQ(bucket_key_hashes(db, table, scheme, numbers), all)
        << "the rows of every bucket are not the whole table in key order";
    std::set<std::pair<std::vector<std::string>, std::string>> seen;
    for (std::size_t i = 0; i < numbers.size(); i += std::max<std::size_t>(1, numbers.size() / 5)) {
      const KeyHashes one = bucket_key_hashes(db, table, scheme, {numbers[i]});
      EXPECT_EQ(one.size(), buckets->buckets[i].rows) << "bucket " << numbers[i];
      for (const auto& row : one) {
        EXPECT_TRUE(seen.insert(row).second) << "a row is in two buckets";
        if (scheme.kind == connectors::BucketScheme::Kind::key_range) {
          const auto [first, last] = connectors::key_range_of(numbers[i], scheme.bits);
          const std::int64_t key = std::stoll(row.first.at(0));
          EXPECT_TRUE(first <= key && key <= last)
              << "key " << key << " outside bucket " << numbers[i] << " [" << first << ", " << last
              << "]";
        }
      }
    }
    EXPECT_TRUE(bucket_key_hashes(db, table, scheme, {}).empty());
  }
}

// Applies `updates` to a table one at a time and expects every state to hash apart: the
// row's hash, its table's summary and its bucket summaries all change with each statement.
// The states must all differ (the test's own design); a state seen twice is reported.
inline void expect_every_state_hashes_apart(connectors::Connector& db, const schema::Table& table,
                                            const std::vector<std::string>& updates) {
  std::map<std::string, std::string> summaries;  // digest -> statement that produced it
  std::map<std::string, std::string> row_hashes;
  auto record = [&](const std::string& what) {
    const auto summary = db.server_summary(table);
    ASSERT_TRUE(summary.has_value());
    const auto buckets = db.server_buckets(table, by_hash(3));
    ASSERT_TRUE(buckets.has_value());
    EXPECT_EQ(buckets->total, *summary) << what;
    const auto [it, fresh] = summaries.emplace(summary->digest, what);
    EXPECT_TRUE(fresh) << what << " hashes like " << it->second;
    std::string row_state;
    for (const auto& [key, hash] : key_hashes(db, table))
      row_state += hash + ";";
    const auto [rit, rfresh] = row_hashes.emplace(row_state, what);
    EXPECT_TRUE(rfresh) << what << ": the row hashes are those of " << rit->second;
  };
  record("the first state");
  for (const std::string& update : updates) {
    db.execute({update});
    record(update);
  }
}

}  // namespace ferry::test::hashing
