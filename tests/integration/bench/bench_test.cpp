// ferry bench link|db|push|sync against loopback servers, local: and ssh:// nodes (a real
// sshd on 127.0.0.1): each runs, its JSON has the documented fields with sane values, and
// nothing is left behind where nothing may be written.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "../push/push_support.hpp"
#include "ferry/common/shell.hpp"
#include "test_env.hpp"

namespace ferry::test {
namespace {

// Every entry below `root`, with its size, for before/after comparisons.
std::set<std::string> listing(const fs::path& root) {
  std::set<std::string> out;
  if (!fs::exists(root))
    return out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    out.insert(e.path().lexically_relative(root).string() + " " +
               (e.is_regular_file() ? std::to_string(e.file_size()) : std::string("dir")));
  }
  return out;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The chart is well-formed XML with an <svg> root; the data-label of each bar of `series`.
std::vector<std::string> bars_of(const fs::path& svg, const std::string& series) {
  const std::string check =
      "python3 -c 'import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); "
      "sys.exit(d.documentElement.tagName != \"svg\")' " +
      shell_quote(svg.string());
  EXPECT_EQ(std::system(check.c_str()), 0) << read_file(svg);
  std::vector<std::string> labels;
  const std::string text = read_file(svg);
  const std::string marker = "<rect class=\"bar\" data-label=\"";
  for (std::size_t at = text.find(marker); at != std::string::npos;
       at = text.find(marker, at + 1)) {
    const std::size_t start = at + marker.size();
    const std::string label = text.substr(start, text.find('"', start) - start);
    if (text.find("data-series=\"" + series + "\"", start) == text.find("data-series=", start))
      labels.push_back(label);
  }
  return labels;
}

std::vector<std::string> table_names(const TempDatabase& db) {
  std::vector<std::string> names;
  for (const auto& t : db.connect()->introspect().tables)
    names.push_back(t.qualified_name());
  return names;
}

void fill(connectors::Connector& db, const std::string& table, int rows, int changed_from = 0) {
  std::string sql = "INSERT INTO " + table + " (id, name, amount) VALUES ";
  for (int i = 1; i <= rows; ++i) {
    const bool changed = changed_from > 0 && i >= changed_from;
    sql += (i > 1 ? "," : "") + std::string("(") + std::to_string(i) + ", '" +
           (changed ? "changed " : "name ") + std::to_string(i) + "', " + std::to_string(i) +
           ".25)";
  }
  db.execute({sql});
}

// `items` has a primary key, `notes` none (read whole, hashed on the server without a key).
void make_tables(connectors::Connector& db, int rows) {
  db.execute(
      {"CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(40), amount "
       "NUMERIC(10,2))",
       "CREATE TABLE notes (id INTEGER, name VARCHAR(40), amount NUMERIC(10,2))"});
  fill(db, "items", rows);
  fill(db, "notes", rows / 2);
}

TEST(BenchLink, LocalAndSshNodesAreMeasuredAndKeepNothing) {
  TempDir work;
  const fs::path a = fs::path(work.path()) / "node-a", b = fs::path(work.path()) / "node-b";
  fs::create_directories(a / "releases/r1");
  write_text(a / "releases/r1/file", "kept as it is\n");
  const auto before = listing(a);
  const fs::path svg = fs::path(work.path()) / "link.svg";
  const auto run =
      ferry("bench link local:" + a.string() + " " + ssh_target(b) +
            " --size 4 --max-streams 4 --json --plot " + svg.string() + " " + ssh_args());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const auto report = run.json();
  EXPECT_EQ(report["size_bytes"], 4u << 20);
  ASSERT_EQ(report["targets"].size(), 2u);
  EXPECT_EQ(report["targets"][0]["target"], "local:" + a.string());
  for (const auto& t : report["targets"]) {
    EXPECT_EQ(t["status"], "ok") << t.dump();
    EXPECT_GT(t["connect_seconds"].get<double>(), 0);
    EXPECT_GT(t["rtt_ms"].get<double>(), 0);
    EXPECT_GT(t["raw_bytes_per_second"].get<double>(), 0);
    EXPECT_GT(t["zstd_bytes_per_second"].get<double>(), 0);
    EXPECT_GT(t["zstd_wire_bytes_per_second"].get<double>(), 0);
    EXPECT_GT(t["zstd_ratio"].get<double>(), 0);
    EXPECT_LT(t["zstd_ratio"].get<double>(), 0.5);  // text-like data
    ASSERT_GE(t["streams"].size(), 2u);
    EXPECT_EQ(t["streams"][0]["streams"], 1);
    EXPECT_EQ(t["streams"][1]["streams"], 2);
    for (const auto& s : t["streams"])
      EXPECT_GT(s["bytes_per_second"].get<double>(), 0);
    EXPECT_GE(t["streams_to_saturate"].get<int>(), 1);
    EXPECT_LE(t["streams_to_saturate"].get<int>(), 4);
    // Random bytes travel as they are, so they cannot get through the link much slower than
    // the compressed text-like bytes do on the wire. Timing a cold ssh connection (sshd still
    // growing its channel buffer) made raw look 10x slower than zstd here.
    EXPECT_GE(t["raw_bytes_per_second"].get<double>(),
              0.5 * t["zstd_wire_bytes_per_second"].get<double>())
        << t.dump();
  }
  EXPECT_EQ(listing(a), before);
  EXPECT_FALSE(fs::exists(b));
  const auto bars = bars_of(svg, "raw");
  ASSERT_EQ(bars.size(), 2u);
  EXPECT_EQ(bars[0], "local:" + a.string());
  EXPECT_EQ(bars_of(svg, "zstd").size(), 2u);
}

TEST(BenchLink, BadTargetsAndUnreachableNodesFailClearly) {
  auto run = ferry("bench link http://example.com/x");
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_NE(run.err.find("unknown scheme"), std::string::npos) << run.err;

  run = ferry("bench link local:relative/path");
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("absolute"), std::string::npos) << run.err;

