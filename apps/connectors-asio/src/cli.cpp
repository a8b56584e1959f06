#include "cli.hpp"

#include <stdexcept>
#include <string_view>

namespace casio::app {

const char* usage() {
    return "usage: connectors-asio [--config FILE] [--log-level LEVEL] [--log-format text|json]\n"
           "       connectors-asio sync --connector-id ID [--job-type "
           "full|incremental|access_control]\n"
           "                       [--config FILE]\n"
           "       connectors-asio --version | --help\n"
           "\n"
           "  --config FILE       config.yml in the Python connectors service format\n"
           "                      (default conf/config.yml)\n"
           "  --log-level LEVEL   debug, info, warning, error or critical\n"
           "                      (overrides service.log_level)\n"
           "  --log-format F      text (default) or json (ECS lines, as --filebeat)\n"
           "  sync                run one on-demand sync job of a connector in this process and\n"
           "                      exit: 0 when it completed, 1 with the job's error otherwise\n";
}

cli_options parse_cli(int argc, char** argv) {
    cli_options o;
    auto value_of = [&](int& i, std::string_view flag) -> std::string {
        if (i + 1 >= argc) {
            throw std::invalid_argument("option " + std::string(flag) + " needs a value");
        }
        return argv[++i];
    };
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--config" || a == "-c" || a == "--config-file") {
            o.config_path = value_of(i, a);
        } else if (a == "--log-level") {
            o.log_level = value_of(i, a);
        } else if (a == "--debug") {
            o.log_level = "debug";
        } else if (a == "--log-format") {
            o.log_format = value_of(i, a);
            if (o.log_format != "text" && o.log_format != "json") {
                throw std::invalid_argument("--log-format: expected text or json, got \"" +
                                            o.log_format + "\"");
            }
        } else if (a == "--filebeat") {
            o.log_format = "json";
        } else if (a == "--version") {
            o.cmd = cli_options::command::version;
        } else if (a == "--help" || a == "-h") {
            o.cmd = cli_options::command::help;
        } else if (a == "sync" && i == 1) {
            o.cmd = cli_options::command::sync;
        } else if (a == "--connector-id" && o.cmd == cli_options::command::sync) {
            o.connector_id = value_of(i, a);
        } else if (a == "--job-type" && o.cmd == cli_options::command::sync) {
            o.job_type = value_of(i, a);
            if (o.job_type != "full" && o.job_type != "incremental" &&
                o.job_type != "access_control") {
                throw std::invalid_argument(
                    "--job-type: expected full, incremental or access_control, got \"" +
                    o.job_type + "\"");
            }
        } else {
            throw std::invalid_argument("unknown option \"" + std::string(a) + "\"");
        }
    }
    if (o.cmd == cli_options::command::sync && o.connector_id.empty()) {
        throw std::invalid_argument("sync: --connector-id is required");
    }
    return o;
}

}  // namespace casio::app
