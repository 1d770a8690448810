// ferry.yaml: every kind of error names the file and the line; a full config parsed field by
// field; the full window in its time zone; choose_mode; shards. No servers: SQLite URLs only,
// and nothing is ever opened.
#include "ferry/engine/config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ferry/common/error.hpp"
#include "ferry/engine/fleet_sync.hpp"
#include "test_env.hpp"

namespace ferry::engine {
namespace {

using namespace std::chrono;
using std::chrono::sys_days;

using test::line_of;

class ConfigTest : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& yaml, const std::string& name = "ferry.yaml") {
    const std::filesystem::path path = std::filesystem::path(m_dir.path()) / name;
    std::ofstream(path) << yaml;
    return path;
  }

  // load_config() fails with Error(config), and the message starts with "FILE:LINE: " and
  // contains every one of `parts`.
  void expect_error(const std::string& yaml, int line, const std::vector<std::string>& parts) {
    const std::filesystem::path path = write(yaml);
    try {
      load_config(path);
      ADD_FAILURE() << "no error for:\n" << yaml;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::config) << e.what();
      const std::string message = e.what();
      const std::string prefix = path.string() + ":" + std::to_string(line) + ": ";
      EXPECT_TRUE(message.starts_with(prefix))
          << "expected '" << prefix << "' first in: " << message;
      for (const std::string& part : parts)
        EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
    }
  }

  test::TempDir m_dir;
};

// A minimal valid config to build bad ones from.
const std::string k_head =
    "master: sqlite:master.db\n"
    "tenants:\n"
    "  - name: a\n"
    "    url: sqlite:a.db\n";

TEST_F(ConfigTest, UnknownKeyAtTopLevel) {
  const std::string yaml = k_head + "concurency: 4\n";
  expect_error(yaml, line_of(yaml, "concurency"), {"concurency", "unknown key", "concurrency"});
}

TEST_F(ConfigTest, UnknownKeyInsideATenant) {
  const std::string yaml = k_head +
                           "  - name: b\n"
                           "    url: sqlite:b.db\n"
                           "    gruop: test\n";
  expect_error(yaml, line_of(yaml, "gruop"), {"tenants[1].gruop", "unknown key"});
}

TEST_F(ConfigTest, UnknownKeyInsideSync) {
  const std::string yaml = k_head +
                           "sync:\n"
                           "  tables: [currencies]\n"
                           "  delete: keep\n";
  expect_error(yaml, line_of(yaml, "delete:"), {"sync.delete", "unknown key", "deletes"});
}

TEST_F(ConfigTest, UnknownKeyInsideWindows) {
  const std::string yaml = k_head +
                           "windows:\n"
                           "  full: \"00:00-06:00\"\n"
                           "  timezone: UTC\n";
  expect_error(yaml, line_of(yaml, "timezone"), {"windows.timezone", "unknown key", "time_zone"});
}

TEST_F(ConfigTest, UnknownKeyInsideTheMaster) {
  const std::string yaml =
      "master:\n"
      "  url: sqlite:master.db\n"
      "  group: production\n"
      "tenants:\n"
      "  - name: a\n"
      "    url: sqlite:a.db\n";
  expect_error(yaml, line_of(yaml, "group"), {"master.group", "unknown key"});
}

TEST_F(ConfigTest, EmptyFileOrAListIsNotAConfig) {
  expect_error("", 1, {"expected a mapping", "master"});
  expect_error("# nothing yet\n", 1, {"expected a mapping"});
  expect_error("- master: sqlite:m.db\n", 1, {"expected a mapping"});
}

TEST_F(ConfigTest, TenantsNotAList) {
  const std::string yaml = "master: sqlite:master.db\ntenants: sqlite:a.db\n";
  expect_error(yaml, 2, {"tenants", "list"});
  const std::string as_map = "master: sqlite:master.db\ntenants: {name: a, url: sqlite:a.db}\n";
  expect_error(as_map, 2, {"tenants", "list"});
}

