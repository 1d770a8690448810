// ferry data sync of a large table into an empty tenant: the rows to write are applied in
// batches as they are found, so the process's peak memory stays far below the table's size,
// and the tenant ends up equal to the master by an aggregate of the servers' own.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "data_sync_support.hpp"

namespace ferry::test::data {
namespace {

// About 1 KiB a row: 300,000 rows are about 300 MiB of data, which a sync that held every row
// to write would hold at once.
constexpr std::size_t k_rows = 300'000;
constexpr long k_peak_limit_kib = 150 * 1024;

const char* const k_table =
    "CREATE TABLE wide (id bigint PRIMARY KEY, a text NOT NULL, b text, n integer)";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The process's peak resident set (VmHWM) in KiB, or -1 once it is gone.
long peak_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmHWM:"))
      return std::stol(line.substr(6));
  }
  return -1;
}

// Row count and a digest of every row's text, in key order, computed by the server.
std::string fingerprint(connectors::Connector& db) {
  const auto rows = db.query(
      "SELECT count(*), md5(string_agg(md5(w::text), '' ORDER BY id)), sum(n) FROM wide w");
  std::string out;
  for (const auto& field : rows.at(0))
    out += field.value_or("NULL") + " ";
  return out;
}

TEST(DataSyncMemory, LargeFirstLoadIsAppliedInBatchesWithBoundedMemory) {
  TempDatabase master_db(Dialect::postgres);
  TempDatabase tenant_db(Dialect::postgres);
  auto master = master_db.connect();
  auto tenant = tenant_db.connect();
  master->execute({k_table,
                   "INSERT INTO wide (id, a, b, n) SELECT g, repeat(md5(g::text), 16), "
                   "CASE WHEN g % 7 = 0 THEN NULL ELSE repeat(md5((g * 31)::text), 16) END, "
                   "g % 1000 FROM generate_series(1, " +
                       std::to_string(k_rows) + ") g"});
  tenant->execute({k_table});

  TempDir dir;
  const std::string log = dir.path() + "/ferry.out";
  long peak = -1;
  int status = -1;
  {
    FerryProcess child(
        {"data", "sync", "--from", master_db.url(), "--to", tenant_db.url(), "--tables", "wide"},
        log);
    ASSERT_GT(child.pid(), 0);
    // VmHWM only grows: the last reading before the process exits is its peak.
    while (child.running()) {
      const long now = peak_kib(child.pid());
      peak = std::max(peak, now);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    status = child.wait();
  }
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_text(log);
  EXPECT_EQ(fingerprint(*tenant), fingerprint(*master));
  ASSERT_GT(peak, 0) << "the sync's memory could not be read";
  EXPECT_LT(peak, k_peak_limit_kib) << "peak RSS of the sync: " << peak / 1024 << " MiB";
  std::fprintf(stderr, "peak RSS of a %zu-row sync: %ld MiB\n", k_rows, peak / 1024);

  // A second run finds nothing to do.
  const CommandOutput again = ferry("data diff --from " + quoted(master_db.url()) + " --to " +
                                    quoted(tenant_db.url()) + " --tables wide");
  EXPECT_EQ(again.exit_code, 0) << again.output;
}

}  // namespace
}  // namespace ferry::test::data
