// ecs_unstable against describe-services answers recorded from moto 5.2.1's server (trimmed to
// the fields the rule reads, plus a few for realism) and, for two deployments, in the shape
// AWS answers during a rolling deployment (moto never lists more than one).
#include "ferry/deploy_hooks/ecs.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ferry/common/error.hpp"

namespace ferry::deploy_hooks {
namespace {

// One service of cluster probe1 as describe-services lists it.
nlohmann::json service(const std::string& name, const std::string& status, int desired, int running,
                       int deployments) {
  nlohmann::json s{{"serviceArn", "arn:aws:ecs:us-east-1:123456789012:service/probe1/" + name},
                   {"serviceName", name},
                   {"clusterArn", "arn:aws:ecs:us-east-1:123456789012:cluster/probe1"},
                   {"status", status},
                   {"desiredCount", desired},
                   {"runningCount", running},
                   {"pendingCount", desired - running},
                   {"taskDefinition", "arn:aws:ecs:us-east-1:123456789012:task-definition/probe:1"},
                   {"deployments", nlohmann::json::array()}};
  for (int i = 0; i < deployments; ++i) {
    s["deployments"].push_back({{"id", "ecs-svc/94649825170816243" + std::to_string(i)},
                                {"status", i == 0 ? "PRIMARY" : "ACTIVE"},
                                {"desiredCount", desired},
                                {"runningCount", running},
                                {"rolloutState", "IN_PROGRESS"}});
  }
  return s;
}

nlohmann::json answer(const std::vector<nlohmann::json>& services,
                      const nlohmann::json& failures = nlohmann::json::array()) {
  return {{"services", services}, {"failures", failures}};
}

TEST(EcsUnstable, StableWhenOneDeploymentRunsEveryTask) {
  // moto after update-service --desired-count 2: the service counts are what matter (moto
  // leaves its deployment's own counts at 0 running, 2 pending).
  const nlohmann::json recorded = nlohmann::json::parse(R"({
    "services": [{
      "serviceArn": "arn:aws:ecs:us-east-1:123456789012:service/probe1/svc",
      "serviceName": "svc",
      "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/probe1",
      "status": "ACTIVE", "desiredCount": 2, "runningCount": 2, "pendingCount": 0,
      "deployments": [{
        "id": "ecs-svc/946498251708162436", "status": "PRIMARY",
        "desiredCount": 2, "pendingCount": 2, "runningCount": 0,
        "updatedAt": 1796521680.316, "rolloutState": "IN_PROGRESS"}]}],
    "failures": []})");
  EXPECT_EQ(ecs_unstable(recorded, {"svc"}), "");
  EXPECT_EQ(ecs_unstable(recorded, {"arn:aws:ecs:us-east-1:123456789012:service/probe1/svc"}), "");
}

TEST(EcsUnstable, TwoDeploymentsAreNotStable) {
  const auto response =
      answer({service("api", "ACTIVE", 2, 2, 2), service("web", "ACTIVE", 1, 1, 1)});
  EXPECT_EQ(ecs_unstable(response, {"api", "web"}), "api: 2 deployments");
  EXPECT_EQ(ecs_unstable(response, {"web"}), "");
}

TEST(EcsUnstable, FewerRunningThanDesiredIsNotStable) {
  // moto right after create-service --desired-count 2: no task runs.
  const auto response =
      answer({service("api", "ACTIVE", 2, 0, 1), service("web", "ACTIVE", 2, 1, 2)});
  EXPECT_EQ(ecs_unstable(response, {"api", "web"}),
            "api: 0 of 2 tasks running; web: 2 deployments, 1 of 2 tasks running");
}

TEST(EcsUnstable, MissingServiceInFailuresThrows) {
  const auto response = answer({service("api", "ACTIVE", 2, 2, 1)}, nlohmann::json::parse(R"([{
      "arn": "arn:aws:ecs:us-east-1:123456789012:service/nope", "reason": "MISSING"}])"));
  try {
    ecs_unstable(response, {"api", "nope"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::failure);
    EXPECT_NE(std::string(e.what()).find("nope"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("MISSING"), std::string::npos) << e.what();
  }
}

TEST(EcsUnstable, InactiveServiceThrows) {
  // moto after delete-service: the service stays listed, INACTIVE.
  const auto response = answer({service("svc", "INACTIVE", 0, 0, 1)});
  try {
    ecs_unstable(response, {"svc"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::failure);
    EXPECT_NE(std::string(e.what()).find("svc is INACTIVE"), std::string::npos) << e.what();
  }
}

TEST(EcsUnstable, ServiceAbsentFromTheAnswerThrows) {
  EXPECT_THROW(ecs_unstable(answer({service("api", "ACTIVE", 1, 1, 1)}), {"web"}), Error);
}

TEST(EcsCalls, RestartUpdatesEachServiceThenDescribes) {
  const AwsSettings aws{.region = "eu-west-1"};
  const auto calls = ecs_restart_calls(aws, {.cluster = "prod", .services = {"api", "web"}});
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0], (std::vector<std::string>{"aws", "--region", "eu-west-1", "--output", "json",
                                                "ecs", "update-service", "--cluster", "prod",
                                                "--service", "api", "--force-new-deployment"}));
  EXPECT_EQ(calls[1][10], "web");
  EXPECT_EQ(calls[2], (std::vector<std::string>{"aws", "--region", "eu-west-1", "--output", "json",
                                                "ecs", "describe-services", "--cluster", "prod",
                                                "--services", "api", "web"}));
}

TEST(EcsCalls, ScaleDescribesFirstThenUpdatesThenDescribes) {
  const auto calls = ecs_scale_calls({}, {.cluster = "prod", .services = {"api"}}, 3);
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0][4], "describe-services");
  EXPECT_EQ(calls[1], (std::vector<std::string>{"aws", "--output", "json", "ecs", "update-service",
                                                "--cluster", "prod", "--service", "api",
                                                "--desired-count", "3"}));
  EXPECT_EQ(calls[2], calls[0]);
}

TEST(EcsCalls, DescribeTakesAtMostTenServicesPerCall) {
  EcsServices target{.cluster = "c"};
  for (int i = 0; i < 12; ++i)
    target.services.push_back("s" + std::to_string(i));
  const auto calls = ecs_restart_calls({}, target);
  ASSERT_EQ(calls.size(), 14u);
  EXPECT_EQ(calls[12].size(), 8u + 10u);
  EXPECT_EQ(calls[13].size(), 8u + 2u);
  EXPECT_EQ(calls[13].back(), "s11");
}

}  // namespace
}  // namespace ferry::deploy_hooks
