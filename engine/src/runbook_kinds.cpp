// Runbook step kinds (runbook_kinds.hpp): commands and maintenance here or on nodes over ssh,
// ferry's own sync, push and releases, and the deploy hooks (ECS, DNS, HTTP, notify).
#include "runbook_kinds.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "ferry/connectors/connector.hpp"
#include "ferry/deploy_hooks/command.hpp"
#include "ferry/deploy_hooks/dns.hpp"
#include "ferry/deploy_hooks/ecs.hpp"
#include "ferry/deploy_hooks/http.hpp"
#include "ferry/engine/fleet_sync.hpp"
#include "ferry/engine/migrate.hpp"
#include "ferry/engine/paths.hpp"
#include "ferry/engine/push.hpp"
#include "ferry/engine/snapshot.hpp"
#include "ferry/transfer/transport.hpp"

namespace ferry::engine {

using deploy_hooks::command_line;
using transfer::shell_quote;

std::vector<std::vector<Target>> resolve_targets(const Config& config,
                                                 const std::vector<std::string>& on) {
  if (on.empty())
    return {{Target{.name = "local"}}};
  std::set<std::string> named(on.begin(), on.end());
  std::vector<std::vector<Target>> out;
  if (named.contains("local"))
    out.push_back({Target{.name = "local"}});
  std::map<std::string, std::vector<Target>> by_group;
  for (const NamedEndpoint& t : config.tenants) {
    if (named.contains(t.name) || (!t.group.empty() && named.contains(t.group)))
      by_group[t.group].push_back(Target{.name = t.name, .group = t.group, .tenant = &t});
  }
  if (auto it = by_group.find(""); it != by_group.end()) {
    out.push_back(it->second);
    by_group.erase(it);
  }
  for (const std::string& g : config.groups) {
    if (auto it = by_group.find(g); it != by_group.end())
      out.push_back(it->second);
  }
  std::vector<Target> nodes;
  for (const Node& n : config.nodes) {
    if (named.contains(n.name) || (!n.group.empty() && named.contains(n.group)))
      nodes.push_back(Target{.name = n.name, .group = n.group, .node = &n});
  }
  if (!nodes.empty())
    out.push_back(std::move(nodes));
  return out;
}

VarScope scope_of(const Target& t) {
  return VarScope{.tenant = t.tenant ? t.name : "", .node = t.node ? t.name : "", .group = t.group};
}

bool runs_whole_step(StepKind kind) noexcept {
  switch (kind) {
    case StepKind::sync:
    case StepKind::push:
    case StepKind::flip:
    case StepKind::rollback:
    case StepKind::purge:
    case StepKind::disk_check:
      return true;
    default:
      return false;
  }
}

namespace {

// The program that runs shell text `text` for a target: sh -c here, or in the node's root
// (locally, or over ssh with the variables exported first, since ssh does not pass them).
deploy_hooks::CommandSpec shell_spec(const Target& t, const std::string& text,
                                     const std::vector<std::string>& env) {
  deploy_hooks::CommandSpec spec;
  spec.env = env;
  if (t.node == nullptr) {
    spec.argv = {"/bin/sh", "-c", text};
    return spec;
  }
  const transfer::Target node = transfer::parse_target(t.node->target);
  if (node.kind == transfer::Target::Kind::local) {
    spec.argv = {"/bin/sh", "-c", text};
    spec.cwd = node.root;
    return spec;
  }
  std::string remote;
  for (const std::string& kv : env) {
    const auto eq = kv.find('=');
    remote += "export " + kv.substr(0, eq) + "=" + shell_quote(kv.substr(eq + 1)) + "; ";
  }
  remote += "cd " + shell_quote(node.root) + " && " + text;
  spec.argv = transfer::ssh_argv(node, "", remote);
  // Never a password prompt in the middle of a release: keys or agent only.
  const auto host = spec.argv.end() - 3;  // "--", host, command
  spec.argv.insert(host, {"-o", "BatchMode=yes"});
  return spec;
}

std::vector<std::string> step_env(const StepContext& ctx, const RunbookStep& step,
                                  const Target& t) {
  std::vector<std::string> env = {"FERRY_RUN_ID=" + ctx.report.run_id,
                                  "FERRY_RELEASE=" + ctx.report.release,
                                  "FERRY_RUNBOOK=" + ctx.book.name, "FERRY_STEP=" + step.name};
  if (t.tenant)
    env.push_back("FERRY_TENANT=" + t.name);
  if (t.node)
    env.push_back("FERRY_NODE=" + t.name);
  if (!t.group.empty())
    env.push_back("FERRY_GROUP=" + t.group);
  return env;
}

bool run_shell(const StepContext& ctx, const RunbookStep& step, const Target& t,
               const std::string& text, std::string& why) {
  deploy_hooks::CommandSpec spec = shell_spec(t, text, step_env(ctx, step, t));
  spec.output = ctx.output;
  spec.timeout = step.timeout;
  const deploy_hooks::CommandOutcome result = deploy_hooks::run_command(spec);
  if (result.ok())
    return true;
  why = result.describe(step.timeout) +
        (result.tail.empty() ? "" : "; its output ends with:\n" + result.tail);
  return false;
}

std::string shell_text(const Target& t, const std::string& text) {
  const auto spec = shell_spec(t, text, {});
  return command_line(spec.argv) + (spec.cwd.empty() ? "" : " (in " + spec.cwd.string() + ")");
}

std::string param(const RunbookStep& step, const char* name, const std::string& fallback = {}) {
  const auto it = step.params.find(name);
  return it == step.params.end() ? fallback : it->second;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    std::string item = text.substr(start, comma - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty())
      out.push_back(item);
    start = comma + 1;
  }
  return out;
}

int to_int(const std::string& text, const std::string& what) {
  std::size_t used = 0;
  int value = 0;
  try {
    value = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size())
    throw Error(ErrorKind::config, what + ": expected a whole number, got '" + text + "'");
  return value;
}

// A duration value of a step (checked at load unless it names variables).
std::chrono::milliseconds to_duration(const std::string& text, std::chrono::milliseconds fallback) {
  if (text.empty())
    return fallback;
  const auto value = parse_duration(text);
  if (!value)
    throw Error(ErrorKind::config, "expected a duration such as 30s, 5m or 1h, got '" + text + "'");
  return *value;
}

std::chrono::milliseconds or_default(std::chrono::milliseconds given,
                                     std::chrono::milliseconds fallback) {
  return given.count() > 0 ? given : fallback;
}

// ---- hooks ----

deploy_hooks::EcsServices ecs_services(const RunbookStep& step, const std::string& cluster,
                                       const Variables& vars, bool display) {
  return {.cluster = vars.resolve(cluster, {}, display),
          .services = split_list(vars.resolve(param(step, "services"), {}, display))};
}

deploy_hooks::EcsWait ecs_wait(const RunbookStep& step, const Variables& vars) {
  return {
      .timeout = or_default(step.timeout, std::chrono::minutes(10)),
      .interval = to_duration(vars.resolve(param(step, "interval"), {}), std::chrono::seconds(5))};
}

struct DnsSwitch {
  deploy_hooks::DnsRecord record;
  bool route53 = false;
  deploy_hooks::Rfc2136Server server;
  deploy_hooks::Route53Zone zone;
  deploy_hooks::DnsWait wait;
};

DnsSwitch dns_switch(const StepContext& ctx, const RunbookStep& step, const std::string& name,
                     const std::string& to, bool display) {
  const auto value = [&](const char* key, const std::string& fallback = {}) {
    return ctx.vars.resolve(param(step, key, fallback), {}, display);
  };
  DnsSwitch out;
  out.record = {.name = ctx.vars.resolve(name, {}, display),
                .type = value("type", "A"),
                .value = to,
                .ttl = to_int(value("ttl", "60"), step.name + ": ttl")};
  out.wait = {.timeout = or_default(step.timeout, std::chrono::minutes(5)),
              .interval = to_duration(value("interval"), std::chrono::seconds(2))};
  if (step.params.contains("hosted_zone")) {
    out.route53 = true;
    out.zone = {.aws = ctx.config.aws, .hosted_zone_id = value("hosted_zone")};
    return out;
  }
  const std::string server = value("server");
  const auto colon = server.rfind(':');
  out.server.server = colon == std::string::npos ? server : server.substr(0, colon);
  if (colon != std::string::npos)
    out.server.port = to_int(server.substr(colon + 1), step.name + ": server port");
  out.server.zone = value("zone");
  if (step.params.contains("key")) {
    std::filesystem::path key = value("key");
    out.server.key_file = key.is_absolute() ? key : ctx.config.file.parent_path() / key;
  }
  return out;
}

std::string describe_dns(const DnsSwitch& sw) {
  if (sw.route53) {
    std::string out =
        "Route 53, " + sw.record.name + " " + sw.record.type + " -> " + sw.record.value + ":";
    for (const auto& call : deploy_hooks::route53_switch_calls(sw.zone, sw.record))
      out += "\n  " + command_line(call);
    return out + "\n  then get-change until INSYNC";
  }
  std::string script = deploy_hooks::nsupdate_script(sw.server, sw.record);
  while (!script.empty() && script.back() == '\n')
    script.pop_back();
  std::string out = "nsupdate" +
                    (sw.server.key_file.empty() ? "" : " -k " + sw.server.key_file.string()) +
                    " <<EOF\n" + script + "\nEOF\nthen dig @" + sw.server.server + " -p " +
                    std::to_string(sw.server.port) + " " + sw.record.name + " " + sw.record.type +
                    " until it answers " + sw.record.value;
  return out;
}

std::vector<std::string> switch_dns(const DnsSwitch& sw, const std::filesystem::path& log,
                                    std::vector<std::string>* replaced = nullptr) {
  return sw.route53 ? deploy_hooks::route53_switch(sw.zone, sw.record, sw.wait, log, replaced)
                    : deploy_hooks::rfc2136_switch(sw.server, sw.record, sw.wait, log, replaced);
}

deploy_hooks::HttpWait http_wait(const RunbookStep& step, const std::string& url,
                                 const Variables& vars, bool display) {
  return {
      .url = vars.resolve(url, {}, display),
      .status = to_int(vars.resolve(param(step, "status", "200"), {}), step.name + ": status"),
      .body_contains = vars.resolve(param(step, "contains"), {}, display),
      .timeout = or_default(step.timeout, std::chrono::minutes(5)),
      .interval = to_duration(vars.resolve(param(step, "interval"), {}), std::chrono::seconds(2))};
}

// The step a revert step undoes, as it ran in this run; nullptr when it has not run.
// The step a revert step undoes, as it ran in this run (or, for ferry run --revert, in the run
// being reverted); nullptr when it has not run.
const StepRun* reverted_step(const StepContext& ctx, const RunbookStep& step) {
  for (const RunReport* run : {&ctx.report, ctx.reverted}) {
    if (run == nullptr)
      continue;
    for (auto it = run->steps.rbegin(); it != run->steps.rend(); ++it) {
      if (it->name == step.value && !it->on_failure &&
          (it->outcome == Outcome::ok || it->outcome == Outcome::failed)) {
        for (const TargetRun& t : it->targets) {
          if (!t.previous.empty())
            return &*it;
        }
      }
    }
  }
  return nullptr;
}

const RunbookStep& book_step(const StepContext& ctx, const std::string& name) {
  for (const RunbookStep& s : ctx.book.steps) {
    if (s.name == name)
      return s;
  }
  throw Error(ErrorKind::config, "runbook " + ctx.book.name + " has no step '" + name + "'");
}

bool revert(const StepContext& ctx, const RunbookStep& step, std::string& why) {
  const StepRun* done = reverted_step(ctx, step);
  if (done == nullptr)
    return true;  // the step changed nothing in this run: nothing to put back
  const RunbookStep& original = book_step(ctx, step.value);
  const nlohmann::json previous = nlohmann::json::parse(done->targets.front().previous);
  if (original.kind == StepKind::dns_switch) {
    const std::vector<std::string> values = previous.at("values").get<std::vector<std::string>>();
    if (values.empty()) {
      why = "the record had no value before step '" + original.name + "': left as it is now";
      return false;
    }
    DnsSwitch sw = dns_switch(ctx, original, original.value, values.front(), false);
    switch_dns(sw, ctx.output);
    return true;
  }
  // ecs-scale: each service back to its desired count before the step.
  std::map<int, std::vector<std::string>> by_count;
  for (const auto& [service, count] : previous.items())
    by_count[count.get<int>()].push_back(service);
  for (const auto& [count, services] : by_count) {
    deploy_hooks::ecs_scale(
        ctx.config.aws,
        {.cluster = ctx.vars.resolve(param(original, "cluster"), {}), .services = services}, count,
        ecs_wait(original, ctx.vars), ctx.output);
  }
  return true;
}

std::string describe_revert(const StepContext& ctx, const RunbookStep& step) {
  const RunbookStep& original = book_step(ctx, step.value);
  return std::string("put back what ") + to_string(original.kind) + " step '" + original.name +
         "' replaced (the values recorded in the journal when it ran)";
}

// ---- maintenance ----

bool maintenance(const StepContext& ctx, const RunbookStep& step, const std::string& value,
                 const Target& t, std::string& why) {
  const VarScope scope = scope_of(t);
  const bool on = value == "on";
  if (step.params.contains("run"))
    return run_shell(ctx, step, t, ctx.vars.resolve(step.params.at("run"), scope), why);
  if (step.params.contains("sql")) {
    if (t.tenant == nullptr) {
      why = "maintenance by sql runs on tenants; " + t.name + " is not one";
      return false;
    }
    connectors::connect(t.tenant->endpoint)
        ->execute({ctx.vars.resolve(step.params.at("sql"), scope)});
    return true;
  }
  if (t.node == nullptr) {
    why = "a maintenance flag is set on nodes; " + t.name + " is not one";
    return false;
  }
  const std::string flag = ctx.vars.resolve(step.params.at("flag"), scope);
  const transfer::Target node = transfer::parse_target(t.node->target);
  if (node.kind == transfer::Target::Kind::local) {
    const std::filesystem::path path = std::filesystem::path(node.root) / flag;
    if (on) {
      write_file_atomically(path, "maintenance by ferry run " + ctx.report.run_id + "\n");
    } else {
      std::error_code ec;
      std::filesystem::remove(path, ec);
      if (ec) {
        why = "cannot remove " + path.string() + ": " + ec.message();
        return false;
      }
    }
    return true;
  }
  const std::string quoted = shell_quote(flag);
  const std::string text = on ? "mkdir -p \"$(dirname " + quoted +
                                    ")\" && echo \"maintenance by ferry run " + ctx.report.run_id +
                                    "\" > " + quoted
                              : "rm -f " + quoted;
  return run_shell(ctx, step, t, text, why);
}

bool confirm(const std::string& question, std::string& why) {
  // check_run() made sure there is a terminal or --yes.
  static std::mutex ask;
  std::lock_guard lock(ask);
  std::fprintf(stderr, "%s [y/N] ", question.c_str());
  std::fflush(stderr);
  char line[64] = {};
  if (std::fgets(line, sizeof line, stdin) == nullptr || (line[0] != 'y' && line[0] != 'Y')) {
    why = "not confirmed";
    return false;
  }
  return true;
}

// ---- ferry's own, over all targets at once ----

// The transport address of a node, as `ferry push --to NAME` uses it.
std::string node_address(const Node& n) {
  return n.ferry.empty() ? n.target : n.target + "?ferry=" + n.ferry;
}

std::vector<std::string> addresses(const std::vector<Target>& targets) {
  std::vector<std::string> out;
  for (const Target& t : targets)
    out.push_back(node_address(*t.node));
  return out;
}

// Parallel to addresses(): the nodes' names, which the push and release reports show.
std::vector<std::string> node_names(const std::vector<Target>& targets) {
  std::vector<std::string> out;
  for (const Target& t : targets)
    out.push_back(t.name);
  return out;
}

std::string names(const std::vector<Target>& targets) {
  std::string out;
  for (const Target& t : targets)
    out += (out.empty() ? "" : ", ") + t.name;
  return out;
}

std::filesystem::path tree(const StepContext& ctx, const RunbookStep& step) {
  const std::filesystem::path path = ctx.vars.resolve(step.value, {});
  return path.is_absolute() ? path : ctx.config.file.parent_path() / path;
}

std::string release_of(const StepContext& ctx, const RunbookStep& step, bool display) {
  return ctx.vars.resolve(param(step, "release", "${release}"), {}, display);
}

PushOptions push_options(const StepContext& ctx, const RunbookStep& step,
                         const std::vector<Target>& targets, bool dry_run) {
  PushOptions options;
  options.source = tree(ctx, step);
  options.targets = addresses(targets);
  options.names = node_names(targets);
  options.release = release_of(ctx, step, false);
  options.dry_run = dry_run;
  options.jobs = ctx.config.concurrency;
  return options;
}

// One TargetRun per target, from results keyed by the node's address as reports show it.
template <typename Result>
std::vector<TargetRun> node_results(const std::vector<Target>& targets,
                                    const std::vector<Result>& results,
                                    const std::function<std::string(const Result&)>& failure) {
  std::vector<TargetRun> out;
  for (const Target& t : targets) {
    TargetRun run{.target = t.name, .outcome = Outcome::failed, .detail = "no answer"};
    for (const Result& r : results) {
      if (r.target != transfer::parse_target(node_address(*t.node)).display())
        continue;
      const std::string why = failure(r);
      run.outcome = why.empty() ? Outcome::ok : Outcome::failed;
      run.detail = why;
    }
    out.push_back(std::move(run));
  }
  return out;
}

std::vector<TargetRun> push_step(const StepContext& ctx, const RunbookStep& step,
                                 const std::vector<Target>& targets) {
  const PushReport report = push(push_options(ctx, step, targets, false));
  write_file_atomically(ctx.output, format_push_report(report));
  return node_results<NodeResult>(targets, report.nodes, [](const NodeResult& n) {
    return n.status == NodeStatus::failed ? n.error : std::string();
  });
}

std::vector<TargetRun> disk_check_step(const StepContext& ctx, const RunbookStep& step,
                                       const std::vector<Target>& targets) {
  const Margin margin = *parse_margin(ctx.vars.resolve(param(step, "margin", "10%"), {}));
  const PushReport report = push(push_options(ctx, step, targets, true));
  write_file_atomically(ctx.output, format_push_report(report));
  return node_results<NodeResult>(targets, report.nodes, [&](const NodeResult& n) {
    if (n.status == NodeStatus::failed)
      return n.error;
    const auto new_bytes = n.plan.value("new_bytes", std::uint64_t{0});
    const auto free_bytes = n.plan.value("free_bytes", std::uint64_t{0});
    const std::uint64_t needed = new_bytes + margin.of(new_bytes);
    if (needed <= free_bytes)
      return std::string();
    return fmt::format(
        "not enough room: the release adds {} bytes, with the margin {} bytes are needed and {} "
        "are free; purge old releases (ferry release purge) or free space",
        new_bytes, needed, free_bytes);
  });
}

std::vector<TargetRun> release_step(const StepContext& ctx, const RunbookStep& step,
                                    const std::vector<Target>& targets) {
  ReleaseOptions options;
  options.targets = addresses(targets);
  options.names = node_names(targets);
  options.jobs = ctx.config.concurrency;
  if (step.kind == StepKind::flip) {
    options.op = ReleaseOp::flip;
    options.release = ctx.vars.resolve(step.value, {});
  } else if (step.kind == StepKind::rollback) {
    options.op = ReleaseOp::rollback;
  } else {
    options.op = ReleaseOp::purge;
    options.keep = to_int(ctx.vars.resolve(step.value, {}), step.name + ": purge");
  }
  const ReleaseReport report = release_command(options);
  write_file_atomically(ctx.output, format_release_report(report));
  return node_results<ReleaseNodeResult>(
      targets, report.nodes, [](const ReleaseNodeResult& n) { return n.ok ? "" : n.error; });
}

std::vector<TargetRun> sync_step(const StepContext& ctx, const RunbookStep& step,
                                 const std::vector<Target>& targets) {
  FleetOptions options;
  for (const Target& t : targets)
    options.tenants.push_back(t.name);
  options.mode = step.value == "full"        ? ModeChoice::full
                 : step.value == "structure" ? ModeChoice::structure
                                             : ModeChoice::auto_;
  const FleetReport report = run_fleet_sync(ctx.config, options);
  write_file_atomically(ctx.output, render_text(report));
  std::vector<TargetRun> out;
  for (const Target& t : targets) {
    TargetRun run{.target = t.name, .outcome = Outcome::failed, .detail = "not synced"};
    for (const FleetTenant& r : report.tenants) {
      if (r.name != t.name)
        continue;
      const bool ok = r.status == FleetStatus::done || r.status == FleetStatus::in_sync;
      run.outcome = ok ? Outcome::ok : Outcome::failed;
      run.detail = ok ? "" : std::string(to_string(r.status)) + ": " + r.detail;
    }
    out.push_back(std::move(run));
  }
  return out;
}

// A database a snapshot, restore or copy step names: the master or a tenant of the config, or
// a URL.
Endpoint database_of(const StepContext& ctx, const std::string& text) {
  if (const NamedEndpoint* named = ctx.config.find(text))
    return named->endpoint;
  return parse_endpoint(text);
}

std::filesystem::path store_of(const StepContext& ctx, const RunbookStep& step, bool dry_run) {
  const std::string store = ctx.vars.resolve(param(step, "store"), {}, dry_run);
  return store.empty() ? ctx.config.snapshot_store : std::filesystem::path(store);
}

LoadOptions load_options(const StepContext& ctx, const RunbookStep& step) {
  LoadOptions options;
  options.tables = split_list(ctx.vars.resolve(param(step, "tables"), {}));
  options.exclude = split_list(ctx.vars.resolve(param(step, "exclude"), {}));
  options.jobs = to_int(ctx.vars.resolve(param(step, "jobs", "4"), {}), step.name + ": jobs");
  options.resume_if_interrupted = true;
  return options;
}

// Runs a snapshot, restore or copy step; its report goes to the step's output file.
bool database_step(const StepContext& ctx, const RunbookStep& step, const std::string& value,
                   std::string& why) {
  const std::string text = ctx.vars.resolve(value, {});
  std::string report;
  if (step.kind == StepKind::snapshot) {
    SnapshotOptions options;
    options.name = ctx.vars.resolve(param(step, "as"), {});
    options.tables = split_list(ctx.vars.resolve(param(step, "tables"), {}));
    options.exclude = split_list(ctx.vars.resolve(param(step, "exclude"), {}));
    options.jobs = to_int(ctx.vars.resolve(param(step, "jobs", "4"), {}), step.name + ": jobs");
    report =
        render_text(create_snapshot(database_of(ctx, text), store_of(ctx, step, false), options));
  } else {
    const Endpoint target = database_of(ctx, ctx.vars.resolve(param(step, "to"), {}));
    const LoadReport loaded =
        step.kind == StepKind::restore
            ? restore_snapshot(store_of(ctx, step, false), text, target, load_options(ctx, step))
            : copy_database(database_of(ctx, text), target, load_options(ctx, step));
    report = render_text(loaded);
    if (loaded.differs())
      why = "the target differs from its source after loading (see the output)";
  }
  if (FILE* out = std::fopen(ctx.output.c_str(), "a")) {
    std::fputs(report.c_str(), out);
    std::fclose(out);
  }
  return why.empty();
}

std::string describe_database(const StepContext& ctx, const RunbookStep& step,
                              const std::string& value) {
  const std::string text = ctx.vars.resolve(value, {}, true);
  const auto named = [&](const std::string& t) {
    const NamedEndpoint* n = ctx.config.find(t);
    return n ? t + " (" + n->endpoint.redacted() + ")" : parse_endpoint(t).redacted();
  };
  const std::string to = ctx.vars.resolve(param(step, "to"), {}, true);
  switch (step.kind) {
    case StepKind::snapshot:
      return "snapshot of " + named(text) + " into the store " +
             store_of(ctx, step, true).string() +
             (step.params.contains("as") ? " as " + ctx.vars.resolve(param(step, "as"), {}, true)
                                         : "");
    case StepKind::restore:
      return "restore snapshot " + text + " of the store " + store_of(ctx, step, true).string() +
             " into " + named(to) + " (an empty database; verified)";
    default:
      return "copy " + named(text) + " into " + named(to) + " (an empty database; verified)";
  }
}

// ---- migrate ----

MigrateRequest migrate_request(const StepContext& ctx, const RunbookStep& step,
                               const std::string& value) {
  MigrateRequest r;
  r.action = value == "down" ? MigrateRequest::Action::down : MigrateRequest::Action::up;
  r.to = ctx.vars.resolve(param(step, "to"), {});
  r.dry_run = ctx.report.dry_run;
  r.run_id = ctx.report.run_id;
  return r;
}

TenantMigrateResult migrate_target(const StepContext& ctx, const RunbookStep& step,
                                   const std::string& value, const Target& t) {
  if (t.tenant == nullptr)
    throw Error(ErrorKind::usage, "migrate runs on tenants; " + t.name + " is not one");
  const MigrationSet set = load_migrations(ctx.config.migrations.dir, ctx.config.migrations.format);
  return migrate_tenant(ctx.config, *t.tenant, set, migrate_request(ctx, step, value),
                        ctx.output.parent_path());
}

// A dry run reads the tenant's history and names what would run.
std::string describe_migrate(const StepContext& ctx, const RunbookStep& step,
                             const std::string& value, const Target& t) {
  const std::string to = param(step, "to");
  const std::string what =
      "migrate " + value + (to.empty() ? " to the latest version" : " to " + to);
  if (!ctx.report.dry_run)
    return what;
  const TenantMigrateResult r = migrate_target(ctx, step, value, t);
  if (!r.ok)
    throw Error(ErrorKind::failure, r.error);
  return what + ": " + r.summary();
}

bool migrate_step(const StepContext& ctx, const RunbookStep& step, const std::string& value,
                  const Target& t, std::string& why) {
  const TenantMigrateResult r = migrate_target(ctx, step, value, t);
  why = r.ok ? r.summary() : r.error;
  return r.ok;
}

}  // namespace

