// ECS hooks: restart services (a forced new deployment) and scale them, each followed by a
// wait until every service is stable, through the aws CLI (aws.hpp).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/deploy_hooks/aws.hpp"

namespace ferry::deploy_hooks {

struct EcsServices {
  std::string cluster;
  std::vector<std::string> services;
};

struct EcsWait {
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
  std::chrono::milliseconds interval{std::chrono::seconds(5)};
};

// The calls a restart makes, in order (argv of each, for dry runs): one
// `ecs update-service --cluster C --service S --force-new-deployment` per service, then the
// `ecs describe-services` that is polled until they are stable.
std::vector<std::vector<std::string>> ecs_restart_calls(const AwsSettings& aws,
                                                        const EcsServices& target);
// The same for a scale to `desired` tasks (`update-service --desired-count N`).
std::vector<std::vector<std::string>> ecs_scale_calls(const AwsSettings& aws,
                                                      const EcsServices& target, int desired);

// Forces a new deployment of every service, then waits until all are stable. Throws
// Error(failure) naming the services still unstable, and why, when the wait times out.
void ecs_restart(const AwsSettings& aws, const EcsServices& target, const EcsWait& wait,
                 const std::filesystem::path& log);

// Sets every service's desired count, then waits until all are stable. Returns each
// service's desired count before the change (for a fail-back that scales back), also set in
// `replaced` before anything changes, so a caller knows them when an update or the wait fails.
std::map<std::string, int> ecs_scale(const AwsSettings& aws, const EcsServices& target, int desired,
                                     const EcsWait& wait, const std::filesystem::path& log,
                                     std::map<std::string, int>* replaced = nullptr);

// Decides from one `describe-services` response whether the named services are stable, as
// `aws ecs wait services-stable` does: each service is found and ACTIVE, has exactly one
// deployment, and runs as many tasks as it desires. Returns an empty string when stable,
// else what is not yet (e.g. "api: 2 deployments, 1 of 2 tasks running"). Failures listed
// in the response (a missing service) and a service that is not ACTIVE (DRAINING, INACTIVE)
// are reported, not waited for: Error(failure).
std::string ecs_unstable(const nlohmann::json& describe_services,
                         const std::vector<std::string>& services);

}  // namespace ferry::deploy_hooks
