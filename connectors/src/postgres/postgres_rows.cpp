// Row streams over COPY in text format: PQgetCopyData hands over one row per call, which is
// parsed, unescaped and canonicalized straight into the caller's RowBatch; writes are encoded
// into one buffer per batch and handed to PQputCopyData.
#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>

#include "common/sql_text.hpp"
#include "ferry/common/error.hpp"
#include "ferry/common/hash128.hpp"
#include "ferry/schema/row.hpp"
#include "postgres/postgres_session.hpp"

namespace ferry::connectors::postgres {
namespace {

using schema::LogicalType;

// Bytes handed to libpq per PQputCopyData call: large enough that the per-call cost vanishes,
// small enough that a batch of wide rows does not double its memory in the buffer.
constexpr std::size_t k_copy_chunk = 256 * 1024;
constexpr std::size_t k_value_excerpt = 60;

struct CopyBufferDeleter {
  void operator()(char* buffer) const noexcept { PQfreemem(buffer); }
};

// Undoes COPY text escaping: \b \f \n \r \t \v, \\, \digits (octal), \xHH, and any other
// backslashed character as itself.
void unescape_copy(std::string_view in, std::string& out) {
  if (in.find('\\') == std::string_view::npos) {
    out.append(in);
    return;
  }
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c != '\\' || i + 1 == in.size()) {
      out += c;
      continue;
    }
    const char e = in[++i];
    switch (e) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x': {
        int value = 0;
        int digits = 0;
        while (digits < 2 && i + 1 < in.size() && hex_digit_value(in[i + 1]) >= 0) {
          value = value * 16 + hex_digit_value(in[++i]);
          ++digits;
        }
        out += digits == 0 ? 'x' : static_cast<char>(value);
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          int value = e - '0';
          for (int digits = 1;
               digits < 3 && i + 1 < in.size() && in[i + 1] >= '0' && in[i + 1] <= '7'; ++digits) {
            value = value * 8 + (in[++i] - '0');
          }
          out += static_cast<char>(value);
        } else {
          out += e;
        }
    }
  }
}

void escape_copy(std::string_view in, std::string& out) {
  for (char c : in) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
}

std::string table_label(const schema::Table& table) {
  return table.qualified_name();
}

// A key bound as a typed literal, so comparisons use the column's own type and collation.
}  // namespace

std::string key_literal(const schema::Column& column, std::string_view value) {
  std::string out = "'";
  if (column.type == LogicalType::bytes) {
    out += "\\x";
    append_hex(out, value);
  } else {
    for (char c : value) {
      if (c == '\'')
        out += '\'';
      out += c;
    }
  }
  return out + "'::" + column.declared_type;
}

