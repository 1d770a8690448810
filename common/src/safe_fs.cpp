#include "ferry/common/safe_fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <system_error>

#include "ferry/common/error.hpp"
#include "ferry/common/process.hpp"

namespace ferry {
namespace {

constexpr std::size_t k_max_path_bytes = 4096;

[[noreturn]] void fail(const std::string& what_failed, int err, std::string_view next) {
  std::string message = what_failed + ": " + std::strerror(err);
  if (!next.empty())
    message += "; " + std::string(next);
  throw Error(ErrorKind::failure, message);
}

// A path as it may be printed: NUL bytes made visible, very long paths cut.
std::string printable(std::string_view path) {
  std::string out;
  for (char c : path.substr(0, 200))
    out += c == '\0' ? std::string("\\0") : std::string(1, c);
  if (path.size() > 200)
    out += "...";
  return out;
}

void check_single_component(std::string_view name, std::string_view what) {
  check_relative_path(name, what);
  if (name.find('/') != std::string_view::npos) {
    throw Error(ErrorKind::failure,
                std::string(what) + " '" + printable(name) + "' must be a single name without '/'");
  }
}

[[noreturn]] void refuse_link_or_file(int parent, const std::string& name, int base,
                                      std::string_view rel) {
  struct stat st {};
  if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
    throw Error(ErrorKind::failure, path_beneath(base, rel) +
                                        " is a symlink; refusing to follow it (ferry never "
                                        "writes through links): replace it with a directory");
  }
  throw Error(ErrorKind::failure,
              path_beneath(base, rel) + " is not a directory; move it away and retry");
}

// What opening a path beneath a root does with a component that does not exist.
enum class Missing { fail, create, absent };

// One component beneath `parent`. With Missing::absent, a component that does not exist
// gives an empty Fd instead of an Error.
Fd open_component_dir(int parent, const std::string& name, Missing missing, mode_t mode, int base,
                      std::string_view rel) {
  for (int attempt = 0;; ++attempt) {
    const int fd = ::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0)
      return Fd(fd);
    const int err = errno;
    if (err == EINTR)
      continue;
    if (err == ENOENT && missing == Missing::absent)
      return Fd();
    if (err == ENOENT && missing == Missing::create && attempt < 3) {
      // EEXIST: someone made it between our openat and mkdirat; open theirs.
      if (::mkdirat(parent, name.c_str(), mode) == 0 || errno == EEXIST)
        continue;
      fail("cannot create directory " + path_beneath(base, rel), errno,
           "check the permissions and free space of its parent");
    }
    if (err == ELOOP || err == ENOTDIR)
      refuse_link_or_file(parent, name, base, rel);
    if (err == ENOENT)
      fail("cannot open directory " + path_beneath(base, rel), err, "check the path");
    fail("cannot open directory " + path_beneath(base, rel), err, "check its permissions");
  }
}

// Removes `name` in `parent`, never following a link (see remove_tree_beneath).
void remove_entry(int parent, const std::string& name) {
  struct stat st {};
  if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT)
      return;
    fail("cannot inspect " + path_beneath(parent, name) + " to remove it", errno,
         "check the permissions of its directory");
  }
  if (S_ISDIR(st.st_mode)) {
    const auto open_dir = [&] {
      return ::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    };
    int fd = open_dir();
    // An unreadable directory is going anyway: make it ours to empty (never through a link).
    if (fd < 0 && errno == EACCES &&
        ::fchmodat(parent, name.c_str(), st.st_mode | S_IRWXU, AT_SYMLINK_NOFOLLOW) == 0) {
      fd = open_dir();
    }
    const int open_errno = errno;
    if (fd >= 0) {
      const Fd dir(fd);
      if ((st.st_mode & S_IRWXU) != S_IRWXU && ::fchmod(dir.get(), st.st_mode | S_IRWXU) != 0) {
        // Removing its entries below fails with the reason if this mattered.
      }
      for (const std::string& child : read_dir_names(dir.get()))
        remove_entry(dir.get(), child);
      if (::unlinkat(parent, name.c_str(), AT_REMOVEDIR) == 0 || errno == ENOENT)
        return;
      fail("cannot remove directory " + path_beneath(parent, name), errno,
           "check the permissions of its parent");
    }
    if (open_errno == ENOENT)
      return;
    if (open_errno != ELOOP && open_errno != ENOTDIR)
      fail("cannot open directory " + path_beneath(parent, name) + " to remove it", open_errno,
           "check its permissions");
    // It was swapped for a link or a file since fstatat: unlink that instead.
  }
  if (::unlinkat(parent, name.c_str(), 0) == 0 || errno == ENOENT)
    return;
  fail("cannot remove " + path_beneath(parent, name), errno,
       "check the permissions of its directory");
}

