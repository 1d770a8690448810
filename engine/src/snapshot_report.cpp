// Reports of snapshot create, restore, copy and verify: text for people, JSON for machines.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "ferry/engine/snapshot.hpp"

namespace ferry::engine {
namespace {

using nlohmann::json;

std::string size_text(std::uint64_t bytes) {
  if (bytes < 1024)
    return fmt::format("{} B", bytes);
  if (bytes < (std::uint64_t{1} << 20))
    return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
  if (bytes < (std::uint64_t{1} << 30))
    return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20));
  return fmt::format("{:.2f} GiB", static_cast<double>(bytes) / (1 << 30));
}

std::size_t name_width(const std::vector<std::string>& names, std::size_t least) {
  std::size_t width = least;
  for (const std::string& n : names)
    width = std::max(width, n.size());
  return width;
}

json counters_json(const std::vector<connectors::Counter>& counters) {
  json out = json::array();
  for (const connectors::Counter& c : counters)
    out.push_back(json{{"name", c.name}, {"table", c.table}, {"next", c.next}});
  return out;
}

}  // namespace

json to_json(const SnapshotReport& r) {
  const SnapshotManifest& m = r.manifest;
  json tables = json::array();
  for (const SnapshotTableReport& t : r.tables) {
    tables.push_back(json{{"table", t.table},
                          {"rows", t.rows},
                          {"raw_bytes", t.raw_bytes},
                          {"stored_bytes", t.stored_bytes},
                          {"parts", t.parts},
                          {"seconds", t.seconds}});
  }
  return json{{"name", m.name},
              {"store", r.store.string()},
              {"source", m.source},
              {"created_at", m.created_at},
              {"position", m.position ? json(*m.position) : json(nullptr)},
              {"parallel_snapshot", m.why_not.empty()},
              {"why_not_parallel", m.why_not},
              {"rows", m.rows()},
              {"raw_bytes", m.raw_bytes()},
              {"stored_bytes", m.stored_bytes},
              {"chunks_added", r.chunks_added},
              {"chunks_reused", r.chunks_reused},
              {"seconds", m.seconds},
              {"tables", std::move(tables)}};
}

std::string render_text(const SnapshotReport& r) {
  const SnapshotManifest& m = r.manifest;
  std::vector<std::string> names;
  for (const SnapshotTableReport& t : r.tables)
    names.push_back(t.table);
  const std::size_t w = name_width(names, 5);
  std::string out = fmt::format("snapshot {} of {} in {}\n", m.name, m.source, r.store.string());
  if (m.position)
    out += fmt::format("  source position: {}\n", *m.position);
  if (!m.why_not.empty())
    out += fmt::format("  read by one session (one snapshot): {}\n", m.why_not);
  out += fmt::format("  {:<{}}  {:>12}  {:>10}  {:>10}  {:>5}  {:>8}\n", "table", w, "rows", "raw",
                     "stored", "parts", "time");
  for (const SnapshotTableReport& t : r.tables) {
    out += fmt::format("  {:<{}}  {:>12}  {:>10}  {:>10}  {:>5}  {:>7.2f}s\n", t.table, w, t.rows,
                       size_text(t.raw_bytes), size_text(t.stored_bytes), t.parts, t.seconds);
  }
  out += fmt::format(
      "  {} tables, {} rows, {} raw, {} new in the store ({} chunks new, {} already there), "
      "{:.2f}s\n",
      r.tables.size(), m.rows(), size_text(m.raw_bytes()), size_text(m.stored_bytes),
      r.chunks_added, r.chunks_reused, m.seconds);
  return out;
}

json to_json(const LoadReport& r) {
  json tables = json::array();
  for (const LoadTableReport& t : r.tables) {
    tables.push_back(json{{"table", t.table},
                          {"rows", t.rows},
                          {"raw_bytes", t.raw_bytes},
                          {"parts", t.parts},
                          {"parts_resumed", t.parts_resumed},
                          {"seconds", t.seconds},
                          {"differences", t.differences}});
  }
  return json{{"source", r.source},
              {"target", r.target},
              {"dry_run", r.dry_run},
              {"resumed", r.resumed},
              {"verified", r.verified},
              {"equal", r.verified && !r.differs()},
              {"dropped", r.dropped},
              {"statements", r.statements},
              {"notes", r.notes},
              {"counters_not_set", counters_json(r.counters_unmatched)},
              {"seconds", json{{"structure", r.seconds_structure},
                               {"data", r.seconds_data},
                               {"indexes", r.seconds_indexes},
                               {"verify", r.seconds_verify},
                               {"total", r.seconds}}},
              {"tables", std::move(tables)}};
}

