#pragma once
// Wiring of the two running modes: the long-running service (loops until SIGINT/SIGTERM) and
// the one-shot `sync` command. Both return the process exit code.

#include <casio/core/config.hpp>

#include "cli.hpp"

namespace casio::app {

int run_service(const core::config& cfg);
int run_one_shot_sync(const core::config& cfg, const cli_options& cli);

}  // namespace casio::app
