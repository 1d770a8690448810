#include "ferry/deploy_hooks/releases.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <iterator>
#include <map>
#include <tuple>
#include <utility>

#include "ferry/common/error.hpp"
#include "ferry/common/node_layout.hpp"

namespace ferry::deploy_hooks {
namespace {

// A history line "rollback NAME": a space is never part of a release name.
constexpr std::string_view k_rollback_mark = "rollback ";

std::string sys_message(int err) {
  return std::strerror(err);
}

// fstatat without following a link at the last component; false when it does not exist.
bool stat_entry(int dir_fd, const std::string& name, struct stat& st) {
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
    return true;
  if (errno == ENOENT)
    return false;
  throw Error(ErrorKind::failure, "cannot inspect " + path_beneath(dir_fd, name) + ": " +
                                      sys_message(errno) + "; check its permissions");
}

std::int64_t mtime_ns(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

// Which release of the root each multiply-linked inode was first met in (list order).
using FirstSeen = std::map<std::pair<dev_t, ino_t>, std::size_t>;

// Adds the apparent size of the regular files beneath `dir_fd` to info.bytes, or to
// info.shared_bytes for an inode met in an earlier release; an inode met before in this
// release counts once. Only multiply-linked inodes can be met twice, so only those are
// remembered.
void add_tree_bytes(int dir_fd, std::size_t release, FirstSeen& seen, ReleaseInfo& info) {
  for (const std::string& name : read_dir_names(dir_fd)) {
    struct stat st {};
    if (!stat_entry(dir_fd, name, st))
      continue;
    if (S_ISREG(st.st_mode)) {
      const auto size = static_cast<std::uint64_t>(st.st_size);
      if (st.st_nlink <= 1) {
        info.bytes += size;
        continue;
      }
      const auto [it, added] = seen.emplace(std::pair(st.st_dev, st.st_ino), release);
      if (added)
        info.bytes += size;
      else if (it->second < release) {
        info.shared_bytes += size;
        it->second = release;  // counted in this release now; not again
      }
    } else if (S_ISDIR(st.st_mode)) {
      const Fd sub = open_dir_beneath(dir_fd, name, false);
      add_tree_bytes(sub.get(), release, seen, info);
    }
  }
}

}  // namespace

ReleaseRoot ReleaseRoot::open(const std::filesystem::path& root, bool create) {
  Fd fd = open_root(root, create);
  if (create) {
    open_dir_beneath(fd.get(), node::releases_dir, true);
    const std::string manifests =
        std::string(node::state_dir) + "/" + std::string(node::manifests_dir);
    open_dir_beneath(fd.get(), manifests, true);
  }
  return ReleaseRoot(root, std::move(fd));
}

FileLock ReleaseRoot::lock() {
  const Fd state = open_dir_beneath(m_fd.get(), node::state_dir, true);
  std::optional<FileLock> lock = FileLock::try_acquire(state.get(), node::lock_file);
  if (!lock) {
    std::string holder = FileLock::holder(state.get(), node::lock_file);
    if (holder.empty())
      holder = "another process";
    throw Error(ErrorKind::failure,
                "release root " + m_path.string() + " is locked by " + holder +
                    "; wait for its push, flip or purge to finish, then retry",
                /*retryable=*/true);
  }
  return std::move(*lock);
}

std::vector<ReleaseRoot::Entry> ReleaseRoot::scan() const {
  std::vector<Entry> releases;
  const std::optional<Fd> dir = open_dir_beneath_if_exists(m_fd.get(), node::releases_dir);
  if (!dir)
    return releases;
  for (std::string& name : read_dir_names(dir->get())) {
    if (!node::is_valid_release_name(name))
      continue;
    struct stat st {};
    if (stat_entry(dir->get(), name, st) && S_ISDIR(st.st_mode))
      releases.push_back({std::move(name), mtime_ns(st)});
  }
  std::sort(releases.begin(), releases.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.completed_ns, a.name) < std::tie(b.completed_ns, b.name);
  });
  return releases;
}

