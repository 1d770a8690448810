// Where ferry keeps state between runs.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace ferry::engine {

// $FERRY_STATE_DIR, else $XDG_STATE_HOME/ferry, else ~/.local/state/ferry, else ./.ferry.
std::filesystem::path default_state_dir();

// Replaces `file` with `text` at once: a temporary file beside it, written, fsynced and
// renamed over it, so a reader (or a run after kill -9) sees the old text or the new, never a
// part. Creates the parent directory. Throws Error naming the file (disk full, no access).
void write_file_atomically(const std::filesystem::path& file, std::string_view text);

// The whole of `file`; Error(config) naming it when it cannot be read.
std::string read_file(const std::filesystem::path& file);

// The time now in UTC, as strftime() formats it; the default is ISO 8601, as state files
// and reports write times.
std::string now_utc(const char* format = "%Y-%m-%dT%H:%M:%SZ");

}  // namespace ferry::engine
