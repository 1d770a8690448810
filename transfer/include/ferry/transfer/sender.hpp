// The sending side of a push (docs/push.md): offers a manifest to a node, and streams the
// chunks the node lacks as zstd frames, each compressed once however many nodes need it.
#pragma once

#include <atomic>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "ferry/transfer/manifest.hpp"
#include "ferry/transfer/wire.hpp"

namespace ferry::transfer {

// Where each chunk of a scanned tree lives: a file of the tree and an offset.
class ChunkSource {
 public:
  ChunkSource(std::filesystem::path root, const Manifest& manifest);
  // The chunk's bytes, read from the tree and checked against its id (a file that changed
  // since the scan is an Error naming it).
  std::string read(const ChunkId& id) const;

 private:
  struct Location {
    std::uint32_t entry;
    std::uint32_t size;
    std::uint64_t offset;
  };
  std::filesystem::path m_root;
  const Manifest& m_manifest;
  std::unordered_map<ChunkId, Location, Hash128Hash> m_chunks;
};

// Chunk frames, compressed once and kept while they fit in `budget_bytes`, so that nodes
// pushed to in parallel share the work. Thread-safe.
class ChunkFrames {
 public:
  ChunkFrames(const ChunkSource& source, int level, std::size_t budget_bytes);
  std::shared_ptr<const std::string> get(const ChunkId& id);
  std::uint64_t compressions() const noexcept { return m_compressions; }

 private:
  const ChunkSource& m_source;
  int m_level;
  std::size_t m_budget;
  std::mutex m_mutex;
  std::unordered_map<ChunkId, std::shared_ptr<const std::string>, Hash128Hash> m_frames;
  std::deque<ChunkId> m_order;  // oldest first, for eviction
  std::size_t m_bytes = 0;
  std::atomic<std::uint64_t> m_compressions{0};
};

struct StageOutcome {
  nlohmann::json plan;  // the node's plan reply
  nlohmann::json done;  // the node's final reply (empty for a dry run)
  std::uint64_t chunks_sent = 0;
  std::uint64_t bytes_sent = 0;  // on the wire, this push only
};

// Pushes one release to the node at the other end of `channel` and waits until it is
// staged (or, with dry_run, until the node has said what it would need). `manifest_frame`
// is compress_manifest(encode(manifest)), made once for all nodes. For progress,
// `on_plan` gets the node's plan and `on_chunk` the bytes of each chunk frame sent.
struct StageProgress {
  std::function<void(const nlohmann::json&)> on_plan;
  std::function<void(std::uint64_t)> on_chunk;
};
StageOutcome stage_release(Channel& channel, const std::string& release,
                           std::string_view manifest_frame, ChunkFrames& frames, bool dry_run,
                           const StageProgress& progress = {});

}  // namespace ferry::transfer
