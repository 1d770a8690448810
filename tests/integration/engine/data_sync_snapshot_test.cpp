// Every master read of one sync sees one snapshot: a master that changes while the run goes
// from tenant to tenant gives all tenants the same data, the data as it was when the run
// began; the next run brings the change to all of them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "data_sync_support.hpp"
#include "ferry/engine/data_sync.hpp"

namespace ferry::test::data {
namespace {

const char* const k_table = "CREATE TABLE ref (id integer PRIMARY KEY, v varchar(200) NOT NULL)";

// Every row, in key order, as the server prints it.
std::vector<connectors::TextRow> dump(connectors::Connector& db) {
  return db.query("SELECT id, v FROM ref ORDER BY id");
}

TEST(DataSyncSnapshot, AJoinedSessionReadsTheExportedSnapshot) {
  TempDatabase db(Dialect::postgres);
  auto writer = db.connect();
  writer->execute({k_table, "INSERT INTO ref VALUES (1, 'before')"});

  auto anchor = db.connect();
  anchor->begin_consistent_read();
  const auto snapshot = anchor->export_snapshot();
  ASSERT_TRUE(snapshot.has_value());
  writer->execute({"UPDATE ref SET v = 'after' WHERE id = 1", "INSERT INTO ref VALUES (2, 'new')"});

  auto joined = db.connect();
  joined->join_snapshot(*snapshot);
  EXPECT_EQ(dump(*joined), dump(*anchor));
  ASSERT_EQ(dump(*joined).size(), 1u);
  EXPECT_EQ(dump(*joined)[0][1], "before");
  joined->end_consistent_read();
  EXPECT_EQ(dump(*joined).size(), 2u) << "after the read ends, the session sees the change";
  anchor->end_consistent_read();

  // Once the exporting read has ended, the snapshot can no longer be joined, and the session
  // is left usable.
  auto late = db.connect();
  EXPECT_THROW(late->join_snapshot(*snapshot), Error);
  EXPECT_EQ(dump(*late).size(), 2u);
  try {
    late->join_snapshot("1'; DROP TABLE ref; --");
    ADD_FAILURE() << "a snapshot name with a quote was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a snapshot name"), std::string::npos) << e.what();
  }
  EXPECT_EQ(dump(*late).size(), 2u);
}

class DataSyncSnapshotRun : public ::testing::TestWithParam<Dialect> {};