TEST_F(ConfigTest, ConcurrencyNotANumber) {
  const std::string yaml = k_head + "concurrency: many\n";
  expect_error(yaml, line_of(yaml, "many"), {"concurrency", "whole number", "many"});
  const std::string zero = k_head + "concurrency: 0\n";
  expect_error(zero, line_of(zero, "concurrency"), {"concurrency", "between"});
}

TEST_F(ConfigTest, AllowDropNotABoolean) {
  const std::string yaml = k_head + "sync:\n  allow_drop: maybe\n";
  expect_error(yaml, line_of(yaml, "maybe"), {"sync.allow_drop", "true or false"});
}

TEST_F(ConfigTest, DeletesNotAPolicy) {
  const std::string yaml = k_head + "sync:\n  deletes: sometimes\n";
  expect_error(yaml, line_of(yaml, "sometimes"),
               {"sync.deletes", "propagate or keep", "sometimes"});
}

TEST_F(ConfigTest, SyncTablesNotAList) {
  const std::string yaml = k_head + "sync:\n  tables: currencies\n";
  expect_error(yaml, line_of(yaml, "currencies"), {"sync.tables", "list"});
}

TEST_F(ConfigTest, MissingMaster) {
  const std::string yaml =
      "# a fleet without a master\n"
      "tenants:\n"
      "  - name: a\n"
      "    url: sqlite:a.db\n";
  // The mapping that lacks the key starts on line 2.
  expect_error(yaml, 2, {"master", "required key is missing"});
}

TEST_F(ConfigTest, TenantWithoutUrl) {
  const std::string yaml = k_head +
                           "  - name: b\n"
                           "    group: test\n";
  expect_error(yaml, line_of(yaml, "name: b"), {"tenants[1].url", "required key is missing"});
}

TEST_F(ConfigTest, TenantWithoutName) {
  const std::string yaml = k_head + "  - url: sqlite:b.db\n";
  expect_error(yaml, line_of(yaml, "url: sqlite:b.db"),
               {"tenants[1].name", "required key is missing"});
}

TEST_F(ConfigTest, DuplicateTenantName) {
  const std::string yaml = k_head +
                           "  - name: b\n"
                           "    url: sqlite:b.db\n"
                           "  - name: a\n"
                           "    url: sqlite:a2.db\n";
  expect_error(yaml, line_of(yaml, "name: a\n    url: sqlite:a2"),
               {"tenants[2].name", "duplicate", "'a'"});
}

TEST_F(ConfigTest, TenantCalledMasterIsADuplicate) {
  const std::string yaml = k_head + "  - name: master\n    url: sqlite:m2.db\n";
  expect_error(yaml, line_of(yaml, "name: master"), {"duplicate", "'master'"});
}

TEST_F(ConfigTest, GroupNotInGroups) {
  const std::string yaml =
      "master: sqlite:master.db\n"
      "groups: [test, production]\n"
      "tenants:\n"
      "  - name: a\n"
      "    url: sqlite:a.db\n"
      "    group: test\n"
      "  - name: b\n"
      "    url: sqlite:b.db\n"
      "    group: acceptance\n";
  expect_error(yaml, line_of(yaml, "group: acceptance"),
               {"tenants[1].group", "'acceptance'", "not in groups"});
}

TEST_F(ConfigTest, NodesByNameAndByGroup) {
  const std::string yaml = k_head +
                           "nodes:\n"
                           "  - name: web1\n"
                           "    target: ssh://deploy@web1/srv/app\n"
                           "    group: web\n"
                           "  - name: web2\n"
                           "    target: ssh://deploy@web2:2222/srv/app\n"
                           "    group: web\n"
                           "    ferry: /opt/ferry/bin/ferry\n"
                           "  - name: cache\n"
                           "    target: local:/srv/releases\n";
  const Config config = load_config(write(yaml));
  ASSERT_EQ(config.nodes.size(), 3u);
  EXPECT_EQ(config.nodes[1].ferry, "/opt/ferry/bin/ferry");
  const auto web = config.find_nodes("web");
  ASSERT_EQ(web.size(), 2u);
  EXPECT_EQ(web[0]->name, "web1");
  EXPECT_EQ(web[1]->target, "ssh://deploy@web2:2222/srv/app");
  const auto cache = config.find_nodes("cache");
  ASSERT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache[0]->target, "local:/srv/releases");
  EXPECT_TRUE(config.find_nodes("nobody").empty());
}

