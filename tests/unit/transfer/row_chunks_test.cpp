// Rows as content-defined chunks: every chunk holds whole rows and decodes on its own to the
// same canonical values (NULLs, empty strings, binary bytes, large values), the cuts do not
// depend on how rows arrive in batches, and one changed or inserted row changes only the
// chunks around it, which is what makes a second snapshot store only what changed.
#include "ferry/transfer/row_chunks.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "ferry/common/error.hpp"

namespace ferry::transfer {
namespace {

using Row = std::vector<std::optional<std::string>>;

Row make_row(std::size_t i) {
  Row row;
  row.push_back(std::to_string(i));
  row.push_back(i % 7 == 0 ? std::nullopt
                           : std::optional<std::string>("name " + std::to_string(i * 31)));
  row.push_back(i % 11 == 0 ? std::string() : std::string("x\0y", 3) + std::to_string(i % 97));
  return row;
}

struct Chunk {
  std::string bytes;
  std::size_t rows;
};

// The chunks of `rows`, given to the chunker `per_batch` rows at a time.
std::vector<Chunk> chunk_rows(const std::vector<Row>& rows, std::size_t per_batch) {
  static const Chunker chunker(
      ChunkerParams{.min_size = 4 << 10, .avg_size = 16 << 10, .max_size = 64 << 10});
  std::vector<Chunk> out;
  RowChunker rc(chunker, [&](std::string_view c, std::size_t n) {
    out.push_back({std::string(c), n});
  });
  schema::RowBatch batch(3);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (const auto& field : rows[i]) {
      if (field)
        batch.add_value(*field);
      else
        batch.add_null();
    }
    if (batch.rows() == per_batch || i + 1 == rows.size()) {
      rc.add(batch);
      batch.clear();
    }
  }
  rc.finish();
  return out;
}

std::vector<Row> decode_all(const std::vector<Chunk>& chunks) {
  std::vector<Row> out;
  for (const Chunk& c : chunks) {
    schema::RowBatch batch(3);
    EXPECT_EQ(decode_rows(c.bytes, batch), c.rows);
    for (std::size_t r = 0; r < batch.rows(); ++r) {
      Row row;
      for (std::size_t col = 0; col < 3; ++col) {
        const auto f = batch.field(r, col);
        row.push_back(f ? std::optional<std::string>(std::string(*f)) : std::nullopt);
      }
      out.push_back(std::move(row));
    }
  }
  return out;
}

std::set<std::string> ids(const std::vector<Chunk>& chunks) {
  std::set<std::string> out;
  for (const Chunk& c : chunks)
    out.insert(chunk_id(c.bytes.data(), c.bytes.size()).hex());
  return out;
}

std::size_t changed(const std::vector<Chunk>& before, const std::vector<Chunk>& after) {
  const auto a = ids(before);
  std::size_t n = 0;
  for (const std::string& id : ids(after))
    n += a.contains(id) ? 0 : 1;
  return n;
}

TEST(RowChunks, EveryChunkDecodesToTheSameRows) {
  std::vector<Row> rows;
  for (std::size_t i = 0; i < 30000; ++i)
    rows.push_back(make_row(i));
  rows[123][1] = std::string(1 << 20, 'L');  // a large value in one row
  const auto chunks = chunk_rows(rows, 1000);
  EXPECT_GT(chunks.size(), 10u);
  EXPECT_EQ(decode_all(chunks), rows);
  for (const Chunk& c : chunks)
    EXPECT_LE(c.bytes.size(), k_max_chunk_size);
}

TEST(RowChunks, CutsDoNotDependOnBatches) {
  std::vector<Row> rows;
  for (std::size_t i = 0; i < 20000; ++i)
    rows.push_back(make_row(i));
  const auto whole = chunk_rows(rows, 20000);
  EXPECT_EQ(ids(chunk_rows(rows, 1)), ids(whole));
  EXPECT_EQ(ids(chunk_rows(rows, 777)), ids(whole));
}

TEST(RowChunks, OneChangedOrInsertedRowChangesOnlyTheChunksAroundIt) {
  std::vector<Row> rows;
  for (std::size_t i = 0; i < 40000; ++i)
    rows.push_back(make_row(i));
  const auto before = chunk_rows(rows, 1000);
  ASSERT_GT(before.size(), 20u);

  std::vector<Row> updated = rows;
  updated[20000][1] = "changed";
  EXPECT_LE(changed(before, chunk_rows(updated, 1000)), 2u);

  std::vector<Row> inserted = rows;
  inserted.insert(inserted.begin() + 15000, make_row(999999));
  EXPECT_LE(changed(before, chunk_rows(inserted, 1000)), 2u);

  std::vector<Row> removed = rows;
  removed.erase(removed.begin() + 5000);
  EXPECT_LE(changed(before, chunk_rows(removed, 1000)), 2u);
}

TEST(RowChunks, AChunkThatIsNotWholeRowsIsRefused) {
  const auto chunks = chunk_rows({make_row(1), make_row(2)}, 2);
  ASSERT_EQ(chunks.size(), 1u);
  schema::RowBatch batch(3);
  EXPECT_THROW(decode_rows(chunks[0].bytes.substr(0, chunks[0].bytes.size() - 2), batch), Error);
  schema::RowBatch wider(4);
  EXPECT_THROW(decode_rows(chunks[0].bytes, wider), Error);
}

}  // namespace
}  // namespace ferry::transfer
