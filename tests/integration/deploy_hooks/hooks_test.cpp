// The deploy hooks against real servers: BIND 9 (RFC 2136 with TSIG) and moto's AWS endpoint
// from scripts/test-servers, and tests/support/http_sink.py for HTTP. Every check of what a
// hook changed asks the server independently (dig, the aws CLI, the sink's file).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ferry/common/error.hpp"
#include "ferry/deploy_hooks/aws.hpp"
#include "ferry/deploy_hooks/dns.hpp"
#include "ferry/deploy_hooks/ecs.hpp"
#include "ferry/deploy_hooks/http.hpp"
#include "hook_servers.hpp"
#include "test_env.hpp"

namespace ferry::deploy_hooks {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string unique_label(const std::string& prefix) {
  std::random_device rd;
  return prefix + std::to_string(::getpid()) + "x" + std::to_string(rd() % 1000000);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

using test::dig;
using test::shell_ok;

std::string message_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::failure) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no Error thrown";
  return {};
}

// A hook log in a temp dir, printed when the test fails.
class HookTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure())
      std::fprintf(stderr, "--- hook log %s:\n%s\n", log().c_str(), read_text(log()).c_str());
  }
  fs::path log() const { return fs::path(m_tmp.path()) / "hooks.log"; }
  fs::path tmp() const { return m_tmp.path(); }

 private:
  test::TempDir m_tmp;
};

// ---- RFC 2136 (BIND) ----

class Rfc2136 : public HookTest {
 protected:
  void SetUp() override {
    const test::DnsServer dns = test::dns_server();
    m_server = {.server = dns.host,
                .port = dns.port,
                .key_file = test::server_setting("FERRY_TEST_DNS_KEY"),
                .zone = test::server_setting("FERRY_TEST_DNS_ZONE")};
  }

  const DnsWait wait{.timeout = 10s, .interval = 100ms};
  Rfc2136Server m_server;
};

using Strings = std::vector<std::string>;

TEST_F(Rfc2136, CreatesThenSwitchesANewRecord) {
  const std::string name = unique_label("t") + "." + m_server.zone;
  EXPECT_EQ(dns_query(m_server.server, m_server.port, name, "A", log()), Strings{});

  EXPECT_EQ(
      rfc2136_switch(m_server, {.name = name, .type = "A", .value = "127.0.0.21"}, wait, log()),
      Strings{});
  EXPECT_EQ(dig(name, "A"), Strings{"127.0.0.21"});

  EXPECT_EQ(
      rfc2136_switch(m_server, {.name = name, .type = "A", .value = "127.0.0.22"}, wait, log()),
      Strings{"127.0.0.21"});
  EXPECT_EQ(dig(name, "A"), Strings{"127.0.0.22"});
  EXPECT_NE(read_text(log()).find("update add " + name + " 60 A 127.0.0.22"), std::string::npos);
}

TEST_F(Rfc2136, SwitchesTheAppCnameToGreenAndBack) {
  const std::string app = "app." + m_server.zone;
  const std::string blue = "blue." + m_server.zone;
  const std::string green = "green." + m_server.zone;
  ASSERT_EQ(dig(app, "CNAME"), Strings{blue}) << "the zone's app record is not as it starts";
  try {
    EXPECT_EQ(rfc2136_switch(m_server, {.name = app, .value = green}, wait, log()), Strings{blue});
    EXPECT_EQ(dig(app, "CNAME"), Strings{green});
    EXPECT_EQ(dig(app, "A"), (Strings{green, "127.0.0.12"}));
    EXPECT_EQ(rfc2136_switch(m_server, {.name = app, .value = blue}, wait, log()), Strings{green});
  } catch (...) {
    // Leave the zone as the next run expects it.
    rfc2136_switch(m_server, {.name = app, .value = blue}, wait, log());
    throw;
  }
  EXPECT_EQ(dig(app, "CNAME"), Strings{blue});
}

