#include "factories.hpp"

#include "ferry/common/error.hpp"

namespace ferry::connectors {

std::unique_ptr<Connector> connect(const Endpoint& endpoint) {
  switch (endpoint.dialect) {
    case Dialect::postgres:
      return make_postgres(endpoint);
    case Dialect::mysql:
      return make_mysql(endpoint);
    case Dialect::sqlite:
      return make_sqlite(endpoint);
  }
  throw Error(ErrorKind::bad_endpoint, "unsupported dialect in " + endpoint.redacted());
}

void Connector::join_snapshot(const std::string& /*snapshot*/) {
  throw Error(ErrorKind::failure,
              endpoint().redacted() + ": this database cannot share a snapshot between sessions");
}

}  // namespace ferry::connectors