// The directory `rel` beneath `dir_fd`, one component at a time (see open_dir_beneath); an
// empty Fd when, with Missing::absent, a component does not exist.
Fd open_dir_components(int dir_fd, std::string_view rel, Missing missing, mode_t mode) {
  check_relative_path(rel, "directory");
  Fd current;
  std::size_t start = 0;
  while (start < rel.size()) {
    std::size_t slash = rel.find('/', start);
    if (slash == std::string_view::npos)
      slash = rel.size();
    const std::string component(rel.substr(start, slash - start));
    current = open_component_dir(current ? current.get() : dir_fd, component, missing, mode, dir_fd,
                                 rel.substr(0, slash));
    if (!current)
      return current;
    start = slash + 1;
  }
  return current;
}

// The regular file `rel` beneath `dir_fd`, following no link (see open_file_beneath); an
// empty Fd when, with Missing::absent, it or a directory on its way does not exist.
Fd open_file_components(int dir_fd, std::string_view rel, Missing missing) {
  check_relative_path(rel, "file");
  const std::size_t slash = rel.rfind('/');
  Fd parent;
  if (slash != std::string_view::npos) {
    parent = open_dir_components(dir_fd, rel.substr(0, slash), missing, 0);
    if (!parent)
      return parent;
  }
  const std::string leaf(slash == std::string_view::npos ? rel : rel.substr(slash + 1));
  const int parent_fd = parent ? parent.get() : dir_fd;
  for (;;) {
    // O_NONBLOCK keeps a planted FIFO from hanging us before the regular-file check.
    const int fd = ::openat(parent_fd, leaf.c_str(),
                            O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd >= 0) {
      Fd file(fd);
      struct stat st {};
      if (::fstat(file.get(), &st) != 0)
        fail("cannot inspect " + path_beneath(dir_fd, rel), errno, "check its permissions");
      if (!S_ISREG(st.st_mode)) {
        throw Error(ErrorKind::failure,
                    path_beneath(dir_fd, rel) + " is not a regular file; move it away and retry");
      }
      const int flags = ::fcntl(file.get(), F_GETFL);
      if (flags >= 0 && ::fcntl(file.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) {
        // Regular files ignore O_NONBLOCK; leaving it set is harmless.
      }
      return file;
    }
    const int err = errno;
    if (err == EINTR)
      continue;
    if (err == ENOENT && missing == Missing::absent)
      return Fd();
    if (err == ELOOP) {
      throw Error(ErrorKind::failure, path_beneath(dir_fd, rel) +
                                          " is a symlink; refusing to follow it: replace it "
                                          "with a regular file");
    }
    fail("cannot open " + path_beneath(dir_fd, rel), err,
         err == ENOENT ? "check the path" : "check its permissions");
  }
}

}  // namespace

Fd::~Fd() {
  if (m_fd >= 0)
    ::close(m_fd);
}

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0)
      ::close(m_fd);
    m_fd = other.release();
  }
  return *this;
}

int Fd::release() noexcept {
  const int fd = m_fd;
  m_fd = -1;
  return fd;
}

