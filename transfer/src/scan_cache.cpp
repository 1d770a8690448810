// The scan cache: its file format, loading (never trusting) and atomic rewriting.
#include "scan_cache.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <system_error>

#include "ferry/common/error.hpp"

namespace ferry::transfer {
namespace {

constexpr std::string_view k_magic = "FRYS";
constexpr std::uint32_t k_version = 1;
constexpr std::size_t k_header_bytes = 4 + 4 + 3 * 4 + 8;  // magic .. record count
constexpr std::size_t k_count_offset = k_header_bytes - 8;
constexpr std::size_t k_checksum_bytes = 8;

// The fewest bytes a record can take (path length, one byte of path, five one-byte varints,
// the hash, a chunk count) and a chunk reference (id and a one-byte size). Counts read from a
// file are checked against these before anything is reserved for them.
constexpr std::size_t k_min_record_bytes = 1 + 1 + 5 + 16 + 1;
constexpr std::size_t k_min_chunk_bytes = 17;

// Thrown inside decode() at the first thing wrong; never leaves this file.
struct Invalid {};

std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

std::int64_t unzigzag(std::uint64_t v) {
  return static_cast<std::int64_t>((v >> 1) ^ (0 - (v & 1)));
}

void put_fixed(std::string& out, std::uint64_t v, int size) {
  for (int i = 0; i < size; ++i) {
    out.push_back(static_cast<char>(static_cast<std::uint8_t>(v >> (8 * i))));
  }
}

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(static_cast<std::uint8_t>(v | 0x80)));
    v >>= 7;
  }
  out.push_back(static_cast<char>(static_cast<std::uint8_t>(v)));
}

void put_id(std::string& out, const ChunkId& id) {
  put_fixed(out, id.low, 8);
  put_fixed(out, id.high, 8);
}

// Every read checks the bytes left first.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : m_bytes(bytes) {}

  std::size_t remaining() const { return m_bytes.size() - m_at; }

  std::uint64_t fixed(int size) {
    need(static_cast<std::size_t>(size));
    std::uint64_t v = 0;
    for (int i = 0; i < size; ++i) {
      v |= std::uint64_t{static_cast<std::uint8_t>(m_bytes[m_at++])} << (8 * i);
    }
    return v;
  }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      need(1);
      const auto b = static_cast<std::uint8_t>(m_bytes[m_at++]);
      if (shift == 63 && b > 1) {
        throw Invalid{};
      }
      v |= std::uint64_t{b & 0x7fu} << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
    throw Invalid{};
  }
  std::string_view bytes(std::uint64_t size) {
    need(size);
    const std::string_view v = m_bytes.substr(m_at, static_cast<std::size_t>(size));
    m_at += static_cast<std::size_t>(size);
    return v;
  }
  ChunkId id() {
    ChunkId id;
    id.low = fixed(8);
    id.high = fixed(8);
    return id;
  }
  // A count of items that take at least `min_bytes` each.
  std::size_t count(std::uint64_t n, std::size_t min_bytes) const {
    if (n > remaining() / min_bytes) {
      throw Invalid{};
    }
    return static_cast<std::size_t>(n);
  }

 private:
  void need(std::uint64_t size) const {
    if (size > remaining()) {
      throw Invalid{};
    }
  }

  std::string_view m_bytes;
  std::size_t m_at = 0;
};

CachedFile read_record(Reader& in, const ChunkerParams& params) {
  CachedFile file;
  file.path = in.bytes(in.varint());
  file.stamp.size = in.varint();
  file.stamp.mtime_ns = unzigzag(in.varint());
  file.stamp.ctime_ns = unzigzag(in.varint());
  file.stamp.inode = in.varint();
  file.stamp.device = in.varint();
  file.hash = in.id();
  const std::size_t chunks = in.count(in.varint(), k_min_chunk_bytes);
  file.chunks.reserve(chunks);
  std::uint64_t sum = 0;
  for (std::size_t c = 0; c < chunks; ++c) {
    ChunkRef chunk;
    chunk.id = in.id();
    const std::uint64_t size = in.varint();
    if (size == 0 || size > params.max_size) {
      throw Invalid{};
    }
    chunk.size = static_cast<std::uint32_t>(size);
    sum += size;  // at most 2^32 chunks of at most 2^32 bytes: no overflow
    file.chunks.push_back(chunk);
  }
  if (file.path.empty() || sum != file.stamp.size) {
    throw Invalid{};
  }
  return file;
}

struct FdCloser {
  int fd;
  ~FdCloser() { ::close(fd); }
};

// The whole of a regular file, or nullopt.
std::optional<std::string> read_whole(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    return std::nullopt;
  }
  const FdCloser closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0) {
    return std::nullopt;
  }
  std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t filled = 0;
  while (filled < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + filled, bytes.size() - filled);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return std::nullopt;  // an error, or the file shrank: not the file that was written
    }
    filled += static_cast<std::size_t>(n);
  }
  return bytes;
}

[[noreturn]] void fail_errno(const std::string& path, const std::string& action, int err) {
  throw Error(ErrorKind::failure,
              "scan cache: '" + path + "': " + action + ": " + std::system_category().message(err));
}

}  // namespace

FileStamp FileStamp::of(const struct stat& st) {
  FileStamp stamp;
  stamp.size = static_cast<std::uint64_t>(st.st_size);
  stamp.mtime_ns =
      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  stamp.ctime_ns =
      static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
  stamp.inode = static_cast<std::uint64_t>(st.st_ino);
  stamp.device = static_cast<std::uint64_t>(st.st_dev);
  return stamp;
}