bool ReleaseRoot::is_complete(std::string_view name) const {
  if (!node::is_valid_release_name(name))
    return false;
  const std::optional<Fd> dir = open_dir_beneath_if_exists(m_fd.get(), node::releases_dir);
  struct stat st {};
  return dir && stat_entry(dir->get(), std::string(name), st) && S_ISDIR(st.st_mode);
}

std::vector<ReleaseInfo> ReleaseRoot::list() const {
  const std::vector<Entry> releases = scan();
  // Lenient: the list is what an operator reads to repair a broken `current`.
  const std::optional<std::string> current = read_current(/*strict=*/false);
  const std::optional<std::string> previous =
      current ? previous_of(releases, *current) : std::nullopt;
  std::vector<ReleaseInfo> infos;
  if (releases.empty())
    return infos;
  const Fd dir = open_dir_beneath(m_fd.get(), node::releases_dir, false);
  // Oldest first, so a file hard-linked into later releases is new in the one that brought it
  // and shared in the later ones.
  FirstSeen seen;
  for (const Entry& e : releases) {
    ReleaseInfo info{.name = e.name, .completed_ns = e.completed_ns};
    const Fd release = open_dir_beneath(dir.get(), e.name, false);
    add_tree_bytes(release.get(), infos.size(), seen, info);
    info.current = current == e.name;
    info.previous = previous == e.name;
    infos.push_back(std::move(info));
  }
  return infos;
}

std::optional<std::string> ReleaseRoot::current() const {
  return read_current(/*strict=*/true);
}

std::optional<std::string> ReleaseRoot::read_current(bool strict) const {
  const std::string link = m_path.string() + "/" + std::string(node::current_link);
  std::string target(PATH_MAX, '\0');
  const ssize_t n = ::readlinkat(m_fd.get(), std::string(node::current_link).c_str(), target.data(),
                                 target.size());
  if (n < 0) {
    if (errno == ENOENT)
      return std::nullopt;
    if (!strict)
      return std::nullopt;
    if (errno == EINVAL) {
      throw Error(ErrorKind::failure, link +
                                          " is not a symlink; ferry keeps it as a link to "
                                          "releases/NAME: move it away, then flip to a release");
    }
    throw Error(ErrorKind::failure,
                "cannot read " + link + ": " + sys_message(errno) + "; check its permissions");
  }
  target.resize(static_cast<std::size_t>(n));
  std::string_view t = target;
  while (t.size() > 1 && t.back() == '/')
    t.remove_suffix(1);
  const std::filesystem::path p = std::filesystem::path(t).lexically_normal();
  const std::filesystem::path releases = p.is_absolute()
                                             ? (m_path / node::releases_dir).lexically_normal()
                                             : std::filesystem::path(node::releases_dir);
  const std::string name = p.filename().string();
  if (p.parent_path() == releases && node::is_valid_release_name(name))
    return name;
  if (!strict)
    return std::nullopt;
  throw Error(ErrorKind::failure, link + " points to '" + target + "', not to a release in " +
                                      m_path.string() +
                                      "/releases; flip to a release to repair it");
}

std::vector<std::string> ReleaseRoot::read_history() const {
  std::vector<std::string> names;
  const std::string rel = std::string(node::state_dir) + "/" + std::string(node::history_file);
  const std::optional<Fd> fd = open_file_beneath_if_exists(m_fd.get(), rel);
  if (!fd)
    return names;
  const std::string text = read_all(fd->get(), m_path.string() + "/.ferry/history");
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos)
      end = text.size();
    names.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return names;
}

std::optional<std::string> ReleaseRoot::previous() const {
  const std::optional<std::string> current = read_current(/*strict=*/true);
  if (!current)
    return std::nullopt;
  return previous_of(scan(), *current);
}

// The flip path the history describes, oldest first: a line NAME (a flip) puts NAME on top
// unless it is there already; a line "rollback NAME" takes off everything above NAME's
// latest entry (all of it, leaving NAME alone, when NAME is not in the path).
std::vector<std::string> ReleaseRoot::flip_path() const {
  std::vector<std::string> path;
  for (const std::string& line : read_history()) {
    if (line.starts_with(k_rollback_mark)) {
      const std::string name = line.substr(k_rollback_mark.size());
      const auto it = std::find(path.rbegin(), path.rend(), name);
      if (it == path.rend())
        path.assign(1, name);
      else
        path.erase(it.base(), path.end());
    } else if (!line.empty() && (path.empty() || path.back() != line)) {
      path.push_back(line);
    }
  }
  return path;
}

