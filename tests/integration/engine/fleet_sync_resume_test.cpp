// `ferry sync` killed with SIGKILL at several points of a run, then `ferry sync --resume`:
// the run completes, tenants finished before are skipped and left alone, and every tenant
// ends equal to the master (checked with ordered SELECTs, not with ferry's own diff).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "fleet_sync_support.hpp"

namespace ferry::test::fleet {
namespace {

// Enough rows that a tenant's data takes a second or so: a kill lands where it is meant to.
constexpr int k_rows = 120'000;

// Six tenants in three groups of two: a group's tenants are finished together.
const std::vector<TenantSpec> k_tenants = {{"t0", "g1"}, {"t1", "g1"}, {"t2", "g2"},
                                           {"t3", "g2"}, {"t4", "g3"}, {"t5", "g3"}};

const std::string k_items_columns = "id, name, price, color_id, note";

class FleetSyncResume : public ::testing::Test {
 protected:
  // The master: colors, 200k items with a note column and an index, orders (tenant-owned).
  // The tenants: an older release without items.note and the index, a quarter of the items
  // with old values, a color renamed and one extra, and an order of their own.
  void SetUp() override {
    exec(db("master"),
         {"CREATE TABLE colors (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
          "INSERT INTO colors VALUES (1, 'red'), (2, 'green'), (3, 'blue')",
          "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price NUMERIC(10,2), "
          "color_id INTEGER REFERENCES colors (id), note TEXT)",
          "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < " +
              std::to_string(k_rows) +
              ") INSERT INTO items SELECT i, 'item ' || i, (i % 1000) + 0.5, 1 + i % 3, "
              "CASE WHEN i % 7 = 0 THEN NULL ELSE hex(i * 31) END FROM s",
          "CREATE INDEX items_name ON items (name)",
          "CREATE TABLE orders (id INTEGER PRIMARY KEY, item_id INTEGER REFERENCES items (id), "
          "qty INTEGER)"});
    exec(db("template"),
         {"CREATE TABLE colors (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
          "INSERT INTO colors VALUES (1, 'rot'), (2, 'green'), (4, 'black')",
          "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price NUMERIC(10,2), "
          "color_id INTEGER REFERENCES colors (id))",
          "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < " +
              std::to_string(k_rows / 4) +
              ") INSERT INTO items SELECT i * 4, 'old ' || i, 1, 1 FROM s",
          "CREATE TABLE orders (id INTEGER PRIMARY KEY, item_id INTEGER REFERENCES items (id), "
          "qty INTEGER)",
          "INSERT INTO orders VALUES (1, 8, 3)"});
    for (const TenantSpec& t : k_tenants)
      std::filesystem::copy_file(db("template"), db(t.name));
    std::ofstream(config_path()) << fleet_yaml(
        k_tenants, "groups: [g1, g2, g3]\nsync:\n  tables: [colors, items]\n");
    m_master_items = dump(db("master"), "items", k_items_columns, "id");
    m_master_colors = dump(db("master"), "colors", "id, name", "id");
    ASSERT_EQ(m_master_items.size(), static_cast<std::size_t>(k_rows));
  }

  std::filesystem::path dir() const { return m_dir.path(); }
  std::filesystem::path db(const std::string& name) const { return dir() / (name + ".db"); }
  std::filesystem::path config_path() const { return dir() / "ferry.yaml"; }
  std::filesystem::path state_dir() const { return dir() / "state"; }

  // Starts the run that gets killed: all data, one tenant at a time.
  std::unique_ptr<FerryProcess> start_run() {
    return std::make_unique<FerryProcess>(
        std::vector<std::string>{"-c", config_path().string(), "sync", "--mode", "full", "-j", "1"},
        dir() / "killed.out");
  }

  // Kills `run` once `condition` holds (polling the journal and files), and returns the
  // journal as the killed run left it.
  template <typename Condition>
  nlohmann::json kill_when(FerryProcess& run, Condition condition) {
    const bool reached = wait_for(run, condition);
    EXPECT_TRUE(run.running()) << "the run ended before it could be killed:\n" << run.output();
    run.kill();
    EXPECT_TRUE(reached) << "the kill point never came:\n"
                         << run.output() << "\n"
                         << last_journal(state_dir()).dump(2);
    return last_journal(state_dir());
  }

  // The tenants the journal calls finished.
  static std::set<std::string> finished_in(const nlohmann::json& journal) {
    std::set<std::string> out;
    for (const auto& t : journal.at("tenants")) {
      if (t.at("finished") == true)
        out.insert(t.at("name"));
    }
    return out;
  }

  struct FileState {
    std::string bytes;
    std::filesystem::file_time_type mtime;
  };
  FileState file_state(const std::string& tenant) const {
    return {read_text(db(tenant)), std::filesystem::last_write_time(db(tenant))};
  }

  // Resumes; checks the report (the tenants finished before skipped, the rest done) and
  // that every tenant now equals the master.
  nlohmann::json resume_and_check(const std::set<std::string>& finished_before) {
    std::map<std::string, FileState> before;
    for (const std::string& t : finished_before)
      before[t] = file_state(t);
    const CommandOutput out =
        run_ferry("-c '" + config_path().string() + "' sync --resume --json -j 1");
    EXPECT_EQ(out.exit_code, 0) << out.output;
    const nlohmann::json report = json_report(out.output);
    EXPECT_EQ(report.at("resumed"), true);
    EXPECT_EQ(report.at("mode"), "full") << "a resumed run keeps the mode it started with";
    EXPECT_TRUE(contains(report.at("mode_reason"), "resuming run")) << report.dump(2);
    EXPECT_EQ(report.at("tenants").size(), k_tenants.size()) << report.dump(2);
    for (const TenantSpec& t : k_tenants) {
      const nlohmann::json entry = tenant_entry(report, t.name);
      if (finished_before.contains(t.name)) {
        EXPECT_EQ(entry.at("status"), "skipped") << entry.dump();
        EXPECT_EQ(entry.at("rows_moved"), 0) << entry.dump();
        // Finished work is not redone: not a byte of the file changed.
        EXPECT_TRUE(read_text(db(t.name)) == before[t.name].bytes) << t.name << " was rewritten";
        EXPECT_EQ(std::filesystem::last_write_time(db(t.name)), before[t.name].mtime) << t.name;
      } else {
        EXPECT_EQ(entry.at("status"), "done") << entry.dump();
      }
    }
    expect_all_equal_to_master();
    const nlohmann::json journal = last_journal(state_dir());
    EXPECT_EQ(journal.at("finished"), true) << journal.dump(2);
    return report;
  }

