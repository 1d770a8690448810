#include "ferry/transfer/manifest.hpp"

#include <xxhash.h>

#include <limits>
#include <unordered_set>

#include "ferry/common/error.hpp"
#include "ferry/common/hash128.hpp"
#include "ferry/common/safe_fs.hpp"

namespace ferry::transfer {
namespace {

constexpr std::string_view k_magic = "FRYM";
constexpr std::uint32_t k_version = 1;
constexpr std::size_t k_header_bytes = 8;    // magic and version
constexpr std::size_t k_checksum_bytes = 8;  // XXH3-64 trailer
constexpr std::uint32_t k_mode_bits = 07777;

// The fewest bytes an encoded entry can take (a directory: shared, rest length, one byte of
// path, type, mode, mtime) and an encoded chunk reference (id and a one-byte size). Counts
// read from the input are checked against these before anything is reserved for them.
constexpr std::size_t k_min_entry_bytes = 6;
constexpr std::size_t k_min_chunk_bytes = 17;

[[noreturn]] void fail(const std::string& what) {
  throw Error(ErrorKind::failure, "manifest: " + what);
}

// Names an entry in an error. Paths from a damaged manifest can be long garbage: cut them, and
// escape control bytes (a NUL would end the message early).
std::string describe(std::size_t index, std::string_view path) {
  constexpr std::size_t k_max_shown = 200;
  std::string out = "entry " + std::to_string(index) + " '";
  for (const char c : path.substr(0, k_max_shown)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      out += "\\x";
      append_hex(out, std::string_view(&c, 1));
    } else {
      out += c;
    }
  }
  out += path.size() > k_max_shown ? "...'" : "'";
  return out;
}

// What is wrong with `entry` on its own, or nullptr.
const char* entry_problem(const Entry& entry) {
  if (const char* problem = relative_path_problem(entry.path)) {
    return problem;
  }
  if (entry.mode > k_mode_bits) {
    return "mode has bits beyond 07777";
  }
  switch (entry.type) {
    case EntryType::directory:
      if (entry.size != 0 || !entry.link_target.empty() || entry.hash != ChunkId{} ||
          !entry.chunks.empty()) {
        return "a directory has a size, link target, hash or chunks";
      }
      return nullptr;
    case EntryType::symlink:
      if (entry.link_target.empty() || entry.link_target.find('\0') != std::string::npos) {
        return "symlink target is empty or holds a NUL byte";
      }
      if (entry.size != entry.link_target.size() || entry.hash != ChunkId{} ||
          !entry.chunks.empty()) {
        return "a symlink's size is not its target's length, or it has a hash or chunks";
      }
      return nullptr;
    case EntryType::file: {
      if (!entry.link_target.empty()) {
        return "a file has a link target";
      }
      std::uint64_t sum = 0;
      for (const ChunkRef& chunk : entry.chunks) {
        if (chunk.size == 0) {
          return "a chunk is empty";
        }
        static_assert(k_max_chunk_size == 64u << 20, "the message below names the cap");
        if (!is_valid_chunk_size(chunk.size)) {
          return "a chunk is larger than the chunk size cap of 64 MiB";
        }
        sum += chunk.size;
        if (sum > entry.size) {
          return "chunk sizes add up to more than the file size";
        }
      }
      if (sum != entry.size) {
        return "chunk sizes add up to less than the file size";
      }
      return nullptr;
    }
  }
  return "unknown entry type";
}

class Writer {
 public:
  void u8(std::uint8_t v) { m_out.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) { fixed(v, 4); }
  void u64(std::uint64_t v) { fixed(v, 8); }
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      u8(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    u8(static_cast<std::uint8_t>(v));
  }
  void bytes(std::string_view v) { m_out.append(v); }
  void id(const ChunkId& id) {
    u64(id.low);
    u64(id.high);
  }
  std::string& out() { return m_out; }

 private:
  void fixed(std::uint64_t v, int size) {
    for (int i = 0; i < size; ++i) {
      u8(static_cast<std::uint8_t>(v >> (8 * i)));
    }
  }

  std::string m_out;
};

// Reads the body of a manifest; every read checks the bytes left first.
class Reader {
 public:
  Reader(std::string_view bytes, std::size_t base) : m_bytes(bytes), m_base(base) {}

  std::size_t remaining() const { return m_bytes.size() - m_at; }

