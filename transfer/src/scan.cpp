// scan_tree(): the sender's side of a tree push up to the manifest.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <tbb/enumerable_thread_specific.h>
#include <tbb/info.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <system_error>

#include "ferry/common/error.hpp"
#include "ferry/common/safe_fs.hpp"
#include "ferry/transfer/ignore.hpp"
#include "ferry/transfer/manifest.hpp"
#include "scan_cache.hpp"

namespace ferry::transfer {
namespace {

// Files are read in blocks this large: big enough that a read is one system call per few
// MiB, small enough that memory stays bounded with one block per worker thread.
constexpr std::size_t k_block_bytes = std::size_t{4} << 20;

// A file whose mtime is this close to the scan's start, or later, is read and not cached: it
// may change again within the same timestamp tick, leaving its stat as it was (git's "racy"
// entries).
constexpr std::int64_t k_racy_ns = 2'000'000'000;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw Error(ErrorKind::failure, "scan: '" + path + "': " + what);
}

[[noreturn]] void fail_errno(const std::string& path, const std::string& action, int err) {
  fail(path, action + ": " + std::system_category().message(err));
}

std::int64_t mtime_ns(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

const char* special_file_kind(mode_t mode) {
  if (S_ISFIFO(mode)) {
    return "a fifo";
  }
  if (S_ISSOCK(mode)) {
    return "a socket";
  }
  if (S_ISCHR(mode)) {
    return "a character device";
  }
  if (S_ISBLK(mode)) {
    return "a block device";
  }
  return "of an unknown file type";
}

// The target of the link `name` in the directory `dir_fd`; `path` names it in errors.
std::string read_link(int dir_fd, const std::string& name, const struct stat& st,
                      const std::string& path) {
  std::string target(static_cast<std::size_t>(std::max<off_t>(st.st_size, 63)) + 1, '\0');
  while (true) {
    const ssize_t n = ::readlinkat(dir_fd, name.c_str(), target.data(), target.size());
    if (n < 0) {
      fail_errno(path, "cannot read the symlink", errno);
    }
    if (static_cast<std::size_t>(n) < target.size()) {
      target.resize(static_cast<std::size_t>(n));
      return target;
    }
    target.resize(target.size() * 2);  // the link changed since lstat, or st_size lied
  }
}

// One entry on its way through the pipeline.
struct Item {
  Entry entry;
  FileStamp stamp;         // files: the stat the content belongs to
  bool cacheable = false;  // files: the content matches `stamp` and is not racy
};

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

// The serial first stage: a depth-first walk that lists one directory at a time, so it holds
// one directory handle at most, however deep the tree. Entries are stat'ed relative to that
// handle, so the kernel does not walk the whole path again for each. Files come out without
// chunks. Entries the ignore rules exclude do not come out, and an excluded directory is not
// listed; each directory's .ferryignore is read as the directory is listed, before any of its
// entries is looked at.
class Walker {
 public:
  Walker(std::string root, IgnoreRules rules, bool read_ignore_files, ScanProgress* progress)
      : m_root(std::move(root)),
        m_rules(std::move(rules)),
        m_read_ignore_files(read_ignore_files),
        m_progress(progress) {
    m_pending.emplace_back();
  }

  const std::string& root() const { return m_root; }
  std::string absolute(const std::string& relative) const { return m_root + '/' + relative; }

  std::optional<Item> next() {
    while (true) {
      while (m_next == m_names.size()) {
        if (m_pending.empty()) {
          return std::nullopt;
        }
        m_dir = std::move(m_pending.back());
        m_pending.pop_back();
        list(m_dir.empty() ? m_root : absolute(m_dir));
      }
      const std::string& name = m_names[m_next++];
      if (std::optional<Item> item = describe(name, m_dir.empty() ? name : m_dir + '/' + name)) {
        return item;
      }
    }
  }

 private:
  void list(const std::string& path) {
    m_names.clear();
    m_next = 0;
    m_handle.reset();
    m_handle.reset(::opendir(path.c_str()));
    if (!m_handle) {
      fail_errno(path, "cannot open the directory", errno);
    }
    while (true) {
      errno = 0;
      const dirent* item = ::readdir(m_handle.get());
      if (item == nullptr) {
        if (errno != 0) {
          fail_errno(path, "cannot list the directory", errno);
        }
        break;
      }
      const std::string_view name = item->d_name;
      if (name != "." && name != "..") {
        m_names.emplace_back(name);
      }
    }
    if (m_read_ignore_files &&
        std::find(m_names.begin(), m_names.end(), ignore_file_name) != m_names.end()) {
      read_ignore_file(path);
    }
  }

  // The directory's .ferryignore, when it is a regular file (a link is not followed).
  void read_ignore_file(const std::string& dir_path) {
    const std::string path = dir_path + '/' + std::string(ignore_file_name);
    const Fd fd(::openat(::dirfd(m_handle.get()), std::string(ignore_file_name).c_str(),
                         O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK));
    if (!fd) {
      if (errno == ELOOP || errno == ENOENT) {
        return;
      }
      fail_errno(path, "cannot open", errno);
    }
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) {
      fail_errno(path, "cannot stat", errno);
    }
    if (!S_ISREG(st.st_mode)) {
      return;
    }
    const std::string text = read_all(fd.get(), path);
    m_rules.add_file(m_dir, text);
  }

  // `name` in the directory being listed, at `relative` in the tree; std::nullopt when the
  // ignore rules exclude it.
  std::optional<Item> describe(const std::string& name, std::string relative) {
    const int dir_fd = ::dirfd(m_handle.get());
    struct stat st;
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      fail_errno(absolute(relative), "cannot stat", errno);
    }
    if (!m_rules.empty() && m_rules.excluded(relative, S_ISDIR(st.st_mode))) {
      if (m_progress != nullptr) {
        m_progress->excluded.fetch_add(1, std::memory_order_relaxed);
      }
      return std::nullopt;
    }
    Item item;
    Entry& entry = item.entry;
    entry.path = std::move(relative);
    entry.mode = static_cast<std::uint32_t>(st.st_mode & 07777);
    entry.mtime_ns = mtime_ns(st);
    if (S_ISDIR(st.st_mode)) {
      entry.type = EntryType::directory;
      m_pending.push_back(entry.path);
    } else if (S_ISREG(st.st_mode)) {
      entry.type = EntryType::file;
      entry.size = static_cast<std::uint64_t>(st.st_size);
      item.stamp = FileStamp::of(st);
    } else if (S_ISLNK(st.st_mode)) {
      entry.type = EntryType::symlink;
      entry.link_target = read_link(dir_fd, name, st, absolute(entry.path));
      entry.size = entry.link_target.size();
    } else {
      fail(absolute(entry.path),
           std::string("is ") + special_file_kind(st.st_mode) +
               "; a pushed tree holds only directories, regular files and symlinks");
    }
    return item;
  }

