#include "ferry/deploy_hooks/command.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <thread>

#include "ferry/common/error.hpp"

extern char** environ;

namespace ferry::deploy_hooks {

std::string CommandOutcome::describe(std::chrono::milliseconds timeout) const {
  if (timed_out)
    return "timed out after " + std::to_string(timeout.count() / 1000.0).substr(0, 5) + "s";
  if (signal != 0)
    return std::string("killed by signal ") + std::to_string(signal);
  return "exit status " + std::to_string(exit_code);
}

std::string file_tail(const std::filesystem::path& file, std::size_t max_lines) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return {};
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff from = size > 4096 ? size - 4096 : 0;
  in.seekg(from);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && text.back() == '\n')
    text.pop_back();
  std::size_t start = text.size();
  for (std::size_t lines = 0; start > 0 && lines < max_lines; --start) {
    if (text[start - 1] == '\n' && ++lines == max_lines)
      break;
  }
  return text.substr(start);
}

CommandOutcome run_command(const CommandSpec& spec) {
  if (spec.argv.empty())
    throw Error(ErrorKind::usage, "run_command: no program");
  // The environment: this process's, with spec.env's keys replaced or added.
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string item = *e;
    env[item.substr(0, item.find('='))] = item;
  }
  for (const std::string& item : spec.env)
    env[item.substr(0, item.find('='))] = item;
  std::vector<std::string> env_items;
  for (auto& [key, item] : env)
    env_items.push_back(item);
  std::vector<char*> envp;
  for (std::string& item : env_items)
    envp.push_back(item.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = spec.argv;
  std::vector<char*> argv;
  for (std::string& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);

  std::filesystem::create_directories(spec.output.parent_path());
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, spec.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  if (!spec.cwd.empty())
    posix_spawn_file_actions_addchdir_np(&actions, spec.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    throw Error(ErrorKind::failure,
                "cannot run " + spec.argv[0] + ": " + std::strerror(rc) +
                    (spec.cwd.empty() ? "" : " (in " + spec.cwd.string() + ")"));
  }

  CommandOutcome outcome;
  const auto start = std::chrono::steady_clock::now();
  int status = 0;
  auto pause = std::chrono::milliseconds(2);
  std::chrono::steady_clock::time_point term_sent;
  bool killed = false;
  while (true) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid)
      break;
    if (done < 0 && errno != EINTR)
      throw Error(ErrorKind::failure, "waiting for " + spec.argv[0] + ": " + std::strerror(errno));
    const auto now = std::chrono::steady_clock::now();
    if (spec.timeout.count() > 0 && !outcome.timed_out && now - start > spec.timeout) {
      outcome.timed_out = true;
      term_sent = now;
      ::kill(-pid, SIGTERM);
    } else if (outcome.timed_out && !killed && now - term_sent > std::chrono::seconds(2)) {
      // Two seconds to stop after SIGTERM, then the whole group is killed.
      killed = true;
      ::kill(-pid, SIGKILL);
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  if (WIFEXITED(status))
    outcome.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    outcome.signal = WTERMSIG(status);
  if (outcome.timed_out)
    outcome.exit_code = -1;
  outcome.tail = file_tail(spec.output);
  return outcome;
}

}  // namespace ferry::deploy_hooks
