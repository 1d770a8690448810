// No secret is ever printed or written: a password or a secret parameter in every position a
// URL or ferry.yaml can hold one, through every command that shows endpoints, checked in
// stdout, stderr and every file ferry leaves in its state directory.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_env.hpp"

namespace ferry {
namespace {

using test::run_ferry;

// Secrets that are not the servers' password: a wrong password, secret parameters.
constexpr const char* k_wrong = "Wr0ng-Pa55-Secret";
constexpr const char* k_param = "Param-T0ken-Secret";

struct Server {
  std::string user, password, host_port;
};

Server server_of(const std::string& url) {
  const Endpoint ep = parse_endpoint(url);
  return {ep.user, ep.password.reveal(), ep.host + ":" + std::to_string(*ep.port)};
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class Secrets : public ::testing::Test {
 protected:
  void SetUp() override {
    m_pg = server_of(test::postgres_url());
    m_my = server_of(test::mysql_url());
    ASSERT_FALSE(m_pg.password.empty());
    m_secrets = {m_pg.password, m_my.password, k_wrong, k_param};
  }

  // The command's output (stdout and stderr) holds none of the secrets.
  test::CommandOutput run(const std::string& args) {
    const test::CommandOutput out = run_ferry(args);
    expect_clean(out.output, args);
    return out;
  }

  void expect_clean(const std::string& text, const std::string& where) {
    for (const std::string& secret : m_secrets)
      EXPECT_EQ(text.find(secret), std::string::npos) << where << " shows " << secret << ":\n"
                                                      << text;
  }

  void expect_clean_tree(const std::filesystem::path& dir) {
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file())
        continue;
      ++files;
      expect_clean(read_file(entry.path()), entry.path().string());
    }
    EXPECT_GT(files, 0u) << "nothing written under " << dir;
  }

  // Every way a URL can carry a secret, on a database of `server`.
  std::vector<std::string> urls(const std::string& scheme, const Server& s, const std::string& db,
                                const std::string& password_file) {
    const std::string base = scheme + "://" + s.user;
    const std::string at = "@" + s.host_port + "/" + db;
    return {
        base + ":" + s.password + at,
        base + at + "?password=" + s.password,
        base + ":" + s.password + at + "?sslpassword=" + k_param,
        base + ":" + s.password + at + "?api_token=" + k_param,
        base + ":" + s.password + at + "?client_secret=" + k_param + "&connect_timeout=5",
        base + at + "?password_file=" + password_file,
        base + at + "?password_env=FERRY_SECRETS_TEST_PW",
        base + ":" + k_wrong + at,
        base + at + "?password=" + k_wrong,
        scheme + "://" + s.user + ":" + k_wrong + "@127.0.0.1:1/" + db,
        scheme + "://" + s.user + ":" + k_wrong + "@" + s.host_port + ":99/" + db,
        base + ":" + k_wrong + at + "?password_file=/nonexistent/pw",
    };
  }