TEST_F(ConfigTest, NodeWithABadTargetOrAnUnknownKey) {
  std::string yaml = k_head +
                     "nodes:\n"
                     "  - name: web1\n"
                     "    target: web1:/srv/app\n";
  expect_error(yaml, line_of(yaml, "target: web1"), {"nodes[0].target", "ssh://"});
  yaml = k_head +
         "nodes:\n"
         "  - name: web1\n"
         "    target: local:/srv/app\n"
         "    hosts: [a]\n";
  expect_error(yaml, line_of(yaml, "hosts:"), {"nodes[0].hosts", "unknown key"});
  yaml = k_head +
         "nodes:\n"
         "  - name: a\n"
         "    target: local:/srv/app\n";
  expect_error(yaml, line_of(yaml, "name: a\n    target"), {"nodes[0].name", "duplicate"});
}

TEST_F(ConfigTest, WindowHourOutOfRange) {
  const std::string yaml = k_head + "windows:\n  full: \"25:00-06:00\"\n";
  expect_error(yaml, line_of(yaml, "25:00"), {"windows.full", "HH:MM-HH:MM", "25:00-06:00"});
}

TEST_F(ConfigTest, WindowWithoutEnd) {
  const std::string yaml = k_head + "windows:\n  full: \"06:00\"\n";
  expect_error(yaml, line_of(yaml, "06:00"), {"windows.full", "HH:MM-HH:MM", "'06:00'"});
}

TEST_F(ConfigTest, EmptyWindow) {
  const std::string yaml = k_head + "windows:\n  full: \"06:00-06:00\"\n";
  expect_error(yaml, line_of(yaml, "06:00"), {"windows.full", "empty"});
}

TEST_F(ConfigTest, UnknownTimeZone) {
  const std::string yaml =
      k_head + "windows:\n  full: \"00:00-06:00\"\n  time_zone: Mars/Olympus\n";
  expect_error(yaml, line_of(yaml, "Mars"), {"windows.time_zone", "unknown time zone"});
}

TEST_F(ConfigTest, TimeZoneThatIsAFolderOrAPathIsUnknown) {
  // /usr/share/zoneinfo/Europe exists, but it is a folder of zones, not a zone.
  const std::string folder = k_head + "windows:\n  full: \"00:00-06:00\"\n  time_zone: Europe\n";
  expect_error(folder, line_of(folder, "Europe"), {"windows.time_zone", "unknown time zone"});
  const std::string escape =
      k_head + "windows:\n  full: \"00:00-06:00\"\n  time_zone: ../../../etc/hostname\n";
  expect_error(escape, line_of(escape, "../"), {"windows.time_zone", "unknown time zone"});
}

TEST_F(ConfigTest, UnsetVariable) {
  ::unsetenv("FERRY_CONFIG_TEST_UNSET");
  const std::string yaml =
      "master: sqlite:master.db\n"
      "tenants:\n"
      "  - name: a\n"
      "    url: sqlite:${FERRY_CONFIG_TEST_UNSET}.db\n";
  expect_error(yaml, line_of(yaml, "${"), {"tenants[0].url", "FERRY_CONFIG_TEST_UNSET", "not set"});
}

TEST_F(ConfigTest, DefaultOfAnUnsetVariable) {
  ::unsetenv("FERRY_CONFIG_TEST_UNSET");
  const std::string yaml =
      "master: sqlite:master.db\n"
      "tenants:\n"
      "  - name: a\n"
      "    url: sqlite:${FERRY_CONFIG_TEST_UNSET:-fallback}.db\n"
      "concurrency: ${FERRY_CONFIG_TEST_UNSET:-7}\n";
  const Config config = load_config(write(yaml));
  EXPECT_EQ(config.tenants.at(0).endpoint.database,
            (m_dir.path() / std::filesystem::path("fallback.db")).string());
  EXPECT_EQ(config.concurrency, 7);
}

