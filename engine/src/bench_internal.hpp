// Internal: what the bench commands share (bench_link.cpp, bench_db.cpp, bench_push.cpp,
// bench_sync.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/connectors/connector.hpp"
#include "ferry/engine/bench.hpp"
#include "ferry/transfer/transport.hpp"

namespace ferry::engine {

// Chunk frames made once and sent many times: at most 64 MiB of distinct data, the size of a
// push's average chunk each, as transfer::encode_chunk_frame makes them.
struct FramePool {
  struct Frame {
    std::string frame;
    std::size_t raw = 0;
  };
  std::vector<Frame> frames;
  std::uint64_t raw_bytes = 0;

  // Incompressible bytes: the frames carry them raw.
  static FramePool random(std::uint64_t size);
  // text_like_bytes(), compressed at `level`.
  static FramePool text(std::uint64_t size, int level);
  void add(std::string_view raw, int level);
  double ratio() const;  // wire bytes / raw bytes
};

// `size` bytes that compress as logs and dumps do (timestamps, a small vocabulary, numbers).
std::string text_like_bytes(std::size_t size, std::uint64_t seed);

struct LinkPools {
  const FramePool* random = nullptr;
  const FramePool* text = nullptr;  // unused with LinkSteps::raw_only
};
enum class LinkSteps { all, raw_only };

// One target's measurements; a failure is recorded in the result, not thrown.
LinkResult measure_link(const transfer::Target& target, const LinkBenchOptions& options,
                        const LinkPools& pools, LinkSteps steps);

// Every target parsed (Error(bad_endpoint) at the first malformed one), at least one.
std::vector<transfer::Target> parse_bench_targets(const std::vector<std::string>& texts);

// The tables of `catalog` that `wanted` names (name, schema.name or a glob of either; all
// when empty), in catalog order. Error(usage) naming a pattern that matches none.
std::vector<const schema::Table*> bench_tables(const schema::Catalog& catalog,
                                               const std::vector<std::string>& wanted,
                                               std::string_view where);

// Reads every row of `table` through `db`, calling `on_batch` with each batch (outside the
// timed part). Keyless tables are read whole, in the server's order.
struct TableRead {
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;
  double seconds = 0;  // inside the reader only
};
TableRead read_table(connectors::Connector& db, const schema::Table& table,
                     const std::function<void(const schema::RowBatch&)>& on_batch = {});

}  // namespace ferry::engine
