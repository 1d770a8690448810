#include "hook_servers.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ferry::test {

CommandOutput shell(const std::string& command) {
  CommandOutput out;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr)
    throw std::runtime_error("popen failed for " + command);
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0)
    out.output.append(buf, n);
  const int status = ::pclose(pipe);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

std::string shell_ok(const std::string& command) {
  const CommandOutput out = shell(command);
  EXPECT_EQ(out.exit_code, 0) << command << "\n" << out.output;
  return out.output;
}

DnsServer dns_server() {
  const std::string server = server_setting("FERRY_TEST_DNS");
  const auto colon = server.rfind(':');
  return {.host = server.substr(0, colon), .port = std::stoi(server.substr(colon + 1))};
}

std::vector<std::string> dig(const std::string& name, const std::string& type) {
  const DnsServer dns = dns_server();
  std::istringstream lines(shell_ok("dig @" + dns.host + " -p " + std::to_string(dns.port) +
                                    " +short +norecurse +time=2 +tries=2 " + name + " " + type));
  std::vector<std::string> values;
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '.')
      line.pop_back();
    if (!line.empty())
      values.push_back(line);
  }
  return values;
}

HttpSink::HttpSink(const std::filesystem::path& dir) : m_hook_file(dir / "hooks.jsonl") {
  int out[2];
  if (::pipe(out) != 0)
    throw std::runtime_error("pipe failed");
  m_pid = ::fork();
  if (m_pid == 0) {
    ::setpgid(0, 0);
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::execlp("python3", "python3", FERRY_HTTP_SINK, m_hook_file.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(out[1]);
  // Its first line is the port; give it 30 s to start.
  std::string line;
  pollfd pfd{.fd = out[0], .events = POLLIN, .revents = 0};
  char c = 0;
  while (line.find('\n') == std::string::npos && ::poll(&pfd, 1, 30'000) == 1 &&
         ::read(out[0], &c, 1) == 1)
    line += c;
  ::close(out[0]);
  if (line.find('\n') == std::string::npos) {
    ::kill(-m_pid, SIGKILL);
    ::waitpid(m_pid, nullptr, 0);
    throw std::runtime_error("http_sink.py printed no port (is python3 installed?): " + line);
  }
  m_base = "http://127.0.0.1:" + line.substr(0, line.find('\n'));
}

HttpSink::~HttpSink() {
  if (m_pid > 0) {
    ::kill(-m_pid, SIGKILL);
    ::waitpid(m_pid, nullptr, 0);
  }
}

std::string HttpSink::url(const std::string& path) const {
  return m_base + path;
}

std::vector<nlohmann::json> HttpSink::hooks() const {
  std::vector<nlohmann::json> out;
  std::ifstream in(m_hook_file);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty())
      out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

}  // namespace ferry::test