  TempDir work;
  // Nothing listens on port 1 of loopback.
  run = ferry(
      "bench link ssh://nobody@127.0.0.1:1/srv --size 1 --json --ssh "
      "'ssh -o BatchMode=yes -o ConnectTimeout=5'");
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  const auto report = run.json();
  ASSERT_EQ(report["targets"].size(), 1u);
  EXPECT_EQ(report["targets"][0]["status"], "failed");
  EXPECT_FALSE(report["targets"][0]["error"].get<std::string>().empty());

  // One good, one bad: exit 4.
  run = ferry("bench link local:" + work.path() + "/n ssh://nobody@127.0.0.1:1/srv --size 1 " +
              "--max-streams 1 --ssh 'ssh -o BatchMode=yes -o ConnectTimeout=5'");
  EXPECT_EQ(run.exit_code, 4) << run.out << run.err;
  EXPECT_NE(run.out.find("failed"), std::string::npos) << run.out;
}

class BenchDb : public ::testing::TestWithParam<Dialect> {};

TEST_P(BenchDb, ReadsAndHashesEveryRowAndWritesOnlyWithWrite) {
  TempDatabase db(GetParam());
  make_tables(*db.connect(), 600);
  const auto before = table_names(db);
  TempDir work;
  const fs::path svg = fs::path(work.path()) / "db.svg";

  auto run = ferry("bench db " + shell_quote(db.url()) + " --json --plot " + svg.string());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto report = run.json();
  EXPECT_EQ(report["dialect"], to_string(GetParam()));
  EXPECT_FALSE(report["write"].get<bool>());
  EXPECT_FALSE(report.contains("scratch_table"));
  ASSERT_EQ(report["tables"].size(), 2u) << report.dump(2);
  const bool server = GetParam() != Dialect::sqlite;
  EXPECT_EQ(report["server_hashing"].get<bool>(), server);
  for (const auto& t : report["tables"]) {
    const std::uint64_t rows = t["table"].get<std::string>().ends_with("items") ? 600 : 300;
    EXPECT_EQ(t["status"], "ok") << t.dump();
    EXPECT_EQ(t["rows"], rows) << t.dump();
    EXPECT_GT(t["bytes"].get<std::uint64_t>(), rows * 8);
    EXPECT_GT(t["read_rows_per_second"].get<double>(), 0);
    EXPECT_GT(t["read_bytes_per_second"].get<double>(), 0);
    EXPECT_GT(t["hash_rows_per_second"].get<double>(), 0);
    EXPECT_GT(t["hash_bytes_per_second"].get<double>(), 0);
    if (server) {
      EXPECT_EQ(t["server_hash_rows"], rows) << t.dump();
      EXPECT_GT(t["server_hash_rows_per_second"].get<double>(), 0);
    } else {
      EXPECT_TRUE(t["server_hash_seconds"].is_null());
    }
    EXPECT_FALSE(t.contains("write_rows"));
  }
  EXPECT_EQ(table_names(db), before);
  EXPECT_EQ(bars_of(svg, "read").size(), 2u);

  run = ferry("bench db " + shell_quote(db.url()) + " --tables items --write --json");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  report = run.json();
  EXPECT_TRUE(report["scratch_table"].get<std::string>().starts_with("ferry_bench_scratch_"));
  ASSERT_EQ(report["tables"].size(), 1u);
  const auto& items = report["tables"][0];
  EXPECT_EQ(items["rows"], 600);
  EXPECT_EQ(items["write_rows"], 600);
  EXPECT_GT(items["write_rows_per_second"].get<double>(), 0);
  EXPECT_GT(items["write_bytes_per_second"].get<double>(), 0);
  EXPECT_EQ(table_names(db), before);

  run = ferry("bench db " + shell_quote(db.url()) + " --tables no_such_table");
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_NE(run.err.find("no_such_table"), std::string::npos) << run.err;
}

INSTANTIATE_TEST_SUITE_P(Dialects, BenchDb,
                         ::testing::Values(Dialect::sqlite, Dialect::postgres, Dialect::mysql),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(BenchDbErrors, PasswordsAreNeverPrinted) {
  TempDatabase db(Dialect::postgres);
  const Endpoint endpoint = db.endpoint();
  ASSERT_FALSE(endpoint.password.empty());
  const std::string secret = endpoint.password.reveal();
  auto run = ferry("bench db " + shell_quote(db.url()) + " --json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ((run.out + run.err).find(secret), std::string::npos);
  EXPECT_NE(run.out.find(":***@"), std::string::npos) << run.out;
  // Unreachable: exit 2, the URL masked.
  run = ferry("bench db 'postgres://ferry:" + secret + "@127.0.0.1:1/x?connect_timeout=2'");
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_EQ((run.out + run.err).find(secret), std::string::npos) << run.err;
}

TEST(BenchPush, RatesOfTheTreeAndAnEstimatePerNodeWithNothingWritten) {
  TempDir work;
  const fs::path src = fs::path(work.path()) / "src";
  make_sample_tree(src);
  std::string text;
  for (int i = 0; i < 20000; ++i)
    text += "line " + std::to_string(i) + " of a log that compresses well\n";
  write_text(src / "app.log", text);
  const fs::path a = fs::path(work.path()) / "node-a", b = fs::path(work.path()) / "node-b";
  const fs::path svg = fs::path(work.path()) / "push.svg";

  auto run = ferry("bench push " + src.string() + " --json");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto report = run.json();
  EXPECT_EQ(report["files"], 8);
  EXPECT_GT(report["bytes"].get<std::uint64_t>(), 3u << 20);
  EXPECT_GT(report["chunks"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(report["sample_bytes"], report["bytes"]);
  for (const char* key :
       {"scan_bytes_per_second", "chunk_bytes_per_second", "compress_bytes_per_second"})
    EXPECT_GT(report[key].get<double>(), 0) << key;
  EXPECT_GT(report["compress_ratio"].get<double>(), 0);
  EXPECT_LT(report["compress_ratio"].get<double>(), 1.0);
  EXPECT_TRUE(report["nodes"].empty());

  run = ferry("bench push " + src.string() + " --to local:" + a.string() + " " + ssh_target(b) +
              " --size 2 --json --plot " + svg.string() + " " + ssh_args());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  report = run.json();
  ASSERT_EQ(report["nodes"].size(), 2u);
  for (const auto& n : report["nodes"]) {
    EXPECT_EQ(n["status"], "ok") << n.dump();
    EXPECT_GT(n["need_bytes"].get<std::uint64_t>(), 3u << 20);
    EXPECT_LE(n["need_bytes"], report["bytes"]);
    EXPECT_GT(n["need_chunks"].get<std::uint64_t>(), 0u);
    EXPECT_GT(n["wire_bytes"].get<std::uint64_t>(), 0u);
    EXPECT_LT(n["wire_bytes"], n["need_bytes"]);
    EXPECT_GT(n["raw_bytes_per_second"].get<double>(), 0);
    EXPECT_GT(n["estimated_seconds"].get<double>(), 0);
  }
  EXPECT_FALSE(fs::exists(a));
  EXPECT_FALSE(fs::exists(b));
  EXPECT_EQ(bars_of(svg, "rate").size(), 5u);  // scan, chunk, compress and the two nodes

  run = ferry("bench push " + work.path() + "/missing");
  EXPECT_EQ(run.exit_code, 2) << run.err;
}

class BenchSync : public ::testing::TestWithParam<Dialect> {};

TEST_P(BenchSync, DiffAgainstFullReadAndSyncOnlyWithWrite) {
  TempDatabase master(GetParam()), tenant(GetParam());
  make_tables(*master.connect(), 1000);
  {
    auto t = tenant.connect();
    t->execute(
        {"CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(40), amount "
         "NUMERIC(10,2))"});
    fill(*t, "items", 1000, 991);  // ten rows differ
  }
  TempDir work;
  const fs::path svg = fs::path(work.path()) / "sync.svg";
  const std::string urls = shell_quote(master.url()) + " " + shell_quote(tenant.url());

  auto run = ferry("bench sync " + urls + " --tables items --json --plot " + svg.string());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto report = run.json();
  EXPECT_FALSE(report["write"].get<bool>());
  EXPECT_EQ(report["full_read_rows"], 1000);
  EXPECT_GT(report["full_read_bytes"].get<std::uint64_t>(), 1000u * 8);
  EXPECT_GT(report["diff_seconds"].get<double>(), 0);
  EXPECT_GT(report["ratio"].get<double>(), 0);
  EXPECT_EQ(report["changes"], 10);
  EXPECT_EQ(report["rows_compared"], 1000);
  ASSERT_EQ(report["tables"].size(), 1u);
  EXPECT_EQ(report["tables"][0]["rows"], 1000);
  // The full read counts connecting to the master and reading its catalog, as the diff's
  // time does, so it is more than the table's read alone.
  EXPECT_GT(report["full_read_seconds"].get<double>(),
            report["tables"][0]["read_seconds"].get<double>());
  EXPECT_GT(report["tables"][0]["read_rows_per_second"].get<double>(), 0);
  EXPECT_GT(report["tables"][0]["diff_rows_per_second"].get<double>(), 0);
  EXPECT_EQ(bars_of(svg, "data diff").size(), 1u);

  // Read-only: the tenant still differs.
  run = ferry("data diff --from " + shell_quote(master.url()) + " --to " +
              shell_quote(tenant.url()) + " --tables items");
  EXPECT_EQ(run.exit_code, 3) << run.out << run.err;

  run = ferry("bench sync " + urls + " --tables items --write --json");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  report = run.json();
  EXPECT_EQ(report["synced_changes"], 10);
  EXPECT_GT(report["sync_seconds"].get<double>(), 0);
  run = ferry("data diff --from " + shell_quote(master.url()) + " --to " +
              shell_quote(tenant.url()) + " --tables items");
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;

  run = ferry("bench sync " + urls + " --tables nope");
  EXPECT_EQ(run.exit_code, 2) << run.err;
}

INSTANTIATE_TEST_SUITE_P(Dialects, BenchSync, ::testing::Values(Dialect::sqlite, Dialect::postgres),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace ferry::test
