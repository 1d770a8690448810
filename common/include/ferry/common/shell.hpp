// POSIX shell words: the one quoting rule for commands ferry runs through a shell (ssh's
// remote command, runbook steps on nodes) and shows to people (dry runs, error messages).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ferry {

// `arg` in single quotes, always, for the POSIX shell (an embedded ' becomes '\'').
std::string shell_quote(std::string_view arg);

// The argv as one line a person can paste into a shell: words that need no quoting stay as
// they are, the others are quoted.
std::string command_line(const std::vector<std::string>& argv);

}  // namespace ferry
