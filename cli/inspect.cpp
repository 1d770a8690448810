#include <iostream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "endpoints.hpp"
#include "ferry/connectors/connector.hpp"
#include "ferry/schema/catalog_json.hpp"
#include "ferry/schema/catalog_text.hpp"

namespace ferry::cli {
namespace {

struct InspectOptions {
  std::string endpoint;
  bool json = false;
};

ExitCode run_inspect(const InspectOptions& options) {
  const Endpoint endpoint = resolve_endpoint(options.endpoint);
  auto connector = connectors::connect(endpoint);
  const schema::Catalog catalog = connector->introspect();
  if (options.json) {
    std::cout << schema::to_json(catalog).dump(2) << '\n';
  } else {
    std::cout << schema::summarize(catalog, endpoint.redacted());
  }
  return ExitCode::ok;
}

}  // namespace

void add_inspect_command(CLI::App& app, CommandResult& result) {
  auto options = std::make_shared<InspectOptions>();
  CLI::App* cmd = app.add_subcommand("inspect", "Print a database's catalog");
  cmd->add_option("ENDPOINT", options->endpoint,
                  "postgres://user@host/db, mysql://user@host/db or sqlite:path.db")
      ->required();
  cmd->add_flag("--json", options->json, "Print the catalog as JSON (docs/formats.md)");
  cmd->callback([options, &result] { result.code = run_inspect(*options); });
}

}  // namespace ferry::cli
