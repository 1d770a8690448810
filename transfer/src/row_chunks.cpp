#include "ferry/transfer/row_chunks.hpp"

#include <algorithm>

#include "ferry/common/error.hpp"

namespace ferry::transfer {
namespace {

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

bool get_varint(std::string_view in, std::size_t& pos, std::uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && pos < in.size(); shift += 7) {
    const auto byte = static_cast<std::uint8_t>(in[pos++]);
    v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0)
      return true;
  }
  return false;
}

}  // namespace

void RowChunker::add(const schema::RowBatch& batch) {
  for (std::size_t row = 0; row < batch.rows(); ++row) {
    const std::size_t start = m_buffer.size();
    for (std::size_t col = 0; col < batch.columns(); ++col) {
      if (batch.is_null(row, col)) {
        put_varint(m_buffer, 0);
        continue;
      }
      const std::string_view value = batch.value(row, col);
      put_varint(m_buffer, value.size() + 1);
      m_buffer.append(value);
    }
    if (m_buffer.size() - start > k_max_chunk_size)
      throw Error(ErrorKind::failure, "a row of " + std::to_string(m_buffer.size() - start) +
                                          " bytes is larger than a chunk may be (" +
                                          std::to_string(k_max_chunk_size) + " bytes)");
    m_row_ends.push_back(m_buffer.size());
    if (m_buffer.size() >= 2 * static_cast<std::size_t>(m_chunker.params().max_size))
      cut(false);
  }
}

void RowChunker::finish() {
  cut(true);
}

// Emits chunks from the front of the buffer: each ends at the first row end at or after the
// chunker's content-defined cut point. Without `all`, keeps at least max_size bytes back, so
// that a cut is never decided on fewer bytes than the chunker looks at.
void RowChunker::cut(bool all) {
  const std::size_t max = m_chunker.params().max_size;
  std::size_t start = 0;
  std::size_t first_row = 0;
  while (first_row < m_row_ends.size() && (all || m_buffer.size() - start >= 2 * max)) {
    const auto* data = reinterpret_cast<const std::uint8_t*>(m_buffer.data()) + start;
    const std::size_t point = start + m_chunker.cut(data, m_buffer.size() - start);
    auto end = std::lower_bound(m_row_ends.begin() + static_cast<long>(first_row), m_row_ends.end(),
                                std::max(point, start + 1));
    if (end == m_row_ends.end())
      end = m_row_ends.end() - 1;
    // A chunk holds whole rows and never more than k_max_chunk_size bytes (one big row may
    // make it larger than max_size).
    while (end != m_row_ends.begin() + static_cast<long>(first_row) &&
           *end - start > k_max_chunk_size)
      --end;
    const std::size_t rows = static_cast<std::size_t>(end - m_row_ends.begin()) + 1 - first_row;
    m_emit(std::string_view(m_buffer).substr(start, *end - start), rows);
    start = *end;
    first_row += rows;
  }
  m_buffer.erase(0, start);
  m_row_ends.erase(m_row_ends.begin(), m_row_ends.begin() + static_cast<long>(first_row));
  for (std::size_t& e : m_row_ends)
    e -= start;
}

std::size_t decode_rows(std::string_view chunk, schema::RowBatch& batch) {
  const std::size_t columns = batch.columns();
  if (columns == 0)
    throw Error(ErrorKind::failure, "decode_rows: a batch of no columns");
  std::size_t pos = 0;
  std::size_t rows = 0;
  while (pos < chunk.size()) {
    for (std::size_t col = 0; col < columns; ++col) {
      std::uint64_t length = 0;
      if (!get_varint(chunk, pos, length))
        throw Error(ErrorKind::failure, "a snapshot chunk ends inside a row");
      if (length == 0) {
        batch.add_null();
        continue;
      }
      if (length - 1 > chunk.size() - pos)
        throw Error(ErrorKind::failure, "a snapshot chunk ends inside a value");
      batch.add_value(chunk.substr(pos, length - 1));
      pos += length - 1;
    }
    ++rows;
  }
  return rows;
}

}  // namespace ferry::transfer
