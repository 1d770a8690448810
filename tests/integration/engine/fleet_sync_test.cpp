// `ferry sync` on SQLite fleets through the real CLI: groups in canary order and stop on
// failure, the three modes and the full window, the run lock, shards, endpoint names from
// ferry.yaml, and `ferry demo`. Killing and resuming runs: fleet_sync_resume_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "fleet_sync_support.hpp"

namespace ferry::test::fleet {
namespace {

// The master's structure and data; tenants drift from it.
const std::vector<std::string> k_master = {
    "CREATE TABLE colors (id INTEGER PRIMARY KEY, name TEXT NOT NULL, hex TEXT)",
    "CREATE INDEX colors_name ON colors (name)",
    "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
    "INSERT INTO colors VALUES (1, 'red', '#f00'), (2, 'green', '#0f0'), (3, 'blue', '#00f')",
    "INSERT INTO notes VALUES (9, 'a note of the master')"};

// A tenant: colors without hex and without the index, other rows; notes of its own.
const std::vector<std::string> k_tenant = {
    "CREATE TABLE colors (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
    "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
    "INSERT INTO colors VALUES (1, 'rot'), (4, 'black')",
    "INSERT INTO notes VALUES (1, 'a note of the tenant')"};

const Rows k_tenant_colors = {{"1", "rot"}, {"4", "black"}};
const Rows k_master_colors = {{"1", "red", "#f00"}, {"2", "green", "#0f0"}, {"3", "blue", "#00f"}};
const Rows k_tenant_notes = {{"1", "a note of the tenant"}};

const std::string k_sync = "sync:\n  tables: [colors]\n";
const std::string k_canary_groups = "groups: [test, acceptance, production]\n";

class FleetSync : public ::testing::Test {
 protected:
  std::filesystem::path dir() const { return m_dir.path(); }
  std::filesystem::path db(const std::string& name) const { return dir() / (name + ".db"); }
  std::filesystem::path config_path() const { return dir() / "ferry.yaml"; }

  // master.db and the tenants (drifted as k_tenant), and ferry.yaml.
  void make_fleet(const std::vector<TenantSpec>& tenants, const std::string& extra) {
    exec(db("master"), k_master);
    for (const TenantSpec& t : tenants)
      exec(db(t.name), k_tenant);
    std::ofstream(config_path()) << fleet_yaml(tenants, extra);
  }

  CommandOutput ferry(const std::string& args) const {
    return run_ferry("-c '" + config_path().string() + "' " + args);
  }

  bool has_hex(const std::string& tenant) const {
    return column_names(db(tenant), "colors") == "id,name,hex";
  }
  Rows colors(const std::string& name) const {
    return dump(db(name), "colors", has_hex(name) ? "id, name, hex" : "id, name", "id");
  }
  Rows notes(const std::string& name) const { return dump(db(name), "notes", "id, body", "id"); }

