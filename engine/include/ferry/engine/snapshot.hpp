// Snapshots and copies (docs/snapshots.md).
//
// A snapshot is a consistent read of a database kept in a snapshot store: its structure (the
// catalog), and per table its parts (key ranges) as content-defined chunks of canonical rows
// in the store's chunk store (transfer/chunk_store.hpp), each part with its row count and
// row-hash summary. A store is a plain directory:
//
//   STORE/snapshots/NAME.json   the manifest, written last (a snapshot without one is not)
//   STORE/chunks/xx/<id>.zst    chunks, shared by every snapshot that holds the same rows
//
// Restore and copy load a database through one pipeline: structure without secondary indexes
// and constraints, the parts in parallel (each part committed with its journal row in a table
// of ferry's own in the target, so --resume skips exactly the parts that committed), then
// indexes in parallel, constraints, triggers, counters, ANALYZE, and a verification of every
// part's summary against the snapshot's (or the source's).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ferry/common/endpoint.hpp"
#include "ferry/common/error.hpp"
#include "ferry/connectors/connector.hpp"
#include "ferry/diff/row_hash.hpp"
#include "ferry/schema/catalog.hpp"
#include "ferry/transfer/chunker.hpp"

namespace ferry::engine {

// One part of a table: the rows with after < key <= up_to (empty bounds are open).
struct SnapshotPart {
  schema::KeyRange range;
  std::uint64_t rows = 0;
  std::uint64_t raw_bytes = 0;  // encoded rows
  diff::Summary summary;
  struct Chunk {
    transfer::ChunkId id;
    std::uint32_t rows = 0;
    std::uint32_t size = 0;  // raw bytes
  };
  std::vector<Chunk> chunks;
};

struct SnapshotTable {
  std::string table;                 // qualified name in the source catalog
  std::vector<std::string> columns;  // the columns stored, in order (generated ones are not)
  std::vector<SnapshotPart> parts;
};

struct SnapshotManifest {
  std::string name;
  std::string created_at;  // ISO 8601 UTC
  std::string source;      // redacted URL
  // Every reader saw one snapshot of the source; else `why_not` says why, and the snapshot was
  // read by one session.
  bool consistent = true;
  std::string why_not;
  std::optional<std::string> position;  // Connector::log_position()
  schema::Catalog catalog;
  std::vector<SnapshotTable> tables;
  std::vector<connectors::Counter> counters;
  std::uint64_t stored_bytes = 0;  // compressed bytes of the chunks this snapshot added
  double seconds = 0;

