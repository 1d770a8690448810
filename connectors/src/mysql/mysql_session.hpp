// Internal to the MySQL/MariaDB connector: one driver session plus the SQL text helpers that the
// connector's parts (catalog, row reader, row writer) share. The driver's own types stay
// forward-declared here; only this folder's .cpp files include cppconn.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/connectors/connector.hpp"

namespace sql {
class Connection;
class Statement;
}  // namespace sql

namespace ferry::connectors::mysql {

struct ServerInfo {
  std::string version;  // SELECT VERSION(), e.g. "10.11.6-MariaDB-0+deb12u1"
  bool mariadb = false;
  std::size_t max_allowed_packet = 0;
};

// Makes the calling thread known to the client library (mysql_thread_init) once, and
// forgets it (mysql_thread_end) when the thread exits. Every entry point that talks to the
// server calls it first, because a Connector may move between worker threads.
void attach_thread();

// One connection with the session settings every part of the connector relies on:
// time_zone '+00:00' (TIMESTAMP values read and written as UTC), utf8mb4, sql_mode with
// STRICT_ALL_TABLES (no silent truncation) and without NO_BACKSLASH_ESCAPES (string
// literals are escaped with backslashes, see string_literal()).
// Not thread-safe: one thread at a time, like the Connector that owns it.
class Session final {
 public:
  // Connects. Throws Error(unreachable | auth_failed | database_missing | bad_endpoint |
  // failure) naming the redacted URL.
  explicit Session(const Endpoint& endpoint);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const Endpoint& endpoint() const noexcept { return m_endpoint; }
  const ServerInfo& server() const noexcept { return m_server; }

  // Runs one statement that returns no rows. The Error names the statement.
  void exec(std::string_view sql);
  // Runs one query and buffers all its rows as text (nullopt for NULL).
  std::vector<TextRow> query(std::string_view sql);
  // A statement whose result sets stream row by row (mysql_use_result): memory stays at one
  // row, and no other statement may run on the session until the result set is closed.
  std::unique_ptr<sql::Statement> streaming_statement();

  // Call only inside a catch block: rethrows the current exception as ferry::Error whose
  // message is "<context> on <redacted url>: <server message>", scrubbed of the password.
  [[noreturn]] void rethrow(std::string_view context) const;

 private:
  Endpoint m_endpoint;
  ServerInfo m_server;
  std::unique_ptr<sql::Connection> m_connection;
};

// 'text' with backslash escapes (as mysql_real_escape_string): safe for any bytes.
std::string string_literal(std::string_view text);
// `text` shortened to about 200 characters for error messages.
std::string abbreviate(std::string_view text);

// Appends the SQL literal for one canonical value of `column` (schema/row.hpp) to `out`.
// Throws Error naming `table` and the column when the value cannot be stored (NaN and
// infinities, malformed numbers).
void append_literal(std::string& out, const schema::Table& table, const schema::Column& column,
                    std::string_view value);

schema::Catalog read_catalog(Session& session);
std::unique_ptr<RowReader> make_row_reader(Session& session, const schema::Table& table,
                                           const ReadOptions& options);
std::unique_ptr<RowWriter> make_row_writer(Session& session, const schema::Table& table,
                                           const std::vector<std::string>& columns);
// Server-side row hashes (Connector::server_summary, server_buckets, read_key_hashes,
// read_bucket_key_hashes), in mysql_rows.cpp.
std::unique_ptr<RowReader> make_key_hash_reader(Session& session, const schema::Table& table,
                                                std::size_t batch_rows);
std::unique_ptr<RowReader> make_bucket_key_hash_reader(Session& session, const schema::Table& table,
                                                       const BucketScheme& scheme,
                                                       const std::vector<std::uint64_t>& buckets,
                                                       std::size_t batch_rows);
std::optional<ServerSummary> server_summary(Session& session, const schema::Table& table);
std::optional<BucketSummaries> server_buckets(Session& session, const schema::Table& table,
                                              const BucketScheme& scheme);
std::optional<std::pair<std::int64_t, std::int64_t>> integer_key_bounds(Session& session,
                                                                        const schema::Table& table);

}  // namespace ferry::connectors::mysql