namespace {

// Text keys in byte order (see sql_text.hpp).
std::string key_expr(const schema::Column& column) {
  return is_text_key(column.type) ? quote(column.name) + " COLLATE \"C\"" : quote(column.name);
}

// Row hashes computed by the server. Each column is hashed by its type's extended hash
// function, seeded with its position; a NULL (the hash functions are strict: NULL in, NULL
// out) hashes to a constant of its position instead. The XOR of the column hashes is mixed
// once more, so that values swapped between two rows change the table's XOR of row hashes.
//
// Seeds by position rather than a chain through the columns before: the NULL case then needs
// no second copy of the seed, and the server spends about an eighth less time than on a chain
// closed by a bitmask of the NULL columns (pgbench_accounts, 1 M rows).
// hash_record_extended(ROW(...)) would cost a third more: it builds and takes apart a record
// per row. Unlike the record hash, this one hashes text by its bytes (COLLATE "C", so a
// nondeterministic collation cannot hide a change), bigint by both halves (hashint8 folds
// them into 32 bits; times and timestamps keep their own hashes, which fold alike), and
// enums, json, bytea and the types ferry keeps as text by their text, which the session pins
// (DateStyle, IntervalStyle, bytea_output): the text of an enum label is the same in every
// database, its oid is not.

// The hash of one column value `v` (an expression of the column's type), seeded with `seed`:
// NULL when `v` is NULL.
std::string value_hash(const schema::Column& c, const std::string& v, const std::string& seed) {
  const std::string& type = c.declared_type;
  switch (c.type) {
    case LogicalType::boolean:
    case LogicalType::int16:
    case LogicalType::int32:
      return "hashint4extended(" + v + "::int4, " + seed + ")";
    case LogicalType::int64: {
      const std::string x = v + "::int8";
      return "hashint4extended((" + x + " >> 32)::int4, hashint8extended(" + x + ", " + seed + "))";
    }
    case LogicalType::numeric:
      return "hash_numeric_extended(" + v + "::numeric, " + seed + ")";
    case LogicalType::float32:
      return "hashfloat4extended(" + v + "::float4, " + seed + ")";
    case LogicalType::float64:
      return "hashfloat8extended(" + v + "::float8, " + seed + ")";
    case LogicalType::uuid:
      return "uuid_hash_extended(" + v + "::uuid, " + seed + ")";
    case LogicalType::date: {
      // A date is its day number (from 2000-01-01), infinities the ends of the int4 range.
      const std::string d = v + "::date";
      return "hashint4extended(CASE WHEN " + d + " = 'infinity' THEN 2147483647 WHEN " + d +
             " = '-infinity' THEN -2147483648 ELSE " + d + " - DATE '2000-01-01' END, " + seed +
             ")";
    }
    case LogicalType::time:
      return "time_hash_extended(" + v + "::time, " + seed + ")";
    case LogicalType::timestamp:
    case LogicalType::timestamptz:
      // timestamptz as the UTC wall time (the session's time zone): the same instant.
      return "timestamp_hash_extended(" + v + "::timestamp, " + seed + ")";
    case LogicalType::text:
      // char(n) keeps its own hash: its cast to text trims trailing blanks, at a cost.
      if (type == "character" || type == "bpchar" || type.starts_with("character(")) {
        return "hashbpcharextended(" + v + " COLLATE \"C\", " + seed + ")";
      }
      return "hashtextextended(" + v + "::text COLLATE \"C\", " + seed + ")";
    default:
      return "hashtextextended(" + v + "::text, " + seed + ")";
  }
}

std::string row_hash_expression(const schema::Table& table) {
  std::string hashes;
  for (std::size_t i = 0; i < table.columns.size(); ++i) {
    const schema::Column& c = table.columns[i];
    std::string h = value_hash(c, quote(c.name), std::to_string(i + 1));
    if (c.nullable) {
      // A constant per position: a value's hash meets it at odds of 2^-64.
      const auto null_hash = static_cast<std::int64_t>((i + 1) * 0x9E3779B97F4A7C15ULL);
      h = "coalesce(" + h + ", (" + std::to_string(null_hash) + ")::int8)";
    }
    hashes += (hashes.empty() ? "" : " # ") + h;
  }
  return "hashint8extended(" + hashes + ", 0)";
}

// A row's bucket: the key >> bits (an arithmetic shift), or the hash chain of its key columns
// (never NULL) masked to 2^bits buckets.
std::string bucket_expression(const schema::Table& table, const std::vector<std::string>& key,
                              const BucketScheme& scheme) {
  if (scheme.kind == BucketScheme::Kind::key_range)
    return "(" + quote(key[0]) + "::int8 >> " + std::to_string(scheme.bits) + ")";
  std::string chain = "98";
  for (const std::string& k : key)
    chain = value_hash(*table.find_column(k), quote(k), chain);
  return "(" + chain + " & " + std::to_string((std::uint64_t{1} << scheme.bits) - 1) + ")";
}

// SET for one statement, RESET when it is over (also when it failed).
class SessionSettings {
 public:
  SessionSettings(Session& session,
                  const std::vector<std::pair<std::string, std::string>>& settings)
      : m_session(session) {
    try {
      for (const auto& [name, value] : settings) {
        m_session.exec("SET " + name + " = " + value, "preparing a query");
        m_names.push_back(name);
      }
    } catch (...) {
      reset();
      throw;
    }
  }
  ~SessionSettings() { reset(); }
  SessionSettings(const SessionSettings&) = delete;
  SessionSettings& operator=(const SessionSettings&) = delete;

 private:
  void reset() noexcept {
    for (const std::string& name : m_names)
      m_session.exec_quietly("RESET " + name);
  }

  Session& m_session;
  std::vector<std::string> m_names;  // the settings that were SET
};

class PostgresRowReader final : public RowReader {
 public:
  struct ColumnInfo {
    std::string name;
    LogicalType type;
  };

