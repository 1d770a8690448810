// The argv the hooks run and how they are shown: aws_argv, command_line, and the curl calls.
#include "ferry/deploy_hooks/aws.hpp"

#include <gtest/gtest.h>

#include <string>

#include "ferry/deploy_hooks/http.hpp"

namespace ferry::deploy_hooks {
namespace {

using Argv = std::vector<std::string>;

TEST(AwsArgv, AddsOnlyTheSettingsThatAreSet) {
  EXPECT_EQ(aws_argv({}, {"sts", "get-caller-identity"}),
            (Argv{"aws", "--output", "json", "sts", "get-caller-identity"}));
  const AwsSettings all{
      .profile = "ops", .region = "eu-west-1", .endpoint_url = "http://127.0.0.1:5000"};
  EXPECT_EQ(aws_argv(all, {"ecs", "list-clusters"}),
            (Argv{"aws", "--profile", "ops", "--region", "eu-west-1", "--endpoint-url",
                  "http://127.0.0.1:5000", "--output", "json", "ecs", "list-clusters"}));
}

TEST(CommandLine, QuotesOnlyWhatAShellWouldReadDifferently) {
  EXPECT_EQ(command_line({"aws", "--endpoint-url", "http://127.0.0.1:5000/x,y=z@a%b+c"}),
            "aws --endpoint-url http://127.0.0.1:5000/x,y=z@a%b+c");
  EXPECT_EQ(command_line({"echo", "two words", ""}), "echo 'two words' ''");
  EXPECT_EQ(command_line({"echo", "it's"}), "echo 'it'\\''s'");
  EXPECT_EQ(command_line({"echo", "$HOME", "a;b", "*", "~", "{\"k\": 1}", "a\nb"}),
            "echo '$HOME' 'a;b' '*' '~' '{\"k\": 1}' 'a\nb'");
}

TEST(HttpCalls, WaitGetsTheStatusWithABoundedTry) {
  const HttpWait wait{.url = "http://127.0.0.1:8080/health", .timeout = std::chrono::seconds(3)};
  EXPECT_EQ(
      command_line(wait_http_call(wait)),
      "curl -sS -o '<body file>' -w '%{http_code}' --max-time 3 http://127.0.0.1:8080/health");
  const HttpWait longer{.url = "http://h/"};
  EXPECT_EQ(wait_http_call(longer)[7], "10");  // one try takes at most 10 s
}

TEST(HttpCalls, NotifyPostsTheTextAsJson) {
  const Argv argv = notify_call("https://hooks.example.com/T/B/secret", "deployed \"v2\"\nok");
  EXPECT_EQ(argv, (Argv{"curl", "-sS", "-o", "<body file>", "-w", "%{http_code}", "-H",
                        "Content-Type: application/json", "--data",
                        R"({"text":"deployed \"v2\"\nok"})", "https://hooks.example.com/..."}));
  // The webhook's secret path, and a password, never show.
  const std::string shown = command_line(notify_call("https://u:pw@hooks.example.com/T/B/x", "hi"));
  EXPECT_EQ(shown.find("pw"), std::string::npos) << shown;
  EXPECT_EQ(shown.find("/T/B"), std::string::npos) << shown;
  const HttpWait secret{.url = "https://probe:hunter2@green.example.com/health"};
  EXPECT_EQ(command_line(wait_http_call(secret)).find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace ferry::deploy_hooks
