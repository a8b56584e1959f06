#pragma once
// Wiring of the two running modes: the long-running service (loops until SIGINT/SIGTERM) and
// the one-shot `sync` command. Both return the process exit code.

#include "cli.hpp"
#include "settings.hpp"

namespace casio::app {

// `loops`: the loops of `--action` (all four by default).
int run_service(const settings& cfg, sync::loop_selection loops = {});
int run_one_shot_sync(const settings& cfg, const cli_options& cli);

}  // namespace casio::app
