#include "factories.hpp"

#include "ferry/common/error.hpp"

namespace ferry::connectors {

std::unique_ptr<Connector> make_postgres(const Endpoint& endpoint) {
  throw Error(ErrorKind::failure, "the postgres connector is not built yet: " + endpoint.redacted());
}

}  // namespace ferry::connectors
