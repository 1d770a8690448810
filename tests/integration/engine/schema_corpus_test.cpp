// The schema corpus: pairs of SQL scripts, a master and a tenant, per dialect
// (tests/corpus/<dialect>/<NNN-name>/master.sql and tenant.sql, plus every directory named in
// FERRY_EXTRA_CORPUS, colon-separated, in the same layout). Each pair is loaded with the
// server's own client (psql, mariadb, sqlite3), never through ferry; `ferry schema sync
// --allow-drop` must then make the tenant's structure equal to the master's as the server's
// own dump tool sees it (pg_dump, mariadb-dump, SQLite's catalog and pragmas), leave nothing
// for `ferry schema diff` to plan, and find the tenant in sync on a second run.
//
// Two more tests per pair keep the corpus honest: the master loaded twice must compare equal
// (the normalizer does not see differences that are not there), and master and tenant must
// compare different before any sync (no pair is a no-op).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_env.hpp"

extern char** environ;

namespace ferry::test {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr const char* k_dialects[] = {"postgres", "mysql", "sqlite"};

// ---------------------------------------------------------------------------------------
// The pairs

struct Pair {
  Dialect dialect = Dialect::sqlite;
  fs::path dir;
  std::string name;  // the test's name: postgres_012_trigger_when
};

void PrintTo(const Pair& pair, std::ostream* os) {
  *os << pair.dir.string();
}

Dialect dialect_of(const std::string& name) {
  if (name == "postgres")
    return Dialect::postgres;
  if (name == "mysql")
    return Dialect::mysql;
  return Dialect::sqlite;
}

std::string identifier(const std::string& text) {
  std::string out;
  for (const char c : text)
    out += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '_';
  return out;
}

// The source tree's corpus first, then FERRY_EXTRA_CORPUS's directories in their order.
// The real applications' pairs that the build makes with scripts/app-schemas, then the
// directories FERRY_EXTRA_CORPUS lists.
std::vector<fs::path> extra_roots() {
  std::vector<fs::path> roots{FERRY_APP_CORPUS_DIR};
  const char* extra = std::getenv("FERRY_EXTRA_CORPUS");
  if (extra == nullptr)
    return roots;
  std::stringstream in(extra);
  for (std::string dir; std::getline(in, dir, ':');) {
    if (!dir.empty())
      roots.emplace_back(dir);
  }
  return roots;
}

std::vector<Pair> pairs_under(const fs::path& root, const std::string& prefix) {
  std::vector<Pair> pairs;
  for (const char* dialect : k_dialects) {
    std::error_code ec;
    std::vector<fs::path> dirs;
    for (const auto& entry : fs::directory_iterator(root / dialect, ec)) {
      if (entry.is_directory())
        dirs.push_back(entry.path());
    }
    std::sort(dirs.begin(), dirs.end());
    for (const fs::path& dir : dirs) {
      pairs.push_back({dialect_of(dialect), dir,
                       prefix + identifier(std::string(dialect) + "_" + dir.filename().string())});
    }
  }
  return pairs;
}

// Every pair of every root. A pair of an extra root is named after its root's directory
// (shop_postgres_001_orders); names that would repeat get a number.
std::vector<Pair> all_pairs() {
  std::vector<Pair> pairs = pairs_under(FERRY_CORPUS_DIR, "");
  for (const fs::path& root : extra_roots()) {
    fs::path normal = root.lexically_normal();
    if (!normal.has_filename())
      normal = normal.parent_path();
    const std::vector<Pair> more = pairs_under(root, identifier(normal.filename().string()) + "_");
    pairs.insert(pairs.end(), more.begin(), more.end());
  }
  std::map<std::string, int> seen;
  for (Pair& pair : pairs) {
    const int n = ++seen[pair.name];
    if (n > 1)
      pair.name.append("_").append(std::to_string(n));
  }
  return pairs;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// What the pair exercises: its README, else master.sql's leading "-- " line.
std::string summary(const Pair& pair) {
  if (fs::exists(pair.dir / "README")) {
    std::string line;
    std::ifstream in(pair.dir / "README");
    std::getline(in, line);
    return line;
  }
  std::ifstream in(pair.dir / "master.sql");
  std::string line;
  std::getline(in, line);
  return line.starts_with("-- ") ? line.substr(3) : std::string{};
}

// ---------------------------------------------------------------------------------------
// Running the servers' clients

struct ProcessOutput {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `argv` (looked up in PATH when it has no slash) with `env` added to the environment,
// stdin from `input` (else /dev/null), stdout and stderr captured through files in `dir`.
ProcessOutput run_process(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env, const fs::path& dir,
                          const std::optional<fs::path>& input = std::nullopt) {
  static int counter = 0;
  const std::string stem = (dir / ("process_" + std::to_string(++counter))).string();
  const std::string out_path = stem + ".out";
  const std::string err_path = stem + ".err";
  const std::string in_path = input ? input->string() : "/dev/null";

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    if (env.count(entry.substr(0, entry.find('='))) == 0)
      env_strings.push_back(entry);
  }
  for (const auto& [key, value] : env)
    env_strings.push_back(key + "=" + value);
  std::vector<char*> envp;
  for (std::string& s : env_strings)
    envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argp;
  for (std::string& s : args)
    argp.push_back(s.data());
  argp.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid < 0)
    throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int in = ::open(in_path.c_str(), O_RDONLY);
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0)
      ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::execvpe(argp[0], argp.data(), envp.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ProcessOutput result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  fs::remove(out_path);
  fs::remove(err_path);
  return result;
}

std::string describe(const std::vector<std::string>& argv, const ProcessOutput& out) {
  std::string words;
  for (const std::string& a : argv)
    words += (words.empty() ? "" : " ") + a;
  return words + " exited with " + std::to_string(out.exit_code) + "\n" + out.err + out.out;
}

// PostgreSQL's clients from the version the test servers run, found as scripts/test-servers
// finds the server: the Debian layout's /usr/lib/postgresql/15/bin.
fs::path postgres_bin() {
  for (const char* dir : {"/usr/lib/postgresql/15/bin"}) {
    if (fs::exists(fs::path(dir) / "psql") && fs::exists(fs::path(dir) / "pg_dump"))
      return dir;
  }
  throw std::runtime_error("PostgreSQL 15 client binaries (psql, pg_dump) not found");
}

// The first of `names` in PATH (mariadb before mysql: the names scripts/test-servers uses).
std::string in_path(const std::vector<std::string>& names) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::vector<std::string> list;
  for (std::string d; std::getline(dirs, d, ':');)
    list.push_back(d);
  for (const std::string& name : names) {
    for (const std::string& d : list) {
      if (!d.empty() && ::access((fs::path(d) / name).c_str(), X_OK) == 0)
        return (fs::path(d) / name).string();
    }
  }
  throw std::runtime_error("none of these clients is in PATH: " + names.front());
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  if (from.empty())
    return text;
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
  return text;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

bool blank(const std::string& line) {
  return std::all_of(line.begin(), line.end(),
                     [](unsigned char c) { return std::isspace(c) != 0; });
}

// ---------------------------------------------------------------------------------------
// SQLite's structure, from its catalog and pragmas

// SQL text as tokens: whitespace and comments dropped, identifiers unquoted and lower-cased
// (SQLite compares them without case), keywords lower-cased, literals kept as written.
std::vector<std::string> sql_tokens(const std::string& sql) {
  std::vector<std::string> tokens;
  const auto lower = [](std::string s) {
    for (char& c : s)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  const auto word_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$' ||
           (static_cast<unsigned char>(c) & 0x80) != 0;
  };
  const auto bare = [&](const std::string& id) {
    const bool plain = !id.empty() && std::all_of(id.begin(), id.end(), word_char) &&
                       std::isdigit(static_cast<unsigned char>(id[0])) == 0;
    std::string out = plain ? "" : "\"";
    out += lower(id);
    return plain ? out : out.append("\"");
  };
  std::size_t i = 0;
  const std::size_t n = sql.size();
  while (i < n) {
    const char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      ++i;
    } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      while (i < n && sql[i] != '\n')
        ++i;
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      const auto end = sql.find("*/", i + 2);
      i = end == std::string::npos ? n : end + 2;
    } else if (c == '\'') {
      std::size_t j = i + 1;
      while (j < n && !(sql[j] == '\'' && (j + 1 >= n || sql[j + 1] != '\'')))
        j += sql[j] == '\'' ? 2 : 1;
      tokens.push_back(sql.substr(i, j + 1 - i));
      i = j + 1;
    } else if (c == '"' || c == '`' || c == '[') {
      const char close = c == '[' ? ']' : c;
      std::string id;
      std::size_t j = i + 1;
      while (j < n) {
        if (sql[j] == close) {
          if (close != ']' && j + 1 < n && sql[j + 1] == close) {
            id += close;
            j += 2;
            continue;
          }
          break;
        }
        id += sql[j++];
      }
      tokens.push_back(bare(id));
      i = j + 1;
    } else if (word_char(c)) {
      std::size_t j = i;
      while (j < n && (word_char(sql[j]) ||
                       (sql[j] == '.' && std::isdigit(static_cast<unsigned char>(c)) != 0)))
        ++j;
      std::string word = sql.substr(i, j - i);
      // x'..' blob literals
      if ((word == "x" || word == "X") && j < n && sql[j] == '\'') {
        const auto end = sql.find('\'', j + 1);
        const std::size_t stop = end == std::string::npos ? n : end + 1;
        tokens.push_back("x" + sql.substr(j, stop - j));
        i = stop;
        continue;
      }
      tokens.push_back(std::isdigit(static_cast<unsigned char>(c)) != 0 ? word : lower(word));
      i = j;
    } else {
      tokens.push_back(std::string(1, c));
      ++i;
    }
  }
  return tokens;
}

