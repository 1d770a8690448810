// Snapshot manifests in a store: their JSON form, listing, reading and pruning.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "ferry/engine/paths.hpp"
#include "ferry/engine/snapshot.hpp"
#include "ferry/schema/catalog_json.hpp"
#include "ferry/transfer/chunk_store.hpp"
#include "runbook_vars.hpp"
#include "snapshot_internal.hpp"

namespace ferry::engine {
namespace {

using nlohmann::json;

constexpr const char* k_manifest_format = "ferry.snapshot/1";

json key_json(const schema::KeyValue& key) {
  return key.empty() ? json(nullptr) : json(key);
}

schema::KeyValue key_from(const json& value) {
  return value.is_null() ? schema::KeyValue{} : value.get<schema::KeyValue>();
}

const json& at(const json& doc, const char* key) {
  if (!doc.is_object() || !doc.contains(key))
    throw Error(ErrorKind::failure, std::string("snapshot manifest: missing key \"") + key + "\"");
  return doc.at(key);
}

transfer::ChunkId chunk_id_from(const std::string& hex) {
  const auto id = Hash128::from_hex(hex);
  if (!id)
    throw Error(ErrorKind::failure, "snapshot manifest: \"" + hex + "\" is not a chunk id");
  return *id;
}

// Seconds since an ISO 8601 UTC time (now_utc()'s form); 0 when it is not one.
double seconds_since_time(const std::string& iso) {
  std::tm tm{};
  const char* end = ::strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0')
    return 0;
  return std::difftime(std::time(nullptr), ::timegm(&tm));
}

}  // namespace

std::uint64_t SnapshotManifest::rows() const noexcept {
  std::uint64_t n = 0;
  for (const SnapshotTable& t : tables) {
    for (const SnapshotPart& p : t.parts)
      n += p.rows;
  }
  return n;
}

std::uint64_t SnapshotManifest::raw_bytes() const noexcept {
  std::uint64_t n = 0;
  for (const SnapshotTable& t : tables) {
    for (const SnapshotPart& p : t.parts)
      n += p.raw_bytes;
  }
  return n;
}

std::size_t SnapshotManifest::chunk_count() const noexcept {
  std::size_t n = 0;
  for (const SnapshotTable& t : tables) {
    for (const SnapshotPart& p : t.parts)
      n += p.chunks.size();
  }
  return n;
}

json to_json(const SnapshotManifest& m) {
  json tables = json::array();
  for (const SnapshotTable& t : m.tables) {
    json parts = json::array();
    for (const SnapshotPart& p : t.parts) {
      json chunks = json::array();
      for (const SnapshotPart::Chunk& c : p.chunks)
        chunks.push_back(json::array({c.id.hex(), c.rows, c.size}));
      parts.push_back(json{{"after", key_json(p.range.after)},
                           {"up_to", key_json(p.range.up_to)},
                           {"rows", p.rows},
                           {"raw_bytes", p.raw_bytes},
                           {"sum", p.summary.sum.hex()},
                           {"chunks", std::move(chunks)}});
    }
    tables.push_back(json{{"table", t.table}, {"columns", t.columns}, {"parts", std::move(parts)}});
  }
  json counters = json::array();
  for (const connectors::Counter& c : m.counters)
    counters.push_back(json{{"name", c.name}, {"table", c.table}, {"next", c.next}});
  return json{{"format", k_manifest_format},
              {"name", m.name},
              {"created_at", m.created_at},
              {"source", m.source},
              {"consistent", m.consistent},
              {"why_not", m.why_not},
              {"position", m.position ? json(*m.position) : json(nullptr)},
              {"stored_bytes", m.stored_bytes},
              {"seconds", m.seconds},
              {"counters", std::move(counters)},
              {"tables", std::move(tables)},
              {"catalog", schema::to_json(m.catalog)}};
}

SnapshotManifest snapshot_from_json(const json& doc) {
  if (at(doc, "format") != k_manifest_format) {
    throw Error(ErrorKind::failure,
                "snapshot manifest: format is not " + std::string(k_manifest_format));
  }
  try {
    SnapshotManifest m;
    m.name = at(doc, "name").get<std::string>();
    m.created_at = at(doc, "created_at").get<std::string>();
    m.source = at(doc, "source").get<std::string>();
    m.consistent = at(doc, "consistent").get<bool>();
    m.why_not = at(doc, "why_not").get<std::string>();
    if (!at(doc, "position").is_null())
      m.position = doc.at("position").get<std::string>();
    m.stored_bytes = at(doc, "stored_bytes").get<std::uint64_t>();
    m.seconds = at(doc, "seconds").get<double>();
    for (const json& c : at(doc, "counters")) {
      m.counters.push_back(connectors::Counter{.name = at(c, "name").get<std::string>(),
                                               .table = at(c, "table").get<std::string>(),
                                               .next = at(c, "next").get<std::int64_t>()});
    }
    for (const json& t : at(doc, "tables")) {
      SnapshotTable table;
      table.table = at(t, "table").get<std::string>();
      table.columns = at(t, "columns").get<std::vector<std::string>>();
      for (const json& p : at(t, "parts")) {
        SnapshotPart part;
        part.range.after = key_from(at(p, "after"));
        part.range.up_to = key_from(at(p, "up_to"));
        part.rows = at(p, "rows").get<std::uint64_t>();
        part.raw_bytes = at(p, "raw_bytes").get<std::uint64_t>();
        part.summary.rows = part.rows;
        part.summary.sum = chunk_id_from(at(p, "sum").get<std::string>());
        for (const json& c : at(p, "chunks")) {
          part.chunks.push_back({chunk_id_from(c.at(0).get<std::string>()),
                                 c.at(1).get<std::uint32_t>(), c.at(2).get<std::uint32_t>()});
        }
        table.parts.push_back(std::move(part));
      }
      m.tables.push_back(std::move(table));
    }
    m.catalog = schema::catalog_from_json(at(doc, "catalog"));
    return m;
  } catch (const json::exception& e) {
    throw Error(ErrorKind::failure, std::string("snapshot manifest: ") + e.what());
  }
}

void check_snapshot_name(const std::string& name) {
  const bool ok =
      !name.empty() && name.size() <= 200 && name.front() != '.' &&
      std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
      });
  if (!ok) {
    throw Error(ErrorKind::usage,
                "snapshot name '" + name + "' is not valid: use letters, digits, '-', '_' and '.'");
  }
}

