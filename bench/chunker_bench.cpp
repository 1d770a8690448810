// The tree push's hot loops: every byte of a pushed tree is chunked and hashed once.
#include <benchmark/benchmark.h>
#include <xxhash.h>

#include <cstdint>
#include <random>
#include <vector>

#include "ferry/transfer/chunker.hpp"

namespace {

using ferry::transfer::chunk_id;
using ferry::transfer::Chunker;

constexpr std::size_t k_buffer_bytes = std::size_t{64} << 20;

// Random bytes defeat any shortcut: cut points fall where the content says, as in
// compressed archives and binaries, the bulk of a release.
const std::vector<std::uint8_t>& random_buffer() {
  static const std::vector<std::uint8_t> buffer = [] {
    std::vector<std::uint8_t> bytes(k_buffer_bytes);
    std::mt19937_64 random(42);
    for (std::size_t i = 0; i < bytes.size(); i += 8) {
      const std::uint64_t v = random();
      for (std::size_t b = 0; b < 8; ++b) {
        bytes[i + b] = static_cast<std::uint8_t>(v >> (8 * b));
      }
    }
    return bytes;
  }();
  return buffer;
}

void BM_chunk(benchmark::State& state) {
  const std::vector<std::uint8_t>& data = random_buffer();
  const Chunker chunker;
  std::size_t chunks = 0;
  for (auto _ : state) {
    for (std::size_t at = 0; at < data.size(); ++chunks) {
      at += chunker.cut(data.data() + at, data.size() - at);
    }
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
  state.counters["avg_chunk"] =
      static_cast<double>(state.iterations() * data.size()) / static_cast<double>(chunks);
}
BENCHMARK(BM_chunk)->Unit(benchmark::kMillisecond);

void BM_chunk_and_hash(benchmark::State& state) {
  const std::vector<std::uint8_t>& data = random_buffer();
  const Chunker chunker;
  for (auto _ : state) {
    for (std::size_t at = 0; at < data.size();) {
      const std::size_t size = chunker.cut(data.data() + at, data.size() - at);
      benchmark::DoNotOptimize(chunk_id(data.data() + at, size));
      at += size;
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_chunk_and_hash)->Unit(benchmark::kMillisecond);

void BM_hash(benchmark::State& state) {
  const std::vector<std::uint8_t>& data = random_buffer();
  for (auto _ : state) {
    benchmark::DoNotOptimize(XXH3_128bits(data.data(), data.size()));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_hash)->Unit(benchmark::kMillisecond);

}  // namespace
