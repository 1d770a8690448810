// ferry snapshot create/restore/verify/list/show/prune and ferry copy on one engine: a round
// trip of every column type, keyless duplicates, 16 MiB values and every kind of object
// (docs/snapshots.md); the refusals of a restore; incremental snapshots of pgbench data with
// prune and a damaged chunk; verify --against. Every check reads the databases through the
// servers' own dump tools, ordered dumps and SQL aggregates (snapshot_support.hpp), never
// through ferry's checksums alone.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/engine/snapshot.hpp"
#include "snapshot_support.hpp"

namespace ferry::test::snap {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string no_key_aggregate(connectors::Connector& db) {
  std::string sql;
  switch (db.dialect()) {
    case Dialect::postgres:
      sql =
          "SELECT count(*), count(a), count(b), sum(hashtext(coalesce(a::text, '~') || '|' || "
          "coalesce(b, '~'))::bigint) FROM no_key";
      break;
    case Dialect::mysql:
      sql =
          "SELECT COUNT(*), COUNT(a), COUNT(b), SUM(CRC32(CONCAT(COALESCE(a, '~'), '|', "
          "COALESCE(b, '~')))) FROM no_key";
      break;
    case Dialect::sqlite:
      sql =
          "SELECT count(*), count(a), count(b), sum(coalesce(a, 1000) * 7919 + "
          "coalesce(length(b), 77) * 104729 + coalesce(unicode(b), 5)) FROM no_key";
      break;
  }
  const std::vector<connectors::TextRow> rows = db.query(sql);
  std::string out;
  for (const auto& v : rows.at(0))
    out += v.value_or("NULL") + " ";
  return out;
}

std::string fnv1a(const std::optional<std::string>& value) {
  if (!value)
    return "NULL";
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char c : *value) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return std::to_string(h);
}

// Per row of big: its id, and the byte length and a hash of each value: md5 by the server
// (PostgreSQL, MariaDB), else FNV-1a computed here.
std::vector<std::string> big_summary(connectors::Connector& db) {
  std::string sql;
  switch (db.dialect()) {
    case Dialect::postgres:
      sql = "SELECT id, octet_length(body), octet_length(data), md5(body), md5(data) FROM big";
      break;
    case Dialect::mysql:
      sql = "SELECT id, LENGTH(body), LENGTH(data), MD5(body), MD5(data) FROM big";
      break;
    case Dialect::sqlite:
      sql =
          "SELECT id, length(CAST(body AS BLOB)), length(data), typeof(body), typeof(data), "
          "body, data FROM big";
      break;
  }
  std::vector<std::string> out;
  for (const auto& row : db.query(sql + " ORDER BY id")) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i)
      line += (i < 5 ? row[i].value_or("NULL") : fnv1a(row[i])) + " ";
    out.push_back(line);
  }
  return out;
}

// What the objects that the structure dumps show do in the target: the unique, the check and
// the foreign key refuse, the view reads, the trigger fires, the function and the generated
// column compute. Changes the target.
void expect_objects_work(connectors::Connector& db) {
  const Dialect d = db.dialect();
  EXPECT_THROW(db.execute({"INSERT INTO all_types (v) VALUES ('v-a')"}), Error) << "unique";
  EXPECT_THROW(db.execute({"INSERT INTO all_types (s) VALUES (12345)"}), Error) << "check";
  EXPECT_THROW(db.execute({"INSERT INTO child (id, parent_id) VALUES (100, 999)"}), Error)
      << "foreign key";
  EXPECT_EQ(db.query("SELECT name FROM child_notes ORDER BY id"),
            (std::vector<connectors::TextRow>{{"p1"}, {"p2 Zürich"}}))
      << "view";
  db.execute({"UPDATE child SET note = 'changed' WHERE id = 3"});
  EXPECT_EQ(db.query("SELECT touched FROM child WHERE id = 3").at(0).at(0), "6") << "trigger";
  if (d == Dialect::mysql) {
    EXPECT_EQ(db.query("SELECT plus_one(41)").at(0).at(0), "42") << "function";
  }
  if (d == Dialect::postgres) {
    EXPECT_EQ(db.query("SELECT twice FROM all_types WHERE id = 1").at(0).at(0), "2.4690")
        << "generated column";
    db.execute({"UPDATE all_types SET num = 2 WHERE id = 1"});
    EXPECT_EQ(db.query("SELECT twice FROM all_types WHERE id = 1").at(0).at(0), "4.0000")
        << "the generated column is computed by the target";
  }
}