std::string joined(const std::vector<std::string>& tokens, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to && i < tokens.size(); ++i)
    out += (out.empty() ? "" : " ") + tokens[i];
  return out;
}

std::string normalized_sql(const std::string& sql) {
  const std::vector<std::string> tokens = sql_tokens(sql);
  return joined(tokens, 0, tokens.size());
}

// The index of the ")" that closes the "(" at `open`.
std::size_t closing(const std::vector<std::string>& tokens, std::size_t open) {
  int depth = 0;
  for (std::size_t i = open; i < tokens.size(); ++i) {
    if (tokens[i] == "(")
      ++depth;
    else if (tokens[i] == ")" && --depth == 0)
      return i;
  }
  return tokens.size();
}

// What PRAGMA table_xinfo does not say about a table, read from its CREATE TABLE: each
// column's collation and generation expression, and the CHECK expressions (column and table
// checks alike, without their names, sorted: SQLite treats both the same way).
std::vector<std::string> table_definition_facts(const std::string& table, const std::string& sql) {
  const std::vector<std::string> t = sql_tokens(sql);
  std::vector<std::string> facts;
  std::vector<std::string> checks;
  const auto open = std::find(t.begin(), t.end(), "(");
  if (open == t.end())
    return {"table " + table + " has no column list: " + normalized_sql(sql)};
  const std::size_t body_start = static_cast<std::size_t>(open - t.begin());
  const std::size_t body_end = closing(t, body_start);
  // Split the column list at its top-level commas.
  std::vector<std::pair<std::size_t, std::size_t>> parts;
  std::size_t start = body_start + 1;
  int depth = 0;
  for (std::size_t i = body_start + 1; i < body_end; ++i) {
    if (t[i] == "(")
      ++depth;
    else if (t[i] == ")")
      --depth;
    else if (t[i] == "," && depth == 0) {
      parts.emplace_back(start, i);
      start = i + 1;
    }
  }
  parts.emplace_back(start, body_end);
  const std::set<std::string> table_constraint_words = {"constraint", "primary", "unique", "check",
                                                        "foreign"};
  for (const auto& [from, to] : parts) {
    if (from >= to)
      continue;
    const bool column = table_constraint_words.count(t[from]) == 0;
    std::string collation;
    std::string generated;
    for (std::size_t i = column ? from + 1 : from; i < to; ++i) {
      if (t[i] == "(") {
        i = closing(t, i);
      } else if (t[i] == "collate" && i + 1 < to) {
        collation = t[i + 1];
      } else if (t[i] == "check" && i + 1 < to && t[i + 1] == "(") {
        const std::size_t end = closing(t, i + 1);
        checks.push_back("check " + table + " " + joined(t, i + 2, end));
        i = end;
      } else if (column && t[i] == "as" && i + 1 < to && t[i + 1] == "(") {
        const std::size_t end = closing(t, i + 1);
        generated = joined(t, i + 2, end);
        i = end;
      }
    }
    if (column && !collation.empty())
      facts.push_back("column " + table + "." + t[from] + " collate " + collation);
    if (column && !generated.empty())
      facts.push_back("column " + table + "." + t[from] + " generated as " + generated);
  }
  std::sort(checks.begin(), checks.end());
  facts.insert(facts.end(), checks.begin(), checks.end());
  return facts;
}

