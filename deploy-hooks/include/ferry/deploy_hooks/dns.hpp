// DNS hooks: point a name at a new value and wait until the authoritative servers answer
// with it. Two providers: any RFC 2136 server (nsupdate with a TSIG key, checked with dig)
// and Route 53 (change-resource-record-sets UPSERT through the aws CLI, then the change is
// waited for until INSYNC). Each switch returns the value it replaced, for a fail-back.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/deploy_hooks/aws.hpp"

namespace ferry::deploy_hooks {

struct DnsRecord {
  std::string name;            // fully qualified, e.g. www.example.com (a trailing dot is optional)
  std::string type = "CNAME";  // A, AAAA, CNAME, TXT
  std::string value;           // the new value
  int ttl = 60;
};

struct Rfc2136Server {
  std::string server;  // host or address of the primary
  int port = 53;
  std::filesystem::path key_file;  // TSIG key file (tsig-keygen's format), may be empty
  std::string zone;                // the zone to update
};

struct Route53Zone {
  AwsSettings aws;
  std::string hosted_zone_id;  // e.g. Z0123456789ABC or /hostedzone/Z0123456789ABC
};

struct DnsWait {
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds interval{std::chrono::seconds(2)};
};

// What the record answers now, asked of `server` directly (dig +short, no recursion); empty
// when it has no such record. Values are compared without a trailing dot.
std::vector<std::string> dns_query(const std::string& server, int port, const std::string& name,
                                   const std::string& type, const std::filesystem::path& log);

// The text fed to nsupdate (dry runs print it; the key's secret is never part of it).
std::string nsupdate_script(const Rfc2136Server& server, const DnsRecord& record);

// Replaces the record's values with record.value (nsupdate -k key_file), then asks the server
// until it answers with the new value. Returns the values it answered before the change
// (empty when there was no record), also set in `replaced` before anything changes, so a
// caller knows them when the update or the wait fails. Throws Error(failure) with nsupdate's
// or dig's words.
std::vector<std::string> rfc2136_switch(const Rfc2136Server& server, const DnsRecord& record,
                                        const DnsWait& wait, const std::filesystem::path& log,
                                        std::vector<std::string>* replaced = nullptr);

// The calls a Route 53 switch makes (argv of each, for dry runs).
std::vector<std::vector<std::string>> route53_switch_calls(const Route53Zone& zone,
                                                           const DnsRecord& record);

// Reads the record's current values (list-resource-record-sets), UPSERTs the new one, then
// polls get-change until INSYNC. Returns the values before the change (empty when none).
// `replaced` as for rfc2136_switch.
std::vector<std::string> route53_switch(const Route53Zone& zone, const DnsRecord& record,
                                        const DnsWait& wait, const std::filesystem::path& log,
                                        std::vector<std::string>* replaced = nullptr);

}  // namespace ferry::deploy_hooks
