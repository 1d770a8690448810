#include "snapshot_support.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "ferry/common/hash128.hpp"
#include "ferry/common/text.hpp"

namespace ferry::test::snap {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string read_whole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_whole(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size())
    return std::nullopt;
  return v;
}

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// A value longer than 4 KiB as its length and hash, so that a dump of 16 MiB values stays
// small (and a failure message readable).
std::string shortened(std::string value) {
  if (value.size() <= 4096)
    return value;
  char buf[96];
  std::snprintf(buf, sizeof buf, "<%zu bytes, fnv1a %016llx>", value.size(),
                static_cast<unsigned long long>(fnv1a(value)));
  return buf;
}

// Bytes as they are unless they are control characters or the escape character.
std::string escaped(std::string_view v) {
  std::string out;
  for (const unsigned char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Dates and times: civil dates from day numbers (Howard Hinnant's algorithms), so that the
// test writes and normalizes them without ferry's code.

struct Civil {
  std::int64_t y;
  unsigned m, d;
};

Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

}  // namespace

std::string format_micros(std::int64_t micros, char separator) {
  const std::int64_t secs = floor_div(micros, 1'000'000);
  const std::int64_t frac = micros - secs * 1'000'000;
  const std::int64_t days = floor_div(secs, 86400);
  const std::int64_t of_day = secs - days * 86400;
  const Civil c = civil_from_days(days);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u%c%02lld:%02lld:%02lld.%06lld",
                static_cast<long long>(c.y), c.m, c.d, separator,
                static_cast<long long>(of_day / 3600), static_cast<long long>(of_day / 60 % 60),
                static_cast<long long>(of_day % 60), static_cast<long long>(frac));
  return buf;
}

std::optional<std::string> normal_time(std::string_view s) {
  if (s.size() < 8 || s[2] != ':' || s[5] != ':')
    return std::nullopt;
  std::string frac;
  if (s.size() > 8) {
    if (s[8] != '.')
      return std::nullopt;
    frac = std::string(s.substr(9));
    if (frac.empty() || frac.size() > 6 ||
        frac.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
  }
  return std::string(s.substr(0, 8)) + "." + (frac + "000000").substr(0, 6);
}

std::optional<std::int64_t> timestamp_micros(std::string_view s, bool& zoned) {
  zoned = false;
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T'))
    return std::nullopt;
  const auto y = parse_int(s.substr(0, 4)), mo = parse_int(s.substr(5, 2)),
             d = parse_int(s.substr(8, 2));
  std::size_t end = 19;
  while (end < s.size() && (std::isdigit(static_cast<unsigned char>(s[end])) || s[end] == '.'))
    ++end;
  const auto t = normal_time(s.substr(11, end - 11));
  if (!y || !mo || !d || !t)
    return std::nullopt;
  std::int64_t offset_minutes = 0;
  const std::string_view zone = s.substr(end);
  if (zone == "Z") {
    zoned = true;
  } else if (!zone.empty()) {
    if ((zone[0] != '+' && zone[0] != '-') || zone.size() < 3)
      return std::nullopt;
    const auto oh = parse_int(zone.substr(1, 2));
    const auto om =
        zone.size() >= 6 ? parse_int(zone.substr(4, 2)) : std::optional<std::int64_t>(0);
    if (!oh || !om)
      return std::nullopt;
    offset_minutes = (zone[0] == '-' ? -1 : 1) * (*oh * 60 + *om);
    zoned = true;
  }
  const std::int64_t days =
      days_from_civil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d));
  const std::int64_t secs = days * 86400 + *parse_int(t->substr(0, 2)) * 3600 +
                            *parse_int(t->substr(3, 2)) * 60 + *parse_int(t->substr(6, 2)) -
                            offset_minutes * 60;
  return secs * 1'000'000 + *parse_int(t->substr(9, 6));
}

namespace {

// A SQLite value as quote() prints it, with date and time text in one spelling: a time as
// HH:MM:SS.ffffff, a timestamp as YYYY-MM-DD HH:MM:SS.ffffff, and one with an offset in UTC.
std::string sqlite_value(const std::string& declared, const std::string& quoted_value) {
  const std::string type = ascii_lower(declared);
  if (quoted_value.size() < 2 || quoted_value.front() != '\'' || quoted_value.back() != '\'')
    return quoted_value;
  const std::string v = quoted_value.substr(1, quoted_value.size() - 2);
  if (type == "time") {
    if (const auto t = normal_time(v))
      return "'" + *t + "'";
  } else if (type == "timestamp" || type == "timestamptz" || type == "datetime") {
    bool zoned = false;
    if (const auto micros = timestamp_micros(v, zoned))
      return "'" + format_micros(*micros, ' ') + (zoned ? "Z'" : "'");
  }
  return quoted_value;
}

std::string sql_text(Dialect d, const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'')
      out += '\'';
    if (c == '\\' && d == Dialect::mysql)
      out += '\\';  // the connector's MariaDB session keeps backslash escapes
    out += c;
  }
  return out + "'";
}

std::string sql_bytes(Dialect d, const std::string& bytes) {
  return d == Dialect::postgres ? "'\\x" + to_hex(bytes) + "'::bytea" : "X'" + to_hex(bytes) + "'";
}

