// Internal: one libpq session and the pieces of the PostgreSQL connector that share it.
//
// The connector talks to libpq directly rather than through libpqxx: libpqxx 6.4 gives no
// supported access to its PGconn, and the COPY hot path needs PQgetCopyData/PQputCopyData
// (docs/ARCHITECTURE.md, "Why libpq, not libpqxx", has the reasons and COPY timings).
// libpq-fe.h stays inside the .cpp files; this header only names its opaque structs.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/common/error.hpp"
#include "ferry/connectors/connector.hpp"

struct pg_conn;
struct pg_result;

namespace ferry::connectors::postgres {

struct ResultDeleter {
  void operator()(pg_result* result) const noexcept;
};
using Result = std::unique_ptr<pg_result, ResultDeleter>;

// An open, configured session (UTC, ISO dates, shortest round-trip floats, UTF-8). Owns the
// PGconn; not thread-safe (Connector's contract).
class Session final {
 public:
  // Connects or throws Error classified as bad_endpoint, unreachable, auth_failed,
  // database_missing or failure; the message carries the redacted URL, never the password.
  explicit Session(const Endpoint& endpoint);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  pg_conn* raw() const noexcept { return m_conn; }
  const Endpoint& endpoint() const noexcept { return m_endpoint; }

  // Runs `sql` and returns its (last) result, which must be a command or rows; otherwise
  // throws Error naming `what` with the server's message.
  Result exec(std::string_view sql, std::string_view what);
  // exec() returning every row as text, nullopt for NULL.
  std::vector<TextRow> query(std::string_view sql, std::string_view what);
  // Best effort, for cleanup paths that must not throw (destructors, rollback after failure).
  void exec_quietly(std::string_view sql) noexcept;

  // The failure of `result` (or of the connection when null) as an Error whose message is
  // "postgres <url>: <what>: <server message>", scrubbed of the password. Lost connections,
  // serialization failures and deadlocks are marked retryable.
  Error error(std::string_view what, const pg_result* result) const;

 private:
  Endpoint m_endpoint;
  pg_conn* m_conn = nullptr;
};

// The server's message trimmed of trailing newlines, with inner newlines joined by "; ".
std::string one_line(std::string_view message);

// Introspects every user schema of the session's database (postgres_catalog.cpp).
schema::Catalog introspect_catalog(Session& session, const IntrospectOptions& options);
// Connector::catalog_stamp() (postgres_catalog.cpp).
std::string catalog_stamp(Session& session);
// SQL conditions of the catalog queries: `ns` (a pg_namespace alias) is a user schema (not
// the system's, not TOAST or temp, not an extension's); the object `oid` of `catalog` (e.g.
// "pg_class", "c.oid") was not made by an extension.
std::string user_schema(std::string_view ns);
std::string not_extension(std::string_view catalog, std::string_view oid);
// Part of introspect_catalog(): the objects compared by definition and the unmodelled ones
// (postgres_objects.cpp), read in the caller's snapshot.
void read_objects(Session& session, schema::Catalog& catalog);
// Part of introspect_catalog() when asked for: the owners and grants of the catalog's schemas,
// tables, views, sequences and routines, and the server's roles (postgres_privileges.cpp).
void read_privileges(Session& session, schema::Catalog& catalog);
// A one-dimensional array in PostgreSQL's text form ({a,"b c","d\"e"}) as its elements.
std::vector<std::string> parse_text_array(const std::string& in);

// COPY-based row streams (postgres_rows.cpp). Both borrow the session until destroyed.
std::unique_ptr<RowReader> make_row_reader(Session& session, const schema::Table& table,
                                           const ReadOptions& options);
std::unique_ptr<RowWriter> make_row_writer(Session& session, const schema::Table& table,
                                           const std::vector<std::string>& columns);
// Server-side row hashes (Connector::server_summary, server_buckets, read_key_hashes,
// read_bucket_key_hashes).
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
std::map<std::string, std::string> write_counters(Session& session,
                                                  const std::vector<schema::Table>& tables);

// A canonical value as a literal of the column's type: '...'::declared_type (bytea as hex).
std::string key_literal(const schema::Column& column, std::string_view value);

// Identifier quoting with double quotes, shared by every postgres source file.
std::string quote(std::string_view identifier);
// "schema"."table"
std::string qualified_name(const schema::Table& table);

}  // namespace ferry::connectors::postgres
