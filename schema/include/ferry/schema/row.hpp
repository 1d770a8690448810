// Rows in canonical form (docs/formats.md, "Canonical row form").
//
// A field's canonical value is a byte string that every dialect agrees on for the field's
// LogicalType:
//   boolean      "0" / "1"
//   int*         decimal digits, optional leading '-'
//   numeric      decimal with trailing fractional zeros trimmed ("12.50" -> "12.5", "3.00" -> "3")
//   float*       shortest round-trip text (std::to_chars); "NaN", "Infinity", "-Infinity"
//   text, json   UTF-8 bytes as stored
//   bytes        raw bytes
//   date         YYYY-MM-DD
//   time         HH:MM:SS.ffffff
//   timestamp    YYYY-MM-DD HH:MM:SS.ffffff
//   timestamptz  YYYY-MM-DD HH:MM:SS.ffffffZ  (UTC)
//   uuid         lowercase 8-4-4-4-12 hex
//   enumeration, interval, other: the server's text form
// A NULL is distinct from every value, including the empty string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/schema/catalog.hpp"

namespace ferry::schema {

// A batch of rows of one table, all fields in one buffer. Connectors fill and consume whole
// batches: one virtual call per batch, never per row or field.
class RowBatch {
 public:
  explicit RowBatch(std::size_t columns = 0) : m_columns(columns) {}

  std::size_t columns() const noexcept { return m_columns; }
  std::size_t rows() const noexcept { return m_columns == 0 ? 0 : m_fields.size() / m_columns; }
  bool empty() const noexcept { return m_fields.empty(); }
  std::size_t byte_size() const noexcept { return m_bytes.size(); }

  // Appending: call add_value / add_null exactly columns() times per row. A value that would
  // start past 4 GiB of values, or is longer than 2 GiB, is an Error (failure), and the batch
  // is left as it was before it.
  void add_value(std::string_view value);
  void add_null();
  // For connectors that build a value in place: append bytes, then commit_value().
  std::string& value_buffer() noexcept { return m_bytes; }
  void commit_value(std::size_t start);
  // What commit_value() checks: a field can address a value of `length` bytes that starts
  // `start` bytes into the buffer (start < 4 GiB, length < 2 GiB); else Error(failure).
  static void check_field(std::size_t start, std::size_t length);

  bool is_null(std::size_t row, std::size_t column) const noexcept {
    return m_fields[row * m_columns + column].length < 0;
  }
  // The field's canonical bytes; empty for NULL (check is_null first).
  std::string_view value(std::size_t row, std::size_t column) const noexcept;
  std::optional<std::string_view> field(std::size_t row, std::size_t column) const noexcept;

  void clear() noexcept {
    m_bytes.clear();
    m_fields.clear();
  }
  void reset(std::size_t columns) noexcept {
    clear();
    m_columns = columns;
  }

 private:
  struct Field {
    std::uint32_t offset;
    std::int32_t length;  // -1 for NULL
  };
  std::size_t m_columns;
  std::string m_bytes;
  std::vector<Field> m_fields;
};

// A key value: one canonical field per key column (never NULL).
using KeyValue = std::vector<std::string>;

// A half-open range of keys in key order: after < key <= up_to. An empty bound is open.
struct KeyRange {
  KeyValue after;
  KeyValue up_to;
  bool unbounded() const noexcept { return after.empty() && up_to.empty(); }
};

// Canonicalizers shared by the connectors. Each returns false when `in` is not a valid
// value of its type, so a connector can raise an error naming the table and column.
namespace canonical {
bool numeric(std::string_view in, std::string& out);
bool float64(double value, std::string& out);
bool float32(float value, std::string& out);
bool float_text(std::string_view in, LogicalType type, std::string& out);
// Accepts "YYYY-MM-DD[ T]HH:MM:SS[.frac][Z|+HH[:MM]|-HH[:MM]]"; converts to UTC when an
// offset is present and `type` is timestamptz; pads the fraction to six digits.
bool timestamp(std::string_view in, LogicalType type, std::string& out);
bool time(std::string_view in, std::string& out);
bool uuid(std::string_view in, std::string& out);
bool boolean(std::string_view in, std::string& out);
}  // namespace canonical

}  // namespace ferry::schema
