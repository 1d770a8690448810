// `ferry demo`: a small, realistic fleet on SQLite to try ferry on.
#pragma once

#include <filesystem>

namespace ferry::engine {

// Creates DIR/master.db and three tenants (tst, acc, prd) with reference tables the master
// owns (currencies, countries, product_types: a few thousand rows) and tenant-owned tables
// (customers, orders) that reference them; drift on the tenants (acc lacks a column and an
// index; tst and prd have changed and missing reference rows); and DIR/ferry.yaml.
// DIR gets a marker file (.ferry-demo) before anything else. Returns false, changing
// nothing, when DIR holds a demo already (the marker and the ferry.yaml the demo wrote).
// Throws Error(usage), changing nothing, when DIR exists, is not empty and is not a demo, or
// its ferry.yaml is not the demo's: the demo never syncs a fleet it did not make.
bool create_demo(const std::filesystem::path& dir);

}  // namespace ferry::engine
