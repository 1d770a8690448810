// Internal to the hooks (aws.cpp defines these): a program run with what it printed captured
// for parsing and appended to the hook's log, and the scratch files such runs use.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "ferry/deploy_hooks/command.hpp"

namespace ferry::deploy_hooks {

// A file next to `log` with a name no other run uses, removed when this goes out of scope.
class ScratchFile {
 public:
  ScratchFile(const std::filesystem::path& log, const std::string& suffix);
  ~ScratchFile();
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  const std::filesystem::path& path() const { return m_path; }
  void write(const std::string& text) const;  // throws Error when it cannot
  std::string read() const;                   // empty when it does not exist

 private:
  std::filesystem::path m_path;
};

struct LoggedRun {
  CommandOutcome outcome;
  std::string output;  // stdout and stderr together, as run_command writes them
};

// Runs `argv` with its output in a scratch file, then appends "$ COMMAND LINE", the output and
// how it ended (when not with status 0) to `log`. The log shows `shown` instead of `argv` when
// given (argv with a secret masked). Throws Error only when it cannot start.
LoggedRun run_logged(const std::vector<std::string>& argv, const std::filesystem::path& log,
                     std::chrono::milliseconds timeout, const std::vector<std::string>& shown = {});

// "WHAT: COMMAND LINE: HOW IT ENDED: TAIL OF ITS OUTPUT", for an Error(failure).
std::string run_failure(const std::string& what, const std::vector<std::string>& argv,
                        const CommandOutcome& outcome, std::chrono::milliseconds timeout);

}  // namespace ferry::deploy_hooks