  // Streams the result of `select` (a query in key order) with COPY. With `reset_sort`, the
  // session's enable_sort is reset when the stream ends.
  PostgresRowReader(Session& session, std::string label, std::vector<ColumnInfo> columns,
                    const std::string& select, std::size_t batch_rows,
                    std::size_t batch_bytes = k_batch_bytes, bool reset_sort = false)
      : m_session(session),
        m_label(std::move(label)),
        m_batch_rows(std::max<std::size_t>(1, batch_rows)),
        m_batch_bytes(std::max<std::size_t>(1, batch_bytes)),
        m_columns(std::move(columns)),
        m_reset_sort(reset_sort) {
    const std::string sql = "COPY (" + select + ") TO STDOUT";
    Result result(PQexec(m_session.raw(), sql.c_str()));
    if (!result || PQresultStatus(result.get()) != PGRES_COPY_OUT) {
      if (m_reset_sort)
        m_session.exec_quietly("RESET enable_sort");
      throw m_session.error("reading table " + m_label, result.get());
    }
    m_copying = true;
  }

  ~PostgresRowReader() override {
    if (m_copying)
      abandon();
    if (m_reset_sort)
      m_session.exec_quietly("RESET enable_sort");
  }

  PostgresRowReader(const PostgresRowReader&) = delete;
  PostgresRowReader& operator=(const PostgresRowReader&) = delete;

  bool next(schema::RowBatch& batch) override {
    batch.reset(m_columns.size());
    while (m_copying && batch.rows() < m_batch_rows && batch.byte_size() < m_batch_bytes) {
      char* raw = nullptr;
      const int length = PQgetCopyData(m_session.raw(), &raw, 0);
      if (length < 0) {
        finish();
        break;
      }
      const std::unique_ptr<char, CopyBufferDeleter> owned(raw);
      parse_row(batch, std::string_view(raw, static_cast<std::size_t>(length)));
    }
    return !batch.empty();
  }

 private:
  // The COPY is over: its closing result says whether it succeeded.
  void finish() {
    m_copying = false;
    Result result(PQgetResult(m_session.raw()));
    const bool ok = result && PQresultStatus(result.get()) == PGRES_COMMAND_OK;
    std::optional<Error> error;
    if (!ok)
      error = m_session.error("reading table " + m_label, result.get());
    while (Result rest{PQgetResult(m_session.raw())}) {
    }
    if (error)
      throw *error;
  }

  // Stopping early: cancel the query so the server stops sending, then drain what is in
  // flight so the session is usable again.
  void abandon() noexcept {
    m_copying = false;
    if (PGcancel* cancel = PQgetCancel(m_session.raw())) {
      std::array<char, 256> message{};
      PQcancel(cancel, message.data(), static_cast<int>(message.size()));
      PQfreeCancel(cancel);
    }
    char* raw = nullptr;
    while (PQgetCopyData(m_session.raw(), &raw, 0) >= 0) {
      PQfreemem(raw);
      raw = nullptr;
    }
    while (Result rest{PQgetResult(m_session.raw())}) {
    }
  }

  void parse_row(schema::RowBatch& batch, std::string_view line) {
    if (!line.empty() && line.back() == '\n')
      line.remove_suffix(1);
    // Tabs inside values arrive escaped, so a raw tab always separates two fields.
    if (static_cast<std::size_t>(std::count(line.begin(), line.end(), '\t')) + 1 !=
        m_columns.size()) {
      fail("a COPY row does not have the table's " + std::to_string(m_columns.size()) + " columns");
    }
    std::size_t start = 0;
    for (std::size_t column = 0; column < m_columns.size(); ++column) {
      const std::size_t tab = line.find('\t', start);
      append_field(batch, column, line.substr(start, tab - start));
      start = tab + 1;
    }
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorKind::failure,
                m_session.endpoint().scrub("postgres " + m_session.endpoint().redacted() +
                                           ": reading table " + m_label + ": " + what));
  }

