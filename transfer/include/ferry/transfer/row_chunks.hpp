// A table part's rows as content-defined chunks, for snapshots (the chunk store,
// chunk_store.hpp): rows are encoded in the canonical form one after another, and the stream
// is cut where the content says, always at a row's end, so each chunk decodes on its own and
// a row changed, added or removed changes only the chunks around it.
//
// Encoding of a row: for each column, a varint of (length + 1), 0 for NULL, then the bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "ferry/schema/row.hpp"
#include "ferry/transfer/chunker.hpp"

namespace ferry::transfer {

// Cuts the encoded rows of one part into chunks. add() rows as they are read; finish() at the
// end. Each chunk goes to `emit` with the number of rows in it, in order.
class RowChunker {
 public:
  using Emit = std::function<void(std::string_view chunk, std::size_t rows)>;
  RowChunker(const Chunker& chunker, Emit emit) : m_chunker(chunker), m_emit(std::move(emit)) {}

  // Appends the batch's rows. Error(failure) for a row whose encoding is larger than
  // k_max_chunk_size.
  void add(const schema::RowBatch& batch);
  // Emits what is left.
  void finish();

 private:
  void cut(bool all);

  const Chunker& m_chunker;
  Emit m_emit;
  std::string m_buffer;                 // encoded rows not yet emitted
  std::vector<std::size_t> m_row_ends;  // offsets in m_buffer where rows end
};

// Appends the rows of `chunk` (as RowChunker emitted it) to `batch`, whose columns() says how
// many fields a row has. Returns how many rows it added. Error(failure) when the chunk is not
// whole rows of that many columns.
std::size_t decode_rows(std::string_view chunk, schema::RowBatch& batch);

}  // namespace ferry::transfer