TEST_F(Rfc2136, WrongKeyIsRefusedAndChangesNothing) {
  const std::string name = unique_label("t") + "." + m_server.zone;
  // The test key's name with another secret: the server answers BADKEY.
  const std::string secret = "c2VjcmV0IG9mIGFub3RoZXIga2V5IHRoYXQgZG9lcyBub3Q=";
  Rfc2136Server wrong = m_server;
  wrong.key_file = tmp() / "wrong.key";
  const std::string real_key = read_text(m_server.key_file);
  const std::string key_name = real_key.substr(0, real_key.find('{'));
  std::ofstream(wrong.key_file) << key_name << "{\n\talgorithm hmac-sha256;\n\tsecret \"" << secret
                                << "\";\n};\n";

  const std::string message = message_of([&] {
    rfc2136_switch(wrong, {.name = name, .type = "A", .value = "127.0.0.23"}, wait, log());
  });
  EXPECT_NE(message.find("nsupdate"), std::string::npos) << message;
  EXPECT_NE(message.find(wrong.key_file.string()), std::string::npos) << message;
  EXPECT_NE(message.find(name), std::string::npos) << message;
  EXPECT_EQ(message.find(secret), std::string::npos) << message;
  EXPECT_EQ(read_text(log()).find(secret), std::string::npos);
  EXPECT_EQ(dig(name, "A"), Strings{});
}

TEST_F(Rfc2136, UnsignedUpdateIsRefused) {
  Rfc2136Server unsigned_server = m_server;
  unsigned_server.key_file.clear();
  const std::string name = unique_label("t") + "." + m_server.zone;
  const std::string message = message_of([&] {
    rfc2136_switch(unsigned_server, {.name = name, .type = "A", .value = "127.0.0.24"}, wait,
                   log());
  });
  EXPECT_NE(message.find("REFUSED"), std::string::npos) << message;
}

// ---- AWS (moto) ----

