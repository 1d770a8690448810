// Migration directories in the layouts teams already have (migrate.hpp): ferry's and
// golang-migrate's NNNN_name.up.sql / .down.sql, Flyway's V/U/R files, Prisma's folders.
#include <xxhash.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <regex>

#include "ferry/common/error.hpp"
#include "ferry/common/hash128.hpp"
#include "ferry/engine/migrate.hpp"
#include "ferry/engine/paths.hpp"
#include "migrate_internal.hpp"

namespace ferry::engine {
namespace {

namespace fs = std::filesystem;

const std::regex k_numbered(R"(^(\d+)_(.+)\.(up|down)\.sql$)");
const std::regex k_flyway(R"(^([VU])(\d+(?:[._]\d+)*)__(.+)\.sql$)");
const std::regex k_flyway_repeatable(R"(^R__(.+)\.sql$)");
const std::regex k_prisma(R"(^(\d+)_(.+)$)");

// "1_1" and "1.1" are Flyway's 1.1; ferry's 0003 is 3.
std::vector<std::uint64_t> numbers_of(const std::string& text) {
  std::vector<std::uint64_t> out;
  std::uint64_t value = 0;
  bool any = false;
  for (const char c : text) {
    if (c >= '0' && c <= '9') {
      value = value * 10 + static_cast<std::uint64_t>(c - '0');
      any = true;
    } else if (any) {
      out.push_back(value);
      value = 0;
      any = false;
    }
  }
  if (any)
    out.push_back(value);
  return out;
}

std::string joined(const std::vector<std::uint64_t>& parts) {
  std::string out;
  for (const std::uint64_t p : parts)
    out += (out.empty() ? "" : ".") + std::to_string(p);
  return out;
}

std::optional<MigrationFormat> format_named(const std::string& name) {
  if (name == "ferry")
    return MigrationFormat::ferry;
  if (name == "flyway")
    return MigrationFormat::flyway;
  if (name == "golang-migrate")
    return MigrationFormat::golang_migrate;
  if (name == "prisma")
    return MigrationFormat::prisma;
  return std::nullopt;
}

[[noreturn]] void refuse(const fs::path& file, const std::string& what) {
  throw Error(ErrorKind::config, file.string() + ": " + what);
}

// The format the directory's entries are in.
MigrationFormat detect(const fs::path& dir) {
  bool numbered = false, flyway = false, prisma = false;
  bool padded = true;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    std::smatch m;
    if (entry.is_directory()) {
      prisma = prisma || fs::exists(entry.path() / "migration.sql");
    } else if (std::regex_match(name, m, k_numbered)) {
      numbered = true;
      padded = padded && m[1].length() >= 4 && name.front() == '0';
    } else if (std::regex_match(name, k_flyway) || std::regex_match(name, k_flyway_repeatable)) {
      flyway = true;
    }
  }
  if (numbered + flyway + prisma > 1) {
    throw Error(ErrorKind::config, dir.string() + " holds migrations of more than one layout (" +
                                       (numbered ? "NNNN_name.up.sql " : "") +
                                       (flyway ? "Flyway V1__name.sql " : "") +
                                       (prisma ? "Prisma folders" : "") +
                                       "); keep one, or set migrations.format in ferry.yaml");
  }
  if (flyway)
    return MigrationFormat::flyway;
  if (prisma)
    return MigrationFormat::prisma;
  return numbered && !padded ? MigrationFormat::golang_migrate : MigrationFormat::ferry;
}

void add_versioned(std::map<std::vector<std::uint64_t>, Migration>& by_version,
                   const fs::path& file, std::string version, std::vector<std::uint64_t> order,
                   std::string name, bool down) {
  Migration& m = by_version[order];
  if (!m.version.empty() && (down ? !m.down.empty() : !m.up.empty())) {
    refuse(file, "version " + version + " is also " + (down ? m.down : m.up).filename().string());
  }
  m.version = std::move(version);
  m.order = std::move(order);
  if (down) {
    m.down = file;
    if (m.name.empty())
      m.name = std::move(name);
  } else {
    m.up = file;
    m.name = std::move(name);
  }
}

}  // namespace

const char* to_string(MigrationFormat format) noexcept {
  switch (format) {
    case MigrationFormat::ferry:
      return "ferry";
    case MigrationFormat::flyway:
      return "flyway";
    case MigrationFormat::golang_migrate:
      return "golang-migrate";
    case MigrationFormat::prisma:
      return "prisma";
  }
  return "ferry";
}

std::vector<std::uint64_t> version_order(const std::string& text) {
  return numbers_of(text);
}

std::string file_checksum(const fs::path& file) {
  const std::string bytes = read_file(file);
  const XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
  return Hash128{.low = h.low64, .high = h.high64}.hex();
}

const Migration* MigrationSet::find(std::string_view version) const {
  const auto order = numbers_of(std::string(version));
  for (const Migration& m : versioned) {
    if (m.version == version || (!order.empty() && m.order == order))
      return &m;
  }
  for (const Migration& m : repeatable) {
    if (m.version == version)
      return &m;
  }
  return nullptr;
}

