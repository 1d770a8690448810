// Reports of the bench commands: a table for people, JSON for machines (docs/bench.md), and
// the data of their bar charts.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "ferry/common/units.hpp"
#include "ferry/engine/bench.hpp"

namespace ferry::engine {
namespace {

double per_second(double amount, double seconds) {
  return seconds > 0 ? amount / seconds : 0.0;
}
double per_second(std::uint64_t amount, double seconds) {
  return per_second(static_cast<double>(amount), seconds);
}

std::string rows_rate(double rows_per_second) {
  return rows_per_second > 0 ? fmt::format("{:.0f}/s", rows_per_second) : "-";
}

nlohmann::json optional_number(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

std::size_t width_of(std::size_t least, const auto& items, auto name) {
  std::size_t width = least;
  for (const auto& item : items)
    width = std::max(width, name(item).size());
  return width;
}

constexpr double k_mib = 1024.0 * 1024.0;

}  // namespace

// ---- link -------------------------------------------------------------------------------

std::string render_text(const LinkBenchReport& report) {
  const std::size_t w = width_of(6, report.targets, [](const LinkResult& t) { return t.target; });
  std::string out =
      fmt::format("{:<{}}  {:>9}  {:>9}  {:>12}  {:>12}  {:>6}  {:>8}  {}\n", "target", w,
                  "connect", "rtt", "raw", "zstd", "ratio", "streams", "aggregate by streams");
  for (const LinkResult& t : report.targets) {
    if (!t.ok) {
      out += fmt::format("{:<{}}  failed: {}\n", t.target, w, t.error);
      continue;
    }
    std::string steps;
    for (const StreamStep& s : t.streams)
      steps += fmt::format("{}{}: {}", steps.empty() ? "" : ", ", s.streams,
                           human_rate(s.bytes_per_second));
    out += fmt::format("{:<{}}  {:>8.3f}s  {:>6.2f} ms  {:>12}  {:>12}  {:>6.2f}  {:>8}  {}\n",
                       t.target, w, t.connect_seconds, t.rtt_seconds * 1000,
                       human_rate(t.raw_bytes_per_second), human_rate(t.zstd_bytes_per_second),
                       t.zstd_ratio, t.streams_to_saturate, steps);
  }
  out += fmt::format("{} target(s), {} per measurement, {:.2f}s\n", report.targets.size(),
                     human_bytes(report.size), report.seconds);
  return out;
}

nlohmann::json to_json(const LinkBenchReport& report) {
  nlohmann::json targets = nlohmann::json::array();
  for (const LinkResult& t : report.targets) {
    nlohmann::json streams = nlohmann::json::array();
    for (const StreamStep& s : t.streams)
      streams.push_back({{"streams", s.streams}, {"bytes_per_second", s.bytes_per_second}});
    nlohmann::json j = {{"target", t.target},
                        {"status", t.ok ? "ok" : "failed"},
                        {"connect_seconds", t.connect_seconds},
                        {"rtt_ms", t.rtt_seconds * 1000},
                        {"raw_bytes_per_second", t.raw_bytes_per_second},
                        {"zstd_bytes_per_second", t.zstd_bytes_per_second},
                        {"zstd_wire_bytes_per_second", t.zstd_wire_bytes_per_second},
                        {"zstd_ratio", t.zstd_ratio},
                        {"streams", std::move(streams)},
                        {"streams_to_saturate", t.streams_to_saturate}};
    if (!t.ok)
      j["error"] = t.error;
    targets.push_back(std::move(j));
  }
  return {{"size_bytes", report.size},
          {"targets", std::move(targets)},
          {"seconds", report.seconds},
          {"exit_code", static_cast<int>(report.exit_code())}};
}

BarChart chart_of(const LinkBenchReport& report) {
  BarChart chart{.title = "ferry bench link: throughput per target",
                 .unit = "MiB/s",
                 .series = {"raw", "zstd"}};
  for (const LinkResult& t : report.targets)
    chart.groups.push_back(
        {t.target, {t.raw_bytes_per_second / k_mib, t.zstd_bytes_per_second / k_mib}});
  return chart;
}

// ---- db ---------------------------------------------------------------------------------

std::string render_text(const DbBenchReport& report) {
  const std::size_t w = width_of(5, report.tables, [](const DbTableResult& t) { return t.table; });
  std::string out =
      fmt::format("{} ({} {})\n", report.endpoint, report.dialect, report.server_version);
  out += fmt::format("{:<{}}  {:>10}  {:>10}  {:>12}  {:>12}  {:>12}  {:>12}  {:>12}{}\n", "table",
                     w, "rows", "bytes", "read rows", "read", "hash rows", "hash", "server hash",
                     report.write ? "   write rows         write" : "");
  for (const DbTableResult& t : report.tables) {
    if (!t.error.empty()) {
      out += fmt::format("{:<{}}  failed: {}\n", t.table, w, t.error);
      continue;
    }
    const std::string server =
        t.server_hash_seconds && t.server_hash_rows
            ? rows_rate(per_second(*t.server_hash_rows, *t.server_hash_seconds))
            : "-";
    out += fmt::format("{:<{}}  {:>10}  {:>10}  {:>12}  {:>12}  {:>12}  {:>12}  {:>12}", t.table, w,
                       t.rows, human_bytes(t.bytes), rows_rate(per_second(t.rows, t.read_seconds)),
                       human_rate(per_second(t.bytes, t.read_seconds)),
                       rows_rate(per_second(t.rows, t.hash_seconds)),
                       human_rate(per_second(t.bytes, t.hash_seconds)), server);
    if (report.write)
      out += fmt::format("  {:>11}  {:>12}", rows_rate(per_second(t.write_rows, t.write_seconds)),
                         human_rate(per_second(t.write_bytes, t.write_seconds)));
    out += '\n';
  }
  if (report.write)
    out += fmt::format("writes went to {} (one per table, dropped after)\n", report.scratch_table);
  out += fmt::format("{} table(s), {:.2f}s\n", report.tables.size(), report.seconds);
  return out;
}

nlohmann::json to_json(const DbBenchReport& report) {
  nlohmann::json tables = nlohmann::json::array();
  for (const DbTableResult& t : report.tables) {
    nlohmann::json j = {
        {"table", t.table},
        {"status", t.error.empty() ? "ok" : "failed"},
        {"rows", t.rows},
        {"bytes", t.bytes},
        {"read_seconds", t.read_seconds},
        {"read_rows_per_second", per_second(t.rows, t.read_seconds)},
        {"read_bytes_per_second", per_second(t.bytes, t.read_seconds)},
        {"hash_seconds", t.hash_seconds},
        {"hash_rows_per_second", per_second(t.rows, t.hash_seconds)},
        {"hash_bytes_per_second", per_second(t.bytes, t.hash_seconds)},
        {"server_hash_seconds", optional_number(t.server_hash_seconds)},
        {"server_hash_rows", t.server_hash_rows ? nlohmann::json(*t.server_hash_rows) : nullptr},
        {"server_hash_rows_per_second",
         t.server_hash_seconds && t.server_hash_rows
             ? nlohmann::json(per_second(*t.server_hash_rows, *t.server_hash_seconds))
             : nullptr}};
    if (report.write) {
      j["write_rows"] = t.write_rows;
      j["write_bytes"] = t.write_bytes;
      j["write_seconds"] = t.write_seconds;
      j["write_rows_per_second"] = per_second(t.write_rows, t.write_seconds);
      j["write_bytes_per_second"] = per_second(t.write_bytes, t.write_seconds);
    }
    if (!t.error.empty())
      j["error"] = t.error;
    tables.push_back(std::move(j));
  }
  nlohmann::json out = {{"endpoint", report.endpoint},
                        {"dialect", report.dialect},
                        {"server_version", report.server_version},
                        {"server_hashing", report.server_hashing},
                        {"write", report.write},
                        {"tables", std::move(tables)},
                        {"seconds", report.seconds},
                        {"exit_code", static_cast<int>(report.exit_code())}};
  if (report.write)
    out["scratch_table"] = report.scratch_table;
  return out;
}

BarChart chart_of(const DbBenchReport& report) {
  BarChart chart{.title = "ferry bench db: " + report.endpoint, .unit = "MiB/s"};
  chart.series = {"read", "hash"};
  if (report.write)
    chart.series.push_back("write");
  for (const DbTableResult& t : report.tables) {
    BarChart::Group g{
        t.table,
        {per_second(t.bytes, t.read_seconds) / k_mib, per_second(t.bytes, t.hash_seconds) / k_mib}};
    if (report.write)
      g.values.push_back(per_second(t.write_bytes, t.write_seconds) / k_mib);
    chart.groups.push_back(std::move(g));
  }
  return chart;
}

// ---- push -------------------------------------------------------------------------------

std::string render_text(const PushBenchReport& report) {
  std::string out = fmt::format("{}: {} files, {}, {} chunks\n", report.source, report.files,
                                human_bytes(report.bytes), report.chunks);
  out +=
      fmt::format("  {:<10} {:>12}  {:>8.3f}s  (walk, read, chunk, hash; every file)\n", "scan",
                  human_rate(per_second(report.bytes, report.scan_seconds)), report.scan_seconds);
  out += fmt::format("  {:<10} {:>12}  {:>8.3f}s  (cut and hash {}, one thread)\n", "chunk",
                     human_rate(per_second(report.sample_bytes, report.chunk_seconds)),
                     report.chunk_seconds, human_bytes(report.sample_bytes));
  out += fmt::format(
      "  {:<10} {:>12}  {:>8.3f}s  (zstd chunk frames, one thread; ratio {:.2f})\n", "compress",
      human_rate(per_second(report.sample_bytes, report.compress_seconds)), report.compress_seconds,
      report.sample_bytes == 0 ? 0.0
                               : static_cast<double>(report.compressed_bytes) /
                                     static_cast<double>(report.sample_bytes));
  if (!report.nodes.empty()) {
    const std::size_t w = width_of(6, report.nodes, [](const PushEstimate& n) { return n.target; });
    out += fmt::format("{:<{}}  {:>12}  {:>12}  {:>12}  {:>9}  {:>10}\n", "target", w, "to send",
                       "on the wire", "link", "rtt", "estimate");
    for (const PushEstimate& n : report.nodes) {
      if (!n.ok) {
        out += fmt::format("{:<{}}  failed: {}\n", n.target, w, n.error);
        continue;
      }
      out += fmt::format("{:<{}}  {:>12}  {:>12}  {:>12}  {:>6.2f} ms  {:>9.2f}s\n", n.target, w,
                         human_bytes(n.need_bytes), human_bytes(n.wire_bytes),
                         human_rate(n.raw_bytes_per_second), n.rtt_seconds * 1000,
                         n.estimated_seconds);
    }
  }
  out += fmt::format("{:.2f}s in all\n", report.seconds);
  return out;
}

nlohmann::json to_json(const PushBenchReport& report) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const PushEstimate& n : report.nodes) {
    nlohmann::json j = {{"target", n.target},
                        {"status", n.ok ? "ok" : "failed"},
                        {"need_bytes", n.need_bytes},
                        {"need_chunks", n.need_chunks},
                        {"wire_bytes", n.wire_bytes},
                        {"rtt_ms", n.rtt_seconds * 1000},
                        {"raw_bytes_per_second", n.raw_bytes_per_second},
                        {"estimated_seconds", n.estimated_seconds}};
    if (!n.ok)
      j["error"] = n.error;
    nodes.push_back(std::move(j));
  }
  return {
      {"source", report.source},
      {"files", report.files},
      {"bytes", report.bytes},
      {"chunks", report.chunks},
      {"scan_seconds", report.scan_seconds},
      {"scan_bytes_per_second", per_second(report.bytes, report.scan_seconds)},
      {"sample_bytes", report.sample_bytes},
      {"chunk_seconds", report.chunk_seconds},
      {"chunk_bytes_per_second", per_second(report.sample_bytes, report.chunk_seconds)},
      {"compress_seconds", report.compress_seconds},
      {"compress_bytes_per_second", per_second(report.sample_bytes, report.compress_seconds)},
      {"compressed_bytes", report.compressed_bytes},
      {"compress_ratio", report.sample_bytes == 0 ? 0.0
                                                  : static_cast<double>(report.compressed_bytes) /
                                                        static_cast<double>(report.sample_bytes)},
      {"nodes", std::move(nodes)},
      {"seconds", report.seconds},
      {"exit_code", static_cast<int>(report.exit_code())}};
}

