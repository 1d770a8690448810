// The command hook: one program run to its end, its output (stdout and stderr together)
// written to a file, with extra environment variables, a working directory and a time limit.
// Runbooks run their `command` steps, and anything run on a node over ssh, through it.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace ferry::deploy_hooks {

struct CommandSpec {
  std::vector<std::string> argv;         // argv[0] is looked up on the PATH
  std::vector<std::string> env;          // KEY=VALUE added to (or replacing in) this process's own
  std::filesystem::path cwd;             // empty: this process's
  std::filesystem::path output;          // created or truncated; stdout and stderr go here
  std::chrono::milliseconds timeout{0};  // 0: none
};

struct CommandOutcome {
  int exit_code = -1;      // the program's exit status; -1 when it did not exit by itself
  int signal = 0;          // the signal that ended it, if any
  bool timed_out = false;  // the time limit ran out: its process group was ended
  std::string tail;        // the last lines of its output, for error messages
  bool ok() const { return exit_code == 0; }
  // "exit status 3", "killed by signal 9", "timed out after 5s".
  std::string describe(std::chrono::milliseconds timeout) const;
};

// Runs the program in a process group of its own (so a timeout ends it and its children) and
// waits for it. Throws Error when it cannot start (not found, output not writable).
CommandOutcome run_command(const CommandSpec& spec);

// The last `max_lines` lines of a file (at most its last 4 KiB), for error messages.
std::string file_tail(const std::filesystem::path& file, std::size_t max_lines = 10);

}  // namespace ferry::deploy_hooks