  std::uint64_t rows() const noexcept;
  std::uint64_t raw_bytes() const noexcept;
  std::size_t chunk_count() const noexcept;
};

nlohmann::json to_json(const SnapshotManifest& manifest);
// Error(failure) naming the key when `doc` is not a snapshot manifest.
SnapshotManifest snapshot_from_json(const nlohmann::json& doc);

// Live counters of a long run, for a progress line; read from any thread.
struct LoadProgress {
  std::atomic<std::uint64_t> parts_total{0};
  std::atomic<std::uint64_t> parts_done{0};
  std::atomic<std::uint64_t> rows{0};
  std::atomic<std::uint64_t> bytes{0};       // raw row bytes moved
  std::atomic<std::uint64_t> rows_total{0};  // estimated
};

struct SnapshotOptions {
  std::string name;                  // default: <database>-<UTC date and time>
  std::vector<std::string> tables;   // glob patterns of tables to take (empty: all)
  std::vector<std::string> exclude;  // glob patterns of tables to leave out
  int jobs = 4;
  int zstd_level = 3;
};

struct SnapshotTableReport {
  std::string table;
  std::uint64_t rows = 0;
  std::uint64_t raw_bytes = 0;
  std::uint64_t stored_bytes = 0;  // new chunk bytes written for it
  std::size_t parts = 0;
  double seconds = 0;
};

struct SnapshotReport {
  SnapshotManifest manifest;
  std::filesystem::path store;
  std::vector<SnapshotTableReport> tables;
  std::size_t chunks_added = 0;
  std::size_t chunks_reused = 0;
};

// Takes a snapshot of `source` into the store at `store` (created when missing). Error(usage)
// when a snapshot of that name exists. Writes the manifest last: a failed or killed create
// leaves chunks (reused by the next create) and no snapshot.
SnapshotReport create_snapshot(const Endpoint& source, const std::filesystem::path& store,
                               const SnapshotOptions& options, LoadProgress* progress = nullptr);

// The snapshots of a store, oldest first.
std::vector<SnapshotManifest> list_snapshots(const std::filesystem::path& store);
// Error(usage) naming the store when it has no snapshot `name`.
SnapshotManifest read_snapshot(const std::filesystem::path& store, const std::string& name);

struct PruneOptions {
  std::optional<std::size_t> keep;        // the newest N stay
  std::optional<std::string> older_than;  // a duration ("30d", "12h"): older snapshots go
  bool dry_run = false;
};
struct PruneReport {
  std::vector<std::string> removed;  // snapshot names
  std::size_t chunks_removed = 0;
  std::uint64_t bytes_removed = 0;
};
// Deletes the snapshots the options name, then every chunk no remaining snapshot uses.
PruneReport prune_snapshots(const std::filesystem::path& store, const PruneOptions& options);

struct LoadOptions {
  std::vector<std::string> tables;   // glob patterns (empty: all)
  std::vector<std::string> exclude;  // glob patterns
  int jobs = 4;
  bool structure_only = false;
  bool resume = false;  // continue an interrupted load of the same snapshot or copy
  // Resume when the target holds an interrupted load, else start (runbook steps, which may
  // run again after a kill).
  bool resume_if_interrupted = false;
  bool clean = false;  // drop what the target holds first (the caller asked for --yes)
  bool verify = true;
  bool dry_run = false;  // plan only: structure statements, what --clean drops
};

struct LoadTableReport {
  std::string table;  // qualified name in the target
  std::uint64_t rows = 0;
  std::uint64_t raw_bytes = 0;
  std::size_t parts = 0;
  std::size_t parts_resumed = 0;  // committed by an earlier run
  double seconds = 0;
  std::vector<std::string> differences;  // verification: parts that differ, and how
};

struct LoadReport {
  std::string source;  // a snapshot's name, or the source's redacted URL
  std::string target;  // redacted URL
  bool dry_run = false;
  bool resumed = false;
  bool verified = false;
  std::vector<std::string> dropped;     // --clean: what was (or would be) dropped
  std::vector<std::string> statements;  // dry run: the structure that would be made
  std::vector<std::string> notes;       // what a cross-engine load left out or changed
  std::vector<LoadTableReport> tables;
  std::vector<connectors::Counter> counters_unmatched;
  double seconds_structure = 0, seconds_data = 0, seconds_indexes = 0, seconds_verify = 0;
  double seconds = 0;

  bool differs() const noexcept;
};

// Restores snapshot `name` of the store into `target`, which must be empty unless
// options.clean (or options.resume of the same snapshot). Error(usage) for a non-empty
// target, naming what it holds; Error(failure) when verification finds a difference.
LoadReport restore_snapshot(const std::filesystem::path& store, const std::string& name,
                            const Endpoint& target, const LoadOptions& options,
                            LoadProgress* progress = nullptr);

// The same pipeline from a live database: every source reader shares one snapshot.
LoadReport copy_database(const Endpoint& source, const Endpoint& target, const LoadOptions& options,
                         LoadProgress* progress = nullptr);

struct VerifyReport {
  std::string name;
  std::size_t chunks = 0;
  std::uint64_t bytes = 0;
  std::vector<std::string> problems;   // damaged or missing chunks, differing rows
  std::optional<std::string> against;  // redacted URL
  std::vector<std::string> tables_differing;
  bool ok() const noexcept { return problems.empty() && tables_differing.empty(); }
};

// Re-reads every chunk of the snapshot, checking its hash and that its rows add up to the
// part's summary; with `against`, compares that database's parts with the snapshot's.
VerifyReport verify_snapshot(const std::filesystem::path& store, const std::string& name,
                             const std::optional<Endpoint>& against, int jobs = 4);

nlohmann::json to_json(const SnapshotReport& report);
nlohmann::json to_json(const LoadReport& report);
nlohmann::json to_json(const VerifyReport& report);
std::string render_text(const SnapshotReport& report);
std::string render_text(const LoadReport& report);
std::string render_text(const VerifyReport& report);

}  // namespace ferry::engine
