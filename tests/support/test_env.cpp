#include "test_env.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>
#include <thread>

namespace ferry::test {
namespace {

std::string from_env_file(const std::string& key) {
  const char* file = std::getenv("FERRY_TEST_ENV_FILE");
  if (file == nullptr)
    file = FERRY_DEFAULT_ENV_FILE;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(key + "="))
      return line.substr(key.size() + 1);
  }
  return {};
}

std::string server_url(const std::string& key) {
  if (const char* v = std::getenv(key.c_str()); v != nullptr && *v != '\0')
    return v;
  std::string url = from_env_file(key);
  if (url.empty()) {
    throw std::runtime_error(key +
                             " is not set and no test-server env file names it: start the "
                             "servers with scripts/test-servers start, or run the tests "
                             "through ctest");
  }
  return url;
}

std::string unique_suffix() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
         std::to_string(rd() % 100000);
}

}  // namespace

std::string postgres_url() {
  return server_url("FERRY_TEST_PG");
}
std::string ssh_url() {
  return server_url("FERRY_TEST_SSH");
}
std::string ssh_config() {
  return server_url("FERRY_TEST_SSH_CONFIG");
}
std::string mysql_url() {
  return server_url("FERRY_TEST_MYSQL");
}
std::string server_setting(const std::string& key) {
  return server_url(key);
}

std::string with_database(const std::string& url, const std::string& database) {
  const auto scheme_end = url.find("://");
  const auto slash = url.find('/', scheme_end + 3);
  const auto query = url.find('?', slash);
  return url.substr(0, slash + 1) + database +
         (query == std::string::npos ? std::string{} : url.substr(query));
}

TempDatabase::TempDatabase(Dialect dialect) : m_dialect(dialect) {
  m_name = "ferry_t_" + unique_suffix();
  switch (dialect) {
    case Dialect::postgres:
      m_admin_url = postgres_url();
      break;
    case Dialect::mysql:
      m_admin_url = mysql_url();
      break;
    case Dialect::sqlite: {
      const auto dir = std::filesystem::temp_directory_path() / m_name;
      std::filesystem::create_directories(dir);
      m_url = "sqlite://" + (dir / "test.db").string() + "?mode=rwc";
      return;
    }
  }
  auto admin = connectors::connect(parse_endpoint(m_admin_url));
  admin->execute({"CREATE DATABASE " + admin->quote_identifier(m_name)});
  m_url = with_database(m_admin_url, m_name);
}

TempDatabase::~TempDatabase() {
  try {
    if (m_dialect == Dialect::sqlite) {
      std::filesystem::remove_all(std::filesystem::temp_directory_path() / m_name);
      return;
    }
    auto admin = connectors::connect(parse_endpoint(m_admin_url));
    if (m_dialect == Dialect::postgres) {
      admin->execute(
          {"DROP DATABASE IF EXISTS " + admin->quote_identifier(m_name) + " WITH (FORCE)"});
    } else {
      admin->execute({"DROP DATABASE IF EXISTS " + admin->quote_identifier(m_name)});
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "warning: could not drop test database %s: %s\n", m_name.c_str(),
                 e.what());
  }
}

CommandOutput run_ferry(const std::string& args) {
  const char* bin = std::getenv("FERRY_BIN");
  if (bin == nullptr)
    bin = FERRY_DEFAULT_BIN;
  return run_shell(std::string(bin) + " " + args + " 2>&1");
}

CommandOutput run_shell(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr)
    throw std::runtime_error("popen failed for " + command);
  CommandOutput out;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0)
    out.output.append(buf.data(), n);
  const int status = ::pclose(pipe);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

std::string ferry_binary() {
  const char* bin = std::getenv("FERRY_BIN");
  return bin != nullptr && *bin != '\0' ? bin : FERRY_DEFAULT_BIN;
}

FerryProcess::FerryProcess(const std::vector<std::string>& args,
                           const std::filesystem::path& output_file)
    : m_output_file(output_file) {
  std::vector<std::string> argv_strings{ferry_binary()};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_strings)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  m_pid = ::fork();
  if (m_pid == 0) {
    const int fd = ::open(output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
}

FerryProcess::~FerryProcess() {
  if (running())
    kill();
}

std::string FerryProcess::output() const {
  std::ifstream in(m_output_file);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool wait_for(FerryProcess& child, const std::function<bool()>& condition,
              std::chrono::milliseconds limit) {
  const auto holds = [&] {
    try {
      return condition();
    } catch (const std::exception&) {
      return false;
    }
  };
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (holds())
      return true;
    if (!child.running())
      return holds();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

bool FerryProcess::running() {
  if (m_pid <= 0 || m_status)
    return false;
  int status = 0;
  if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
    m_status = status;
    return false;
  }
  return true;
}

void FerryProcess::kill() {
  if (running())
    ::kill(m_pid, SIGKILL);
  wait();
}

int FerryProcess::wait() {
  if (!m_status && m_pid > 0) {
    int status = 0;
    ::waitpid(m_pid, &status, 0);
    m_status = status;
  }
  return m_status.value_or(-1);
}

TempDir::TempDir() {
  const auto dir = std::filesystem::temp_directory_path() / ("ferry_d_" + unique_suffix());
  std::filesystem::create_directories(dir);
  m_path = dir.string();
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);
}

int line_of(const std::string& text, const std::string& needle) {
  const auto at = text.find(needle);
  EXPECT_NE(at, std::string::npos) << "'" << needle << "' is not in the test's YAML";
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + at, '\n'));
}

}  // namespace ferry::test