std::string quote_table(connectors::Connector& db, const std::string& table) {
  const auto dot = table.find('.');
  if (dot == std::string::npos)
    return db.quote_identifier(table);
  return db.quote_identifier(table.substr(0, dot)) + "." +
         db.quote_identifier(table.substr(dot + 1));
}

// ---------------------------------------------------------------------------------------
// Clients.

fs::path postgres_tool(const std::string& name) {
  const fs::path debian = fs::path("/usr/lib/postgresql/15/bin") / name;
  return fs::exists(debian) ? debian : fs::path(name);
}

std::map<std::string, std::string> postgres_env(const Endpoint& e) {
  return {{"PGHOST", e.host},         {"PGPORT", std::to_string(e.port.value_or(5432))},
          {"PGUSER", e.user},         {"PGPASSWORD", e.password.reveal()},
          {"PGDATABASE", e.database}, {"PGCLIENTENCODING", "UTF8"},
          {"PGCONNECT_TIMEOUT", "10"}};
}

std::string mysql_dump_tool() {
  for (const char* name : {"/usr/bin/mariadb-dump", "/usr/bin/mysqldump"}) {
    if (fs::exists(name))
      return name;
  }
  return "mariadb-dump";
}

std::string checked(const std::vector<std::string>& argv, const ToolOutput& out) {
  if (out.exit_code != 0) {
    std::string words;
    for (const std::string& a : argv)
      words += (words.empty() ? "" : " ") + a;
    throw std::runtime_error(words + " exited with " + std::to_string(out.exit_code) + ":\n" +
                             out.err + out.out);
  }
  return out.out;
}

std::string postgres_structure(const TempDatabase& db) {
  const std::vector<std::string> argv = {postgres_tool("pg_dump").string(), "--schema-only",
                                         "--no-owner", "--no-privileges"};
  const std::string dump = checked(argv, run_tool(argv, postgres_env(db.endpoint())));
  std::string out;
  for (const std::string& line : lines_of(dump)) {
    if (line.empty() || line.starts_with("--") || line.starts_with("SET ") ||
        line.starts_with("SELECT pg_catalog.set_config(") || line.starts_with("\\restrict") ||
        line.starts_with("\\unrestrict"))
      continue;
    out += replace_all(line, db.name(), "<database>") + "\n";
  }
  return out;
}

std::string mysql_structure(const TempDatabase& db) {
  const Endpoint e = db.endpoint();
  const TempDir dir;
  const fs::path cnf = fs::path(dir.path()) / "client.cnf";
  write_whole(cnf, "[client]\nhost=" + e.host + "\nport=" + std::to_string(e.port.value_or(3306)) +
                       "\nuser=" + e.user + "\npassword=" + e.password.reveal() +
                       "\ndefault-character-set=utf8mb4\n");
  fs::permissions(cnf, fs::perms::owner_read | fs::perms::owner_write);
  const std::vector<std::string> argv = {mysql_dump_tool(),  "--defaults-file=" + cnf.string(),
                                         "--no-data",        "--routines",
                                         "--triggers",       "--skip-comments",
                                         "--skip-dump-date", db.name()};
  const std::string dump = checked(argv, run_tool(argv));
  std::string out;
  for (const std::string& line : lines_of(dump)) {
    if (!line.empty())
      out += replace_all(line, db.name(), "<database>") + "\n";
  }
  return out;
}

json sqlite_rows(const std::string& file, const std::string& sql) {
  const std::vector<std::string> argv = {"sqlite3", "-readonly", "-batch", "-json", file, sql};
  const std::string out = checked(argv, run_tool(argv));
  return out.find_first_not_of(" \n") == std::string::npos ? json::array() : json::parse(out);
}

std::string text(const json& v) {
  return v.is_null() ? std::string("NULL") : v.is_string() ? v.get<std::string>() : v.dump();
}

// SQL with identifier quotes removed, whitespace collapsed, no space next to punctuation,
// lower case: the same statement however a tool wrote it.
std::string normalized_sql(const std::string& sql) {
  std::string collapsed;
  for (const char c : sql) {
    if (c == '"' || c == '`')
      continue;
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!collapsed.empty() && collapsed.back() != ' ')
        collapsed += ' ';
    } else {
      collapsed += c;
    }
  }
  std::string out;
  for (std::size_t i = 0; i < collapsed.size(); ++i) {
    const char c = collapsed[i];
    const bool punct_before = !out.empty() && std::strchr("(),;", out.back()) != nullptr;
    const bool punct_after =
        i + 1 < collapsed.size() && std::strchr("(),;", collapsed[i + 1]) != nullptr;
    if (c == ' ' && (punct_before || punct_after))
      continue;
    out += c;
  }
  while (!out.empty() && (out.back() == ';' || out.back() == ' '))
    out.pop_back();
  return replace_all(ascii_lower(out), "if not exists ", "");
}

