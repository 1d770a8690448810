// Row hashes and chunk summaries over the canonical row form (docs/data-sync.md, "How it
// compares").
//
// A row's hash is XXH3-128 of its canonical encoding: per field a null flag byte, and for a
// value a 4-byte little-endian length and the canonical bytes. A chunk's summary is its row
// count and the sum (mod 2^128) of its row hashes: order-independent, so rows may be
// summarized in any order and summaries of sub-ranges add up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "ferry/common/hash128.hpp"
#include "ferry/schema/row.hpp"

namespace ferry::diff {

// Row hashes and chunk sums are the project's one 128-bit hash value (common/hash128.hpp).
using ferry::Hash128;

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