TEST_F(ConfigTest, UnterminatedVariable) {
  const std::string yaml = k_head + "state_dir: ${STATE\n";
  expect_error(yaml, line_of(yaml, "${"), {"state_dir", "unterminated"});
}

TEST_F(ConfigTest, UnreadablePasswordFile) {
  const std::string yaml = k_head +
                           "  - name: b\n"
                           "    url: sqlite:b.db\n"
                           "    password_file: secrets/nope.txt\n";
  expect_error(yaml, line_of(yaml, "password_file"),
               {"tenants[1].password_file", "cannot read", "nope.txt"});
}

TEST_F(ConfigTest, PasswordFileThatIsAFolder) {
  std::filesystem::create_directories(std::filesystem::path(m_dir.path()) / "secrets");
  const std::string yaml = k_head +
                           "  - name: b\n"
                           "    url: sqlite:b.db\n"
                           "    password_file: secrets\n";
  expect_error(yaml, line_of(yaml, "password_file"),
               {"tenants[1].password_file", "cannot read", "secrets"});
}

TEST_F(ConfigTest, InvalidYaml) {
  const std::string yaml =
      "master: sqlite:master.db\n"
      "tenants:\n"
      "  - name: a\n"
      "    url: [sqlite:a.db\n"
      "groups: x\n";
  const std::filesystem::path path = write(yaml);
  try {
    load_config(path);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    // The parser notices the open bracket on line 4 when it reaches line 5.
    const std::string message = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::config);
    EXPECT_TRUE(message.starts_with(path.string() + ":4: ") ||
                message.starts_with(path.string() + ":5: "))
        << message;
    EXPECT_NE(message.find("not valid YAML"), std::string::npos) << message;
  }
  const std::string tab = k_head + "sync:\n  tables: [a]\n   deletes: keep\n";
  expect_error(tab, line_of(tab, "deletes"), {"not valid YAML"});
}

TEST_F(ConfigTest, BadUrlInATenantNamesItsLine) {
  const std::string yaml = k_head +
                           "  - name: b\n"
                           "    url: oracle://scott@db/b\n";
  expect_error(yaml, line_of(yaml, "oracle"), {"tenants[1]", "oracle"});
}