BarChart chart_of(const PushBenchReport& report) {
  BarChart chart{
      .title = "ferry bench push: " + report.source, .unit = "MiB/s", .series = {"rate"}};
  chart.groups.push_back({"scan", {per_second(report.bytes, report.scan_seconds) / k_mib}});
  chart.groups.push_back(
      {"chunk", {per_second(report.sample_bytes, report.chunk_seconds) / k_mib}});
  chart.groups.push_back(
      {"compress", {per_second(report.sample_bytes, report.compress_seconds) / k_mib}});
  for (const PushEstimate& n : report.nodes)
    chart.groups.push_back({n.target, {n.raw_bytes_per_second / k_mib}});
  return chart;
}

// ---- sync -------------------------------------------------------------------------------

std::string render_text(const SyncBenchReport& report) {
  const std::size_t w = width_of(5, report.tables, [](const SyncBenchTable& t) { return t.table; });
  std::string out = fmt::format("master {}\ntenant {}\n", report.master, report.tenant);
  out += fmt::format("{:<{}}  {:>10}  {:>10}  {:>10}  {:>12}  {:>10}  {:>12}  {:>8}\n", "table", w,
                     "rows", "bytes", "full read", "read rows", "diff", "diff rows", "changes");
  for (const SyncBenchTable& t : report.tables) {
    out += fmt::format("{:<{}}  {:>10}  {:>10}  {:>9.3f}s  {:>12}  {:>9.3f}s  {:>12}  {:>8}\n",
                       t.table, w, t.rows, human_bytes(t.bytes), t.read_seconds,
                       rows_rate(per_second(t.rows, t.read_seconds)), t.diff_seconds,
                       rows_rate(per_second(t.rows, t.diff_seconds)), t.changes);
  }
  out += fmt::format(
      "data diff {:.3f}s ({} rows compared, {} changes) against a full read of {:.3f}s ({} rows, "
      "{}): ratio {:.2f}\n",
      report.diff_seconds, report.rows_compared, report.changes, report.full_read_seconds,
      report.full_read_rows, human_bytes(report.full_read_bytes),
      report.full_read_seconds > 0 ? report.diff_seconds / report.full_read_seconds : 0.0);
  if (report.write)
    out += fmt::format("sync {:.3f}s, {} changes applied\n", report.sync_seconds,
                       report.synced_changes);
  if (!report.error.empty())
    out += fmt::format("failed: {}\n", report.error);
  out += fmt::format("{:.2f}s in all\n", report.seconds);
  return out;
}

