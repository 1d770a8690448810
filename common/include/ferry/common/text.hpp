// ASCII text helpers for SQL words and type names: case folding and trimming.
#pragma once

#include <string>
#include <string_view>

namespace ferry {

// `text` with ASCII letters upper-cased (SQL keywords, type and collation names).
std::string ascii_upper(std::string_view text);
// `text` with ASCII letters lower-cased.
std::string ascii_lower(std::string_view text);
// `text` without leading and trailing spaces, tabs, CRs and newlines.
std::string_view trim(std::string_view text);

}  // namespace ferry