std::string render_text(const LoadReport& r) {
  std::string out;
  if (r.dry_run) {
    out += fmt::format("dry run: {} into {}\n", r.source, r.target);
    for (const std::string& d : r.dropped)
      out += fmt::format("  would drop {}\n", d);
    for (const std::string& s : r.statements)
      out += fmt::format("  {}\n", s);
    for (const std::string& n : r.notes)
      out += fmt::format("  note: {}\n", n);
    return out;
  }
  out += fmt::format("{} into {}{}\n", r.source, r.target, r.resumed ? " (resumed)" : "");
  for (const std::string& d : r.dropped)
    out += fmt::format("  dropped {}\n", d);
  std::vector<std::string> names;
  for (const LoadTableReport& t : r.tables)
    names.push_back(t.table);
  const std::size_t w = name_width(names, 5);
  out += fmt::format("  {:<{}}  {:>12}  {:>10}  {:>9}  {:>8}  {}\n", "table", w, "rows", "raw",
                     "parts", "time", "check");
  std::uint64_t rows = 0, bytes = 0;
  for (const LoadTableReport& t : r.tables) {
    rows += t.rows;
    bytes += t.raw_bytes;
    const std::string parts =
        t.parts_resumed > 0 ? fmt::format("{}+{}r", t.parts - t.parts_resumed, t.parts_resumed)
                            : std::to_string(t.parts);
    const std::string check = !r.verified ? "-" : (t.differences.empty() ? "equal" : "DIFFERS");
    out += fmt::format("  {:<{}}  {:>12}  {:>10}  {:>9}  {:>7.2f}s  {}\n", t.table, w, t.rows,
                       size_text(t.raw_bytes), parts, t.seconds, check);
    for (const std::string& d : t.differences)
      out += fmt::format("    {}\n", d);
  }
  for (const std::string& n : r.notes)
    out += fmt::format("  note: {}\n", n);
  for (const connectors::Counter& c : r.counters_unmatched)
    out +=
        fmt::format("  note: counter {} (next {}) matches nothing in the target\n", c.name, c.next);
  out += fmt::format(
      "  {} tables, {} rows, {}: structure {:.2f}s, rows {:.2f}s, indexes and constraints "
      "{:.2f}s, verify {:.2f}s, total {:.2f}s\n",
      r.tables.size(), rows, size_text(bytes), r.seconds_structure, r.seconds_data,
      r.seconds_indexes, r.seconds_verify, r.seconds);
  if (r.verified)
    out += r.differs() ? "  verification: DIFFERENCES (see above)\n"
                       : "  verification: every part equals its source\n";
  else
    out += "  verification: skipped\n";
  return out;
}

json to_json(const VerifyReport& r) {
  return json{{"name", r.name},
              {"chunks", r.chunks},
              {"bytes", r.bytes},
              {"problems", r.problems},
              {"against", r.against ? json(*r.against) : json(nullptr)},
              {"tables_differing", r.tables_differing},
              {"ok", r.ok()}};
}

std::string render_text(const VerifyReport& r) {
  std::string out = fmt::format("snapshot {}: {} chunks, {} read and checked\n", r.name, r.chunks,
                                size_text(r.bytes));
  for (const std::string& p : r.problems)
    out += fmt::format("  damaged: {}\n", p);
  if (r.against) {
    out += fmt::format("  against {}: {}\n", *r.against,
                       r.tables_differing.empty() ? "every part equal" : "differences");
    for (const std::string& t : r.tables_differing)
      out += fmt::format("    {}\n", t);
  }
  out += r.ok() ? "  ok\n" : "  NOT OK\n";
  return out;
}

}  // namespace ferry::engine
