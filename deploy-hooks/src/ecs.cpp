#include "ferry/deploy_hooks/ecs.hpp"

#include <algorithm>
#include <thread>

#include "ferry/common/error.hpp"

namespace ferry::deploy_hooks {
namespace {

// The limit of one aws call; the stable wait has its own (EcsWait::timeout).
constexpr std::chrono::minutes call_timeout{2};

// describe-services takes at most this many services per call.
constexpr std::size_t describe_batch = 10;

std::vector<std::vector<std::string>> describe_args(const EcsServices& target) {
  std::vector<std::vector<std::string>> calls;
  for (std::size_t i = 0; i < target.services.size(); i += describe_batch) {
    std::vector<std::string> args{"ecs", "describe-services", "--cluster", target.cluster,
                                  "--services"};
    for (std::size_t j = i; j < std::min(i + describe_batch, target.services.size()); ++j)
      args.push_back(target.services[j]);
    calls.push_back(std::move(args));
  }
  return calls;
}

std::vector<std::string> update_args(const std::string& cluster, const std::string& service,
                                     const std::vector<std::string>& change) {
  std::vector<std::string> args{"ecs",   "update-service", "--cluster",
                                cluster, "--service",      service};
  args.insert(args.end(), change.begin(), change.end());
  return args;
}

std::vector<std::string> force_new_deployment() {
  return {"--force-new-deployment"};
}

std::vector<std::string> desired_count(int desired) {
  return {"--desired-count", std::to_string(desired)};
}

// The calls: one update-service per service with `change`, then the describe-services.
std::vector<std::vector<std::string>> change_calls(const AwsSettings& aws,
                                                   const EcsServices& target,
                                                   const std::vector<std::string>& change) {
  std::vector<std::vector<std::string>> calls;
  for (const std::string& service : target.services)
    calls.push_back(aws_argv(aws, update_args(target.cluster, service, change)));
  for (const auto& args : describe_args(target))
    calls.push_back(aws_argv(aws, args));
  return calls;
}

// response[key] when it is an array, else an empty one.
const nlohmann::json& array_at(const nlohmann::json& response, const char* key) {
  static const nlohmann::json none = nlohmann::json::array();
  const auto it = response.find(key);
  return it != response.end() && it->is_array() ? *it : none;
}

// One describe-services response for all the services (their `services` and `failures`).
nlohmann::json describe(const AwsSettings& aws, const EcsServices& target,
                        const std::filesystem::path& log) {
  nlohmann::json all{{"services", nlohmann::json::array()}, {"failures", nlohmann::json::array()}};
  for (const auto& args : describe_args(target)) {
    const nlohmann::json part = aws_call(aws, args, log, call_timeout);
    for (const char* key : {"services", "failures"}) {
      for (const nlohmann::json& item : array_at(part, key))
        all[key].push_back(item);
    }
  }
  return all;
}

// The part of an ARN after its last slash: arn:aws:ecs:...:service/cluster/api -> api.
std::string arn_name(const std::string& arn) {
  return arn.substr(arn.rfind('/') + 1);
}

// The named service (a name or an ARN) in a describe-services response. Throws when the
// response lists a failure, or the service is missing, draining or inactive: waiting would
// not change that (the services-stable waiter fails on the same).
const nlohmann::json& find_service(const nlohmann::json& response, const std::string& service) {
  for (const nlohmann::json& failure : array_at(response, "failures")) {
    const std::string arn = failure.value("arn", "");
    std::string message = "ECS service " + arn_name(arn) + ": " + failure.value("reason", "failed");
    if (failure.contains("detail"))
      message += " (" + failure.value("detail", "") + ")";
    throw Error(ErrorKind::failure, message + " [" + arn + "]");
  }
  for (const nlohmann::json& s : array_at(response, "services")) {
    if (s.value("serviceName", "") != service && s.value("serviceArn", "") != service)
      continue;
    const std::string status = s.value("status", "");
    if (status != "ACTIVE") {
      throw Error(ErrorKind::failure,
                  "ECS service " + service + " is " + status + ", not ACTIVE; it will not start");
    }
    return s;
  }
  throw Error(ErrorKind::failure,
              "ECS service " + service + " is not in describe-services' answer");
}

void wait_stable(const AwsSettings& aws, const EcsServices& target, const EcsWait& wait,
                 const std::filesystem::path& log) {
  const auto deadline = std::chrono::steady_clock::now() + wait.timeout;
  while (true) {
    const std::string unstable = ecs_unstable(describe(aws, target, log), target.services);
    if (unstable.empty())
      return;
    if (std::chrono::steady_clock::now() + wait.interval > deadline) {
      throw Error(ErrorKind::failure,
                  "ECS services in cluster " + target.cluster + " not stable after " +
                      std::to_string(wait.timeout.count() / 1000) + "s: " + unstable);
    }
    std::this_thread::sleep_for(wait.interval);
  }
}

}  // namespace

std::vector<std::vector<std::string>> ecs_restart_calls(const AwsSettings& aws,
                                                        const EcsServices& target) {
  return change_calls(aws, target, force_new_deployment());
}

std::vector<std::vector<std::string>> ecs_scale_calls(const AwsSettings& aws,
                                                      const EcsServices& target, int desired) {
  // The describe-services that reads the desired counts before the change comes first.
  std::vector<std::vector<std::string>> calls;
  for (const auto& args : describe_args(target))
    calls.push_back(aws_argv(aws, args));
  for (auto& call : change_calls(aws, target, desired_count(desired)))
    calls.push_back(std::move(call));
  return calls;
}

void ecs_restart(const AwsSettings& aws, const EcsServices& target, const EcsWait& wait,
                 const std::filesystem::path& log) {
  for (const std::string& service : target.services)
    aws_call(aws, update_args(target.cluster, service, force_new_deployment()), log, call_timeout);
  wait_stable(aws, target, wait, log);
}

std::map<std::string, int> ecs_scale(const AwsSettings& aws, const EcsServices& target, int desired,
                                     const EcsWait& wait, const std::filesystem::path& log,
                                     std::map<std::string, int>* replaced) {
  const nlohmann::json before = describe(aws, target, log);
  std::map<std::string, int> previous;
  for (const std::string& service : target.services)
    previous[service] = find_service(before, service).value("desiredCount", 0);
  if (replaced)
    *replaced = previous;
  for (const std::string& service : target.services)
    aws_call(aws, update_args(target.cluster, service, desired_count(desired)), log, call_timeout);
  wait_stable(aws, target, wait, log);
  return previous;
}

std::string ecs_unstable(const nlohmann::json& describe_services,
                         const std::vector<std::string>& services) {
  std::string unstable;
  for (const std::string& service : services) {
    const nlohmann::json& s = find_service(describe_services, service);
    std::vector<std::string> why;
    const std::size_t deployments = array_at(s, "deployments").size();
    if (deployments != 1)
      why.push_back(std::to_string(deployments) + " deployments");
    const int running = s.value("runningCount", 0);
    const int desired = s.value("desiredCount", 0);
    if (running != desired)
      why.push_back(std::to_string(running) + " of " + std::to_string(desired) + " tasks running");
    if (why.empty())
      continue;
    unstable += (unstable.empty() ? "" : "; ") + service + ":";
    for (std::size_t i = 0; i < why.size(); ++i)
      unstable += (i == 0 ? " " : ", ") + why[i];
  }
  return unstable;
}

}  // namespace ferry::deploy_hooks