  void append_field(schema::RowBatch& batch, std::size_t column, std::string_view raw) {
    if (raw == "\\N") {
      batch.add_null();
      return;
    }
    const LogicalType type = m_columns[column].type;
    std::string& out = batch.value_buffer();
    const std::size_t start = out.size();
    bool ok = true;
    switch (type) {
      case LogicalType::bytes:
        ok = decode_bytea(raw, out);
        break;
      case LogicalType::boolean:
      case LogicalType::numeric:
      case LogicalType::float32:
      case LogicalType::float64:
      case LogicalType::time:
      case LogicalType::timestamp:
      case LogicalType::timestamptz:
      case LogicalType::uuid: {
        m_scratch.clear();
        unescape_copy(raw, m_scratch);
        ok = canonicalize(type, m_scratch, out);
        break;
      }
      default:
        unescape_copy(raw, out);
    }
    if (!ok) {
      out.resize(start);
      invalid(column, raw);
    }
    batch.commit_value(start);
  }

  static bool canonicalize(LogicalType type, std::string_view in, std::string& out) {
    switch (type) {
      case LogicalType::boolean:
        return schema::canonical::boolean(in, out);
      case LogicalType::numeric:
        return schema::canonical::numeric(in, out);
      case LogicalType::float32:
      case LogicalType::float64:
        return schema::canonical::float_text(in, type, out);
      case LogicalType::time:
        return schema::canonical::time(in, out);
      case LogicalType::timestamp:
      case LogicalType::timestamptz:
        return schema::canonical::timestamp(in, type, out);
      case LogicalType::uuid:
        return schema::canonical::uuid(in, out);
      default:
        out.append(in);
        return true;
    }
  }

  // bytea arrives as "\\x0a1b..." (hex output, its backslash escaped by COPY).
  bool decode_bytea(std::string_view raw, std::string& out) {
    m_scratch.clear();
    unescape_copy(raw, m_scratch);
    const std::string_view hex = m_scratch;
    if (!hex.starts_with("\\x") || hex.size() % 2 != 0)
      return false;
    for (std::size_t i = 2; i < hex.size(); i += 2) {
      const int high = hex_digit_value(hex[i]);
      const int low = hex_digit_value(hex[i + 1]);
      if (high < 0 || low < 0)
        return false;
      out += static_cast<char>(high * 16 + low);
    }
    return true;
  }

  [[noreturn]] void invalid(std::size_t column, std::string_view raw) const {
    std::string value(raw.substr(0, k_value_excerpt));
    if (raw.size() > k_value_excerpt)
      value += "...";
    const ColumnInfo& c = m_columns[column];
    fail("column " + c.name + ": the server sent '" + value + "', which is not a valid " +
         schema::to_string(c.type) + " value");
  }

  Session& m_session;
  std::string m_label;
  std::size_t m_batch_rows;
  std::size_t m_batch_bytes;
  std::vector<ColumnInfo> m_columns;
  std::string m_scratch;
  bool m_copying = false;
  bool m_reset_sort = false;  // enable_sort was turned off for this stream
};

class PostgresRowWriter final : public RowWriter {
 public:
  PostgresRowWriter(Session& session, const schema::Table& table,
                    const std::vector<std::string>& columns)
      : m_session(session), m_label(table_label(table)) {
    const std::vector<std::string> names = columns.empty() ? writable_columns(table) : columns;
    for (const std::string& name : names) {
      const schema::Column* c = table.find_column(name);
      if (c == nullptr) {
        throw Error(ErrorKind::failure,
                    "cannot write table " + m_label + ": it has no column " + name);
      }
      m_types.push_back(c->type);
    }
    m_session.exec("BEGIN", "writing table " + m_label);
    m_in_transaction = true;
    const std::string sql =
        "COPY " + qualified_name(table) + " (" + column_list(names, quote) + ") FROM STDIN";
    Result result(PQexec(m_session.raw(), sql.c_str()));
    if (!result || PQresultStatus(result.get()) != PGRES_COPY_IN) {
      Error error = m_session.error("writing table " + m_label, result.get());
      rollback();
      throw error;
    }
    m_copying = true;
  }

  ~PostgresRowWriter() override {
    if (m_copying) {
      m_copying = false;
      PQputCopyEnd(m_session.raw(), "ferry: the writer was closed without commit");
      while (Result rest{PQgetResult(m_session.raw())}) {
      }
    }
    if (m_in_transaction)
      rollback();
  }

