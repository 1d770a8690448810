// The sender's scan cache (manifest.hpp, ScanOptions::cache): what scan_tree() learned about
// each regular file, so that the next scan of the same tree reads only the files that changed.
//
// The file is a hint, never trusted: anything that does not decode exactly (another magic or
// version, other chunker params, a bad checksum, a record that breaks a rule) makes the whole
// cache empty, and a record is used only while the file's stat still matches it. Layout
// (integers little-endian, varints LEB128 as in the manifest):
//
//   cache  := "FRYS" u32(version = 1) u32(min_size) u32(avg_size) u32(max_size)
//             u64(record count) record... u64(checksum)
//   record := varint(path length) path varint(size) varint(zigzag(mtime_ns))
//             varint(zigzag(ctime_ns)) varint(inode) varint(device) id(whole-file hash)
//             varint(chunk count) (id varint(chunk size))...
//   id     := u64(low) u64(high)
//
// Paths are relative to the tree's root and strictly ascending by bytes; chunk sizes are at
// least 1 and at most max_size and add up to the file's size. The checksum is XXH3-64 (seed 0)
// of every byte before it. Paths are stored whole (no shared prefixes), so what decoding
// allocates is bounded by the bytes of the file.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/transfer/manifest.hpp"

namespace ferry::transfer {

// What says a file is still the one that was read, without reading it.
struct FileStamp {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
  std::uint64_t inode = 0;
  std::uint64_t device = 0;

  bool operator==(const FileStamp&) const = default;

  static FileStamp of(const struct stat& st);
};

struct CachedFile {
  std::string path;  // relative to the tree's root
  FileStamp stamp;
  ChunkId hash;
  std::vector<ChunkRef> chunks;
};

class ScanCache {
 public:
  ScanCache() = default;

  // The records of `file`; an empty cache when the file is absent, unreadable, not a regular
  // file or invalid for `params`. Never throws Error.
  static ScanCache load(const std::filesystem::path& file, const ChunkerParams& params);

  // nullopt unless `bytes` is a valid cache for `params` (see above).
  static std::optional<ScanCache> decode(std::string_view bytes, const ChunkerParams& params);

  // The record of `path` when its stamp is `stamp`, else nullptr. Safe to call from many
  // threads at once; a caller may move from the record it got (each path is looked up once).
  CachedFile* find(std::string_view path, const FileStamp& stamp);

  std::size_t size() const { return m_files.size(); }
  // Whether a valid cache file was read (a valid file may hold no records).
  bool valid() const { return m_valid; }

 private:
  std::vector<CachedFile> m_files;  // sorted by path
  bool m_valid = false;
};

// Builds a cache file's bytes; add() the records in ascending path order.
class ScanCacheWriter {
 public:
  explicit ScanCacheWriter(const ChunkerParams& params);

  void add(std::string_view path, const FileStamp& stamp, const ChunkId& hash,
           const std::vector<ChunkRef>& chunks);
  // The bytes, checksum included; the writer is spent.
  std::string finish();

 private:
  std::string m_out;
  std::uint64_t m_count = 0;
};

// Replaces `file` with `bytes` atomically: a temporary file in the same directory (created,
// with the directories above it, as needed), then rename. Throws Error(failure, "scan cache:
// ...") naming the path and the reason.
void write_scan_cache(const std::filesystem::path& file, std::string_view bytes);

}  // namespace ferry::transfer
