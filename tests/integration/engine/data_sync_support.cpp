#include "data_sync_support.hpp"
#include "ferry/common/text.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace ferry::test::data {
namespace {

constexpr std::int64_t k_micros = 1'000'000;
// 2000-01-01 .. 2030-01-01: inside MariaDB's TIMESTAMP range.
constexpr std::int64_t k_first_second = 946'684'800;
constexpr std::int64_t k_last_second = 1'893'456'000;

const std::vector<std::string> k_texts = {
    "Zürich – 東京 🚢", "Zł", "", "O'Brien", "tab\there", "line\nbreak", "plain", "ÄÖÜ ß",
};

std::string hex(std::string_view bytes) {
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char ch : bytes) {
    out += k_digits[ch >> 4];
    out += k_digits[ch & 15];
  }
  return out;
}

std::string format_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string format_cents(std::int64_t cents) {
  const std::int64_t a = cents < 0 ? -cents : cents;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%lld.%02lld", cents < 0 ? "-" : "",
                static_cast<long long>(a / 100), static_cast<long long>(a % 100));
  return buf;
}

// "YYYY-MM-DD HH:MM:SS.ffffff" for epoch microseconds, shifted by `offset_minutes`.
std::string format_time(std::int64_t micros, int offset_minutes = 0, char separator = ' ') {
  using namespace std::chrono;
  const std::int64_t shifted = micros + std::int64_t{offset_minutes} * 60 * k_micros;
  const std::int64_t secs = shifted >= 0 ? shifted / k_micros : (shifted - k_micros + 1) / k_micros;
  const std::int64_t frac = shifted - secs * k_micros;
  const sys_days day{floor<days>(sys_seconds{seconds{secs}})};
  const year_month_day ymd{day};
  const std::int64_t of_day = secs - duration_cast<seconds>(day.time_since_epoch()).count();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u%c%02lld:%02lld:%02lld.%06lld",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), separator, static_cast<long long>(of_day / 3600),
                static_cast<long long>(of_day / 60 % 60), static_cast<long long>(of_day % 60),
                static_cast<long long>(frac));
  return buf;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size())
    return std::nullopt;
  return v;
}

// "[-]D[.F]" to an integer scaled by 10^scale, exactly; nullopt when not such a decimal or
// when digits beyond the scale are not zero.
std::optional<std::int64_t> parse_scaled(std::string_view s, int scale) {
  const bool negative = s.starts_with('-');
  if (negative)
    s.remove_prefix(1);
  const auto dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  std::string frac(dot == std::string_view::npos ? "" : s.substr(dot + 1));
  if (whole.empty() || whole.find_first_not_of("0123456789") != std::string_view::npos ||
      frac.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  if (static_cast<int>(frac.size()) > scale) {
    if (frac.find_first_not_of('0', static_cast<std::size_t>(scale)) != std::string::npos)
      return std::nullopt;
    frac.resize(static_cast<std::size_t>(scale));
  }
  frac.append(static_cast<std::size_t>(scale) - frac.size(), '0');
  const auto w = parse_int(whole);
  const auto f = frac.empty() ? std::optional<std::int64_t>(0) : parse_int(frac);
  if (!w || !f)
    return std::nullopt;
  std::int64_t factor = 1;
  for (int i = 0; i < scale; ++i)
    factor *= 10;
  const std::int64_t v = *w * factor + *f;
  return negative ? -v : v;
}

// "YYYY-MM-DD[ T]HH:MM:SS[.f][Z|+HH[:MM]|-HH[:MM]]" (SQLite's stored text) to epoch micros.
std::optional<std::int64_t> parse_timestamp(std::string_view s) {
  using namespace std::chrono;
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') ||
      s[13] != ':' || s[16] != ':')
    return std::nullopt;
  const auto y = parse_int(s.substr(0, 4)), mo = parse_int(s.substr(5, 2)),
             d = parse_int(s.substr(8, 2)), h = parse_int(s.substr(11, 2)),
             mi = parse_int(s.substr(14, 2)), se = parse_int(s.substr(17, 2));
  if (!y || !mo || !d || !h || !mi || !se)
    return std::nullopt;
  std::size_t pos = 19;
  std::int64_t frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    std::string digits;
    for (++pos; pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])); ++pos)
      digits += s[pos];
    digits = (digits + "000000").substr(0, 6);
    frac = *parse_int(digits);
  }
  std::int64_t offset_minutes = 0;
  if (pos < s.size()) {
    const std::string_view zone = s.substr(pos);
    if (zone == "Z") {
    } else if ((zone[0] == '+' || zone[0] == '-') && zone.size() >= 3) {
      const auto oh = parse_int(zone.substr(1, 2));
      const auto om = zone.size() >= 6 ? parse_int(zone.substr(4, 2)) : std::optional<int64_t>(0);
      if (!oh || !om)
        return std::nullopt;
      offset_minutes = (zone[0] == '-' ? -1 : 1) * (*oh * 60 + *om);
    } else {
      return std::nullopt;
    }
  }
  const sys_days day{year{static_cast<int>(*y)} / month{static_cast<unsigned>(*mo)} /
                     static_cast<unsigned>(*d)};
  const std::int64_t secs = duration_cast<seconds>(day.time_since_epoch()).count() + *h * 3600 +
                            *mi * 60 + *se - offset_minutes * 60;
  return secs * k_micros + frac;
}

