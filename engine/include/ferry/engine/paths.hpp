// Where ferry keeps state between runs.
#pragma once

#include <filesystem>

namespace ferry::engine {

// $FERRY_STATE_DIR, else $XDG_STATE_HOME/ferry, else ~/.local/state/ferry, else ./.ferry.
std::filesystem::path default_state_dir();

}  // namespace ferry::engine
