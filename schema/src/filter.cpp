#include "ferry/schema/filter.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <set>

namespace ferry::schema {

bool matches_any(const std::vector<std::string>& patterns, const std::string& schema,
                 const std::string& name) {
  const std::string qualified = qualified_name(schema, name);
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) {
    return ::fnmatch(p.c_str(), name.c_str(), 0) == 0 ||
           ::fnmatch(p.c_str(), qualified.c_str(), 0) == 0;
  });
}

void filter_catalog(Catalog& catalog, const std::vector<std::string>& include,
                    const std::vector<std::string>& exclude) {
  if (include.empty() && exclude.empty())
    return;
  auto keep = [&](const std::string& schema, const std::string& name) {
    return (include.empty() || matches_any(include, schema, name)) &&
           !matches_any(exclude, schema, name);
  };
  auto prune = [&](auto& items) {
    std::erase_if(items, [&](const auto& item) { return !keep(item.schema, item.name); });
  };
  prune(catalog.tables);
  prune(catalog.views);
  prune(catalog.sequences);
  prune(catalog.enums);
  std::erase_if(catalog.objects, [&](const SchemaObject& o) {
    return !keep(o.schema, o.table.empty() ? o.name : o.table);
  });
  std::set<std::string> used;
  const auto use = [&](const auto& items) {
    for (const auto& item : items)
      used.insert(item.schema);
  };
  use(catalog.tables);
  use(catalog.views);
  use(catalog.sequences);
  use(catalog.enums);
  use(catalog.objects);
  std::erase_if(catalog.schemas, [&](const std::string& s) { return !used.contains(s); });
}

}  // namespace ferry::schema