class Aws : public HookTest {
 protected:
  void SetUp() override {
    // The aws CLI wants credentials even for a local endpoint; moto takes any.
    ::setenv("AWS_ACCESS_KEY_ID", "testing", 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", "testing", 1);
    ::setenv("AWS_DEFAULT_REGION", "us-east-1", 1);
    m_aws.endpoint_url = test::server_setting("FERRY_TEST_AWS_ENDPOINT");
  }

  nlohmann::json call(const std::vector<std::string>& args) {
    return aws_call(m_aws, args, log(), 60s);
  }

  // The aws CLI run by the shell, not through the hooks.
  nlohmann::json aws_cli(const std::string& args) const {
    return nlohmann::json::parse(
        shell_ok("aws --endpoint-url " + m_aws.endpoint_url + " --output json " + args));
  }

  AwsSettings m_aws;
};

TEST_F(Aws, FailedCallNamesTheCommandAndWhatAwsSaid) {
  const std::string message = message_of([&] {
    call({"ecs", "update-service", "--cluster", "no-such-cluster", "--service", "api",
          "--desired-count", "1"});
  });
  EXPECT_NE(message.find("aws --endpoint-url " + m_aws.endpoint_url +
                         " --output json ecs update-service --cluster no-such-cluster"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("ClusterNotFoundException"), std::string::npos) << message;
}

class Route53 : public Aws {
 protected:
  void SetUp() override {
    Aws::SetUp();
    m_domain = unique_label("z") + ".example";
    const nlohmann::json zone = call({"route53", "create-hosted-zone", "--name", m_domain,
                                      "--caller-reference", unique_label("ref")});
    m_zone = {.aws = m_aws, .hosted_zone_id = zone.at("HostedZone").at("Id")};
  }

  Strings listed(const std::string& name, const std::string& type) const {
    const nlohmann::json sets =
        aws_cli("route53 list-resource-record-sets --hosted-zone-id " + m_zone.hosted_zone_id);
    Strings values;
    for (const nlohmann::json& set : sets.at("ResourceRecordSets")) {
      if (set.at("Name") == name + "." && set.at("Type") == type) {
        for (const nlohmann::json& rr : set.at("ResourceRecords"))
          values.push_back(rr.at("Value"));
      }
    }
    return values;
  }

  const DnsWait wait{.timeout = 10s, .interval = 100ms};
  std::string m_domain;
  Route53Zone m_zone;
};

TEST_F(Route53, SwitchesARecordAndReturnsTheOldValue) {
  const std::string name = "app." + m_domain;
  const nlohmann::json batch = {
      {"Changes",
       {{{"Action", "CREATE"},
         {"ResourceRecordSet",
          {{"Name", name},
           {"Type", "A"},
           {"TTL", 60},
           {"ResourceRecords", nlohmann::json::array({{{"Value", "10.0.0.1"}}})}}}}}}};
  call({"route53", "change-resource-record-sets", "--hosted-zone-id", m_zone.hosted_zone_id,
        "--change-batch", batch.dump()});
  ASSERT_EQ(listed(name, "A"), Strings{"10.0.0.1"});

  EXPECT_EQ(route53_switch(m_zone, {.name = name, .type = "A", .value = "10.0.0.2"}, wait, log()),
            Strings{"10.0.0.1"});
  EXPECT_EQ(listed(name, "A"), Strings{"10.0.0.2"});
  EXPECT_NE(read_text(log()).find("route53 get-change --id"), std::string::npos);
}

TEST_F(Route53, NewRecordHadNoValue) {
  // The listing starts at the next record (or none): not this one's old value.
  const std::string name = "new." + m_domain;
  EXPECT_EQ(route53_switch(m_zone, {.name = name, .type = "CNAME", .value = "green." + m_domain},
                           wait, log()),
            Strings{});
  EXPECT_EQ(listed(name, "CNAME"), Strings{"green." + m_domain});
}

// moto (5.2.1) starts no tasks: a new service reports 0 running until update-service sets a
// desired count, which moto then reports as all running.
class Ecs : public Aws {
 protected:
  void SetUp() override {
    Aws::SetUp();
    m_target.cluster = unique_label("c");
    m_target.services = {"api"};
    call({"ecs", "create-cluster", "--cluster-name", m_target.cluster});
    const std::string family = unique_label("f");
    call({"ecs", "register-task-definition", "--family", family, "--container-definitions",
          R"([{"name": "app", "image": "busybox", "memory": 64}])"});
    call({"ecs", "create-service", "--cluster", m_target.cluster, "--service-name", "api",
          "--task-definition", family, "--desired-count", "2"});
  }

  nlohmann::json described() const {
    return aws_cli("ecs describe-services --cluster " + m_target.cluster + " --services api")
        .at("services")
        .at(0);
  }

  const EcsWait wait{.timeout = 10s, .interval = 100ms};
  EcsServices m_target;
};

TEST_F(Ecs, RestartForcesANewDeployment) {
  aws_cli("ecs update-service --cluster " + m_target.cluster + " --service api --desired-count 2");
  const nlohmann::json before = described();
  ASSERT_EQ(ecs_unstable({{"services", nlohmann::json::array({before})}}, {"api"}), "");

  ecs_restart(m_aws, m_target, wait, log());
  const nlohmann::json after = described();
  ASSERT_EQ(after.at("deployments").size(), 1u);
  EXPECT_NE(after.at("deployments").at(0).at("id"), before.at("deployments").at(0).at("id"));
  EXPECT_GT(after.at("deployments").at(0).at("updatedAt").get<double>(),
            before.at("deployments").at(0).at("updatedAt").get<double>());
}

TEST_F(Ecs, RestartTimesOutWhileTasksAreNotRunning) {
  const auto start = std::chrono::steady_clock::now();
  const std::string message =
      message_of([&] { ecs_restart(m_aws, m_target, {.timeout = 2s, .interval = 100ms}, log()); });
  EXPECT_NE(message.find("not stable after 2s: api: 0 of 2 tasks running"), std::string::npos)
      << message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
}

TEST_F(Ecs, ScaleReturnsThePreviousDesiredCount) {
  EXPECT_EQ(ecs_scale(m_aws, m_target, 1, wait, log()), (std::map<std::string, int>{{"api", 2}}));
  const nlohmann::json after = described();
  EXPECT_EQ(after.at("desiredCount"), 1);
  EXPECT_EQ(after.at("runningCount"), 1);
}

TEST_F(Ecs, ScaleOfAMissingServiceChangesNothing) {
  const std::string message = message_of([&] {
    ecs_scale(m_aws, {.cluster = m_target.cluster, .services = {"api", "nope"}}, 5, wait, log());
  });
  EXPECT_NE(message.find("ECS service nope: MISSING"), std::string::npos) << message;
  EXPECT_EQ(described().at("desiredCount"), 2);
}

// ---- HTTP (tests/support/http_sink.py) ----

class Http : public HookTest {
 protected:
  void SetUp() override {
    m_sink.emplace(tmp());
    m_base = m_sink->url("");
  }
  void TearDown() override {
    m_sink.reset();
    HookTest::TearDown();
  }
  fs::path hook_file() const { return m_sink->hook_file(); }

  std::optional<test::HttpSink> m_sink;
  std::string m_base;
};

TEST_F(Http, WaitSucceedsAfterSome503s) {
  EXPECT_EQ(wait_http({.url = m_base + "/after/3", .timeout = 10s, .interval = 100ms}, log()), 4);
}

TEST_F(Http, WaitTimesOutNamingTheLastStatus) {
  const auto start = std::chrono::steady_clock::now();
  const std::string message = message_of(
      [&] { wait_http({.url = m_base + "/status/500", .timeout = 1s, .interval = 100ms}, log()); });
  EXPECT_NE(message.find("did not answer status 200"), std::string::npos) << message;
  EXPECT_NE(message.find("the last answer: status 500"), std::string::npos) << message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST_F(Http, WaitForAnotherStatus) {
  EXPECT_EQ(wait_http({.url = m_base + "/status/418", .status = 418, .timeout = 5s}, log()), 1);
}

TEST_F(Http, WaitWantsTheBodySubstring) {
  EXPECT_EQ(wait_http({.url = m_base + "/ok", .body_contains = "read", .timeout = 5s}, log()), 1);
  const std::string message = message_of([&] {
    wait_http(
        {.url = m_base + "/ok", .body_contains = "not there", .timeout = 1s, .interval = 100ms},
        log());
  });
  EXPECT_NE(message.find("status 200 without 'not there'"), std::string::npos) << message;
}

TEST_F(Http, WaitNamesCurlsErrorWhenNothingListens) {
  const std::string message = message_of(
      [&] { wait_http({.url = "http://127.0.0.1:1/", .timeout = 1s, .interval = 100ms}, log()); });
  EXPECT_NE(message.find("curl: (7)"), std::string::npos) << message;
}

TEST_F(Http, NotifyPostsTheExactTextAsJson) {
  const std::string text = "deployed \"v2\" to 'prod'\nline two\twith a tab, a \\ and é $(true)";
  notify_webhook(m_base + "/hook", text, log(), 5s);
  notify_webhook(m_base + "/hook", "second", log(), 5s);

  std::ifstream in(hook_file());
  std::string first, second, extra;
  ASSERT_TRUE(std::getline(in, first));
  ASSERT_TRUE(std::getline(in, second));
  EXPECT_FALSE(std::getline(in, extra));
  EXPECT_EQ(nlohmann::json::parse(first), (nlohmann::json{{"text", text}}));
  EXPECT_EQ(nlohmann::json::parse(second), (nlohmann::json{{"text", "second"}}));
  // The message went in a file, and the webhook's path (its secret) is not logged.
  const std::string logged = read_text(log());
  EXPECT_EQ(logged.find("line two"), std::string::npos) << logged;
  EXPECT_EQ(logged.find(m_base + "/hook"), std::string::npos) << logged;
  EXPECT_NE(logged.find(m_base + "/..."), std::string::npos) << logged;
}

TEST_F(Http, NotifyFailsUnless2xx) {
  const std::string message =
      message_of([&] { notify_webhook(m_base + "/fail", "hello", log(), 5s); });
  EXPECT_NE(message.find("status 500: failed on purpose"), std::string::npos) << message;
  EXPECT_EQ(message.find(m_base + "/fail"), std::string::npos) << message;
}

}  // namespace
}  // namespace ferry::deploy_hooks
