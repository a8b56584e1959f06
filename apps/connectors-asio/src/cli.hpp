#pragma once
// Command line of connectors-asio. Parsing is separate from running so that bad usage is
// reported before anything starts. Options may come before or after the command words
// (`connectors-asio --log-level debug sync ...` and `connectors-asio sync ... --log-level debug`).

#include <optional>
#include <string>
#include <vector>

#include <casio/sync/service.hpp>

namespace casio::app {

struct cli_options {
    enum class command {
        service,        // the long-running service (the loops of `--action`)
        sync,           // one on-demand job in this process
        list_types,     // --action list: the service types this binary serves
        config_schema,  // --action config --service-type T: T's configuration schema (JSON)
        connector,      // connector list|create|update-config
        job,            // job start|list|view|cancel
        version,
        help
    };
    command cmd = command::service;
    std::string config_path = "conf/config.yml";
    std::optional<std::string> log_level;
    std::string log_format = "text";
    // service: the loops `--action schedule|sync_content|sync_access_control|cleanup` named
    // (all four when none is named).
    sync::loop_selection loops;
    std::optional<std::string> service_type;
    // `sync` and `job start`: the connector and the job type (full, incremental, access_control).
    std::string connector_id;
    std::string job_type = "full";
    // connector|job: the subcommand and the words after it; --json for machine output.
    std::string subcommand;
    std::vector<std::string> args;
    bool json = false;
    // connector create
    std::optional<std::string> index_name;
    std::optional<std::string> name;
    std::optional<std::string> id;
    std::optional<std::string> from_file;  // also connector update-config
};

// Throws std::invalid_argument with a one-line message naming the bad option.
cli_options parse_cli(int argc, char** argv);

const char* usage();

}  // namespace casio::app
