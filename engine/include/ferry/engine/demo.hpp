// `ferry demo`: a small, realistic fleet on SQLite to try ferry on.
#pragma once

#include <filesystem>

namespace ferry::engine {

// Creates DIR/master.db and three tenants (tst, acc, prd) with reference tables the master
// owns (currencies, countries, product_types: a few thousand rows) and tenant-owned tables
// (customers, orders) that reference them; drift on the tenants (acc lacks a column and an
// index; tst and prd have changed and missing reference rows); and DIR/ferry.yaml.
// Returns false, changing nothing, when DIR/ferry.yaml exists already.
bool create_demo(const std::filesystem::path& dir);

}  // namespace ferry::engine
