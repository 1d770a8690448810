// ferry data diff / data sync against real PostgreSQL, MariaDB and SQLite databases: random
// changes on both sides, deletes kept or blocked by the tenant's own rows, tables that are
// not named, and errors. Every result is checked with the test's own normalized dumps.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "data_sync_support.hpp"

namespace ferry::test::data {
namespace {

using connectors::TextRow;
using nlohmann::json;

json parse_report(const CommandOutput& out) {
  const std::string text = json_part(out.output);
  EXPECT_FALSE(text.empty()) << "no JSON report in:\n" << out.output;
  return text.empty() ? json::object() : json::parse(text);
}

const json& table_of(const json& report, const std::string& name) {
  for (const json& t : report.at("tenants").at(0).at("tables")) {
    const std::string label = t.at("table").get<std::string>();
    if (label == name || label.ends_with("." + name))
      return t;
  }
  throw std::runtime_error("no table " + name + " in the report " + report.dump());
}

std::set<RegionKey> keys_of(const json& keys) {
  std::set<RegionKey> out;
  for (const json& k : keys)
    out.emplace(std::stoll(k.at(0).get<std::string>()), k.at(1).get<std::string>());
  return out;
}

template <typename T>
T pick(Rng& rng, const std::vector<T>& from) {
  return from.at(rng.below(from.size()));
}

// `count` distinct elements of `from` that satisfy `ok`.
template <typename T, typename Pred>
std::vector<T> pick_distinct(Rng& rng, std::vector<T> from, std::size_t count, Pred ok) {
  std::vector<T> out;
  for (std::size_t i = 0; i < from.size() && out.size() < count; ++i) {
    std::swap(from[i], from[i + rng.below(from.size() - i)]);
    if (ok(from[i]))
      out.push_back(from[i]);
  }
  return out;
}

template <typename Map>
std::vector<typename Map::key_type> keys_in(const Map& map) {
  std::vector<typename Map::key_type> out;
  for (const auto& entry : map)
    out.push_back(entry.first);
  return out;
}

// The regions that some site references.
std::set<RegionKey> referenced_regions(const std::map<std::int64_t, Site>& sites) {
  std::set<RegionKey> out;
  for (const auto& [id, site] : sites) {
    if (site.region)
      out.insert(*site.region);
  }
  return out;
}

struct Counts {
  std::size_t inserts = 0, updates = 0, deletes = 0;
};

// What a sync must do to turn `tenant` into `master`, by the test's own comparison.
template <typename Dump>
Counts expected_counts(const Dump& master, const Dump& tenant) {
  Counts c;
  for (const auto& [key, row] : master) {
    const auto it = tenant.find(key);
    c.inserts += it == tenant.end();
    c.updates += it != tenant.end() && it->second != row;
  }
  for (const auto& entry : tenant)
    c.deletes += !master.contains(entry.first);
  return c;
}

class DataSync : public DataSyncTest {
 protected:
  std::vector<TextRow> tenant_notes() { return raw_dump(*m_tenant, "tenant_notes", "note_id"); }
  std::vector<TextRow> tenant_audit() { return raw_dump(*m_tenant, "audit_log", "id"); }

