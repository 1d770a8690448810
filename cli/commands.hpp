// The command groups of the `ferry` executable, one file each. Each add_* registers its
// subcommand on the app; the callback runs the command and returns its exit code through
// the shared CommandResult.
#pragma once

#include <CLI/CLI.hpp>

#include "ferry/common/error.hpp"

namespace ferry::cli {

struct CommandResult {
  ExitCode code = ExitCode::ok;
};

void add_inspect_command(CLI::App& app, CommandResult& result);
void add_schema_commands(CLI::App& app, CommandResult& result);
void add_data_commands(CLI::App& app, CommandResult& result);
void add_sync_commands(CLI::App& app, CommandResult& result);
void add_push_commands(CLI::App& app, CommandResult& result);
void add_run_command(CLI::App& app, CommandResult& result);
void add_snapshot_commands(CLI::App& app, CommandResult& result);
void add_migrate_commands(CLI::App& app, CommandResult& result);
void add_bench_commands(CLI::App& app, CommandResult& result);
// `ferry completion bash|zsh` and `ferry man` (hidden) walk the whole app when they run,
// so they describe every command, whenever it was added.
void add_completion_command(CLI::App& app, CommandResult& result);
void add_man_command(CLI::App& app, CommandResult& result);

}  // namespace ferry::cli