std::optional<std::string> bad(const std::string& raw) {
  return "unparsable:" + raw;
}

std::optional<std::string> norm_cents(const std::optional<std::string>& v) {
  if (!v)
    return std::nullopt;
  if (const auto c = parse_scaled(*v, 2))
    return std::to_string(*c);
  return bad(*v);
}

std::optional<std::string> norm_double(const std::optional<std::string>& v) {
  if (!v)
    return std::nullopt;
  char* end = nullptr;
  const double d = std::strtod(v->c_str(), &end);
  if (end != v->c_str() + v->size() || v->empty())
    return bad(*v);
  return format_double(d);
}

std::optional<std::string> norm_epoch(const std::optional<std::string>& v) {
  if (!v)
    return std::nullopt;
  if (const auto m = parse_scaled(*v, 6))
    return std::to_string(*m);
  return bad(*v);
}

std::optional<std::string> norm_time_text(const std::optional<std::string>& v) {
  if (!v)
    return std::nullopt;
  if (const auto m = parse_timestamp(*v))
    return std::to_string(*m);
  return bad(*v);
}

std::optional<std::string> norm_bool(const std::optional<std::string>& v) {
  if (!v)
    return std::nullopt;
  if (*v == "0" || *v == "1")
    return *v;
  return bad(*v);
}

std::optional<std::string> norm_lower(const std::optional<std::string>& v) {
  return v ? std::optional<std::string>(ascii_lower(*v)) : std::nullopt;
}

template <typename T>
std::string optional_sql(const std::optional<T>& v, const std::function<std::string(const T&)>& f) {
  return v ? f(*v) : "NULL";
}

// The non-key fields of `r` as SQL literals, in column order.
std::vector<std::string> region_fields(Dialect d, const Region& r) {
  const std::string cents = optional_sql<std::int64_t>(r.cents, format_cents);
  const std::string ratio = optional_sql<double>(r.ratio, [](double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17e", v);  // a float literal, never a decimal one
    return std::string(buf);
  });
  const std::string name =
      optional_sql<std::string>(r.name, [d](const std::string& s) { return sql_text(d, s); });
  const std::string time = optional_sql<std::int64_t>(r.micros, [d](std::int64_t m) {
    switch (d) {
      case Dialect::postgres:
        return "'" + format_time(m) + "+00'";
      case Dialect::mysql:
        return "'" + format_time(m) + "'";  // the connector's session runs in UTC
      case Dialect::sqlite:
        // Text as other writers store it: UTC, ISO 'T' with an offset, or local with +05:30.
        switch (m % 3) {
          case 0:
            return "'" + format_time(m) + "Z'";
          case 1:
            return "'" + format_time(m, 0, 'T') + "+00:00'";
          default:
            return "'" + format_time(m, 330) + "+05:30'";
        }
    }
    return std::string("NULL");
  });
  const std::string payload = optional_sql<std::string>(r.payload, [d](const std::string& b) {
    return d == Dialect::postgres ? "'\\x" + hex(b) + "'::bytea" : "X'" + hex(b) + "'";
  });
  const std::string active = optional_sql<bool>(r.active, [d](bool b) {
    if (d == Dialect::postgres)
      return std::string(b ? "true" : "false");
    return std::string(b ? "1" : "0");
  });
  return {cents, ratio, name, time, payload, active};
}

