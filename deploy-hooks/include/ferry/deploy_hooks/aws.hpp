// The AWS hooks' one door to AWS: the `aws` CLI (Debian's awscli), so every credential
// mechanism a user already configured (profiles, environment, instance roles, SSO) works.
// Profile, region and endpoint come from ferry.yaml's `aws:`; nothing here reads a secret.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/common/shell.hpp"

namespace ferry::deploy_hooks {

struct AwsSettings {
  std::string profile;       // --profile, when set
  std::string region;        // --region, when set
  std::string endpoint_url;  // --endpoint-url, when set (e.g. a local AWS-compatible server)
};

// `aws [--profile P] [--region R] [--endpoint-url U] --output json ARGS...`
std::vector<std::string> aws_argv(const AwsSettings& aws, const std::vector<std::string>& args);

// How a call is shown (dry runs, errors, logs): the one quoting rule, in common.
using ::ferry::command_line;

// Runs one call and parses what it printed (an empty object when it printed nothing). Its
// output is appended to `log`. Throws Error(failure) naming the call (command_line) and the
// tail of what aws wrote when it exits non-zero, times out, or prints something not JSON.
nlohmann::json aws_call(const AwsSettings& aws, const std::vector<std::string>& args,
                        const std::filesystem::path& log, std::chrono::milliseconds timeout);

}  // namespace ferry::deploy_hooks