std::string describe(const StepContext& ctx, const RunbookStep& step, const std::string& value,
                     const Target& t) {
  const VarScope scope = scope_of(t);
  const Variables& vars = ctx.vars;
  switch (step.kind) {
    case StepKind::command:
      return shell_text(t, vars.resolve(value, scope, true));
    case StepKind::maintenance: {
      if (step.params.contains("flag")) {
        const std::string flag = vars.resolve(step.params.at("flag"), scope, true);
        return (value == "on" ? "create " : "remove ") + flag + " under " +
               (t.node ? t.node->target : "this machine");
      }
      if (step.params.contains("sql")) {
        return "on " + (t.tenant ? t.tenant->endpoint.redacted() : t.name) + ": " +
               vars.resolve(step.params.at("sql"), scope, true);
      }
      return shell_text(t, vars.resolve(step.params.at("run"), scope, true));
    }
    case StepKind::confirm:
      return "ask: " + vars.resolve(value, scope, true);
    case StepKind::ecs_restart: {
      std::string out;
      const auto services = ecs_services(step, value, vars, true);
      for (const auto& call : deploy_hooks::ecs_restart_calls(ctx.config.aws, services))
        out += (out.empty() ? "" : "\n  ") + command_line(call);
      return out + "\n  (polled until every service is stable)";
    }
    case StepKind::ecs_scale: {
      std::string out;
      const auto services = ecs_services(step, param(step, "cluster"), vars, true);
      const int desired = to_int(vars.resolve(value, {}), step.name + ": ecs-scale");
      for (const auto& call : deploy_hooks::ecs_scale_calls(ctx.config.aws, services, desired))
        out += (out.empty() ? "" : "\n  ") + command_line(call);
      return out + "\n  (polled until every service is stable)";
    }
    case StepKind::dns_switch:
      return describe_dns(
          dns_switch(ctx, step, value, vars.resolve(param(step, "to"), {}, true), true));
    case StepKind::wait_http: {
      const auto wait = http_wait(step, value, vars, true);
      return command_line(deploy_hooks::wait_http_call(wait)) + "\n  until it answers " +
             std::to_string(wait.status) +
             (wait.body_contains.empty() ? "" : " with '" + wait.body_contains + "'");
    }
    case StepKind::notify:
      if (step.params.contains("run"))
        return shell_text(t, vars.resolve(step.params.at("run"), scope, true));
      return command_line(deploy_hooks::notify_call(vars.resolve(param(step, "webhook"), {}, true),
                                                    vars.resolve(value, {}, true)));
    case StepKind::revert:
      return describe_revert(ctx, step);
    case StepKind::snapshot:
    case StepKind::restore:
    case StepKind::copy:
      return describe_database(ctx, step, value);
    case StepKind::migrate:
      return describe_migrate(ctx, step, value, t);
    default:
      return {};
  }
}