  PostgresRowWriter(const PostgresRowWriter&) = delete;
  PostgresRowWriter& operator=(const PostgresRowWriter&) = delete;

  void write(const schema::RowBatch& batch) override {
    require_copying();
    if (batch.columns() != m_types.size()) {
      throw Error(ErrorKind::failure,
                  "writing table " + m_label + ": a batch of " + std::to_string(batch.columns()) +
                      " columns for a writer of " + std::to_string(m_types.size()));
    }
    for (std::size_t row = 0; row < batch.rows(); ++row) {
      for (std::size_t column = 0; column < m_types.size(); ++column) {
        if (column > 0)
          m_buffer += '\t';
        if (batch.is_null(row, column)) {
          m_buffer += "\\N";
        } else if (m_types[column] == LogicalType::bytes) {
          m_buffer += "\\\\x";
          append_hex(m_buffer, batch.value(row, column));
        } else {
          escape_copy(batch.value(row, column), m_buffer);
        }
      }
      m_buffer += '\n';
      if (m_buffer.size() >= k_copy_chunk)
        flush();
    }
    flush();
  }

  void commit_with(const std::vector<std::string>& statements) override {
    require_copying();
    m_copying = false;
    const bool ended = PQputCopyEnd(m_session.raw(), nullptr) == 1;
    Result result(PQgetResult(m_session.raw()));
    const bool ok = ended && result && PQresultStatus(result.get()) == PGRES_COMMAND_OK;
    std::optional<Error> error;
    if (!ok)
      error = m_session.error("writing table " + m_label, result.get());
    while (Result rest{PQgetResult(m_session.raw())}) {
    }
    if (error) {
      rollback();
      throw *error;
    }
    for (const std::string& statement : statements) {
      try {
        m_session.exec(statement, "committing table " + m_label);
      } catch (...) {
        rollback();
        throw;
      }
    }
    m_session.exec("COMMIT", "committing table " + m_label);
    m_in_transaction = false;
  }

 private:
  void require_copying() const {
    if (!m_copying) {
      throw Error(ErrorKind::failure, "writing table " + m_label + ": the writer is closed");
    }
  }

  void flush() {
    if (m_buffer.empty())
      return;
    if (PQputCopyData(m_session.raw(), m_buffer.data(), static_cast<int>(m_buffer.size())) != 1) {
      throw m_session.error("writing table " + m_label, nullptr);
    }
    m_buffer.clear();
  }

  void rollback() noexcept {
    m_in_transaction = false;
    m_session.exec_quietly("ROLLBACK");
  }

  Session& m_session;
  std::string m_label;
  std::vector<LogicalType> m_types;
  std::string m_buffer;
  bool m_in_transaction = false;
  bool m_copying = false;
};

}  // namespace

std::unique_ptr<RowReader> make_row_reader(Session& session, const schema::Table& table,
                                           const ReadOptions& options) {
  const std::vector<std::string> key = read_key(table, options);
  std::vector<std::string> names;
  std::vector<PostgresRowReader::ColumnInfo> columns;
  for (const schema::Column& c : table.columns) {
    names.push_back(c.name);
    columns.push_back({c.name, c.type});
  }
  const std::string select = "SELECT " + column_list(names, quote) + " FROM " +
                             qualified_name(table) +
                             where_and_order(table, key, options, key_expr, quote, key_literal);
  return std::make_unique<PostgresRowReader>(session, table_label(table), std::move(columns),
                                             select, options.batch_rows, options.batch_bytes);
}

std::unique_ptr<RowReader> make_key_hash_reader(Session& session, const schema::Table& table,
                                                std::size_t batch_rows) {
  const std::vector<std::string> key = table.required_row_key();
  std::vector<PostgresRowReader::ColumnInfo> columns;
  for (const std::string& k : key)
    columns.push_back({k, table.find_column(k)->type});
  columns.push_back({"row_hash", LogicalType::int64});
  const std::string select = "SELECT " + column_list(key, quote) + ", " +
                             row_hash_expression(table) + " FROM " + qualified_name(table) +
                             " ORDER BY " + key_order(table, key, key_expr);
  // Walk the primary key's index rather than sort the whole table: the rows stream out at
  // once and memory stays flat on the server too.
  session.exec("SET enable_sort = off", "preparing a key scan");
  return std::make_unique<PostgresRowReader>(session, table_label(table), std::move(columns),
                                             select, batch_rows, k_batch_bytes, true);
}

