// Snapshots and copies across engines (docs/snapshots.md, "Across engines"): PostgreSQL to
// SQLite, MariaDB to PostgreSQL and SQLite to PostgreSQL, by restore and by copy. Each column
// is read on both sides by an SQL expression of that engine and normalized here to one
// canonical text per logical type (booleans as 0/1, decimals as scaled integers, floats
// through float or double, bytes as hex, times with six fractional digits, instants as
// microseconds since the epoch), so that the comparison does not go through ferry's canonical
// form. A column type the target cannot hold is refused before anything is written.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/engine/snapshot.hpp"
#include "snapshot_support.hpp"

namespace ferry::test::snap {
namespace {

namespace fs = std::filesystem;

enum class Kind {
  boolean,
  integer,
  decimal4,
  float32,
  float64,
  text,
  bytes,
  date,
  time,
  timestamp,
  timestamptz
};

struct Column {
  std::string name;
  Kind kind;
};

struct Table {
  std::string name;
  std::vector<Column> columns;
};

// The tables of make_source(big_values = false) and the columns a source of `dialect` has.
std::vector<Table> tables_of_source(Dialect dialect) {
  std::vector<Column> types = {
      {"id", Kind::integer}, {"b", Kind::boolean},    {"s", Kind::integer},
      {"i", Kind::integer},  {"n", Kind::integer},    {"num", Kind::decimal4},
      {"r", Kind::float32},  {"d", Kind::float64},    {"t", Kind::text},
      {"v", Kind::text},     {"bl", Kind::bytes},     {"dt", Kind::date},
      {"tm", Kind::time},    {"ts", Kind::timestamp}, {"tz", Kind::timestamptz},
      {"j", Kind::text},     {"u", Kind::text},
  };
  if (dialect != Dialect::sqlite)
    types.push_back({"m", Kind::text});
  if (dialect == Dialect::postgres) {
    types.push_back({"iv", Kind::text});
    types.push_back({"jb", Kind::text});
    types.push_back({"twice", Kind::decimal4});
  }
  return {
      {"all_types", types},
      {"parent", {{"id", Kind::integer}, {"name", Kind::text}}},
      {"child",
       {{"id", Kind::integer},
        {"parent_id", Kind::integer},
        {"note", Kind::text},
        {"touched", Kind::integer}}},
      {"empty_table", {{"id", Kind::integer}, {"x", Kind::text}}},
      {"no_key", {{"a", Kind::integer}, {"b", Kind::text}}},
      {"big", {{"id", Kind::integer}, {"body", Kind::text}, {"data", Kind::bytes}}},
  };
}

// The engine's SQL for a column's value as text (NULL stays NULL).
std::string select_expression(Dialect d, const Column& c) {
  const std::string& n = c.name;
  switch (d) {
    case Dialect::postgres:
      switch (c.kind) {
        case Kind::boolean:
          return "CASE WHEN " + n + " THEN '1' WHEN NOT " + n + " THEN '0' END";
        case Kind::bytes:
          return "encode(" + n + ", 'hex')";
        case Kind::timestamp:
          return "to_char(" + n + ", 'YYYY-MM-DD HH24:MI:SS.US')";
        case Kind::timestamptz:
          return "extract(epoch FROM " + n + ")::text";
        default:
          return n + "::text";
      }
    case Dialect::mysql:
      switch (c.kind) {
        case Kind::bytes:
          return "LOWER(HEX(" + n + "))";
        case Kind::date:
          return "DATE_FORMAT(" + n + ", '%Y-%m-%d')";
        case Kind::time:
          return "TIME_FORMAT(" + n + ", '%H:%i:%s.%f')";
        case Kind::timestamp:
          return "DATE_FORMAT(" + n + ", '%Y-%m-%d %H:%i:%s.%f')";
        case Kind::timestamptz:
          return "UNIX_TIMESTAMP(" + n + ")";
        default:
          return "CAST(" + n + " AS CHAR)";
      }
    case Dialect::sqlite:
      switch (c.kind) {
        case Kind::bytes:
          return "CASE WHEN " + n + " IS NULL THEN NULL ELSE lower(hex(" + n + ")) END";
        case Kind::float32:
        case Kind::float64:
          // SQLite prints at most 15 digits exactly: the sqlite3 shell's ieee754() gives the
          // value's mantissa and exponent.
          return "CASE WHEN " + n + " IS NULL THEN NULL ELSE ieee754(" + n + ") END";
        default:
          return "CAST(" + n + " AS TEXT)";
      }
  }
  return n;
}

std::string format_double(double v, int digits) {
  if (std::isnan(v))
    return "nan";
  if (std::isinf(v))
    return v < 0 ? "-inf" : "inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

// One canonical text per logical value, whatever the engine printed.
std::string normal(Kind kind, const std::optional<std::string>& value) {
  if (!value)
    return "NULL";
  const std::string& v = *value;
  const std::string bad = "unparsable:" + v;
  switch (kind) {
    case Kind::boolean:
      if (v == "1" || v == "t" || v == "true")
        return "1";
      if (v == "0" || v == "f" || v == "false")
        return "0";
      return bad;
    case Kind::decimal4: {
      const auto n = scaled_integer(v, 4);
      return n ? std::to_string(*n) : bad;
    }
    case Kind::float32:
    case Kind::float64: {
      double d = 0;
      if (v.starts_with("ieee754(") && v.ends_with(")") && v.find(',') != std::string::npos) {
        const std::string m = v.substr(8, v.find(',') - 8);
        const std::string e = v.substr(v.find(',') + 1, v.size() - v.find(',') - 2);
        d = std::ldexp(static_cast<double>(std::stoll(m)), std::stoi(e));
      } else {
        char* end = nullptr;
        d = std::strtod(v.c_str(), &end);
        if (v.empty() || end != v.c_str() + v.size())
          return bad;
      }
      return kind == Kind::float32 ? format_double(static_cast<float>(d), 9) : format_double(d, 17);
    }
    case Kind::time: {
      const auto t = normal_time(v);
      return t ? *t : bad;
    }
    case Kind::timestamp: {
      bool zoned = false;
      const auto micros = timestamp_micros(v, zoned);
      return micros && !zoned ? format_micros(*micros) : bad;
    }
    case Kind::timestamptz: {
      bool zoned = false;
      if (const auto micros = timestamp_micros(v, zoned))
        return zoned ? std::to_string(*micros) : bad;
      const auto micros = scaled_integer(v, 6);
      return micros ? std::to_string(*micros) : bad;
    }
    case Kind::bytes: {
      std::string out = v;
      for (char& ch : out)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      return out;
    }
    default:
      return v;
  }
}

// The rows of a query, by the sqlite3 shell.
std::vector<connectors::TextRow> sqlite_query(const std::string& file, const std::string& sql) {
  const ToolOutput out = run_tool({"sqlite3", "-readonly", "-batch", "-json", file, sql});
  EXPECT_EQ(out.exit_code, 0) << sql << ":\n" << out.err;
  std::vector<connectors::TextRow> rows;
  if (out.exit_code != 0 || out.out.find_first_not_of(" \n") == std::string::npos)
    return rows;
  // One object per row, its members in the query's order.
  for (const nlohmann::ordered_json& r : nlohmann::ordered_json::parse(out.out)) {
    connectors::TextRow row;
    for (const auto& [key, v] : r.items()) {
      if (v.is_null())
        row.emplace_back(std::nullopt);
      else
        row.emplace_back(v.is_string() ? v.get<std::string>() : v.dump());
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// The table's rows as canonical text, sorted. SQLite's are read by the sqlite3 shell.
std::vector<std::string> canonical_rows(connectors::Connector& db, const Table& table) {
  std::string sql;
  for (std::size_t i = 0; i < table.columns.size(); ++i) {
    sql += (i ? ", " : "SELECT ") + select_expression(db.dialect(), table.columns[i]) + " AS c" +
           std::to_string(i);
  }
  sql += " FROM " + table.name;
  const std::vector<connectors::TextRow> rows =
      db.dialect() == Dialect::sqlite ? sqlite_query(db.endpoint().database, sql) : db.query(sql);
  std::vector<std::string> out;
  for (const connectors::TextRow& r : rows) {
    std::string row;
    for (std::size_t i = 0; i < table.columns.size(); ++i)
      row += (i ? " | " : "") + normal(table.columns[i].kind, r.at(i));
    out.push_back(row);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The next value of the counter of `table`'s id, by the target's own catalog.
std::string next_id(connectors::Connector& db, const std::string& table) {
  switch (db.dialect()) {
    case Dialect::postgres:
      return db.query("SELECT nextval(pg_get_serial_sequence('" + table + "', 'id'))")
          .at(0)
          .at(0)
          .value_or("NULL");
    case Dialect::mysql:
      return db
          .query(
              "SELECT auto_increment FROM information_schema.tables WHERE table_schema = "
              "DATABASE() AND table_name = '" +
              table + "'")
          .at(0)
          .at(0)
          .value_or("NULL");
    case Dialect::sqlite: {
      const auto rows =
          db.query("SELECT seq + 1 FROM sqlite_sequence WHERE name = '" + table + "'");
      return rows.empty() ? "no sqlite_sequence row" : rows.at(0).at(0).value_or("NULL");
    }
  }
  return {};
}

struct CrossCase {
  Dialect source;
  Dialect target;
  bool restore;  // else copy
};

std::string case_name(const CrossCase& c) {
  const auto name = [](Dialect d) {
    return d == Dialect::postgres ? "Postgres" : d == Dialect::mysql ? "MariaDB" : "Sqlite";
  };
  return std::string(c.restore ? "Restore" : "Copy") + name(c.source) + "To" + name(c.target);
}

// GoogleTest prints a case by its name, not as a byte dump.
void PrintTo(const CrossCase& c, std::ostream* os) {
  *os << case_name(c);
}

class SnapshotCrossEngine : public ::testing::TestWithParam<CrossCase> {};

TEST_P(SnapshotCrossEngine, TheTargetHoldsTheSameValues) {
  const CrossCase c = GetParam();
  const TempDatabase source(c.source);
  const TempDatabase target(c.target);
  const TempDir store;
  const auto src = source.connect();
  make_source(*src, false);
  if (c.target == Dialect::sqlite) {
    // SQLite stores a NaN as NULL, so ferry refuses one (NanIsRefusedBySqlite): the rows
    // carried here hold none.
    src->execute({"UPDATE all_types SET r = -1.5 WHERE r = 'NaN'",
                  "UPDATE all_types SET d = -2.5 WHERE d = 'NaN'"});
  }
  CommandOutput out;
  if (c.restore) {
    out = ferry("snapshot create " + quoted(source.url()) + " --store " + quoted(store.path()) +
                " --name cross");
    ASSERT_EQ(out.exit_code, 0) << out.output;
    out = ferry("snapshot restore cross --store " + quoted(store.path()) + " --to " +
                quoted(target.url()));
  } else {
    out = ferry("copy " + quoted(source.url()) + " " + quoted(target.url()));
  }
  ASSERT_EQ(out.exit_code, 0) << out.output;

  const auto dst = target.connect();
  for (const Table& table : tables_of_source(c.source)) {
    const std::vector<std::string> want = canonical_rows(*src, table);
    const std::vector<std::string> got = canonical_rows(*dst, table);
    EXPECT_EQ(got.size(), want.size()) << table.name;
    for (std::size_t i = 0, shown = 0; i < std::max(want.size(), got.size()) && shown < 5; ++i) {
      const std::string w = i < want.size() ? want[i] : "(none)";
      const std::string g = i < got.size() ? got[i] : "(none)";
      if (w != g) {
        ADD_FAILURE() << table.name << " row " << i << ":\n  source: " << w << "\n  target: " << g;
        ++shown;
      }
    }
    for (const std::string& row : got)
      EXPECT_EQ(row.find("unparsable:"), std::string::npos) << table.name << ": " << row;
  }
  EXPECT_EQ(count_rows(*dst, "all_types"), k_generated_rows);
  EXPECT_EQ(count_rows(*dst, "no_key"), 8);
  // Serial, identity and AUTO_INCREMENT columns continue at the source's next value.
  EXPECT_EQ(next_id(*dst, "all_types"), "1001");
  EXPECT_EQ(next_id(*dst, "parent"), "4");
}

INSTANTIATE_TEST_SUITE_P(Pairs, SnapshotCrossEngine,
                         ::testing::Values(CrossCase{Dialect::postgres, Dialect::sqlite, true},
                                           CrossCase{Dialect::postgres, Dialect::sqlite, false},
                                           CrossCase{Dialect::mysql, Dialect::postgres, true},
                                           CrossCase{Dialect::mysql, Dialect::postgres, false},
                                           CrossCase{Dialect::sqlite, Dialect::postgres, true},
                                           CrossCase{Dialect::sqlite, Dialect::postgres, false}),
                         [](const auto& info) { return case_name(info.param); });

// Nothing in the target: no table (ferry's journal included) and, for SQLite, maybe no file.
bool untouched(const TempDatabase& db) {
  const Endpoint e = db.endpoint();
  if (e.dialect == Dialect::sqlite && !fs::exists(e.database))
    return true;
  return tables_of(*db.connect()).empty();
}

TEST(SnapshotCrossEngineRefusals, AColumnTypeTheTargetCannotHoldIsRefusedBeforeAnythingIsWritten) {
  const TempDatabase source(Dialect::postgres);
  const TempDatabase sqlite_target(Dialect::sqlite);
  const TempDatabase mysql_target(Dialect::mysql);
  const TempDir store;
  source.connect()->execute({
      "CREATE TABLE fine (id integer PRIMARY KEY, v text)",
      "INSERT INTO fine SELECT g, 'row ' || g FROM generate_series(1, 100) g",
      "CREATE TABLE arr (id integer PRIMARY KEY, a integer[])",
      "INSERT INTO arr VALUES (1, '{1,2,3}')",
      "CREATE TABLE span (id integer PRIMARY KEY, iv interval)",
      "INSERT INTO span VALUES (1, '1 day')",
  });
  ASSERT_EQ(ferry("snapshot create " + quoted(source.url()) + " --store " + quoted(store.path()) +
                  " --name arrays")
                .exit_code,
            0);
  struct Case {
    std::string what, args;
    const TempDatabase* target;
    std::vector<std::string> names;  // table.column named in the error
  };
  const std::vector<Case> cases = {
      {"copy to SQLite",
       "copy " + quoted(source.url()) + " " + quoted(sqlite_target.url()),
       &sqlite_target,
       {"public.arr.a"}},
      {"restore to SQLite",
       "snapshot restore arrays --store " + quoted(store.path()) + " --to " +
           quoted(sqlite_target.url()),
       &sqlite_target,
       {"public.arr.a"}},
      {"copy to MariaDB",
       "copy " + quoted(source.url()) + " " + quoted(mysql_target.url()),
       &mysql_target,
       {"public.arr.a", "public.span.iv"}},
      {"restore to MariaDB",
       "snapshot restore arrays --store " + quoted(store.path()) + " --to " +
           quoted(mysql_target.url()),
       &mysql_target,
       {"public.arr.a", "public.span.iv"}},
  };
  for (const Case& c : cases) {
    const CommandOutput out = ferry(c.args);
    EXPECT_EQ(out.exit_code, 2) << c.what << ":\n" << out.output;
    for (const std::string& name : c.names) {
      EXPECT_NE(out.output.find(name), std::string::npos)
          << c.what << ": the error does not name " << name << ":\n"
          << out.output;
    }
    EXPECT_EQ(out.output.find("public.fine"), std::string::npos) << c.what << ":\n" << out.output;
    EXPECT_TRUE(untouched(*c.target)) << c.what << ": the target was written to";
  }

  // The engine's API says the same, with the kind of error the command line exits 2 for.
  engine::LoadOptions options;
  try {
    engine::copy_database(source.endpoint(), sqlite_target.endpoint(), options);
    ADD_FAILURE() << "copy_database did not refuse integer[] for SQLite";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage) << e.what();
    EXPECT_NE(std::string(e.what()).find("public.arr.a"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(untouched(sqlite_target));
  try {
    engine::restore_snapshot(store.path(), "arrays", mysql_target.endpoint(), options);
    ADD_FAILURE() << "restore_snapshot did not refuse interval for MariaDB";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage) << e.what();
    EXPECT_NE(std::string(e.what()).find("public.span.iv"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(untouched(mysql_target));
}

// SQLite stores a NaN as NULL: a copy of one is an error naming the table and column, not a
// NULL in the target.
TEST(SnapshotCrossEngineRefusals, NanIsRefusedBySqlite) {
  const TempDatabase source(Dialect::postgres);
  const TempDatabase target(Dialect::sqlite);
  source.connect()->execute({"CREATE TABLE floats (id integer PRIMARY KEY, d double precision)",
                             "INSERT INTO floats VALUES (1, 1.5), (2, 'NaN'), (3, NULL)"});
  const CommandOutput out = ferry("copy " + quoted(source.url()) + " " + quoted(target.url()));
  EXPECT_NE(out.exit_code, 0) << out.output;
  EXPECT_NE(out.output.find("NaN"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("column d"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("floats"), std::string::npos) << out.output;
  if (fs::exists(target.endpoint().database)) {
    const auto dst = target.connect();
    for (const std::string& table : tables_of(*dst)) {
      if (table == "floats") {
        EXPECT_EQ(count_rows(*dst, "floats"), 0) << "rows of the refused part were committed";
      }
    }
  }
}

}  // namespace
}  // namespace ferry::test::snap
