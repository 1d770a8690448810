#include <charconv>
#include <cmath>
#include <cstdlib>

#include "ferry/diff/table_diff.hpp"

namespace ferry::diff {
namespace {

int sign(int v) {
  return (v > 0) - (v < 0);
}

// Canonical decimals (schema/row.hpp): optional '-', no leading zeros, no trailing
// fractional zeros.
int compare_decimal(std::string_view a, std::string_view b) {
  const bool neg_a = a.starts_with('-');
  const bool neg_b = b.starts_with('-');
  if (neg_a != neg_b)
    return neg_a ? -1 : 1;
  if (neg_a) {
    a.remove_prefix(1);
    b.remove_prefix(1);
  }
  const std::string_view int_a = a.substr(0, a.find('.'));
  const std::string_view int_b = b.substr(0, b.find('.'));
  int result = 0;
  if (int_a.size() != int_b.size()) {
    result = int_a.size() < int_b.size() ? -1 : 1;
  } else if (const int c = int_a.compare(int_b); c != 0) {
    result = sign(c);
  } else {
    const std::string_view frac_a = int_a.size() < a.size() ? a.substr(int_a.size() + 1) : "";
    const std::string_view frac_b = int_b.size() < b.size() ? b.substr(int_b.size() + 1) : "";
    result = sign(frac_a.compare(frac_b));  // trimmed fractions compare as strings
  }
  return neg_a ? -result : result;
}

double to_double(std::string_view v) {
  if (v == "NaN")
    return NAN;
  if (v == "Infinity")
    return INFINITY;
  if (v == "-Infinity")
    return -INFINITY;
  double d = 0;
  std::from_chars(v.data(), v.data() + v.size(), d);
  return d;
}

}  // namespace

int KeyOrder::compare_field(std::size_t column, std::string_view a, std::string_view b) const {
  switch (m_types[column]) {
    case schema::LogicalType::boolean:
    case schema::LogicalType::int16:
    case schema::LogicalType::int32:
    case schema::LogicalType::int64: {
      std::int64_t x = 0, y = 0;
      std::from_chars(a.data(), a.data() + a.size(), x);
      std::from_chars(b.data(), b.data() + b.size(), y);
      return (x > y) - (x < y);
    }
    case schema::LogicalType::numeric:
      return compare_decimal(a, b);
    case schema::LogicalType::float32:
    case schema::LogicalType::float64: {
      // NaN sorts after every number, as PostgreSQL orders it.
      const double x = to_double(a), y = to_double(b);
      if (std::isnan(x) || std::isnan(y))
        return std::isnan(x) - std::isnan(y);
      return (x > y) - (x < y);
    }
    default:
      // Text, bytes, dates, timestamps and uuids compare by their canonical bytes (fixed-width
      // time forms sort chronologically).
      return sign(a.compare(b));
  }
}

int KeyOrder::compare(const schema::KeyValue& a, const schema::KeyValue& b) const {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (const int c = compare_field(i, a[i], b[i]); c != 0)
      return c;
  }
  return (a.size() > b.size()) - (a.size() < b.size());
}

}  // namespace ferry::diff