bool execute(const StepContext& ctx, const RunbookStep& step, const std::string& value,
             const Target& t, std::string& why, std::string& previous) {
  const VarScope scope = scope_of(t);
  const Variables& vars = ctx.vars;
  switch (step.kind) {
    case StepKind::command:
      return run_shell(ctx, step, t, vars.resolve(value, scope), why);
    case StepKind::maintenance:
      return maintenance(ctx, step, value, t, why);
    case StepKind::confirm:
      return confirm(vars.resolve(value, scope), why);
    case StepKind::ecs_restart:
      deploy_hooks::ecs_restart(ctx.config.aws, ecs_services(step, value, vars, false),
                                ecs_wait(step, vars), ctx.output);
      return true;
    case StepKind::ecs_scale: {
      // What the first try replaced is what a revert puts back, also when a try fails after
      // the change (a wait that times out) and a retry would read the new counts.
      std::map<std::string, int> before;
      try {
        deploy_hooks::ecs_scale(ctx.config.aws,
                                ecs_services(step, param(step, "cluster"), vars, false),
                                to_int(vars.resolve(value, {}), step.name + ": ecs-scale"),
                                ecs_wait(step, vars), ctx.output, &before);
      } catch (...) {
        if (previous.empty() && !before.empty())
          previous = nlohmann::json(before).dump();
        throw;
      }
      if (previous.empty())
        previous = nlohmann::json(before).dump();
      return true;
    }
    case StepKind::dns_switch: {
      std::vector<std::string> before;
      bool changed = false;  // past the read of the old values
      try {
        before =
            switch_dns(dns_switch(ctx, step, value, vars.resolve(param(step, "to"), {}), false),
                       ctx.output, &before);
        changed = true;
      } catch (...) {
        changed = !before.empty();
        if (previous.empty() && changed)
          previous = nlohmann::json{{"values", before}}.dump();
        throw;
      }
      if (previous.empty() && changed)
        previous = nlohmann::json{{"values", before}}.dump();
      return true;
    }
    case StepKind::wait_http:
      deploy_hooks::wait_http(http_wait(step, value, vars, false), ctx.output);
      return true;
    case StepKind::notify:
      if (step.params.contains("run"))
        return run_shell(ctx, step, t, vars.resolve(step.params.at("run"), scope), why);
      deploy_hooks::notify_webhook(vars.resolve(param(step, "webhook"), {}),
                                   vars.resolve(value, {}), ctx.output,
                                   or_default(step.timeout, std::chrono::seconds(30)));
      return true;
    case StepKind::revert:
      return revert(ctx, step, why);
    case StepKind::snapshot:
    case StepKind::restore:
    case StepKind::copy:
      return database_step(ctx, step, value, why);
    case StepKind::migrate:
      return migrate_step(ctx, step, value, t, why);
    default:
      why = std::string("step kind ") + to_string(step.kind) + " runs over all its targets at once";
      return false;
  }
}