nlohmann::json to_json(const SyncBenchReport& report) {
  nlohmann::json tables = nlohmann::json::array();
  for (const SyncBenchTable& t : report.tables) {
    tables.push_back({{"table", t.table},
                      {"rows", t.rows},
                      {"bytes", t.bytes},
                      {"read_seconds", t.read_seconds},
                      {"read_rows_per_second", per_second(t.rows, t.read_seconds)},
                      {"diff_seconds", t.diff_seconds},
                      {"diff_rows_per_second", per_second(t.rows, t.diff_seconds)},
                      {"changes", t.changes},
                      {"hashed_on_servers", t.hashed_on_servers}});
  }
  nlohmann::json out = {
      {"master", report.master},
      {"tenant", report.tenant},
      {"tables", std::move(tables)},
      {"diff_seconds", report.diff_seconds},
      {"rows_compared", report.rows_compared},
      {"changes", report.changes},
      {"full_read_seconds", report.full_read_seconds},
      {"full_read_rows", report.full_read_rows},
      {"full_read_bytes", report.full_read_bytes},
      {"ratio",
       report.full_read_seconds > 0 ? report.diff_seconds / report.full_read_seconds : 0.0},
      {"write", report.write},
      {"seconds", report.seconds},
      {"exit_code", static_cast<int>(report.exit_code())}};
  if (report.write) {
    out["sync_seconds"] = report.sync_seconds;
    out["synced_changes"] = report.synced_changes;
  }
  if (!report.error.empty())
    out["error"] = report.error;
  return out;
}

BarChart chart_of(const SyncBenchReport& report) {
  BarChart chart{.title = "ferry bench sync: " + report.tenant,
                 .unit = "rows/s",
                 .series = {"full read", "data diff"}};
  for (const SyncBenchTable& t : report.tables)
    chart.groups.push_back(
        {t.table, {per_second(t.rows, t.read_seconds), per_second(t.rows, t.diff_seconds)}});
  return chart;
}

}  // namespace ferry::engine
