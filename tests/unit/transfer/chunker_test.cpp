// Content-defined chunking: bounds, determinism, resistance to shifted content, chunk ids.
#include "ferry/transfer/chunker.hpp"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <cstdint>
#include <random>
#include <unordered_set>
#include <vector>

#include "ferry/common/error.hpp"

namespace ferry::transfer {
namespace {

std::vector<std::uint8_t> random_bytes(std::size_t size, std::uint64_t seed) {
  std::vector<std::uint8_t> bytes(size);
  std::mt19937_64 random(seed);
  for (auto& b : bytes) {
    b = static_cast<std::uint8_t>(random());
  }
  return bytes;
}

// The chunk sizes the chunker picks for all of `data`, as a caller holding it whole would.
std::vector<std::size_t> chunk_sizes(const Chunker& chunker,
                                     const std::vector<std::uint8_t>& data) {
  std::vector<std::size_t> sizes;
  for (std::size_t at = 0; at < data.size();) {
    const std::size_t size = chunker.cut(data.data() + at, data.size() - at);
    EXPECT_GT(size, 0u);
    if (size == 0) {
      break;
    }
    sizes.push_back(size);
    at += size;
  }
  return sizes;
}

std::vector<ChunkId> chunk_ids(const Chunker& chunker, const std::vector<std::uint8_t>& data) {
  std::vector<ChunkId> ids;
  std::size_t at = 0;
  for (const std::size_t size : chunk_sizes(chunker, data)) {
    ids.push_back(chunk_id(data.data() + at, size));
    at += size;
  }
  return ids;
}

constexpr std::size_t k_mib = std::size_t{1} << 20;

TEST(Chunker, SizesStayWithinBoundsAndCoverTheData) {
  const std::vector<std::uint8_t> data = random_bytes(20 * k_mib, 1);
  for (const ChunkerParams params : {ChunkerParams{}, ChunkerParams{1024, 4096, 16384}}) {
    const Chunker chunker(params);
    const std::vector<std::size_t> sizes = chunk_sizes(chunker, data);
    ASSERT_GT(sizes.size(), 1u);
    std::size_t total = 0;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      total += sizes[i];
      EXPECT_LE(sizes[i], params.max_size) << "chunk " << i;
      if (i + 1 < sizes.size()) {
        EXPECT_GE(sizes[i], params.min_size) << "chunk " << i;
      }
    }
    EXPECT_EQ(total, data.size());
    // Normalized chunking keeps the mean near avg_size, not near min or max.
    const double mean = static_cast<double>(total) / static_cast<double>(sizes.size());
    EXPECT_GT(mean, params.avg_size * 0.75) << "avg_size " << params.avg_size;
    EXPECT_LT(mean, params.avg_size * 1.5) << "avg_size " << params.avg_size;
  }
}

TEST(Chunker, CutsAreContentDefinedNotForcedOnRandomData) {
  const Chunker chunker;
  const std::vector<std::size_t> sizes = chunk_sizes(chunker, random_bytes(20 * k_mib, 2));
  std::size_t at_max = 0;
  for (const std::size_t size : sizes) {
    at_max += size == chunker.params().max_size ? 1 : 0;
  }
  EXPECT_LT(at_max, sizes.size() / 50) << "nearly every chunk should end at a content cut";
}

TEST(Chunker, DataWithoutCutPointsIsCutAtMaxSize) {
  // A run of one byte value gives a constant hash after 64 bytes: no content cut.
  const Chunker chunker({4096, 16384, 65536});
  const std::vector<std::uint8_t> zeros(1 * k_mib + 100, 0);
  const std::vector<std::size_t> sizes = chunk_sizes(chunker, zeros);
  ASSERT_EQ(sizes.size(), 17u);
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    EXPECT_EQ(sizes[i], 65536u);
  }
  EXPECT_EQ(sizes.back(), 100u);
}

TEST(Chunker, ShortInputIsOneChunk) {
  const Chunker chunker({1024, 4096, 16384});
  const std::vector<std::uint8_t> data = random_bytes(5000, 3);
  EXPECT_EQ(chunker.cut(data.data(), 0), 0u);
  EXPECT_EQ(chunker.cut(data.data(), 1), 1u);
  EXPECT_EQ(chunker.cut(data.data(), 1024), 1024u);
  const std::size_t first = chunker.cut(data.data(), data.size());
  EXPECT_GT(first, 1024u);
  EXPECT_LE(first, data.size());
}