// The target equals the source: structure by the server's dump tool, every table's rows by
// an ordered dump, the table without a key by aggregates, the 16 MiB values by their lengths
// and hashes, every counter's next value; then its objects work. Changes both databases
// (nextval, the checks of expect_objects_work).
void expect_equal_databases(const TempDatabase& source, const TempDatabase& target) {
  EXPECT_EQ(structure(target), structure(source));
  const auto s = source.connect();
  const auto t = target.connect();
  EXPECT_EQ(data_differences(*s, *t, {"big"}), "");
  EXPECT_EQ(count_rows(*t, "no_key"), 8);
  EXPECT_EQ(no_key_aggregate(*t), no_key_aggregate(*s));
  EXPECT_EQ(count_rows(*t, "empty_table"), 0);
  EXPECT_EQ(count_rows(*t, "all_types"), k_generated_rows);
  EXPECT_EQ(big_summary(*t), big_summary(*s));
  const auto counters = next_values(*s);
  EXPECT_EQ(next_values(*t), counters);
  EXPECT_EQ(counters.size(), 2u) << "all_types and parent have counters";
  for (const auto& [name, next] : counters) {
    const std::string expected = name.find("all_types") != std::string::npos ? "1001" : "4";
    EXPECT_EQ(next, expected) << name;
  }
  expect_objects_work(*t);
}

class SnapshotRoundTrip : public ::testing::TestWithParam<Dialect> {};

TEST_P(SnapshotRoundTrip, RestoreIntoAnEmptyDatabaseGivesTheSameStructureAndData) {
  const TempDatabase source(GetParam());
  const TempDatabase target(GetParam());
  const TempDir store;
  make_source(*source.connect(), true);
  {
    const auto s = source.connect();
    const std::vector<std::string> big = big_summary(*s);
    ASSERT_EQ(big.size(), 4u);
    EXPECT_TRUE(big[0].starts_with("1 16777216 NULL ")) << big[0];
    EXPECT_TRUE(big[1].starts_with("2 5 16777216 ")) << big[1];
  }

  const CommandOutput created = ferry("snapshot create " + quoted(source.url()) + " --store " +
                                      quoted(store.path()) + " --name full -j 2 --json");
  ASSERT_EQ(created.exit_code, 0) << created.output;
  const json report = json_of(created.output);
  ASSERT_TRUE(report.is_object()) << created.output;
  EXPECT_EQ(report.value("rows", 0), k_generated_rows + 2 + 3 + 8 + 4) << created.output;

  const CommandOutput restored = ferry("snapshot restore full --store " + quoted(store.path()) +
                                       " --to " + quoted(target.url()) + " -j 2");
  ASSERT_EQ(restored.exit_code, 0) << restored.output;
  expect_equal_databases(source, target);
}

TEST_P(SnapshotRoundTrip, CopyIntoAnEmptyDatabaseGivesTheSameStructureAndData) {
  const TempDatabase source(GetParam());
  const TempDatabase target(GetParam());
  make_source(*source.connect(), false);
  const CommandOutput copied = ferry("copy " + quoted(source.url()) + " " + quoted(target.url()));
  ASSERT_EQ(copied.exit_code, 0) << copied.output;
  expect_equal_databases(source, target);
}

INSTANTIATE_TEST_SUITE_P(Engines, SnapshotRoundTrip,
                         ::testing::Values(Dialect::postgres, Dialect::mysql, Dialect::sqlite),
                         [](const auto& info) { return std::string(to_string(info.param)); });

// ---------------------------------------------------------------------------------------
// Refusals.

// A small source: a table of 50 rows.
void make_items(connectors::Connector& db) {
  std::string rows;
  for (int id = 1; id <= 50; ++id)
    rows += (id > 1 ? ", (" : "(") + std::to_string(id) + ", 'item " + std::to_string(id) + "')";
  db.execute({"CREATE TABLE items (id integer NOT NULL PRIMARY KEY, name varchar(50))",
              "INSERT INTO items (id, name) VALUES " + rows});
}

// The target's tables, and each one's rows: what a refused command must leave as it was.
std::string contents(const TempDatabase& db) {
  const auto c = db.connect();
  std::string out;
  for (const std::string& table : tables_of(*c)) {
    out += "table " + table + "\n";
    for (const std::string& row : rows_of(*c, table))
      out += "  " + row + "\n";
  }
  return out;
}

class SnapshotRefusals : public ::testing::TestWithParam<Dialect> {};

