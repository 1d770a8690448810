#include "ferry/transfer/chunk_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

#include "ferry/common/error.hpp"

namespace ferry::transfer {
namespace {

constexpr std::string_view k_suffix = ".zst";
constexpr std::string_view k_temp_prefix = ".tmp-";

std::string file_name(const ChunkId& id) {
  return id.hex() + std::string(k_suffix);
}

// A unique temporary name in a chunk folder, for this process and write.
std::string temp_name(const ChunkId& id) {
  static std::atomic<unsigned> counter{0};
  return std::string(k_temp_prefix) + std::to_string(::getpid()) + "-" + std::to_string(counter++) +
         "-" + id.hex();
}

}  // namespace

ChunkStore ChunkStore::open(const std::filesystem::path& root, bool create) {
  Fd dir = open_root(root, create);
  return ChunkStore(root, open_dir_beneath(dir.get(), "chunks", create));
}

ChunkStore::Put ChunkStore::put(std::string_view data, int zstd_level) const {
  if (!is_valid_chunk_size(data.size()))
    throw Error(ErrorKind::failure, "chunk of " + std::to_string(data.size()) +
                                        " bytes: chunks hold 1 byte to " +
                                        std::to_string(k_max_chunk_size) + " bytes");
  Put out{.id = chunk_id(data.data(), data.size())};
  const std::string name = file_name(out.id);
  // Most folders exist after the first chunks: opened, not made (a mkdir each time costs).
  std::optional<Fd> existing = open_dir_beneath_if_exists(m_chunks.get(), name.substr(0, 2));
  const Fd folder =
      existing ? std::move(*existing) : open_dir_beneath(m_chunks.get(), name.substr(0, 2), true);
  struct stat st {};
  // An empty file is a chunk a crash caught before sync(): written again.
  if (::fstatat(folder.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_size > 0) {
    out.stored_bytes = static_cast<std::uint64_t>(st.st_size);
    return out;
  }
  // One compression context and buffer per thread: a new context per chunk costs more in
  // allocation and page faults than compressing the chunk.
  thread_local const std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> cctx(ZSTD_createCCtx(),
                                                                               &ZSTD_freeCCtx);
  thread_local std::string frame;
  frame.resize(ZSTD_compressBound(data.size()));
  const std::size_t n = ZSTD_compressCCtx(cctx.get(), frame.data(), frame.size(), data.data(),
                                          data.size(), zstd_level);
  if (ZSTD_isError(n))
    throw Error(ErrorKind::failure, std::string("zstd: ") + ZSTD_getErrorName(n));
  const std::string temp = temp_name(out.id);
  {
    const Fd file = create_file_beneath(folder.get(), temp, 0644);
    write_all(file.get(), frame.data(), n, path_beneath(folder.get(), temp));
  }
  // Another writer may have stored the same chunk meanwhile: the rename replaces equal bytes.
  if (::renameat(folder.get(), temp.c_str(), folder.get(), name.c_str()) != 0) {
    const int err = errno;
    ::unlinkat(folder.get(), temp.c_str(), 0);
    throw Error(ErrorKind::failure, "cannot store chunk " + path_beneath(folder.get(), name) +
                                        ": " + std::strerror(err));
  }
  out.added = true;
  out.stored_bytes = n;
  return out;
}

void ChunkStore::sync() const {
  if (::syncfs(m_chunks.get()) != 0) {
    throw Error(ErrorKind::failure, "cannot flush the chunks of " + m_root.string() +
                                        " to disk: " + std::strerror(errno));
  }
}

bool ChunkStore::contains(const ChunkId& id) const {
  const std::string name = file_name(id);
  return open_file_beneath_if_exists(m_chunks.get(), name.substr(0, 2) + "/" + name).has_value();
}

std::string ChunkStore::get(const ChunkId& id) const {
  const std::string name = file_name(id);
  const std::string rel = name.substr(0, 2) + "/" + name;
  const std::string where = path_beneath(m_chunks.get(), rel);
  const std::optional<Fd> file = open_file_beneath_if_exists(m_chunks.get(), rel);
  if (!file)
    throw Error(ErrorKind::failure,
                "chunk " + id.hex() + " is missing from the store (" + where + ")");
  const std::string frame = read_all(file->get(), where);
  const unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
      !is_valid_chunk_size(size))
    throw Error(ErrorKind::failure, "chunk " + where + " is not a zstd frame of a chunk");
  std::string out(size, '\0');
  const std::size_t n = ZSTD_decompress(out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != size)
    throw Error(ErrorKind::failure, "chunk " + where + " does not decompress: " +
                                        (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short frame"));
  if (chunk_id(out.data(), out.size()) != id)
    throw Error(ErrorKind::failure,
                "chunk " + where + " does not hash to its name: the store is damaged");
  return out;
}

void ChunkStore::for_each_chunk(const std::function<void(int dir_fd, const std::string& name,
                                                         const ChunkId& id)>& visit) const {
  for (const std::string& folder : read_dir_names(m_chunks.get())) {
    const Fd dir = open_dir_beneath(m_chunks.get(), folder, false);
    for (const std::string& name : read_dir_names(dir.get())) {
      if (!name.ends_with(k_suffix))
        continue;
      if (const auto id = Hash128::from_hex(name.substr(0, name.size() - k_suffix.size())))
        visit(dir.get(), name, *id);
    }
  }
}

ChunkIds ChunkStore::list() const {
  ChunkIds out;
  for_each_chunk([&](int, const std::string&, const ChunkId& id) { out.insert(id); });
  return out;
}

ChunkStore::Pruned ChunkStore::remove_except(const ChunkIds& keep) const {
  Pruned out;
  for_each_chunk([&](int dir, const std::string& name, const ChunkId& id) {
    struct stat st {};
    if (keep.contains(id) || ::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(st.st_mode))
      return;
    if (::unlinkat(dir, name.c_str(), 0) != 0)
      throw Error(ErrorKind::failure,
                  "cannot remove " + path_beneath(dir, name) + ": " + std::strerror(errno));
    ++out.chunks;
    out.bytes += static_cast<std::uint64_t>(st.st_size);
  });
  return out;
}

}  // namespace ferry::transfer
