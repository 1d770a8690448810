// Throughput measurements of the paths ferry's commands take (docs/bench.md): `ferry bench
// link` (the push transport to nodes), `bench db` (reading, hashing and writing rows through
// a connector), `bench push` (scanning, chunking and compressing a tree, and what a push of
// it would cost) and `bench sync` (a data diff against a full read of the same tables).
//
// Every measurement reuses the code the commands run: the push transport and its chunk
// frames, the connectors' readers and writers, the data diff's row hash, the push scanner,
// chunker and zstd frames, and engine::sync_data. None of them leaves anything behind: the
// link bench's bytes are discarded by the node, `bench db` writes only with `write` set and
// then into a scratch table it drops again, `bench sync` writes only with `write` set.
//
// The functions log progress lines (spdlog, stderr) before each long step. Bad input (a
// malformed URL or target, an unknown table) throws Error before anything is measured; a
// node or table that fails is recorded in the report and the others go on.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ferry/common/endpoint.hpp"
#include "ferry/common/error.hpp"
#include "ferry/transfer/transport.hpp"

namespace ferry::engine {

// ---- bench link -------------------------------------------------------------------------

struct LinkBenchOptions {
  std::vector<std::string> targets;  // local:/abs/root or ssh://user@host[:port]/abs/root
  std::uint64_t size = 64ull << 20;  // bytes sent per measurement
  int max_streams = 8;               // the parallel-stream probe stops here at the latest
  int pings = 7;                     // round trips timed; the median counts
  transfer::TransportOptions transport;
};

struct StreamStep {
  int streams = 0;
  double bytes_per_second = 0;  // all streams together
};

struct LinkResult {
  std::string target;  // as Target::display() prints it
  bool ok = false;
  std::string error;
  double connect_seconds = 0;        // starting `ferry receive` (and ssh) up to its first answer
  double rtt_seconds = 0;            // median round trip of a small request
  double raw_bytes_per_second = 0;   // incompressible chunk frames over one stream
  double zstd_bytes_per_second = 0;  // text-like data, counted before compression
  double zstd_wire_bytes_per_second = 0;  // the same, counted as it travels
  double zstd_ratio = 0;                  // wire bytes / raw bytes of the text-like data
  std::vector<StreamStep> streams;        // 1, 2, 4, ... streams
  int streams_to_saturate = 0;            // the fewest streams after which doubling gained < 10 %
};

struct LinkBenchReport {
  std::uint64_t size = 0;
  std::vector<LinkResult> targets;
  double seconds = 0;
  // 0 when every target was measured; 4 when some failed; 1 when all did.
  ExitCode exit_code() const noexcept;
};

// Measures every target in turn (one at a time, so that they do not share this machine's
// link or CPU). Error(bad_endpoint) for a malformed target before any is measured.
LinkBenchReport bench_link(const LinkBenchOptions& options);

// ---- bench db ---------------------------------------------------------------------------

struct DbBenchOptions {
  std::vector<std::string> tables;  // names or globs, "name" or "schema.name"; empty: all
  // Also measure writes: into a scratch table (ferry_bench_scratch_<pid>) made like each
  // table, with its rows as read (at most k_db_write_sample_bytes of them), dropped after.
  bool write = false;
};

// The rows of a table that --write writes back, at most: they are held in memory.
inline constexpr std::uint64_t k_db_write_sample_bytes = 64ull << 20;

struct DbTableResult {
  std::string table;  // qualified name
  std::string error;  // empty when measured
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;                    // canonical row bytes (docs/data-sync.md), as read
  double read_seconds = 0;                    // in the connector's reader only
  double hash_seconds = 0;                    // in the data diff's row hash only
  std::optional<double> server_hash_seconds;  // server_summary(), where the server hashes
  std::optional<std::uint64_t> server_hash_rows;
  std::uint64_t write_rows = 0;  // with write
  std::uint64_t write_bytes = 0;
  double write_seconds = 0;
};

struct DbBenchReport {
  std::string endpoint;  // redacted
  std::string dialect;
  std::string server_version;
  bool server_hashing = false;
  bool write = false;
  std::string scratch_table;  // with write: the table written to and dropped
  std::vector<DbTableResult> tables;
  double seconds = 0;
  ExitCode exit_code() const noexcept;
};

// Connects (Error classified as the connectors do: exit 2 when unreachable), then measures
// each table. Error(usage) for a name in `tables` that matches no table.
DbBenchReport bench_db(const Endpoint& endpoint, const DbBenchOptions& options);

// ---- bench push -------------------------------------------------------------------------

struct PushBenchOptions {
  std::filesystem::path source;
  std::vector<std::string> targets;  // empty: this machine's rates only
  // Bytes of the tree's files that chunking and compression are timed on (the first files in
  // the manifest's order).
  std::uint64_t sample = 64ull << 20;
  int zstd_level = 3;     // as a push compresses
  LinkBenchOptions link;  // size and transport of the link probe to each target
};

struct PushEstimate {
  std::string target;
  bool ok = false;
  std::string error;
  std::uint64_t need_bytes = 0;  // the node's dry-run plan: file bytes it lacks
  std::uint64_t need_chunks = 0;
  std::uint64_t wire_bytes = 0;  // need_bytes at the sample's compression ratio
  double rtt_seconds = 0;
  double raw_bytes_per_second = 0;
  double estimated_seconds = 0;  // scan + the slower of compressing and sending
};

struct PushBenchReport {
  std::string source;
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
  std::uint64_t chunks = 0;
  double scan_seconds = 0;  // walk, read, chunk and hash every file (no scan cache)
  std::uint64_t sample_bytes = 0;
  double chunk_seconds = 0;     // cutting and hashing the sample's chunks, one thread
  double compress_seconds = 0;  // zstd chunk frames of the sample, one thread
  std::uint64_t compressed_bytes = 0;
  std::vector<PushEstimate> nodes;
  double seconds = 0;
  ExitCode exit_code() const noexcept;
};

PushBenchReport bench_push(const PushBenchOptions& options);

// ---- bench sync -------------------------------------------------------------------------

struct SyncBenchOptions {
  std::vector<std::string> tables;  // as data sync's --tables; empty: every master table
  bool write = false;               // also run the real sync, and time it
};

struct SyncBenchTable {
  std::string table;
  std::uint64_t rows = 0;  // the master's rows, as read in full
  std::uint64_t bytes = 0;
  double read_seconds = 0;  // full read of the master's table
  double diff_seconds = 0;  // the table's share of the diff
  std::uint64_t changes = 0;
  bool hashed_on_servers = false;
};

struct SyncBenchReport {
  std::string master;  // redacted
  std::string tenant;  // redacted
  std::vector<SyncBenchTable> tables;
  std::string error;  // the diff's (or sync's) failure, when it failed
  double diff_seconds = 0;
  std::uint64_t rows_compared = 0;
  std::uint64_t changes = 0;
  double full_read_seconds = 0;
  std::uint64_t full_read_rows = 0;
  std::uint64_t full_read_bytes = 0;
  bool write = false;
  double sync_seconds = 0;  // with write
  std::uint64_t synced_changes = 0;
  double seconds = 0;
  ExitCode exit_code() const noexcept;
};

SyncBenchReport bench_sync(const Endpoint& master, const Endpoint& tenant,
                           const SyncBenchOptions& options);

// ---- reports ----------------------------------------------------------------------------

std::string render_text(const LinkBenchReport& report);
std::string render_text(const DbBenchReport& report);
std::string render_text(const PushBenchReport& report);
std::string render_text(const SyncBenchReport& report);
nlohmann::json to_json(const LinkBenchReport& report);
nlohmann::json to_json(const DbBenchReport& report);
nlohmann::json to_json(const PushBenchReport& report);
nlohmann::json to_json(const SyncBenchReport& report);

// A bar chart as a standalone SVG document: one group of bars per label, one bar per series
// in each group. Every bar is a <rect class="bar"> with data-label and data-series
// attributes, so a script can read the chart back.
struct BarChart {
  std::string title;
  std::string unit;                 // of the values, for the axis: "MiB/s", "rows/s"
  std::vector<std::string> series;  // e.g. {"raw", "zstd"}
  struct Group {
    std::string label;
    std::vector<double> values;  // one per series
  };
  std::vector<Group> groups;
};
std::string render_svg(const BarChart& chart);

// Throughput per target (link), per table (db, sync) or per stage and node (push).
BarChart chart_of(const LinkBenchReport& report);
BarChart chart_of(const DbBenchReport& report);
BarChart chart_of(const PushBenchReport& report);
BarChart chart_of(const SyncBenchReport& report);

}  // namespace ferry::engine
