// The layout of a release root on a node, shared by the receiver that stages releases
// (transfer/) and the code that flips, rolls back and purges them (deploy-hooks/):
//
//   ROOT/releases/NAME/           a complete release; immutable once it is there
//   ROOT/releases/NAME.partial/   a push being staged; never counted as a release
//   ROOT/releases/.purge-NAME/    a release that purge is removing; never counted either
//   ROOT/current -> releases/NAME a relative symlink, replaced atomically by a flip
//   ROOT/.ferry/lock              flock()ed by whoever pushes, flips or purges
//   ROOT/.ferry/manifests/NAME    the manifest each release was built from
//   ROOT/.ferry/history           the flip path: NAME per flip, "rollback NAME" per rollback
#pragma once

#include <cstddef>
#include <string_view>

namespace ferry::node {

inline constexpr std::string_view releases_dir = "releases";
inline constexpr std::string_view current_link = "current";
inline constexpr std::string_view state_dir = ".ferry";
inline constexpr std::string_view lock_file = "lock";           // inside state_dir
inline constexpr std::string_view manifests_dir = "manifests";  // inside state_dir
inline constexpr std::string_view history_file = "history";     // inside state_dir
inline constexpr std::string_view partial_suffix = ".partial";  // releases/NAME.partial
inline constexpr std::string_view purging_prefix = ".purge-";   // releases/.purge-NAME

// Throws Error(usage) unless `name` is 1..200 characters of [A-Za-z0-9._+-], does not start
// with '.' and does not end in ".partial": so it is one safe path component and can never be
// mistaken for a staging directory or a hidden file.
void check_release_name(std::string_view name);
bool is_valid_release_name(std::string_view name) noexcept;

// The `keep` of a purge as a count: Error(usage) unless it is at least 1 (purge never
// removes the current or the previous release; keeping none is a typo, not a request).
std::size_t check_purge_keep(long long keep);

}  // namespace ferry::node
