// The manifest of a tree push: every directory, file and symlink of a release, with each
// file's content as an ordered list of chunks (docs/push.md, "Transfer"). The sender builds it
// with scan_tree() and sends it first; the receiver answers with the chunks it lacks.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/transfer/chunker.hpp"

namespace ferry::transfer {

enum class EntryType : std::uint8_t { directory = 1, file = 2, symlink = 3 };

struct ChunkRef {
  ChunkId id;
  std::uint32_t size = 0;

  bool operator==(const ChunkRef&) const = default;
};

struct Entry {
  std::string path;  // relative to the tree root, '/'-separated, no leading '/', never "." or ".."
  EntryType type = EntryType::file;
  std::uint32_t mode = 0;        // permission bits incl. setuid/setgid/sticky (st_mode & 07777)
  std::int64_t mtime_ns = 0;     // nanoseconds since the epoch
  std::uint64_t size = 0;        // file bytes (0 for dirs; link target length for symlinks)
  std::string link_target;       // symlinks only, as read by readlink (never followed)
  ChunkId hash;                  // files: XXH3-128 of the whole content
  std::vector<ChunkRef> chunks;  // files: the content, in order; sizes sum to size

  bool operator==(const Entry&) const = default;
};

struct Manifest {
  // Sorted by path bytes, so a directory precedes its contents. Every entry's parent
  // directory is itself an entry of type directory (none for top-level entries).
  std::vector<Entry> entries;

  std::uint64_t total_bytes() const;  // sum of file sizes
  std::size_t chunk_count() const;    // chunk references; a repeated chunk counts each time

  bool operator==(const Manifest&) const = default;
};

// A compact, versioned binary form. Integers are little-endian; varints are LEB128 (7 bits a
// byte, low bits first, at most 10 bytes); each path is stored as the length of the prefix it
// shares with the previous entry's path and the rest:
//
//   manifest  := "FRYM" u32(version = 1) varint(entry count) entry... u64(checksum)
//   entry     := varint(shared) varint(rest length) rest u8(type) varint(mode)
//                varint(zigzag(mtime_ns)) body
//   directory := (no body)
//   file      := varint(size) id(whole-file hash) varint(chunk count) (id varint(size))...
//   symlink   := varint(target length) target        (size is the target length)
//   id        := u64(low) u64(high)
//
// The checksum is XXH3-64 (seed 0) of every byte before it. The form is canonical (minimal
// varints, longest shared prefixes), so equal manifests encode to equal bytes.
//
// encode() runs validate_manifest() first, so whatever it writes, decode() accepts.
std::string encode(const Manifest& manifest);
// The same bytes without the validation: what a broken or hostile sender could send. Only
// for tests of the receiver; a sender uses encode().
std::string encode_unvalidated(const Manifest& manifest);

// Throws Error(failure, "manifest: ...") on truncated, oversized or malformed input, and runs
// validate_manifest() on what it read. Safe on arbitrary bytes: counts are bounded by the
// bytes left before anything is allocated for them.
Manifest decode(std::string_view bytes);

// The one manifest validator: the sender runs it (encode) before sending and the receiver
// (decode) before creating anything, so neither accepts what the other refuses. Throws
// Error(failure, "manifest: entry N 'PATH': ...") at the first entry that breaks a rule:
//   - every path is a safe relative path (relative_path_problem in safe_fs.hpp: no empty,
//     "." or ".." component, no NUL byte, at most 4096 bytes);
//   - paths strictly ascend by bytes (no repeats), and every entry's parent is a directory
//     entry before it, so a receiver never creates anything beneath a symlink;
//   - modes have no bits beyond 07777;
//   - directories have no size, link target, hash or chunks; symlinks have a non-empty
//     target without NUL bytes, their size is its length, and no hash or chunks; files have
//     no link target, each chunk is 1 to k_max_chunk_size bytes (chunker.hpp), and the
//     chunk sizes add up to the file size.
void validate_manifest(const Manifest& manifest);

struct ScanOptions {
  ChunkerParams chunker;
  std::size_t threads = 0;  // at most this many, and at most the cores; 0 = oneTBB's default
  // The scan cache file (see scan_tree); empty = no cache. default_scan_cache() gives the
  // usual place.
  std::filesystem::path cache;
  // gitignore patterns relative to the root of entries to leave out (--exclude); they come
  // after the tree's ignore files and so win over them (ignore.hpp).
  std::vector<std::string> exclude;
  // Read the .ferryignore file of every directory as it is walked.
  bool ignore_files = true;
  // Told why the cache could not be written; the scan succeeds all the same. Unset: ignored.
  std::function<void(const std::string& message)> on_cache_error;
};

// Counters a scan advances as it goes, for a progress display on another thread. A regular
// file counts once: in `files` when it was read, in `files_cached` when the cache spared that.
struct ScanProgress {
  std::atomic<std::uint64_t> files{0};         // regular files fully read
  std::atomic<std::uint64_t> bytes{0};         // file bytes read so far
  std::atomic<std::uint64_t> files_cached{0};  // regular files taken from the cache, not read
  // Entries the ignore rules left out; an excluded directory counts once, and what it holds
  // is not looked at.
  std::atomic<std::uint64_t> excluded{0};
};

// Walks `root` (a directory; a symlink to one is followed) without following any symlink
// inside it, leaving out what options.exclude and the .ferryignore files exclude (an
// excluded directory is not descended into), and chunks and hashes every regular file. A
// oneTBB parallel_pipeline runs a serial walk, then reading, chunking and hashing one file per
// task in parallel, then a serial collect; a large file is chunked sequentially, different
// files in parallel. Files are read in blocks of a few MiB, never whole, so memory stays at
// about one block per worker thread plus the manifest.
//
// With options.cache set, the scan first loads that file (a cache that is missing, corrupt,
// truncated, of another version or of other chunker params is ignored, never an error), and
// takes the hash and chunks of a regular file from it without reading the file when the
// file's size, mtime, ctime, inode and device are those recorded. A file whose mtime is within
// 2 seconds of the scan's start (or later) is always read and never recorded: a change in the
// same clock tick as the scan would not move its mtime. Then the cache is replaced atomically
// by the records of this scan alone, so removed files drop out; a failure to write it goes to
// options.on_cache_error and does not fail the scan. The manifest is the same with or without
// a cache.
//
// Throws Error(failure) naming the path and the errno text when something cannot be read,
// when the tree holds a device, socket or fifo, or when a file changes size while it is
// read; Error(config) for bad chunker params.
Manifest scan_tree(const std::filesystem::path& root, const ScanOptions& options = {},
                   ScanProgress* progress = nullptr);

// Where the scan cache of the tree at `root` lives: $XDG_CACHE_HOME/ferry/scan/HEX, or
// $HOME/.cache/ferry/scan/HEX when XDG_CACHE_HOME is unset (or not absolute), HEX being the
// 16 hex digits of the XXH3-64 of root's absolute canonical path. Empty (no cache) when
// neither variable holds an absolute path, or when root cannot be resolved.
std::filesystem::path default_scan_cache(const std::filesystem::path& root);

}  // namespace ferry::transfer
