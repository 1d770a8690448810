// The `ferry` executable: parses the command line, runs one command, maps errors to exit
// codes (README.md, "Exit codes"). Commands live in one file per group.
#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "endpoints.hpp"
#include "ferry/common/log.hpp"

int main(int argc, char** argv) {
  using ferry::ExitCode;
  CLI::App app{"ferry: schema, data and build sync for multi-tenant fleets", "ferry"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ferry 0.1.0");
  bool verbose = false;
  bool quiet = false;
  app.add_flag("-v,--verbose", verbose, "Log more detail to stderr");
  app.add_flag("-q,--quiet", quiet, "Log only errors");
  std::string config_path;
  app.add_option("-c,--config", config_path,
                 "ferry.yaml to read endpoint names and the fleet from (default ./ferry.yaml)");

  ferry::cli::CommandResult result;
  ferry::cli::add_inspect_command(app, result);
  ferry::cli::add_schema_commands(app, result);
  ferry::cli::add_data_commands(app, result);
  ferry::cli::add_sync_commands(app, result);
  ferry::cli::add_push_commands(app, result);

  app.parse_complete_callback([&] {
    ferry::cli::set_config_path(config_path);
    ferry::setup_logging(quiet     ? ferry::LogLevel::quiet
                         : verbose ? ferry::LogLevel::verbose
                                   : ferry::LogLevel::normal);
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return static_cast<int>(ExitCode::bad_input);
  } catch (const ferry::Error& e) {
    std::cerr << "ferry: error: " << e.what() << '\n';
    return static_cast<int>(e.exit_code());
  } catch (const std::exception& e) {
    std::cerr << "ferry: error: " << e.what() << '\n';
    return static_cast<int>(ExitCode::failure);
  }
  return static_cast<int>(result.code);
}