ScanCache ScanCache::load(const std::filesystem::path& file, const ChunkerParams& params) {
  try {
    const std::optional<std::string> bytes = read_whole(file);
    if (!bytes) {
      return {};
    }
    std::optional<ScanCache> cache = decode(*bytes, params);
    return cache ? std::move(*cache) : ScanCache{};
  } catch (const std::bad_alloc&) {
    return {};
  }
}

std::optional<ScanCache> ScanCache::decode(std::string_view bytes, const ChunkerParams& params) {
  if (bytes.size() < k_header_bytes + k_checksum_bytes || bytes.substr(0, 4) != k_magic) {
    return std::nullopt;
  }
  const std::size_t body_end = bytes.size() - k_checksum_bytes;
  if (Reader(bytes.substr(body_end)).fixed(8) != XXH3_64bits(bytes.data(), body_end)) {
    return std::nullopt;
  }
  try {
    Reader header(bytes.substr(4, k_header_bytes - 4));
    if (header.fixed(4) != k_version || header.fixed(4) != params.min_size ||
        header.fixed(4) != params.avg_size || header.fixed(4) != params.max_size) {
      return std::nullopt;
    }
    const std::uint64_t records = header.fixed(8);
    Reader in(bytes.substr(k_header_bytes, body_end - k_header_bytes));
    ScanCache cache;
    cache.m_files.reserve(in.count(records, k_min_record_bytes));
    for (std::uint64_t i = 0; i < records; ++i) {
      CachedFile file = read_record(in, params);
      if (!cache.m_files.empty() && !(cache.m_files.back().path < file.path)) {
        return std::nullopt;  // unsorted or repeated
      }
      cache.m_files.push_back(std::move(file));
    }
    if (in.remaining() != 0) {
      return std::nullopt;
    }
    cache.m_valid = true;
    return cache;
  } catch (const Invalid&) {
    return std::nullopt;
  }
}

CachedFile* ScanCache::find(std::string_view path, const FileStamp& stamp) {
  const auto it = std::lower_bound(
      m_files.begin(), m_files.end(), path,
      [](const CachedFile& file, std::string_view key) { return file.path < key; });
  if (it == m_files.end() || it->path != path || it->stamp != stamp) {
    return nullptr;
  }
  return &*it;
}

ScanCacheWriter::ScanCacheWriter(const ChunkerParams& params) {
  m_out.append(k_magic);
  put_fixed(m_out, k_version, 4);
  put_fixed(m_out, params.min_size, 4);
  put_fixed(m_out, params.avg_size, 4);
  put_fixed(m_out, params.max_size, 4);
  put_fixed(m_out, 0, 8);  // the record count, set by finish()
}

void ScanCacheWriter::add(std::string_view path, const FileStamp& stamp, const ChunkId& hash,
                          const std::vector<ChunkRef>& chunks) {
  put_varint(m_out, path.size());
  m_out.append(path);
  put_varint(m_out, stamp.size);
  put_varint(m_out, zigzag(stamp.mtime_ns));
  put_varint(m_out, zigzag(stamp.ctime_ns));
  put_varint(m_out, stamp.inode);
  put_varint(m_out, stamp.device);
  put_id(m_out, hash);
  put_varint(m_out, chunks.size());
  for (const ChunkRef& chunk : chunks) {
    put_id(m_out, chunk.id);
    put_varint(m_out, chunk.size);
  }
  ++m_count;
}

std::string ScanCacheWriter::finish() {
  for (std::size_t i = 0; i < 8; ++i) {
    m_out[k_count_offset + i] = static_cast<char>(static_cast<std::uint8_t>(m_count >> (8 * i)));
  }
  put_fixed(m_out, XXH3_64bits(m_out.data(), m_out.size()), 8);
  return std::move(m_out);
}

void write_scan_cache(const std::filesystem::path& file, std::string_view bytes) {
  const std::filesystem::path dir = file.parent_path();
  if (!dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      fail_errno(dir.string(), "cannot create the directory", ec.value());
    }
  }
  // Not fsynced: after a crash the file may be empty or torn, and then its checksum fails and
  // the next scan reads every file, which is all a lost cache costs.
  std::string temp = file.native() + ".XXXXXX";
  const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) {
    fail_errno(temp, "cannot create", errno);
  }
  bool closed = false;
  try {
    std::size_t written = 0;
    while (written < bytes.size()) {
      const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        fail_errno(temp, "cannot write", errno);
      }
      written += static_cast<std::size_t>(n);
    }
    closed = true;
    if (::close(fd) != 0) {
      fail_errno(temp, "cannot write", errno);
    }
    if (::rename(temp.c_str(), file.c_str()) != 0) {
      fail_errno(file.string(), "cannot rename the new cache into place", errno);
    }
  } catch (...) {
    if (!closed) {
      ::close(fd);
    }
    ::unlink(temp.c_str());
    throw;
  }
}

std::filesystem::path default_scan_cache(const std::filesystem::path& root) {
  std::filesystem::path base;
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  // As the XDG base directory spec says, a relative XDG_CACHE_HOME is ignored.
  if (xdg != nullptr && xdg[0] == '/') {
    base = xdg;
  } else if (home != nullptr && home[0] == '/') {
    base = std::filesystem::path(home) / ".cache";
  } else {
    return {};
  }
  std::error_code ec;
  const std::filesystem::path canonical = std::filesystem::canonical(root, ec);
  if (ec) {
    return {};
  }
  const std::string& text = canonical.native();
  return base / "ferry" / "scan" / fmt::format("{:016x}", XXH3_64bits(text.data(), text.size()));
}

}  // namespace ferry::transfer
