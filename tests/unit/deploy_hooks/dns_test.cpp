#include "ferry/deploy_hooks/dns.hpp"

#include <gtest/gtest.h>

#include <string>

#include "ferry/common/error.hpp"

namespace ferry::deploy_hooks {
namespace {

const Rfc2136Server primary{
    .server = "ns1.example.com", .port = 5353, .key_file = "/etc/k.key", .zone = "example.com"};

TEST(NsupdateScript, ReplacesTheRecord) {
  const DnsRecord record{.name = "www.example.com", .type = "A", .value = "192.0.2.7", .ttl = 30};
  EXPECT_EQ(nsupdate_script(primary, record),
            "server ns1.example.com 5353\n"
            "zone example.com\n"
            "update delete www.example.com A\n"
            "update add www.example.com 30 A 192.0.2.7\n"
            "send\n");
}

TEST(NsupdateScript, QualifiesCnameTargets) {
  DnsRecord record{.name = "app.example.com", .type = "CNAME", .value = "green.example.com"};
  EXPECT_NE(nsupdate_script(primary, record)
                .find("update add app.example.com 60 CNAME green.example.com.\n"),
            std::string::npos);
  record.value = "green.example.com.";
  EXPECT_NE(nsupdate_script(primary, record).find(" CNAME green.example.com.\n"),
            std::string::npos);
  record.value = "green";  // no dot: left as written
  EXPECT_NE(nsupdate_script(primary, record).find(" CNAME green\n"), std::string::npos);
}

TEST(NsupdateScript, NeverHoldsTheKey) {
  const std::string script =
      nsupdate_script(primary, {.name = "a.example.com", .value = "b.example.com"});
  EXPECT_EQ(script.find("key"), std::string::npos);
  EXPECT_EQ(script.find("/etc/k.key"), std::string::npos);
}

TEST(NsupdateScript, WithoutZoneLetsNsupdateFindIt) {
  const Rfc2136Server server{.server = "127.0.0.1"};
  EXPECT_EQ(nsupdate_script(server, {.name = "a.example.com", .type = "A", .value = "192.0.2.1"}),
            "server 127.0.0.1 53\n"
            "update delete a.example.com A\n"
            "update add a.example.com 60 A 192.0.2.1\n"
            "send\n");
}

TEST(NsupdateScript, RefusesLineBreaks) {
  // A line break would smuggle in another nsupdate command.
  const DnsRecord record{
      .name = "a.example.com", .type = "A", .value = "192.0.2.1\nupdate delete example.com ANY"};
  EXPECT_THROW(nsupdate_script(primary, record), Error);
}

TEST(Route53Calls, ListsThenUpserts) {
  const Route53Zone zone{.aws = {.profile = "ops"}, .hosted_zone_id = "Z123"};
  const DnsRecord record{
      .name = "app.example.com", .type = "CNAME", .value = "green.example.com", .ttl = 120};
  const auto calls = route53_switch_calls(zone, record);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0],
            (std::vector<std::string>{"aws", "--profile", "ops", "--output", "json", "route53",
                                      "list-resource-record-sets", "--hosted-zone-id", "Z123",
                                      "--start-record-name", "app.example.com",
                                      "--start-record-type", "CNAME", "--max-items", "1"}));
  ASSERT_EQ(calls[1].size(), 11u);
  EXPECT_EQ(calls[1][6], "change-resource-record-sets");
  EXPECT_EQ(calls[1][9], "--change-batch");
  const nlohmann::json batch = nlohmann::json::parse(calls[1][10]);
  const nlohmann::json& change = batch.at("Changes").at(0);
  EXPECT_EQ(change.at("Action"), "UPSERT");
  EXPECT_EQ(change.at("ResourceRecordSet"),
            nlohmann::json::parse(R"({"Name": "app.example.com", "Type": "CNAME", "TTL": 120,
                                      "ResourceRecords": [{"Value": "green.example.com"}]})"));
}

}  // namespace
}  // namespace ferry::deploy_hooks
