// Row hashes and chunk summaries over the canonical row form (DESIGN.md, "Data diff").
//
// A row's hash is XXH3-128 of its canonical encoding: per field a null flag byte, and for a
// value a 4-byte little-endian length and the canonical bytes. A chunk's summary is its row
// count and the sum (mod 2^128) of its row hashes: order-independent, so rows may be
// summarized in any order and summaries of sub-ranges add up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "ferry/schema/row.hpp"

namespace ferry::diff {

struct Hash128 {
  std::uint64_t low = 0;
  std::uint64_t high = 0;

  Hash128& operator+=(const Hash128& other) noexcept {
    const std::uint64_t sum = low + other.low;
    high += other.high + (sum < low ? 1 : 0);
    low = sum;
    return *this;
  }
  bool operator==(const Hash128&) const = default;
  std::string hex() const;
};

// The hash of row `row` of `batch` over columns [first, first + count), or all columns.
Hash128 hash_row(const schema::RowBatch& batch, std::size_t row);
Hash128 hash_row(const schema::RowBatch& batch, std::size_t row, std::size_t first,
                 std::size_t count);

struct Summary {
  std::uint64_t rows = 0;
  Hash128 sum;

  void add(const Hash128& row_hash) noexcept {
    ++rows;
    sum += row_hash;
  }
  void add(const Summary& other) noexcept {
    rows += other.rows;
    sum += other.sum;
  }
  bool operator==(const Summary&) const = default;
};

}  // namespace ferry::diff