TEST_P(DataSyncSnapshotRun, AMasterChangedMidRunReachesNoTenantUntilTheNextRun) {
  const Dialect dialect = GetParam();
  TempDatabase master_db(dialect);
  auto master = master_db.connect();
  master->execute({k_table});
  std::string rows = "INSERT INTO ref VALUES ";
  for (int id = 1; id <= 2000; ++id)
    rows += (id > 1 ? ", (" : "(") + std::to_string(id) + ", 'row " + std::to_string(id) + "')";
  master->execute({rows});
  const auto before = dump(*master);

  std::vector<std::unique_ptr<TempDatabase>> tenant_dbs;
  std::vector<Endpoint> tenants;
  for (int i = 0; i < 3; ++i) {
    tenant_dbs.push_back(std::make_unique<TempDatabase>(dialect));
    tenant_dbs.back()->connect()->execute({k_table});
    tenants.push_back(tenant_dbs.back()->endpoint());
  }

  engine::DataSyncOptions options;
  options.tables = {"ref"};
  options.jobs = 1;
  std::size_t finished = 0;
  auto change_master_once = [&](const engine::TenantDataResult&) {
    if (finished++ > 0)
      return;
    master->execute({"UPDATE ref SET v = CONCAT(v, ' changed') WHERE id % 100 = 0",
                     "DELETE FROM ref WHERE id BETWEEN 500 AND 504",
                     "INSERT INTO ref VALUES (3001, 'late 1'), (3002, 'late 2'), (3003, 'late 3'), "
                     "(3004, 'late 4'), (3005, 'late 5'), (3006, 'late 6'), (3007, 'late 7'), "
                     "(3008, 'late 8'), (3009, 'late 9'), (3010, 'late 10')"});
  };
  const engine::DataSyncReport first =
      engine::sync_data(master_db.endpoint(), tenants, options, change_master_once);
  EXPECT_TRUE(first.shared_snapshot);
  ASSERT_EQ(finished, 3u);
  for (std::size_t i = 0; i < tenants.size(); ++i) {
    EXPECT_EQ(first.tenants[i].status, engine::DataStatus::synced) << first.tenants[i].error;
    EXPECT_EQ(dump(*tenant_dbs[i]->connect()), before) << "tenant " << i;
  }

  const auto after = dump(*master);
  ASSERT_NE(after, before);
  const engine::DataSyncReport second = engine::sync_data(master_db.endpoint(), tenants, options);
  for (std::size_t i = 0; i < tenants.size(); ++i) {
    EXPECT_EQ(second.tenants[i].status, engine::DataStatus::synced) << second.tenants[i].error;
    // 20 updated, but id 500 is among the 5 deleted; 10 inserted.
    EXPECT_EQ(second.tenants[i].changes(), 19u + 5u + 10u);
    EXPECT_EQ(dump(*tenant_dbs[i]->connect()), after) << "tenant " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Masters, DataSyncSnapshotRun,
                         ::testing::Values(Dialect::postgres, Dialect::mysql),
                         [](const auto& info) {
                           return std::string(info.param == Dialect::mysql ? "MariaDB"
                                                                           : "PostgreSQL");
                         });

// A table that fails on the tenant while the master's rows are still streaming (a batch
// written halfway through the comparison breaks the tenant's CHECK constraint) cancels the
// master's read, which aborts the transaction that session reads the snapshot in; the next
// table is still compared and synced, on a session that joined the snapshot afresh.
TEST(DataSyncSnapshot, ATableFailingMidStreamLeavesTheNextTableSyncable) {
  TempDatabase master_db(Dialect::postgres);
  TempDatabase tenant_db(Dialect::postgres);
  master_db.connect()->execute({"CREATE TABLE a (id integer PRIMARY KEY, v integer NOT NULL)",
                                "CREATE TABLE b (id integer PRIMARY KEY, v text NOT NULL)",
                                "INSERT INTO a SELECT g, g FROM generate_series(1, 600000) g",
                                "INSERT INTO b SELECT g, 'b' || g FROM generate_series(1, 100) g"});
  tenant_db.connect()->execute(
      {"CREATE TABLE a (id integer PRIMARY KEY, v integer NOT NULL CHECK (v < 100))",
       "CREATE TABLE b (id integer PRIMARY KEY, v text NOT NULL)"});
  engine::DataSyncOptions options;
  options.tables = {"a", "b"};
  const engine::DataSyncReport report =
      engine::sync_data(master_db.endpoint(), {tenant_db.endpoint()}, options);
  ASSERT_EQ(report.tenants.size(), 1u);
  const engine::TenantDataResult& tenant = report.tenants[0];
  ASSERT_EQ(tenant.tables.size(), 2u);
  EXPECT_EQ(tenant.status, engine::DataStatus::failed);
  EXPECT_NE(tenant.tables[0].error.find("check"), std::string::npos) << tenant.tables[0].error;
  EXPECT_EQ(tenant.tables[1].error, "");
  EXPECT_EQ(tenant.tables[1].inserts, 100u);
  auto tenant_db_conn = tenant_db.connect();
  EXPECT_EQ(tenant_db_conn->query("SELECT count(*), min(v), max(v) FROM b"),
            master_db.connect()->query("SELECT count(*), min(v), max(v) FROM b"));
}

// The master's chunks are read in the background while tenants wait for them: a master read
// that fails (no SELECT on one table) ends the run with that table's error named for every
// tenant, and the tables after it say why they were not read; nobody waits for ever.
TEST(DataSyncSnapshot, AFailedMasterReadEndsEveryTenantsWait) {
  TempDatabase master_db(Dialect::postgres);
  auto admin = master_db.connect();
  const std::string role = "ferry_ro" + std::to_string(::getpid());
  admin->execute({"CREATE TABLE a (id integer PRIMARY KEY, v text NOT NULL)",
                  "CREATE TABLE b (id integer PRIMARY KEY, v text NOT NULL)",
                  "INSERT INTO a VALUES (1, 'one')", "INSERT INTO b VALUES (1, 'one')",
                  "CREATE ROLE " + role + " LOGIN PASSWORD 'pw-" + role + "'",
                  "GRANT SELECT ON b TO " + role});
  Endpoint limited = master_db.endpoint();
  limited.user = role;
  limited.password = Secret("pw-" + role);
  std::vector<std::unique_ptr<TempDatabase>> tenant_dbs;
  std::vector<Endpoint> tenants;
  for (int i = 0; i < 3; ++i) {
    tenant_dbs.push_back(std::make_unique<TempDatabase>(Dialect::sqlite));
    tenant_dbs.back()->connect()->execute(
        {"CREATE TABLE a (id integer PRIMARY KEY, v text NOT NULL)",
         "CREATE TABLE b (id integer PRIMARY KEY, v text NOT NULL)"});
    tenants.push_back(tenant_dbs.back()->endpoint());
  }
  // One tenant at a time, the later tenants need master sessions opened after the failure:
  // they join the run's snapshot all the same.
  for (const int jobs : {4, 1}) {
    engine::DataSyncOptions options;
    options.tables = {"a", "b"};
    options.jobs = jobs;
    const engine::DataSyncReport report = engine::sync_data(limited, tenants, options);
    ASSERT_EQ(report.tenants.size(), 3u);
    for (const engine::TenantDataResult& t : report.tenants) {
      EXPECT_EQ(t.status, engine::DataStatus::failed);
      ASSERT_EQ(t.tables.size(), 2u) << "-j " << jobs << ": " << t.error;
      EXPECT_NE(t.tables[0].error.find("permission denied"), std::string::npos)
          << "-j " << jobs << ": " << t.tables[0].error;
      EXPECT_NE(t.tables[1].error.find("reading table public.a failed first"), std::string::npos)
          << "-j " << jobs << ": " << t.tables[1].error;
      EXPECT_EQ(t.error, "") << "-j " << jobs;
    }
  }
  admin->execute({"DROP OWNED BY " + role, "DROP ROLE " + role});
  EXPECT_EQ(tenant_dbs[0]->connect()->query("SELECT count(*) FROM a").at(0).at(0), "0");
}

// Chunks compared in ferry hold at most about 4 MiB of row data: 40 rows of 512 KiB make
// chunks of 8 rows (and the open last one), so a changed row has 4 MiB read again, not the
// whole 20 MiB chunk that --chunk-rows alone would make.
TEST(DataSyncChunks, WideRowsMakeChunksOfFewerRows) {
  TempDatabase master_db(Dialect::sqlite);
  TempDatabase tenant_db(Dialect::sqlite);
  const char* const table = "CREATE TABLE w (id integer PRIMARY KEY, body text NOT NULL)";
  const std::string rows =
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40) "
      "INSERT INTO w SELECT i, replace(hex(zeroblob(262144)), '0', 'x') FROM n";
  master_db.connect()->execute({table, rows});
  tenant_db.connect()->execute({table, rows, "UPDATE w SET body = 'changed' WHERE id = 21"});
  engine::DataSyncOptions options;
  options.tables = {"w"};
  options.dry_run = true;
  const engine::DataSyncReport report =
      engine::sync_data(master_db.endpoint(), {tenant_db.endpoint()}, options);
  ASSERT_EQ(report.tenants.size(), 1u);
  ASSERT_EQ(report.tenants[0].tables.size(), 1u);
  const engine::TableResult& t = report.tenants[0].tables[0];
  EXPECT_EQ(t.error, "");
  EXPECT_EQ(t.chunks, 6u);
  EXPECT_EQ(t.chunks_differing, 1u);
  EXPECT_EQ(t.updates, 1u);
}