std::unique_ptr<RowReader> make_bucket_key_hash_reader(Session& session, const schema::Table& table,
                                                       const BucketScheme& scheme,
                                                       const std::vector<std::uint64_t>& buckets,
                                                       std::size_t batch_rows) {
  const std::vector<std::string> key = bucket_key(table, scheme);
  std::vector<PostgresRowReader::ColumnInfo> columns;
  for (const std::string& k : key)
    columns.push_back({k, table.find_column(k)->type});
  columns.push_back({"row_hash", LogicalType::int64});
  const std::string select_list = column_list(key, quote) + ", " + row_hash_expression(table);
  const std::string order_by = " ORDER BY " + key_order(table, key, key_expr);
  std::string select;
  if (scheme.kind == BucketScheme::Kind::key_range) {
    // One index range scan per bucket, the buckets' first keys outside: LATERAL with OFFSET 0
    // keeps the planner from turning the join around and walking the whole index instead, to
    // save the sort (35 s instead of 0.03 s on 1 M rows).
    std::string firsts;
    for (const std::uint64_t b : buckets)
      firsts += (firsts.empty() ? "" : ",") + std::to_string(key_range_of(b, scheme.bits).first);
    const std::string width = std::to_string((std::uint64_t{1} << scheme.bits) - 1);
    select = "SELECT ferry_rows.* FROM unnest('{" + firsts +
             "}'::int8[]) AS ferry_bucket(ferry_bucket_first) CROSS JOIN LATERAL (SELECT " +
             select_list + " FROM " + qualified_name(table) + " WHERE " + quote(key[0]) +
             " BETWEEN ferry_bucket_first AND ferry_bucket_first + " + width +
             " OFFSET 0) AS ferry_rows" + order_by;
  } else {
    // The wanted buckets as a bitmap: get_bit() is one lookup per row, where = ANY(array) is
    // a hash probe whose selectivity the planner cannot guess (it then walks the key's
    // index). The rows that pass are few, so sorting them beats walking the index.
    std::string bitmap(((std::size_t{1} << scheme.bits) + 7) / 8, '\0');
    for (const std::uint64_t b : buckets) {
      if (b >> scheme.bits != 0) {
        throw Error(ErrorKind::failure, "reading table " + table_label(table) + ": bucket " +
                                            std::to_string(b) + " is not one of 2^" +
                                            std::to_string(scheme.bits));
      }
      bitmap[b / 8] = static_cast<char>(bitmap[b / 8] | (1 << (b % 8)));
    }
    std::string literal = "'\\x";
    append_hex(literal, bitmap);
    literal += "'::bytea";
    select = "SELECT " + select_list + " FROM " + qualified_name(table) + " WHERE get_bit(" +
             literal + ", " + bucket_expression(table, key, scheme) + ") = 1" + order_by;
  }
  return std::make_unique<PostgresRowReader>(session, table_label(table), std::move(columns),
                                             select, batch_rows);
}

std::optional<std::pair<std::int64_t, std::int64_t>> integer_key_bounds(
    Session& session, const schema::Table& table) {
  const std::vector<std::string> key = table.required_row_key();
  if (key.size() != 1 || !is_integer(table.find_column(key[0])->type))
    return std::nullopt;
  const auto rows = session.query("SELECT min(" + quote(key[0]) + ")::text, max(" + quote(key[0]) +
                                      ")::text FROM " + qualified_name(table),
                                  "reading the key range of table " + table_label(table));
  if (rows.empty() || !rows[0].at(0) || !rows[0].at(1))
    return std::nullopt;
  return std::pair{std::stoll(*rows[0][0]), std::stoll(*rows[0][1])};
}