  std::uint8_t u8() {
    need(1);
    return static_cast<std::uint8_t>(m_bytes[m_at++]);
  }
  std::uint32_t u32() { return static_cast<std::uint32_t>(fixed(4)); }
  std::uint64_t u64() { return fixed(8); }
  std::uint64_t varint() {
    const std::size_t start = m_at;
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const std::uint8_t b = u8();
      if (shift == 63 && b > 1) {
        break;
      }
      v |= std::uint64_t{b & 0x7fu} << shift;
      if ((b & 0x80) == 0) {
        if (b == 0 && shift > 0) {
          fail("varint at byte " + std::to_string(m_base + start) + " is not minimal");
        }
        return v;
      }
    }
    fail("varint at byte " + std::to_string(m_base + start) + " overflows 64 bits");
  }
  std::string_view bytes(std::uint64_t size) {
    need(size);
    const std::string_view v = m_bytes.substr(m_at, size);
    m_at += size;
    return v;
  }
  ChunkId id() {
    ChunkId id;
    id.low = u64();
    id.high = u64();
    return id;
  }
  // A count of items that take at least `min_bytes` each.
  std::size_t count(std::size_t min_bytes, const char* what) {
    const std::uint64_t n = varint();
    if (n > remaining() / min_bytes) {
      fail(std::string(what) + " count " + std::to_string(n) + " at byte " +
           std::to_string(m_base + m_at) + " exceeds what the input can hold");
    }
    return static_cast<std::size_t>(n);
  }
  std::size_t offset() const { return m_base + m_at; }

 private:
  std::uint64_t fixed(int size) {
    need(static_cast<std::uint64_t>(size));
    std::uint64_t v = 0;
    for (int i = 0; i < size; ++i) {
      v |= std::uint64_t{static_cast<std::uint8_t>(m_bytes[m_at++])} << (8 * i);
    }
    return v;
  }
  void need(std::uint64_t size) const {
    if (size > remaining()) {
      fail("truncated at byte " + std::to_string(m_base + m_at) + " (wanted " +
           std::to_string(size) + " more bytes, " + std::to_string(remaining()) + " left)");
    }
  }

  std::string_view m_bytes;
  std::size_t m_base;  // offset of m_bytes in the whole input, for messages
  std::size_t m_at = 0;
};

std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

std::int64_t unzigzag(std::uint64_t v) {
  return static_cast<std::int64_t>((v >> 1) ^ (0 - (v & 1)));
}

std::size_t shared_prefix(std::string_view a, std::string_view b) {
  std::size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) {
    ++n;
  }
  return n;
}

Entry read_entry(Reader& in, std::size_t index, const std::string& previous_path) {
  Entry entry;
  const std::uint64_t shared = in.varint();
  if (shared > previous_path.size()) {
    fail("entry " + std::to_string(index) + " shares " + std::to_string(shared) +
         " bytes with a previous path of " + std::to_string(previous_path.size()));
  }
  const std::string_view rest = in.bytes(in.varint());
  entry.path.reserve(shared + rest.size());
  entry.path.assign(previous_path, 0, shared);
  entry.path.append(rest);
  // One encoding per manifest: the shared prefix is always the longest one.
  if (shared_prefix(previous_path, entry.path) != shared) {
    fail(describe(index, entry.path) + ": shares fewer bytes with the previous path than it could");
  }

  const std::uint8_t type = in.u8();
  if (type < static_cast<std::uint8_t>(EntryType::directory) ||
      type > static_cast<std::uint8_t>(EntryType::symlink)) {
    fail(describe(index, entry.path) + ": unknown type " + std::to_string(type));
  }
  entry.type = static_cast<EntryType>(type);
  const std::uint64_t mode = in.varint();
  if (mode > k_mode_bits) {
    fail(describe(index, entry.path) + ": mode has bits beyond 07777");
  }
  entry.mode = static_cast<std::uint32_t>(mode);
  entry.mtime_ns = unzigzag(in.varint());

  switch (entry.type) {
    case EntryType::directory:
      break;
    case EntryType::file: {
      entry.size = in.varint();
      entry.hash = in.id();
      const std::size_t chunks = in.count(k_min_chunk_bytes, "chunk");
      entry.chunks.reserve(chunks);
      for (std::size_t c = 0; c < chunks; ++c) {
        ChunkRef chunk;
        chunk.id = in.id();
        const std::uint64_t size = in.varint();
        if (size > std::numeric_limits<std::uint32_t>::max()) {
          fail(describe(index, entry.path) + ": chunk size " + std::to_string(size) +
               " exceeds 32 bits");
        }
        chunk.size = static_cast<std::uint32_t>(size);
        entry.chunks.push_back(chunk);
      }
      break;
    }
    case EntryType::symlink:
      entry.link_target = in.bytes(in.varint());
      entry.size = entry.link_target.size();
      break;
  }
  return entry;
}

}  // namespace

