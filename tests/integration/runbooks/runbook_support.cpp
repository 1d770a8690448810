#include "runbook_support.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include "ferry/common/shell.hpp"

namespace ferry::test::runbooks {

using ::ferry::shell_quote;

nlohmann::json aws(const std::string& args) {
  const CommandOutput out =
      shell("aws --endpoint-url " + server_setting("FERRY_TEST_AWS_ENDPOINT") +
            " --region us-east-1 --output json " + args);
  EXPECT_EQ(out.exit_code, 0) << "aws " << args << ":\n" << out.output;
  if (out.exit_code != 0 || out.output.find_first_not_of(" \n") == std::string::npos)
    return nlohmann::json::object();
  return nlohmann::json::parse(out.output);
}

namespace {

// A full window from an hour ago to two hours from now (UTC), so `sync: auto` moves data.
std::string window_around_now() {
  const std::time_t now = std::time(nullptr);
  char buf[32];
  std::tm from{}, to{};
  const std::time_t start = now - 3600, end = now + 7200;
  ::gmtime_r(&start, &from);
  ::gmtime_r(&end, &to);
  std::snprintf(buf, sizeof buf, "%02d:%02d-%02d:%02d", from.tm_hour, from.tm_min, to.tm_hour,
                to.tm_min);
  return buf;
}

}  // namespace

void nsupdate(const std::string& name, const std::string& type, const std::string& value) {
  const test::DnsServer dns = dns_server();
  const std::string script = "server " + dns.host + " " + std::to_string(dns.port) + "\nzone " +
                             server_setting("FERRY_TEST_DNS_ZONE") + "\nupdate delete " + name +
                             " " + type + "\nupdate add " + name + " 60 " + type + " " + value +
                             "\nsend\n";
  const CommandOutput out = shell("printf %s " + shell_quote(script) + " | nsupdate -k " +
                                  server_setting("FERRY_TEST_DNS_KEY"));
  ASSERT_EQ(out.exit_code, 0) << out.output;
}

void ReleaseSetup::SetUp() {
  m_dir = m_tmp.path();
  m_master = std::make_unique<TempDatabase>(Dialect::postgres);
  m_globex = std::make_unique<TempDatabase>(Dialect::postgres);
  m_acme = m_dir / "acme.db";
  m_master->connect()->execute(
      {"CREATE TABLE countries (code text PRIMARY KEY, name text NOT NULL)",
       "INSERT INTO countries VALUES ('NL', 'Netherlands'), ('PT', 'Portugal')",
       "CREATE TABLE settings (id integer PRIMARY KEY, maintenance integer NOT NULL)"});
  m_globex->connect()->execute(
      {"CREATE TABLE settings (id integer PRIMARY KEY, maintenance integer NOT NULL)",
       "INSERT INTO settings VALUES (1, 0)"});
  connectors::connect(parse_endpoint("sqlite://" + m_acme.string() + "?mode=rwc"))
      ->execute({"CREATE TABLE settings (id integer PRIMARY KEY, maintenance integer NOT NULL)",
                 "INSERT INTO settings VALUES (1, 0)"});
  std::filesystem::create_directories(node_root("web1"));
  std::filesystem::create_directories(node_root("web2"));
  m_http = std::make_unique<HttpSink>(m_dir);

  write_config("sqlite://" + m_acme.string());
  // What the aws CLI and ssh need, as a user's shell would have it.
  ::setenv("AWS_ACCESS_KEY_ID", "testing", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "testing", 1);
  ::setenv("AWS_DEFAULT_REGION", "us-east-1", 1);
  ::setenv("FERRY_SSH", ("ssh -F " + ssh_config()).c_str(), 1);
}

void ReleaseSetup::write_config(const std::string& acme_url) {
  std::ofstream(m_dir / "ferry.yaml")
      << "master: " << m_master->url() << "\n"
      << "tenants:\n"
      << "  - {name: acme, url: '" << acme_url << "', group: staging}\n"
      << "  - {name: globex, url: '" << m_globex->url() << "', group: production}\n"
      << "groups: [staging, production]\n"
      << "sync:\n  tables: [countries]\n"
      << "windows:\n  full: '" << window_around_now() << "'\n"  // the night sync moves data
      << "state_dir: state\n"
      << "nodes:\n"
      << "  - {name: web1, target: 'local:" << node_root("web1").string() << "', group: web}\n"
      << "  - {name: web2, target: '" << ssh_url() << node_root("web2").string()
      << "', group: web, ferry: " << ferry_binary() << "}\n"
      << "aws:\n  region: us-east-1\n  endpoint_url: " << server_setting("FERRY_TEST_AWS_ENDPOINT")
      << "\n";
}

void ReleaseSetup::use_postgres_staging() {
  m_acme_pg = std::make_unique<TempDatabase>(Dialect::postgres);
  m_acme_pg->connect()->execute(
      {"CREATE TABLE settings (id integer PRIMARY KEY, maintenance integer NOT NULL)",
       "INSERT INTO settings VALUES (1, 0)"});
  write_config(m_acme_pg->url());
}

void ReleaseSetup::use_example(const std::string& name,
                               const std::vector<std::pair<std::string, std::string>>& edits) {
  std::ifstream in(std::filesystem::path(FERRY_EXAMPLES_DIR) / "runbooks" / (name + ".yaml"));
  ASSERT_TRUE(in) << "no example runbook " << name;
  std::string text((std::istreambuf_iterator<char>(in)), {});
  for (const auto& [from, to] : edits) {
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << "'" << from << "' is not in example " << name;
    text.replace(at, from.size(), to);
  }
  write_runbook(name, text);
}

void ReleaseSetup::write_runbook(const std::string& name, const std::string& yaml) {
  std::filesystem::create_directories(m_dir / "runbooks");
  std::ofstream(m_dir / "runbooks" / (name + ".yaml")) << yaml;
}

CommandOutput ReleaseSetup::ferry(const std::string& args) const {
  return run_ferry("-c " + (m_dir / "ferry.yaml").string() + " " + args);
}

int ReleaseSetup::maintenance(const std::string& tenant) const {
  const std::string sql = "SELECT maintenance FROM settings WHERE id = 1";
  const auto rows =
      tenant != "acme" ? m_globex->connect()->query(sql)
      : m_acme_pg      ? m_acme_pg->connect()->query(sql)
                  : connectors::connect(parse_endpoint("sqlite://" + m_acme.string()))->query(sql);
  return std::stoi(rows.at(0).at(0).value_or("-1"));
}

std::string ReleaseSetup::log_text() const {
  std::ifstream in(log_file());
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

std::string ReleaseSetup::ecs_cluster(const std::vector<std::string>& services, int desired,
                                      const std::string& suffix) {
  const std::string cluster = "c" + std::filesystem::path(m_dir).filename().string() + suffix;
  aws("ecs create-cluster --cluster-name " + cluster);
  aws("ecs register-task-definition --family app --container-definitions "
      "'[{\"name\":\"app\",\"image\":\"nginx\",\"memory\":128}]'");
  for (const std::string& s : services) {
    aws("ecs create-service --cluster " + cluster + " --service-name " + s +
        " --task-definition app --desired-count " + std::to_string(desired));
    // moto starts no tasks for a new service; after an update it reports the desired count
    // running, as a settled service on AWS would.
    aws("ecs update-service --cluster " + cluster + " --service " + s + " --desired-count " +
        std::to_string(desired));
  }
  return cluster;
}

nlohmann::json ReleaseSetup::ecs_service(const std::string& cluster, const std::string& service) {
  const nlohmann::json out =
      aws("ecs describe-services --cluster " + cluster + " --services " + service);
  if (!out.contains("services") || out["services"].empty())
    return nlohmann::json::object();
  return out["services"][0];
}

std::string ReleaseSetup::dns_record(const std::string& value) {
  std::string label = std::filesystem::path(m_dir).filename().string();
  for (char& c : label)
    c = std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '-';
  const std::string name = "rb-" + label + "." + dns_zone();
  nsupdate(name, "CNAME", value + ".");
  return name;
}

std::string ReleaseSetup::dns_server() const {
  return server_setting("FERRY_TEST_DNS");
}
std::string ReleaseSetup::dns_key() const {
  return server_setting("FERRY_TEST_DNS_KEY");
}
std::string ReleaseSetup::dns_zone() const {
  return server_setting("FERRY_TEST_DNS_ZONE");
}

}  // namespace ferry::test::runbooks
