#include "factories.hpp"

#include "ferry/common/error.hpp"

namespace ferry::connectors {

std::unique_ptr<Connector> make_mysql(const Endpoint& endpoint) {
  throw Error(ErrorKind::failure, "the mysql connector is not built yet: " + endpoint.redacted());
}

}  // namespace ferry::connectors
