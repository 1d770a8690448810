#include "ferry/deploy_hooks/dns.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <thread>

#include "ferry/common/error.hpp"
#include "logged_run.hpp"

namespace ferry::deploy_hooks {
namespace {

// dig gives up after one try of 2 s (+time=2 +tries=1); this only stops a hung one.
constexpr std::chrono::seconds dig_timeout{10};
// The limit of one nsupdate or aws call; the wait for the new value has its own.
constexpr std::chrono::minutes call_timeout{2};

std::string without_dot(std::string name) {
  if (!name.empty() && name.back() == '.')
    name.pop_back();
  return name;
}

// Names as DNS compares them: without the trailing dot, case-insensitively.
std::string canonical_name(const std::string& name) {
  std::string out = without_dot(name);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string where(const std::string& server, int port) {
  return server + ":" + std::to_string(port);
}

// A line break in a field would start a new nsupdate command: refuse it.
void check_single_line(const DnsRecord& record) {
  for (const std::string* field : {&record.name, &record.type, &record.value}) {
    if (field->find_first_of("\r\n") != std::string::npos) {
      throw Error(ErrorKind::config, "DNS record " +
                                         record.name.substr(0, record.name.find_first_of("\r\n")) +
                                         ": a name, type or value cannot contain a line break");
    }
  }
}

std::vector<std::string> list_args(const Route53Zone& zone, const DnsRecord& record) {
  return {"route53",
          "list-resource-record-sets",
          "--hosted-zone-id",
          zone.hosted_zone_id,
          "--start-record-name",
          record.name,
          "--start-record-type",
          record.type,
          "--max-items",
          "1"};
}

std::vector<std::string> change_args(const Route53Zone& zone, const DnsRecord& record) {
  const nlohmann::json set{{"Name", record.name},
                           {"Type", record.type},
                           {"TTL", record.ttl},
                           {"ResourceRecords", nlohmann::json::array({{{"Value", record.value}}})}};
  const nlohmann::json change{{"Action", "UPSERT"}, {"ResourceRecordSet", set}};
  const nlohmann::json batch{{"Comment", "ferry dns-switch"},
                             {"Changes", nlohmann::json::array({change})}};
  return {"route53",          "change-resource-record-sets",
          "--hosted-zone-id", zone.hosted_zone_id,
          "--change-batch",   batch.dump()};
}

// The record's values in a list-resource-record-sets answer that starts at it: none when the
// first set listed is another record (the record does not exist).
std::vector<std::string> listed_values(const nlohmann::json& listing, const DnsRecord& record) {
  std::vector<std::string> values;
  for (const nlohmann::json& set : listing.value("ResourceRecordSets", nlohmann::json::array())) {
    if (canonical_name(set.value("Name", "")) != canonical_name(record.name) ||
        set.value("Type", "") != record.type)
      break;
    for (const nlohmann::json& rr : set.value("ResourceRecords", nlohmann::json::array()))
      values.push_back(without_dot(rr.value("Value", "")));
  }
  return values;
}

void wait_insync(const Route53Zone& zone, const std::string& change_id, const DnsWait& wait,
                 const std::filesystem::path& log) {
  const auto deadline = std::chrono::steady_clock::now() + wait.timeout;
  while (true) {
    const nlohmann::json change =
        aws_call(zone.aws, {"route53", "get-change", "--id", change_id}, log, call_timeout);
    const std::string status = change.value("ChangeInfo", nlohmann::json::object())
                                   .value("Status", std::string("(no status)"));
    if (status == "INSYNC")
      return;
    if (std::chrono::steady_clock::now() + wait.interval > deadline) {
      throw Error(ErrorKind::failure, "Route 53 change " + change_id + " in hosted zone " +
                                          zone.hosted_zone_id + " still " + status + " after " +
                                          std::to_string(wait.timeout.count() / 1000) + "s");
    }
    std::this_thread::sleep_for(wait.interval);
  }
}

}  // namespace

std::vector<std::string> dns_query(const std::string& server, int port, const std::string& name,
                                   const std::string& type, const std::filesystem::path& log) {
  const std::vector<std::string> argv{"dig",    "@" + server, "-p",      std::to_string(port),
                                      "+short", "+norecurse", "+time=2", "+tries=1",
                                      name,     type};
  const LoggedRun run = run_logged(argv, log, dig_timeout);
  if (!run.outcome.ok())
    throw Error(ErrorKind::failure, run_failure("dig failed", argv, run.outcome, dig_timeout));
  std::vector<std::string> values;
  std::istringstream lines(run.output);
  for (std::string line; std::getline(lines, line);) {
    // dig's own remarks start with ';'.
    if (!line.empty() && line.front() != ';')
      values.push_back(without_dot(line));
  }
  return values;
}

std::string nsupdate_script(const Rfc2136Server& server, const DnsRecord& record) {
  check_single_line(record);
  std::string value = record.value;
  // A CNAME target without its final dot could be read relative to an origin.
  if (record.type == "CNAME" && value.find('.') != std::string::npos && value.back() != '.')
    value += '.';
  std::string script = "server " + server.server + " " + std::to_string(server.port) + "\n";
  if (!server.zone.empty())
    script += "zone " + server.zone + "\n";
  script += "update delete " + record.name + " " + record.type + "\n";
  script += "update add " + record.name + " " + std::to_string(record.ttl) + " " + record.type +
            " " + value + "\n";
  return script + "send\n";
}

std::vector<std::string> rfc2136_switch(const Rfc2136Server& server, const DnsRecord& record,
                                        const DnsWait& wait, const std::filesystem::path& log,
                                        std::vector<std::string>* replaced) {
  const std::vector<std::string> before =
      dns_query(server.server, server.port, record.name, record.type, log);
  if (replaced)
    *replaced = before;

  // nsupdate reads its commands from a file; the key stays in key_file.
  const ScratchFile script(log, "nsupdate");
  const std::string text = nsupdate_script(server, record);
  script.write(text);
  std::ofstream(log, std::ios::app) << "nsupdate script:\n" << text;
  std::vector<std::string> argv{"nsupdate"};
  if (!server.key_file.empty())
    argv.insert(argv.end(), {"-k", server.key_file.string()});
  argv.push_back(script.path().string());
  const LoggedRun run = run_logged(argv, log, call_timeout);
  if (!run.outcome.ok()) {
    throw Error(ErrorKind::failure,
                run_failure("nsupdate could not set " + record.name + " " + record.type + " to " +
                                record.value + " on " + where(server.server, server.port),
                            argv, run.outcome, call_timeout));
  }

  const std::vector<std::string> want{without_dot(record.value)};
  const auto deadline = std::chrono::steady_clock::now() + wait.timeout;
  while (true) {
    const std::vector<std::string> now =
        dns_query(server.server, server.port, record.name, record.type, log);
    if (now == want)
      return before;
    if (std::chrono::steady_clock::now() + wait.interval > deadline) {
      std::string answer;
      for (const std::string& v : now)
        answer += (answer.empty() ? "" : ", ") + v;
      throw Error(ErrorKind::failure, where(server.server, server.port) + " still answers " +
                                          (answer.empty() ? "nothing" : answer) + " for " +
                                          record.name + " " + record.type + " after " +
                                          std::to_string(wait.timeout.count() / 1000) +
                                          "s (the update asked for " + record.value + ")");
    }
    std::this_thread::sleep_for(wait.interval);
  }
}

std::vector<std::vector<std::string>> route53_switch_calls(const Route53Zone& zone,
                                                           const DnsRecord& record) {
  return {aws_argv(zone.aws, list_args(zone, record)),
          aws_argv(zone.aws, change_args(zone, record))};
}

std::vector<std::string> route53_switch(const Route53Zone& zone, const DnsRecord& record,
                                        const DnsWait& wait, const std::filesystem::path& log,
                                        std::vector<std::string>* replaced) {
  const std::vector<std::string> before =
      listed_values(aws_call(zone.aws, list_args(zone, record), log, call_timeout), record);
  if (replaced)
    *replaced = before;
  const nlohmann::json change = aws_call(zone.aws, change_args(zone, record), log, call_timeout);
  const std::string id =
      change.value("ChangeInfo", nlohmann::json::object()).value("Id", std::string());
  if (id.empty()) {
    throw Error(ErrorKind::failure, "Route 53 gave no change id for " + record.name + " " +
                                        record.type + " in hosted zone " + zone.hosted_zone_id);
  }
  wait_insync(zone, id, wait, log);
  return before;
}

}  // namespace ferry::deploy_hooks