// ---------------------------------------------------------------------------------------
// One dialect's client: loads scripts into a database and describes its structure.

class Client {
 public:
  Client(Dialect dialect, const fs::path& work) : m_dialect(dialect), m_work(work) {
    if (dialect == Dialect::postgres) {
      const fs::path bin = postgres_bin();
      m_load = (bin / "psql").string();
      m_dump = (bin / "pg_dump").string();
    } else if (dialect == Dialect::mysql) {
      m_load = in_path({"mariadb", "mysql"});
      m_dump = in_path({"mariadb-dump", "mysqldump"});
    } else {
      m_load = m_dump = in_path({"sqlite3"});
    }
  }

  // Runs `script` against `db`; an error stops the script and is returned as text.
  std::optional<std::string> load(const TempDatabase& db, const fs::path& script) const {
    std::vector<std::string> argv;
    std::optional<fs::path> input;
    switch (m_dialect) {
      case Dialect::postgres:
        argv = {m_load, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", script.string()};
        break;
      case Dialect::mysql:
        argv = {m_load, "--defaults-file=" + defaults_file(db).string(), db.name()};
        input = script;
        break;
      case Dialect::sqlite:
        // An empty script creates no file: start from an empty one (a valid database).
        if (!fs::exists(sqlite_file(db)))
          write_file(sqlite_file(db), "");
        argv = {m_load, "-bail", "-batch", sqlite_file(db)};
        input = script;
        break;
    }
    const ProcessOutput out = run_process(argv, environment(db), m_work, input);
    if (out.exit_code != 0 || (m_dialect == Dialect::sqlite && !out.err.empty()))
      return describe(argv, out);
    return std::nullopt;
  }

  // The structure as the server's own tools show it, normalized so that the database's name
  // and what is data rather than structure do not count. Throws when the tool fails.
  std::string structure(const TempDatabase& db) const {
    switch (m_dialect) {
      case Dialect::postgres:
        return postgres_structure(db);
      case Dialect::mysql:
        return mysql_structure(db);
      case Dialect::sqlite:
        return sqlite_structure(db);
    }
    return {};
  }

 private:
  std::map<std::string, std::string> environment(const TempDatabase& db) const {
    if (m_dialect != Dialect::postgres)
      return {};
    const Endpoint e = db.endpoint();
    return {{"PGHOST", e.host},         {"PGPORT", std::to_string(e.port.value_or(5432))},
            {"PGUSER", e.user},         {"PGPASSWORD", e.password.reveal()},
            {"PGDATABASE", e.database}, {"PGCLIENTENCODING", "UTF8"},
            {"PGCONNECT_TIMEOUT", "10"}};
  }

  // The client's connection settings, so that the password is on no command line.
  fs::path defaults_file(const TempDatabase& db) const {
    const Endpoint e = db.endpoint();
    const fs::path path = m_work / "client.cnf";
    write_file(path, "[client]\nhost=" + e.host +
                         "\nport=" + std::to_string(e.port.value_or(3306)) + "\nuser=" + e.user +
                         "\npassword=" + e.password.reveal() + "\ndefault-character-set=utf8mb4\n");
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
    return path;
  }

  static std::string sqlite_file(const TempDatabase& db) { return db.endpoint().database; }

  std::string run(const std::vector<std::string>& argv, const TempDatabase& db) const {
    const ProcessOutput out = run_process(argv, environment(db), m_work);
    if (out.exit_code != 0)
      throw std::runtime_error(describe(argv, out));
    return out.out;
  }

  // pg_dump without comments, SET lines, pg_dump's \restrict guard lines and blank lines;
  // then the extensions' versions, which pg_dump does not print.
  std::string postgres_structure(const TempDatabase& db) const {
    const std::string dump = run({m_dump, "--schema-only", "--no-owner", "--no-privileges"}, db);
    std::string out;
    for (const std::string& line : lines_of(dump)) {
      if (blank(line) || line.starts_with("--") || line.starts_with("SET ") ||
          line.starts_with("SELECT pg_catalog.set_config(") || line.starts_with("\\restrict") ||
          line.starts_with("\\unrestrict"))
        continue;
      out += replace_all(line, db.name(), "<database>") + "\n";
    }
    const std::string versions =
        run({m_load, "-X", "-q", "-A", "-t", "-c",
             "SELECT 'extension ' || extname || ' version ' || extversion FROM pg_extension "
             "ORDER BY extname"},
            db);
    return out + versions;
  }

  // mariadb-dump of the structure without AUTO_INCREMENT counters (data, never synced),
  // DEFINER clauses (the loading user) and the database's name.
  std::string mysql_structure(const TempDatabase& db) const {
    const std::string dump =
        run({m_dump, "--defaults-file=" + defaults_file(db).string(), "--no-data", "--routines",
             "--triggers", "--events", "--skip-comments", "--skip-dump-date", db.name()},
            db);
    static const std::regex counter(R"( AUTO_INCREMENT=[0-9]+)");
    static const std::regex definer(R"(DEFINER=`[^`]*`@`[^`]*` ?)");
    std::string out;
    for (const std::string& line : lines_of(dump)) {
      if (blank(line))
        continue;
      std::string l = std::regex_replace(line, counter, "");
      l = std::regex_replace(l, definer, "");
      out += replace_all(l, db.name(), "<database>") + "\n";
    }
    return out;
  }

  Json sqlite_rows(const TempDatabase& db, const std::string& sql) const {
    const std::string out = run({m_load, "-readonly", "-batch", "-json", sqlite_file(db), sql}, db);
    return blank(out) ? Json::array() : Json::parse(out);
  }

  // sqlite_schema's objects; each table's kind and options (pragma table_list), columns
  // (table_xinfo), what only its CREATE TABLE says (collations, generation expressions,
  // checks), indexes (index_list, index_xinfo: SQLite's own indexes for PRIMARY KEY and
  // UNIQUE by their columns, since their numbering follows the constraints' order) and foreign
  // keys (foreign_key_list); the token-normalized SQL of indexes, views and triggers.
  std::string sqlite_structure(const TempDatabase& db) const {
    std::vector<std::string> lines;
    const auto text = [](const Json& v) {
      return v.is_null() ? std::string("NULL") : v.is_string() ? v.get<std::string>() : v.dump();
    };
    for (const Json& r : sqlite_rows(db,
                                     "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE "
                                     "name NOT LIKE 'sqlite_autoindex_%' ORDER BY type, name")) {
      const std::string type = text(r["type"]);
      const std::string name = text(r["name"]);
      std::string line = type + " " + name + " on " + text(r["tbl_name"]);
      if (type == "table") {
        lines.push_back(line);
        for (const std::string& fact : table_definition_facts(name, text(r["sql"])))
          lines.push_back("  " + fact);
      } else {
        lines.push_back(line + ": " + normalized_sql(text(r["sql"])));
      }
    }
    for (const Json& r : sqlite_rows(db,
                                     "SELECT l.name, l.type, l.ncol, l.wr, l.strict FROM "
                                     "pragma_table_list l WHERE l.schema = 'main' ORDER BY 1")) {
      lines.push_back("table options " + text(r["name"]) + " type=" + text(r["type"]) +
                      " ncol=" + text(r["ncol"]) + " without_rowid=" + text(r["wr"]) +
                      " strict=" + text(r["strict"]));
    }
    // A rowid table's INTEGER PRIMARY KEY column is the rowid, which is never NULL: whether
    // NOT NULL is also written on it changes nothing, so it does not count.
    for (const Json& r : sqlite_rows(
             db,
             "SELECT m.name AS t, c.cid, c.name, c.type, c.\"notnull\" AS nn, c.dflt_value, "
             "c.pk, c.hidden, (upper(c.type) = 'INTEGER' AND c.pk = 1 AND l.wr = 0 AND (SELECT "
             "count(*) FROM pragma_table_info(m.name) k WHERE k.pk > 0) = 1) AS rowid_alias "
             "FROM sqlite_schema m JOIN pragma_table_list l ON l.name = m.name AND l.schema = "
             "'main', pragma_table_xinfo(m.name) c WHERE m.type = 'table' ORDER BY m.name, "
             "c.cid")) {
      const std::string notnull = text(r["rowid_alias"]) == "1" ? "rowid" : text(r["nn"]);
      lines.push_back("column " + text(r["t"]) + " #" + text(r["cid"]) + " " + text(r["name"]) +
                      " type=" + text(r["type"]) + " notnull=" + notnull +
                      " default=" + text(r["dflt_value"]) + " pk=" + text(r["pk"]) +
                      " hidden=" + text(r["hidden"]));
    }
    std::map<std::string, std::string> indexes;  // key -> description
    for (const Json& r : sqlite_rows(
             db,
             "SELECT m.name AS t, i.name AS i, i.\"unique\" AS u, i.origin, i.partial, x.seqno, "
             "x.cid, x.name AS c, x.\"desc\" AS d, x.coll, x.\"key\" AS k FROM sqlite_schema m, "
             "pragma_index_list(m.name) i, pragma_index_xinfo(i.name) x WHERE m.type = 'table' "
             "ORDER BY m.name, i.name, x.seqno")) {
      const std::string origin = text(r["origin"]);
      const std::string id = text(r["t"]) + " " + text(r["i"]);
      std::string& d = indexes[id];
      if (d.empty()) {
        d = "index on " + text(r["t"]) + " " + (origin == "c" ? text(r["i"]) : "<" + origin + ">") +
            " unique=" + text(r["u"]) + " partial=" + text(r["partial"]) + ":";
      }
      d += " [" + text(r["seqno"]) + " cid=" + text(r["cid"]) + " " + text(r["c"]) +
           " desc=" + text(r["d"]) + " coll=" + text(r["coll"]) + " key=" + text(r["k"]) + "]";
    }
    std::vector<std::string> index_lines;
    for (const auto& [id, d] : indexes)
      index_lines.push_back(d);
    std::sort(index_lines.begin(), index_lines.end());
    lines.insert(lines.end(), index_lines.begin(), index_lines.end());
    std::map<std::string, std::string> fks;
    for (const Json& r : sqlite_rows(db,
                                     "SELECT m.name AS t, f.* FROM sqlite_schema m, "
                                     "pragma_foreign_key_list(m.name) f WHERE m.type = 'table' "
                                     "ORDER BY m.name, f.id, f.seq")) {
      std::string& d = fks[text(r["t"]) + " " + text(r["id"])];
      if (d.empty()) {
        d = "foreign key " + text(r["t"]) + " -> " + text(r["table"]) + " on update " +
            text(r["on_update"]) + " on delete " + text(r["on_delete"]) + " match " +
            text(r["match"]) + ":";
      }
      d.append(" ").append(text(r["from"])).append("=").append(text(r["to"]));
    }
    std::vector<std::string> fk_lines;
    for (const auto& [id, d] : fks)
      fk_lines.push_back(d);
    std::sort(fk_lines.begin(), fk_lines.end());
    lines.insert(lines.end(), fk_lines.begin(), fk_lines.end());
    std::string out;
    for (const std::string& line : lines)
      out += line + "\n";
    return out;
  }

  Dialect m_dialect;
  fs::path m_work;
  std::string m_load;
  std::string m_dump;
};

// `diff -u` of two structures, master first.
std::string unified_diff(const std::string& master, const std::string& tenant,
                         const fs::path& work) {
  write_file(work / "master.structure", master);
  write_file(work / "tenant.structure", tenant);
  const ProcessOutput out =
      run_process({"diff", "-u", "--label", "master", "--label", "tenant",
                   (work / "master.structure").string(), (work / "tenant.structure").string()},
                  {}, work);
  return out.out + out.err;
}

// tests/corpus/known-gaps: "test-name  why" per line (# starts a comment), the pairs ferry
// does not make equal yet. Returns the reason when `pair` is listed.
std::optional<std::string> known_gap(const Pair& pair) {
  std::ifstream in(fs::path(FERRY_CORPUS_DIR) / "known-gaps");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(pair.name + "  ", 0) == 0)
      return line.substr(pair.name.size() + 2);
  }
  return std::nullopt;
}

