#pragma once
// Command line of connectors-asio. Parsing is separate from running so that bad usage is
// reported before anything starts.

#include <optional>
#include <string>

namespace casio::app {

struct cli_options {
    enum class command { service, sync, version, help };
    command cmd = command::service;
    std::string config_path = "conf/config.yml";
    std::optional<std::string> log_level;
    std::string log_format = "text";
    // `sync` (one-shot): the connector and the job type (full, incremental, access_control).
    std::string connector_id;
    std::string job_type = "full";
};

// Throws std::invalid_argument with a one-line message naming the bad option.
cli_options parse_cli(int argc, char** argv);

const char* usage();

}  // namespace casio::app
