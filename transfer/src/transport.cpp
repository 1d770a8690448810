#include "ferry/transfer/transport.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <utility>
#include <vector>

#include "ferry/common/error.hpp"
#include "ferry/common/url.hpp"

namespace ferry::transfer {
namespace {

constexpr std::size_t k_err_tail = 4096;

constexpr UrlKind k_target{"target",
                           "(expected local:/abs/root or ssh://user@host[:port]/abs/root)"};

std::string check_root(std::string_view text, std::string_view root) {
  if (root.empty() || root.front() != '/')
    fail_url(text, k_target, "the root must be an absolute path");
  const std::filesystem::path path{std::string(root)};
  for (const auto& part : path) {
    if (part == "..")
      fail_url(text, k_target, "the root must not contain '..'");
  }
  std::string out = path.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/')
    out.pop_back();
  return out;
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (c == ' ' || c == '\t') {
      if (!word.empty())
        words.push_back(std::move(word));
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty())
    words.push_back(std::move(word));
  return words;
}

std::string self_executable() {
  std::error_code ec;
  auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec)
    throw Error(ErrorKind::failure, "cannot find ferry's own executable in /proc/self/exe");
  return path.string();
}

// The three pipes of a child: its stdin, stdout and stderr (close-on-exec in this process).
// Closed on destruction unless released, so an error while starting the child leaks no
// descriptor.
class ChildPipes {
 public:
  ChildPipes() {
    for (int i = 0; i < 3; ++i) {
      if (::pipe2(m_fds + 2 * i, O_CLOEXEC) != 0) {
        const int error = errno;
        close_all();
        throw Error(ErrorKind::failure, fmt::format("pipe: {}", std::strerror(error)));
      }
    }
  }
  ~ChildPipes() { close_all(); }
  ChildPipes(const ChildPipes&) = delete;
  ChildPipes& operator=(const ChildPipes&) = delete;

  // The child's ends: the read end of its stdin, the write ends of its stdout and stderr.
  int child_in() const { return m_fds[0]; }
  int child_out() const { return m_fds[3]; }
  int child_err() const { return m_fds[5]; }
  // Once the child has its copies of them.
  void close_child_ends() {
    close_fd(m_fds[0]);
    close_fd(m_fds[3]);
    close_fd(m_fds[5]);
  }
  // This process's ends, now owned by the caller.
  int release_to_child() { return std::exchange(m_fds[1], -1); }
  int release_from_child() { return std::exchange(m_fds[2], -1); }
  int release_err() { return std::exchange(m_fds[4], -1); }

 private:
  static void close_fd(int& fd) {
    if (fd >= 0)
      ::close(fd);
    fd = -1;
  }
  void close_all() {
    for (int& fd : m_fds)
      close_fd(fd);
  }
  int m_fds[6] = {-1, -1, -1, -1, -1, -1};
};

// Starts argv[0] (searched on the PATH) with the given descriptors as its stdin, stdout and
// stderr, SIGPIPE at its default and no signal blocked. posix_spawnp, not fork: this process
// has threads that allocate and take locks, which a forked child could find held forever.
// A program that cannot be started is an Error here, with errno's reason.
pid_t spawn(const std::vector<char*>& argv, int child_in, int child_out, int child_err) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  if (int rc = ::posix_spawn_file_actions_init(&actions); rc != 0)
    throw Error(ErrorKind::failure, fmt::format("posix_spawn: {}", std::strerror(rc)));
  if (int rc = ::posix_spawnattr_init(&attr); rc != 0) {
    ::posix_spawn_file_actions_destroy(&actions);
    throw Error(ErrorKind::failure, fmt::format("posix_spawn: {}", std::strerror(rc)));
  }
  sigset_t defaults, none;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigemptyset(&none);
  int rc = ::posix_spawn_file_actions_adddup2(&actions, child_in, STDIN_FILENO);
  if (rc == 0)
    rc = ::posix_spawn_file_actions_adddup2(&actions, child_out, STDOUT_FILENO);
  if (rc == 0)
    rc = ::posix_spawn_file_actions_adddup2(&actions, child_err, STDERR_FILENO);
  if (rc == 0)
    rc = ::posix_spawnattr_setsigdefault(&attr, &defaults);
  if (rc == 0)
    rc = ::posix_spawnattr_setsigmask(&attr, &none);
  if (rc == 0)
    rc = ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  if (rc == 0)
    rc = ::posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), environ);
  ::posix_spawnattr_destroy(&attr);
  ::posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    throw Error(ErrorKind::failure, fmt::format("cannot run {}: {}", argv[0], std::strerror(rc)));
  return pid;
}

}  // namespace

