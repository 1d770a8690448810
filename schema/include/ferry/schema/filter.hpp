// Include/exclude patterns over a catalog's objects (schema sync's include/exclude, snapshot
// and copy's --tables/--exclude).
#pragma once

#include <string>
#include <vector>

#include "ferry/schema/catalog.hpp"

namespace ferry::schema {

// Whether any glob pattern (fnmatch) matches the object's name or its qualified name.
bool matches_any(const std::vector<std::string>& patterns, const std::string& schema,
                 const std::string& name);

// Drops the objects `include` (empty: all) leaves out and those `exclude` names. Objects on a
// table or view follow it; a schema is kept only for the objects kept in it.
void filter_catalog(Catalog& catalog, const std::vector<std::string>& include,
                    const std::vector<std::string>& exclude);

}  // namespace ferry::schema
