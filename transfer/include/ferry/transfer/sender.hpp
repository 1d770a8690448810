// The sending side of a push (docs/push.md): offers a manifest to a node, and streams the
// chunks the node lacks as zstd frames, each compressed once however many nodes need it.
#pragma once

#include <atomic>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

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

// Deltas of a scanned tree's files against older copies of them in another directory on this
// machine (the previous build), made with compress_delta() once for all nodes whose copy is
// that one. Thread-safe: nodes ask in parallel; a delta being made for one is waited for by
// the others. Holds every delta made until it is destroyed; the files themselves only while
// a delta is made.
class DeltaSource {
 public:
  DeltaSource(std::filesystem::path root, const Manifest& manifest, int level);

  struct Delta {
    ChunkId base;                              // the hash of the older copy it was made from
    std::shared_ptr<const std::string> frame;  // compress_delta(older copy, file)
  };
  // The delta of manifest entry `entry` against base_root/PATH when that is a regular file
  // of at most k_max_delta_file bytes whose hash is one of `offered` (copies the node has);
  // else nullopt. Error when the file in the tree no longer matches the manifest.
  std::optional<Delta> get(std::uint32_t entry, const std::filesystem::path& base_root,
                           const std::vector<ChunkId>& offered);
  const Manifest& manifest() const noexcept { return m_manifest; }

 private:
  struct Slot {
    std::mutex mutex;  // guards the rest of the slot while it is filled
    bool hashed = false;
    std::optional<ChunkId> base;  // nullopt: no usable file at that path
    std::shared_ptr<const std::string> frame;
  };
  std::filesystem::path m_root;
  const Manifest& m_manifest;
  int m_level;
  std::mutex m_mutex;  // guards m_slots (not the slots' contents)
  std::map<std::pair<std::uint32_t, std::string>, std::shared_ptr<Slot>> m_slots;
};

// Deltas for one node: where its older copies are on this machine. No source: no deltas.
struct DeltaOptions {
  DeltaSource* source = nullptr;
  std::filesystem::path base_root;
};

struct StageOutcome {
  nlohmann::json plan;  // the node's plan reply
  nlohmann::json done;  // the node's final reply (empty for a dry run)
  std::uint64_t chunks_sent = 0;
  std::uint64_t bytes_sent = 0;  // on the wire, this push only
  std::uint64_t delta_files = 0;
  std::uint64_t delta_bytes = 0;        // the delta frames' bytes
  std::uint64_t delta_saved_bytes = 0;  // what the chunks of those files would have cost more
};

// Pushes one release to the node at the other end of `channel` and waits until it is
// staged (or, with dry_run, until the node has said what it would need). `manifest_frame`
// is compress_manifest(encode(manifest)), made once for all nodes. With `deltas`, files the
// node has an older copy of (offered in its `bases` frame) go as deltas when a delta is
// smaller than the chunks of the file the node lacks (docs/push.md, "Deltas"). For progress,
// `on_plan` gets the node's plan and `on_chunk` the bytes of each chunk frame sent.
struct StageProgress {
  std::function<void(const nlohmann::json&)> on_plan;
  std::function<void(std::uint64_t)> on_chunk;
};
StageOutcome stage_release(Channel& channel, const std::string& release,
                           std::string_view manifest_frame, ChunkFrames& frames, bool dry_run,
                           const StageProgress& progress = {}, const DeltaOptions& deltas = {});

}  // namespace ferry::transfer