std::string path_beneath(int dir_fd, std::string_view rel) {
  const std::string proc = "/proc/self/fd/" + std::to_string(dir_fd);
  std::string dir(PATH_MAX, '\0');
  const ssize_t n = ::readlink(proc.c_str(), dir.data(), dir.size());
  if (n <= 0 || static_cast<std::size_t>(n) >= dir.size())
    return std::string(rel);
  dir.resize(static_cast<std::size_t>(n));
  if (rel.empty())
    return dir;
  if (dir.back() != '/')
    dir += '/';
  return dir + std::string(rel);
}

const char* relative_path_problem(std::string_view path) noexcept {
  if (path.empty())
    return "path is empty";
  if (path.size() > k_max_path_bytes)
    return "path is longer than 4096 bytes";
  if (path.find('\0') != std::string_view::npos)
    return "path holds a NUL byte";
  if (path.front() == '/')
    return "path is absolute";
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos)
      slash = path.size();
    const std::string_view component = path.substr(start, slash - start);
    if (component.empty())
      return "path has an empty component";
    if (component == ".")
      return "path has a '.' component";
    if (component == "..")
      return "path has a '..' component";
    start = slash + 1;
  }
  return nullptr;
}

bool is_safe_relative_path(std::string_view path) noexcept {
  return relative_path_problem(path) == nullptr;
}

void check_relative_path(std::string_view path, std::string_view what) {
  if (const char* reason = relative_path_problem(path)) {
    throw Error(ErrorKind::failure, std::string(what) + " '" + printable(path) +
                                        "' is not a safe relative path (" + reason +
                                        "); it must be '/'-separated names without '.' or '..'");
  }
}

Fd open_root(const std::filesystem::path& root, bool create) {
  if (!root.is_absolute()) {
    throw Error(ErrorKind::usage, "release root '" + root.string() +
                                      "' is not an absolute path; give it as /abs/path");
  }
  if (create) {
    std::error_code ec;
    std::filesystem::create_directories(root, ec);
    if (ec) {
      throw Error(ErrorKind::failure, "cannot create directory " + root.string() + ": " +
                                          ec.message() + "; check the permissions of its parent");
    }
  }
  for (;;) {
    const int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0)
      return Fd(fd);
    if (errno == EINTR)
      continue;
    if (errno == ENOTDIR)
      throw Error(ErrorKind::failure, root.string() + " is not a directory; name a directory");
    fail("cannot open directory " + root.string(), errno,
         errno == ENOENT ? "create it first, or check the path" : "check its permissions");
  }
}

Fd open_dir_beneath(int dir_fd, std::string_view rel, bool create, mode_t mode) {
  return open_dir_components(dir_fd, rel, create ? Missing::create : Missing::fail, mode);
}

std::optional<Fd> open_dir_beneath_if_exists(int dir_fd, std::string_view rel) {
  Fd dir = open_dir_components(dir_fd, rel, Missing::absent, 0);
  if (!dir)
    return std::nullopt;
  return dir;
}

Fd create_file_beneath(int dir_fd, std::string_view name, mode_t mode) {
  check_single_component(name, "file name");
  const std::string file(name);
  for (;;) {
    const int fd =
        ::openat(dir_fd, file.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd >= 0)
      return Fd(fd);
    if (errno == EINTR)
      continue;
    if (errno == EEXIST) {
      struct stat st {};
      if (::fstatat(dir_fd, file.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
        throw Error(ErrorKind::failure, path_beneath(dir_fd, name) +
                                            " is a symlink; refusing to follow it: remove the "
                                            "link and retry");
      }
      throw Error(ErrorKind::failure,
                  path_beneath(dir_fd, name) + " already exists; remove it or pick another name");
    }
    fail("cannot create " + path_beneath(dir_fd, name), errno,
         "check the permissions and free space of its directory");
  }
}

Fd open_file_beneath(int dir_fd, std::string_view rel) {
  return open_file_components(dir_fd, rel, Missing::fail);
}

std::optional<Fd> open_file_beneath_if_exists(int dir_fd, std::string_view rel) {
  Fd file = open_file_components(dir_fd, rel, Missing::absent);
  if (!file)
    return std::nullopt;
  return file;
}

std::vector<std::string> read_dir_names(int dir_fd) {
  // A fresh open file description, so dir_fd's offset stays where it was.
  const int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    fail("cannot open directory " + path_beneath(dir_fd, ""), errno, "check its permissions");
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    const int err = errno;
    ::close(fd);
    fail("cannot read directory " + path_beneath(dir_fd, ""), err, "check its permissions");
  }
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(dir);
    if (entry == nullptr)
      break;
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..")
      names.emplace_back(name);
  }
  const int err = errno;
  ::closedir(dir);
  if (err != 0)
    fail("cannot read directory " + path_beneath(dir_fd, ""), err, "check the filesystem");
  return names;
}