  std::string m_root;
  IgnoreRules m_rules;
  bool m_read_ignore_files;
  ScanProgress* m_progress;
  std::vector<std::string> m_pending;        // relative paths of directories not listed yet
  std::string m_dir;                         // relative path of the directory being listed
  std::unique_ptr<DIR, DirCloser> m_handle;  // its handle
  std::vector<std::string> m_names;          // its names
  std::size_t m_next = 0;                    // the next of m_names to describe
};

struct XxhStateFree {
  void operator()(XXH3_state_t* state) const { XXH3_freeState(state); }
};

// What one worker thread reuses from file to file: a read buffer of one block plus the
// unchunked tail of the previous block (less than max_size), and a hash state.
struct Scratch {
  std::vector<std::uint8_t> buffer;
  std::unique_ptr<XXH3_state_t, XxhStateFree> state{XXH3_createState()};
};

// Reads, chunks and hashes one regular file into `entry`, and sets `stamp` to its stat.
// Metadata comes from the open file, so it describes the same inode as the content even if
// the path was replaced meanwhile. Returns whether the ctime stayed the same while the file
// was read (nothing wrote to it and put the mtime back), so the content goes with `stamp`.
bool chunk_file(const std::string& path, Entry& entry, FileStamp& stamp, const Chunker& chunker,
                Scratch& scratch, ScanProgress* progress) {
  // O_NONBLOCK: should the file have become a fifo since the walk, open must not wait.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    fail_errno(path, "cannot open", errno);
  }
  const Fd owned(fd);
  struct stat before;
  if (::fstat(fd, &before) != 0) {
    fail_errno(path, "cannot stat", errno);
  }
  if (!S_ISREG(before.st_mode)) {
    fail(path, "is no longer a regular file");
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

  const std::size_t max_size = chunker.params().max_size;
  const std::size_t capacity = k_block_bytes + max_size;
  if (scratch.buffer.size() < capacity) {
    scratch.buffer.resize(capacity);
  }
  if (!scratch.state) {
    throw std::bad_alloc();
  }
  std::uint8_t* const buffer = scratch.buffer.data();
  XXH3_state_t* const state = scratch.state.get();
  XXH3_128bits_reset(state);

  entry.chunks.clear();
  std::uint64_t total = 0;
  std::size_t filled = 0;
  bool eof = false;
  while (!eof) {
    while (!eof && filled < capacity) {
      const ssize_t n = ::read(fd, buffer + filled, capacity - filled);
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        fail_errno(path, "cannot read", errno);
      }
      if (n == 0) {
        eof = true;
        break;
      }
      XXH3_128bits_update(state, buffer + filled, static_cast<std::size_t>(n));
      filled += static_cast<std::size_t>(n);
      total += static_cast<std::uint64_t>(n);
      if (progress != nullptr) {
        progress->bytes.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
      }
    }
    // Cut only where the chunker sees max_size bytes or the true end of the file, so cut
    // points do not depend on where blocks happen to end.
    std::size_t at = 0;
    while (filled - at >= max_size || (eof && at < filled)) {
      const std::size_t size = chunker.cut(buffer + at, filled - at);
      entry.chunks.push_back(
          ChunkRef{chunk_id(buffer + at, size), static_cast<std::uint32_t>(size)});
      at += size;
    }
    std::memmove(buffer, buffer + at, filled - at);
    filled -= at;
  }

  struct stat after;
  if (::fstat(fd, &after) != 0) {
    fail_errno(path, "cannot stat", errno);
  }
  if (total != static_cast<std::uint64_t>(before.st_size) || after.st_size != before.st_size ||
      mtime_ns(after) != mtime_ns(before)) {
    fail(path, "changed while it was read (" + std::to_string(before.st_size) + " bytes at open, " +
                   std::to_string(total) + " read); push a tree nothing writes to");
  }
  const XXH128_hash_t hash = XXH3_128bits_digest(state);
  entry.hash = ChunkId{hash.low64, hash.high64};
  entry.size = total;
  entry.mode = static_cast<std::uint32_t>(before.st_mode & 07777);
  entry.mtime_ns = mtime_ns(before);
  if (progress != nullptr) {
    progress->files.fetch_add(1, std::memory_order_relaxed);
  }
  stamp = FileStamp::of(before);
  return FileStamp::of(after) == stamp;
}