  void expect_all_equal_to_master() {
    for (const TenantSpec& t : k_tenants) {
      EXPECT_EQ(column_names(db(t.name), "items"), column_names(db("master"), "items")) << t.name;
      EXPECT_EQ(open_sqlite(db(t.name))
                    ->query("SELECT name FROM sqlite_master WHERE name = 'items_name'")
                    .size(),
                1u)
          << t.name;
      EXPECT_EQ(dump(db(t.name), "colors", "id, name", "id"), m_master_colors) << t.name;
      const Rows items = dump(db(t.name), "items", k_items_columns, "id");
      EXPECT_EQ(items.size(), m_master_items.size()) << t.name;
      EXPECT_TRUE(items == m_master_items) << t.name << ": items differ from the master";
      // Tenant-owned rows are theirs.
      EXPECT_EQ(dump(db(t.name), "orders", "id, item_id, qty", "id"), (Rows{{"1", "8", "3"}}))
          << t.name;
    }
  }

  bool structure_done(const std::string& tenant) const {
    const nlohmann::json t = journal_tenant(last_journal(state_dir()), tenant);
    return t.is_object() && t.at("structure_done") == true;
  }

  TempDir m_dir;
  Rows m_master_items;
  Rows m_master_colors;
};

TEST_F(FleetSyncResume, KilledAfterTheFirstGroupFinished) {
  auto run = start_run();
  const nlohmann::json journal = kill_when(*run, [&] {
    const nlohmann::json j = last_journal(state_dir());
    return j.is_object() && !finished_in(j).empty();
  });
  // g1's tenants are marked finished one after the other once both are done.
  const std::set<std::string> finished = finished_in(journal);
  EXPECT_TRUE(finished.contains("t0")) << journal.dump(2);
  for (const std::string& name : finished)
    EXPECT_TRUE(name == "t0" || name == "t1") << journal.dump(2);
  EXPECT_EQ(journal.at("finished"), false);
  const nlohmann::json report = resume_and_check(finished);
  for (const std::string& name : finished) {
    EXPECT_TRUE(contains(tenant_entry(report, name).at("detail").dump(), "done earlier"))
        << report.dump(2);
  }
}

TEST_F(FleetSyncResume, KilledAfterTheFirstTenantsStructure) {
  auto run = start_run();
  const nlohmann::json journal = kill_when(*run, [&] { return structure_done("t0"); });
  const nlohmann::json t0 = journal_tenant(journal, "t0");
  ASSERT_TRUE(t0.is_object()) << journal.dump(2);
  EXPECT_EQ(t0.at("finished"), false) << journal.dump(2);
  EXPECT_EQ(column_names(db("t0"), "items"), column_names(db("master"), "items"));
  const nlohmann::json report = resume_and_check(finished_in(journal));
  // t0's structure was journaled: the resumed run goes straight to its data.
  EXPECT_EQ(tenant_entry(report, "t0").at("structure_changes"), 0) << report.dump(2);
  EXPECT_GT(tenant_entry(report, "t0").at("rows_moved"), 0) << report.dump(2);
  // t4 had not been touched: all of its work happens now.
  EXPECT_EQ(tenant_entry(report, "t4").at("structure_changes"), 2) << report.dump(2);
}

TEST_F(FleetSyncResume, KilledInTheMiddleOfATenantsData) {
  auto run = start_run();
  // Both structures of g1 are done, so the data step runs; SQLite's rollback journal beside
  // t0.db exists only while a transaction writes to it.
  const std::filesystem::path rollback = db("t0").string() + "-journal";
  const nlohmann::json journal =
      kill_when(*run, [&] { return structure_done("t1") && std::filesystem::exists(rollback); });
  const nlohmann::json t0 = journal_tenant(journal, "t0");
  ASSERT_TRUE(t0.is_object()) << journal.dump(2);
  EXPECT_EQ(t0.at("finished"), false) << journal.dump(2);
  EXPECT_FALSE(t0.at("tables_done").dump().find("items") != std::string::npos) << journal.dump(2);
  // The kill did land mid data: t0's items are not the master's yet.
  EXPECT_FALSE(dump(db("t0"), "items", k_items_columns, "id") == m_master_items);
  resume_and_check(finished_in(journal));
}

TEST_F(FleetSyncResume, KilledTwiceThenResumedTwice) {
  auto first = start_run();
  kill_when(*first, [&] { return structure_done("t2"); });
  // A resumed run can itself be killed and resumed.
  FerryProcess second({"-c", config_path().string(), "sync", "--resume", "-j", "1"},
                      dir() / "second.out");
  const nlohmann::json journal = kill_when(second, [&] { return structure_done("t4"); });
  const std::set<std::string> finished = finished_in(journal);
  EXPECT_TRUE(finished.contains("t0") && finished.contains("t2")) << journal.dump(2);
  resume_and_check(finished);
}

}  // namespace
}  // namespace ferry::test::fleet