// Without the RELOAD privilege MariaDB cannot hold its commits: the sync still runs, each
// master session in a snapshot of its own, and the report says so.
TEST(DataSyncSnapshot, MariaDbWithoutReloadPrivilegeSyncsInSeparateSnapshots) {
  TempDatabase master_db(Dialect::mysql);
  TempDatabase tenant_a(Dialect::mysql);
  TempDatabase tenant_b(Dialect::mysql);
  auto admin = master_db.connect();
  admin->execute({k_table, "INSERT INTO ref VALUES (1, 'a'), (2, 'b')"});
  tenant_a.connect()->execute({k_table});
  tenant_b.connect()->execute({k_table});
  const std::string user = "ferry_r" + std::to_string(::getpid());
  admin->execute({"CREATE USER '" + user + "'@'%' IDENTIFIED BY 'pw-" + user + "'",
                  "GRANT ALL ON `" + master_db.name() + "`.* TO '" + user + "'@'%'"});
  Endpoint limited = master_db.endpoint();
  limited.user = user;
  limited.password = Secret("pw-" + user);
  engine::DataSyncOptions options;
  options.tables = {"ref"};
  const engine::DataSyncReport report =
      engine::sync_data(limited, {tenant_a.endpoint(), tenant_b.endpoint()}, options);
  admin->execute({"DROP USER '" + user + "'@'%'"});
  EXPECT_FALSE(report.shared_snapshot);
  EXPECT_EQ(engine::to_json(report).at("shared_snapshot"), false);
  ASSERT_EQ(report.tenants.size(), 2u);
  for (const engine::TenantDataResult& t : report.tenants)
    EXPECT_EQ(t.status, engine::DataStatus::synced) << t.error;
  EXPECT_EQ(dump(*tenant_a.connect()), dump(*admin));
  EXPECT_EQ(dump(*tenant_b.connect()), dump(*admin));
}

}  // namespace
}  // namespace ferry::test::data
