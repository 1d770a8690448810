// Test support: the servers started by scripts/test-servers, throwaway databases on them, and
// running the ferry executable. A test that needs a server fails when it is missing.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "ferry/connectors/connector.hpp"

namespace ferry {
// GoogleTest prints a Dialect parameter by its name ("postgres"), not as a byte dump.
inline void PrintTo(Dialect dialect, std::ostream* os) {
  *os << to_string(dialect);
}
}  // namespace ferry

namespace ferry::test {

// The server URLs: from FERRY_TEST_PG / FERRY_TEST_MYSQL when set, else from the env file
// that the ctest fixture wrote (FERRY_TEST_ENV_FILE). Throws when neither names a server.
std::string postgres_url();
std::string mysql_url();

// The throwaway sshd: FERRY_TEST_SSH ("ssh://USER@127.0.0.1:PORT") and the ssh_config that
// reaches it with the test's key (FERRY_TEST_SSH_CONFIG), from the environment or env file.
std::string ssh_url();
std::string ssh_config();

// Any other setting of the test servers (FERRY_TEST_DNS, FERRY_TEST_AWS_ENDPOINT, ...), from
// the environment or the env file in the same way. Throws when neither names it.
std::string server_setting(const std::string& key);

// `url` with its database replaced.
std::string with_database(const std::string& url, const std::string& database);

// A database with a unique name, created on construction and dropped on destruction, so
// tests can run in parallel (ctest -j). For SQLite, a file in a fresh temp directory.
class TempDatabase {
 public:
  explicit TempDatabase(Dialect dialect);
  ~TempDatabase();
  TempDatabase(const TempDatabase&) = delete;
  TempDatabase& operator=(const TempDatabase&) = delete;

  const std::string& url() const { return m_url; }
  const std::string& name() const { return m_name; }
  Endpoint endpoint() const { return parse_endpoint(m_url); }
  std::unique_ptr<connectors::Connector> connect() const { return connectors::connect(endpoint()); }

 private:
  Dialect m_dialect;
  std::string m_admin_url;
  std::string m_name;
  std::string m_url;
};

// Runs the ferry executable (FERRY_BIN) with `args` (shell words), capturing stdout and
// stderr together.
struct CommandOutput {
  int exit_code = -1;
  std::string output;
};
CommandOutput run_ferry(const std::string& args);
// Runs a shell command line (sh -c), capturing its stdout (add 2>&1 for stderr too).
CommandOutput run_shell(const std::string& command);

// The ferry executable: FERRY_BIN, else the one this build made.
std::string ferry_binary();

// ferry started as a child process (fork + exec, so a test knows its pid and can kill it),
// stdout and stderr into `output_file`; killed with SIGKILL on destruction if still running.
class FerryProcess {
 public:
  FerryProcess(const std::vector<std::string>& args, const std::filesystem::path& output_file);
  ~FerryProcess();
  FerryProcess(const FerryProcess&) = delete;
  FerryProcess& operator=(const FerryProcess&) = delete;

  pid_t pid() const { return m_pid; }
  std::string output() const;
  bool running();
  void kill();
  int wait();  // the wait status

 private:
  std::filesystem::path m_output_file;
  pid_t m_pid = -1;
  std::optional<int> m_status;
};

// Polls `condition` every 2 ms until it holds (true), or `child` ends or `limit` passes
// (false). A condition that throws counts as false: what it reads may not exist yet, or be
// locked by the child.
bool wait_for(FerryProcess& child, const std::function<bool()>& condition,
              std::chrono::milliseconds limit = std::chrono::seconds(60));

// The 1-based line of the first occurrence of `needle` in `text` (a test's YAML), for
// checking that an error names the right line.
int line_of(const std::string& text, const std::string& needle);

// A fresh empty directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

}  // namespace ferry::test
