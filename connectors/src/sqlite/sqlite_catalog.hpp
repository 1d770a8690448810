// Internal: SQLite catalog introspection.
#pragma once

#include "ferry/connectors/connector.hpp"

namespace ferry::connectors {

// Reads the catalog through `connector`'s query() with a fixed handful of queries over
// sqlite_schema joined with the pragma table-valued functions, whatever the table count.
schema::Catalog introspect_sqlite(Connector& connector);

// The logical type of a declared SQLite column type.
schema::LogicalType sqlite_logical_type(std::string_view declared);

}  // namespace ferry::connectors
