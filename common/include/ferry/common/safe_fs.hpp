// Filesystem primitives that never follow a symlink. A release root on a node is written by
// `ferry receive` from a manifest that arrived over the wire, and anyone with write access to
// the root could plant a link to /etc in it; so every path below a root is opened one
// component at a time relative to a directory fd, with O_NOFOLLOW, and a link anywhere on
// the way is an Error rather than a detour.
//
// Errors are ferry::Error(ErrorKind::failure) naming the path (resolved through the
// directory fd where possible) and what to do next. The functions keep no state of their own;
// any thread may call them.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {

// Owns one file descriptor and closes it on destruction. Movable, not copyable.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) noexcept : m_fd(fd) {}
  ~Fd();
  Fd(Fd&& other) noexcept : m_fd(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const noexcept { return m_fd; }
  // Gives up ownership: the caller closes the returned fd.
  [[nodiscard]] int release() noexcept;
  explicit operator bool() const noexcept { return m_fd >= 0; }

 private:
  int m_fd = -1;
};

// The one rule for a path beneath a root (a manifest entry, a release name, anything opened
// below): relative, '/'-separated, non-empty, no empty, "." or ".." component, no NUL byte,
// at most 4096 bytes. relative_path_problem() says what is wrong ("path is absolute", ...),
// or returns nullptr for a good path. check_relative_path() throws Error(failure) with that
// reason; `what` names the path in the message ("manifest entry", "release name").
const char* relative_path_problem(std::string_view path) noexcept;
void check_relative_path(std::string_view path, std::string_view what);
bool is_safe_relative_path(std::string_view path) noexcept;

// Opens the absolute directory `root` (O_DIRECTORY | O_CLOEXEC); with `create`, makes it and
// its missing parents first. The root itself may be reached through symlinks: it is what
// the operator named. Everything beneath it is opened with the functions below.
Fd open_root(const std::filesystem::path& root, bool create);

// Opens the directory `rel` beneath `dir_fd`, one component at a time with O_NOFOLLOW; with
// `create`, makes missing components with `mode`. A component that is a symlink or not a
// directory is an Error naming it.
Fd open_dir_beneath(int dir_fd, std::string_view rel, bool create, mode_t mode = 0755);

// Opens the existing directory `rel` beneath `dir_fd` as open_dir_beneath(dir_fd, rel, false)
// does, except that a component that does not exist is no error: std::nullopt. A component
// that is a symlink (dangling or not) or not a directory is still an Error naming it.
std::optional<Fd> open_dir_beneath_if_exists(int dir_fd, std::string_view rel);

// Creates the new file `name` (a single component) in `dir_fd` for writing. Error when the
// name exists already, symlink or not.
Fd create_file_beneath(int dir_fd, std::string_view name, mode_t mode);

// Opens the existing regular file `rel` beneath `dir_fd` read-only, following no link at
// any component.
Fd open_file_beneath(int dir_fd, std::string_view rel);
// The same, but std::nullopt when the file or a directory on its way does not exist; a
// symlink anywhere on the way, or a leaf that is not a regular file, is still an Error.
std::optional<Fd> open_file_beneath_if_exists(int dir_fd, std::string_view rel);

// `rel` beneath `dir_fd` as an absolute path, for messages; just `rel` when the kernel does
// not say where `dir_fd` is.
std::string path_beneath(int dir_fd, std::string_view rel);

// Names of the entries of the directory `dir_fd` (without "." and ".."), in no particular
// order. Does not move `dir_fd`'s own offset.
std::vector<std::string> read_dir_names(int dir_fd);

// Everything left to read from `fd`, retried on EINTR. `what` names the file in the message.
std::string read_all(int fd, std::string_view what);

// fsync, retried on EINTR. `what` names the file in the message.
void fsync_fd(int fd, std::string_view what);

// Writes all `size` bytes, retrying short writes and EINTR. ENOSPC and EDQUOT say that the
// disk is full and where.
void write_all(int fd, const void* data, std::size_t size, std::string_view what);

// rm -rf of the single entry `name` of `dir_fd`: links and files are unlinked, real
// directories are emptied recursively (opened with O_NOFOLLOW) and removed. A missing entry
// is not an error. Directories without owner write permission are made writable first, since
// they are going anyway. Holds one fd per directory level while it works.
void remove_tree_beneath(int dir_fd, std::string_view name);

// Bytes available to an unprivileged writer on the filesystem of `dir_fd`.
std::uint64_t free_bytes(int dir_fd);

// An exclusive flock() on a file beneath a directory, released when the FileLock is
// destroyed (or the process dies). The file holds the holder's process_label() so a second
// process can say who is in its way. flock() locks belong to the open file, so a second
// try_acquire in the same process fails too.
class FileLock {
 public:
  // Creates `name` (a single component, never a symlink) in `dir_fd` if missing and takes
  // the lock without waiting. std::nullopt when someone else holds it.
  [[nodiscard]] static std::optional<FileLock> try_acquire(int dir_fd, std::string_view name);
  // The label the current holder wrote; empty when there is none to read.
  static std::string holder(int dir_fd, std::string_view name);

 private:
  explicit FileLock(Fd fd) : m_fd(std::move(fd)) {}
  Fd m_fd;
};

}  // namespace ferry