std::string read_all(int fd, std::string_view what) {
  std::string text;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0)
      return text;
    if (n < 0) {
      if (errno == EINTR)
        continue;
      throw Error(ErrorKind::failure, "cannot read " + std::string(what) + ": " +
                                          std::strerror(errno) + "; check the disk");
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
}

void fsync_fd(int fd, std::string_view what) {
  while (::fsync(fd) != 0) {
    if (errno != EINTR)
      fail("cannot fsync " + std::string(what), errno, "check the disk; the data may not be safe");
  }
}

void write_all(int fd, const void* data, std::size_t size, std::string_view what) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == ENOSPC || errno == EDQUOT) {
        throw Error(ErrorKind::failure, "disk full while writing " + std::string(what) +
                                            "; free space on that filesystem and retry");
      }
      fail("cannot write " + std::string(what), errno, "check the disk");
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

void remove_tree_beneath(int dir_fd, std::string_view name) {
  check_single_component(name, "entry to remove");
  remove_entry(dir_fd, std::string(name));
}

std::uint64_t free_bytes(int dir_fd) {
  struct statvfs st {};
  if (::fstatvfs(dir_fd, &st) != 0)
    fail("cannot read the free space of " + path_beneath(dir_fd, ""), errno,
         "check the filesystem");
  return static_cast<std::uint64_t>(st.f_bavail) * static_cast<std::uint64_t>(st.f_frsize);
}

std::optional<FileLock> FileLock::try_acquire(int dir_fd, std::string_view name) {
  check_single_component(name, "lock file name");
  const std::string file(name);
  int fd = -1;
  do {
    fd = ::openat(dir_fd, file.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    if (errno == ELOOP) {
      throw Error(ErrorKind::failure, path_beneath(dir_fd, name) +
                                          " is a symlink; refusing to follow it: remove the "
                                          "link and retry");
    }
    fail("cannot open lock file " + path_beneath(dir_fd, name), errno,
         "check the permissions of its directory");
  }
  Fd lock(fd);
  while (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      return std::nullopt;
    if (errno != EINTR)
      fail("cannot lock " + path_beneath(dir_fd, name), errno,
           "check the filesystem supports flock");
  }
  const std::string label = process_label() + "\n";
  if (::ftruncate(lock.get(), 0) != 0 ||
      ::pwrite(lock.get(), label.data(), label.size(), 0) != static_cast<ssize_t>(label.size())) {
    // The lock holds without the label; only another process's message suffers.
  }
  return FileLock(std::move(lock));
}

std::string FileLock::holder(int dir_fd, std::string_view name) {
  check_single_component(name, "lock file name");
  const std::string file(name);
  const Fd fd(::openat(dir_fd, file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd)
    return {};
  char buf[4096];
  const ssize_t n = ::pread(fd.get(), buf, sizeof buf, 0);
  if (n <= 0)
    return {};
  std::string text(buf, static_cast<std::size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\0'))
    text.pop_back();
  return text;
}

}  // namespace ferry