std::optional<std::string> ReleaseRoot::previous_of(const std::vector<Entry>& releases,
                                                    const std::string& current) const {
  const auto exists = [&](const std::string& name) {
    return std::any_of(releases.begin(), releases.end(),
                       [&](const Entry& e) { return e.name == name; });
  };
  // Beneath the current release's entry on top of the path. When the top is another release,
  // the last flip died between the link and its history line (or someone flipped by hand):
  // the top is then what `current` replaced.
  const std::vector<std::string> path = flip_path();
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    if (*it != current && exists(*it))
      return *it;
  }
  // Nothing in the history before it (a root flipped by older scripts, or a rollback that
  // walked past the history's start): the newest complete release older than the current one.
  const auto it = std::find_if(releases.begin(), releases.end(),
                               [&](const Entry& e) { return e.name == current; });
  if (it == releases.end() || it == releases.begin())
    return std::nullopt;
  return std::prev(it)->name;
}

void ReleaseRoot::check_flip(std::string_view name) const {
  node::check_release_name(name);
  if (!is_complete(name)) {
    const std::string partial = std::string(name) + std::string(node::partial_suffix);
    const std::optional<Fd> releases = open_dir_beneath_if_exists(m_fd.get(), node::releases_dir);
    struct stat st {};
    if (releases && stat_entry(releases->get(), partial, st)) {
      throw Error(ErrorKind::failure, "release " + std::string(name) + " on " + m_path.string() +
                                          " is not complete (releases/" + partial +
                                          " is still being staged); finish the push, then flip");
    }
    throw Error(ErrorKind::failure, "release " + std::string(name) + " does not exist in " +
                                        m_path.string() +
                                        "/releases; push it first, or pick one from the "
                                        "release list");
  }
}

void ReleaseRoot::flip(std::string_view name) {
  check_flip(name);
  if (read_current(/*strict=*/false) == name)
    return;
  replace_current(name);
  append_history(name);
}

void ReleaseRoot::replace_current(std::string_view name) {
  const Fd state = open_dir_beneath(m_fd.get(), node::state_dir, true);
  const std::string temp = std::string(node::current_link) + ".tmp-" + std::to_string(::getpid());
  const std::string target = std::string(node::releases_dir) + "/" + std::string(name);
  const std::string link = m_path.string() + "/" + std::string(node::current_link);
  // A leftover from a crashed flip that had our pid would make symlinkat fail.
  if (::unlinkat(state.get(), temp.c_str(), 0) != 0 && errno != ENOENT) {
    throw Error(ErrorKind::failure, "cannot remove stale " + m_path.string() + "/.ferry/" + temp +
                                        ": " + sys_message(errno) + "; remove it by hand");
  }
  if (::symlinkat(target.c_str(), state.get(), temp.c_str()) != 0) {
    throw Error(ErrorKind::failure, "cannot create " + m_path.string() + "/.ferry/" + temp + ": " +
                                        sys_message(errno) +
                                        "; check the permissions and free space of the root");
  }
  if (::renameat(state.get(), temp.c_str(), m_fd.get(), std::string(node::current_link).c_str()) !=
      0) {
    const int err = errno;
    if (::unlinkat(state.get(), temp.c_str(), 0) != 0) {
      // Best effort; the next flip from a process with this pid removes it.
    }
    if (err == EISDIR || err == ENOTEMPTY || err == EEXIST) {
      throw Error(ErrorKind::failure, link +
                                          " is a directory, not a symlink; move it away, then "
                                          "flip again");
    }
    throw Error(ErrorKind::failure, "cannot replace " + link + ": " + sys_message(err) +
                                        "; check the permissions of " + m_path.string());
  }
  fsync_fd(m_fd.get(), m_path.string());
}

