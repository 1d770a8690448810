#include "type_change.hpp"

#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "ferry/common/text.hpp"

namespace ferry::schema::detail {
namespace {

struct ParsedType {
  std::string base;       // lower-case name without arguments
  std::vector<int> args;  // (n) or (p,s)
  bool unsigned_ = false;
};

ParsedType parse(std::string_view declared) {
  ParsedType out;
  const std::string s = ascii_lower(declared);
  const auto open = s.find('(');
  out.base = s.substr(0, open);
  if (open != std::string::npos) {
    const auto close = s.find(')', open);
    std::string inner = s.substr(open + 1, close - open - 1);
    std::size_t pos = 0;
    while (pos < inner.size()) {
      const auto comma = inner.find(',', pos);
      try {
        out.args.push_back(std::stoi(inner.substr(pos, comma - pos)));
      } catch (const std::exception&) {
        out.args.clear();  // enum('a','b') and the like: not numeric arguments
        break;
      }
      if (comma == std::string::npos)
        break;
      pos = comma + 1;
    }
    if (close != std::string::npos)
      out.unsigned_ = s.find("unsigned", close) != std::string::npos;
  }
  while (!out.base.empty() && out.base.back() == ' ')
    out.base.pop_back();
  return out;
}

std::optional<int> integer_rank(const std::string& base) {
  if (base == "tinyint")
    return 1;
  if (base == "smallint" || base == "int2")
    return 2;
  if (base == "mediumint")
    return 3;
  if (base == "integer" || base == "int" || base == "int4")
    return 4;
  if (base == "bigint" || base == "int8")
    return 5;
  return std::nullopt;
}

std::optional<int> float_rank(const std::string& base) {
  if (base == "real" || base == "float" || base == "float4")
    return 1;
  if (base == "double precision" || base == "double" || base == "float8")
    return 2;
  return std::nullopt;
}

bool is_varchar(const std::string& base) {
  return base == "varchar" || base == "character varying" || base == "char" ||
         base == "character" || base == "nvarchar";
}

bool is_unbounded_text(const std::string& base) {
  return base == "text" || base == "mediumtext" || base == "longtext" || base == "clob";
}

bool is_decimal(const std::string& base) {
  return base == "numeric" || base == "decimal";
}

}  // namespace

Risk classify_type_change(Dialect dialect, std::string_view from_text, std::string_view to_text) {
  const ParsedType from = parse(from_text);
  const ParsedType to = parse(to_text);
  if (dialect == Dialect::mysql && integer_rank(from.base) && integer_rank(to.base) &&
      from.base == to.base && from.unsigned_ == to.unsigned_) {
    return Risk::safe;  // int(11) -> int(10): display width only
  }
  if (const auto a = integer_rank(from.base), b = integer_rank(to.base); a && b) {
    if (from.unsigned_ != to.unsigned_)
      return Risk::data_dependent;
    return *b > *a ? Risk::rewrite : Risk::destructive;
  }
  if (const auto a = float_rank(from.base), b = float_rank(to.base); a && b) {
    return *b > *a ? Risk::rewrite : Risk::destructive;
  }
  if (is_varchar(from.base) && (is_varchar(to.base) || is_unbounded_text(to.base))) {
    if (is_unbounded_text(to.base))
      return Risk::safe;
    if (from.args.empty())
      return to.args.empty() ? Risk::safe : Risk::destructive;
    if (to.args.empty())
      return Risk::safe;
    if (to.args[0] < from.args[0])
      return Risk::destructive;
    // Same base grows in place; char <-> varchar changes padding semantics.
    return from.base == to.base ? Risk::safe : Risk::rewrite;
  }
  if (is_unbounded_text(from.base) && is_varchar(to.base)) {
    return to.args.empty() ? Risk::safe : Risk::destructive;
  }
  if (is_unbounded_text(from.base) && is_unbounded_text(to.base))
    return Risk::rewrite;
  if (is_decimal(from.base) && is_decimal(to.base)) {
    if (to.args.empty())
      return Risk::rewrite;
    if (from.args.empty())
      return Risk::destructive;
    const int from_scale = from.args.size() > 1 ? from.args[1] : 0;
    const int to_scale = to.args.size() > 1 ? to.args[1] : 0;
    const bool keeps_integer_digits = to.args[0] - to_scale >= from.args[0] - from_scale;
    return keeps_integer_digits && to_scale >= from_scale ? Risk::rewrite : Risk::destructive;
  }
  if (integer_rank(from.base) &&
      (is_decimal(to.base) || float_rank(to.base) || is_unbounded_text(to.base))) {
    return Risk::rewrite;
  }
  return Risk::data_dependent;
}

}  // namespace ferry::schema::detail
