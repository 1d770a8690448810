// Push targets and how ferry reaches them: `local:/abs/root` runs `ferry receive ROOT` as a
// child process; `ssh://user@host[:port]/abs/root` runs it through ssh, so authentication,
// host keys and jump hosts are SSH's business (docs/push.md).
#pragma once

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ferry/common/shell.hpp"
#include "ferry/transfer/wire.hpp"

namespace ferry::transfer {

struct Target {
  enum class Kind { local, ssh };
  Kind kind = Kind::local;
  std::string user;  // ssh only; empty: ssh's default
  std::string host;  // ssh only
  int port = 0;      // ssh only; 0: ssh's default
  std::string root;  // absolute path on the node
  // `?ferry=PATH` after the root: the ferry executable on this node (ssh only), overriding
  // TransportOptions::remote_ferry.
  std::string remote_ferry;

  std::string display() const;  // "local:/srv/app", "ssh://deploy@web1:2222/srv/app"
};

// Parses a target, e.g. "ssh://deploy@web1:2222/srv/app?ferry=/opt/ferry/bin/ferry";
// Error(bad_endpoint) naming the text and what is wrong with it.
Target parse_target(std::string_view text);

struct TransportOptions {
  // The ferry executable on ssh nodes (`ferry` on the PATH by default).
  std::string remote_ferry = "ferry";
  // The ssh command and its options, split on spaces; empty: $FERRY_SSH, else "ssh".
  std::string ssh_command;
  // The ferry executable for local: targets; empty: this process's own executable.
  std::string local_ferry;
};

// Quoting for the POSIX shell that ssh hands a remote command to: the one rule, in common.
using ::ferry::shell_quote;

// The command line that runs `remote_command` (shell text) on an ssh target: `ssh_command`,
// else $FERRY_SSH, else "ssh", split on spaces, then the target's port, user and host.
std::vector<std::string> ssh_argv(const Target& target, const std::string& ssh_command,
                                  const std::string& remote_command);

// A running `ferry receive` and the channel to it.
class Connection {
 public:
  static std::unique_ptr<Connection> open(const Target& target, const TransportOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Channel& channel() { return m_channel; }
  // Closes the node's stdin and waits for it to exit; its exit status.
  int close();
  // The last lines the node (or ssh) wrote to stderr, for error messages.
  std::string stderr_tail();

 private:
  Connection(pid_t pid, int to_child, int from_child, int err_fd, std::string peer);

  pid_t m_pid;
  int m_to_child;
  int m_from_child;
  Channel m_channel;
  std::thread m_err_reader;
  std::mutex m_err_mutex;
  std::string m_err_tail;
  bool m_closed = false;
};

}  // namespace ferry::transfer
