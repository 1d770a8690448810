// Shared fixture of the data sync integration tests: the tables on each dialect, a row model
// generated from a seeded PRNG, SQL rendering of that model, and dumps of a database's rows
// normalized in the test (not through ferry's canonical form or hashes), so that a sync is
// verified independently of the code under test.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "ferry/connectors/connector.hpp"
#include "test_env.hpp"

namespace ferry::test::data {

// A master dialect and a tenant dialect.
struct DialectPair {
  Dialect master;
  Dialect tenant;
};
std::string pair_name(const DialectPair& pair);
// GoogleTest prints a pair by its name ("PostgresToSqlite"), not as a byte dump.
inline void PrintTo(const DialectPair& pair, std::ostream* os) {
  *os << pair_name(pair);
}

// The seed of every PRNG in these tests: FERRY_TEST_SEED when set, else a fixed value.
std::uint64_t test_seed();

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : m_engine(seed) {}
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : m_engine() % n; }
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo + 1)));
  }
  bool percent(unsigned p) { return below(100) < p; }

 private:
  std::mt19937_64 m_engine;
};

using RegionKey = std::pair<std::int64_t, std::string>;

// A row of `regions`, the synced parent table: one field per column type under test.
struct Region {
  std::int64_t id = 0;
  std::string code;
  std::optional<std::int64_t> cents;   // numeric(12,2)
  std::optional<double> ratio;         // double
  std::optional<std::string> name;     // text, non-ASCII
  std::optional<std::int64_t> micros;  // timestamptz as microseconds since the epoch
  std::optional<std::string> payload;  // bytes
  std::optional<bool> active;          // boolean
  RegionKey key() const { return {id, code}; }
};

// A row of `sites`, the synced child table (FK to regions; both columns NULL or both set).
struct Site {
  std::int64_t id = 0;
  std::optional<RegionKey> region;
  std::optional<std::string> label;
};

// The key codes: non-ASCII, distinct even under case- and accent-insensitive collations.
inline const std::vector<std::string> k_codes = {"AT", "Zł", "東京", "ch", "Zürich", "zz 🚢"};
// Region ids carry three codes each: row i of a generated table has this key.
RegionKey region_key_of(std::int64_t row);

Region random_region(Rng& rng, const RegionKey& key);
// Changes one to three non-key fields (to NULL, from NULL, new bytes, new float, ...); the
// result always differs from the input.
void mutate_region(Rng& rng, Region& region);
Site random_site(Rng& rng, std::int64_t id, const std::vector<RegionKey>& parents);

// Tables. The master has regions, sites, audit_log (never named in --tables), no_key (no
// primary key) and master_only (absent on the tenant). The tenant has regions, sites,
// audit_log, no_key and tenant_notes (FK to regions, not on the master).
enum class Side { master, tenant };
std::vector<std::string> create_tables(Dialect dialect, Side side);

// SQL that writes the model. Inserts are multi-row statements of at most `per_statement`.
std::vector<std::string> insert_regions(Dialect dialect, const std::vector<Region>& rows,
                                        std::size_t per_statement = 500);
std::vector<std::string> insert_sites(Dialect dialect, const std::vector<Site>& rows);
std::string update_region(Dialect dialect, const Region& row);
std::string delete_region(Dialect dialect, const RegionKey& key);
std::string update_site(Dialect dialect, const Site& row);
std::string delete_site(std::int64_t id);
std::string insert_note(Dialect dialect, std::int64_t id, const RegionKey& region,
                        const std::string& note);
std::string sql_text(Dialect dialect, const std::string& text);

// A row normalized for comparison across dialects: integers and decimals as integers
// (cents), doubles as %.17g, timestamps as epoch microseconds, bytes as lowercase hex,
// booleans as 0/1, NULL as nullopt.
using NormalRow = std::vector<std::optional<std::string>>;
using RegionDump = std::map<RegionKey, NormalRow>;
using SiteDump = std::map<std::int64_t, NormalRow>;

NormalRow normal(const Region& row);
NormalRow normal(const Site& row);
RegionDump expected(const std::map<RegionKey, Region>& rows);
SiteDump expected(const std::map<std::int64_t, Site>& rows);

// Ordered dumps read with Connector::query() and normalized here.
RegionDump dump_regions(connectors::Connector& db);
SiteDump dump_sites(connectors::Connector& db);
// A table's rows exactly as the server prints them, in key order: for "unchanged" checks.
std::vector<connectors::TextRow> raw_dump(connectors::Connector& db, const std::string& table,
                                          const std::string& order_by);
// Rows that violate the FK of `child` (columns region_id, code) to regions.
std::int64_t orphans(connectors::Connector& db, const std::string& child);

// "" when equal, else the sizes and the first few differing keys with both sides' rows.
std::string differences(const RegionDump& expected, const RegionDump& actual);
std::string differences(const SiteDump& expected, const SiteDump& actual);
std::string render(const NormalRow& row);
std::string render(const RegionKey& key);

// ferry with the given arguments; fails the current test when the output shows a password.
CommandOutput ferry(const std::string& args);
// The JSON report at the end of `output` (logs may precede it).
std::string json_part(const std::string& output);
// A URL quoted for the shell.
std::string quoted(const std::string& url);

// The pairs every test runs on.
inline const DialectPair k_pairs[] = {{Dialect::postgres, Dialect::postgres},
                                      {Dialect::mysql, Dialect::mysql},
                                      {Dialect::sqlite, Dialect::sqlite},
                                      {Dialect::postgres, Dialect::sqlite}};

// A master and a tenant database with the tables above, and the model of the master's rows.
class DataSyncTest : public ::testing::TestWithParam<DialectPair> {
 protected:
  void SetUp() override;
  void TearDown() override;

  Dialect master_dialect() const { return GetParam().master; }
  Dialect tenant_dialect() const { return GetParam().tenant; }

  // Arguments of `ferry data sync` / `ferry data diff` from the master to the tenant.
  std::string sync_args(const std::string& tables, const std::string& extra = "") const;
  std::string diff_args(const std::string& tables, const std::string& extra = "") const;

  // Generates `regions` rows (keys region_key_of(0..regions-1)) and `sites` rows referencing
  // them, writes them to the master and into the model.
  void seed_master(Rng& rng, std::size_t regions, std::size_t sites);
  // Runs the first sync of regions and sites into the empty tenant and checks it.
  void initial_sync();
  // The master's dump equals the model, and the tenant's synced tables equal the master's.
  void expect_synced(const std::string& context);

  std::unique_ptr<TempDatabase> m_master_db;
  std::unique_ptr<TempDatabase> m_tenant_db;
  std::unique_ptr<connectors::Connector> m_master;
  std::unique_ptr<connectors::Connector> m_tenant;
  std::map<RegionKey, Region> m_regions;  // the master's regions
  std::map<std::int64_t, Site> m_sites;   // the master's sites
};

}  // namespace ferry::test::data