void ReleaseRoot::append_history(std::string_view name) {
  const Fd state = open_dir_beneath(m_fd.get(), node::state_dir, true);
  const std::string what = m_path.string() + "/.ferry/history";
  const std::string file(node::history_file);
  const Fd fd(::openat(state.get(), file.c_str(),
                       O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd) {
    throw Error(ErrorKind::failure,
                "cannot open " + what + ": " + sys_message(errno) +
                    (errno == ELOOP ? "; it is a symlink: remove it" : "; check its permissions"));
  }
  std::string line = std::string(name) + "\n";
  // A line cut short by a full disk earlier must not run into this one.
  struct stat st {};
  char last = '\n';
  if (::fstat(fd.get(), &st) == 0 && st.st_size > 0 &&
      ::pread(fd.get(), &last, 1, st.st_size - 1) == 1 && last != '\n') {
    line.insert(line.begin(), '\n');
  }
  write_all(fd.get(), line.data(), line.size(), what);
  fsync_fd(fd.get(), what);
  fsync_fd(state.get(), m_path.string() + "/.ferry");
}

std::string ReleaseRoot::rollback_target() const {
  const std::optional<std::string> current = read_current(/*strict=*/true);
  const std::optional<std::string> previous =
      current ? previous_of(scan(), *current) : std::nullopt;
  if (!previous) {
    throw Error(ErrorKind::failure, "nothing to roll back to on " + m_path.string() +
                                        (current ? ": no release other than the current one (" +
                                                       *current + ") is in its history or older"
                                                 : ": `current` is not set") +
                                        "; flip to a release by name instead");
  }
  check_flip(*previous);
  return *previous;
}

std::string ReleaseRoot::rollback() {
  const std::string previous = rollback_target();
  // The history line first: should the link not follow (kill -9 in between), the path already
  // ends at `previous` while `current` still names the release above it, so previous() is
  // `previous` again and a second rollback finishes this one.
  append_history(std::string(k_rollback_mark) + previous);
  replace_current(previous);
  return previous;
}

std::vector<std::string> ReleaseRoot::purge(std::size_t keep, bool dry_run) {
  const std::vector<Entry> releases = scan();
  const std::optional<std::string> current = read_current(/*strict=*/true);
  const std::optional<std::string> previous =
      current ? previous_of(releases, *current) : std::nullopt;

  std::vector<std::string> doomed;
  std::size_t remaining = releases.size();
  for (const Entry& e : releases) {
    if (remaining <= keep)
      break;
    if (e.name == current || e.name == previous)
      continue;
    doomed.push_back(e.name);
    --remaining;
  }
  if (dry_run)
    return doomed;

  const std::optional<Fd> dir = open_dir_beneath_if_exists(m_fd.get(), node::releases_dir);
  if (!dir)
    return doomed;
  for (const std::string& name : read_dir_names(dir->get())) {
    if (name.starts_with(node::purging_prefix))
      remove_tree_beneath(dir->get(), name);  // left by a purge that died half way
  }
  const std::string manifests_rel =
      std::string(node::state_dir) + "/" + std::string(node::manifests_dir);
  const std::optional<Fd> manifests = open_dir_beneath_if_exists(m_fd.get(), manifests_rel);
  for (const std::string& name : doomed) {
    // The manifest goes first: a release without one is merely not reused by later pushes.
    if (manifests)
      remove_tree_beneath(manifests->get(), name);
    const std::string purging = std::string(node::purging_prefix) + name;
    if (::renameat(dir->get(), name.c_str(), dir->get(), purging.c_str()) != 0) {
      if (errno == ENOENT)
        continue;
      throw Error(ErrorKind::failure, "cannot rename " + m_path.string() + "/releases/" + name +
                                          " to remove it: " + sys_message(errno) +
                                          "; check the permissions of releases/");
    }
    remove_tree_beneath(dir->get(), purging);
  }
  if (!doomed.empty())
    fsync_fd(dir->get(), m_path.string() + "/releases");
  return doomed;
}

}  // namespace ferry::deploy_hooks
