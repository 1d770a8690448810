#include "ferry/schema/row.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "ferry/common/error.hpp"

namespace ferry::schema {
namespace {

std::string numeric_of(std::string_view in) {
  std::string out;
  EXPECT_TRUE(canonical::numeric(in, out)) << in;
  return out;
}

std::string ts_of(std::string_view in, LogicalType type) {
  std::string out;
  EXPECT_TRUE(canonical::timestamp(in, type, out)) << in;
  return out;
}

TEST(Canonical, NumericTrimsScaleAndLeadingZeros) {
  EXPECT_EQ(numeric_of("12.50"), "12.5");
  EXPECT_EQ(numeric_of("3.00"), "3");
  EXPECT_EQ(numeric_of("-0.00"), "0");
  EXPECT_EQ(numeric_of("007.010"), "7.01");
  EXPECT_EQ(numeric_of(".5"), "0.5");
  EXPECT_EQ(numeric_of("+42"), "42");
  EXPECT_EQ(numeric_of("-1234567890123456789.123"), "-1234567890123456789.123");
  std::string out;
  EXPECT_FALSE(canonical::numeric("12a", out));
  EXPECT_FALSE(canonical::numeric("-", out));
}

TEST(Canonical, FloatsAreShortestRoundTrip) {
  std::string out;
  canonical::float_text("0.1000000000000000055511151231257827", LogicalType::float64, out);
  EXPECT_EQ(out, "0.1");
  out.clear();
  canonical::float_text("3.4028235e+38", LogicalType::float32, out);
  EXPECT_EQ(out, "3.4028235e+38");
  out.clear();
  canonical::float64(-0.0, out);
  EXPECT_EQ(out, "0");
  out.clear();
  canonical::float_text("-Infinity", LogicalType::float64, out);
  EXPECT_EQ(out, "-Infinity");
  out.clear();
  canonical::float_text("NaN", LogicalType::float32, out);
  EXPECT_EQ(out, "NaN");
  out.clear();
  EXPECT_FALSE(canonical::float_text("1.5x", LogicalType::float64, out));
}

TEST(Canonical, TimestampsPadMicrosecondsAndConvertOffsetsToUtc) {
  EXPECT_EQ(ts_of("2024-03-01 12:00:00", LogicalType::timestamp), "2024-03-01 12:00:00.000000");
  EXPECT_EQ(ts_of("2024-03-01T12:00:00.5", LogicalType::timestamp), "2024-03-01 12:00:00.500000");
  EXPECT_EQ(ts_of("2024-03-01 01:30:00.123456+05:30", LogicalType::timestamptz),
            "2024-02-29 20:00:00.123456Z");
  EXPECT_EQ(ts_of("2023-12-31 22:00:00-03", LogicalType::timestamptz),
            "2024-01-01 01:00:00.000000Z");
  EXPECT_EQ(ts_of("2024-01-01 00:00:00Z", LogicalType::timestamptz), "2024-01-01 00:00:00.000000Z");
  EXPECT_EQ(ts_of("2024-01-01 00:00:00", LogicalType::timestamptz), "2024-01-01 00:00:00.000000Z");
  std::string out;
  EXPECT_FALSE(canonical::timestamp("2024-02-30 00:00:00", LogicalType::timestamp, out));
  EXPECT_FALSE(canonical::timestamp("2024-01-01 00:00:00+02", LogicalType::timestamp, out));
  EXPECT_FALSE(canonical::timestamp("yesterday", LogicalType::timestamp, out));
}

TEST(Canonical, UuidBooleanAndTime) {
  std::string out;
  ASSERT_TRUE(canonical::uuid("{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}", out));
  EXPECT_EQ(out, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  out.clear();
  EXPECT_FALSE(canonical::uuid("a0eebc99", out));
  out.clear();
  ASSERT_TRUE(canonical::boolean("t", out));
  ASSERT_TRUE(canonical::boolean("false", out));
  EXPECT_EQ(out, "10");
  out.clear();
  ASSERT_TRUE(canonical::time("08:15:00.25", out));
  EXPECT_EQ(out, "08:15:00.250000");
}

TEST(RowBatch, KeepsNullsDistinctFromEmptyValues) {
  RowBatch batch(3);
  batch.add_value("1");
  batch.add_value("");
  batch.add_null();
  batch.add_value("2");
  batch.add_null();
  batch.add_value(std::string_view("a\0b", 3));
  ASSERT_EQ(batch.rows(), 2u);
  EXPECT_FALSE(batch.is_null(0, 1));
  EXPECT_EQ(batch.value(0, 1), "");
  EXPECT_TRUE(batch.is_null(0, 2));
  EXPECT_FALSE(batch.field(1, 1).has_value());
  EXPECT_EQ(batch.value(1, 2), std::string_view("a\0b", 3));
  batch.clear();
  EXPECT_EQ(batch.rows(), 0u);
}

TEST(RowBatch, FieldsAddressValuesBelow4GiBOfUpTo2GiB) {
  constexpr std::size_t k_4gib = std::size_t{1} << 32;
  constexpr std::size_t k_2gib = std::size_t{1} << 31;
  EXPECT_NO_THROW(RowBatch::check_field(0, 0));
  EXPECT_NO_THROW(RowBatch::check_field(k_4gib - 1, k_2gib - 1));
  EXPECT_THROW(RowBatch::check_field(k_4gib, 0), Error);
  EXPECT_THROW(RowBatch::check_field(k_4gib + 5, 1), Error);
  EXPECT_THROW(RowBatch::check_field(0, k_2gib), Error);
  try {
    RowBatch::check_field(k_4gib, 10);
    ADD_FAILURE() << "an offset of 4 GiB was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::failure);
    EXPECT_NE(std::string(e.what()).find("4 GiB"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ferry::schema