std::string region_values(Dialect d, const Region& r) {
  std::string out;
  for (const std::string& f : region_fields(d, r))
    out += (out.empty() ? "" : ", ") + f;
  return out;
}

std::string region_ref(Dialect d, const std::optional<RegionKey>& k) {
  return k ? std::to_string(k->first) + ", " + sql_text(d, k->second) : "NULL, NULL";
}

std::string optional_text(Dialect d, const std::optional<std::string>& s) {
  return s ? sql_text(d, *s) : "NULL";
}

std::string random_text(Rng& rng) {
  if (rng.percent(40))
    return k_texts[rng.below(k_texts.size())];
  return "name-" + std::to_string(rng.below(1'000'000)) + (rng.percent(30) ? " Zł" : "");
}

std::string random_bytes(Rng& rng) {
  std::string out(rng.below(17), '\0');
  for (char& c : out)
    c = static_cast<char>(rng.below(256));
  return out;
}

double random_double(Rng& rng) {
  switch (rng.below(4)) {
    case 0:
      return 0.1 * static_cast<double>(rng.between(1, 9)) + 0.2;  // 17 significant digits
    case 1:
      return static_cast<double>(rng.between(-1'000'000, 1'000'000)) / 1024.0;
    default: {
      double scale = 1;
      for (std::uint64_t i = rng.below(10); i > 0; --i)
        scale *= 10;
      return static_cast<double>(rng.between(-999'999'999'999, 999'999'999'999)) / scale;
    }
  }
}

}  // namespace

std::string pair_name(const DialectPair& pair) {
  auto name = [](Dialect d) {
    switch (d) {
      case Dialect::postgres:
        return "Postgres";
      case Dialect::mysql:
        return "MariaDB";
      case Dialect::sqlite:
        return "Sqlite";
    }
    return "Unknown";
  };
  return std::string(name(pair.master)) + "To" + name(pair.tenant);
}

std::uint64_t test_seed() {
  if (const char* s = std::getenv("FERRY_TEST_SEED"); s != nullptr && *s != '\0')
    return std::strtoull(s, nullptr, 10);
  return 20240611;
}

RegionKey region_key_of(std::int64_t row) {
  const std::int64_t id = row / 3 + 1;
  return {id, k_codes[static_cast<std::size_t>((row % 3) * 2 + id % 2)]};
}

Region random_region(Rng& rng, const RegionKey& key) {
  Region r;
  r.id = key.first;
  r.code = key.second;
  if (!rng.percent(10))
    r.cents = rng.between(-9'999'999'999, 9'999'999'999);
  if (!rng.percent(10))
    r.ratio = random_double(rng);
  if (!rng.percent(10))
    r.name = random_text(rng);
  if (!rng.percent(10))
    r.micros = rng.between(k_first_second, k_last_second) * k_micros +
               static_cast<std::int64_t>(rng.below(k_micros));
  if (!rng.percent(10))
    r.payload = random_bytes(rng);
  if (!rng.percent(10))
    r.active = rng.percent(50);
  return r;
}

void mutate_region(Rng& rng, Region& r) {
  const NormalRow before = normal(r);
  for (int attempt = 0; attempt < 20 && normal(r) == before; ++attempt) {
    for (std::uint64_t n = rng.below(3) + 1; n > 0; --n) {
      const bool to_null = rng.percent(25);
      switch (rng.below(6)) {
        case 0:
          r.cents = to_null ? std::nullopt
                            : std::optional<std::int64_t>(rng.between(-99'999'999, 99'999'999));
          break;
        case 1:
          if (to_null)
            r.ratio.reset();
          else
            r.ratio = r.ratio ? *r.ratio * 1.5 + 0.1 : random_double(rng);
          break;
        case 2:
          r.name = to_null ? std::nullopt : std::optional<std::string>(random_text(rng));
          break;
        case 3:
          r.micros = to_null ? std::nullopt
                             : std::optional<std::int64_t>(
                                   rng.between(k_first_second, k_last_second) * k_micros + 1);
          break;
        case 4:
          if (to_null) {
            r.payload.reset();
          } else if (r.payload && !r.payload->empty()) {
            (*r.payload)[rng.below(r.payload->size())] ^= 0x5a;  // one byte changed
          } else {
            r.payload = random_bytes(rng);
          }
          break;
        default:
          r.active = to_null ? std::nullopt : std::optional<bool>(!r.active.value_or(true));
          break;
      }
    }
  }
}