// The rules of manifest.hpp over the whole list: each entry valid, paths strictly ascending
// by bytes, every parent an earlier directory entry. The last rule is what lets a receiver
// create entries in order without ever writing through a symlink.
void validate_manifest(const Manifest& manifest) {
  const std::vector<Entry>& entries = manifest.entries;
  std::unordered_set<std::string_view> directories;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Entry& entry = entries[i];
    if (const char* problem = entry_problem(entry)) {
      fail(describe(i, entry.path) + ": " + problem);
    }
    if (i > 0 && !(entries[i - 1].path < entry.path)) {
      fail(describe(i, entry.path) + ": paths are not sorted, or repeat");
    }
    const std::string_view path = entry.path;
    const std::size_t slash = path.rfind('/');
    if (slash != std::string_view::npos && !directories.contains(path.substr(0, slash))) {
      fail(describe(i, entry.path) + ": its parent is not a directory entry before it");
    }
    if (entry.type == EntryType::directory) {
      directories.insert(path);
    }
  }
}

std::uint64_t Manifest::total_bytes() const {
  std::uint64_t total = 0;
  for (const Entry& entry : entries) {
    if (entry.type == EntryType::file) {
      total += entry.size;
    }
  }
  return total;
}

std::size_t Manifest::chunk_count() const {
  std::size_t count = 0;
  for (const Entry& entry : entries) {
    count += entry.chunks.size();
  }
  return count;
}

std::string encode(const Manifest& manifest) {
  validate_manifest(manifest);
  return encode_unvalidated(manifest);
}

std::string encode_unvalidated(const Manifest& manifest) {
  Writer out;
  out.out().reserve(64 + manifest.entries.size() * 48 + manifest.chunk_count() * 20);
  out.bytes(k_magic);
  out.u32(k_version);
  out.varint(manifest.entries.size());
  std::string_view previous;
  for (const Entry& entry : manifest.entries) {
    const std::size_t shared = shared_prefix(previous, entry.path);
    out.varint(shared);
    out.varint(entry.path.size() - shared);
    out.bytes(std::string_view(entry.path).substr(shared));
    out.u8(static_cast<std::uint8_t>(entry.type));
    out.varint(entry.mode);
    out.varint(zigzag(entry.mtime_ns));
    switch (entry.type) {
      case EntryType::directory:
        break;
      case EntryType::file:
        out.varint(entry.size);
        out.id(entry.hash);
        out.varint(entry.chunks.size());
        for (const ChunkRef& chunk : entry.chunks) {
          out.id(chunk.id);
          out.varint(chunk.size);
        }
        break;
      case EntryType::symlink:
        out.varint(entry.link_target.size());
        out.bytes(entry.link_target);
        break;
    }
    previous = entry.path;
  }
  out.u64(XXH3_64bits(out.out().data(), out.out().size()));
  return std::move(out.out());
}

Manifest decode(std::string_view bytes) {
  if (bytes.size() < k_magic.size() || bytes.substr(0, k_magic.size()) != k_magic) {
    fail("not a manifest (no \"FRYM\" magic)");
  }
  if (bytes.size() < k_header_bytes + k_checksum_bytes) {
    fail("truncated: " + std::to_string(bytes.size()) + " bytes");
  }
  Reader header(bytes.substr(k_magic.size(), 4), k_magic.size());
  const std::uint32_t version = header.u32();
  if (version != k_version) {
    fail("unsupported version " + std::to_string(version) + " (this ferry reads version " +
         std::to_string(k_version) + ")");
  }
  const std::size_t body_end = bytes.size() - k_checksum_bytes;
  Reader trailer(bytes.substr(body_end), body_end);
  if (trailer.u64() != XXH3_64bits(bytes.data(), body_end)) {
    fail("checksum mismatch: the manifest is truncated or corrupted");
  }

  Reader in(bytes.substr(k_header_bytes, body_end - k_header_bytes), k_header_bytes);
  Manifest manifest;
  const std::size_t count = in.count(k_min_entry_bytes, "entry");
  manifest.entries.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    static const std::string k_no_path;
    manifest.entries.push_back(
        read_entry(in, i, i == 0 ? k_no_path : manifest.entries.back().path));
  }
  if (in.remaining() != 0) {
    fail(std::to_string(in.remaining()) + " bytes left over after the last entry at byte " +
         std::to_string(in.offset()));
  }
  validate_manifest(manifest);
  return manifest;
}

}  // namespace ferry::transfer
