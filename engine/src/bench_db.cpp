// ferry bench db: reading, hashing and (with --write) writing rows through a connector.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <numeric>

#include "bench_internal.hpp"
#include "exit_code_of.hpp"
#include "ferry/common/units.hpp"
#include "ferry/diff/row_hash.hpp"
#include "ferry/schema/filter.hpp"
#include "ferry/schema/plan.hpp"
#include "parallel.hpp"

namespace ferry::engine {

std::vector<const schema::Table*> bench_tables(const schema::Catalog& catalog,
                                               const std::vector<std::string>& wanted,
                                               std::string_view where) {
  std::vector<const schema::Table*> out;
  for (const std::string& w : wanted) {
    const bool any = std::any_of(
        catalog.tables.begin(), catalog.tables.end(),
        [&](const schema::Table& t) { return schema::matches_any({w}, t.schema, t.name); });
    if (!any)
      throw Error(ErrorKind::usage, fmt::format("table {} is not on {}", w, where));
  }
  for (const schema::Table& t : catalog.tables) {
    if (wanted.empty() || schema::matches_any(wanted, t.schema, t.name))
      out.push_back(&t);
  }
  return out;
}

TableRead read_table(connectors::Connector& db, const schema::Table& table,
                     const std::function<void(const schema::RowBatch&)>& on_batch) {
  connectors::ReadOptions options;
  options.allow_keyless = table.row_key().empty();
  TableRead read;
  auto start = Clock::now();
  const auto reader = db.read_rows(table, options);
  schema::RowBatch batch(table.columns.size());
  while (reader->next(batch)) {
    read.seconds += seconds_since(start);
    read.rows += batch.rows();
    read.bytes += batch.byte_size();
    if (on_batch)
      on_batch(batch);
    start = Clock::now();
  }
  read.seconds += seconds_since(start);
  return read;
}

namespace {

// A table made like `table` for writes only: its columns as plain columns (no identity,
// default or generated expression, so every value read can be written back), its primary key
// under a name of its own, nothing else.
schema::Table scratch_like(const schema::Table& table, const std::string& name) {
  schema::Table out;
  out.schema = table.schema;
  out.name = name;
  out.columns = table.columns;
  for (schema::Column& c : out.columns) {
    c.default_expr.reset();
    c.identity = schema::Identity::none;
    c.identity_options.reset();
    c.generated_expr.reset();
    c.generated_stored = false;
    c.comment.reset();
    c.inherited = false;
    c.on_update.reset();
  }
  if (table.primary_key) {
    out.primary_key = table.primary_key;
    out.primary_key->name = name + "_pkey";
  }
  out.engine = table.engine;
  out.collation = table.collation;
  out.strict = table.strict;
  return out;
}

std::string quoted_name(const connectors::Connector& db, const schema::Table& table) {
  return table.schema.empty()
             ? db.quote_identifier(table.name)
             : db.quote_identifier(table.schema) + "." + db.quote_identifier(table.name);
}

// The scratch table for one measured table: created on construction, dropped on destruction
// (also when the measurement fails), so --write leaves nothing behind.
class ScratchTable {
 public:
  ScratchTable(connectors::Connector& db, const schema::Catalog& catalog, const schema::Table& like,
               const std::string& name)
      : m_db(db), m_table(scratch_like(like, name)) {
    schema::Catalog base;
    base.dialect = catalog.dialect;
    base.schemas = catalog.schemas;
    base.enums = catalog.enums;
    schema::Catalog wanted = base;
    wanted.tables.push_back(m_table);
    m_db.execute(schema::diff(wanted, base, {}).statements());
  }
  ~ScratchTable() {
    try {
      m_db.execute({"DROP TABLE " + quoted_name(m_db, m_table)});
    } catch (const Error& e) {
      spdlog::error("could not drop the scratch table {}: {} (drop it by hand)",
                    m_table.qualified_name(), e.what());
    }
  }
  ScratchTable(const ScratchTable&) = delete;
  ScratchTable& operator=(const ScratchTable&) = delete;
  const schema::Table& table() const { return m_table; }