Site random_site(Rng& rng, std::int64_t id, const std::vector<RegionKey>& parents) {
  Site s;
  s.id = id;
  if (!parents.empty() && !rng.percent(10))
    s.region = parents[rng.below(parents.size())];
  if (!rng.percent(10))
    s.label = random_text(rng);
  return s;
}

std::vector<std::string> create_tables(Dialect d, Side side) {
  struct Types {
    const char *integer, *key_text, *numeric, *dbl, *text, *timestamptz, *bytes, *boolean, *suffix;
  };
  const Types t =
      d == Dialect::postgres ? Types{"INTEGER", "VARCHAR(32)", "NUMERIC(12,2)", "DOUBLE PRECISION",
                                     "TEXT",    "TIMESTAMPTZ", "BYTEA",         "BOOLEAN",
                                     ""}
      : d == Dialect::mysql
          ? Types{"INT",           "VARCHAR(32)", "DECIMAL(12,2)",
                  "DOUBLE",        "TEXT",        "TIMESTAMP(6) NULL DEFAULT NULL",
                  "VARBINARY(64)", "BOOLEAN",     " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"}
          : Types{"INTEGER", "VARCHAR(32)", "NUMERIC(12,2)", "DOUBLE PRECISION",
                  "TEXT",    "TIMESTAMPTZ", "BLOB",          "BOOLEAN",
                  ""};
  const std::string i = t.integer, k = t.key_text;
  std::vector<std::string> out = {
      "CREATE TABLE regions (region_id " + i + " NOT NULL, code " + k + " NOT NULL, amount " +
          t.numeric + ", ratio " + t.dbl + ", name " + t.text + ", updated_at " + t.timestamptz +
          ", payload " + t.bytes + ", active " + t.boolean + ", PRIMARY KEY (region_id, code))" +
          t.suffix,
      "CREATE TABLE sites (site_id " + i + " NOT NULL PRIMARY KEY, region_id " + i + ", code " + k +
          ", label " + t.text +
          ", CONSTRAINT sites_region_fk FOREIGN KEY (region_id, code) REFERENCES regions "
          "(region_id, code))" +
          t.suffix,
      "CREATE TABLE audit_log (id " + i + " NOT NULL PRIMARY KEY, what " + t.text + ")" + t.suffix,
      "CREATE TABLE no_key (id " + i + ", what " + t.text + ")" + t.suffix,
  };
  // Child FK columns indexed, as any real schema has them (MariaDB makes these itself).
  if (d != Dialect::mysql)
    out.push_back("CREATE INDEX sites_region_idx ON sites (region_id, code)");
  if (side == Side::master) {
    out.push_back("CREATE TABLE master_only (id " + i + " NOT NULL PRIMARY KEY, what " + t.text +
                  ")" + t.suffix);
  } else {
    out.push_back("CREATE TABLE tenant_notes (note_id " + i + " NOT NULL PRIMARY KEY, region_id " +
                  i + " NOT NULL, code " + k + " NOT NULL, note " + t.text +
                  ", CONSTRAINT tenant_notes_region_fk FOREIGN KEY (region_id, code) REFERENCES "
                  "regions (region_id, code))" +
                  t.suffix);
    if (d != Dialect::mysql)
      out.push_back("CREATE INDEX tenant_notes_region_idx ON tenant_notes (region_id, code)");
  }
  return out;
}

std::string sql_text(Dialect d, const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += '\'';
    if (c == '\\' && d == Dialect::mysql)
      out += '\\';  // the connector's MariaDB session keeps backslash escapes
    out += c;
  }
  return out + "'";
}