MigrationSet load_migrations(const fs::path& dir, const std::string& format) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw Error(ErrorKind::config, "no migrations directory " + dir.string() +
                                       " (create it with `ferry migrate new NAME`, or set "
                                       "migrations: in ferry.yaml)");
  }
  MigrationSet set;
  set.dir = dir;
  if (format.empty()) {
    set.format = detect(dir);
  } else if (const auto f = format_named(format)) {
    set.format = *f;
  } else {
    throw Error(ErrorKind::config, "unknown migrations format '" + format + "'");
  }
  std::map<std::vector<std::uint64_t>, Migration> by_version;
  std::map<std::string, Migration> repeatable;
  std::vector<fs::path> entries;
  for (const auto& entry : fs::directory_iterator(dir))
    entries.push_back(entry.path());
  std::sort(entries.begin(), entries.end());
  for (const fs::path& path : entries) {
    const std::string name = path.filename().string();
    std::smatch m;
    if (set.format == MigrationFormat::prisma) {
      if (!fs::is_directory(path))
        continue;  // migration_lock.toml and the like
      if (!std::regex_match(name, m, k_prisma) || !fs::exists(path / "migration.sql"))
        refuse(path, "not a Prisma migration folder (<timestamp>_<name>/migration.sql)");
      add_versioned(by_version, path / "migration.sql", name, numbers_of(m[1].str()), m[2].str(),
                    false);
      continue;
    }
    if (fs::is_directory(path) || path.extension() != ".sql")
      continue;
    if (set.format == MigrationFormat::flyway) {
      if (std::regex_match(name, m, k_flyway_repeatable)) {
        Migration r{
            .version = "R__" + m[1].str(), .name = m[1].str(), .up = path, .repeatable = true};
        repeatable[r.name] = r;
        continue;
      }
      if (!std::regex_match(name, m, k_flyway))
        refuse(path, "not a Flyway migration name (V1__name.sql, U1__name.sql, R__name.sql)");
      auto order = numbers_of(m[2].str());
      add_versioned(by_version, path, joined(order), order, m[3].str(), m[1].str() == "U");
      continue;
    }
    if (!std::regex_match(name, m, k_numbered))
      refuse(path, "not a migration name (NNNN_name.up.sql or NNNN_name.down.sql)");
    auto order = numbers_of(m[1].str());
    add_versioned(by_version, path, joined(order), order, m[2].str(), m[3].str() == "down");
  }
  for (auto& [order, m] : by_version) {
    if (m.up.empty())
      refuse(m.down, "a down (undo) file without its up file for version " + m.version);
    m.checksum = file_checksum(m.up);
    set.versioned.push_back(std::move(m));
  }
  for (auto& [name, m] : repeatable) {
    m.checksum = file_checksum(m.up);
    set.repeatable.push_back(std::move(m));
  }
  return set;
}

std::vector<fs::path> new_migration(const MigrationSet& set, const std::string& name,
                                    bool dry_run) {
  std::string slug;
  for (const char c : name) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
    slug += ok ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '_';
  }
  if (slug.empty() || slug.find_first_not_of('_') == std::string::npos)
    throw Error(ErrorKind::usage, "a migration needs a name of letters, digits or _");
  const std::uint64_t next = set.versioned.empty() ? 1 : set.versioned.back().order.front() + 1;
  std::vector<std::pair<fs::path, std::string>> files;
  const std::string header = "-- " + name + "\n";
  switch (set.format) {
    case MigrationFormat::ferry:
    case MigrationFormat::golang_migrate: {
      std::size_t width = set.format == MigrationFormat::ferry ? 4 : 1;
      if (!set.versioned.empty()) {
        const std::string last = set.versioned.back().up.filename().string();
        width = std::max(width, last.find('_'));
      }
      std::string number = std::to_string(next);
      if (number.size() < width)
        number.insert(0, width - number.size(), '0');
      files.emplace_back(set.dir / (number + "_" + slug + ".up.sql"), header);
      files.emplace_back(set.dir / (number + "_" + slug + ".down.sql"),
                         "-- reverts " + number + "_" + slug + ".up.sql\n");
      break;
    }
    case MigrationFormat::flyway:
      files.emplace_back(set.dir / ("V" + std::to_string(next) + "__" + slug + ".sql"), header);
      break;
    case MigrationFormat::prisma: {
      const std::time_t now = std::time(nullptr);
      std::tm tm{};
      ::gmtime_r(&now, &tm);
      char stamp[32];
      std::strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
      files.emplace_back(set.dir / (std::string(stamp) + "_" + slug) / "migration.sql", header);
      break;
    }
  }
  std::vector<fs::path> out;
  for (const auto& [path, text] : files) {
    if (fs::exists(path))
      throw Error(ErrorKind::usage, path.string() + " exists");
    out.push_back(path);
  }
  if (dry_run)
    return out;
  for (const auto& [path, text] : files) {
    fs::create_directories(path.parent_path());
    write_file_atomically(path, text);
  }
  return out;
}

}  // namespace ferry::engine