std::string Target::display() const {
  if (kind == Kind::local)
    return "local:" + root;
  std::string out = "ssh://";
  if (!user.empty())
    out += user + "@";
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != 0)
    out += ":" + std::to_string(port);
  return out + root;
}

Target parse_target(std::string_view text) {
  if (!text.starts_with("local:") && !text.starts_with("ssh:"))
    fail_url(text, k_target, "unknown scheme");
  Url url = parse_url(text, k_target);
  Target target;
  for (auto& [key, value] : url.query) {
    if (key != "ferry")
      fail_url(text, k_target, "unknown parameter '" + key + "' (only ?ferry=PATH)");
    if (value.empty())
      fail_url(text, k_target, "empty ?ferry= path");
    target.remote_ferry = std::move(value);
  }
  if (url.scheme == "local") {
    if (url.has_authority)
      fail_url(text, k_target, "a local root is written local:/abs/root");
    target.kind = Target::Kind::local;
    target.root = check_root(text, url.path);
    return target;
  }
  if (!url.has_authority)
    fail_url(text, k_target, "expected ssh://");
  target.kind = Target::Kind::ssh;
  if (url.password)
    fail_url(text, k_target, "ssh targets take no password: ssh authenticates (keys, agent)");
  if (url.path.empty())
    fail_url(text, k_target, "no root path after the host");
  target.root = check_root(text, url.path);
  target.user = std::move(url.user);
  if (url.has_userinfo && target.user.empty())
    fail_url(text, k_target, "empty user name");
  target.host = std::move(url.host);
  if (target.host.empty())
    fail_url(text, k_target, "no host");
  if (target.host.front() == '-')
    fail_url(text, k_target, "a host may not start with '-'");
  target.port = url.port.value_or(0);
  return target;
}

Connection::Connection(pid_t pid, int to_child, int from_child, int err_fd, std::string peer)
    : m_pid(pid),
      m_to_child(to_child),
      m_from_child(from_child),
      m_channel(from_child, to_child, std::move(peer)) {
  m_err_reader = std::thread([this, err_fd] {
    char buffer[1024];
    for (;;) {
      const ssize_t n = ::read(err_fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      std::lock_guard lock(m_err_mutex);
      m_err_tail.append(buffer, static_cast<std::size_t>(n));
      if (m_err_tail.size() > k_err_tail)
        m_err_tail.erase(0, m_err_tail.size() - k_err_tail);
    }
    ::close(err_fd);
  });
}

std::vector<std::string> ssh_argv(const Target& target, const std::string& ssh_command,
                                  const std::string& remote_command) {
  std::string ssh = ssh_command;
  if (ssh.empty()) {
    const char* env = std::getenv("FERRY_SSH");
    ssh = env != nullptr && *env != '\0' ? env : "ssh";
  }
  std::vector<std::string> args = split_words(ssh);
  if (target.port != 0) {
    args.push_back("-p");
    args.push_back(std::to_string(target.port));
  }
  if (!target.user.empty()) {
    args.push_back("-l");
    args.push_back(target.user);
  }
  args.push_back("--");
  args.push_back(target.host);
  args.push_back(remote_command);
  return args;
}

std::unique_ptr<Connection> Connection::open(const Target& target,
                                             const TransportOptions& options) {
  // A node that goes away must show up as an error from write(), not kill the sender.
  ::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args;
  if (target.kind == Target::Kind::local) {
    args = {options.local_ferry.empty() ? self_executable() : options.local_ferry, "receive",
            target.root};
  } else {
    const std::string& ferry =
        target.remote_ferry.empty() ? options.remote_ferry : target.remote_ferry;
    args = ssh_argv(target, options.ssh_command,
                    shell_quote(ferry) + " receive " + shell_quote(target.root));
  }
  ChildPipes pipes;
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = spawn(argv, pipes.child_in(), pipes.child_out(), pipes.child_err());
  pipes.close_child_ends();
  const int to_child = pipes.release_to_child();
  const int from_child = pipes.release_from_child();
  const int err = pipes.release_err();
  return std::unique_ptr<Connection>(
      new Connection(pid, to_child, from_child, err, target.display()));
}

int Connection::close() {
  if (m_closed)
    return 0;
  m_closed = true;
  ::close(m_to_child);
  int status = 0;
  while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
  }
  ::close(m_from_child);
  if (m_err_reader.joinable())
    m_err_reader.join();
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

std::string Connection::stderr_tail() {
  std::lock_guard lock(m_err_mutex);
  std::string tail = m_err_tail;
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r'))
    tail.pop_back();
  return tail;
}

Connection::~Connection() {
  if (!m_closed) {
    ::kill(m_pid, SIGTERM);
    close();
  }
}

}  // namespace ferry::transfer
