// Internal helpers for building SQL text that every connector shares.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/common/error.hpp"
#include "ferry/connectors/connector.hpp"

namespace ferry::connectors {

// Quotes an identifier by doubling `quote` inside it: quote_with('"', "a\"b") == "\"a\"\"b\"".
std::string quote_with(char quote, std::string_view name);

// Renders a literal for one canonical key value of `column`, in the connector's dialect.
using LiteralFn = std::function<std::string(const schema::Column& column, std::string_view value)>;
using QuoteFn = std::function<std::string(std::string_view identifier)>;

// A key column as it is ordered and compared: text-like columns in byte order (PostgreSQL
// COLLATE "C", MySQL CAST(... AS BINARY), SQLite COLLATE BINARY), so every dialect orders
// keys the way diff::KeyOrder does and master and tenant agree on key ranges.
using KeyExprFn = std::function<std::string(const schema::Column& column)>;

// Whether a key column of this type needs a byte-order collation.
bool is_text_key(schema::LogicalType type) noexcept;

// "WHERE (k1, k2) > (..) AND (k1, k2) <= (..)" for a key range, or "" when unbounded.
// Throws Error when a bound has the wrong number of values.
// With options.keys also "(k1, k2) IN ((..), (..))", on the plain columns (`quote`): equality
// needs no byte-order collation, and without one the primary key's index serves the lookup.
std::string key_range_where(const schema::Table& table, const std::vector<std::string>& key,
                            const ReadOptions& options, const KeyExprFn& key_expr,
                            const QuoteFn& quote, const LiteralFn& literal);

// "k1, k2" as key expressions, for ORDER BY.
std::string key_order(const schema::Table& table, const std::vector<std::string>& key,
                      const KeyExprFn& key_expr);

// The key a read of `table` orders by: its row key; empty for a table without one when
// options.allow_keyless (and no range or keys asked for); else Error naming the table.
std::vector<std::string> read_key(const schema::Table& table, const ReadOptions& options);

// key_range_where() and " ORDER BY " key_order() for a read ordered by `key`; "" for an empty
// key (a keyless read).
std::string where_and_order(const schema::Table& table, const std::vector<std::string>& key,
                            const ReadOptions& options, const KeyExprFn& key_expr,
                            const QuoteFn& quote, const LiteralFn& literal);

// The table of `catalog` a counter read elsewhere belongs to: by Counter::table, else by
// Counter::name; a name without its schema matches a table of any schema when only one has
// that name. nullptr when none does.
const schema::Table* counter_table(const schema::Catalog& catalog, const Counter& counter);

// The column of `table` that takes a counter's values: its identity or auto-increment
// column; nullptr when it has none.
const schema::Column* counter_column(const schema::Table& table);

// "k1, k2" quoted, for ORDER BY.
std::string column_list(const std::vector<std::string>& columns, const QuoteFn& quote);

// int16, int32 or int64.
bool is_integer(schema::LogicalType type);

// The row key for bucket summaries under `scheme`, checked against it: key ranges need a row
// key of one integer column, key hashes at most BucketScheme::k_max_bucket_bits. Error names
// the table.
std::vector<std::string> bucket_key(const schema::Table& table, const BucketScheme& scheme);

// The message of a failed connect: the redacted URL, what the failure means, the server's
// own words and what to do about it. Callers pass it through Endpoint::scrub().
std::string connect_failure(const Endpoint& endpoint, ErrorKind kind, const std::string& server);

// The columns a writer fills when the caller names none: every non-generated column.
std::vector<std::string> writable_columns(const schema::Table& table);

}  // namespace ferry::connectors
