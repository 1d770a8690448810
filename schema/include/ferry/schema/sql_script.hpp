// SQL scripts (migration files): split into statements the way each dialect's own client
// does, so that statements run one by one can be journaled and named in errors.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ferry/common/endpoint.hpp"

namespace ferry::schema {

struct ScriptStatement {
  std::string text;  // without the terminating delimiter; leading comments kept
  int line = 1;      // 1-based line of the statement's first character that is not blank
};

// The statements of `script`, in order, empty ones (only blanks and comments) left out.
// Statements end at `;` outside quotes ('...', "...", `...` on MySQL, $tag$...$tag$ on
// PostgreSQL) and comments (--, /* */, and # on MySQL). The bodies of CREATE TRIGGER (and on
// MySQL CREATE PROCEDURE/FUNCTION/EVENT) keep their inner `;` up to the END that closes
// BEGIN. On MySQL a `DELIMITER X` line changes the delimiter as the mysql client does. A
// quote or comment left open is an Error(config) naming the line where it starts.
std::vector<ScriptStatement> split_sql_script(std::string_view script, Dialect dialect);

}  // namespace ferry::schema