std::vector<std::string> insert_regions(Dialect d, const std::vector<Region>& rows,
                                        std::size_t per_statement) {
  std::vector<std::string> out;
  for (std::size_t start = 0; start < rows.size(); start += per_statement) {
    std::string sql =
        "INSERT INTO regions (region_id, code, amount, ratio, name, updated_at, payload, active) "
        "VALUES ";
    for (std::size_t i = start; i < std::min(rows.size(), start + per_statement); ++i) {
      sql += (i == start ? "(" : ", (") + std::to_string(rows[i].id) + ", " +
             sql_text(d, rows[i].code) + ", " + region_values(d, rows[i]) + ")";
    }
    out.push_back(std::move(sql));
  }
  return out;
}

std::vector<std::string> insert_sites(Dialect d, const std::vector<Site>& rows) {
  std::vector<std::string> out;
  for (std::size_t start = 0; start < rows.size(); start += 500) {
    std::string sql = "INSERT INTO sites (site_id, region_id, code, label) VALUES ";
    for (std::size_t i = start; i < std::min(rows.size(), start + 500); ++i) {
      sql += (i == start ? "(" : ", (") + std::to_string(rows[i].id) + ", " +
             region_ref(d, rows[i].region) + ", " + optional_text(d, rows[i].label) + ")";
    }
    out.push_back(std::move(sql));
  }
  return out;
}

std::string update_region(Dialect d, const Region& r) {
  const std::vector<std::string> fields = region_fields(d, r);
  const char* names[] = {"amount", "ratio", "name", "updated_at", "payload", "active"};
  std::string set;
  for (std::size_t i = 0; i < fields.size(); ++i)
    set += std::string(i ? ", " : "") + names[i] + " = " + fields[i];
  return "UPDATE regions SET " + set + " WHERE region_id = " + std::to_string(r.id) +
         " AND code = " + sql_text(d, r.code);
}

std::string delete_region(Dialect d, const RegionKey& key) {
  return "DELETE FROM regions WHERE region_id = " + std::to_string(key.first) +
         " AND code = " + sql_text(d, key.second);
}

std::string update_site(Dialect d, const Site& s) {
  return "UPDATE sites SET region_id = " +
         (s.region ? std::to_string(s.region->first) : std::string("NULL")) +
         ", code = " + (s.region ? sql_text(d, s.region->second) : std::string("NULL")) +
         ", label = " + optional_text(d, s.label) + " WHERE site_id = " + std::to_string(s.id);
}

std::string delete_site(std::int64_t id) {
  return "DELETE FROM sites WHERE site_id = " + std::to_string(id);
}

std::string insert_note(Dialect d, std::int64_t id, const RegionKey& region,
                        const std::string& note) {
  return "INSERT INTO tenant_notes (note_id, region_id, code, note) VALUES (" + std::to_string(id) +
         ", " + region_ref(d, region) + ", " + sql_text(d, note) + ")";
}

NormalRow normal(const Region& r) {
  NormalRow row{std::to_string(r.id), r.code};
  row.push_back(r.cents ? std::optional<std::string>(std::to_string(*r.cents)) : std::nullopt);
  row.push_back(r.ratio ? std::optional<std::string>(format_double(*r.ratio)) : std::nullopt);
  row.push_back(r.name);
  row.push_back(r.micros ? std::optional<std::string>(std::to_string(*r.micros)) : std::nullopt);
  row.push_back(r.payload ? std::optional<std::string>(hex(*r.payload)) : std::nullopt);
  row.push_back(r.active ? std::optional<std::string>(*r.active ? "1" : "0") : std::nullopt);
  return row;
}

NormalRow normal(const Site& s) {
  NormalRow row{std::to_string(s.id)};
  row.push_back(s.region ? std::optional<std::string>(std::to_string(s.region->first))
                         : std::nullopt);
  row.push_back(s.region ? std::optional<std::string>(s.region->second) : std::nullopt);
  row.push_back(s.label);
  return row;
}

RegionDump expected(const std::map<RegionKey, Region>& rows) {
  RegionDump out;
  for (const auto& [key, row] : rows)
    out.emplace(key, normal(row));
  return out;
}