// The CHECK clauses of a CREATE TABLE statement, normalized.
std::vector<std::string> checks_of(const std::string& sql) {
  std::vector<std::string> out;
  const std::string low = ascii_lower(sql);
  for (auto at = low.find("check"); at != std::string::npos; at = low.find("check", at + 5)) {
    const bool word_start =
        at == 0 || !(std::isalnum(static_cast<unsigned char>(low[at - 1])) || low[at - 1] == '_');
    std::size_t open = at + 5;
    while (open < low.size() && std::isspace(static_cast<unsigned char>(low[open])))
      ++open;
    if (!word_start || open >= low.size() || low[open] != '(')
      continue;
    int depth = 0;
    std::size_t end = open;
    for (; end < low.size(); ++end) {
      depth += low[end] == '(' ? 1 : low[end] == ')' ? -1 : 0;
      if (depth == 0)
        break;
    }
    out.push_back("check " + normalized_sql(sql.substr(open, end - open + 1)));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string sqlite_structure(const TempDatabase& db) {
  const std::string file = db.endpoint().database;
  if (!fs::exists(file))
    return "(no database file)\n";
  std::vector<std::string> lines;
  for (const json& r : sqlite_rows(file,
                                   "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE "
                                   "name NOT LIKE 'sqlite_%' ORDER BY type, name")) {
    const std::string type = text(r["type"]);
    const std::string line = type + " " + text(r["name"]) + " on " + text(r["tbl_name"]);
    if (type == "table") {
      lines.push_back(line + (ascii_lower(text(r["sql"])).find("autoincrement") != std::string::npos
                                  ? " autoincrement"
                                  : ""));
      for (const std::string& check : checks_of(text(r["sql"])))
        lines.push_back("  " + check);
    } else if (type == "index") {
      lines.push_back(line);  // its columns and kind come from the pragmas below
    } else {
      lines.push_back(line + ": " + normalized_sql(text(r["sql"])));
    }
  }
  // A rowid table's INTEGER PRIMARY KEY column is the rowid, never NULL: whether NOT NULL is
  // also written on it changes nothing.
  for (const json& r : sqlite_rows(
           file,
           "SELECT m.name AS t, c.cid, c.name, c.type, c.\"notnull\" AS nn, c.dflt_value, c.pk, "
           "c.hidden, (upper(c.type) = 'INTEGER' AND c.pk = 1 AND l.wr = 0 AND (SELECT count(*) "
           "FROM pragma_table_info(m.name) k WHERE k.pk > 0) = 1) AS rowid_alias FROM "
           "sqlite_schema m JOIN pragma_table_list l ON l.name = m.name AND l.schema = 'main', "
           "pragma_table_xinfo(m.name) c WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_stat%' "
           "ORDER BY m.name, c.cid")) {
    const std::string notnull = text(r["rowid_alias"]) == "1" ? "rowid" : text(r["nn"]);
    lines.push_back("column " + text(r["t"]) + " #" + text(r["cid"]) + " " + text(r["name"]) +
                    " type=" + text(r["type"]) + " notnull=" + notnull +
                    " default=" + text(r["dflt_value"]) + " pk=" + text(r["pk"]) +
                    " hidden=" + text(r["hidden"]));
  }
  std::map<std::string, std::string> indexes;
  for (const json& r : sqlite_rows(
           file,
           "SELECT m.name AS t, i.name AS i, i.\"unique\" AS u, i.origin, i.partial, x.seqno, "
           "x.name AS c, x.\"desc\" AS d, x.coll FROM sqlite_schema m, pragma_index_list(m.name) "
           "i, pragma_index_xinfo(i.name) x WHERE m.type = 'table' AND x.\"key\" = 1 ORDER BY "
           "m.name, i.name, x.seqno")) {
    const std::string origin = text(r["origin"]);
    std::string& d = indexes[text(r["t"]) + " " + text(r["i"])];
    if (d.empty()) {
      d = "index on " + text(r["t"]) + " " + (origin == "c" ? text(r["i"]) : "<" + origin + ">") +
          " unique=" + text(r["u"]) + " partial=" + text(r["partial"]) + ":";
    }
    d += " " + text(r["c"]) + (text(r["d"]) == "1" ? " desc" : "") + " " + text(r["coll"]);
  }
  std::vector<std::string> index_lines;
  for (const auto& [key, d] : indexes)
    index_lines.push_back(d);
  std::sort(index_lines.begin(), index_lines.end());
  lines.insert(lines.end(), index_lines.begin(), index_lines.end());
  std::map<std::string, std::string> fks;
  for (const json& r : sqlite_rows(file,
                                   "SELECT m.name AS t, f.* FROM sqlite_schema m, "
                                   "pragma_foreign_key_list(m.name) f WHERE m.type = 'table' "
                                   "ORDER BY m.name, f.id, f.seq")) {
    std::string& d = fks[text(r["t"]) + " " + text(r["id"])];
    if (d.empty()) {
      d = "foreign key " + text(r["t"]) + " -> " + text(r["table"]) + " on update " +
          text(r["on_update"]) + " on delete " + text(r["on_delete"]) + " match " +
          text(r["match"]) + ":";
    }
    d += " " + text(r["from"]) + "=" + text(r["to"]);
  }
  std::vector<std::string> fk_lines;
  for (const auto& [key, d] : fks)
    fk_lines.push_back(d);
  std::sort(fk_lines.begin(), fk_lines.end());
  lines.insert(lines.end(), fk_lines.begin(), fk_lines.end());
  std::string out;
  for (const std::string& l : lines)
    out += l + "\n";
  return out;
}

// ---------------------------------------------------------------------------------------
// The source of item 1.

// A row of all_types as the test means it, the same in every dialect where the dialect has
// the type; nullopt is NULL. Times are microseconds since the epoch (a timestamp's wall
// clock as if it were UTC), a time its microseconds of the day, a date its days.
struct TypesRow {
  std::optional<bool> b;
  std::optional<std::int64_t> s, i, n;
  std::optional<std::string> num;   // decimal text, scale 4
  std::optional<std::string> r, d;  // float literals as PostgreSQL reads them (NaN, Infinity)
  std::optional<std::string> t, v, bl;
  std::optional<std::int64_t> dt, tm, ts, tz;
  std::optional<std::string> iv, j, jb, u, m;
};

const char* const k_texts[] = {
    "Zürich – 東京 🚢", "tab\there", "line\nbreak\r\n", "back\\slash \\n not a newline",
    "O'Brien",         "",          "ÄÖÜ ß",           "plain",
};

std::vector<TypesRow> types_rows(Dialect dialect) {
  std::vector<TypesRow> rows;
  // Values at the ends of each type's range, and every special spelling.
  TypesRow a;
  a.b = true;
  a.s = 1;
  a.i = 2;
  a.n = 3;
  a.num = "1.2345";
  a.r = dialect == Dialect::postgres ? "NaN" : "1.5";
  a.d = dialect == Dialect::postgres ? "Infinity" : "0.1";
  a.t = "tab\there\nnew line\\backslash Zürich 東京 🚢 'quoted' \"double\"";
  a.v = "v-a";
  a.bl = std::string("\0\xff\0", 3);
  a.dt = days_from_civil(2024, 2, 29);
  a.tm = (23 * 3600 + 59 * 60 + 59) * std::int64_t{1'000'000} + 123456;
  a.ts = (days_from_civil(2024, 1, 1) * 86400 + 12 * 3600) * std::int64_t{1'000'000} + 500000;
  a.tz = a.ts;
  a.iv = "1 year 2 mons 3 days 04:05:06.7";
  a.j = "{\"a\": 1.50, \"b\": [true, null]}";
  a.jb = "{\"b\": [1, 2], \"a\": \"x\"}";
  a.u = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
  a.m = "happy";
  rows.push_back(a);
  TypesRow b;
  b.b = false;
  b.s = -32768;
  b.i = -2147483648LL;
  b.n = std::numeric_limits<std::int64_t>::min();
  b.num = "-9999999999.9999";
  b.r = dialect == Dialect::postgres ? "-Infinity" : "-3.25e38";
  b.d = dialect == Dialect::postgres ? "NaN" : "-1.7976931348623157e308";
  b.t = "";
  b.v = "v-b";
  b.bl = "";
  // MariaDB's DATE and DATETIME start at year 1000, its TIMESTAMP at 1970-01-01 00:00:01.
  b.dt = dialect == Dialect::mysql ? days_from_civil(1000, 1, 1) : days_from_civil(1, 1, 1);
  b.tm = 0;
  b.ts = (dialect == Dialect::mysql ? days_from_civil(1000, 1, 1) : days_from_civil(1, 1, 1)) *
         86400 * std::int64_t{1'000'000};
  b.tz = dialect == Dialect::mysql ? 1'000'000 : 0;
  b.iv = "-1 days";
  b.j = "[]";
  b.jb = "null";
  b.u = "00000000-0000-0000-0000-000000000000";
  b.m = "sad";
  rows.push_back(b);
  rows.push_back(TypesRow{});  // all NULL
  std::mt19937_64 random(20240611);
  for (int k = 4; k <= k_generated_rows; ++k) {
    TypesRow g;
    const auto null = [&](int column) { return (k + column) % 13 == 0; };
    if (!null(1))
      g.b = k % 2 == 0;
    if (!null(2))
      g.s = (k * 37) % 20000 - 10000;
    if (!null(3))
      g.i = static_cast<std::int64_t>(k) * 1000003 % 2000000000 - 1000000000;
    if (!null(4))
      g.n = (k % 2 ? -1 : 1) * static_cast<std::int64_t>(k) * 123456789012345LL;
    if (!null(5)) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%s%d.%04d", k % 3 ? "" : "-", k * 1009, (k * 37) % 10000);
      g.num = buf;
    }
    if (!null(6)) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.9g", k % 4 ? k / 8.0 : 0.1 * k);
      g.r = buf;
    }
    if (!null(7)) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", k % 3 ? 0.1 * k : 1e300 / k);
      g.d = buf;
    }
    if (!null(8))
      g.t = std::string(k_texts[k % 8]) + " #" + std::to_string(k);
    if (!null(9))
      g.v = "v" + std::to_string(k);
    if (!null(10)) {
      std::string bytes(static_cast<std::size_t>(k % 17), '\0');
      for (std::size_t x = 0; x < bytes.size(); ++x)
        bytes[x] = x % 3 == 0 ? '\0' : static_cast<char>(random() & 0xff);
      g.bl = bytes;
    }
    if (!null(11))
      g.dt = days_from_civil(2000, 1, 1) + k * 37;
    if (!null(12))
      g.tm = (k * 331 % 86400) * std::int64_t{1'000'000} + k * 7;
    if (!null(13))
      g.ts = (days_from_civil(2001, 1, 1) * 86400 + k * 9999991LL) * 1'000'000 + k * 13;
    if (!null(14))
      g.tz = (days_from_civil(1999, 12, 31) * 86400 + k * 3333333LL) * 1'000'000 + k * 11;
    if (!null(15))
      g.iv =
          std::to_string(k) + " days " + std::to_string(k % 24) + ":00:0" + std::to_string(k % 10);
    if (!null(16))
      g.j = "{\"k\": " + std::to_string(k) + ", \"s\": \"x\\ty " + std::to_string(k) + "\"}";
    if (!null(17))
      g.jb = "[" + std::to_string(k) + ", {\"z\": 1, \"a\": 2}]";
    if (!null(18)) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%08x-0000-4000-8000-%012d", k * 2654435761U, k);
      g.u = buf;
    }
    if (!null(19))
      g.m = k % 3 == 0 ? "sad" : k % 3 == 1 ? "ok" : "happy";
    rows.push_back(g);
  }
  return rows;
}

