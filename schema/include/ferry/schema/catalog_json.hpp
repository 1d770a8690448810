// The JSON form of a Catalog, as printed by `ferry inspect --json` (docs/formats.md).
// Stable: every key is always present (absent values are null) and every list is sorted.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "ferry/schema/catalog.hpp"

namespace ferry::schema {

inline constexpr const char* k_catalog_format = "ferry.catalog/1";

nlohmann::json to_json(const Catalog& catalog);

// The Catalog a to_json() document describes (what snapshots store). Error(failure) naming
// the key when the document is not one (wrong "format", missing key, wrong JSON type, an
// unknown type/identity/kind name).
Catalog catalog_from_json(const nlohmann::json& doc);

}  // namespace ferry::schema