  Server m_pg, m_my;
  std::vector<std::string> m_secrets;
};

TEST_F(Secrets, InspectAndSchemaDiffOnEveryDialectShowNoSecret) {
  test::TempDir dir;
  const std::string file = dir.path() + "/pw";
  test::TempDatabase pg(Dialect::postgres);
  test::TempDatabase my(Dialect::mysql);
  pg.connect()->execute({"CREATE TABLE items (id INT PRIMARY KEY, name TEXT)"});
  my.connect()->execute({"CREATE TABLE items (id INT PRIMARY KEY, name TEXT)"});
  for (const auto& [scheme, server, db] : {std::tuple{std::string("postgres"), m_pg, pg.name()},
                                           std::tuple{std::string("mysql"), m_my, my.name()}}) {
    std::ofstream(file) << server.password << "\n";
    ::setenv("FERRY_SECRETS_TEST_PW", server.password.c_str(), 1);
    const std::string good = scheme == "postgres" ? pg.url() : my.url();
    std::size_t worked = 0;
    for (const std::string& url : urls(scheme, server, db, file)) {
      const auto inspect = run("-v inspect '" + url + "'");
      worked += inspect.exit_code == 0;
      if (inspect.exit_code != 0) {
        EXPECT_EQ(inspect.exit_code, 2) << url << "\n" << inspect.output;
        EXPECT_NE(inspect.output.find("ferry: error: "), std::string::npos) << inspect.output;
      }
      run("inspect --json '" + url + "'");
      run("-v schema diff '" + good + "' '" + url + "'");
      run("schema diff --json '" + url + "' '" + good + "'");
      run("-v data diff --all-tables --from '" + good + "' --to '" + url + "' --json");
    }
    // The URLs with the right password connect: the secret positions were really used.
    EXPECT_GE(worked, 4u) << scheme;
  }
}

TEST_F(Secrets, FleetSyncReportsJournalsAndLocksShowNoSecret) {
  test::TempDir dir;
  test::TempDatabase master(Dialect::postgres);
  test::TempDatabase t1(Dialect::postgres);
  test::TempDatabase t2(Dialect::postgres);
  test::TempDatabase t3(Dialect::postgres);
  const std::string schema = "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20))";
  master.connect()->execute({schema, "INSERT INTO items VALUES (1, 'a'), (2, 'b')"});
  for (const test::TempDatabase* t : {&t1, &t2, &t3})
    t->connect()->execute({schema});
  std::ofstream(dir.path() + "/pw") << m_pg.password << "\n";
  ::setenv("FERRY_SECRETS_TEST_PW", m_pg.password.c_str(), 1);
  const std::string pg_at = "@" + m_pg.host_port + "/";
  std::ofstream(dir.path() + "/ferry.yaml")
      << "master:\n"
      << "  url: postgres://" << m_pg.user << pg_at << master.name() << "?sslpassword=" << k_param
      << "\n"
      << "  password_file: pw\n"
      << "tenants:\n"
      << "  - name: t1\n"
      << "    url: postgres://" << m_pg.user << ":${FERRY_SECRETS_TEST_PW}" << pg_at << t1.name()
      << "\n"
      << "  - name: t2\n"
      << "    url: postgres://" << m_pg.user << pg_at << t2.name() << "?password=" << m_pg.password
      << "&sslpassword=" << k_param << "\n"
      << "  - name: t3\n"
      << "    url: postgres://" << m_pg.user << pg_at << t3.name()
      << "?password_env=FERRY_SECRETS_TEST_PW\n"
      << "  - name: broken\n"
      << "    url: postgres://" << m_pg.user << ":" << k_wrong << pg_at << t1.name() << "\n"
      << "state_dir: state\n"
      << "sync:\n"
      << "  tables: [items]\n";
  const std::string c = "-c " + dir.path() + "/ferry.yaml ";
  const auto dry = run(c + "-v sync --mode full --dry-run");
  EXPECT_EQ(dry.exit_code, 4) << dry.output;  // broken fails, the others would apply
  const auto real = run(c + "-v sync --mode full");
  EXPECT_EQ(real.exit_code, 4) << real.output;
  EXPECT_NE(real.output.find("authentication failed"), std::string::npos) << real.output;
  run(c + "sync --mode full --json");
  run(c + "-v sync --resume --json");
  run(c + "-v data sync --from master --to t1 --to t2 --to broken --json");
  run(c + "-v schema sync --from master --to t3 --to broken --dry-run --json");
  // The rows reached the tenants that could be reached.
  for (const test::TempDatabase* t : {&t1, &t2, &t3}) {
    const auto rows = t->connect()->query("SELECT count(*) FROM items");
    EXPECT_EQ(rows.at(0).at(0).value_or(""), "2") << t->name() << "\n" << real.output;
  }
  expect_clean_tree(dir.path() + "/state");
}

TEST_F(Secrets, ArgumentErrorsShowNoSecret) {
  const std::string url = "postgres://app:" + std::string(k_wrong) + "@h/db?api_token=" + k_param;
  for (const std::string& args : {"data '" + url + "'", "inspect '" + url + "' '" + url + "'",
                                  "'" + url + "'", "schema diff '" + url + "'"}) {
    const auto out = run(args);
    EXPECT_EQ(out.exit_code, 2) << args << "\n" << out.output;
    EXPECT_TRUE(out.output.starts_with("ferry: error: ")) << out.output;
  }
}

TEST_F(Secrets, ConfigErrorsShowNoSecret) {
  test::TempDir dir;
  const std::string c = "-c " + dir.path() + "/ferry.yaml ";
  const std::vector<std::string> bad_urls = {
      "postgres://app:" + std::string(k_wrong) + "@h:99999/db",
      "postgres://app@h/db?password=" + std::string(k_wrong) + "&x",
      "mysql://app:" + std::string(k_wrong) + "@h/db?connect_timeout=soon",
      "postgres://app:" + std::string(k_wrong) + "@h/db${UNTERMINATED",
      "postgres://app:ab/cd" + std::string(k_wrong) + "@h/db",
      "postgres://app:${FERRY_SECRETS_TEST_SLASHED}@h:5432/db",
  };
  ::setenv("FERRY_SECRETS_TEST_SLASHED", (std::string("x/y?z#") + k_wrong).c_str(), 1);
  for (const std::string& url : bad_urls) {
    std::ofstream(dir.path() + "/ferry.yaml")
        << "master: sqlite:m.db\ntenants:\n  - name: t\n    url: " << url << "\n";
    const auto out = run(c + "sync --dry-run");
    EXPECT_EQ(out.exit_code, 2) << out.output;
    EXPECT_NE(out.output.find("ferry.yaml:4"), std::string::npos) << out.output;
  }
}

TEST_F(Secrets, PushAndReleaseErrorsShowNoSecret) {
  test::TempDir dir;
  std::filesystem::create_directories(dir.path() + "/tree");
  std::ofstream(dir.path() + "/tree/a.txt") << "a";
  const std::string secret_target =
      "ssh://deploy:" + std::string(k_wrong) + "@127.0.0.1:1/srv/app?ferry=/x";
  const auto push = run("push " + dir.path() + "/tree --to '" + secret_target + "' --release r1");
  EXPECT_EQ(push.exit_code, 2) << push.output;
  EXPECT_NE(push.output.find("take no password"), std::string::npos) << push.output;
  const auto list = run("release list --on '" + secret_target + "' --json");
  EXPECT_EQ(list.exit_code, 2) << list.output;
  // A node of ferry.yaml is checked when the file loads: file and line, no secret.
  std::ofstream(dir.path() + "/ferry.yaml")
      << "master: sqlite:m.db\ntenants:\n  - {name: t, url: 'sqlite:t.db'}\nnodes:\n"
      << "  - name: web1\n    target: " << secret_target << "\n";
  const auto node = run("-c " + dir.path() + "/ferry.yaml release list --on web1");
  EXPECT_EQ(node.exit_code, 2) << node.output;
  EXPECT_NE(node.output.find("ferry.yaml:6"), std::string::npos) << node.output;
}

}  // namespace
}  // namespace ferry
