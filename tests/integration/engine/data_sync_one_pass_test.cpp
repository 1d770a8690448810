// One pass per side (docs/data-sync.md): on PostgreSQL a data sync remembers, per tenant,
// the tables it left equal and the master's write counters then, and the next run compares a
// table the master has not written to since by its whole-table summary first, any other by
// buckets at once. Both guesses, and a guess proved wrong by a tenant changed behind ferry's
// back, must still find every difference: checked with the test's own dumps of both sides.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "data_sync_support.hpp"

namespace ferry::test::data {
namespace {

using nlohmann::json;

class DataSyncOnePass : public DataSyncTest {
 protected:
  void SetUp() override {
    DataSyncTest::SetUp();
    m_state = std::filesystem::temp_directory_path() /
              ("ferry-one-pass-" + std::to_string(::getpid()) + "-" + m_master_db->name());
    std::filesystem::remove_all(m_state);
  }
  void TearDown() override {
    std::filesystem::remove_all(m_state);
    DataSyncTest::TearDown();
  }

  std::string state() const { return "--state-dir " + m_state.string() + " --json"; }

  // The regions table's entry of a --json report of `args`.
  json regions_of(const std::string& args, int want_exit) {
    const CommandOutput out = ferry(args);
    EXPECT_EQ(out.exit_code, want_exit) << out.output;
    const std::string text = json_part(out.output);
    if (text.empty()) {
      ADD_FAILURE() << "no JSON report in:\n" << out.output;
      return json::object();
    }
    const json report = json::parse(text);
    for (const json& t : report.at("tenants").at(0).at("tables")) {
      if (t.at("table").get<std::string>().ends_with("regions"))
        return t;
    }
    ADD_FAILURE() << "no regions in:\n" << out.output;
    return json::object();
  }

  // The master's count of writes to regions, as the server's statistics show it.
  long long master_writes() {
    const auto rows = m_master->query(
        "SELECT n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables "
        "WHERE relname = 'regions'");
    return rows.empty() || !rows[0][0] ? -1 : std::stoll(*rows[0][0]);
  }

