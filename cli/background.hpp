// Runs started with --background (ferry run, ferry migrate up|down).
#pragma once

#include <string>

#include "ferry/engine/config.hpp"
#include "ferry/engine/runbook.hpp"

namespace ferry::cli {

// Starts this same command again, detached (a session of its own, no terminal), with
// `--run-id=ID` added and its output in the run's folder, and waits until it has taken the
// lock and written its journal: a run that cannot start fails here, on the terminal, with its
// own words. Returns the run id (`ferry runs show ID --follow` watches it).
std::string start_in_background(const engine::Config& config, const engine::Runbook& book,
                                engine::RunOptions options);

}  // namespace ferry::cli