  void write_audit_logs() {
    m_master->execute({"INSERT INTO audit_log (id, what) VALUES (1, " +
                       sql_text(master_dialect(), "master only") + "), (2, NULL)"});
    m_tenant->execute({"INSERT INTO audit_log (id, what) VALUES (1, " +
                       sql_text(tenant_dialect(), "Zürich – 東京 🚢") + "), (7, " +
                       sql_text(tenant_dialect(), "tenant's own") + ")"});
  }
};

TEST_P(DataSync, SyncsRandomChangesOnBothSidesAndThenChangesNothing) {
  Rng rng(test_seed());
  const Dialect md = master_dialect(), td = tenant_dialect();
  seed_master(rng, 3000, 1500);
  write_audit_logs();
  ASSERT_NO_FATAL_FAILURE(initial_sync());
  std::map<RegionKey, Region> tenant_regions = m_regions;
  std::map<std::int64_t, Site> tenant_sites = m_sites;
  const std::vector<RegionKey> original = keys_in(m_regions);

  // Which original rows each side deletes: disjoint, so a tenant delete is re-inserted.
  const std::vector<RegionKey> master_deletes =
      pick_distinct(rng, original, 100, [](const RegionKey&) { return true; });
  const std::set<RegionKey> master_deleted(master_deletes.begin(), master_deletes.end());
  const std::vector<RegionKey> tenant_deletes = pick_distinct(
      rng, original, 100, [&](const RegionKey& k) { return !master_deleted.contains(k); });
  const std::set<RegionKey> tenant_deleted(tenant_deletes.begin(), tenant_deletes.end());

  // The master: inserts, updates, deletes of regions (sites that reference a deleted region
  // are deleted or moved first), then inserts, updates and deletes of sites.
  std::vector<std::string> master_sql;
  std::vector<Region> inserted;
  for (std::int64_t row = 3000; row < 3150; ++row) {
    inserted.push_back(random_region(rng, region_key_of(row)));
    m_regions[inserted.back().key()] = inserted.back();
  }
  master_sql = insert_regions(md, inserted);
  for (const RegionKey& k : pick_distinct(rng, original, 300, [](auto&) { return true; })) {
    mutate_region(rng, m_regions.at(k));
    master_sql.push_back(update_region(md, m_regions.at(k)));
  }
  std::vector<RegionKey> master_parents;
  for (const auto& [k, r] : m_regions) {
    if (!master_deleted.contains(k))
      master_parents.push_back(k);
  }
  for (auto it = m_sites.begin(); it != m_sites.end();) {
    if (it->second.region && master_deleted.contains(*it->second.region)) {
      if (rng.percent(50)) {
        master_sql.push_back(delete_site(it->first));
        it = m_sites.erase(it);
        continue;
      }
      it->second.region = pick(rng, master_parents);
      master_sql.push_back(update_site(md, it->second));
    }
    ++it;
  }
  for (const RegionKey& k : master_deletes) {
    master_sql.push_back(delete_region(md, k));
    m_regions.erase(k);
  }
  std::vector<Site> new_sites;
  for (std::int64_t id = 2001; id <= 2080; ++id) {
    new_sites.push_back(random_site(rng, id, master_parents));
    m_sites[id] = new_sites.back();
  }
  for (std::string& s : insert_sites(md, new_sites))
    master_sql.push_back(std::move(s));
  for (std::int64_t id : pick_distinct(rng, keys_in(m_sites), 100, [](auto) { return true; })) {
    m_sites[id] = random_site(rng, id, master_parents);
    master_sql.push_back(update_site(md, m_sites[id]));
  }
  for (std::int64_t id : pick_distinct(rng, keys_in(m_sites), 40, [](auto) { return true; })) {
    master_sql.push_back(delete_site(id));
    m_sites.erase(id);
  }
  m_master->execute(master_sql);

  // The tenant drifts: deletes (sites that reference them go or move first), updates, rows
  // of its own (some under keys the master has just inserted), and sites of its own that
  // reference its own regions, so deletes must run children first.
  std::vector<std::string> tenant_sql;
  std::vector<RegionKey> tenant_parents;
  for (const auto& [k, r] : tenant_regions) {
    if (!tenant_deleted.contains(k))
      tenant_parents.push_back(k);
  }
  for (auto it = tenant_sites.begin(); it != tenant_sites.end();) {
    if (it->second.region && tenant_deleted.contains(*it->second.region)) {
      if (rng.percent(50)) {
        tenant_sql.push_back(delete_site(it->first));
        it = tenant_sites.erase(it);
        continue;
      }
      it->second.region = pick(rng, tenant_parents);
      tenant_sql.push_back(update_site(td, it->second));
    }
    ++it;
  }
  for (const RegionKey& k : tenant_deletes) {
    tenant_sql.push_back(delete_region(td, k));
    tenant_regions.erase(k);
  }
  for (const RegionKey& k :
       pick_distinct(rng, keys_in(tenant_regions), 150, [](auto&) { return true; })) {
    mutate_region(rng, tenant_regions.at(k));
    tenant_sql.push_back(update_region(td, tenant_regions.at(k)));
  }
  std::vector<Region> own;
  for (std::int64_t row = 15000; row < 15080; ++row)
    own.push_back(random_region(rng, region_key_of(row)));
  for (std::int64_t row = 3000; row < 3010; ++row)
    own.push_back(random_region(rng, region_key_of(row)));
  std::vector<RegionKey> own_keys;
  for (const Region& r : own) {
    tenant_regions[r.key()] = r;
    own_keys.push_back(r.key());
  }
  for (std::string& s : insert_regions(td, own))
    tenant_sql.push_back(std::move(s));
  std::vector<Site> own_sites;
  for (std::int64_t id = 100001; id <= 100020; ++id) {
    own_sites.push_back(random_site(rng, id, own_keys));
    tenant_sites[id] = own_sites.back();
  }
  for (std::string& s : insert_sites(td, own_sites))
    tenant_sql.push_back(std::move(s));
  const std::vector<RegionKey> all_tenant = keys_in(tenant_regions);
  for (std::int64_t id : pick_distinct(rng, keys_in(tenant_sites), 50, [](auto) { return true; })) {
    tenant_sites[id] = random_site(rng, id, all_tenant);
    tenant_sql.push_back(update_site(td, tenant_sites[id]));
  }
  for (std::int64_t id : pick_distinct(rng, keys_in(tenant_sites), 30, [](auto) { return true; })) {
    tenant_sql.push_back(delete_site(id));
    tenant_sites.erase(id);
  }
  // Notes of the tenant's own on regions both sides keep: no delete is blocked here.
  const std::vector<RegionKey> kept = pick_distinct(rng, original, 40, [&](const RegionKey& k) {
    return m_regions.contains(k) && tenant_regions.contains(k);
  });
  for (std::size_t i = 0; i < kept.size(); ++i)
    tenant_sql.push_back(insert_note(td, static_cast<std::int64_t>(i + 1), kept[i], "note Zł"));
  m_tenant->execute(tenant_sql);
  ASSERT_EQ(differences(expected(tenant_regions), dump_regions(*m_tenant)), "")
      << "the tenant's regions differ from the model (test bug?)";
  ASSERT_EQ(differences(expected(tenant_sites), dump_sites(*m_tenant)), "")
      << "the tenant's sites differ from the model (test bug?)";

  const std::vector<TextRow> notes_before = tenant_notes();
  const std::vector<TextRow> audit_before = tenant_audit();
  ASSERT_EQ(notes_before.size(), 40u);
  const Counts regions_expected = expected_counts(expected(m_regions), expected(tenant_regions));
  const Counts sites_expected = expected_counts(expected(m_sites), expected(tenant_sites));

  const CommandOutput before = ferry(diff_args("regions,sites"));
  EXPECT_EQ(before.exit_code, 3) << before.output;

  const CommandOutput sync = ferry(sync_args("regions,sites", "--json --chunk-rows 500"));
  ASSERT_EQ(sync.exit_code, 0) << sync.output;
  const json report = parse_report(sync);
  EXPECT_EQ(report.at("tenants").at(0).at("status"), "synced");
  for (const auto& [name, counts] :
       {std::pair{"regions", regions_expected}, std::pair{"sites", sites_expected}}) {
    const json& t = table_of(report, name);
    EXPECT_EQ(t.at("inserts"), counts.inserts) << name;
    EXPECT_EQ(t.at("updates"), counts.updates) << name;
    EXPECT_EQ(t.at("deletes"), counts.deletes) << name;
    EXPECT_TRUE(t.at("blocked_deletes").empty()) << name;
  }
  expect_synced("after syncing random changes");
  EXPECT_EQ(tenant_notes(), notes_before) << "tenant_notes is not the master's to change";
  EXPECT_EQ(tenant_audit(), audit_before) << "audit_log was not named in --tables";

  const CommandOutput after = ferry(diff_args("regions,sites"));
  EXPECT_EQ(after.exit_code, 0) << after.output;

  const CommandOutput again = ferry(sync_args("regions,sites"));
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("0 row(s) changed"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("in sync"), std::string::npos) << again.output;
  const CommandOutput again_json = ferry(sync_args("regions,sites", "--json"));
  EXPECT_EQ(again_json.exit_code, 0) << again_json.output;
  const json second = parse_report(again_json);
  EXPECT_EQ(second.at("tenants").at(0).at("status"), "in sync");
  for (const json& t : second.at("tenants").at(0).at("tables")) {
    EXPECT_EQ(t.at("inserts"), 0) << t.dump();
    EXPECT_EQ(t.at("updates"), 0) << t.dump();
    EXPECT_EQ(t.at("deletes"), 0) << t.dump();
  }
  expect_synced("after a second sync");
  EXPECT_EQ(tenant_notes(), notes_before);
  EXPECT_EQ(tenant_audit(), audit_before);
}

// A few changes in a bigger table: on the servers, only the buckets that hold them are read
// row by row. NULL against '' in both directions, non-ASCII composite keys.
TEST_P(DataSync, FewChangesAreFoundBucketByBucketAndSynced) {
  Rng rng(test_seed() + 6);
  const Dialect md = master_dialect(), td = tenant_dialect();
  seed_master(rng, 6000, 3000);
  ASSERT_NO_FATAL_FAILURE(initial_sync());
  std::map<RegionKey, Region> tenant_regions = m_regions;
  const std::set<RegionKey> referenced = referenced_regions(m_sites);
  std::vector<RegionKey> free;
  for (const auto& [key, region] : m_regions) {
    if (!referenced.contains(key))
      free.push_back(key);
  }
  // Eight distinct rows: two deleted on the master, one on the tenant, three updated on the
  // master, two set to NULL on one side and '' on the other.
  const std::vector<RegionKey> picked = pick_distinct(rng, free, 8, [](auto&) { return true; });
  ASSERT_EQ(picked.size(), 8u);
  std::vector<std::string> master_sql, tenant_sql;
  for (std::size_t i = 0; i < 2; ++i) {
    master_sql.push_back(delete_region(md, picked[i]));
    m_regions.erase(picked[i]);
  }
  tenant_sql.push_back(delete_region(td, picked[2]));
  tenant_regions.erase(picked[2]);
  for (std::size_t i = 3; i < 6; ++i) {
    mutate_region(rng, m_regions.at(picked[i]));
    master_sql.push_back(update_region(md, m_regions.at(picked[i])));
  }
  Region& to_empty = m_regions.at(picked[6]);  // NULL on the tenant, '' on the master
  Region& to_null = m_regions.at(picked[7]);   // '' on the tenant, NULL on the master
  to_empty.name = "";
  to_null.name = std::nullopt;
  master_sql.push_back(update_region(md, to_empty));
  master_sql.push_back(update_region(md, to_null));
  tenant_regions.at(picked[6]).name = std::nullopt;
  tenant_regions.at(picked[7]).name = "";
  tenant_sql.push_back(update_region(td, tenant_regions.at(picked[6])));
  tenant_sql.push_back(update_region(td, tenant_regions.at(picked[7])));
  const Region added = random_region(rng, region_key_of(6000));
  m_regions[added.key()] = added;
  for (std::string& sql : insert_regions(md, {added}))
    master_sql.push_back(std::move(sql));
  const Region own = random_region(rng, {9999, "Zürich"});
  tenant_regions[own.key()] = own;
  for (std::string& sql : insert_regions(td, {own}))
    tenant_sql.push_back(std::move(sql));
  // Sites (a key of one integer column: key range buckets): '' and NULL labels, an insert,
  // a delete on each side.
  std::map<std::int64_t, Site> tenant_sites = m_sites;
  const std::vector<std::int64_t> site_ids =
      pick_distinct(rng, keys_in(m_sites), 4, [](auto) { return true; });
  ASSERT_EQ(site_ids.size(), 4u);
  m_sites.at(site_ids[0]).label = "";
  tenant_sites.at(site_ids[0]).label = std::nullopt;
  m_sites.at(site_ids[1]).label = std::nullopt;
  tenant_sites.at(site_ids[1]).label = "";
  for (const std::int64_t id : {site_ids[0], site_ids[1]}) {
    master_sql.push_back(update_site(md, m_sites.at(id)));
    tenant_sql.push_back(update_site(td, tenant_sites.at(id)));
  }
  master_sql.push_back(delete_site(site_ids[2]));
  m_sites.erase(site_ids[2]);
  tenant_sql.push_back(delete_site(site_ids[3]));
  tenant_sites.erase(site_ids[3]);
  const Site new_site{3001, picked[5], "Zł new"};
  m_sites[new_site.id] = new_site;
  for (std::string& sql : insert_sites(md, {new_site}))
    master_sql.push_back(std::move(sql));
  m_master->execute(master_sql);
  m_tenant->execute(tenant_sql);
  ASSERT_EQ(differences(expected(tenant_regions), dump_regions(*m_tenant)), "")
      << "the tenant's regions differ from the model (test bug?)";
  ASSERT_EQ(differences(expected(tenant_sites), dump_sites(*m_tenant)), "")
      << "the tenant's sites differ from the model (test bug?)";
  const Counts want_sites = expected_counts(expected(m_sites), expected(tenant_sites));
  ASSERT_EQ(want_sites.inserts, 2u);
  ASSERT_EQ(want_sites.updates, 2u);
  ASSERT_EQ(want_sites.deletes, 1u);
  const Counts want = expected_counts(expected(m_regions), expected(tenant_regions));
  ASSERT_EQ(want.inserts, 2u);  // the master's new row, the row the tenant deleted
  ASSERT_EQ(want.updates, 5u);
  ASSERT_EQ(want.deletes, 3u);  // the master's two deletes, the tenant's own row

  // Hashing in ferry finds the very rows that hashing on the servers finds.
  const json on_servers = parse_report(ferry(diff_args("regions,sites", "--json")));
  const json in_ferry = parse_report(ferry(diff_args("regions,sites", "--json --hashing client")));
  for (const char* table : {"regions", "sites"}) {
    const bool servers = md == td && md != Dialect::sqlite;
    EXPECT_EQ(table_of(on_servers, table).at("hashed_on"), servers ? "servers" : "ferry");
    EXPECT_EQ(table_of(in_ferry, table).at("hashed_on"), "ferry");
    for (const char* kind : {"insert", "update", "delete"}) {
      std::set<std::string> a, b;
      for (const json& k : table_of(on_servers, table).at("keys").at(kind))
        a.insert(k.dump());
      for (const json& k : table_of(in_ferry, table).at("keys").at(kind))
        b.insert(k.dump());
      EXPECT_EQ(a, b) << table << ": keys to " << kind;
      EXPECT_FALSE(a.empty()) << table << ": keys to " << kind;
    }
  }

  const CommandOutput sync = ferry(sync_args("regions,sites", "--json"));
  ASSERT_EQ(sync.exit_code, 0) << sync.output;
  const json report = parse_report(sync);
  const json& regions = table_of(report, "regions");
  EXPECT_EQ(regions.at("inserts"), want.inserts);
  EXPECT_EQ(regions.at("updates"), want.updates);
  EXPECT_EQ(regions.at("deletes"), want.deletes);
  const json& sites = table_of(report, "sites");
  EXPECT_EQ(sites.at("inserts"), want_sites.inserts);
  EXPECT_EQ(sites.at("updates"), want_sites.updates);
  EXPECT_EQ(sites.at("deletes"), want_sites.deletes);
  if (md == td && md != Dialect::sqlite) {
    // 5,999 regions hashed into 128 buckets: at most ten of them differ. 3,000 sites in
    // ranges of 64 ids: 47 ranges, at most five differ.
    EXPECT_EQ(regions.at("chunks"), 128) << regions.dump();
    EXPECT_GE(regions.at("chunks_differing").get<int>(), 1) << regions.dump();
    EXPECT_LE(regions.at("chunks_differing").get<int>(), 10) << regions.dump();
    EXPECT_EQ(sites.at("chunks").get<int>(), 47) << sites.dump();
    EXPECT_GE(sites.at("chunks_differing").get<int>(), 1) << sites.dump();
    EXPECT_LE(sites.at("chunks_differing").get<int>(), 5) << sites.dump();
  }
  expect_synced("after syncing a few changes");

  const CommandOutput again = ferry(sync_args("regions,sites", "--json"));
  EXPECT_EQ(again.exit_code, 0) << again.output;
  const json second = parse_report(again);
  EXPECT_EQ(second.at("tenants").at(0).at("status"), "in sync");
  EXPECT_EQ(table_of(second, "regions").at("chunks_differing"), 0);
  expect_synced("after a second sync");
}

TEST_P(DataSync, HashingInFerrySyncsLikeHashingOnTheServers) {
  Rng rng(test_seed() + 11);
  const Dialect md = master_dialect();
  seed_master(rng, 2000, 500);
  ASSERT_NO_FATAL_FAILURE(initial_sync());
  // Updates, deletes (of regions no site references) and inserts on the master.
  const std::set<RegionKey> referenced = referenced_regions(m_sites);
  std::vector<std::string> sql;
  const std::vector<RegionKey> keys = keys_in(m_regions);
  for (const RegionKey& k : pick_distinct(rng, keys, 60, [](auto&) { return true; })) {
    mutate_region(rng, m_regions.at(k));
    sql.push_back(update_region(md, m_regions.at(k)));
  }
  for (const RegionKey& k :
       pick_distinct(rng, keys, 20, [&](const RegionKey& k) { return !referenced.contains(k); })) {
    sql.push_back(delete_region(md, k));
    m_regions.erase(k);
  }
  std::vector<Region> added;
  for (std::int64_t row = 2000; row < 2030; ++row) {
    added.push_back(random_region(rng, region_key_of(row)));
    m_regions[added.back().key()] = added.back();
  }
  for (std::string& s : insert_regions(md, added))
    sql.push_back(std::move(s));
  m_master->execute(sql);

  const CommandOutput sync =
      ferry(sync_args("regions,sites", "--json --hashing client --chunk-rows 300"));
  ASSERT_EQ(sync.exit_code, 0) << sync.output;
  const json report = parse_report(sync);
  const json& regions = table_of(report, "regions");
  EXPECT_EQ(regions.at("hashed_on"), "ferry");
  EXPECT_EQ(regions.at("inserts"), 30);
  EXPECT_EQ(regions.at("deletes"), 20);
  EXPECT_LE(regions.at("updates").get<int>(), 60);  // a mutation may redraw the same values
  expect_synced("after a sync hashed in ferry");
  const CommandOutput again = ferry(diff_args("regions,sites"));
  EXPECT_EQ(again.exit_code, 0) << again.output;
}

TEST_P(DataSync, DeletesKeepKeepsTenantRowsWhileApplyingTheRest) {
  Rng rng(test_seed() + 1);
  const Dialect md = master_dialect(), td = tenant_dialect();
  seed_master(rng, 300, 100);
  ASSERT_NO_FATAL_FAILURE(initial_sync());
  std::map<RegionKey, Region> tenant_regions = m_regions;

  std::vector<std::string> master_sql;
  std::vector<Region> added;
  for (std::int64_t row = 300; row < 310; ++row) {
    added.push_back(random_region(rng, region_key_of(row)));
    m_regions[added.back().key()] = added.back();
  }
  master_sql = insert_regions(md, added);
  for (const RegionKey& k :
       pick_distinct(rng, keys_in(m_regions), 10, [](auto&) { return true; })) {
    mutate_region(rng, m_regions.at(k));
    master_sql.push_back(update_region(md, m_regions.at(k)));
  }
  m_master->execute(master_sql);

  std::vector<Region> own;
  std::set<RegionKey> own_keys;
  for (std::int64_t row = 9000; row < 9020; ++row) {
    own.push_back(random_region(rng, region_key_of(row)));
    own_keys.insert(own.back().key());
  }
  std::vector<std::string> tenant_sql = insert_regions(td, own);
  tenant_sql.push_back("INSERT INTO sites (site_id, region_id, code, label) VALUES (90001, " +
                       std::to_string(own[0].id) + ", " + sql_text(td, own[0].code) + ", 'own')");
  m_tenant->execute(tenant_sql);

  const CommandOutput out = ferry(sync_args("regions,sites", "--deletes keep --json"));
  ASSERT_EQ(out.exit_code, 0) << out.output;
  const json report = parse_report(out);
  EXPECT_EQ(table_of(report, "regions").at("deletes"), 0);
  EXPECT_EQ(table_of(report, "sites").at("deletes"), 0);
  EXPECT_EQ(table_of(report, "regions").at("inserts"), 10);

  // The tenant holds the master's rows plus its own, untouched.
  std::map<RegionKey, Region> want = m_regions;
  for (const Region& r : own)
    want[r.key()] = r;
  EXPECT_EQ(differences(expected(want), dump_regions(*m_tenant)), "");
  std::map<std::int64_t, Site> want_sites = m_sites;
  want_sites[90001] = Site{90001, own[0].key(), "own"};
  EXPECT_EQ(differences(expected(want_sites), dump_sites(*m_tenant)), "");

  // A diff still shows exactly the kept rows as deletes.
  const CommandOutput diff = ferry(diff_args("regions,sites", "--json"));
  EXPECT_EQ(diff.exit_code, 3) << diff.output;
  const json diff_report = parse_report(diff);
  const json& regions = table_of(diff_report, "regions");
  EXPECT_EQ(regions.at("inserts"), 0);
  EXPECT_EQ(regions.at("updates"), 0);
  EXPECT_EQ(keys_of(regions.at("keys").at("delete")), own_keys);
}

TEST_P(DataSync, DeleteBlockedByTenantRowsIsKeptAndReported) {
  Rng rng(test_seed() + 2);
  const Dialect md = master_dialect(), td = tenant_dialect();
  seed_master(rng, 300, 100);
  ASSERT_NO_FATAL_FAILURE(initial_sync());

  const std::set<RegionKey> referenced = referenced_regions(m_sites);
  const std::vector<RegionKey> gone = pick_distinct(
      rng, keys_in(m_regions), 3, [&](const RegionKey& k) { return !referenced.contains(k); });
  ASSERT_EQ(gone.size(), 3u);
  // The tenant's own notes reference the first two; the third is free to go.
  m_tenant->execute({insert_note(td, 1, gone[0], "keeps it"), insert_note(td, 2, gone[1], "too")});
  const std::vector<TextRow> notes_before = raw_dump(*m_tenant, "tenant_notes", "note_id");
  std::vector<std::string> master_sql;
  for (const RegionKey& k : gone)
    master_sql.push_back(delete_region(md, k));
  const RegionKey changed = pick_distinct(rng, keys_in(m_regions), 1, [&](const RegionKey& k) {
                              return std::find(gone.begin(), gone.end(), k) == gone.end();
                            }).at(0);
  mutate_region(rng, m_regions.at(changed));
  master_sql.push_back(update_region(md, m_regions.at(changed)));
  m_master->execute(master_sql);
  std::map<RegionKey, Region> want = m_regions;
  for (const RegionKey& k : gone)
    m_regions.erase(k);
  want.erase(gone[2]);

  const CommandOutput out = ferry(sync_args("regions,sites"));
  EXPECT_EQ(out.exit_code, 4) << out.output;
  for (std::size_t i = 0; i < 2; ++i) {
    const std::string line =
        "kept row (" + std::to_string(gone[i].first) + ", " + gone[i].second + ")";
    const auto at = out.output.find(line);
    ASSERT_NE(at, std::string::npos) << line << " missing in:\n" << out.output;
    const std::string rest = out.output.substr(at, out.output.find('\n', at) - at);
    EXPECT_NE(rest.find("still referenced by"), std::string::npos) << rest;
    EXPECT_NE(rest.find("tenant_notes"), std::string::npos) << rest;
  }
  EXPECT_EQ(differences(expected(want), dump_regions(*m_tenant)), "");
  EXPECT_EQ(differences(expected(m_sites), dump_sites(*m_tenant)), "");
  EXPECT_EQ(raw_dump(*m_tenant, "tenant_notes", "note_id"), notes_before);
  EXPECT_EQ(orphans(*m_tenant, "tenant_notes"), 0);

  const CommandOutput again = ferry(sync_args("regions,sites", "--json"));
  EXPECT_EQ(again.exit_code, 4) << again.output;
  const json report = parse_report(again);
  EXPECT_EQ(report.at("tenants").at(0).at("status"), "partial");
  const json& blocked = table_of(report, "regions").at("blocked_deletes");
  ASSERT_EQ(blocked.size(), 2u) << report.dump(2);
  std::set<RegionKey> blocked_keys;
  for (const json& b : blocked) {
    blocked_keys.emplace(std::stoll(b.at("key").at(0).get<std::string>()),
                         b.at("key").at(1).get<std::string>());
    const std::string by = b.at("referenced_by");
    EXPECT_TRUE(by == "tenant_notes" || by.ends_with(".tenant_notes")) << by;
  }
  EXPECT_EQ(blocked_keys, (std::set<RegionKey>{gone[0], gone[1]}));
  EXPECT_EQ(differences(expected(want), dump_regions(*m_tenant)), "");
}

TEST_P(DataSync, DiffJsonListsTheChangedKeys) {
  Rng rng(test_seed() + 3);
  const Dialect md = master_dialect(), td = tenant_dialect();
  seed_master(rng, 60, 0);
  ASSERT_NO_FATAL_FAILURE(initial_sync());

  const CommandOutput equal = ferry(diff_args("regions,sites", "--json"));
  EXPECT_EQ(equal.exit_code, 0) << equal.output;
  EXPECT_FALSE(table_of(parse_report(equal), "regions").contains("keys"));

  // The master: two inserts, an update to NULL, a one-byte change, a delete.
  const RegionKey new1 = region_key_of(60), new2 = region_key_of(61);
  const RegionKey to_null = region_key_of(3), byte_change = region_key_of(10),
                  gone = region_key_of(20);
  Region& a = m_regions.at(to_null);
  a.name = std::nullopt;
  a.ratio = std::nullopt;
  Region& b = m_regions.at(byte_change);
  b.payload = b.payload.value_or("") + std::string(1, '\0');
  m_master->execute(insert_regions(md, {random_region(rng, new1), random_region(rng, new2)}));
  m_master->execute({update_region(md, a), update_region(md, b), delete_region(md, gone)});
  // The tenant: a float changed from NULL or to another value, two rows of its own.
  Region c = m_regions.at(region_key_of(30));
  c.ratio = c.ratio ? *c.ratio + 0.25 : 0.5;
  const RegionKey own1{7001, "Zł"}, own2{7001, "東京"};
  m_tenant->execute({update_region(td, c)});
  m_tenant->execute(insert_regions(td, {random_region(rng, own1), random_region(rng, own2)}));

  const CommandOutput text = ferry(diff_args("regions,sites"));
  EXPECT_EQ(text.exit_code, 3) << text.output;
  const CommandOutput out = ferry(diff_args("regions,sites", "--json"));
  EXPECT_EQ(out.exit_code, 3) << out.output;
  const json report = parse_report(out);
  EXPECT_EQ(report.at("dry_run"), true);
  const json& regions = table_of(report, "regions");
  ASSERT_TRUE(regions.contains("keys")) << regions.dump(2);
  EXPECT_EQ(keys_of(regions.at("keys").at("insert")), (std::set<RegionKey>{new1, new2}));
  EXPECT_EQ(keys_of(regions.at("keys").at("update")),
            (std::set<RegionKey>{to_null, byte_change, c.key()}));
  EXPECT_EQ(keys_of(regions.at("keys").at("delete")), (std::set<RegionKey>{gone, own1, own2}));
  EXPECT_EQ(regions.at("inserts"), 2);
  EXPECT_EQ(regions.at("updates"), 3);
  EXPECT_EQ(regions.at("deletes"), 3);
  const json& sites = table_of(report, "sites");
  EXPECT_EQ(sites.at("inserts"), 0);
  EXPECT_EQ(sites.at("deletes"), 0);
  EXPECT_EQ(dump_regions(*m_tenant).count(new1), 0u) << "a diff must not write";
}

TEST_P(DataSync, TableWithoutPrimaryKeyIsAnErrorNamingIt) {
  Rng rng(test_seed() + 4);
  seed_master(rng, 30, 0);
  m_master->execute({"INSERT INTO no_key (id, what) VALUES (1, 'a'), (1, 'a')"});
  for (const std::string& args : {sync_args("regions,no_key"), diff_args("no_key")}) {
    const CommandOutput out = ferry(args);
    EXPECT_NE(out.exit_code, 0) << out.output;
    EXPECT_NE(out.output.find("no_key"), std::string::npos) << out.output;
    EXPECT_NE(out.output.find("primary key"), std::string::npos) << out.output;
  }
  EXPECT_TRUE(dump_regions(*m_tenant).empty()) << "nothing may be written";
}

TEST_P(DataSync, TableMissingOnTenantIsAnErrorAndTheOthersStillSync) {
  Rng rng(test_seed() + 5);
  seed_master(rng, 200, 50);
  m_master->execute({"INSERT INTO master_only (id, what) VALUES (1, 'x')"});
  const CommandOutput out = ferry(sync_args("regions,master_only,sites"));
  EXPECT_NE(out.exit_code, 0) << out.output;
  const auto at = out.output.find("master_only");
  ASSERT_NE(at, std::string::npos) << out.output;
  EXPECT_NE(out.output.find("missing"), std::string::npos) << out.output;
  expect_synced("after a sync with a table missing on the tenant");
}

// The master's sessions open while the tenants open theirs; a master that fails must still
// end the run with its own error (exit 2) and nothing written.
TEST_P(DataSync, MasterThatCannotBeReadEndsTheRunAndNothingIsWritten) {
  Rng rng(test_seed() + 6);
  seed_master(rng, 40, 10);
  const std::string missing = "ferry_no_such_db_" + std::to_string(test_seed());
  const std::string bad_master =
      master_dialect() == Dialect::sqlite
          ? "sqlite://" + (std::filesystem::temp_directory_path() / missing / "x.db").string()
          : with_database(m_master_db->url(), missing);
  const std::string to = " --to " + quoted(m_tenant_db->url()) + " --tables regions,sites";
  for (const std::string command : {"data sync", "data diff"}) {
    const CommandOutput out = ferry(command + " --from " + quoted(bad_master) + to);
    EXPECT_EQ(out.exit_code, 2) << command << ":\n" << out.output;
    EXPECT_NE(out.output.find(missing), std::string::npos) << command << ":\n" << out.output;
  }
  const CommandOutput unknown = ferry(sync_args("regions,no_such_table"));
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_NE(unknown.output.find("no_such_table is not on the master"), std::string::npos)
      << unknown.output;
  EXPECT_TRUE(dump_regions(*m_tenant).empty()) << "nothing may be written";
}

// SQLite lets a primary key column not declared NOT NULL hold NULL. No key range holds such a
// row, so a sync that read by ranges would pass it over: the table is refused instead, on
// either side, and nothing is written to it.
TEST(DataSyncNullKeys, SqliteRowsWithANullKeyAreRefusedOnEitherSide) {
  const std::string create = "CREATE TABLE codes (code varchar(20) PRIMARY KEY, v integer)";
  std::string rows;
  for (int i = 0; i < 300; ++i)
    rows += (rows.empty() ? "" : ", ") + ("('c" + std::to_string(1000 + i) + "', ") +
            std::to_string(i) + ")";
  const std::string insert = "INSERT INTO codes (code, v) VALUES " + rows;
  struct Case {
    Dialect master, tenant;
    bool null_on_master;
  };
  for (const Case& c : {Case{Dialect::postgres, Dialect::sqlite, false},
                        Case{Dialect::sqlite, Dialect::sqlite, false},
                        Case{Dialect::sqlite, Dialect::postgres, true}}) {
    SCOPED_TRACE(std::string(to_string(c.master)) + " -> " + to_string(c.tenant));
    TempDatabase master(c.master), tenant(c.tenant);
    master.connect()->execute({create, insert});
    tenant.connect()->execute({create, "INSERT INTO codes (code, v) VALUES ('c1005', 77)"});
    (c.null_on_master ? master : tenant)
        .connect()
        ->execute({"INSERT INTO codes (code, v) VALUES (NULL, 1)"});
    const CommandOutput out = ferry("data sync --from " + quoted(master.url()) + " --to " +
                                    quoted(tenant.url()) + " --tables codes --chunk-rows 100");
    EXPECT_EQ(out.exit_code, 1) << out.output;
    EXPECT_NE(out.output.find("1 row(s) with NULL in its primary key (code)"), std::string::npos)
        << out.output;
    const auto left = tenant.connect()->query("SELECT count(*), sum(v) FROM codes");
    EXPECT_EQ(left.at(0).at(0), c.null_on_master ? "1" : "2") << "nothing may be written";
    EXPECT_EQ(left.at(0).at(1), c.null_on_master ? "77" : "78");
  }
}

INSTANTIATE_TEST_SUITE_P(Pairs, DataSync, ::testing::ValuesIn(k_pairs),
                         [](const auto& info) { return pair_name(info.param); });

}  // namespace
}  // namespace ferry::test::data
