// Test support for the deploy hooks and runbooks: shell commands, the test BIND server asked
// with dig, and tests/support/http_sink.py as a child process. Independent paths: what a hook
// changed is checked with the servers' own tools, never with ferry's code.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_env.hpp"

namespace ferry::test {

// Runs a shell command line: its exit status and its stdout and stderr together.
CommandOutput shell(const std::string& command);
// The same, failing the test when it exits non-zero; its output.
std::string shell_ok(const std::string& command);

// The test BIND server (FERRY_TEST_DNS): host and port.
struct DnsServer {
  std::string host;
  int port = 0;
};
DnsServer dns_server();

// What the test BIND server answers for a record, asked by dig itself (no recursion), with
// trailing dots cut.
std::vector<std::string> dig(const std::string& name, const std::string& type);

// tests/support/http_sink.py on a free loopback port, in its own process group (killed on
// destruction). Its POSTs to /hook land in hook_file(), one body per line.
class HttpSink {
 public:
  explicit HttpSink(const std::filesystem::path& dir);
  ~HttpSink();
  HttpSink(const HttpSink&) = delete;
  HttpSink& operator=(const HttpSink&) = delete;
  std::string url(const std::string& path) const;  // url("/ok")
  std::filesystem::path hook_file() const { return m_hook_file; }
  std::vector<nlohmann::json> hooks() const;  // every POSTed body, parsed

 private:
  std::filesystem::path m_hook_file;
  std::string m_base;
  pid_t m_pid = -1;
};

}  // namespace ferry::test