SiteDump expected(const std::map<std::int64_t, Site>& rows) {
  SiteDump out;
  for (const auto& [key, row] : rows)
    out.emplace(key, normal(row));
  return out;
}

RegionDump dump_regions(connectors::Connector& db) {
  std::string sql;
  switch (db.dialect()) {
    case Dialect::postgres:
      sql =
          "SELECT region_id, code, amount::text, ratio::text, name, "
          "extract(epoch FROM updated_at)::text, encode(payload, 'hex'), active::int "
          "FROM regions ORDER BY region_id, code COLLATE \"C\"";
      break;
    case Dialect::mysql:
      sql =
          "SELECT region_id, code, amount, ratio, name, UNIX_TIMESTAMP(updated_at), "
          "LOWER(HEX(payload)), active FROM regions ORDER BY region_id, code";
      break;
    case Dialect::sqlite:
      sql =
          "SELECT region_id, code, amount, CASE WHEN ratio IS NULL THEN NULL ELSE "
          "printf('%!.17g', ratio) END, name, updated_at, CASE WHEN payload IS NULL THEN NULL "
          "ELSE lower(hex(payload)) END, active FROM regions ORDER BY region_id, code";
      break;
  }
  RegionDump out;
  for (const connectors::TextRow& r : db.query(sql)) {
    NormalRow row{r[0],
                  r[1],
                  norm_cents(r[2]),
                  norm_double(r[3]),
                  r[4],
                  db.dialect() == Dialect::sqlite ? norm_time_text(r[5]) : norm_epoch(r[5]),
                  norm_lower(r[6]),
                  norm_bool(r[7])};
    RegionKey key{parse_int(r[0].value_or("")).value_or(-1), r[1].value_or("")};
    if (!out.emplace(key, std::move(row)).second)
      throw std::runtime_error("duplicate key " + render(key) + " in regions");
  }
  return out;
}

SiteDump dump_sites(connectors::Connector& db) {
  SiteDump out;
  for (const connectors::TextRow& r :
       db.query("SELECT site_id, region_id, code, label FROM sites ORDER BY site_id")) {
    out.emplace(parse_int(r[0].value_or("")).value_or(-1), NormalRow(r.begin(), r.end()));
  }
  return out;
}

std::vector<connectors::TextRow> raw_dump(connectors::Connector& db, const std::string& table,
                                          const std::string& order_by) {
  return db.query("SELECT * FROM " + table + " ORDER BY " + order_by);
}

std::int64_t orphans(connectors::Connector& db, const std::string& child) {
  const auto rows = db.query("SELECT count(*) FROM " + child +
                             " c LEFT JOIN regions r ON r.region_id = c.region_id AND r.code = "
                             "c.code WHERE c.region_id IS NOT NULL AND c.code IS NOT NULL AND "
                             "r.region_id IS NULL");
  return parse_int(rows.at(0).at(0).value_or("")).value_or(-1);
}

std::string render(const NormalRow& row) {
  std::string out = "(";
  for (std::size_t i = 0; i < row.size(); ++i)
    out += (i ? ", " : "") + (row[i] ? "'" + *row[i] + "'" : std::string("NULL"));
  return out + ")";
}

std::string render(const RegionKey& key) {
  return "(" + std::to_string(key.first) + ", '" + key.second + "')";
}

namespace {

template <typename Key>
std::string key_text(const Key& k) {
  if constexpr (std::is_same_v<Key, RegionKey>)
    return render(k);
  else
    return std::to_string(k);
}

template <typename Dump>
std::string compare_dumps(const Dump& expected, const Dump& actual) {
  std::string out;
  int shown = 0;
  auto note = [&](const std::string& line) {
    if (shown++ < 5)
      out += "\n  " + line;
  };
  for (const auto& [key, row] : expected) {
    const auto it = actual.find(key);
    if (it == actual.end())
      note("missing " + key_text(key) + " " + render(row));
    else if (it->second != row)
      note("differs " + key_text(key) + ": expected " + render(row) + ", got " +
           render(it->second));
  }
  for (const auto& [key, row] : actual) {
    if (!expected.contains(key))
      note("unexpected " + key_text(key) + " " + render(row));
  }
  if (shown == 0)
    return {};
  return std::to_string(shown) + " difference(s); expected " + std::to_string(expected.size()) +
         " rows, got " + std::to_string(actual.size()) + out;
}

}  // namespace