 private:
  connectors::Connector& m_db;
  schema::Table m_table;
};

void measure_table(connectors::Connector& db, connectors::Connector* writer,
                   const schema::Catalog& catalog, const schema::Table& table,
                   const std::string& scratch_name, DbTableResult& r) {
  spdlog::info("table {}: reading and hashing", r.table);
  std::vector<schema::RowBatch> kept;
  std::uint64_t kept_bytes = 0;
  diff::Summary summary;
  const TableRead read = read_table(db, table, [&](const schema::RowBatch& batch) {
    const auto start = Clock::now();
    for (std::size_t i = 0; i < batch.rows(); ++i)
      summary.add(diff::hash_row(batch, i));
    r.hash_seconds += seconds_since(start);
    if (writer != nullptr && kept_bytes < k_db_write_sample_bytes) {
      kept.push_back(batch);
      kept_bytes += batch.byte_size();
    }
  });
  r.rows = read.rows;
  r.bytes = read.bytes;
  r.read_seconds = read.seconds;
  if (summary.rows != read.rows)
    throw Error(ErrorKind::failure, "row hashes do not add up to the rows read");
  if (db.server_hashing() != connectors::ServerHashing::none) {
    spdlog::info("table {}: hashing on the server", r.table);
    const auto start = Clock::now();
    const auto server = db.server_summary(table);
    if (server) {
      r.server_hash_seconds = seconds_since(start);
      r.server_hash_rows = server->rows;
    }
  }
  if (writer == nullptr)
    return;
  spdlog::info(
      "table {}: writing {} rows into {}", r.table,
      std::accumulate(kept.begin(), kept.end(), std::uint64_t{0},
                      [](std::uint64_t n, const schema::RowBatch& b) { return n + b.rows(); }),
      scratch_name);
  ScratchTable scratch(*writer, catalog, table, scratch_name);
  const auto start = Clock::now();
  const auto out = writer->write_rows(scratch.table(), {});
  for (const schema::RowBatch& batch : kept) {
    out->write(batch);
    r.write_rows += batch.rows();
    r.write_bytes += batch.byte_size();
  }
  out->commit();
  r.write_seconds = seconds_since(start);
}

}  // namespace

ExitCode DbBenchReport::exit_code() const noexcept {
  std::size_t failed = 0;
  for (const DbTableResult& t : tables)
    failed += t.error.empty() ? 0 : 1;
  return exit_code_of(failed, tables.size());
}

DbBenchReport bench_db(const Endpoint& endpoint, const DbBenchOptions& options) {
  const auto start = Clock::now();
  DbBenchReport report;
  report.endpoint = endpoint.redacted();
  report.write = options.write;
  const auto db = connectors::connect(endpoint);
  report.dialect = to_string(db->dialect());
  report.server_version = db->server_version();
  report.server_hashing = db->server_hashing() != connectors::ServerHashing::none;
  const schema::Catalog catalog = db->introspect();
  const std::vector<const schema::Table*> tables =
      bench_tables(catalog, options.tables, report.endpoint);
  std::unique_ptr<connectors::Connector> writer;
  if (options.write) {
    report.scratch_table = fmt::format("ferry_bench_scratch_{}", ::getpid());
    writer = connectors::connect(endpoint);
  }
  for (const schema::Table* table : tables) {
    DbTableResult r;
    r.table = table->qualified_name();
    try {
      measure_table(*db, writer.get(), catalog, *table, report.scratch_table, r);
    } catch (const Error& e) {
      r.error = e.what();
      spdlog::error("table {}: {}", r.table, r.error);
    }
    report.tables.push_back(std::move(r));
  }
  report.seconds = seconds_since(start);
  return report;
}

}  // namespace ferry::engine