  TempDir m_dir;
};

// The canary fleet, listed in ferry.yaml in the reverse of the group order.
const std::vector<TenantSpec> k_canary = {
    {"prd", "production"}, {"acc", "acceptance"}, {"tst", "test"}};

std::vector<std::string> names_in(const nlohmann::json& report) {
  std::vector<std::string> out;
  for (const auto& t : report.at("tenants"))
    out.push_back(t.at("name"));
  return out;
}

TEST_F(FleetSync, GroupsRunInConfiguredOrder) {
  make_fleet(k_canary, k_sync + k_canary_groups);
  const CommandOutput out = ferry("sync --mode structure -j 1 --json");
  ASSERT_EQ(out.exit_code, 0) << out.output;
  const nlohmann::json report = json_report(out.output);
  EXPECT_EQ(names_in(report), (std::vector<std::string>{"tst", "acc", "prd"}));
  for (const auto& t : report.at("tenants")) {
    EXPECT_EQ(t.at("status"), "done") << t.dump();
    EXPECT_EQ(t.at("structure_changes"), 2) << t.dump();  // hex, colors_name
  }
  // The work itself happened in that order (the log says so).
  const auto tst = out.output.find("tst: structure");
  const auto acc = out.output.find("acc: structure");
  const auto prd = out.output.find("prd: structure");
  ASSERT_NE(prd, std::string::npos) << out.output;
  EXPECT_LT(tst, acc) << out.output;
  EXPECT_LT(acc, prd) << out.output;
  // The text report lists them in that order too.
  const CommandOutput text = ferry("sync --mode structure --dry-run");
  ASSERT_EQ(text.exit_code, 0) << text.output;
  const auto report_start = text.output.find("tenant ");
  ASSERT_NE(report_start, std::string::npos) << text.output;
  EXPECT_LT(text.output.find("\ntst ", report_start), text.output.find("\nacc ", report_start));
  EXPECT_LT(text.output.find("\nacc ", report_start), text.output.find("\nprd ", report_start));
}

TEST_F(FleetSync, AFailureInTheTestGroupStopsTheLaterGroups) {
  make_fleet({{"prd", "production"}, {"acc", "acceptance"}, {"tst", "test"}, {"broken", "test"}},
             k_sync + k_canary_groups);
  std::filesystem::remove(db("broken"));
  std::ofstream(db("broken")) << "this file is not an SQLite database, whatever its name says\n";
  const std::string prd_bytes = read_text(db("prd"));

  const CommandOutput out = ferry("sync --mode full --json");
  // tst worked, the rest failed or did not run.
  EXPECT_EQ(out.exit_code, 4) << out.output;
  const nlohmann::json report = json_report(out.output);
  EXPECT_EQ(tenant_entry(report, "tst").at("status"), "done");
  EXPECT_EQ(tenant_entry(report, "broken").at("status"), "failed");
  EXPECT_TRUE(tenant_entry(report, "broken").at("detail").is_string());
  for (const std::string later : {"acc", "prd"}) {
    const nlohmann::json t = tenant_entry(report, later);
    EXPECT_EQ(t.at("status"), "not run") << t.dump();
    ASSERT_TRUE(t.at("detail").is_string()) << t.dump();
    EXPECT_TRUE(contains(t.at("detail"), "group test failed")) << t.dump();
  }
  EXPECT_EQ(colors("tst"), k_master_colors);
  EXPECT_EQ(read_text(db("prd")), prd_bytes);
  EXPECT_FALSE(has_hex("acc"));
  EXPECT_EQ(colors("acc"), k_tenant_colors);

  const CommandOutput again = ferry("sync --mode full --json --continue-on-error");
  EXPECT_EQ(again.exit_code, 4) << again.output;
  const nlohmann::json report2 = json_report(again.output);
  EXPECT_EQ(tenant_entry(report2, "broken").at("status"), "failed");
  for (const std::string later : {"acc", "prd"})
    EXPECT_EQ(tenant_entry(report2, later).at("status"), "done") << again.output;
  EXPECT_EQ(colors("acc"), k_master_colors);
  EXPECT_EQ(colors("prd"), k_master_colors);
  EXPECT_EQ(notes("prd"), k_tenant_notes);
}

TEST_F(FleetSync, ABlockedStructureChangeStopsTheLaterGroups) {
  make_fleet(k_canary, k_sync + k_canary_groups);
  exec(db("master"), {"CREATE TABLE codes (id INTEGER PRIMARY KEY, code VARCHAR(10))"});
  // Narrowing a column could cut the tenant's values: only with allow_drop.
  exec(db("tst"), {"CREATE TABLE codes (id INTEGER PRIMARY KEY, code VARCHAR(40))",
                   "INSERT INTO codes VALUES (1, 'a value longer than ten')"});
  exec(db("acc"), {"CREATE TABLE codes (id INTEGER PRIMARY KEY, code VARCHAR(10))"});
  exec(db("prd"), {"CREATE TABLE codes (id INTEGER PRIMARY KEY, code VARCHAR(10))"});
  const std::string tst_bytes = read_text(db("tst"));

  const CommandOutput out = ferry("sync --mode structure --json");
  EXPECT_EQ(out.exit_code, 1) << out.output;  // nothing worked
  const nlohmann::json report = json_report(out.output);
  EXPECT_EQ(names_in(report), (std::vector<std::string>{"tst", "acc", "prd"}));
  const nlohmann::json tst = tenant_entry(report, "tst");
  EXPECT_EQ(tst.at("status"), "failed");
  EXPECT_TRUE(contains(tst.at("detail").dump(), "blocked")) << tst.dump();
  for (const std::string later : {"acc", "prd"}) {
    EXPECT_EQ(tenant_entry(report, later).at("status"), "not run") << out.output;
    EXPECT_TRUE(contains(tenant_entry(report, later).at("detail").dump(), "group test failed"));
    EXPECT_FALSE(has_hex(later));
  }
  EXPECT_EQ(read_text(db("tst")), tst_bytes);

  const CommandOutput forced = ferry("sync --mode structure --json --continue-on-error");
  EXPECT_EQ(forced.exit_code, 4) << forced.output;
  EXPECT_EQ(tenant_entry(json_report(forced.output), "prd").at("status"), "done");
  EXPECT_TRUE(has_hex("acc"));
  EXPECT_TRUE(has_hex("prd"));
}

TEST_F(FleetSync, StructureModeLeavesDataUntouched) {
  make_fleet({{"one", ""}, {"two", ""}}, k_sync);
  const CommandOutput out = ferry("sync --mode structure");
  ASSERT_EQ(out.exit_code, 0) << out.output;
  EXPECT_TRUE(out.output.starts_with("mode structure: --mode structure\n")) << out.output;
  for (const std::string t : {"one", "two"}) {
    EXPECT_TRUE(has_hex(t)) << t;
    EXPECT_EQ(dump(db(t), "colors", "id, name", "id"), k_tenant_colors) << t;
    EXPECT_EQ(notes(t), k_tenant_notes) << t;
    EXPECT_EQ(open_sqlite(db(t))->query("SELECT name FROM sqlite_master WHERE name = "
                                        "'colors_name'"),
              (Rows{{"colors_name"}}));
  }
}

TEST_F(FleetSync, FullModeSyncsTheDataOfSyncTablesOnly) {
  make_fleet({{"one", ""}, {"two", ""}}, k_sync);
  const CommandOutput out = ferry("sync --mode full --json");
  ASSERT_EQ(out.exit_code, 0) << out.output;
  const nlohmann::json report = json_report(out.output);
  EXPECT_EQ(report.at("mode"), "full");
  for (const std::string t : {"one", "two"}) {
    EXPECT_EQ(colors(t), k_master_colors) << t;
    // notes is not in sync.tables: the tenant's own rows stay, the master's do not come.
    EXPECT_EQ(notes(t), k_tenant_notes) << t;
    // 2 inserts, 1 update, 1 delete.
    EXPECT_EQ(tenant_entry(report, t).at("rows_moved"), 4) << t;
  }
  const CommandOutput again = ferry("sync --mode full --json");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  for (const auto& t : json_report(again.output).at("tenants")) {
    EXPECT_EQ(t.at("rows_moved"), 0) << t.dump();
    EXPECT_EQ(t.at("structure_changes"), 0) << t.dump();
  }
}

TEST_F(FleetSync, DryRunChangesNothingAndComparesDataOnlyWhereStructureMatches) {
  make_fleet({{"drifted", ""}}, k_sync);
  // "aligned" has the master's structure already: only its rows differ.
  exec(db("aligned"), {k_master[0], k_master[1], k_master[2],
                       "INSERT INTO colors VALUES (1, 'red', '#f00'), (7, 'pink', NULL)"});
  std::ofstream(config_path()) << fleet_yaml({{"drifted", ""}, {"aligned", ""}}, k_sync);
  const std::string drifted = read_text(db("drifted"));
  const std::string aligned = read_text(db("aligned"));

  const CommandOutput out = ferry("sync --dry-run --mode full --json");
  EXPECT_EQ(out.exit_code, 0) << out.output;
  const nlohmann::json report = json_report(out.output);
  EXPECT_EQ(report.at("dry_run"), true);
  const nlohmann::json d = tenant_entry(report, "drifted");
  EXPECT_EQ(d.at("status"), "would apply") << d.dump();
  EXPECT_EQ(d.at("structure_changes"), 2) << d.dump();
  EXPECT_TRUE(contains(d.at("detail").dump(), "structure changes come first")) << d.dump();
  const nlohmann::json a = tenant_entry(report, "aligned");
  EXPECT_EQ(a.at("status"), "would apply") << a.dump();
  EXPECT_EQ(a.at("structure_changes"), 0) << a.dump();
  EXPECT_EQ(a.at("rows_moved"), 3) << a.dump();  // to move: 2 inserts, 1 delete

  EXPECT_TRUE(read_text(db("drifted")) == drifted);
  EXPECT_TRUE(read_text(db("aligned")) == aligned);
  EXPECT_FALSE(std::filesystem::exists(dir() / "state" / "runs")) << "a dry run keeps no journal";

  // Once synced, a dry run finds every tenant in sync; a dry run never says "done".
  ASSERT_EQ(ferry("sync --mode full").exit_code, 0);
  const CommandOutput again = ferry("sync --dry-run --mode full --json");
  EXPECT_EQ(again.exit_code, 0) << again.output;
  for (const auto& t : json_report(again.output).at("tenants"))
    EXPECT_EQ(t.at("status"), "in sync") << t.dump();
  const CommandOutput text = ferry("sync --dry-run --mode full");
  EXPECT_TRUE(contains(text.output, "in sync")) << text.output;
  EXPECT_FALSE(contains(text.output, " done ")) << text.output;
}

TEST_F(FleetSync, ResumeAfterAFinishedRunSaysSoAndStartsANewRun) {
  make_fleet({{"t1", ""}}, k_sync);
  // No run at all yet.
  const CommandOutput first = ferry("sync --mode full --resume --json");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_TRUE(contains(first.output, "nothing to resume: no run in")) << first.output;
  const nlohmann::json r1 = json_report(first.output);
  EXPECT_EQ(r1.at("resumed"), false);
  EXPECT_EQ(tenant_entry(r1, "t1").at("status"), "done");
  EXPECT_TRUE(colors("t1") == k_master_colors);

  // The tenant drifts again; the finished run is not "resumed" into skipping it.
  exec(db("t1"), {"UPDATE colors SET name = 'rouge' WHERE id = 1"});
  const CommandOutput second = ferry("sync --mode full --resume --json");
  ASSERT_EQ(second.exit_code, 0) << second.output;
  const std::string id = r1.at("run_id");
  EXPECT_TRUE(contains(second.output, "nothing to resume: run " + id + " finished at "))
      << second.output;
  EXPECT_TRUE(contains(second.output, "; starting a new run")) << second.output;
  const nlohmann::json r2 = json_report(second.output);
  EXPECT_NE(r2.at("run_id"), id);
  EXPECT_EQ(tenant_entry(r2, "t1").at("status"), "done");
  EXPECT_EQ(tenant_entry(r2, "t1").at("rows_moved"), 1);
  EXPECT_TRUE(colors("t1") == k_master_colors);
}

TEST_F(FleetSync, ResumeAfterARunWithFailuresStartsANewRunAndADryRunWritesNoJournal) {
  make_fleet({{"t1", ""}, {"t2", ""}}, k_sync);
  std::filesystem::remove(db("t2"));
  std::ofstream(db("t2")) << "not an SQLite database\n";
  const CommandOutput failed = ferry("sync --mode full --json");
  ASSERT_EQ(failed.exit_code, 4) << failed.output;
  const std::string id = json_report(failed.output).at("run_id");
  EXPECT_EQ(last_journal(dir() / "state").at("exit_code"), 4);
  // A dry run, resumed or not, leaves the journal as it was.
  const std::string journal = read_text(dir() / "state" / "runs" / (id + ".json"));
  EXPECT_EQ(ferry("sync --mode full --resume --dry-run").exit_code, 4);
  EXPECT_TRUE(read_text(dir() / "state" / "runs" / (id + ".json")) == journal);
  // t2 is repaired; the next --resume is a new run over every tenant, not t1 skipped.
  std::filesystem::remove(db("t2"));
  exec(db("t2"), k_tenant);
  exec(db("t1"), {"UPDATE colors SET name = 'rouge' WHERE id = 1"});
  const CommandOutput next = ferry("sync --mode full --resume --json");
  ASSERT_EQ(next.exit_code, 0) << next.output;
  EXPECT_TRUE(contains(next.output, "nothing to resume: run " + id + " finished at "))
      << next.output;
  const nlohmann::json report = json_report(next.output);
  EXPECT_EQ(tenant_entry(report, "t1").at("status"), "done");
  EXPECT_EQ(tenant_entry(report, "t1").at("rows_moved"), 1);
  EXPECT_EQ(tenant_entry(report, "t2").at("status"), "done");
  EXPECT_TRUE(colors("t1") == k_master_colors);
  EXPECT_TRUE(colors("t2") == k_master_colors);
}

TEST_F(FleetSync, ATableThatCannotBeSyncedStopsTheRunBeforeAnyTenantChanges) {
  make_fleet({{"t1", ""}}, "");
  exec(db("master"), {"CREATE TABLE logs (at TEXT, line TEXT)"});
  const std::string before = read_text(db("t1"));
  for (const auto& [tables, why] :
       {std::pair{std::string("[colors, logs]"), std::string("table logs has no primary key")},
        std::pair{std::string("[colors, nowhere]"),
                  std::string("table nowhere is not on the master")}}) {
    std::ofstream(config_path()) << fleet_yaml({{"t1", ""}}, "sync:\n  tables: " + tables + "\n");
    const CommandOutput out = ferry("sync --mode full");
    EXPECT_EQ(out.exit_code, 2) << out.output;
    EXPECT_TRUE(contains(out.output, "ferry: error: " + why)) << out.output;
    // The structure step did not run: t1 still lacks colors.hex and has no journal.
    EXPECT_TRUE(read_text(db("t1")) == before) << "t1 was changed";
    EXPECT_FALSE(std::filesystem::exists(dir() / "state" / "runs")) << out.output;
  }
}

TEST_F(FleetSync, ATenantsOwnColumnsAreLeftAloneByTheDataSync) {
  make_fleet({{"t1", ""}}, k_sync);
  ASSERT_EQ(ferry("sync --mode structure").exit_code, 0);
  // t1 adds columns of its own: nullable, and NOT NULL with a default.
  exec(db("t1"), {"ALTER TABLE colors ADD COLUMN tenant_note TEXT",
                  "ALTER TABLE colors ADD COLUMN tenant_rank INTEGER NOT NULL DEFAULT 5",
                  "UPDATE colors SET tenant_note = 'mine', tenant_rank = 9 WHERE id = 1"});
  const CommandOutput schema = ferry("schema diff master t1");
  EXPECT_EQ(schema.exit_code, 0) << "extra tenant columns are kept, not drift to apply\n"
                                 << schema.output;
  const CommandOutput out = ferry("sync --mode full --json");
  ASSERT_EQ(out.exit_code, 0) << out.output;
  EXPECT_TRUE(dump(db("t1"), "colors", "id, name, hex", "id") == k_master_colors);
  // The tenant's own values: kept on the updated row, defaults on the inserted ones.
  EXPECT_TRUE(dump(db("t1"), "colors", "id, coalesce(tenant_note, 'null'), tenant_rank", "id") ==
              (Rows{{"1", "mine", "9"}, {"2", "null", "5"}, {"3", "null", "5"}}));

  // A column the master's rows cannot be inserted without: named, with what to do.
  exec(db("t1"), {"DELETE FROM colors WHERE id = 3",
                  "ALTER TABLE colors ADD COLUMN tenant_code TEXT NOT NULL DEFAULT 'x'"});
  exec(db("t1"), {"CREATE TABLE colors2 AS SELECT * FROM colors", "DROP TABLE colors",
                  "CREATE TABLE colors (id INTEGER PRIMARY KEY, name TEXT NOT NULL, hex TEXT, "
                  "tenant_code TEXT NOT NULL)",
                  "INSERT INTO colors SELECT id, name, hex, tenant_code FROM colors2",
                  "DROP TABLE colors2", "CREATE INDEX colors_name ON colors (name)"});
  // A comparison reads around it: only writing needs the column filled.
  const CommandOutput dry = ferry("sync --mode full --dry-run --json");
  EXPECT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_EQ(tenant_entry(json_report(dry.output), "t1").at("status"), "would apply") << dry.output;
  const CommandOutput blocked = ferry("sync --mode full --json");
  EXPECT_NE(blocked.exit_code, 0) << blocked.output;
  EXPECT_TRUE(contains(blocked.output, "tenant_code")) << blocked.output;
  EXPECT_TRUE(contains(blocked.output, "--allow-drop")) << blocked.output;
  EXPECT_EQ(count_rows(db("t1"), "colors"), 2) << "nothing was written";
}

// "HH:MM-HH:MM" from `from` to `to` hours after the current time of day in `offset_minutes`
// east of UTC (whole minutes, so the window is never empty).
std::string window_around_now(int from, int to, int offset_minutes = 0) {
  const auto now = std::chrono::floor<std::chrono::minutes>(std::chrono::system_clock::now());
  const auto minute_of_day =
      (now.time_since_epoch().count() + offset_minutes) % (24 * 60);  // minutes since epoch
  const auto clock = [&](int hours) {
    const long m = ((minute_of_day + hours * 60) % (24 * 60) + 24 * 60) % (24 * 60);
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02ld:%02ld", m / 60, m % 60);
    return std::string(buf);
  };
  return clock(from) + "-" + clock(to);
}

TEST_F(FleetSync, AutoModeInsideTheFullWindowIsFull) {
  const std::string window = window_around_now(-1, 1);
  make_fleet({{"one", ""}}, k_sync + "windows:\n  full: \"" + window + "\"\n  time_zone: UTC\n");
  const CommandOutput out = ferry("sync");
  ASSERT_EQ(out.exit_code, 0) << out.output;
  EXPECT_TRUE(out.output.starts_with("mode full: inside the full window " + window + " UTC"))
      << out.output;
  EXPECT_EQ(colors("one"), k_master_colors);
}

TEST_F(FleetSync, AutoModeOutsideTheFullWindowIsStructure) {
  const std::string window = window_around_now(2, 3);
  make_fleet({{"one", ""}}, k_sync + "windows:\n  full: \"" + window + "\"\n  time_zone: UTC\n");
  const CommandOutput out = ferry("sync");
  ASSERT_EQ(out.exit_code, 0) << out.output;
  EXPECT_TRUE(out.output.starts_with("mode structure: outside the full window " + window + " UTC"))
      << out.output;
  EXPECT_TRUE(has_hex("one"));
  EXPECT_EQ(dump(db("one"), "colors", "id, name", "id"), k_tenant_colors);
}

TEST_F(FleetSync, AutoModeReadsTheWindowInItsTimeZone) {
  // Kolkata is UTC+05:30 all year: the window is around the current time there, which is
  // far from the current time in UTC.
  const std::string window = window_around_now(-1, 1, 5 * 60 + 30);
  make_fleet({{"one", ""}},
             k_sync + "windows:\n  full: \"" + window + "\"\n  time_zone: Asia/Kolkata\n");
  const CommandOutput out = ferry("sync --dry-run");
  ASSERT_EQ(out.exit_code, 0) << out.output;
  EXPECT_TRUE(
      out.output.starts_with("mode full: inside the full window " + window + " Asia/Kolkata"))
      << out.output;
  // The same clock times in UTC are outside.
  std::ofstream(config_path()) << fleet_yaml(
      {{"one", ""}}, k_sync + "windows:\n  full: \"" + window + "\"\n  time_zone: UTC\n");
  const CommandOutput utc = ferry("sync --dry-run");
  EXPECT_TRUE(utc.output.starts_with("mode structure: outside the full window")) << utc.output;
}

// A master with `rows` rows in items and tenants with an old, smaller items table: a full
// sync of it takes a second or more per tenant.
void make_big_fleet(const std::filesystem::path& dir, const std::vector<TenantSpec>& tenants,
                    int rows) {
  exec(dir / "master.db",
       {"CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price NUMERIC(10,2))",
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < " +
            std::to_string(rows) +
            ") INSERT INTO items SELECT i, 'item ' || i, (i % 1000) + 0.25 FROM s"});
  exec(dir / "template.db",
       {"CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price NUMERIC(10,2))"});
  for (const TenantSpec& t : tenants)
    std::filesystem::copy_file(dir / "template.db", dir / (t.name + ".db"));
  std::ofstream(dir / "ferry.yaml") << fleet_yaml(tenants, "sync:\n  tables: [items]\n");
}

TEST_F(FleetSync, ASecondRunIsRefusedWhileOneRuns) {
  make_big_fleet(dir(), {{"a", ""}, {"b", ""}, {"c", ""}, {"d", ""}}, 200'000);
  const std::filesystem::path lock = dir() / "state" / "run.lock";
  FerryProcess first({"-c", config_path().string(), "sync", "--mode", "full", "-j", "1"},
                     dir() / "first.out");
  const std::string holder = "pid " + std::to_string(first.pid());
  ASSERT_TRUE(wait_for(first, [&] { return contains(read_text(lock), holder); }))
      << read_text(lock) << first.output();

  const CommandOutput second = ferry("sync --mode structure");
  EXPECT_NE(second.exit_code, 0) << second.output;
  EXPECT_TRUE(contains(second.output, holder)) << second.output;
  EXPECT_TRUE(contains(second.output, "since")) << second.output;
  EXPECT_TRUE(contains(second.output, "another ferry sync is running")) << second.output;
  // A dry run takes no lock.
  const CommandOutput dry = ferry("sync --mode structure --dry-run");
  EXPECT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_TRUE(contains(dry.output, "(dry run)")) << dry.output;
  // All of that happened while the first run held the lock.
  EXPECT_TRUE(first.running()) << "the first run ended too soon to prove anything: "
                               << first.output();
  first.kill();
  // The lock dies with its process: the next run goes ahead.
  const CommandOutput after = ferry("sync --mode structure");
  EXPECT_EQ(after.exit_code, 0) << after.output;
}

TEST_F(FleetSync, ShardsCoverEveryTenantExactlyOnce) {
  std::vector<TenantSpec> tenants;
  for (int i = 0; i < 20; ++i)
    tenants.push_back({"tenant" + std::to_string(i * 13 % 97), i % 2 == 0 ? "even" : "odd"});
  exec(db("master"), k_master);
  exec(db("template"), k_tenant);
  for (const TenantSpec& t : tenants)
    std::filesystem::copy_file(db("template"), db(t.name));
  std::ofstream(config_path()) << fleet_yaml(tenants, k_sync);
  for (int n = 1; n <= 8; ++n) {
    std::map<std::string, int> seen;
    for (int k = 0; k < n; ++k) {
      const std::string shard = std::to_string(k) + "/" + std::to_string(n);
      const CommandOutput out = ferry("sync --dry-run --json --mode structure --shard " + shard);
      ASSERT_EQ(out.exit_code, 0) << shard << "\n" << out.output;
      for (const std::string& name : names_in(json_report(out.output)))
        ++seen[name];
    }
    for (const TenantSpec& t : tenants)
      EXPECT_EQ(seen[t.name], 1) << t.name << " in " << n << " shards";
    EXPECT_EQ(seen.size(), tenants.size()) << "N=" << n;
  }
  const CommandOutput bad = ferry("sync --dry-run --shard 3/3");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_TRUE(contains(bad.output, "3/3")) << bad.output;
}

TEST_F(FleetSync, EndpointNamesComeFromTheConfig) {
  make_fleet({{"tst", "test"}}, k_sync);
  const CommandOutput diff = ferry("schema diff master tst");
  EXPECT_EQ(diff.exit_code, 3) << diff.output;  // differences
  EXPECT_TRUE(contains(diff.output, "hex")) << diff.output;
  ASSERT_EQ(ferry("sync --mode structure").exit_code, 0);
  const CommandOutput same = ferry("schema diff master tst");
  EXPECT_EQ(same.exit_code, 0) << same.output;

  const CommandOutput inspect = ferry("inspect tst");
  EXPECT_EQ(inspect.exit_code, 0) << inspect.output;
  EXPECT_TRUE(contains(inspect.output, "colors")) << inspect.output;

  const CommandOutput unknown = ferry("inspect nosuch");
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_TRUE(contains(unknown.output, "nosuch")) << unknown.output;
  EXPECT_TRUE(contains(unknown.output, config_path().string())) << unknown.output;
}

TEST_F(FleetSync, AConfigErrorExitsTwoNamingFileAndLine) {
  make_fleet({{"tst", "test"}}, k_sync + "windows:\n  full: \"25:00-06:00\"\n");
  const std::string yaml = read_text(config_path());
  const auto line = 1 + std::count(yaml.begin(), yaml.begin() + yaml.find("25:00"), '\n');
  const std::string where = config_path().string() + ":" + std::to_string(line) + ": windows.full";
  for (const std::string command : {"sync", "sync --dry-run", "inspect tst"}) {
    const CommandOutput out = ferry(command);
    EXPECT_EQ(out.exit_code, 2) << command << "\n" << out.output;
    EXPECT_TRUE(contains(out.output, where)) << command << "\n" << out.output;
  }
  EXPECT_FALSE(std::filesystem::exists(dir() / "state")) << "nothing ran";
}

struct Summary {
  long changes = 0;
  long rows = 0;
  int reports = 0;
};

// Sums the "N tenant(s), C structure change(s), R row(s) moved" lines of `ferry demo`.
Summary summarize(const std::string& output) {
  static const std::regex line(
      R"((\d+) tenant\(s\), (\d+) structure change\(s\), (\d+) row\(s\) moved)");
  Summary s;
  for (auto it = std::sregex_iterator(output.begin(), output.end(), line);
       it != std::sregex_iterator(); ++it) {
    s.changes += std::stol((*it)[2]);
    s.rows += std::stol((*it)[3]);
    ++s.reports;
  }
  return s;
}

TEST(FleetSyncDemo, RefusesADirectoryItDidNotMake) {
  const TempDir temp;
  const std::filesystem::path dir = std::filesystem::path(temp.path());
  // A real fleet's ferry.yaml: the demo must not sync it.
  exec(dir / "master.db", {"CREATE TABLE t (id INTEGER PRIMARY KEY)", "INSERT INTO t VALUES (1)"});
  exec(dir / "prod.db", {"CREATE TABLE t (id INTEGER PRIMARY KEY)"});
  std::ofstream(dir / "ferry.yaml") << "master: sqlite:master.db\ntenants:\n"
                                       "  - {name: prod, url: 'sqlite:prod.db'}\n"
                                       "sync:\n  tables: [t]\nstate_dir: state\n";
  const std::string prod = read_text(dir / "prod.db");
  const CommandOutput out = run_ferry("demo '" + dir.string() + "'");
  EXPECT_EQ(out.exit_code, 2) << out.output;
  EXPECT_TRUE(contains(out.output, "was not made by ferry demo")) << out.output;
  EXPECT_TRUE(read_text(dir / "prod.db") == prod);
  EXPECT_FALSE(std::filesystem::exists(dir / "tst.db"));
  EXPECT_FALSE(std::filesystem::exists(dir / "state"));
  // Nor a folder with other files in it.
  std::filesystem::remove(dir / "ferry.yaml");
  EXPECT_EQ(run_ferry("demo '" + dir.string() + "'").exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(dir / "tst.db"));
  // A demo whose ferry.yaml was edited afterwards is not synced either.
  const std::filesystem::path demo = dir / "demo";
  ASSERT_EQ(run_ferry("demo '" + demo.string() + "'").exit_code, 0);
  std::ofstream(demo / "ferry.yaml", std::ios::app) << "# edited\n";
  const CommandOutput edited = run_ferry("demo '" + demo.string() + "'");
  EXPECT_EQ(edited.exit_code, 2) << edited.output;
  EXPECT_TRUE(contains(edited.output, "not the one ferry demo wrote")) << edited.output;
}

TEST(FleetSyncDemo, CreatesAFleetSyncsItAndThenHasNothingToDo) {
  const TempDir temp;
  const std::filesystem::path dir = std::filesystem::path(temp.path()) / "demo";
  const CommandOutput first = run_ferry("demo '" + dir.string() + "'");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  for (const char* file : {"master.db", "tst.db", "acc.db", "prd.db", "ferry.yaml"})
    EXPECT_TRUE(std::filesystem::is_regular_file(dir / file)) << file;
  const Summary s1 = summarize(first.output);
  EXPECT_EQ(s1.reports, 2) << first.output;  // structure, then full
  EXPECT_GT(s1.changes, 0) << first.output;
  EXPECT_GT(s1.rows, 0) << first.output;
  EXPECT_TRUE(contains(first.output, "every tenant now matches the master")) << first.output;
  EXPECT_FALSE(contains(first.output, "nothing to do:")) << first.output;

  const CommandOutput second = run_ferry("demo '" + dir.string() + "'");
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_TRUE(contains(second.output, "exists: syncing it again")) << second.output;
  EXPECT_TRUE(contains(second.output, "nothing to do: every tenant matches the master"))
      << second.output;
  const Summary s2 = summarize(second.output);
  EXPECT_EQ(s2.reports, 2) << second.output;
  EXPECT_EQ(s2.changes, 0) << second.output;
  EXPECT_EQ(s2.rows, 0) << second.output;

  const std::vector<std::array<std::string, 3>> tables = {
      {"currencies", "code, name, minor_units, symbol", "code"},
      {"countries", "code, name, currency, population, calling_code", "code"},
      {"product_types", "id, name, vat_rate, active", "id"}};
  for (const auto& [table, columns, key] : tables) {
    const Rows master = dump(dir / "master.db", table, columns, key);
    EXPECT_GT(master.size(), 5u) << table;
    for (const char* tenant : {"tst", "acc", "prd"}) {
      EXPECT_EQ(column_names(dir / (std::string(tenant) + ".db"), table),
                column_names(dir / "master.db", table))
          << tenant << "." << table;
      EXPECT_TRUE(dump(dir / (std::string(tenant) + ".db"), table, columns, key) == master)
          << tenant << "." << table << " differs from the master";
    }
  }
}

}  // namespace
}  // namespace ferry::test::fleet
