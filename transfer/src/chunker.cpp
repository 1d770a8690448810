#include "ferry/transfer/chunker.hpp"

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <bit>

#include "ferry/common/error.hpp"

namespace ferry::transfer {
namespace {

// How many bits harder (before avg_size) and easier (after) the cut condition is than one
// cut per avg_size bytes: FastCDC's normalization level 2, which keeps most chunks within a
// factor of two of the average.
constexpr int k_normalization = 2;

// splitmix64 from a fixed seed: 256 well-mixed 64-bit values, identical in every build.
// Changing the seed or the generator changes every cut point and so every chunk id.
constexpr std::array<std::uint64_t, 256> make_gear_table() {
  std::array<std::uint64_t, 256> table{};
  std::uint64_t state = 0x6665727279636463;  // "ferrycdc"
  for (auto& value : table) {
    state += 0x9e3779b97f4a7c15;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    value = z ^ (z >> 31);
  }
  return table;
}

constexpr std::array<std::uint64_t, 256> k_gear = make_gear_table();

// A mask of the `bits` highest bits. With h = (h << 1) + gear[b], bit k of h depends on the
// last k + 1 bytes only, so the cut condition tests the high bits, which see the most bytes.
constexpr std::uint64_t high_bits(int bits) {
  return bits <= 0 ? 0 : ~std::uint64_t{0} << (64 - bits);
}

}  // namespace

ChunkId chunk_id(const void* data, std::size_t size) {
  const XXH128_hash_t h = XXH3_128bits(data, size);
  return ChunkId{h.low64, h.high64};
}

Chunker::Chunker(ChunkerParams params) : m_params(params) {
  if (params.min_size < 1 || params.min_size > params.avg_size ||
      params.avg_size > params.max_size || params.max_size > k_max_chunk_size) {
    throw Error(ErrorKind::config, "chunker: sizes must satisfy 1 <= min <= avg <= max <= " +
                                       std::to_string(k_max_chunk_size >> 20) + " MiB (min " +
                                       std::to_string(params.min_size) + ", avg " +
                                       std::to_string(params.avg_size) + ", max " +
                                       std::to_string(params.max_size) + ")");
  }
  const int bits = std::bit_width(params.avg_size) - 1;  // floor(log2(avg_size))
  m_mask_small = high_bits(bits + k_normalization);
  m_mask_large = high_bits(std::max(bits - k_normalization, 1));
}

std::size_t Chunker::cut(const std::uint8_t* data, std::size_t size) const {
  const std::size_t min_size = m_params.min_size;
  if (size <= min_size) {
    return size;
  }
  const std::size_t end = std::min<std::size_t>(size, m_params.max_size);
  const std::size_t normal_end = std::min<std::size_t>(end, m_params.avg_size);
  const std::uint64_t mask_small = m_mask_small;
  const std::uint64_t mask_large = m_mask_large;

  // The first min_size bytes are never hashed: no cut may fall there, and the hash forgets
  // bytes older than 64 positions anyway.
  std::uint64_t h = 0;
  std::size_t i = min_size;
  // Unrolling removes most of the loop overhead; the hash's dependency chain is one lea per
  // byte, so the loop runs at about one byte per cycle.
#pragma GCC unroll 4
  for (; i < normal_end; ++i) {
    h = (h << 1) + k_gear[data[i]];
    if ((h & mask_small) == 0) {
      return i + 1;
    }
  }
#pragma GCC unroll 4
  for (; i < end; ++i) {
    h = (h << 1) + k_gear[data[i]];
    if ((h & mask_large) == 0) {
      return i + 1;
    }
  }
  return end;
}

}  // namespace ferry::transfer
