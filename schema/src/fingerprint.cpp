#include <xxhash.h>

#include <cstdio>
#include <nlohmann/json.hpp>

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
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return buf;
}

}  // namespace ferry::schema
