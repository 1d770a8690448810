#include "ferry/transfer/receiver.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <list>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "ferry/common/error.hpp"
#include "ferry/common/node_layout.hpp"
#include "ferry/common/safe_fs.hpp"
#include "ferry/transfer/delta.hpp"

namespace ferry::transfer {
namespace {

constexpr std::size_t k_open_files = 32;

[[noreturn]] void sys_error(std::string_view what, std::string_view where) {
  throw Error(ErrorKind::failure, fmt::format("{} {}: {}", what, where, std::strerror(errno)));
}

std::string parent_of(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(path.substr(0, slash));
}
std::string base_of(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// The directory `rel` beneath dir_fd, or dir_fd itself (a new handle) when rel is empty.
Fd open_dir_or_self(int dir_fd, const std::string& rel) {
  if (!rel.empty())
    return open_dir_beneath(dir_fd, rel, false);
  const int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    sys_error("cannot open", "a directory");
  return Fd(fd);
}

std::int64_t mtime_ns(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}
struct timespec to_timespec(std::int64_t ns) {
  struct timespec ts {};
  ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  if (ts.tv_nsec < 0) {
    ts.tv_sec -= 1;
    ts.tv_nsec += 1'000'000'000;
  }
  return ts;
}

void pread_exact(int fd, char* data, std::size_t size, std::uint64_t offset,
                 std::string_view where) {
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = ::pread(fd, data + got, size - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      sys_error("cannot read", where);
    if (n == 0)
      throw Error(ErrorKind::failure, fmt::format("{} is shorter than its manifest says", where));
    got += static_cast<std::size_t>(n);
  }
}

std::string read_file(int dir_fd, std::string_view rel) {
  return read_all(open_file_beneath(dir_fd, rel).get(), rel);
}

// Writes `bytes` to dir_fd/name atomically: a temporary file, fsync, rename.
void write_file_atomic(int dir_fd, const std::string& name, std::string_view bytes) {
  const std::string tmp = name + ".tmp";
  ::unlinkat(dir_fd, tmp.c_str(), 0);
  {
    Fd fd = create_file_beneath(dir_fd, tmp, 0644);
    write_all(fd.get(), bytes.data(), bytes.size(), tmp);
    fsync_fd(fd.get(), tmp);
  }
  if (::renameat(dir_fd, tmp.c_str(), dir_fd, name.c_str()) != 0)
    sys_error("cannot rename to", name);
  fsync_fd(dir_fd, name);
}

bool exists_at(int dir_fd, const std::string& rel, struct stat& st) {
  return ::fstatat(dir_fd, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

// Where a chunk's bytes can be read on this node: a file (relative to ROOT) and an offset.
struct Location {
  std::uint32_t source = 0;
  std::uint64_t offset = 0;
};

struct ContentKey {
  ChunkId hash;
  std::uint64_t size;
  std::uint32_t mode;
  std::int64_t mtime_ns;
  bool operator==(const ContentKey&) const = default;
};
struct ContentKeyHash {
  std::size_t operator()(const ContentKey& k) const noexcept {
    return static_cast<std::size_t>(k.hash.low ^ (k.size * 0x9e3779b97f4a7c15ULL));
  }
};

// How one file of the new release comes to be.
enum class Action : std::uint8_t { link, resumed, assemble, delta };
struct Piece {
  bool remote = false;
  Location local;
};
struct FilePlan {
  std::size_t entry = 0;
  Action action = Action::assemble;
  std::uint32_t source = 0;   // link / resumed: the file to take; delta: the older copy
  ChunkId base;               // delta: the older copy's hash
  std::vector<Piece> pieces;  // assemble: one per chunk
};

// A file of a complete release, by its path in that release: an older copy a delta may be
// made against.
struct BaseFile {
  ChunkId hash;
  std::uint32_t source = 0;
};

// Everything the node already has: files of complete releases whose size and mtime still
// match their manifests, and the salvage of an interrupted push.
class LocalIndex {
 public:
  std::uint32_t add_source(std::string path) {
    m_sources.push_back(std::move(path));
    return static_cast<std::uint32_t>(m_sources.size() - 1);
  }
  const std::string& source(std::uint32_t i) const { return m_sources[i]; }
  void add_chunks(std::uint32_t source, const std::vector<ChunkRef>& chunks,
                  std::size_t count = static_cast<std::size_t>(-1)) {
    std::uint64_t offset = 0;
    for (std::size_t i = 0; i < chunks.size() && i < count; ++i) {
      m_chunks.try_emplace(chunks[i].id, Location{source, offset});
      offset += chunks[i].size;
    }
  }
  void add_chunk(const ChunkId& id, Location at) { m_chunks.try_emplace(id, at); }
  void add_file(const Entry& e, std::uint32_t source) {
    m_files.try_emplace(ContentKey{e.hash, e.size, e.mode, e.mtime_ns}, source);
  }
  const Location* chunk(const ChunkId& id) const {
    const auto it = m_chunks.find(id);
    return it == m_chunks.end() ? nullptr : &it->second;
  }
  std::optional<std::uint32_t> file(const Entry& e) const {
    const auto it = m_files.find(ContentKey{e.hash, e.size, e.mode, e.mtime_ns});
    if (it == m_files.end())
      return std::nullopt;
    return it->second;
  }
  std::size_t chunk_count() const { return m_chunks.size(); }

 private:
  std::vector<std::string> m_sources;
  std::unordered_map<ChunkId, Location, Hash128Hash> m_chunks;
  std::unordered_map<ContentKey, std::uint32_t, ContentKeyHash> m_files;
};

// Open handles keyed by what they were opened for, the most recently used k_open_files of
// them: entries arrive sorted by path, so a few stay hot.
template <typename Key>
class HandleCache {
 public:
  template <typename Open>
  int get(const Key& key, Open&& open) {
    for (auto it = m_open.begin(); it != m_open.end(); ++it) {
      if (it->first == key) {
        m_open.splice(m_open.begin(), m_open, it);
        return it->second.get();
      }
    }
    if (m_open.size() >= k_open_files)
      m_open.pop_back();
    m_open.emplace_front(key, open());
    return m_open.front().second.get();
  }

 private:
  std::list<std::pair<Key, Fd>> m_open;
};

// Read handles of the index's source files.
class SourceFiles {
 public:
  SourceFiles(int root_fd, const LocalIndex& index) : m_root(root_fd), m_index(index) {}
  void read(const Location& at, char* data, std::size_t size) {
    const std::string& path = m_index.source(at.source);
    const int fd = m_files.get(at.source, [&] { return open_file_beneath(m_root, path); });
    pread_exact(fd, data, size, at.offset, path);
  }

 private:
  int m_root;
  const LocalIndex& m_index;
  HandleCache<std::uint32_t> m_files;
};

// Directory handles beneath a base directory, never through a link.
class DirHandles {
 public:
  explicit DirHandles(int base_fd) : m_base(base_fd) {}
  int get(const std::string& rel) {
    if (rel.empty())
      return m_base;
    return m_dirs.get(rel, [&] { return open_dir_beneath(m_base, rel, false); });
  }

 private:
  int m_base;
  HandleCache<std::string> m_dirs;
};

std::string resume_name(std::string_view path) {
  return fmt::format("{:016x}", XXH3_64bits(path.data(), path.size()));
}

// How many leading chunks of `e` the file at fd holds intact.
std::size_t intact_prefix(int fd, const Entry& e, std::uint64_t file_size, std::string& buffer) {
  std::uint64_t offset = 0;
  std::size_t n = 0;
  for (const ChunkRef& c : e.chunks) {
    if (offset + c.size > file_size)
      break;
    buffer.resize(c.size);
    pread_exact(fd, buffer.data(), c.size, offset, e.path);
    if (!(chunk_id(buffer.data(), c.size) == c.id))
      break;
    offset += c.size;
    ++n;
  }
  return n;
}

class Receiver {
 public:
  Receiver(Channel& channel, int root_fd, std::string root_display, const nlohmann::json& request)
      : m_channel(channel), m_root(root_fd), m_display(std::move(root_display)) {
    if (!request.contains("release") || !request["release"].is_string())
      throw Error(ErrorKind::usage, "push request without a release name");
    m_name = request["release"].get<std::string>();
    node::check_release_name(m_name);
    m_dry_run = request.value("dry_run", false);
    m_deltas = !m_dry_run && request.value("deltas", false);
    m_partial = m_name + std::string(node::partial_suffix);
    m_partial_rel = std::string(node::releases_dir) + "/" + m_partial;
  }

  nlohmann::json run() {
    const auto start = std::chrono::steady_clock::now();
    const std::string encoded = decompress_manifest(m_channel.expect(FrameType::manifest).payload);
    m_manifest = decode(encoded);  // validate_manifest(): nothing below trusts it unchecked

    struct stat st {};
    const bool fresh = !exists_at(m_root, std::string(node::releases_dir), st) ||
                       !exists_at(m_root, std::string(node::state_dir), st);
    if (fresh && m_dry_run) {
      plan();  // a node that has never had a push: everything is new
      return send_plan();
    }
    m_releases = open_dir_beneath(m_root, node::releases_dir, true);
    m_state = open_dir_beneath(m_root, node::state_dir, true);
    m_manifests = open_dir_beneath(m_state.get(), node::manifests_dir, true);

    if (exists_at(m_releases.get(), m_name, st)) {
      std::string stored;
      try {
        stored = read_file(m_manifests.get(), m_name);
      } catch (const Error&) {
      }
      if (stored != encoded) {
        throw Error(ErrorKind::usage,
                    fmt::format("release {} already exists on {} with other content; releases "
                                "are immutable, push under a new name",
                                m_name, m_display));
      }
      nlohmann::json reply = {{"status", "unchanged"}, {"release", m_name}};
      m_channel.send_json(FrameType::reply, reply);
      return reply;
    }

    index_releases();
    if (!m_dry_run)
      salvage();
    const LocalIndex before_plan = m_index;
    plan();
    nlohmann::json plan_reply = send_plan();
    if (m_dry_run)
      return plan_reply;
    m_channel.send(FrameType::need, encode_chunk_ids(m_need));
    if (m_deltas) {
      const std::map<std::size_t, BaseFile> deltas = agree_deltas();
      m_index = before_plan;
      plan(deltas);
      m_channel.send(FrameType::need, encode_chunk_ids(m_need));
    }

    stage();
    m_channel.expect(FrameType::end);
    publish(encoded);
    nlohmann::json done = plan_json();
    done["status"] = "staged";
    done["bytes_received"] = m_channel.bytes_received();
    done["seconds"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    m_channel.send_json(FrameType::reply, done);
    return done;
  }

 private:
  nlohmann::json send_plan() {
    nlohmann::json plan_reply = plan_json();
    if (m_new_bytes > plan_reply["free_bytes"].get<std::uint64_t>()) {
      throw Error(ErrorKind::failure,
                  fmt::format("not enough space on {}: release {} needs {} new bytes, {} are "
                              "available; free some space (ferry release purge) and push again",
                              m_display, m_name, m_new_bytes, plan_reply["free_bytes"].dump()));
    }
    m_channel.send_json(FrameType::reply, plan_reply);
    return plan_reply;
  }

  nlohmann::json plan_json() const {
    const std::uint64_t free = free_bytes(m_root);
    nlohmann::json plan_reply = {
        {"status", m_dry_run ? "planned" : "staging"},
        {"release", m_name},
        {"files", m_files},
        {"linked", m_linked},
        {"resumed", m_resumed},
        {"assembled", m_assembled},
        {"new_bytes", m_new_bytes},
        {"need_chunks", m_need.size()},
        {"need_bytes", m_need_bytes},
        {"free_bytes", free},
    };
    // Only to a sender that asked: it then waits for a bases frame after the need list.
    if (m_deltas) {
      plan_reply["deltas"] = true;
      plan_reply["delta_files"] = m_delta_files;
    }
    return plan_reply;
  }

  // Offers the sender an older copy of each file it must send chunks of, for every distinct
  // content that path has in the complete releases, and reads which files the sender will
  // send as deltas against which copy. Returns those: entry -> the copy.
  std::map<std::size_t, BaseFile> agree_deltas() {
    std::vector<DeltaRef> offers;
    for (const FilePlan& file : m_plan) {
      const Entry& e = m_manifest.entries[file.entry];
      const bool lacking = std::any_of(file.pieces.begin(), file.pieces.end(),
                                       [](const Piece& p) { return p.remote; });
      if (file.action != Action::assemble || !lacking || e.size > k_max_delta_file)
        continue;
      const auto it = m_bases.find(e.path);
      if (it == m_bases.end())
        continue;
      for (const BaseFile& base : it->second) {
        if (!(base.hash == e.hash))
          offers.push_back(DeltaRef{static_cast<std::uint32_t>(file.entry), base.hash});
      }
    }
    m_channel.send(FrameType::bases, encode_delta_refs(offers));
    std::unordered_set<ChunkId, Hash128Hash> offered_for_entry;  // of the entry being read
    std::size_t next_offer = 0;
    std::map<std::size_t, BaseFile> chosen;
    for (const DeltaRef& ref : decode_delta_refs(m_channel.expect(FrameType::deltas).payload)) {
      // Offers and choices both ascend by entry: walk the offers up to this entry.
      if (chosen.empty() || chosen.rbegin()->first < ref.entry) {
        offered_for_entry.clear();
        while (next_offer < offers.size() && offers[next_offer].entry < ref.entry)
          ++next_offer;
        for (; next_offer < offers.size() && offers[next_offer].entry == ref.entry; ++next_offer)
          offered_for_entry.insert(offers[next_offer].base);
      }
      const bool was_offered = (chosen.empty() || chosen.rbegin()->first < ref.entry) &&
                               offered_for_entry.contains(ref.base);
      if (!was_offered) {
        throw Error(ErrorKind::failure,
                    fmt::format("protocol error: a delta for entry {} against {}, which was not "
                                "offered (or out of order)",
                                ref.entry, ref.base.hex()));
      }
      const auto& bases = m_bases.at(m_manifest.entries[ref.entry].path);
      chosen.emplace(ref.entry, *std::find_if(bases.begin(), bases.end(), [&](const BaseFile& b) {
                       return b.hash == ref.base;
                     }));
    }
    return chosen;
  }

  // The files of complete releases that still look as their manifests say.
  void index_releases() {
    for (const std::string& name : read_dir_names(m_releases.get())) {
      if (name.ends_with(node::partial_suffix) || name.starts_with("."))
        continue;
      Manifest manifest;
      try {
        manifest = decode(read_file(m_manifests.get(), name));
      } catch (const Error&) {
        continue;  // not pushed by ferry, or its manifest is gone: nothing to reuse
      }
      const std::string prefix = std::string(node::releases_dir) + "/" + name + "/";
      Fd release;
      try {
        release = open_dir_beneath(m_releases.get(), name, false);
      } catch (const Error&) {
        continue;
      }
      // Stat each file by its name in its directory: the directories stay open while the
      // sorted entries pass through them, instead of walking the whole path every time.
      DirHandles dirs(release.get());
      for (const Entry& e : manifest.entries) {
        if (e.type != EntryType::file || e.size == 0)
          continue;
        struct stat st {};
        int dir = -1;
        try {
          dir = dirs.get(parent_of(e.path));
        } catch (const Error&) {
          continue;  // a directory that is gone or was replaced: nothing to reuse there
        }
        if (!exists_at(dir, base_of(e.path), st) || !S_ISREG(st.st_mode) ||
            static_cast<std::uint64_t>(st.st_size) != e.size || mtime_ns(st) != e.mtime_ns ||
            (st.st_mode & 07777) != e.mode) {
          continue;
        }
        const std::uint32_t source = m_index.add_source(prefix + e.path);
        m_index.add_chunks(source, e.chunks);
        m_index.add_file(e, source);
        if (m_deltas && e.size <= k_max_delta_file) {
          auto& bases = m_bases[e.path];
          if (std::none_of(bases.begin(), bases.end(),
                           [&](const BaseFile& b) { return b.hash == e.hash; }))
            bases.push_back(BaseFile{e.hash, source});
        }
      }
    }
  }

  // An earlier push of this release was interrupted: moves its files to .ferry/resume/,
  // keyed by path, and clears the staging directory. What they hold is used again.
  void salvage() {
    struct stat st {};
    const bool had_partial = exists_at(m_releases.get(), m_partial, st);
    if (!had_partial && !exists_at(m_state.get(), "resume", st))
      return;
    m_resume = open_dir_beneath(m_state.get(), "resume", true);
    if (had_partial && S_ISDIR(st.st_mode)) {
      Fd partial = open_dir_beneath(m_releases.get(), m_partial, false);
      for (const Entry& e : m_manifest.entries) {
        if (e.type != EntryType::file || e.size == 0)
          continue;
        // Only real files beneath real directories are kept; anything else (a link planted
        // in the staging area, say) is dropped with the rest of it below.
        try {
          Fd parent = open_dir_or_self(partial.get(), parent_of(e.path));
          const std::string base = base_of(e.path);
          struct stat fst {};
          if (!exists_at(parent.get(), base, fst) || !S_ISREG(fst.st_mode))
            continue;
          if (::renameat(parent.get(), base.c_str(), m_resume.get(), resume_name(e.path).c_str()) !=
              0) {
            sys_error("cannot move aside", e.path);
          }
        } catch (const Error&) {
          continue;
        }
      }
    }
    if (had_partial)
      remove_tree_beneath(m_releases.get(), m_partial);
    const std::string prefix = std::string(node::state_dir) + "/resume/";
    std::string buffer;
    for (std::size_t i = 0; i < m_manifest.entries.size(); ++i) {
      const Entry& e = m_manifest.entries[i];
      if (e.type != EntryType::file || e.size == 0)
        continue;
      const std::string name = resume_name(e.path);
      struct stat fst {};
      if (!exists_at(m_resume.get(), name, fst) || !S_ISREG(fst.st_mode))
        continue;
      Fd fd = open_file_beneath(m_resume.get(), name);
      const std::size_t intact =
          intact_prefix(fd.get(), e, static_cast<std::uint64_t>(fst.st_size), buffer);
      const std::uint32_t source = m_index.add_source(prefix + name);
      // A file with other names (hard-linked from a release by the interrupted push) is only
      // read from: setting its mode or mtime would change that release too.
      if (intact == e.chunks.size() && static_cast<std::uint64_t>(fst.st_size) == e.size &&
          fst.st_nlink == 1) {
        m_complete.emplace(i, source);
      }
      m_index.add_chunks(source, e.chunks, intact);
    }
  }

  // What each file comes from, and the chunks to ask for. `deltas`: files that come whole as
  // deltas; their chunks are not asked for, nor offered to later files (a delta file is
  // written after every chunk has arrived).
  void plan(const std::map<std::size_t, BaseFile>& deltas = {}) {
    m_plan.clear();
    m_need.clear();
    m_need_bytes = m_new_bytes = 0;
    m_files = m_linked = m_resumed = m_assembled = m_delta_files = 0;
    std::unordered_set<ChunkId, Hash128Hash> needed;
    const std::string prefix = m_partial_rel + "/";
    for (std::size_t i = 0; i < m_manifest.entries.size(); ++i) {
      const Entry& e = m_manifest.entries[i];
      if (e.type != EntryType::file)
        continue;
      ++m_files;
      FilePlan file{.entry = i};
      if (const auto it = m_complete.find(i); it != m_complete.end()) {
        file.action = Action::resumed;
        file.source = it->second;
        ++m_resumed;
      } else if (const auto linked = e.size > 0 ? m_index.file(e) : std::nullopt) {
        file.action = Action::link;
        file.source = *linked;
        ++m_linked;
      } else if (const auto delta = deltas.find(i); delta != deltas.end()) {
        file.action = Action::delta;
        file.source = delta->second.source;
        file.base = delta->second.hash;
        ++m_assembled;
        ++m_delta_files;
        m_new_bytes += e.size;
      } else {
        file.action = Action::assemble;
        ++m_assembled;
        m_new_bytes += e.size;
        const std::uint32_t self = m_index.add_source(prefix + e.path);
        std::uint64_t offset = 0;
        for (const ChunkRef& c : e.chunks) {
          Piece piece;
          if (const Location* at = m_index.chunk(c.id)) {
            piece.local = *at;
          } else {
            piece.remote = true;
            if (needed.insert(c.id).second) {
              m_need.push_back(c.id);
              m_need_bytes += c.size;
            }
          }
          file.pieces.push_back(piece);
          // Once written, this chunk can be read back from here by later pieces.
          m_index.add_chunk(c.id, Location{self, offset});
          offset += c.size;
        }
      }
      m_plan.push_back(std::move(file));
    }
  }

  void stage() {
    if (::mkdirat(m_releases.get(), m_partial.c_str(), 0700) != 0)
      sys_error("cannot create", m_partial_rel);
    m_staging = open_dir_beneath(m_releases.get(), m_partial, false);
    DirHandles dirs(m_staging.get());
    DirHandles source_dirs(m_root);
    for (const Entry& e : m_manifest.entries) {
      if (e.type != EntryType::directory)
        continue;
      const int parent = dirs.get(parent_of(e.path));
      if (::mkdirat(parent, base_of(e.path).c_str(), 0700) != 0)
        sys_error("cannot create directory", e.path);
    }
    SourceFiles sources(m_root, m_index);
    std::string data;
    for (const FilePlan& file : m_plan) {
      const Entry& e = m_manifest.entries[file.entry];
      const int parent = dirs.get(parent_of(e.path));
      const std::string base = base_of(e.path);
      if (file.action == Action::link)
        link_file(file, e, parent, base, source_dirs);
      if (file.action != Action::assemble)
        continue;
      Fd out = create_file_beneath(parent, base, 0600);
      XXH3_state_t* state = XXH3_createState();
      XXH3_128bits_reset(state);
      try {
        for (std::size_t p = 0; p < e.chunks.size(); ++p) {
          const ChunkRef& c = e.chunks[p];
          const Piece& piece = file.pieces[p];
          if (piece.remote) {
            receive_chunk(c, data);
          } else {
            const Location at = piece.local;
            data.resize(c.size);
            sources.read(at, data.data(), c.size);
            if (!(chunk_id(data.data(), c.size) == c.id)) {
              throw Error(ErrorKind::failure,
                          fmt::format("{} on {} changed since it was written; run the push again",
                                      m_index.source(at.source), m_display));
            }
          }
          XXH3_128bits_update(state, data.data(), data.size());
          write_all(out.get(), data.data(), data.size(), e.path);
        }
      } catch (...) {
        XXH3_freeState(state);
        throw;
      }
      const XXH128_hash_t h = XXH3_128bits_digest(state);
      XXH3_freeState(state);
      if (!(ChunkId{h.low64, h.high64} == e.hash)) {
        throw Error(
            ErrorKind::failure,
            fmt::format("{}: the assembled file does not match the manifest's hash", e.path));
      }
      set_mode_and_mtime(out.get(), e);
    }
    // The deltas come after the last chunk, in the order of their files.
    for (const FilePlan& file : m_plan) {
      if (file.action == Action::delta) {
        const Entry& e = m_manifest.entries[file.entry];
        receive_delta(file, e, dirs.get(parent_of(e.path)), base_of(e.path));
      }
    }
    // Salvaged complete files go back in place last: until now, others may read chunks there.
    for (const FilePlan& file : m_plan) {
      if (file.action == Action::resumed) {
        const Entry& e = m_manifest.entries[file.entry];
        link_file(file, e, dirs.get(parent_of(e.path)), base_of(e.path), source_dirs);
      }
    }
    for (const Entry& e : m_manifest.entries) {
      if (e.type != EntryType::symlink)
        continue;
      const int parent = dirs.get(parent_of(e.path));
      const std::string base = base_of(e.path);
      if (::symlinkat(e.link_target.c_str(), parent, base.c_str()) != 0)
        sys_error("cannot create symlink", e.path);
      const struct timespec times[2] = {to_timespec(e.mtime_ns), to_timespec(e.mtime_ns)};
      if (::utimensat(parent, base.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
        sys_error("cannot set the mtime of", e.path);
    }
    // Directories last, deepest first, so that creating their contents does not move mtimes.
    for (auto it = m_manifest.entries.rbegin(); it != m_manifest.entries.rend(); ++it) {
      if (it->type != EntryType::directory)
        continue;
      const int parent = dirs.get(parent_of(it->path));
      const std::string base = base_of(it->path);
      if (::fchmodat(parent, base.c_str(), it->mode, 0) != 0)
        sys_error("cannot set the mode of", it->path);
      const struct timespec times[2] = {to_timespec(it->mtime_ns), to_timespec(it->mtime_ns)};
      if (::utimensat(parent, base.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
        sys_error("cannot set the mtime of", it->path);
    }
  }

  void set_mode_and_mtime(int fd, const Entry& e) {
    if (::fchmod(fd, e.mode) != 0)
      sys_error("cannot set the mode of", e.path);
    const struct timespec times[2] = {to_timespec(e.mtime_ns), to_timespec(e.mtime_ns)};
    if (::futimens(fd, times) != 0)
      sys_error("cannot set the mtime of", e.path);
  }

  // A file rebuilt from its older copy on this node and the sender's delta, and checked
  // against the manifest's hash like any assembled file: a delta made against another copy
  // fails here, naming the file, and the release is not published.
  void receive_delta(const FilePlan& file, const Entry& e, int parent, const std::string& name) {
    const Frame frame = m_channel.expect(FrameType::delta);
    const DeltaFrame delta = decode_delta_frame(frame.payload);
    if (delta.ref.entry != file.entry || !(delta.ref.base == file.base)) {
      throw Error(ErrorKind::failure,
                  fmt::format("protocol error: a delta for entry {} arrived where {} was expected",
                              delta.ref.entry, e.path));
    }
    const std::string& from = m_index.source(file.source);
    const std::string base = read_file(m_root, from);
    if (!(chunk_id(base.data(), base.size()) == file.base)) {
      throw Error(ErrorKind::failure,
                  fmt::format("{} on {} changed since it was written; run the push again", from,
                              m_display));
    }
    std::string content;
    try {
      content = decompress_delta(base, delta.data, e.size);
    } catch (const Error& error) {
      throw Error(ErrorKind::failure, fmt::format("{}: {} ({})", e.path, error.what(), from));
    }
    if (!(chunk_id(content.data(), content.size()) == e.hash)) {
      throw Error(ErrorKind::failure,
                  fmt::format("{}: the file rebuilt from its delta against {} does not match "
                              "the manifest's hash",
                              e.path, from));
    }
    Fd out = create_file_beneath(parent, name, 0600);
    write_all(out.get(), content.data(), content.size(), e.path);
    set_mode_and_mtime(out.get(), e);
  }

  void receive_chunk(const ChunkRef& c, std::string& data) {
    const Frame frame = m_channel.expect(FrameType::chunk);
    ChunkFrame chunk;
    decode_chunk_frame(frame.payload, chunk);
    if (!(chunk.id == c.id)) {
      throw Error(ErrorKind::failure, fmt::format("protocol error: chunk {} arrived where {} was "
                                                  "expected",
                                                  chunk.id.hex(), c.id.hex()));
    }
    data = std::move(chunk.data);
  }

  // A file the node has already: hard-linked from an earlier release, or moved back from
  // the salvage of an interrupted push.
  void link_file(const FilePlan& file, const Entry& e, int parent, const std::string& base,
                 DirHandles& source_dirs) {
    const std::string& from = m_index.source(file.source);
    const int from_dir = source_dirs.get(parent_of(from));
    const std::string from_base = base_of(from);
    if (file.action == Action::resumed) {
      if (::renameat(from_dir, from_base.c_str(), parent, base.c_str()) != 0)
        sys_error("cannot move back", e.path);
      Fd fd = open_file_beneath(parent, base);
      const struct timespec times[2] = {to_timespec(e.mtime_ns), to_timespec(e.mtime_ns)};
      if (::fchmod(fd.get(), e.mode) != 0 || ::futimens(fd.get(), times) != 0)
        sys_error("cannot set the mode and mtime of", e.path);
      return;
    }
    if (::linkat(from_dir, from_base.c_str(), parent, base.c_str(), 0) != 0)
      sys_error("cannot hard-link", from);
  }

  void publish(std::string_view manifest_bytes) {
    write_file_atomic(m_manifests.get(), m_name, manifest_bytes);
    if (::fchmod(m_staging.get(), 0755) != 0)
      sys_error("cannot set the mode of", m_partial_rel);
    if (::syncfs(m_staging.get()) != 0)
      sys_error("cannot sync", m_partial_rel);
    if (::renameat(m_releases.get(), m_partial.c_str(), m_releases.get(), m_name.c_str()) != 0)
      sys_error("cannot publish", m_partial_rel);
    fsync_fd(m_releases.get(), node::releases_dir);
    if (m_resume)
      remove_tree_beneath(m_state.get(), "resume");
  }

  Channel& m_channel;
  int m_root;
  std::string m_display;
  std::string m_name;
  std::string m_partial;
  std::string m_partial_rel;
  bool m_dry_run = false;
  bool m_deltas = false;  // the sender asked for delta offers
  Manifest m_manifest;
  Fd m_releases, m_state, m_manifests, m_resume, m_staging;
  LocalIndex m_index;
  std::map<std::size_t, std::uint32_t> m_complete;  // entry -> salvaged complete file
  std::vector<FilePlan> m_plan;
  std::vector<ChunkId> m_need;
  std::uint64_t m_need_bytes = 0, m_new_bytes = 0;
  std::size_t m_files = 0, m_linked = 0, m_resumed = 0, m_assembled = 0, m_delta_files = 0;
  // Older copies of each path in the complete releases, one per distinct content.
  std::unordered_map<std::string, std::vector<BaseFile>> m_bases;
};

}  // namespace

nlohmann::json receive_push(Channel& channel, int root_fd, const std::string& root_display,
                            const nlohmann::json& request) {
  Receiver receiver(channel, root_fd, root_display, request);
  return receiver.run();
}

}  // namespace ferry::transfer
