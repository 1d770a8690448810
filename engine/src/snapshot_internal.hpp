// Internal: what snapshot create, restore, copy and verify share.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "ferry/common/safe_fs.hpp"
#include "ferry/connectors/connector.hpp"
#include "ferry/engine/snapshot.hpp"

namespace ferry::engine {

// Error(usage) unless `name` is letters, digits, '-', '_' and '.' (not first).
void check_snapshot_name(const std::string& name);
std::filesystem::path manifest_path(const std::filesystem::path& store, const std::string& name);
void write_manifest(const std::filesystem::path& store, const SnapshotManifest& manifest);

// Held while a create writes chunks (shared) or a prune removes them (exclusive), so a prune
// never removes a chunk that a create in progress has just found or written.
class StoreLock {
 public:
  StoreLock(const std::filesystem::path& store, bool exclusive);

 private:
  Fd m_fd;
};

// A part holds about this many rows: big enough that a part's commit costs nothing, small
// enough that one big table keeps every worker busy and a resume redoes little.
inline constexpr std::uint64_t k_part_rows = 250'000;

// The key ranges a table is read in: one part, or (a table with an integer key of more than
// k_part_rows rows by the statistics) ranges of equal key width between its smallest and
// largest key. The first and last ranges are open, so rows added meanwhile are never missed.
std::vector<schema::KeyRange> plan_parts(connectors::Connector& db, const schema::Table& table);

// Chunk sizes of snapshot rows: a push's, so a key range of changed rows changes few bytes
// of the store (1 % of pgbench's rows in one range: under 2 % of the bytes stored again;
// 256 KiB chunks stored 6.5 %).
inline constexpr transfer::ChunkerParams k_row_chunks{
    .min_size = 16 << 10, .avg_size = 64 << 10, .max_size = 256 << 10};

// The columns a snapshot or copy carries: all, in table order. Generated ones are carried
// for verification and for targets where they become plain columns (across dialects); a
// target computes its own generated columns.
std::vector<std::string> carried_columns(const schema::Table& table);

// `out` = the columns `picked` (indexes into `in`'s columns) of every row of `in`.
void project(const schema::RowBatch& in, const std::vector<std::size_t>& picked,
             schema::RowBatch& out);

// Reads one part of `table` (its rows in `range`; a table without a key whole) and calls
// `sink` with batches of the `columns` only. Memory: one batch of at most 8 MiB of values.
void read_part(connectors::Connector& db, const schema::Table& table,
               const std::vector<std::string>& columns, const schema::KeyRange& range,
               const std::function<void(const schema::RowBatch&)>& sink);

// Adds every row of `batch` to `summary`.
void summarize(const schema::RowBatch& batch, diff::Summary& summary);

// A source read in one snapshot: its sessions (one per worker where they can share the
// snapshot; else one, and `why_not` says why), its catalog, log position and counters, all
// read in that snapshot.
struct SourceRead {
  connectors::SnapshotSessions sessions;
  std::string why_not;
  schema::Catalog catalog;
  std::optional<std::string> position;
  std::vector<connectors::Counter> counters;
  void close();  // ends every session's consistent read
};
SourceRead open_source(const Endpoint& source, int jobs);

// Runs work(item, worker) for the items of `order`, in that order, on `workers` workers
// (worker in [0, workers)). The first failure stops the others after their current item and
// is rethrown.
void run_items(std::size_t workers, const std::vector<std::size_t>& order,
               const std::function<void(std::size_t item, std::size_t worker)>& work);

// The table of `catalog` that holds the rows of the table `name` of a catalog of dialect
// `from`: the same qualified name, or across dialects the same name (schemas differ there).
const schema::Table* find_carried_table(const schema::Catalog& catalog, const std::string& name,
                                        Dialect from);

// The counters of `counters` that belong to a table or sequence of `catalog`.
std::vector<connectors::Counter> counters_of(const schema::Catalog& catalog,
                                             std::vector<connectors::Counter> counters);

// The ferry table in a target that records a load's committed parts, dropped at its end.
inline constexpr const char* k_load_journal = "ferry_load_journal";

}  // namespace ferry::engine
