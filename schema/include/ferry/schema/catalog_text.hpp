// The human-readable summary of a Catalog printed by `ferry inspect`.
#pragma once

#include <string>

#include "ferry/schema/catalog.hpp"

namespace ferry::schema {

// One block per table (row estimate, columns, keys, indexes, foreign keys, checks), then
// views, sequences and enums. `source` heads the text (pass a redacted URL).
std::string summarize(const Catalog& catalog, const std::string& source);

}  // namespace ferry::schema