template <typename T, typename F>
std::string or_null(const std::optional<T>& v, F f) {
  return v ? f(*v) : std::string("NULL");
}

std::string types_values(Dialect d, const TypesRow& r) {
  const auto str = [d](const std::string& s) { return sql_text(d, s); };
  const auto integer = [](std::int64_t v) {
    // The smallest bigint is no literal in PostgreSQL or MariaDB: an expression makes it.
    return v == std::numeric_limits<std::int64_t>::min() ? std::string("(-9223372036854775807 - 1)")
                                                         : std::to_string(v);
  };
  const auto as_float = [d](const std::string& v) {
    return d == Dialect::postgres ? "'" + v + "'" : v;
  };
  std::vector<std::string> f;
  f.push_back(or_null(r.b, [d](bool v) {
    return d == Dialect::postgres ? std::string(v ? "true" : "false") : std::string(v ? "1" : "0");
  }));
  f.push_back(or_null(r.s, integer));
  f.push_back(or_null(r.i, integer));
  f.push_back(or_null(r.n, integer));
  f.push_back(or_null(r.num, [](const std::string& v) { return v; }));
  f.push_back(or_null(r.r, as_float));
  f.push_back(or_null(r.d, as_float));
  f.push_back(or_null(r.t, str));
  f.push_back(or_null(r.v, str));
  f.push_back(or_null(r.bl, [d](const std::string& v) { return sql_bytes(d, v); }));
  f.push_back(or_null(r.dt, [](std::int64_t days) {
    return "'" + format_micros(days * 86400 * 1'000'000, ' ').substr(0, 10) + "'";
  }));
  f.push_back(or_null(
      r.tm, [](std::int64_t micros) { return "'" + format_micros(micros, ' ').substr(11) + "'"; }));
  f.push_back(or_null(r.ts, [d](std::int64_t micros) {
    return "'" + format_micros(micros, d == Dialect::sqlite ? 'T' : ' ') + "'";
  }));
  f.push_back(or_null(r.tz, [d](std::int64_t micros) {
    switch (d) {
      case Dialect::postgres:  // in the session's zone, shifted by +02
        return "'" + format_micros(micros + 7'200'000'000LL, ' ') + "+02'";
      case Dialect::mysql:  // the connector's session runs in UTC
        return "'" + format_micros(micros, ' ') + "'";
      case Dialect::sqlite:  // as SQLite writers store it: with Z, with an offset
        return micros % 2 == 0 ? "'" + format_micros(micros, ' ') + "Z'"
                               : "'" + format_micros(micros + 19'800'000'000LL, 'T') + "+05:30'";
    }
    return std::string("NULL");
  }));
  if (d == Dialect::postgres)
    f.push_back(or_null(r.iv, str));
  f.push_back(or_null(r.j, str));
  if (d == Dialect::postgres)
    f.push_back(or_null(r.jb, str));
  f.push_back(or_null(r.u, str));
  if (d != Dialect::sqlite)
    f.push_back(or_null(r.m, str));
  std::string out;
  for (const std::string& v : f)
    out += (out.empty() ? "" : ", ") + v;
  return out;
}

std::string types_columns(Dialect d) {
  switch (d) {
    case Dialect::postgres:
      return "b, s, i, n, num, r, d, t, v, bl, dt, tm, ts, tz, iv, j, jb, u, m";
    case Dialect::mysql:
      return "b, s, i, n, num, r, d, t, v, bl, dt, tm, ts, tz, j, u, m";
    case Dialect::sqlite:
      return "b, s, i, n, num, r, d, t, v, bl, dt, tm, ts, tz, j, u";
  }
  return {};
}

std::vector<std::string> schema_of(Dialect d) {
  switch (d) {
    case Dialect::postgres:
      return {
          "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
          "CREATE TABLE all_types (id bigserial PRIMARY KEY, b boolean, s smallint, i integer, "
          "n bigint, num numeric(14,4), r real, d double precision, t text, v varchar(40), "
          "bl bytea, dt date, tm time, ts timestamp, tz timestamptz, iv interval, j json, "
          "jb jsonb, u uuid, m mood, twice numeric GENERATED ALWAYS AS (num * 2) STORED, "
          "CONSTRAINT all_types_s_check CHECK (s <> 12345), CONSTRAINT all_types_v_key UNIQUE "
          "(v))",
          "CREATE INDEX all_types_tz_idx ON all_types (tz)",
          "CREATE INDEX all_types_i_n_idx ON all_types (i, n DESC)",
          "CREATE TABLE parent (id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name "
          "text NOT NULL)",
          "CREATE TABLE child (id integer PRIMARY KEY, parent_id integer CONSTRAINT "
          "child_parent_fk REFERENCES parent (id), note text, touched integer DEFAULT 0)",
          "CREATE INDEX child_parent_idx ON child (parent_id)",
          "CREATE TABLE empty_table (id integer PRIMARY KEY, x text)",
          "CREATE TABLE no_key (a integer, b text)",
          "CREATE TABLE big (id integer PRIMARY KEY, body text, data bytea)",
          "CREATE VIEW child_notes AS SELECT c.id, p.name, c.note FROM child c JOIN parent p ON "
          "p.id = c.parent_id",
          "CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.touched := "
          "OLD.touched + 1; RETURN NEW; END $$",
          "CREATE TRIGGER child_bump BEFORE UPDATE ON child FOR EACH ROW EXECUTE FUNCTION "
          "bump()",
      };
    case Dialect::mysql:
      return {
          "CREATE TABLE all_types (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, b boolean, "
          "s smallint, i int, n bigint, num decimal(14,4), r float, d double, t text, "
          "v varchar(40), bl longblob, dt date, tm time(6), ts datetime(6), tz timestamp(6) "
          "NULL DEFAULT NULL, j json, u uuid, m enum('sad','ok','happy'), UNIQUE KEY "
          "all_types_v_key (v), KEY all_types_tz_idx (tz), KEY all_types_i_n_idx (i, n), "
          "CONSTRAINT all_types_s_check CHECK (s <> 12345)) ENGINE=InnoDB DEFAULT "
          "CHARSET=utf8mb4",
          "CREATE TABLE parent (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, name varchar(100) "
          "NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
          "CREATE TABLE child (id int NOT NULL PRIMARY KEY, parent_id int, note text, touched "
          "int DEFAULT 0, KEY child_parent_idx (parent_id), CONSTRAINT child_parent_fk FOREIGN "
          "KEY (parent_id) REFERENCES parent (id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
          "CREATE TABLE empty_table (id int NOT NULL PRIMARY KEY, x text) ENGINE=InnoDB DEFAULT "
          "CHARSET=utf8mb4",
          "CREATE TABLE no_key (a int, b text) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
          "CREATE TABLE big (id int NOT NULL PRIMARY KEY, body longtext, data longblob) "
          "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
          "CREATE VIEW child_notes AS SELECT c.id, p.name, c.note FROM child c JOIN parent p ON "
          "p.id = c.parent_id",
          "CREATE FUNCTION plus_one(x int) RETURNS int DETERMINISTIC RETURN x + 1",
          "CREATE TRIGGER child_bump BEFORE UPDATE ON child FOR EACH ROW SET NEW.touched = "
          "OLD.touched + 1",
      };
    case Dialect::sqlite:
      return {
          "CREATE TABLE all_types (id INTEGER PRIMARY KEY AUTOINCREMENT, b BOOLEAN, s SMALLINT, "
          "i INTEGER, n BIGINT, num NUMERIC(14,4), r FLOAT4, d DOUBLE PRECISION, t TEXT, "
          "v VARCHAR(40) CONSTRAINT all_types_v_key UNIQUE, bl BLOB, dt DATE, tm TIME, "
          "ts TIMESTAMP, tz TIMESTAMPTZ, j JSON, u UUID, CONSTRAINT all_types_s_check CHECK "
          "(s <> 12345))",
          "CREATE INDEX all_types_tz_idx ON all_types (tz)",
          "CREATE INDEX all_types_i_n_idx ON all_types (i, n DESC)",
          "CREATE TABLE parent (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL)",
          "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER CONSTRAINT "
          "child_parent_fk REFERENCES parent (id), note TEXT, touched INTEGER DEFAULT 0)",
          "CREATE INDEX child_parent_idx ON child (parent_id)",
          "CREATE TABLE empty_table (id INTEGER PRIMARY KEY, x TEXT)",
          "CREATE TABLE no_key (a INTEGER, b TEXT)",
          "CREATE TABLE big (id INTEGER PRIMARY KEY, body TEXT, data BLOB)",
          "CREATE VIEW child_notes AS SELECT c.id, p.name, c.note FROM child c JOIN parent p ON "
          "p.id = c.parent_id",
          "CREATE TRIGGER child_bump AFTER UPDATE OF note ON child BEGIN UPDATE child SET "
          "touched = touched + 1 WHERE id = NEW.id; END",
      };
  }
  return {};
}

// A value made from a seed: letters and digits (text) or any bytes, zero bytes included.
std::string big_value(std::uint64_t seed, bool binary) {
  static constexpr char k_alnum[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::mt19937_64 random(seed);
  std::string out(k_big, '\0');
  for (std::size_t i = 0; i < out.size(); i += 8) {
    std::uint64_t bits = random();
    for (std::size_t j = i; j < std::min(out.size(), i + 8); ++j, bits >>= 8)
      out[j] = binary ? static_cast<char>(bits & 0xff) : k_alnum[(bits & 0xff) % 62];
  }
  return out;
}

}  // namespace

std::optional<std::int64_t> scaled_integer(std::string_view text, int scale) {
  const bool negative = text.starts_with('-');
  if (negative)
    text.remove_prefix(1);
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  std::string frac(dot == std::string_view::npos ? "" : text.substr(dot + 1));
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
  return (negative ? -1 : 1) * (*w * factor + *f);
}

CommandOutput ferry(const std::string& args) {
  CommandOutput out = run_ferry(args);
  EXPECT_EQ(out.output.find(k_server_password), std::string::npos)
      << "the password shows in the output of ferry " << args << ":\n"
      << out.output;
  return out;
}

std::string quoted(const std::string& text) {
  return "'" + replace_all(text, "'", "'\\''") + "'";
}

json json_of(const std::string& output) {
  for (std::size_t at = 0; at < output.size(); ++at) {
    if ((at == 0 || output[at - 1] == '\n') && (output[at] == '{' || output[at] == '[')) {
      json doc = json::parse(output.substr(at), nullptr, false);
      if (!doc.is_discarded())
        return doc;
    }
  }
  return nullptr;
}

ToolOutput run_tool(const std::vector<std::string>& argv,
                    const std::map<std::string, std::string>& env) {
  const TempDir dir;
  const fs::path out_path = fs::path(dir.path()) / "out";
  const fs::path err_path = fs::path(dir.path()) / "err";
  std::vector<std::string> args = argv;
  std::vector<char*> argp;
  for (std::string& a : args)
    argp.push_back(a.data());
  argp.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int in = ::open("/dev/null", O_RDONLY);
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0)
      ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    for (const auto& [key, value] : env)
      ::setenv(key.c_str(), value.c_str(), 1);
    ::execvp(argp[0], argp.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ToolOutput result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_whole(out_path);
  result.err = read_whole(err_path);
  return result;
}

std::string structure(const TempDatabase& db) {
  switch (db.endpoint().dialect) {
    case Dialect::postgres:
      return postgres_structure(db);
    case Dialect::mysql:
      return mysql_structure(db);
    case Dialect::sqlite:
      return sqlite_structure(db);
  }
  return {};
}

std::vector<std::string> tables_of(connectors::Connector& db) {
  std::string sql;
  switch (db.dialect()) {
    case Dialect::postgres:
      sql =
          "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE "
          "table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', "
          "'information_schema')";
      break;
    case Dialect::mysql:
      sql =
          "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() "
          "AND table_type = 'BASE TABLE'";
      break;
    case Dialect::sqlite:
      sql = "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
      break;
  }
  std::vector<std::string> out;
  for (const connectors::TextRow& r : db.query(sql))
    out.push_back(r.at(0).value_or("?"));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> rows_of(connectors::Connector& db, const std::string& table) {
  std::vector<std::string> out;
  const std::string from = quote_table(db, table);
  switch (db.dialect()) {
    case Dialect::postgres:
      for (const connectors::TextRow& r :
           db.query("SELECT snapshot_test_row::text FROM " + from + " snapshot_test_row"))
        out.push_back(shortened(escaped(r.at(0).value_or("NULL"))));
      break;
    case Dialect::mysql:
      for (const connectors::TextRow& r : db.query("SELECT * FROM " + from)) {
        std::string row;
        for (const auto& v : r)
          row += (row.empty() ? "" : ", ") + (v ? "'" + shortened(escaped(*v)) + "'" : "NULL");
        out.push_back(row);
      }
      break;
    case Dialect::sqlite: {
      std::vector<std::string> types;
      std::string columns;
      for (const connectors::TextRow& c :
           db.query("SELECT name, type FROM pragma_table_info(" + sql_text(Dialect::sqlite, table) +
                    ") ORDER BY cid")) {
        columns += (columns.empty() ? "quote(" : ", quote(") +
                   db.quote_identifier(c.at(0).value_or("")) + ")";
        types.push_back(c.at(1).value_or(""));
      }
      for (const connectors::TextRow& r : db.query("SELECT " + columns + " FROM " + from)) {
        std::string row;
        for (std::size_t i = 0; i < r.size(); ++i) {
          row += (i ? ", " : "") +
                 shortened(escaped(sqlite_value(types.at(i), r[i].value_or("<SQL NULL>"))));
        }
        out.push_back(row);
      }
      break;
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string data_differences(connectors::Connector& expected, connectors::Connector& actual,
                             const std::vector<std::string>& skipped) {
  const std::vector<std::string> tables = tables_of(expected);
  const std::vector<std::string> actual_tables = tables_of(actual);
  std::string out;
  if (tables != actual_tables) {
    std::string a, b;
    for (const std::string& t : tables)
      a += " " + t;
    for (const std::string& t : actual_tables)
      b += " " + t;
    out += "tables differ: expected" + a + "; got" + b + "\n";
  }
  for (const std::string& table : tables) {
    const std::string bare = table.substr(table.find('.') + 1);
    if (!std::binary_search(actual_tables.begin(), actual_tables.end(), table) ||
        std::find(skipped.begin(), skipped.end(), bare) != skipped.end())
      continue;
    const std::vector<std::string> want = rows_of(expected, table);
    const std::vector<std::string> got = rows_of(actual, table);
    if (want == got)
      continue;
    std::vector<std::string> missing, extra;
    std::set_difference(want.begin(), want.end(), got.begin(), got.end(),
                        std::back_inserter(missing));
    std::set_difference(got.begin(), got.end(), want.begin(), want.end(),
                        std::back_inserter(extra));
    out += "table " + table + ": " + std::to_string(want.size()) + " rows expected, " +
           std::to_string(got.size()) + " found\n";
    for (std::size_t i = 0; i < missing.size() && i < 3; ++i)
      out += "  missing:    " + missing[i].substr(0, 400) + "\n";
    for (std::size_t i = 0; i < extra.size() && i < 3; ++i)
      out += "  unexpected: " + extra[i].substr(0, 400) + "\n";
  }
  return out;
}

std::map<std::string, std::string> next_values(connectors::Connector& db) {
  std::map<std::string, std::string> out;
  switch (db.dialect()) {
    case Dialect::postgres:
      for (const connectors::TextRow& r :
           db.query("SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) FROM "
                    "pg_sequences ORDER BY 1")) {
        const std::string seq = r.at(0).value_or("");
        out[seq] = db.query("SELECT nextval('" + seq + "')").at(0).at(0).value_or("NULL");
      }
      break;
    case Dialect::mysql:
      for (const connectors::TextRow& r :
           db.query("SELECT table_name, auto_increment FROM information_schema.tables WHERE "
                    "table_schema = DATABASE() AND auto_increment IS NOT NULL")) {
        out[r.at(0).value_or("")] = r.at(1).value_or("NULL");
      }
      break;
    case Dialect::sqlite:
      for (const connectors::TextRow& r : db.query("SELECT name, seq + 1 FROM sqlite_sequence"))
        out[r.at(0).value_or("")] = r.at(1).value_or("NULL");
      break;
  }
  return out;
}

std::int64_t count_rows(connectors::Connector& db, const std::string& table) {
  return parse_int(
             db.query("SELECT count(*) FROM " + quote_table(db, table)).at(0).at(0).value_or(""))
      .value_or(-1);
}

void make_source(connectors::Connector& db, bool big_values) {
  const Dialect d = db.dialect();
  db.execute(schema_of(d));
  const std::vector<TypesRow> rows = types_rows(d);
  std::vector<std::string> statements;
  for (std::size_t start = 0; start < rows.size(); start += 100) {
    std::string sql = "INSERT INTO all_types (" + types_columns(d) + ") VALUES ";
    for (std::size_t i = start; i < std::min(rows.size(), start + 100); ++i)
      sql += (i == start ? "(" : ", (") + types_values(d, rows[i]) + ")";
    statements.push_back(sql);
  }
  statements.insert(statements.end(),
                    {
                        "INSERT INTO parent (name) VALUES ('p1'), ('p2 Zürich'), ('p3')",
                        "DELETE FROM parent WHERE name = 'p3'",  // the counter stays at 4
                        "INSERT INTO child (id, parent_id, note, touched) VALUES (1, 1, 'x', "
                        "0), (2, NULL, NULL, 0), (3, 2, 'y', 5)",
                        // Duplicates, NULL duplicates, and unique rows.
                        "INSERT INTO no_key (a, b) VALUES (1, 'a'), (1, 'a'), (1, 'a'), (NULL, "
                        "NULL), (NULL, NULL), (2, 'b'), (NULL, 'c'), (3, NULL)",
                    });
  // The counter moved past the rows: the next value is not max(id) + 1.
  switch (d) {
    case Dialect::postgres:
      statements.push_back("SELECT setval('all_types_id_seq', 1000)");
      break;
    case Dialect::mysql:
      statements.push_back("ALTER TABLE all_types AUTO_INCREMENT = 1001");
      break;
    case Dialect::sqlite:
      statements.push_back("UPDATE sqlite_sequence SET seq = 1000 WHERE name = 'all_types'");
      break;
  }
  db.execute(statements);
  db.execute({"INSERT INTO big (id, body, data) VALUES (3, NULL, " + sql_bytes(d, "") +
              "), (4, '', " + sql_bytes(d, std::string(1, '\0')) + ")"});
  if (!big_values)
    return;
  db.execute({"INSERT INTO big (id, body, data) VALUES (1, '" + big_value(1, false) + "', NULL)"});
  db.execute({"INSERT INTO big (id, body, data) VALUES (2, 'small', " +
              sql_bytes(d, big_value(2, true)) + ")"});
}

void pgbench_init(const TempDatabase& db, int scale) {
  const std::vector<std::string> argv = {postgres_tool("pgbench").string(), "-i", "-q", "-s",
                                         std::to_string(scale)};
  checked(argv, run_tool(argv, postgres_env(db.endpoint())));
}

std::map<std::string, std::string> pgbench_digest(connectors::Connector& db) {
  std::map<std::string, std::string> out;
  const std::tuple<const char*, const char*, const char*> tables[] = {
      {"pgbench_accounts", "aid", "abalance"},
      {"pgbench_branches", "bid", "bbalance"},
      {"pgbench_tellers", "tid", "tbalance"},
      {"pgbench_history", "tid", "delta"}};
  for (const auto& [table, key, balance] : tables) {
    const std::vector<connectors::TextRow> rows = db.query(
        std::string("SELECT count(*), count(DISTINCT ") + key + "), coalesce(sum(" + balance +
        "), 0), coalesce(sum(hashtextextended(snapshot_test_row::text, 0)::numeric), 0) FROM " +
        table + " snapshot_test_row");
    const connectors::TextRow& r = rows.at(0);
    out[table] = "count " + r.at(0).value_or("?") + ", distinct " + key + " " +
                 r.at(1).value_or("?") + ", sum of " + balance + " " + r.at(2).value_or("?") +
                 ", sum of row hashes " + r.at(3).value_or("?");
  }
  return out;
}

std::vector<fs::path> chunk_files(const std::string& store) {
  std::vector<fs::path> out;
  const fs::path dir = fs::path(store) / "chunks";
  if (!fs::exists(dir))
    return out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".zst")
      out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace ferry::test::snap
