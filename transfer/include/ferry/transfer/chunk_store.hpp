// The chunk store of snapshots: content-addressed chunks, each a zstd frame in a plain tree
// under the store's root, so a chunk is stored once whatever the number of snapshots that use
// it, and the store travels to nodes with `ferry push` like any build.
//
//   ROOT/chunks/xx/<32 hex digits>.zst   xx: the id's first two hex digits
//
// A chunk's id is the XXH3-128 of its raw bytes (transfer::chunk_id). Writes go to a
// temporary file beside the chunk and are renamed into place, so a reader (or a run after
// kill -9) sees a whole chunk or none. They reach the disk at sync() (one syncfs for all the
// chunks of a snapshot instead of an fsync each, which cost more than reading the rows): call
// it before anything names the chunks. A chunk that a crash before sync() left empty is
// written again by the next put(). Nothing beneath ROOT is reached through a
// symlink (common/safe_fs.hpp). A ChunkStore may be used from many threads at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "ferry/common/safe_fs.hpp"
#include "ferry/transfer/chunker.hpp"

namespace ferry::transfer {

using ChunkIds = std::unordered_set<ChunkId, Hash128Hash>;

class ChunkStore {
 public:
  // Opens the store at the absolute directory `root`; with `create`, makes it and chunks/.
  static ChunkStore open(const std::filesystem::path& root, bool create);

  struct Put {
    ChunkId id;
    bool added = false;              // false: the store had it already
    std::uint64_t stored_bytes = 0;  // its compressed size on disk
  };
  // Stores `data` (at most k_max_chunk_size bytes) under its id unless the store has it.
  Put put(std::string_view data, int zstd_level = 3) const;

  // Makes every chunk written so far durable (syncfs of the store's filesystem).
  void sync() const;

  bool contains(const ChunkId& id) const;

  // The raw bytes of a chunk, checked against its id. Error(failure) naming the file when it
  // is missing, not a zstd frame, or does not hash to its id.
  std::string get(const ChunkId& id) const;

  // Every chunk in the store.
  ChunkIds list() const;

  struct Pruned {
    std::size_t chunks = 0;
    std::uint64_t bytes = 0;
  };
  // Removes every chunk not in `keep`. The caller makes sure nothing writes to the store
  // meanwhile.
  Pruned remove_except(const ChunkIds& keep) const;

  const std::filesystem::path& root() const { return m_root; }

 private:
  // Calls `visit` for every chunk file: its folder, its name and its id.
  void for_each_chunk(const std::function<void(int dir_fd, const std::string& name,
                                               const ChunkId& id)>& visit) const;

  ChunkStore(std::filesystem::path root, Fd chunks)
      : m_root(std::move(root)), m_chunks(std::move(chunks)) {}

  std::filesystem::path m_root;
  Fd m_chunks;  // ROOT/chunks
};

}  // namespace ferry::transfer