  // Runs `sql` on the master and waits (at most 10 s) until its statistics count the writes:
  // they reach them once the writing session has flushed its counters.
  void write_master(const std::vector<std::string>& sql) {
    const long long before = master_writes();
    m_master->execute(sql);
    m_master->query("SELECT pg_stat_force_next_flush()");
    const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (master_writes() <= before && std::chrono::steady_clock::now() < limit) {
      m_master->query("SELECT pg_stat_force_next_flush()");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_GT(master_writes(), before) << "the master's statistics never counted the writes";
  }

  std::filesystem::path m_state;
};

// Rows of regions that no site references: free to delete on either side.
std::vector<RegionKey> unreferenced(const std::map<RegionKey, Region>& regions,
                                    const std::map<std::int64_t, Site>& sites) {
  std::set<RegionKey> used;
  for (const auto& [id, site] : sites) {
    if (site.region)
      used.insert(*site.region);
  }
  std::vector<RegionKey> out;
  for (const auto& [key, region] : regions) {
    if (!used.contains(key))
      out.push_back(key);
  }
  return out;
}

TEST_P(DataSyncOnePass, WithoutARecordTheTablesAreComparedByBucketsAtOnce) {
  Rng rng(test_seed() + 31);
  seed_master(rng, 3000, 500);
  ASSERT_NO_FATAL_FAILURE(initial_sync());  // without --state-dir: no record in m_state
  const json regions = regions_of(diff_args("regions,sites", state()), 0);
  EXPECT_EQ(regions.at("first_pass"), "buckets") << regions.dump();
  EXPECT_EQ(regions.at("summary_passes"), 1) << regions.dump();
  EXPECT_EQ(regions.at("rows_compared"), 3000) << regions.dump();
}

TEST_P(DataSyncOnePass, MasterUnchangedSinceTheLastSyncIsComparedWholeTableFirst) {
  Rng rng(test_seed() + 32);
  seed_master(rng, 3000, 500);
  ASSERT_NO_FATAL_FAILURE(initial_sync());
  // The first diff with this state finds the tables equal and records it.
  EXPECT_EQ(regions_of(diff_args("regions,sites", state()), 0).at("first_pass"), "buckets");
  const json regions = regions_of(diff_args("regions,sites", state()), 0);
  EXPECT_EQ(regions.at("first_pass"), "table") << regions.dump();
  EXPECT_EQ(regions.at("summary_passes"), 1) << regions.dump();
  EXPECT_EQ(regions.at("updates"), 0) << regions.dump();
}

TEST_P(DataSyncOnePass, MasterChangedSinceTheLastSyncGoesToBucketsAtOnce) {
  Rng rng(test_seed() + 33);
  const Dialect md = master_dialect();
  seed_master(rng, 3000, 500);
  ASSERT_NO_FATAL_FAILURE(initial_sync());
  ASSERT_EQ(regions_of(sync_args("regions,sites", state()), 0).at("updates"), 0);

  std::vector<std::string> sql;
  const std::vector<RegionKey> free = unreferenced(m_regions, m_sites);
  ASSERT_GE(free.size(), 6u);
  for (std::size_t i = 0; i < 3; ++i) {
    mutate_region(rng, m_regions.at(free[i]));
    sql.push_back(update_region(md, m_regions.at(free[i])));
  }
  sql.push_back(delete_region(md, free[3]));
  m_regions.erase(free[3]);
  ASSERT_NO_FATAL_FAILURE(write_master(sql));

  const json regions = regions_of(sync_args("regions,sites", state()), 0);
  EXPECT_EQ(regions.at("first_pass"), "buckets") << regions.dump();
  EXPECT_EQ(regions.at("summary_passes"), 1) << regions.dump();
  EXPECT_EQ(regions.at("updates"), 3) << regions.dump();
  EXPECT_EQ(regions.at("deletes"), 1) << regions.dump();
  expect_synced("after the sync of a changed master");

  // The sync left the tenant equal to the master as it is now: the next run expects it so.
  const json again = regions_of(diff_args("regions,sites", state()), 0);
  EXPECT_EQ(again.at("first_pass"), "table") << again.dump();
  EXPECT_EQ(again.at("summary_passes"), 1) << again.dump();
}

TEST_P(DataSyncOnePass, TenantChangedBehindFerrysBackIsStillFoundEntirely) {
  Rng rng(test_seed() + 34);
  const Dialect td = tenant_dialect();
  seed_master(rng, 3000, 500);
  ASSERT_NO_FATAL_FAILURE(initial_sync());
  ASSERT_EQ(regions_of(sync_args("regions,sites", state()), 0).at("updates"), 0);

  // The master stays as it was; the tenant loses a row, gains one and has two changed.
  std::map<RegionKey, Region> tenant_regions = m_regions;
  const std::vector<RegionKey> free = unreferenced(m_regions, m_sites);
  ASSERT_GE(free.size(), 4u);
  std::vector<std::string> sql{delete_region(td, free[0])};
  for (std::size_t i = 1; i < 3; ++i) {
    Region& row = tenant_regions.at(free[i]);
    mutate_region(rng, row);
    sql.push_back(update_region(td, row));
  }
  Region extra = random_region(rng, region_key_of(900000));
  sql.push_back(insert_regions(td, {extra}).at(0));
  m_tenant->execute(sql);

  const json regions = regions_of(sync_args("regions,sites", state()), 0);
  EXPECT_EQ(regions.at("first_pass"), "table") << regions.dump();
  EXPECT_EQ(regions.at("summary_passes"), 2) << regions.dump();
  EXPECT_EQ(regions.at("inserts"), 1) << regions.dump();
  EXPECT_EQ(regions.at("updates"), 2) << regions.dump();
  EXPECT_EQ(regions.at("deletes"), 1) << regions.dump();
  expect_synced("after the sync of a tenant changed behind ferry's back");
}

INSTANTIATE_TEST_SUITE_P(Postgres, DataSyncOnePass,
                         ::testing::Values(DialectPair{Dialect::postgres, Dialect::postgres}),
                         [](const auto& info) { return pair_name(info.param); });

}  // namespace
}  // namespace ferry::test::data