TEST(Chunker, SameDataCutsTheSameWhereverItLives) {
  const std::vector<std::uint8_t> data = random_bytes(8 * k_mib, 4);
  const std::vector<std::uint8_t> copy(data);
  const Chunker a;
  const Chunker b;
  const std::vector<std::size_t> first = chunk_sizes(a, data);
  EXPECT_EQ(first, chunk_sizes(a, data));
  EXPECT_EQ(first, chunk_sizes(b, copy));
  // The tail of the data after a cut chunks like the data did from that cut on.
  const std::vector<std::uint8_t> tail(data.begin() + static_cast<std::ptrdiff_t>(first[0]),
                                       data.end());
  const std::vector<std::size_t> tail_sizes = chunk_sizes(a, tail);
  EXPECT_EQ(tail_sizes, std::vector<std::size_t>(first.begin() + 1, first.end()));
}

TEST(Chunker, CutPointsAreAFixedFunctionOfTheBytes) {
  // Chunk ids must agree between builds and machines, or releases stop sharing chunks: the
  // cut points of a fixed input are pinned here. If this fails, the gear table or the cut
  // condition changed, and with them every chunk id ever stored.
  const std::vector<std::uint8_t> data = random_bytes(1 * k_mib, 5);
  const std::vector<std::size_t> sizes = chunk_sizes(Chunker({1024, 4096, 16384}), data);
  ASSERT_GE(sizes.size(), 4u);
  const std::vector<std::size_t> first(sizes.begin(), sizes.begin() + 4);
  EXPECT_EQ(first, (std::vector<std::size_t>{4717, 5013, 4231, 2975}));
}

TEST(Chunker, InsertingBytesChangesOnlyNearbyChunks) {
  const std::vector<std::uint8_t> original = random_bytes(20 * k_mib, 6);
  std::vector<std::uint8_t> edited(original);
  const std::vector<std::uint8_t> inserted = {'f', 'e', 'r', 'r', 'y', '!', '\n'};
  edited.insert(edited.begin() + static_cast<std::ptrdiff_t>(original.size() / 2), inserted.begin(),
                inserted.end());

  const Chunker chunker;
  const std::vector<ChunkId> before = chunk_ids(chunker, original);
  const std::vector<ChunkId> after = chunk_ids(chunker, edited);
  const std::unordered_set<ChunkId, Hash128Hash> known(before.begin(), before.end());
  std::size_t shared = 0;
  for (const ChunkId& id : after) {
    shared += known.contains(id) ? 1 : 0;
  }
  EXPECT_GE(shared * 10, after.size() * 9) << shared << " of " << after.size() << " shared";
  EXPECT_LT(shared, after.size()) << "the chunk holding the insert must change";
  EXPECT_GE(shared + 4, after.size()) << "only a handful of chunks should differ";
}

TEST(Chunker, RejectsInconsistentParams) {
  EXPECT_THROW(Chunker({0, 4096, 16384}), Error);
  EXPECT_THROW(Chunker({8192, 4096, 16384}), Error);
  EXPECT_THROW(Chunker({1024, 32768, 16384}), Error);
  EXPECT_THROW(Chunker({1024, 4096, 2u << 30}), Error);
  // No chunker cuts chunks that a manifest may not hold (k_max_chunk_size, the one cap).
  EXPECT_THROW(Chunker({1024, 4096, k_max_chunk_size + 1}), Error);
  EXPECT_NO_THROW(Chunker({1024, 4096, k_max_chunk_size}));
  try {
    Chunker({8192, 4096, 16384});
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
  }
  EXPECT_NO_THROW(Chunker({4096, 4096, 4096}));
}

TEST(ChunkId, IsXxh3Of128BitsOfTheBytes) {
  const std::vector<std::uint8_t> data = random_bytes(100000, 7);
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{17}, std::size_t{240},
                                 std::size_t{4096}, data.size()}) {
    const XXH128_hash_t expected = XXH3_128bits(data.data(), size);
    const ChunkId id = chunk_id(data.data(), size);
    EXPECT_EQ(id.low, expected.low64) << size;
    EXPECT_EQ(id.high, expected.high64) << size;
  }
  EXPECT_NE(chunk_id(data.data(), 100), chunk_id(data.data() + 1, 100));
}

TEST(ChunkId, HexIsHighThenLowInLowercase) {
  const ChunkId id{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
  EXPECT_EQ(id.hex(), "fedcba98765432100123456789abcdef");
  EXPECT_EQ(ChunkId{}.hex(), std::string(32, '0'));
  // The same digits XXH3's canonical (big-endian) form gives.
  const char text[] = "ferry";
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits(text, 5));
  std::string expected;
  for (const unsigned char byte : canonical.digest) {
    constexpr char k_digits[] = "0123456789abcdef";
    expected += k_digits[byte >> 4];
    expected += k_digits[byte & 15];
  }
  EXPECT_EQ(chunk_id(text, 5).hex(), expected);
}

}  // namespace
}  // namespace ferry::transfer