std::map<std::string, std::string> write_counters(Session& session,
                                                  const std::vector<schema::Table>& tables) {
  std::map<std::string, std::string> out;
  if (tables.empty())
    return out;
  // The cumulative statistics: rows inserted, updated and deleted (committed or not), the
  // table's file (a TRUNCATE or a rewrite gives it a new one), and when the database's
  // counters were last reset. Nothing when the server does not count (track_counts off).
  const auto rows = session.query(
      "SELECT s.schemaname, s.relname, concat_ws('/', s.n_tup_ins, s.n_tup_upd, s.n_tup_del, "
      "pg_relation_filenode(s.relid), d.stats_reset) FROM pg_stat_user_tables s, "
      "pg_stat_database d WHERE d.datname = current_database() AND "
      "current_setting('track_counts')::bool",
      "reading the write counters of the tables");
  std::map<std::pair<std::string, std::string>, std::string> found;
  for (const TextRow& row : rows) {
    if (row.size() == 3 && row[0] && row[1] && row[2])
      found.emplace(std::pair{*row[0], *row[1]}, *row[2]);
  }
  for (const schema::Table& table : tables) {
    const auto it = found.find({table.schema, table.name});
    if (it != found.end())
      out.emplace(table.qualified_name(), it->second);
  }
  return out;
}

std::optional<ServerSummary> server_summary(Session& session, const schema::Table& table) {
  const auto rows = session.query(
      // XOR of the 64-bit row hashes: order-independent like a sum, and an int8 aggregate
      // rather than a numeric one (a fifth faster on 1 M rows). Keys are unique, so equal rows
      // never cancel out.
      "SELECT count(*), coalesce(bit_xor(h), 0)::text FROM "
      "(SELECT " +
          row_hash_expression(table) + " AS h FROM " + qualified_name(table) + ") s",
      "summarizing table " + table_label(table));
  return ServerSummary{std::stoull(rows.at(0)[0].value_or("0")), rows.at(0)[1].value_or("")};
}

std::optional<BucketSummaries> server_buckets(Session& session, const schema::Table& table,
                                              const BucketScheme& wanted) {
  BucketScheme scheme = wanted;
  if (scheme.kind == BucketScheme::Kind::key_hash)
    scheme.bits = std::min(scheme.bits, BucketScheme::k_max_bucket_bits);
  const std::vector<std::string> key = bucket_key(table, scheme);
  // The planner cannot know how few values the bucket expression has and plans for one group
  // per row: a sort (spilled to disk) and, in parallel, a merge of the sorted parts, 1.9x the
  // time of the hash aggregate on 1 M rows. Parallel workers do not help the hash aggregate
  // either; they only compete with the other side's query. A group takes about 150 bytes:
  // 2^18 key ranges need 40 MB, which the default work_mem (4 MB) would spill to disk.
  const SessionSettings settings(
      session,
      {{"enable_sort", "off"}, {"max_parallel_workers_per_gather", "0"}, {"work_mem", "'64MB'"}});
  const Result result = session.exec("SELECT " + bucket_expression(table, key, scheme) +
                                         ", count(*), bit_xor(" + row_hash_expression(table) +
                                         ") FROM " + qualified_name(table) + " GROUP BY 1",
                                     "summarizing table " + table_label(table) + " by buckets");
  // Parsed from the result itself: up to 2^18 rows of three numbers (none NULL), which as
  // TextRows would take several times their size.
  const int rows = PQntuples(result.get());
  const auto number = [&](int row, int column) {
    return std::strtoll(PQgetvalue(result.get(), row, column), nullptr, 10);
  };
  BucketSummaries out;
  out.scheme = scheme;
  out.buckets.reserve(static_cast<std::size_t>(rows));
  std::uint64_t digest = 0;
  for (int r = 0; r < rows; ++r) {
    BucketSummary b;
    b.bucket = static_cast<std::uint64_t>(number(r, 0));
    b.rows = static_cast<std::uint64_t>(number(r, 1));
    b.digest = static_cast<std::uint64_t>(number(r, 2));
    out.total.rows += b.rows;
    digest ^= b.digest;
    out.buckets.push_back(b);
  }
  std::sort(out.buckets.begin(), out.buckets.end(),
            [](const BucketSummary& a, const BucketSummary& b) { return a.bucket < b.bucket; });
  // As server_summary() prints its XOR: a signed int8.
  out.total.digest = std::to_string(static_cast<std::int64_t>(digest));
  return out;
}

std::unique_ptr<RowWriter> make_row_writer(Session& session, const schema::Table& table,
                                           const std::vector<std::string>& columns) {
  return std::make_unique<PostgresRowWriter>(session, table, columns);
}

}  // namespace ferry::connectors::postgres