std::string shell_word(const std::string& word) {
  std::string out = "'";
  for (const char c : word)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The JSON document of a --json run; log lines may come before it.
Json json_of(const CommandOutput& out) {
  const auto start = out.output.starts_with("{") ? 0 : out.output.find("\n{");
  if (start == std::string::npos)
    throw std::runtime_error("no JSON document in: " + out.output);
  return Json::parse(out.output.substr(start));
}

// PostgreSQL cannot reorder columns, so ferry leaves an order that differs and says so in a
// note of its plan ("column order of public.users differs (...); not changed"). The tables
// the notes of `schema diff --json` name, as "public.users".
std::set<std::string> reordered_tables(const Json& diff) {
  static const std::regex note(R"(^column order of (\S+) differs)");
  std::set<std::string> out;
  for (const Json& n : diff.value("notes", Json::array())) {
    std::smatch m;
    const std::string text = n.get<std::string>();
    if (std::regex_search(text, m, note))
      out.insert(m[1].str().find('.') == std::string::npos ? "public." + m[1].str() : m[1].str());
  }
  return out;
}

// pg_dump's structure with the column lines of `tables`' CREATE TABLE statements in name
// order: the comparison of two tables whose only difference may be their column order.
std::string columns_in_name_order(const std::string& structure,
                                  const std::set<std::string>& tables) {
  std::string out;
  std::vector<std::string> block;
  bool inside = false;
  for (const std::string& line : lines_of(structure)) {
    if (inside && line.starts_with(")")) {
      std::sort(block.begin(), block.end());
      for (const std::string& l : block)
        out += l + "\n";
      block.clear();
      inside = false;
    }
    if (inside) {
      block.push_back(line.ends_with(",") ? line.substr(0, line.size() - 1) : line);
      continue;
    }
    out += line + "\n";
    for (const std::string& t : tables)
      inside = inside || line == "CREATE TABLE " + t + " (";
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// The tests

class SchemaCorpus : public ::testing::TestWithParam<Pair> {
 protected:
  void SetUp() override {
    const Pair& pair = GetParam();
    ASSERT_TRUE(fs::is_regular_file(pair.dir / "master.sql")) << pair.dir << " has no master.sql";
    ASSERT_TRUE(fs::is_regular_file(pair.dir / "tenant.sql")) << pair.dir << " has no tenant.sql";
    m_client.emplace(pair.dialect, m_work.path());
  }

  // A fresh database with `script` loaded by the server's client.
  void load(const TempDatabase& db, const std::string& script) {
    const std::optional<std::string> error = m_client->load(db, GetParam().dir / script);
    ASSERT_FALSE(error) << script << " does not load: " << *error;
  }

  std::string structure(const TempDatabase& db) { return m_client->structure(db); }

  std::string where() const { return GetParam().dir.string() + " (" + summary(GetParam()) + ")"; }

  TempDir m_work;
  std::optional<Client> m_client;
};

TEST_P(SchemaCorpus, SyncMakesTenantEqual) {
  SCOPED_TRACE(where());
  const Pair& pair = GetParam();
  TempDatabase master(pair.dialect);
  TempDatabase tenant(pair.dialect);
  ASSERT_NO_FATAL_FAILURE(load(master, "master.sql"));
  ASSERT_NO_FATAL_FAILURE(load(tenant, "tenant.sql"));
  const std::string state =
      " --state-dir " + shell_word((fs::path(m_work.path()) / "state").string());
  const std::string from = shell_word(master.url());
  const std::string to = shell_word(tenant.url());

  const CommandOutput sync =
      run_ferry("schema sync --from " + from + " --to " + to + " --allow-drop" + state);
  const std::optional<std::string> gap = known_gap(pair);
  if (gap) {
    // A gap ferry does not close yet: the pair must still fail somewhere, so that closing
    // it shows here and the entry is removed from the list.
    bool equal = sync.exit_code == 0 && structure(master) == structure(tenant);
    if (equal) {
      const CommandOutput diff = run_ferry("schema diff --allow-drop " + from + " " + to);
      equal = diff.exit_code == 0;
    }
    EXPECT_FALSE(equal) << pair.name << " is listed in tests/corpus/known-gaps (" << *gap
                        << ") but now ends equal: remove it from the list";
    return;
  }
  ASSERT_EQ(sync.exit_code, 0) << "ferry schema sync --allow-drop:\n" << sync.output;

  // --recheck: the second look compares both catalogs again, never a record of the sync's.
  const CommandOutput diff =
      run_ferry("schema diff --json --allow-drop --recheck " + from + " " + to + state);
  EXPECT_EQ(diff.exit_code, 0) << "ferry schema diff --allow-drop still plans changes:\n"
                               << diff.output;

  std::string want = structure(master);
  std::string got = structure(tenant);
  if (want != got && pair.dialect == Dialect::postgres && diff.exit_code == 0) {
    // Only the column order of the tables ferry's notes name may differ.
    const std::set<std::string> reordered = reordered_tables(json_of(diff));
    want = columns_in_name_order(want, reordered);
    got = columns_in_name_order(got, reordered);
  }
  EXPECT_TRUE(want == got) << "the tenant's structure after sync differs from the master's:\n"
                           << unified_diff(want, got, m_work.path()) << "ferry schema sync said:\n"
                           << sync.output;

  const CommandOutput again = run_ferry("-q schema sync --json --recheck --from " + from +
                                        " --to " + to + " --allow-drop" + state);
  EXPECT_EQ(again.exit_code, 0) << "second ferry schema sync:\n" << again.output;
  if (again.exit_code == 0) {
    const Json report = json_of(again);
    EXPECT_EQ(report.at("tenants").at(0).at("status").get<std::string>(), "in sync")
        << "second ferry schema sync:\n"
        << again.output;
  }
}

TEST_P(SchemaCorpus, NormalizerSeesEqualSchemasEqual) {
  SCOPED_TRACE(where());
  TempDatabase first(GetParam().dialect);
  TempDatabase second(GetParam().dialect);
  ASSERT_NO_FATAL_FAILURE(load(first, "master.sql"));
  ASSERT_NO_FATAL_FAILURE(load(second, "master.sql"));
  const std::string a = structure(first);
  const std::string b = structure(second);
  EXPECT_FALSE(a.empty());
  EXPECT_TRUE(a == b) << "master.sql loaded twice compares different:\n"
                      << unified_diff(a, b, m_work.path());
}

TEST_P(SchemaCorpus, TenantDiffersFromMaster) {
  SCOPED_TRACE(where());
  TempDatabase master(GetParam().dialect);
  TempDatabase tenant(GetParam().dialect);
  ASSERT_NO_FATAL_FAILURE(load(master, "master.sql"));
  ASSERT_NO_FATAL_FAILURE(load(tenant, "tenant.sql"));
  EXPECT_TRUE(structure(master) != structure(tenant))
      << "master.sql and tenant.sql give the same structure: the pair tests nothing";
}

INSTANTIATE_TEST_SUITE_P(Corpus, SchemaCorpus, ::testing::ValuesIn(all_pairs()),
                         [](const ::testing::TestParamInfo<Pair>& info) {
                           return info.param.name;
                         });

// Every directory FERRY_EXTRA_CORPUS names exists and holds pairs: a typo must not pass as
// an empty corpus. The source tree's corpus covers every dialect.
TEST(SchemaCorpusRoots, EveryRootHoldsPairs) {
  for (const char* dialect : k_dialects) {
    EXPECT_TRUE(fs::is_directory(fs::path(FERRY_CORPUS_DIR) / dialect))
        << FERRY_CORPUS_DIR << " has no " << dialect << " pairs";
  }
  for (const fs::path& root : extra_roots()) {
    EXPECT_TRUE(fs::is_directory(root))
        << "FERRY_EXTRA_CORPUS names " << root << ", which is not a directory";
    EXPECT_FALSE(pairs_under(root, "").empty())
        << "FERRY_EXTRA_CORPUS names " << root
        << ", which holds no pairs (<dialect>/<name>/master.sql and tenant.sql)";
  }
}

}  // namespace
}  // namespace ferry::test
