// `ferry inspect` as a user runs it: success, and every way an endpoint can be wrong.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "test_env.hpp"

namespace ferry {
namespace {

using test::run_ferry;

constexpr const char* k_secret = "S3cret-Pa55-word";

// A TCP port on 127.0.0.1 that listens but never answers: the handshake completes in the
// kernel and the client waits for a greeting that never comes.
class SilentServer {
 public:
  SilentServer() {
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(m_fd, 16) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    socklen_t len = sizeof addr;
    ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&addr), &len);
    m_port = ntohs(addr.sin_port);
  }
  ~SilentServer() { ::close(m_fd); }
  int port() const { return m_port; }

 private:
  int m_fd = -1;
  int m_port = 0;
};

// A port on 127.0.0.1 that nothing listens on.
int closed_port() {
  SilentServer s;
  return s.port();  // closed again when `s` goes
}

// Runs inspect and checks the contract for endpoint errors: exit 2, one line naming the
// problem, the password nowhere in the output.
void expect_endpoint_error(const std::string& url, const std::string& fragment) {
  const auto out = run_ferry("inspect '" + url + "'");
  EXPECT_EQ(out.exit_code, 2) << out.output;
  EXPECT_NE(out.output.find(fragment), std::string::npos) << out.output;
  EXPECT_EQ(out.output.find(k_secret), std::string::npos) << out.output;
  EXPECT_EQ(std::count(out.output.begin(), out.output.end(), '\n'), 1) << out.output;
  EXPECT_TRUE(out.output.starts_with("ferry: error: ")) << out.output;
}

std::string server_part(const std::string& url) {
  // "scheme://user:pw@host:port/db" -> ("scheme", "user", "host:port")
  return url.substr(url.find('@') + 1, url.find('/', url.find('@')) - url.find('@') - 1);
}

std::string user_part(const std::string& url) {
  const auto start = url.find("://") + 3;
  return url.substr(start, url.find(':', start) - start);
}

class InspectErrors : public ::testing::TestWithParam<std::string> {
 protected:
  std::string base_url() const {
    return GetParam() == "postgres" ? test::postgres_url() : test::mysql_url();
  }
  std::string scheme() const { return GetParam(); }
};

TEST_P(InspectErrors, WrongPasswordIsAuthenticationFailure) {
  const std::string url = scheme() + "://" + user_part(base_url()) + ":" + k_secret + "@" +
                          server_part(base_url()) + "/" +
                          (scheme() == "postgres" ? "postgres" : "mysql");
  expect_endpoint_error(url, "authentication failed");
  expect_endpoint_error(url, user_part(base_url()) + ":***@");
}

TEST_P(InspectErrors, MissingDatabaseIsNamed) {
  test::TempDatabase db(scheme() == "postgres" ? Dialect::postgres : Dialect::mysql);
  const std::string url = test::with_database(db.url(), "ferry_no_such_db_xyz");
  expect_endpoint_error(url, "ferry_no_such_db_xyz");
  expect_endpoint_error(url, "does not exist");
}

TEST_P(InspectErrors, ClosedPortIsUnreachable) {
  const std::string url =
      scheme() + "://app:" + k_secret + "@127.0.0.1:" + std::to_string(closed_port()) + "/db";
  expect_endpoint_error(url, "unreachable");
  expect_endpoint_error(url, "app:***@127.0.0.1");
}

TEST_P(InspectErrors, SilentServerFailsWithinTheConnectTimeout) {
  SilentServer silent;
  const std::string url = scheme() + "://app:" + k_secret +
                          "@127.0.0.1:" + std::to_string(silent.port()) + "/db?connect_timeout=2";
  const auto start = std::chrono::steady_clock::now();
  expect_endpoint_error(url, "unreachable");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(8));
}

