// Releases on a node: list, flip, rollback and purge in a release root whose layout is
// common/include/ferry/common/node_layout.hpp (docs/push.md, "On the node").
//
// Everything beneath the root is opened relative to the root's directory fd without following
// links, so a planted symlink cannot make a flip or a purge touch anything outside the root.
// A ReleaseRoot is used from one thread at a time. It does not lock by itself: whoever flips,
// rolls back or purges takes lock() first, so that two of them (or a push) never interleave.
// Errors are ferry::Error naming the root and what to do next.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/common/safe_fs.hpp"

namespace ferry::deploy_hooks {

struct ReleaseInfo {
  std::string name;
  // Apparent size of its regular files. Each inode counts once across the whole root, in the
  // oldest release that holds it, so a release's bytes are what it added to the disk ("new").
  std::uint64_t bytes = 0;
  // Apparent size of its regular files that are hard links of files in older releases
  // ("shared"): bytes + shared_bytes is the release's whole size.
  std::uint64_t shared_bytes = 0;
  std::int64_t completed_ns = 0;  // mtime of releases/NAME (set when it was published)
  bool current = false;           // `current` points at it
  bool previous = false;          // what rollback() would flip to
};

class ReleaseRoot {
 public:
  // Opens the absolute directory `root`. With `create`, makes it (mkdir -p) and its releases/,
  // .ferry/ and .ferry/manifests/ first. Error if it is not a directory. A root without
  // releases/ simply has no releases.
  static ReleaseRoot open(const std::filesystem::path& root, bool create);

  int fd() const noexcept { return m_fd.get(); }  // the root directory; open beneath it
  const std::filesystem::path& path() const noexcept { return m_path; }

  // Takes .ferry/lock without waiting, so that two pushes or flips on one root never
  // interleave. Error (retryable) naming the holder when someone else has it.
  [[nodiscard]] FileLock lock();

  // Complete releases, oldest first by completed_ns then name. Staging (*.partial) and
  // purging directories, stray files and links in releases/ are not releases. A `current`
  // that is not a link to a release marks none as current (current() says what is wrong).
  std::vector<ReleaseInfo> list() const;

  // The release `current` points to (relative "releases/NAME", or absolute ROOT/releases/NAME
  // as older scripts made it), if any. Error when `current` is not a symlink or points
  // elsewhere.
  std::optional<std::string> current() const;

  // What rollback() would flip to, walking back along the flip history like Capistrano's
  // revision log: .ferry/history is the path of flips, a flip puts its release on top and a
  // rollback takes the top off, so rolling back twice from C after flips to A, B, C lands on A,
  // and a flip after a rollback starts a new top. previous() is the nearest release beneath
  // the current one on that path that still exists; failing that (no history, as older
  // scripts left a root, or none before the current one), the newest complete release older
  // than the current one (by completed_ns, then name). std::nullopt when there is no current
  // release or no such release.
  std::optional<std::string> previous() const;

  // Error (naming why) unless NAME is a valid name of a complete release: what flip() checks
  // before it changes anything, for a dry run.
  void check_flip(std::string_view name) const;

  // Points `current` at releases/NAME atomically: a temporary symlink in .ferry/ renamed over
  // ROOT/current, then fsync of ROOT, then NAME appended to .ferry/history (fsynced). Error
  // (and `current` unchanged) when NAME is not a valid name of a complete release. Flipping to
  // the current release changes nothing.
  void flip(std::string_view name);

  // What rollback() would flip to (previous()); Error when there is none.
  std::string rollback_target() const;

  // Flips to previous() and returns its name; Error when there is none. The history line
  // "rollback NAME" is written (fsynced) before `current` is replaced.
  std::string rollback();

  // Removes complete releases, oldest first, until `keep` remain, never the current or the
  // previous one, together with their .ferry/manifests/NAME. Returns the names removed, or
  // with `dry_run` the names that would be, touching nothing. A release being removed is
  // first renamed to releases/.purge-NAME, so a purge that dies half way never leaves a
  // half-deleted directory that looks complete; the next purge finishes those off. Stale
  // NAME.partial directories stay: an interrupted push resumes from them.
  std::vector<std::string> purge(std::size_t keep, bool dry_run);

 private:
  struct Entry {
    std::string name;
    std::int64_t completed_ns = 0;
  };

  ReleaseRoot(std::filesystem::path path, Fd fd) : m_path(std::move(path)), m_fd(std::move(fd)) {}

  std::vector<Entry> scan() const;  // complete releases in list() order
  bool is_complete(std::string_view name) const;
  std::optional<std::string> read_current(bool strict) const;
  std::vector<std::string> read_history() const;
  std::vector<std::string> flip_path() const;
  std::optional<std::string> previous_of(const std::vector<Entry>& releases,
                                         const std::string& current) const;
  void replace_current(std::string_view name);
  void append_history(std::string_view line);

  std::filesystem::path m_path;
  Fd m_fd;
};

}  // namespace ferry::deploy_hooks
