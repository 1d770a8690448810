// Internal: one factory per dialect, defined in connectors/src/<dialect>/.
#pragma once

#include <memory>

#include "ferry/connectors/connector.hpp"

namespace ferry::connectors {

std::unique_ptr<Connector> make_postgres(const Endpoint& endpoint);
std::unique_ptr<Connector> make_mysql(const Endpoint& endpoint);
std::unique_ptr<Connector> make_sqlite(const Endpoint& endpoint);

}  // namespace ferry::connectors