TEST_P(InspectErrors, PasswordFromFileIsNeverPrinted) {
  test::TempDir dir;
  const std::string file = dir.path() + "/pw";
  FILE* f = std::fopen(file.c_str(), "w");
  std::fputs(k_secret, f);
  std::fclose(f);
  const std::string url = scheme() + "://" + user_part(base_url()) + "@" + server_part(base_url()) +
                          "/" + (scheme() == "postgres" ? "postgres" : "mysql") +
                          "?password_file=" + file;
  expect_endpoint_error(url, "authentication failed");
}

TEST_P(InspectErrors, InspectSucceedsOnARealDatabase) {
  test::TempDatabase db(scheme() == "postgres" ? Dialect::postgres : Dialect::mysql);
  db.connect()->execute({"CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL)"});
  const auto text = run_ferry("inspect '" + db.url() + "'");
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("items"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("primary key (id)"), std::string::npos) << text.output;
  EXPECT_EQ(text.output.find("ferry-test-pw"), std::string::npos) << text.output;
  const auto json = run_ferry("inspect --json '" + db.url() + "'");
  ASSERT_EQ(json.exit_code, 0) << json.output;
  const auto doc = nlohmann::json::parse(json.output);
  EXPECT_EQ(doc["format"], "ferry.catalog/1");
  EXPECT_EQ(doc["dialect"], scheme() == "postgres" ? "postgres" : "mysql");
  ASSERT_EQ(doc["tables"].size(), 1u);
  EXPECT_EQ(doc["tables"][0]["name"], "items");
  EXPECT_EQ(doc["tables"][0]["columns"][1]["nullable"], false);
}

INSTANTIATE_TEST_SUITE_P(Servers, InspectErrors, ::testing::Values("postgres", "mysql"),
                         [](const auto& info) {
                           return std::string(info.param) == "mysql" ? std::string("MariaDB")
                                                                     : std::string("Postgres");
                         });

TEST(Inspect, BadUrlsExitWithTwo) {
  for (const std::string url :
       {"postgres://u:S3cret-Pa55-word@host:notaport/db", "ftp://u:S3cret-Pa55-word@h/d",
        "mysql://u:S3cret-Pa55-word@h", "sqlite:"}) {
    const auto out = run_ferry("inspect '" + url + "'");
    EXPECT_EQ(out.exit_code, 2) << out.output;
    EXPECT_NE(out.output.find("bad endpoint"), std::string::npos) << out.output;
    EXPECT_EQ(out.output.find(k_secret), std::string::npos) << out.output;
  }
}

TEST(Inspect, MissingSqliteFileExitsWithTwoAndCreatesNothing) {
  test::TempDir dir;
  const auto out = run_ferry("inspect sqlite://" + dir.path() + "/nope.db");
  EXPECT_EQ(out.exit_code, 2) << out.output;
  EXPECT_NE(out.output.find("nope.db does not exist"), std::string::npos) << out.output;
  EXPECT_EQ(::access((dir.path() + "/nope.db").c_str(), F_OK), -1);
}

TEST(Inspect, SqliteJsonIsStableAndSorted) {
  test::TempDatabase db(Dialect::sqlite);
  db.connect()->execute({"CREATE TABLE zebra (id INTEGER PRIMARY KEY)",
                         "CREATE TABLE apple (id INTEGER PRIMARY KEY, z TEXT, a TEXT)"});
  const auto first = run_ferry("inspect --json '" + db.url() + "'");
  const auto second = run_ferry("inspect --json '" + db.url() + "'");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(first.output, second.output);
  const auto doc = nlohmann::json::parse(first.output);
  EXPECT_EQ(doc["tables"][0]["name"], "apple");
  EXPECT_EQ(doc["tables"][1]["name"], "zebra");
  EXPECT_EQ(doc["tables"][0]["columns"][1]["name"], "z");  // ordinal order, not sorted
}

TEST(Inspect, UsageErrorsExitWithTwo) {
  EXPECT_EQ(run_ferry("inspect").exit_code, 2);
  EXPECT_EQ(run_ferry("no-such-command").exit_code, 2);
  EXPECT_EQ(run_ferry("--help").exit_code, 0);
}

}  // namespace
}  // namespace ferry
