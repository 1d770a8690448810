// ferry data sync of a large table into an empty tenant, on PostgreSQL and on SQLite: the rows
// to write are applied in batches as they are found, so the process's peak memory stays far
// below the table's size, and the tenant ends up equal to the master, row by row as the
// servers print them.
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

// The rows of both tables that differ, compared range by range as each server prints them
// (the first few named); the count of rows on each side must match too.
std::string row_differences(connectors::Connector& master, connectors::Connector& tenant) {
  constexpr std::size_t k_step = 20'000;
  std::string out;
  std::size_t differing = 0;
  for (std::size_t from = 0; from < k_rows; from += k_step) {
    const std::string sql = "SELECT id, a, b, n FROM wide WHERE id > " + std::to_string(from) +
                            " AND id <= " + std::to_string(from + k_step) + " ORDER BY id";
    const auto expected = master.query(sql);
    const auto actual = tenant.query(sql);
    if (expected.size() != actual.size()) {
      out += "ids " + std::to_string(from + 1) + ".." + std::to_string(from + k_step) + ": " +
             std::to_string(expected.size()) + " rows on the master, " +
             std::to_string(actual.size()) + " on the tenant\n";
      continue;
    }
    for (std::size_t r = 0; r < expected.size(); ++r) {
      if (expected[r] != actual[r] && ++differing <= 5)
        out += "row id " + expected[r][0].value_or("NULL") + " differs\n";
    }
  }
  const auto count = [](connectors::Connector& db) {
    return db.query("SELECT count(*) FROM wide").at(0).at(0).value_or("");
  };
  if (count(master) != count(tenant))
    out += "row counts differ: " + count(master) + " against " + count(tenant) + "\n";
  return differing > 5 ? out + std::to_string(differing) + " rows differ in all\n" : out;
}

class DataSyncMemory : public ::testing::TestWithParam<Dialect> {};

TEST_P(DataSyncMemory, LargeFirstLoadIsAppliedInBatchesWithBoundedMemory) {
  TempDatabase master_db(Dialect::postgres);
  TempDatabase tenant_db(GetParam());
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
  EXPECT_EQ(row_differences(*master, *tenant), "");
  ASSERT_GT(peak, 0) << "the sync's memory could not be read";
  EXPECT_LT(peak, k_peak_limit_kib) << "peak RSS of the sync: " << peak / 1024 << " MiB";
  std::fprintf(stderr, "peak RSS of a %zu-row sync: %ld MiB\n", k_rows, peak / 1024);

  // A second run finds nothing to do.
  const CommandOutput again = ferry("data diff --from " + quoted(master_db.url()) + " --to " +
                                    quoted(tenant_db.url()) + " --tables wide");
  EXPECT_EQ(again.exit_code, 0) << again.output;
}

INSTANTIATE_TEST_SUITE_P(Tenants, DataSyncMemory,
                         ::testing::Values(Dialect::postgres, Dialect::sqlite),
                         [](const auto& info) {
                           return std::string(info.param == Dialect::sqlite ? "SqliteTenant"
                                                                            : "PostgresTenant");
                         });

}  // namespace
}  // namespace ferry::test::data