TEST_P(SnapshotRefusals, ANonEmptyTargetIsRefusedAndCleanNeedsYes) {
  const TempDatabase source(GetParam());
  const TempDatabase target(GetParam());
  const TempDir store;
  make_items(*source.connect());
  target.connect()->execute({"CREATE TABLE keep_me (id integer, note varchar(20))",
                             "INSERT INTO keep_me (id, note) VALUES (1, 'mine')",
                             "CREATE VIEW keep_view AS SELECT id FROM keep_me"});
  const std::string before_structure = structure(target);
  const std::string before = contents(target);
  ASSERT_EQ(ferry("snapshot create " + quoted(source.url()) + " --store " + quoted(store.path()) +
                  " --name items")
                .exit_code,
            0);
  const std::string restore =
      "snapshot restore items --store " + quoted(store.path()) + " --to " + quoted(target.url());

  const CommandOutput refused = ferry(restore);
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("not empty"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("keep_me"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("--clean"), std::string::npos) << refused.output;
  EXPECT_EQ(contents(target), before) << "a refused restore wrote to the target";
  EXPECT_EQ(structure(target), before_structure);

  const CommandOutput unconfirmed = ferry(restore + " --clean");
  EXPECT_EQ(unconfirmed.exit_code, 2) << unconfirmed.output;
  EXPECT_NE(unconfirmed.output.find("keep_me"), std::string::npos) << unconfirmed.output;
  EXPECT_NE(unconfirmed.output.find("keep_view"), std::string::npos) << unconfirmed.output;
  EXPECT_NE(unconfirmed.output.find("--yes"), std::string::npos) << unconfirmed.output;
  EXPECT_EQ(contents(target), before) << "--clean without --yes dropped something";
  EXPECT_EQ(structure(target), before_structure);

  const CommandOutput cleaned = ferry(restore + " --clean --yes");
  ASSERT_EQ(cleaned.exit_code, 0) << cleaned.output;
  EXPECT_EQ(structure(target), structure(source));
  EXPECT_EQ(contents(target), contents(source));
}

INSTANTIATE_TEST_SUITE_P(Engines, SnapshotRefusals,
                         ::testing::Values(Dialect::postgres, Dialect::mysql, Dialect::sqlite),
                         [](const auto& info) { return std::string(to_string(info.param)); });

// `url` with the password replaced.
std::string with_password(const std::string& url, const std::string& password) {
  const auto at = url.find(k_server_password);
  EXPECT_NE(at, std::string::npos) << "the test servers' URL has no password";
  return at == std::string::npos ? url
                                 : url.substr(0, at) + password +
                                       url.substr(at + std::string(k_server_password).size());
}

TEST(SnapshotErrors, AMissingSnapshotABadStoreAMalformedUrlAndAWrongPasswordAreClearErrors) {
  const TempDatabase source(Dialect::postgres);
  const TempDatabase pg_target(Dialect::postgres);
  const TempDatabase mysql_target(Dialect::mysql);
  const TempDatabase mysql_source(Dialect::mysql);
  const TempDir store;
  const TempDir scratch;
  make_items(*source.connect());
  make_items(*mysql_source.connect());
  ASSERT_EQ(ferry("snapshot create " + quoted(source.url()) + " --store " + quoted(store.path()) +
                  " --name items")
                .exit_code,
            0);
  const std::string wrong = "Wr0ngPassw0rd-4711";
  struct Case {
    std::string what, args, says;
  };
  const std::string missing_store = scratch.path() + "/no/such/store";
  const std::string file_store = scratch.path() + "/a-file";
  std::ofstream(file_store) << "not a store\n";
  const std::vector<Case> cases = {
      {"a missing snapshot",
       "snapshot restore missing --store " + quoted(store.path()) + " --to " +
           quoted(pg_target.url()),
       "no snapshot 'missing'"},
      {"a store that does not exist",
       "snapshot restore items --store " + quoted(missing_store) + " --to " +
           quoted(pg_target.url()),
       missing_store},
      {"a store that is a file",
       "snapshot restore items --store " + quoted(file_store) + " --to " + quoted(pg_target.url()),
       file_store},
      {"a store that cannot be made",
       "snapshot create " + quoted(source.url()) + " --store " + quoted(file_store + "/sub"),
       file_store + "/sub"},
      {"a malformed URL",
       "snapshot restore items --store " + quoted(store.path()) + " --to 'postgres//127.0.0.1/x'",
       "neither a URL"},
      {"a malformed copy target", "copy " + quoted(source.url()) + " 'mysql:/x:y@/'",
       "mysql:/x:y@/"},
      {"a wrong password (PostgreSQL target)",
       "snapshot restore items --store " + quoted(store.path()) + " --to " +
           quoted(with_password(pg_target.url(), wrong)),
       "authentication failed"},
      {"a wrong password (MariaDB target)",
       "snapshot restore items --store " + quoted(store.path()) + " --to " +
           quoted(with_password(mysql_target.url(), wrong)),
       "cannot connect"},
      {"a wrong password (PostgreSQL source)",
       "snapshot create " + quoted(with_password(source.url(), wrong)) + " --store " +
           quoted(store.path()) + " --name other",
       "authentication failed"},
      {"a wrong password (MariaDB copy source)",
       "copy " + quoted(with_password(mysql_source.url(), wrong)) + " " + quoted(pg_target.url()),
       "cannot connect"},
  };
  for (const Case& c : cases) {
    const CommandOutput out = ferry(c.args);
    EXPECT_NE(out.exit_code, 0) << c.what << ":\n" << out.output;
    EXPECT_NE(out.exit_code, -1) << c.what << ": ferry did not exit\n" << out.output;
    EXPECT_TRUE(out.output.starts_with("ferry: error: ")) << c.what << ":\n" << out.output;
    EXPECT_NE(out.output.find(c.says), std::string::npos)
        << c.what << ": the error does not say '" << c.says << "':\n"
        << out.output;
    EXPECT_EQ(out.output.find(wrong), std::string::npos)
        << c.what << ": the wrong password shows:\n"
        << out.output;
    EXPECT_LT(out.output.size(), 2000u) << c.what << ": not a short error:\n" << out.output;
  }
  EXPECT_FALSE(fs::exists(scratch.path() + "/no")) << "a restore made the missing store";
  EXPECT_TRUE(tables_of(*pg_target.connect()).empty());
  EXPECT_TRUE(tables_of(*mysql_target.connect()).empty());
  const CommandOutput list = ferry("snapshot list --store " + quoted(store.path()) + " --json");
  ASSERT_EQ(list.exit_code, 0) << list.output;
  EXPECT_EQ(json_of(list.output).size(), 1u) << list.output;
}

// ---------------------------------------------------------------------------------------
// Incremental snapshots, prune, verify.

std::uint64_t stored_bytes(const CommandOutput& out) {
  const json report = json_of(out.output);
  EXPECT_TRUE(report.is_object() && report.contains("stored_bytes")) << out.output;
  return report.is_object() ? report.value("stored_bytes", std::uint64_t{0}) : 0;
}

std::uintmax_t total_size(const std::vector<fs::path>& files) {
  std::uintmax_t n = 0;
  for (const fs::path& f : files)
    n += fs::file_size(f);
  return n;
}

// The chunk ids a manifest names (snapshot show --json).
std::set<std::string> chunk_ids(const json& manifest) {
  std::set<std::string> out;
  for (const json& t : manifest.at("tables")) {
    for (const json& p : t.at("parts")) {
      for (const json& c : p.at("chunks"))
        out.insert(c.at(0).get<std::string>());
    }
  }
  return out;
}

TEST(SnapshotIncremental, ASecondSnapshotStoresOnlyTheChangedRangeAndPruneKeepsItWhole) {
  const TempDatabase source(Dialect::postgres);
  const TempDatabase restored(Dialect::postgres);
  const TempDir store;
  pgbench_init(source, 2);
  const auto src = source.connect();
  ASSERT_EQ(count_rows(*src, "pgbench_accounts"), 200'000);
  const std::string s = " --store " + quoted(store.path());

  const CommandOutput one =
      ferry("snapshot create " + quoted(source.url()) + s + " --name one --json");
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const std::uint64_t stored_one = stored_bytes(one);
  const std::vector<fs::path> files_one = chunk_files(store.path());
  ASSERT_GT(stored_one, 0u);
  EXPECT_EQ(total_size(files_one), stored_one) << "stored_bytes is not what the chunk files take";

  // 1 % of the rows, one contiguous key range in the middle of the table.
  src->execute(
      {"UPDATE pgbench_accounts SET abalance = abalance + 7 WHERE aid BETWEEN 100001 "
       "AND 102000"});
  const auto changed = pgbench_digest(*src);
  const CommandOutput two =
      ferry("snapshot create " + quoted(source.url()) + s + " --name two --json");
  ASSERT_EQ(two.exit_code, 0) << two.output;
  const std::uint64_t stored_two = stored_bytes(two);
  const std::vector<fs::path> files_two = chunk_files(store.path());
  EXPECT_EQ(total_size(files_two) - total_size(files_one), stored_two)
      << "stored_bytes is not what the new chunk files take";
  EXPECT_LE(stored_two * 100, stored_one * 5)
      << "snapshot two stored " << stored_two << " bytes, snapshot one " << stored_one << " ("
      << 100.0 * static_cast<double>(stored_two) / static_cast<double>(stored_one) << " %); "
      << files_two.size() - files_one.size() << " of " << files_two.size()
      << " chunk files are new";
  const CommandOutput shown = ferry("snapshot show two" + s + " --json");
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  const json manifest = json_of(shown.output);
  EXPECT_EQ(manifest.value("stored_bytes", std::uint64_t{0}), stored_two);

  const CommandOutput pruned = ferry("snapshot prune" + s + " --keep 1 --json");
  ASSERT_EQ(pruned.exit_code, 0) << pruned.output;
  EXPECT_EQ(json_of(pruned.output).value("removed", json::array()), json::array({"one"}))
      << pruned.output;
  const CommandOutput list = ferry("snapshot list" + s + " --json");
  ASSERT_EQ(list.exit_code, 0) << list.output;
  const json listed = json_of(list.output);
  ASSERT_EQ(listed.size(), 1u) << list.output;
  EXPECT_EQ(listed.at(0).value("name", ""), "two");
  EXPECT_NE(ferry("snapshot show one" + s).exit_code, 0) << "snapshot one is still there";
  EXPECT_FALSE(fs::exists(fs::path(store.path()) / "snapshots" / "one.json"));
  // The files left are exactly the chunks snapshot two names.
  std::set<std::string> on_disk;
  for (const fs::path& f : chunk_files(store.path()))
    on_disk.insert(f.stem().string());
  EXPECT_EQ(on_disk, chunk_ids(manifest));

  const CommandOutput verified = ferry("snapshot verify two" + s);
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  const CommandOutput restore =
      ferry("snapshot restore two" + s + " --to " + quoted(restored.url()));
  ASSERT_EQ(restore.exit_code, 0) << restore.output;
  const auto dst = restored.connect();
  EXPECT_EQ(pgbench_digest(*dst), changed);
  // pgbench makes its tables WITH (fillfactor=100): storage parameters are not carried
  // (docs/snapshots.md, "Not handled yet"), so they are left out of the comparison.
  src->execute({"ALTER TABLE pgbench_accounts RESET (fillfactor)",
                "ALTER TABLE pgbench_branches RESET (fillfactor)",
                "ALTER TABLE pgbench_tellers RESET (fillfactor)"});
  EXPECT_EQ(structure(restored), structure(source));

  // verify --against: an equal database passes; one changed row is found, in its table.
  const CommandOutput equal =
      ferry("snapshot verify two" + s + " --against " + quoted(restored.url()));
  EXPECT_EQ(equal.exit_code, 0) << equal.output;
  dst->execute({"UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = 150000"});
  const CommandOutput differs =
      ferry("snapshot verify two" + s + " --against " + quoted(restored.url()));
  EXPECT_EQ(differs.exit_code, 3) << differs.output;
  EXPECT_NE(differs.output.find("pgbench_accounts"), std::string::npos) << differs.output;
  EXPECT_EQ(differs.output.find("pgbench_tellers"), std::string::npos) << differs.output;
  EXPECT_EQ(differs.output.find("pgbench_branches"), std::string::npos) << differs.output;

  // A damaged chunk is named; so is a missing one.
  const std::vector<fs::path> left = chunk_files(store.path());
  ASSERT_GE(left.size(), 2u);
  const fs::path damaged = left[left.size() / 2];
  const std::string original = [&] {
    std::ifstream in(damaged, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }();
  {
    std::fstream f(damaged, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(original.size() / 2));
    f.write("\xde\xad\xbe\xef", 4);
  }
  const CommandOutput broken = ferry("snapshot verify two" + s);
  EXPECT_EQ(broken.exit_code, 1) << broken.output;
  EXPECT_NE(broken.output.find(damaged.stem().string()), std::string::npos)
      << "the damaged chunk is not named:\n"
      << broken.output;
  std::ofstream(damaged, std::ios::binary | std::ios::trunc) << original;
  EXPECT_EQ(ferry("snapshot verify two" + s).exit_code, 0) << "repaired";
  const fs::path gone = left.front();
  fs::remove(gone);
  const CommandOutput missing = ferry("snapshot verify two" + s);
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_NE(missing.output.find(gone.stem().string()), std::string::npos)
      << "the missing chunk is not named:\n"
      << missing.output;
}

}  // namespace
}  // namespace ferry::test::snap
