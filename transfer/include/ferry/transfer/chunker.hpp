// Content-defined chunking for tree pushes (docs/push.md, "Transfer"; transfer/README.md).
//
// Files are split where their content says, not at fixed offsets, so inserting or deleting a
// few bytes changes only the chunks around the edit and the rest travel as already known.
// Chunks are named by the XXH3-128 of their bytes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ferry/common/hash128.hpp"

namespace ferry::transfer {

// A chunk's id, and a file's hash in a manifest: the project's one 128-bit hash value
// (common/hash128.hpp), hex() and all. Hash128Hash hashes it for unordered containers.
using ChunkId = Hash128;

// The XXH3-128 of `size` bytes at `data`: a chunk's id, or (over the whole content) a file's.
ChunkId chunk_id(const void* data, std::size_t size);

// The largest chunk anything in a push accepts, one cap for both ends: a Chunker may not cut
// larger chunks (its max_size), a manifest naming a larger chunk is refused by
// validate_manifest() (so by encode() on the sender and decode() on the receiver), and so is
// a chunk frame announcing one (decode_chunk_frame). It bounds what a receiver allocates for
// one chunk and keeps every chunk frame far below the frame limit (wire.hpp, k_max_frame).
inline constexpr std::uint32_t k_max_chunk_size = 64u << 20;

// A chunk of `size` bytes is allowed: at least one byte, at most k_max_chunk_size.
constexpr bool is_valid_chunk_size(std::uint64_t size) noexcept {
  return size >= 1 && size <= k_max_chunk_size;
}

// Bounds on chunk sizes. Cut points depend on these, so sender and receiver of a push, and
// every release whose chunks should be shared, must use the same values.
struct ChunkerParams {
  std::uint32_t min_size = 16 << 10;
  std::uint32_t avg_size = 64 << 10;
  std::uint32_t max_size = 256 << 10;
};

// FastCDC-style chunking: a gear rolling hash over the bytes after the first min_size of a
// chunk, with normalized chunking (a harder cut condition before avg_size, an easier one
// after), so chunk sizes cluster around avg_size. The gear table is fixed: the same bytes cut
// at the same places in every build and on every machine.
//
// Immutable after construction; one Chunker may be used from any number of threads.
class Chunker {
 public:
  // Throws Error(config) unless 1 <= min_size <= avg_size <= max_size <= k_max_chunk_size.
  explicit Chunker(ChunkerParams params = {});

  // Length of the first chunk of data[0, size): a content-defined cut point, or
  // min(size, max_size) when none is found. The caller passes at least max_size bytes, or
  // all bytes left up to the end of the file; otherwise a cut found later in a longer buffer
  // would be missed. Never returns 0 for size > 0.
  std::size_t cut(const std::uint8_t* data, std::size_t size) const;

  const ChunkerParams& params() const { return m_params; }

 private:
  ChunkerParams m_params;
  std::uint64_t m_mask_small;  // cut condition for positions before avg_size
  std::uint64_t m_mask_large;  // cut condition for positions from avg_size on
};

}  // namespace ferry::transfer