TEST_F(ConfigTest, MissingFileSaysHowToPassOne) {
  try {
    load_config(std::filesystem::path(m_dir.path()) / "absent.yaml");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
    EXPECT_NE(std::string(e.what()).find("absent.yaml"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("-c"), std::string::npos);
  }
}

TEST_F(ConfigTest, FullConfigFieldByField) {
  const std::filesystem::path dir = m_dir.path();
  std::filesystem::create_directories(dir / "secrets");
  std::ofstream(dir / "secrets" / "master.txt") << "m4ster\n";
  std::ofstream(dir / "secrets" / "prd.txt") << "pr0d\r\n";
  ::setenv("FERRY_CONFIG_TEST_DIR", "/var/lib/fleet", 1);
  const std::string yaml =
      "version: 1\n"
      "master:\n"
      "  url: sqlite:master.db\n"
      "  password_file: secrets/master.txt\n"
      "tenants:\n"
      "  - name: tst\n"
      "    url: sqlite:tenants/tst.db\n"
      "    group: test\n"
      "  - name: prd\n"
      "    url: sqlite://${FERRY_CONFIG_TEST_DIR}/prd.db\n"
      "    group: production\n"
      "    password_file: secrets/prd.txt\n"
      "  - name: acc\n"
      "    url: sqlite:acc.db\n"
      "    group: acceptance\n"
      "  - name: lone\n"
      "    url: sqlite:lone.db\n"
      "groups: [test, acceptance, production]\n"
      "sync:\n"
      "  tables: [currencies, countries]\n"
      "  include: [\"*\"]\n"
      "  exclude: [\"tmp_*\", audit_log]\n"
      "  deletes: keep\n"
      "  allow_drop: true\n"
      "  privileges: true\n"
      "windows:\n"
      "  full: \"22:00-04:30\"\n"
      "  time_zone: Europe/Amsterdam\n"
      "concurrency: 8\n"
      "state_dir: state\n"
      "nodes: []\n"
      "aws: {profile: deploy, region: eu-west-1, endpoint_url: 'http://127.0.0.1:5000'}\n"
      "runbooks: {}\n";
  const Config c = load_config(write(yaml));
  ::unsetenv("FERRY_CONFIG_TEST_DIR");
  EXPECT_EQ(c.file, dir / "ferry.yaml");
  EXPECT_EQ(c.aws.profile, "deploy");
  EXPECT_EQ(c.aws.region, "eu-west-1");
  EXPECT_EQ(c.aws.endpoint_url, "http://127.0.0.1:5000");
  EXPECT_EQ(c.master.name, "master");
  EXPECT_EQ(c.master.endpoint.dialect, Dialect::sqlite);
  EXPECT_EQ(c.master.endpoint.database, (dir / "master.db").string());
  EXPECT_EQ(c.master.endpoint.password.reveal(), "m4ster");
  ASSERT_EQ(c.tenants.size(), 4u);
  EXPECT_EQ(c.tenants[0].name, "tst");
  EXPECT_EQ(c.tenants[0].group, "test");
  EXPECT_EQ(c.tenants[0].endpoint.database, (dir / "tenants" / "tst.db").string());
  EXPECT_TRUE(c.tenants[0].endpoint.password.empty());
  EXPECT_EQ(c.tenants[1].name, "prd");
  EXPECT_EQ(c.tenants[1].group, "production");
  EXPECT_EQ(c.tenants[1].endpoint.database, "/var/lib/fleet/prd.db");
  EXPECT_EQ(c.tenants[1].endpoint.password.reveal(), "pr0d");
  EXPECT_EQ(c.tenants[2].name, "acc");
  EXPECT_EQ(c.tenants[2].group, "acceptance");
  EXPECT_EQ(c.tenants[3].name, "lone");
  EXPECT_EQ(c.tenants[3].group, "");
  EXPECT_EQ(c.groups, (std::vector<std::string>{"test", "acceptance", "production"}));
  EXPECT_EQ(c.sync.tables, (std::vector<std::string>{"currencies", "countries"}));
  EXPECT_EQ(c.sync.include, (std::vector<std::string>{"*"}));
  EXPECT_EQ(c.sync.exclude, (std::vector<std::string>{"tmp_*", "audit_log"}));
  EXPECT_EQ(c.sync.deletes, DeletesPolicy::keep);
  EXPECT_TRUE(c.sync.allow_drop);
  EXPECT_TRUE(c.sync.privileges);
  ASSERT_TRUE(c.full_window.has_value());
  EXPECT_EQ(c.full_window->start_minute, 22 * 60);
  EXPECT_EQ(c.full_window->end_minute, 4 * 60 + 30);
  EXPECT_EQ(c.full_window->time_zone, "Europe/Amsterdam");
  EXPECT_EQ(c.full_window->text(), "22:00-04:30 Europe/Amsterdam");
  EXPECT_EQ(c.concurrency, 8);
  EXPECT_EQ(c.state_dir, dir / "state");
  EXPECT_EQ(c.find("prd"), &c.tenants[1]);
  EXPECT_EQ(c.find("master"), &c.master);
  EXPECT_EQ(c.find("nosuch"), nullptr);
}

TEST_F(ConfigTest, DefaultsOfAMinimalConfig) {
  const std::string yaml =
      "master: sqlite:///srv/master.db\n"
      "tenants:\n"
      "  - name: b\n"
      "    url: sqlite:b.db\n"
      "    group: blue\n"
      "  - name: a\n"
      "    url: sqlite:a.db\n"
      "    group: amber\n"
      "  - name: c\n"
      "    url: sqlite:c.db\n"
      "    group: blue\n";
  const Config c = load_config(write(yaml));
  EXPECT_EQ(c.master.endpoint.database, "/srv/master.db");
  // Without groups:, the groups run in the order they first appear.
  EXPECT_EQ(c.groups, (std::vector<std::string>{"blue", "amber"}));
  EXPECT_TRUE(c.sync.tables.empty());
  EXPECT_EQ(c.sync.deletes, DeletesPolicy::propagate);
  EXPECT_FALSE(c.sync.allow_drop);
  EXPECT_FALSE(c.sync.privileges);
  EXPECT_FALSE(c.full_window.has_value());
  EXPECT_EQ(c.concurrency, 4);
  EXPECT_FALSE(c.state_dir.empty());
}

TEST(ParseClock, AcceptsHoursAndMinutesOnly) {
  EXPECT_EQ(parse_clock("00:00"), 0);
  EXPECT_EQ(parse_clock("23:59"), 23 * 60 + 59);
  EXPECT_EQ(parse_clock(" 06:30 "), 6 * 60 + 30);
  EXPECT_EQ(parse_clock("24:00"), 24 * 60);
  EXPECT_EQ(parse_clock("24:01"), std::nullopt);
  EXPECT_EQ(parse_clock("25:00"), std::nullopt);
  EXPECT_EQ(parse_clock("12:60"), std::nullopt);
  EXPECT_EQ(parse_clock("6:00"), std::nullopt);
  EXPECT_EQ(parse_clock("06-00"), std::nullopt);
  EXPECT_EQ(parse_clock(""), std::nullopt);
}

// A UTC instant: 2026-MM-DD hh:mm.
system_clock::time_point utc(int month, int day, int hour, int minute) {
  return sys_days{year{2026} / month / day} + hours{hour} + minutes{minute};
}

TEST(Window, AroundMidnight) {
  const Window w{22 * 60, 4 * 60, "UTC"};
  EXPECT_FALSE(w.contains(utc(3, 10, 21, 59)));
  EXPECT_TRUE(w.contains(utc(3, 10, 22, 0)));
  EXPECT_TRUE(w.contains(utc(3, 10, 23, 59)));
  EXPECT_TRUE(w.contains(utc(3, 11, 0, 0)));
  EXPECT_TRUE(w.contains(utc(3, 11, 3, 59)));
  EXPECT_FALSE(w.contains(utc(3, 11, 4, 0)));
  EXPECT_FALSE(w.contains(utc(3, 11, 12, 0)));
}

TEST(Window, WithinOneDay) {
  const Window w{1 * 60, 5 * 60, "UTC"};
  EXPECT_FALSE(w.contains(utc(6, 1, 0, 59)));
  EXPECT_TRUE(w.contains(utc(6, 1, 1, 0)));
  EXPECT_TRUE(w.contains(utc(6, 1, 4, 59)));
  EXPECT_FALSE(w.contains(utc(6, 1, 5, 0)));
  EXPECT_FALSE(w.contains(utc(6, 1, 23, 0)));
}

TEST(Window, TheSameInstantInTwoTimeZones) {
  // 2026-03-10 03:45 UTC is 09:15 in Kolkata (+05:30) and 23:45 the day before in New York
  // (EDT since 2026-03-08).
  const auto instant = utc(3, 10, 3, 45);
  EXPECT_TRUE((Window{9 * 60, 10 * 60, "Asia/Kolkata"}.contains(instant)));
  EXPECT_FALSE((Window{9 * 60, 10 * 60, "America/New_York"}.contains(instant)));
  EXPECT_TRUE((Window{23 * 60 + 30, 0, "America/New_York"}.contains(instant)));
  // The half hour of Kolkata's offset counts: 03:29 UTC is 08:59 there.
  EXPECT_FALSE((Window{9 * 60, 10 * 60, "Asia/Kolkata"}.contains(utc(3, 10, 3, 29))));
  EXPECT_TRUE((Window{9 * 60, 10 * 60, "Asia/Kolkata"}.contains(utc(3, 10, 3, 30))));
}

TEST(Window, ADaylightSavingDayInAmsterdam) {
  // 2026-03-29: at 01:00 UTC clocks in Amsterdam jump from 02:00 (CET) to 03:00 (CEST).
  const Window w{2 * 60 + 30, 3 * 60 + 30, "Europe/Amsterdam"};
  EXPECT_FALSE(w.contains(utc(3, 29, 0, 45)));  // 01:45 CET
  EXPECT_TRUE(w.contains(utc(3, 29, 1, 0)));    // 03:00 CEST
  EXPECT_TRUE(w.contains(utc(3, 29, 1, 29)));   // 03:29 CEST
  EXPECT_FALSE(w.contains(utc(3, 29, 1, 30)));  // 03:30 CEST
  // The day before, the same local window is an hour later in UTC.
  EXPECT_TRUE(w.contains(utc(3, 28, 1, 45)));   // 02:45 CET
  EXPECT_FALSE(w.contains(utc(3, 28, 2, 30)));  // 03:30 CET
  // A night window: 20:00 UTC is 22:00 in summer, 21:00 in winter.
  const Window night{22 * 60, 4 * 60, "Europe/Amsterdam"};
  EXPECT_TRUE(night.contains(utc(7, 1, 20, 0)));
  EXPECT_FALSE(night.contains(utc(1, 15, 20, 0)));
  EXPECT_TRUE(night.contains(utc(1, 15, 21, 0)));
}

// The minute of the day and the day of `instant` in this process's own zone (whatever TZ says).
int process_local_minute(std::time_t instant) {
  std::tm tm{};
  ::localtime_r(&instant, &tm);
  return tm.tm_mday * 24 * 60 + tm.tm_hour * 60 + tm.tm_min;
}

TEST(Window, OtherThreadsKeepThisProcessLocalTimeWhileWindowsAreEvaluated) {
  // Windows in other zones are evaluated on two threads while this one reads the process's
  // local time: it must never change, not even for a moment (a zone taken by switching the
  // process's TZ shows through here). Of two zones with different offsets, at least one is
  // not this process's zone.
  const char* tz_before = std::getenv("TZ");
  const std::optional<std::string> tz(tz_before ? std::optional<std::string>(tz_before)
                                                : std::nullopt);
  const auto instant = utc(3, 10, 3, 45);  // 09:15 in Kolkata, 23:45 the day before in New York
  const std::time_t t = system_clock::to_time_t(instant);
  const int expected = process_local_minute(t);
  constexpr int k_rounds = 4000;
  std::atomic<int> running{2};
  std::atomic<int> wrong_windows{0};
  auto evaluate = [&](const Window& inside, const Window& outside) {
    for (int i = 0; i < k_rounds; ++i) {
      if (!inside.contains(instant) || outside.contains(instant))
        ++wrong_windows;
    }
    --running;
  };
  std::thread kolkata(evaluate, Window{9 * 60, 10 * 60, "Asia/Kolkata"},
                      Window{10 * 60, 11 * 60, "Asia/Kolkata"});
  std::thread new_york(evaluate, Window{23 * 60 + 30, 0, "America/New_York"},
                       Window{0, 60, "America/New_York"});
  long reads = 0, changed = 0;
  while (running > 0) {
    changed += process_local_minute(t) != expected;
    ++reads;
  }
  kolkata.join();
  new_york.join();
  EXPECT_EQ(wrong_windows, 0);
  EXPECT_EQ(changed, 0) << "the process's local time changed in " << changed << " of " << reads
                        << " reads";
  const char* tz_after = std::getenv("TZ");
  EXPECT_EQ(tz_after ? std::optional<std::string>(tz_after) : std::nullopt, tz);
}

TEST(Window, AnUnknownZoneIsAnErrorNotUtc) {
  const Window w{0, 6 * 60, "Mars/Olympus"};
  try {
    (void)w.contains(utc(1, 1, 1, 0));
    ADD_FAILURE() << "an unknown zone was taken as some zone";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
    EXPECT_NE(std::string(e.what()).find("unknown time zone 'Mars/Olympus'"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(is_time_zone("Europe/Amsterdam"));
  EXPECT_TRUE(is_time_zone("UTC"));
  EXPECT_FALSE(is_time_zone("Europe"));
  EXPECT_FALSE(is_time_zone("../../../etc/hostname"));
  EXPECT_FALSE(is_time_zone(""));
}

Config config_with_window(std::optional<Window> window) {
  Config c;
  c.file = "/etc/ferry/ferry.yaml";
  c.full_window = std::move(window);
  return c;
}

TEST(ChooseMode, AutoFollowsTheWindowAndNamesIt) {
  const Config c = config_with_window(Window{22 * 60, 4 * 60, "UTC"});
  const auto [inside, inside_reason] = choose_mode(c, ModeChoice::auto_, utc(5, 5, 23, 0));
  EXPECT_EQ(inside, SyncMode::full);
  EXPECT_NE(inside_reason.find("inside the full window"), std::string::npos) << inside_reason;
  EXPECT_NE(inside_reason.find("22:00-04:00 UTC"), std::string::npos) << inside_reason;
  const auto [outside, outside_reason] = choose_mode(c, ModeChoice::auto_, utc(5, 5, 12, 0));
  EXPECT_EQ(outside, SyncMode::structure);
  EXPECT_NE(outside_reason.find("outside the full window"), std::string::npos) << outside_reason;
  EXPECT_NE(outside_reason.find("22:00-04:00 UTC"), std::string::npos) << outside_reason;
}

TEST(ChooseMode, AutoWithoutAWindowIsStructure) {
  const auto [mode, reason] =
      choose_mode(config_with_window(std::nullopt), ModeChoice::auto_, utc(5, 5, 23, 0));
  EXPECT_EQ(mode, SyncMode::structure);
  EXPECT_NE(reason.find("no full window"), std::string::npos) << reason;
  EXPECT_NE(reason.find("/etc/ferry/ferry.yaml"), std::string::npos) << reason;
}

TEST(ChooseMode, ExplicitModesIgnoreTheWindow) {
  const Config c = config_with_window(Window{22 * 60, 4 * 60, "UTC"});
  const auto [full, full_reason] = choose_mode(c, ModeChoice::full, utc(5, 5, 12, 0));
  EXPECT_EQ(full, SyncMode::full);
  EXPECT_EQ(full_reason, "--mode full");
  const auto [structure, structure_reason] =
      choose_mode(c, ModeChoice::structure, utc(5, 5, 23, 0));
  EXPECT_EQ(structure, SyncMode::structure);
  EXPECT_EQ(structure_reason, "--mode structure");
}

std::vector<std::string> tenant_names(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i)
    out.push_back("tenant-" + std::to_string(i * 37 % 1000) + (i % 3 == 0 ? "-eu" : "-us"));
  return out;
}

TEST(Shard, EveryTenantInExactlyOneShard) {
  const std::vector<std::string> names = tenant_names(200);
  ASSERT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
  for (int n = 1; n <= 8; ++n) {
    std::vector<int> sizes(static_cast<std::size_t>(n), 0);
    for (const std::string& name : names) {
      int shards = 0;
      for (int k = 0; k < n; ++k) {
        if (in_shard(name, Shard{k, n})) {
          ++shards;
          ++sizes[static_cast<std::size_t>(k)];
        }
      }
      EXPECT_EQ(shards, 1) << name << " with N=" << n;
    }
    // A hash spreads them: no shard is empty with 200 names.
    for (int k = 0; k < n; ++k)
      EXPECT_GT(sizes[static_cast<std::size_t>(k)], 0) << "shard " << k << "/" << n;
  }
}

TEST(Shard, AssignmentIsStable) {
  for (const std::string& name : tenant_names(200)) {
    for (int n = 1; n <= 8; ++n) {
      for (int k = 0; k < n; ++k)
        EXPECT_EQ(in_shard(name, Shard{k, n}), in_shard(std::string(name), Shard{k, n}));
    }
  }
}

TEST(Shard, ParsesKOverN) {
  const Shard s = parse_shard("2/5");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 5);
  const Shard only = parse_shard("0/1");
  EXPECT_EQ(only.index, 0);
  EXPECT_EQ(only.count, 1);
}

TEST(Shard, RejectsBadShards) {
  for (const char* bad : {"3/3", "-1/2", "a/b", "1", "0/0", "1/2x", "x1/2", "", "/", "0/-1"}) {
    try {
      parse_shard(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::usage) << bad;
      EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "'"), std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace ferry::engine
