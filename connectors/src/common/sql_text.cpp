#include "common/sql_text.hpp"

#include "ferry/common/error.hpp"

namespace ferry::connectors {

std::string quote_with(char quote, std::string_view name) {
  std::string out(1, quote);
  for (char c : name) {
    if (c == quote)
      out += quote;
    out += c;
  }
  out += quote;
  return out;
}

std::string column_list(const std::vector<std::string>& columns, const QuoteFn& quote) {
  std::string out;
  for (const std::string& c : columns) {
    if (!out.empty())
      out += ", ";
    out += quote(c);
  }
  return out;
}

namespace {

std::string bound_tuple(const schema::Table& table, const std::vector<std::string>& key,
                        const schema::KeyValue& bound, const LiteralFn& literal) {
  if (bound.size() != key.size()) {
    throw Error(ErrorKind::failure, "key range for table " + table.name + " has " +
                                        std::to_string(bound.size()) + " values; the key has " +
                                        std::to_string(key.size()));
  }
  std::string out = "(";
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (i > 0)
      out += ", ";
    out += literal(*table.find_column(key[i]), bound[i]);
  }
  return out + ")";
}

}  // namespace

bool is_text_key(schema::LogicalType type) noexcept {
  return type == schema::LogicalType::text || type == schema::LogicalType::json ||
         type == schema::LogicalType::other;
}

std::string key_order(const schema::Table& table, const std::vector<std::string>& key,
                      const KeyExprFn& key_expr) {
  std::string out;
  for (const std::string& k : key) {
    if (!out.empty())
      out += ", ";
    out += key_expr(*table.find_column(k));
  }
  return out;
}

std::string key_range_where(const schema::Table& table, const std::vector<std::string>& key,
                            const ReadOptions& options, const KeyExprFn& key_expr,
                            const QuoteFn& quote, const LiteralFn& literal) {
  const schema::KeyRange& range = options.range;
  std::vector<std::string> conditions;
  const std::string lhs = "(" + key_order(table, key, key_expr) + ")";
  if (!range.after.empty())
    conditions.push_back(lhs + " > " + bound_tuple(table, key, range.after, literal));
  if (!range.up_to.empty())
    conditions.push_back(lhs + " <= " + bound_tuple(table, key, range.up_to, literal));
  if (!options.keys.empty()) {
    std::string list;
    for (const schema::KeyValue& k : options.keys) {
      if (!list.empty())
        list += ", ";
      list += bound_tuple(table, key, k, literal);
    }
    conditions.push_back("(" + column_list(key, quote) + ") IN (" + list + ")");
  }
  if (conditions.empty())
    return {};
  std::string out = " WHERE ";
  for (std::size_t i = 0; i < conditions.size(); ++i) {
    if (i > 0)
      out += " AND ";
    out += conditions[i];
  }
  return out;
}

std::vector<std::string> read_key(const schema::Table& table, const ReadOptions& options) {
  std::vector<std::string> key = table.row_key();
  if (!key.empty() || !options.allow_keyless || !options.range.unbounded() ||
      !options.keys.empty()) {
    return table.required_row_key();
  }
  return key;
}

std::string where_and_order(const schema::Table& table, const std::vector<std::string>& key,
                            const ReadOptions& options, const KeyExprFn& key_expr,
                            const QuoteFn& quote, const LiteralFn& literal) {
  if (key.empty())
    return {};
  return key_range_where(table, key, options, key_expr, quote, literal) + " ORDER BY " +
         key_order(table, key, key_expr);
}

const schema::Table* counter_table(const schema::Catalog& catalog, const Counter& counter) {
  const std::string& wanted = counter.table.empty() ? counter.name : counter.table;
  const auto dot = wanted.rfind('.');
  const std::string name = dot == std::string::npos ? wanted : wanted.substr(dot + 1);
  const schema::Table* found = nullptr;
  int matches = 0;
  for (const schema::Table& t : catalog.tables) {
    if (t.qualified_name() == wanted)
      return &t;
    if (t.name == name) {
      found = &t;
      ++matches;
    }
  }
  return matches == 1 ? found : nullptr;
}

const schema::Column* counter_column(const schema::Table& table) {
  for (const schema::Column& c : table.columns) {
    if (c.identity != schema::Identity::none ||
        (c.default_expr && c.default_expr->starts_with("nextval("))) {
      return &c;
    }
  }
  return nullptr;
}

bool is_integer(schema::LogicalType type) {
  return type == schema::LogicalType::int16 || type == schema::LogicalType::int32 ||
         type == schema::LogicalType::int64;
}

std::vector<std::string> bucket_key(const schema::Table& table, const BucketScheme& scheme) {
  std::vector<std::string> key = table.required_row_key();
  const std::string label = table.qualified_name();
  if (scheme.kind == BucketScheme::Kind::key_range) {
    const schema::LogicalType type =
        key.size() == 1 ? table.find_column(key[0])->type : schema::LogicalType::text;
    if (type != schema::LogicalType::int16 && type != schema::LogicalType::int32 &&
        type != schema::LogicalType::int64) {
      throw Error(ErrorKind::failure,
                  "table " + label + ": key range buckets need a row key of one integer column");
    }
    if (scheme.bits > 63)
      throw Error(ErrorKind::failure, "table " + label + ": a key range shift over 63");
  }
  if (scheme.kind == BucketScheme::Kind::key_hash &&
      scheme.bits > BucketScheme::k_max_bucket_bits) {
    throw Error(ErrorKind::failure,
                "table " + label + ": 2^" + std::to_string(scheme.bits) + " buckets are too many");
  }
  return key;
}

std::string connect_failure(const Endpoint& endpoint, ErrorKind kind, const std::string& server) {
  const std::string what = "cannot connect to " + endpoint.redacted() + ": ";
  switch (kind) {
    case ErrorKind::unreachable:
      return what + "server unreachable: " + server +
             " (check host and port, and that the server is running)";
    case ErrorKind::auth_failed:
      return what + "authentication failed: " + server + " (check the user and password)";
    case ErrorKind::database_missing:
      return what + "database '" + endpoint.database + "' does not exist: " + server +
             " (create it or fix the URL)";
    default:
      return what + server;
  }
}

std::vector<std::string> writable_columns(const schema::Table& table) {
  std::vector<std::string> out;
  for (const schema::Column& c : table.columns) {
    if (!c.generated_expr)
      out.push_back(c.name);
  }
  return out;
}

}  // namespace ferry::connectors
