#pragma once
// The commands that manage connectors and jobs in Elasticsearch (`connector list|create|
// update-config`, `job start|list|view|cancel`, as the Python `connectors` CLI's everyday
// uses) and the ones that print what this binary serves (`--action list`, `--action config`).
// Each returns the process exit code: 0, 1 when Elasticsearch refused or failed, 2 for bad
// input found before any request.

#include <string>

#include <boost/json/value.hpp>

#include "cli.hpp"
#include "settings.hpp"

namespace casio::app {

// `connectors-asio connector|job ...` with config.yml's elasticsearch settings.
int run_manage(const settings& cfg, const cli_options& cli);

// `--action list`: the service types this binary serves, one a line.
int print_service_types();
// `--action config --service-type T`: T's configuration schema as JSON.
int print_config_schema(const std::string& service_type);

// JSON indented by two spaces, keys in their order (what --json and --action config print).
std::string pretty_json(const boost::json::value& v);

}  // namespace casio::app