std::string describe_whole(const StepContext& ctx, const RunbookStep& step,
                           const std::vector<Target>& targets) {
  const Variables& vars = ctx.vars;
  switch (step.kind) {
    case StepKind::sync:
      return "ferry sync --mode " + step.value + " of " + names(targets);
    case StepKind::push:
      return "push " + tree(ctx, step).string() + " as release " + release_of(ctx, step, true) +
             " to " + names(targets) + " (no flip)";
    case StepKind::disk_check:
      return "push dry run of " + tree(ctx, step).string() + " as release " +
             release_of(ctx, step, true) + " to " + names(targets) +
             ": every node needs its new bytes plus " + param(step, "margin", "10%") + " free";
    case StepKind::flip:
      return "flip current to " + vars.resolve(step.value, {}, true) + " on " + names(targets);
    case StepKind::rollback:
      return "flip current back to the previous release on " + names(targets);
    case StepKind::purge:
      return "purge all but the newest " + vars.resolve(step.value, {}, true) + " releases on " +
             names(targets);
    default:
      return {};
  }
}

std::vector<TargetRun> execute_whole(const StepContext& ctx, const RunbookStep& step,
                                     const std::vector<Target>& targets) {
  switch (step.kind) {
    case StepKind::sync:
      return sync_step(ctx, step, targets);
    case StepKind::push:
      return push_step(ctx, step, targets);
    case StepKind::disk_check:
      return disk_check_step(ctx, step, targets);
    default:
      return release_step(ctx, step, targets);
  }
}

}  // namespace ferry::engine