std::string differences(const RegionDump& expected, const RegionDump& actual) {
  return compare_dumps(expected, actual);
}

std::string differences(const SiteDump& expected, const SiteDump& actual) {
  return compare_dumps(expected, actual);
}

CommandOutput ferry(const std::string& args) {
  CommandOutput out = run_ferry(args);
  EXPECT_EQ(out.output.find("ferry-test-pw"), std::string::npos)
      << "the password shows in the output of ferry " << args << ":\n"
      << out.output;
  return out;
}

std::string json_part(const std::string& output) {
  const auto start = output.starts_with("{") ? 0 : output.find("\n{\n");
  return start == std::string::npos ? std::string{} : output.substr(start);
}

std::string quoted(const std::string& url) {
  return "'" + url + "'";
}

void DataSyncTest::SetUp() {
  m_master_db = std::make_unique<TempDatabase>(master_dialect());
  m_tenant_db = std::make_unique<TempDatabase>(tenant_dialect());
  m_master = m_master_db->connect();
  m_tenant = m_tenant_db->connect();
  m_master->execute(create_tables(master_dialect(), Side::master));
  m_tenant->execute(create_tables(tenant_dialect(), Side::tenant));
}

void DataSyncTest::TearDown() {
  if (HasFailure()) {
    std::fprintf(stderr, "data sync test data came from seed %llu (set FERRY_TEST_SEED to vary)\n",
                 static_cast<unsigned long long>(test_seed()));
  }
  m_master.reset();
  m_tenant.reset();
}

std::string DataSyncTest::sync_args(const std::string& tables, const std::string& extra) const {
  return "data sync --from " + quoted(m_master_db->url()) + " --to " + quoted(m_tenant_db->url()) +
         " --tables " + tables + (extra.empty() ? "" : " " + extra);
}

std::string DataSyncTest::diff_args(const std::string& tables, const std::string& extra) const {
  return "data diff --from " + quoted(m_master_db->url()) + " --to " + quoted(m_tenant_db->url()) +
         " --tables " + tables + (extra.empty() ? "" : " " + extra);
}

void DataSyncTest::seed_master(Rng& rng, std::size_t regions, std::size_t sites) {
  std::vector<Region> rows;
  std::vector<RegionKey> keys;
  for (std::size_t i = 0; i < regions; ++i) {
    rows.push_back(random_region(rng, region_key_of(static_cast<std::int64_t>(i))));
    keys.push_back(rows.back().key());
    m_regions.emplace(keys.back(), rows.back());
  }
  std::vector<Site> site_rows;
  for (std::size_t i = 1; i <= sites; ++i) {
    site_rows.push_back(random_site(rng, static_cast<std::int64_t>(i), keys));
    m_sites.emplace(site_rows.back().id, site_rows.back());
  }
  std::vector<std::string> statements = insert_regions(master_dialect(), rows);
  for (std::string& s : insert_sites(master_dialect(), site_rows))
    statements.push_back(std::move(s));
  m_master->execute(statements);
}

void DataSyncTest::initial_sync() {
  const CommandOutput out = ferry(sync_args("regions,sites"));
  ASSERT_EQ(out.exit_code, 0) << out.output;
  expect_synced("after the initial sync");
}

void DataSyncTest::expect_synced(const std::string& context) {
  const RegionDump master_regions = dump_regions(*m_master);
  ASSERT_EQ(differences(expected(m_regions), master_regions), "")
      << context << ": the master's regions differ from the model (test bug?)";
  ASSERT_EQ(differences(expected(m_sites), dump_sites(*m_master)), "")
      << context << ": the master's sites differ from the model (test bug?)";
  EXPECT_EQ(differences(master_regions, dump_regions(*m_tenant)), "")
      << context << ": tenant regions";
  EXPECT_EQ(differences(expected(m_sites), dump_sites(*m_tenant)), "")
      << context << ": tenant sites";
}

}  // namespace ferry::test::data