std::filesystem::path manifest_path(const std::filesystem::path& store, const std::string& name) {
  return store / "snapshots" / (name + ".json");
}

void write_manifest(const std::filesystem::path& store, const SnapshotManifest& manifest) {
  write_file_atomically(manifest_path(store, manifest.name), to_json(manifest).dump());
}

SnapshotManifest read_snapshot(const std::filesystem::path& store, const std::string& name) {
  check_snapshot_name(name);
  const std::filesystem::path file = manifest_path(store, name);
  std::ifstream in(file);
  if (!in) {
    throw Error(ErrorKind::usage,
                "snapshot store " + store.string() + " has no snapshot '" + name + "'");
  }
  try {
    return snapshot_from_json(json::parse(in));
  } catch (const json::exception& e) {
    throw Error(ErrorKind::failure, file.string() + ": " + e.what());
  } catch (const Error& e) {
    throw Error(ErrorKind::failure, file.string() + ": " + e.what());
  }
}

std::vector<SnapshotManifest> list_snapshots(const std::filesystem::path& store) {
  if (!std::filesystem::is_directory(store))
    throw Error(ErrorKind::usage, "no snapshot store at " + store.string());
  std::vector<SnapshotManifest> out;
  const std::filesystem::path dir = store / "snapshots";
  if (!std::filesystem::is_directory(dir))
    return out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string file = entry.path().filename().string();
    if (!entry.is_regular_file() || !file.ends_with(".json") || file.starts_with("."))
      continue;
    out.push_back(read_snapshot(store, file.substr(0, file.size() - 5)));
  }
  std::sort(out.begin(), out.end(), [](const SnapshotManifest& a, const SnapshotManifest& b) {
    return std::tie(a.created_at, a.name) < std::tie(b.created_at, b.name);
  });
  return out;
}

PruneReport prune_snapshots(const std::filesystem::path& store, const PruneOptions& options) {
  if (!options.keep && !options.older_than)
    throw Error(ErrorKind::usage, "snapshot prune needs --keep N or --older-than DURATION");
  std::optional<double> older_than;
  if (options.older_than) {
    const auto duration = parse_duration(*options.older_than);
    if (!duration) {
      throw Error(ErrorKind::usage, "--older-than '" + *options.older_than +
                                        "' is not a duration (e.g. 30d, 12h, 90m)");
    }
    older_than = std::chrono::duration<double>(*duration).count();
  }
  const std::vector<SnapshotManifest> all = list_snapshots(store);
  PruneReport report;
  transfer::ChunkIds keep;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const bool beyond_keep = options.keep && all.size() - i > *options.keep;
    const bool too_old = older_than && seconds_since_time(all[i].created_at) > *older_than;
    if ((options.keep && older_than) ? (beyond_keep && too_old) : (beyond_keep || too_old)) {
      report.removed.push_back(all[i].name);
      continue;
    }
    for (const SnapshotTable& t : all[i].tables) {
      for (const SnapshotPart& p : t.parts) {
        for (const SnapshotPart::Chunk& c : p.chunks)
          keep.insert(c.id);
      }
    }
  }
  const transfer::ChunkStore chunks = transfer::ChunkStore::open(store, false);
  if (options.dry_run) {
    for (const transfer::ChunkId& id : chunks.list())
      report.chunks_removed += keep.contains(id) ? 0 : 1;
    return report;
  }
  // Manifests first: a prune killed halfway leaves chunks no snapshot names (removed by the
  // next prune), never a snapshot whose chunks are gone.
  for (const std::string& name : report.removed)
    std::filesystem::remove(manifest_path(store, name));
  const transfer::ChunkStore::Pruned pruned = chunks.remove_except(keep);
  report.chunks_removed = pruned.chunks;
  report.bytes_removed = pruned.bytes;
  return report;
}

}  // namespace ferry::engine
