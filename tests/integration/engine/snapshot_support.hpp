// Shared fixture of the snapshot and copy integration tests (snapshot_*_test.cpp): source
// databases holding every column type the canonical form covers, and checks of a restored or
// copied database that never go through ferry's canonical form, chunks or row hashes: the
// servers' own dump tools for the structure (pg_dump, mariadb-dump, sqlite3), ordered row
// dumps rendered by the server (or normalized here where an engine keeps several spellings of
// one value), SQL aggregates and the servers' own counters.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/connectors/connector.hpp"
#include "test_env.hpp"

namespace ferry::test::snap {

using Clock = std::chrono::steady_clock;

// The password of the test servers (scripts/test-servers): never in any output of ferry.
inline constexpr const char* k_server_password = "ferry-test-pw";

// ferry with `args` (shell words), stdout and stderr together; fails the current test when
// the output shows the servers' password.
CommandOutput ferry(const std::string& args);
// `text` quoted for the shell.
std::string quoted(const std::string& text);
// The JSON document at the end of `output` (a log line may come first); null when none.
nlohmann::json json_of(const std::string& output);

// A program run to its end: its exit code (-1 when it did not exit), stdout and stderr.
struct ToolOutput {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs `argv` (argv[0] looked up in PATH) with `env` added to the environment, stdin from
// /dev/null.
ToolOutput run_tool(const std::vector<std::string>& argv,
                    const std::map<std::string, std::string>& env = {});

// The database's structure as the server's own tool prints it, normalized only where the
// database's name or a client's chatter would differ: pg_dump --schema-only without comments,
// SET lines and \restrict guards; mariadb-dump --no-data --routines --triggers with the
// database's name replaced; for SQLite, sqlite3's view of the catalog (sqlite_schema, the
// table_xinfo, index_list/index_xinfo and foreign_key_list pragmas, the CHECK clauses and
// AUTOINCREMENT of each table's SQL, the whitespace- and quote-normalized SQL of views and
// triggers), since a rewritten CREATE TABLE statement is the same structure in other words.
std::string structure(const TempDatabase& db);

// The tables of the database by its own catalog views (information_schema, sqlite_schema),
// sorted; PostgreSQL names qualified.
std::vector<std::string> tables_of(connectors::Connector& db);

// Every row of `table`, rendered by the server (PostgreSQL: the row's text form; MariaDB:
// each field as the server sends it; SQLite: quote() of each field, so the storage class
// counts, with date and time text normalized here to one spelling), sorted; a row longer
// than 4 KiB is replaced by its length and a 64-bit FNV-1a hash computed here.
std::vector<std::string> rows_of(connectors::Connector& db, const std::string& table);

// "" when both databases hold the same tables with the same rows (as rows_of renders them),
// else the first differences. The rows of the tables named in `skipped` (bare names) are not
// compared (a caller that compares them otherwise: by lengths and hashes of 16 MiB values).
std::string data_differences(connectors::Connector& expected, connectors::Connector& actual,
                             const std::vector<std::string>& skipped = {});

// The next value of every sequence and counter, by the server: PostgreSQL nextval() of each
// sequence (which takes it), MariaDB information_schema.tables.AUTO_INCREMENT, SQLite
// sqlite_sequence.seq + 1.
std::map<std::string, std::string> next_values(connectors::Connector& db);

// count(*) of `table`.
std::int64_t count_rows(connectors::Connector& db, const std::string& table);

// The item 1 source: every column type of the dialect (all_types), NULLs in every nullable
// column, a counter moved past its rows, an empty table, a table without a key holding
// duplicate rows, a parent and child with a foreign key and index, a unique, a check, a view,
// a function and a trigger (PostgreSQL, MariaDB; SQLite: a view and a trigger), a generated
// column (PostgreSQL). The table big holds small, empty and NULL values, and with
// `big_values` a 16 MiB text and a 16 MiB bytes value too.
void make_source(connectors::Connector& db, bool big_values);
inline constexpr std::size_t k_big = std::size_t{16} << 20;

// The number of rows make_source puts in all_types (the counter's next value is larger).
inline constexpr int k_generated_rows = 300;

// pgbench -i -s `scale` -q into `db` (a PostgreSQL database).
void pgbench_init(const TempDatabase& db, int scale);
// Per pgbench table, by the server: the count of rows and of distinct keys, the sum of the
// balance column, and the sum of a 64-bit hash of each row's text (hashtextextended), which
// does not depend on the order of the rows.
std::map<std::string, std::string> pgbench_digest(connectors::Connector& db);

// Date and time text, for comparisons across engines that spell them differently:
// "YYYY-MM-DD HH:MM:SS.ffffff" for microseconds since the epoch; "HH:MM:SS[.f]" as
// "HH:MM:SS.ffffff"; "YYYY-MM-DD[ T]HH:MM:SS[.f][Z|+HH[:MM]|-HH[:MM]]" as microseconds since
// the epoch with the offset applied (`zoned`: it had one). nullopt for other text.
std::string format_micros(std::int64_t micros, char separator = ' ');
std::optional<std::string> normal_time(std::string_view text);
std::optional<std::int64_t> timestamp_micros(std::string_view text, bool& zoned);
// "[-]D[.F]" as an integer scaled by 10^scale, exactly; nullopt when not such a decimal or
// when digits past the scale are not zero.
std::optional<std::int64_t> scaled_integer(std::string_view text, int scale);

// The chunk files of a store (STORE/chunks/xx/<id>.zst).
std::vector<std::filesystem::path> chunk_files(const std::string& store);

}  // namespace ferry::test::snap
