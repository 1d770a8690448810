#include <xxhash.h>

#include <nlohmann/json.hpp>

#include "ferry/common/hash128.hpp"
#include "ferry/schema/catalog_json.hpp"
#include "ferry/schema/plan.hpp"

namespace ferry::schema {

std::string fingerprint(const Catalog& catalog) {
  // The catalog JSON without what does not make structure: statistics, the server's version
  // and the database's own name.
  nlohmann::json doc = to_json(catalog);
  doc.erase("server_version");
  doc.erase("database");
  for (auto& table : doc["tables"])
    table.erase("row_estimate");
  const std::string text = doc.dump();
  const XXH128_hash_t h = XXH3_128bits(text.data(), text.size());
  return Hash128{h.low64, h.high64}.hex();
}

}  // namespace ferry::schema
