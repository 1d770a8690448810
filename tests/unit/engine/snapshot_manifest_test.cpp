// Snapshot manifests: what a store holds about each snapshot survives being written and read
// back, broken manifests are named, and prune keeps exactly the chunks remaining snapshots use.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "ferry/engine/paths.hpp"
#include "ferry/engine/snapshot.hpp"
#include "ferry/schema/catalog_json.hpp"
#include "ferry/transfer/chunk_store.hpp"
#include "test_env.hpp"

namespace ferry::engine {
namespace {

SnapshotManifest sample(const std::string& name, const std::string& created_at,
                        const std::vector<transfer::ChunkId>& chunks) {
  SnapshotManifest m;
  m.name = name;
  m.created_at = created_at;
  m.source = "postgres://app:***@db/shop";
  m.position = "lsn 0/16B3748";
  m.catalog.dialect = Dialect::postgres;
  m.catalog.schemas = {"public"};
  schema::Table t;
  t.schema = "public";
  t.name = "orders";
  t.columns.push_back({.name = "id",
                       .position = 1,
                       .declared_type = "bigint",
                       .type = schema::LogicalType::int64,
                       .nullable = false});
  t.primary_key = schema::PrimaryKey{"orders_pkey", {"id"}};
  m.catalog.tables.push_back(t);
  SnapshotTable table{.table = "public.orders", .columns = {"id"}};
  SnapshotPart first{.range = {{}, {"1000"}}, .rows = 3, .raw_bytes = 30};
  first.summary.rows = 3;
  first.summary.sum = Hash128{7, 9};
  for (const transfer::ChunkId& id : chunks)
    first.chunks.push_back({id, 1, 10});
  table.parts.push_back(first);
  table.parts.push_back(SnapshotPart{.range = {{"1000"}, {}}});
  m.tables.push_back(table);
  m.counters.push_back({.name = "public.orders_id_seq", .table = "public.orders", .next = 42});
  m.stored_bytes = 123;
  return m;
}

TEST(SnapshotManifest, RoundTripsThroughJson) {
  const transfer::ChunkId a = transfer::chunk_id("a", 1), b = transfer::chunk_id("b", 1);
  const SnapshotManifest m = sample("nightly", "2026-12-06T01:00:00Z", {a, b});
  const SnapshotManifest back = snapshot_from_json(nlohmann::json::parse(to_json(m).dump()));
  EXPECT_EQ(to_json(back), to_json(m));
  EXPECT_EQ(back.position, m.position);
  ASSERT_EQ(back.tables.size(), 1u);
  ASSERT_EQ(back.tables[0].parts.size(), 2u);
  EXPECT_EQ(back.tables[0].parts[0].range.up_to, schema::KeyValue{"1000"});
  EXPECT_TRUE(back.tables[0].parts[0].range.after.empty());
  EXPECT_EQ(back.tables[0].parts[0].summary, m.tables[0].parts[0].summary);
  EXPECT_EQ(back.tables[0].parts[0].chunks[1].id, b);
  EXPECT_EQ(back.counters, m.counters);
  EXPECT_EQ(schema::to_json(back.catalog), schema::to_json(m.catalog));
  EXPECT_EQ(back.rows(), 3u);
}

TEST(SnapshotManifest, BrokenManifestsAreNamed) {
  nlohmann::json doc = to_json(sample("x", "2026-12-06T01:00:00Z", {}));
  doc["format"] = "ferry.snapshot/9";
  EXPECT_THROW(snapshot_from_json(doc), Error);
  doc = to_json(sample("x", "2026-12-06T01:00:00Z", {}));
  doc.erase("tables");
  try {
    snapshot_from_json(doc);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("\"tables\""), std::string::npos) << e.what();
  }
}

TEST(SnapshotStore, PruneKeepsEveryChunkARemainingSnapshotUses) {
  const test::TempDir dir;
  const std::filesystem::path store = dir.path();
  const transfer::ChunkStore chunks = transfer::ChunkStore::open(store, true);
  const auto old_only = chunks.put("only in the old snapshot").id;
  const auto shared = chunks.put("in both").id;
  const auto new_only = chunks.put("only in the new snapshot").id;
  const auto orphan = chunks.put("in no snapshot").id;
  write_file_atomically(store / "snapshots" / "old.json",
                        to_json(sample("old", "2026-01-01T00:00:00Z", {old_only, shared})).dump());
  write_file_atomically(store / "snapshots" / "new.json",
                        to_json(sample("new", "2026-12-01T00:00:00Z", {shared, new_only})).dump());
  ASSERT_EQ(list_snapshots(store).size(), 2u);
  EXPECT_EQ(list_snapshots(store).front().name, "old");  // oldest first

  EXPECT_THROW(prune_snapshots(store, {}), Error);  // neither --keep nor --older-than
  const PruneReport dry = prune_snapshots(store, {.keep = 1, .dry_run = true});
  EXPECT_EQ(dry.removed, std::vector<std::string>{"old"});
  EXPECT_TRUE(chunks.contains(old_only));

  const PruneReport report = prune_snapshots(store, {.keep = 1});
  EXPECT_EQ(report.removed, std::vector<std::string>{"old"});
  EXPECT_EQ(report.chunks_removed, 2u);  // old_only and the orphan
  EXPECT_FALSE(chunks.contains(old_only));
  EXPECT_FALSE(chunks.contains(orphan));
  EXPECT_TRUE(chunks.contains(shared));
  EXPECT_TRUE(chunks.contains(new_only));
  ASSERT_EQ(list_snapshots(store).size(), 1u);
  EXPECT_THROW(read_snapshot(store, "old"), Error);

  // --older-than: "new" is days old, so 1000d keeps it and 1d removes it.
  EXPECT_TRUE(prune_snapshots(store, {.older_than = "1000d"}).removed.empty());
  EXPECT_THROW(prune_snapshots(store, {.older_than = "soon"}), Error);
  EXPECT_EQ(prune_snapshots(store, {.older_than = "1d"}).removed, std::vector<std::string>{"new"});
  EXPECT_TRUE(chunks.list().empty());
}

TEST(SnapshotStore, NamesAreCheckedBeforeAnyPathIsBuilt) {
  const test::TempDir dir;
  for (const char* bad : {"../etc/passwd", "a/b", ".hidden", ""})
    EXPECT_THROW(read_snapshot(dir.path(), bad), Error) << bad;
}

}  // namespace
}  // namespace ferry::engine
