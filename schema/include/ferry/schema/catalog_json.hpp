// The JSON form of a Catalog, as printed by `ferry inspect --json` (docs/formats.md).
// Stable: every key is always present (absent values are null) and every list is sorted.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "ferry/schema/catalog.hpp"

namespace ferry::schema {

inline constexpr const char* k_catalog_format = "ferry.catalog/1";

nlohmann::json to_json(const Catalog& catalog);

}  // namespace ferry::schema
