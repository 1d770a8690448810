#include "ferry/diff/row_hash.hpp"

#include <xxhash.h>

#include <cstring>

namespace ferry::diff {
namespace {

// Hashing runs once per row of every compared table: encode into a reused buffer and hash
// it in one call rather than streaming field by field through XXH3's state.
thread_local std::string t_buffer;

void encode_field(std::string& out, const schema::RowBatch& batch, std::size_t row,
                  std::size_t column) {
  if (batch.is_null(row, column)) {
    out.push_back('\0');
    return;
  }
  const std::string_view v = batch.value(row, column);
  const auto n = static_cast<std::uint32_t>(v.size());
  char header[5] = {'\1', static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff),
                    static_cast<char>((n >> 16) & 0xff), static_cast<char>(n >> 24)};
  out.append(header, sizeof header);
  out.append(v);
}

}  // namespace

Hash128 hash_row(const schema::RowBatch& batch, std::size_t row) {
  return hash_row(batch, row, 0, batch.columns());
}

Hash128 hash_row(const schema::RowBatch& batch, std::size_t row, std::size_t first,
                 std::size_t count) {
  t_buffer.clear();
  for (std::size_t c = first; c < first + count; ++c)
    encode_field(t_buffer, batch, row, c);
  const XXH128_hash_t h = XXH3_128bits(t_buffer.data(), t_buffer.size());
  return Hash128{h.low64, h.high64};
}

}  // namespace ferry::diff