std::int64_t now_ns() {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

// Writes the cache of this scan: the files whose content goes with their stamp.
void save_cache(const ScanOptions& options, const std::vector<Item>& items) {
  try {
    ScanCacheWriter writer(options.chunker);
    for (const Item& item : items) {
      if (item.entry.type == EntryType::file && item.cacheable) {
        writer.add(item.entry.path, item.stamp, item.entry.hash, item.entry.chunks);
      }
    }
    write_scan_cache(options.cache, writer.finish());
  } catch (const std::exception& e) {
    if (options.on_cache_error) {
      options.on_cache_error(e.what());
    }
  }
}

std::string root_string(const std::filesystem::path& root) {
  std::string path = root.native();
  while (path.size() > 1 && path.back() == '/') {
    path.pop_back();
  }
  return path;
}

}  // namespace

Manifest scan_tree(const std::filesystem::path& root, const ScanOptions& options,
                   ScanProgress* progress) {
  const Chunker chunker(options.chunker);
  IgnoreRules rules;
  for (const std::string& pattern : options.exclude) {
    rules.add_exclude(pattern);
  }
  Walker walker(root_string(root), std::move(rules), options.ignore_files, progress);
  struct stat st;
  if (::stat(walker.root().c_str(), &st) != 0) {
    fail_errno(walker.root(), "cannot stat the tree's root", errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    fail(walker.root(), "the tree's root is not a directory");
  }

  const bool use_cache = !options.cache.empty();
  ScanCache cache = use_cache ? ScanCache::load(options.cache, options.chunker) : ScanCache{};
  // Files changed at or after this instant are read and not cached.
  const std::int64_t racy_from_ns = now_ns() - k_racy_ns;
  // Records taken from the cache, and files read that go into the next one. When every record
  // was taken and nothing new was read, the cache file already says all there is to say.
  std::atomic<std::size_t> hits{0};
  std::atomic<std::size_t> fresh{0};

  tbb::enumerable_thread_specific<Scratch> scratch;
  std::vector<Item> items;
  // Stage contracts: the walk is serial and owns the Walker; the middle stage runs on many
  // files at once, each task owning its Item and its thread's Scratch, and taking from the
  // cache only the record of its own path (the cache is not resized meanwhile); the collect
  // is serial and owns `items`. Tokens bound the files in flight, and so the memory, to a few
  // per thread.
  const auto walk = [&](tbb::flow_control& control) {
    std::optional<Item> item = walker.next();
    if (!item) {
      control.stop();
      return Item{};
    }
    return std::move(*item);
  };
  const auto chunk = [&](Item item) {
    Entry& entry = item.entry;
    if (entry.type != EntryType::file) {
      return item;
    }
    if (item.stamp.mtime_ns < racy_from_ns) {
      if (CachedFile* cached = cache.find(entry.path, item.stamp)) {
        entry.hash = cached->hash;
        entry.chunks = std::move(cached->chunks);
        item.cacheable = true;
        hits.fetch_add(1, std::memory_order_relaxed);
        if (progress != nullptr) {
          progress->files_cached.fetch_add(1, std::memory_order_relaxed);
        }
        return item;
      }
    }
    const bool stable = chunk_file(walker.absolute(entry.path), entry, item.stamp, chunker,
                                   scratch.local(), progress);
    item.cacheable = use_cache && stable && item.stamp.mtime_ns < racy_from_ns;
    if (item.cacheable) {
      fresh.fetch_add(1, std::memory_order_relaxed);
    }
    return item;
  };
  const auto collect = [&](Item item) { items.push_back(std::move(item)); };
  const auto run = [&] {
    const auto tokens = static_cast<std::size_t>(4 * tbb::this_task_arena::max_concurrency());
    tbb::parallel_pipeline(
        tokens, tbb::make_filter<void, Item>(tbb::filter_mode::serial_in_order, walk) &
                    tbb::make_filter<Item, Item>(tbb::filter_mode::parallel, chunk) &
                    tbb::make_filter<Item, void>(tbb::filter_mode::serial_out_of_order, collect));
  };
  if (options.threads == 0) {
    run();
  } else {
    // oneTBB caps its workers at the cores anyway, and warns on stderr when asked for more.
    const std::size_t cores = static_cast<std::size_t>(tbb::info::default_concurrency());
    tbb::task_arena arena(static_cast<int>(std::min(options.threads, cores)));
    arena.execute(run);
  }

  std::sort(items.begin(), items.end(),
            [](const Item& a, const Item& b) { return a.entry.path < b.entry.path; });
  if (use_cache && !(cache.valid() && hits == cache.size() && fresh == 0)) {
    save_cache(options, items);
  }
  Manifest manifest;
  manifest.entries.reserve(items.size());
  for (Item& item : items) {
    manifest.entries.push_back(std::move(item.entry));
  }
  return manifest;
}

}  // namespace ferry::transfer
