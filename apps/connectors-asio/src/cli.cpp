#include "cli.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <stdexcept>
#include <string_view>

namespace casio::app {

const char* usage() {
    return "usage: connectors-asio [OPTIONS]                      run the service\n"
           "       connectors-asio [OPTIONS] sync --connector-id ID [--job-type TYPE]\n"
           "       connectors-asio [OPTIONS] connector list\n"
           "       connectors-asio [OPTIONS] connector create --index-name INDEX [--name NAME]\n"
           "                       [--id ID] [--service-type salesforce] [--from-file FILE]\n"
           "                       [KEY=VALUE ...]\n"
           "       connectors-asio [OPTIONS] connector update-config ID [--from-file FILE]\n"
           "                       [KEY=VALUE ...]\n"
           "       connectors-asio [OPTIONS] job start -i CONNECTOR_ID [-t TYPE]\n"
           "       connectors-asio [OPTIONS] job list CONNECTOR_ID\n"
           "       connectors-asio [OPTIONS] job view JOB_ID\n"
           "       connectors-asio [OPTIONS] job cancel JOB_ID\n"
           "       connectors-asio --action list | --action config --service-type TYPE\n"
           "       connectors-asio -v | --version | -h | --help\n"
           "\n"
           "Options (before or after the command words; --opt=value works too; after --,\n"
           "every word is a command word, as an id that begins with -):\n"
           "  -c, --config FILE   config.yml in the Python connectors service format\n"
           "                      (default conf/config.yml; also --config-file)\n"
           "  --log-level LEVEL   debug, info, warning, error or critical, any case\n"
           "                      (overrides service.log_level; --debug is --log-level debug)\n"
           "  --log-format F      text (default) or json (ECS lines; --filebeat is json)\n"
           "  --action A          what the service runs, repeatable or comma-separated:\n"
           "                      schedule, sync_content, sync_access_control, cleanup\n"
           "                      (default: all four); or, alone, list (the service types\n"
           "                      served) or config (the configuration schema of\n"
           "                      --service-type as JSON)\n"
           "  --service-type T    for --action config and connector create (salesforce)\n"
           "  --json              connector and job commands: JSON instead of a table\n"
           "                      (-o json / --format json are the same)\n"
           "\n"
           "Commands:\n"
           "  sync                run one on-demand sync job of a connector in this process and\n"
           "                      exit: 0 when it completed, 1 with the job's error otherwise;\n"
           "                      TYPE: full (default), incremental or access_control\n"
           "  connector list      the connectors in Elasticsearch\n"
           "  connector create    a connector (PUT/POST _connector) with the schema of its\n"
           "                      service type and the values of FILE (a JSON object) and\n"
           "                      KEY=VALUE; its id is printed\n"
           "  connector update-config\n"
           "                      set configuration values of a connector (names checked\n"
           "                      against its configuration; values are never printed)\n"
           "  job start           create an on-demand job (pending until a service takes it)\n"
           "  job list|view       a connector's jobs (newest first) | one job\n"
           "  job cancel          ask for a job's cancellation\n"
           "The connector and job commands use the elasticsearch: settings of config.yml.\n";
}

namespace {

using command = cli_options::command;

std::string lower(std::string s) {
    for (auto& c : s) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return s;
}

// The options a command accepts besides the global ones (by their long name).
const std::set<std::string>& accepted_by(command cmd, const std::string& sub) {
    static const std::set<std::string> none;
    static const std::set<std::string> sync{"--connector-id", "--job-type"};
    static const std::set<std::string> create{"--index-name", "--name", "--id", "--service-type",
                                              "--from-file"};
    static const std::set<std::string> update{"--from-file"};
    static const std::set<std::string> start{"--connector-id", "--job-type"};
    static const std::set<std::string> list_jobs{"--connector-id"};
    switch (cmd) {
        case command::sync:
            return sync;
        case command::connector:
            return sub == "create" ? create : sub == "update-config" ? update : none;
        case command::job:
            return sub == "start" ? start : sub == "list" ? list_jobs : none;
        default:
            return none;
    }
}

std::string describe(command cmd, const std::string& sub) {
    switch (cmd) {
        case command::sync:
            return "sync";
        case command::connector:
            return "connector " + sub;
        case command::job:
            return "job " + sub;
        default:
            return "the service";
    }
}

void check_job_type(const std::string& t) {
    if (t != "full" && t != "incremental" && t != "access_control") {
        throw std::invalid_argument(
            "--job-type: expected full, incremental or access_control, "
            "got \"" +
            t + "\"");
    }
}

void add_actions(std::set<std::string>& actions, const std::string& value) {
    std::size_t start = 0;
    while (start <= value.size()) {
        auto comma = value.find(',', start);
        if (comma == std::string::npos) {
            comma = value.size();
        }
        auto a = lower(value.substr(start, comma - start));
        static const std::set<std::string> known{"schedule", "sync_content", "sync_access_control",
                                                 "cleanup",  "list",         "config"};
        if (!known.contains(a)) {
            throw std::invalid_argument(
                "--action: expected schedule, sync_content, "
                "sync_access_control, cleanup, list or config, got \"" +
                a + "\"");
        }
        actions.insert(a);
        start = comma + 1;
    }
}

}  // namespace

cli_options parse_cli(int argc, char** argv) {
    cli_options o;
    std::vector<std::string> words;
    std::set<std::string> actions;
    std::set<std::string> specific;  // command options seen, by long name
    bool version = false;
    bool help = false;
    bool options_ended = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (options_ended) {
            words.push_back(a);
            continue;
        }
        std::optional<std::string> inline_value;
        if (a.starts_with("--")) {
            if (auto eq = a.find('='); eq != std::string::npos) {
                inline_value = a.substr(eq + 1);
                a = a.substr(0, eq);
            }
        }
        auto value = [&]() -> std::string {
            if (inline_value) {
                return *std::exchange(inline_value, std::nullopt);
            }
            if (i + 1 >= argc) {
                throw std::invalid_argument("option " + a + " needs a value");
            }
            return argv[++i];
        };
        if (a == "--config" || a == "-c" || a == "--config-file") {
            o.config_path = value();
        } else if (a == "--log-level") {
            o.log_level = value();
        } else if (a == "--debug") {
            o.log_level = "debug";
        } else if (a == "--log-format") {
            o.log_format = value();
            if (o.log_format != "text" && o.log_format != "json") {
                throw std::invalid_argument("--log-format: expected text or json, got \"" +
                                            o.log_format + "\"");
            }
        } else if (a == "--filebeat") {
            o.log_format = "json";
        } else if (a == "--version" || a == "-v") {
            version = true;
        } else if (a == "--help" || a == "-h") {
            help = true;
        } else if (a == "--action") {
            add_actions(actions, value());
        } else if (a == "--service-type") {
            o.service_type = value();
            specific.insert(a);
        } else if (a == "--json") {
            o.json = true;
        } else if (a == "-o" || a == "--format") {
            auto f = value();
            if (f != "json" && f != "text") {
                throw std::invalid_argument(a + ": expected json or text, got \"" + f + "\"");
            }
            o.json = f == "json";
        } else if (a == "--connector-id" || a == "-i") {
            o.connector_id = value();
            specific.insert("--connector-id");
        } else if (a == "--job-type" || a == "-t") {
            o.job_type = value();
            check_job_type(o.job_type);
            specific.insert("--job-type");
        } else if (a == "--index-name") {
            o.index_name = value();
            specific.insert(a);
        } else if (a == "--name") {
            o.name = value();
            specific.insert(a);
        } else if (a == "--id") {
            o.id = value();
            specific.insert(a);
        } else if (a == "--from-file") {
            o.from_file = value();
            specific.insert(a);
        } else if (a == "--") {
            options_ended = true;
        } else if (a.starts_with("--") || (a.size() == 2 && a[0] == '-')) {
            throw std::invalid_argument("unknown option \"" + a + "\"");
        } else {
            // A longer word after a single dash is no option of ours: Elasticsearch ids
            // (job and connector ids) may begin with '-'.
            words.push_back(a);
        }
        if (inline_value) {
            throw std::invalid_argument("option " + a + " takes no value");
        }
    }
    if (help) {
        o.cmd = command::help;
        return o;
    }
    if (version) {
        o.cmd = command::version;
        return o;
    }

    std::size_t next = 0;
    if (!words.empty()) {
        const auto& w = words[next++];
        if (w == "sync") {
            o.cmd = command::sync;
        } else if (w == "connector" || w == "job") {
            o.cmd = w == "connector" ? command::connector : command::job;
            static const std::map<std::string, std::set<std::string>> subs{
                {"connector", {"list", "create", "update-config"}},
                {"job", {"start", "list", "view", "cancel"}}};
            const auto& known = subs.at(w);
            if (next >= words.size()) {
                throw std::invalid_argument(w + ": a subcommand is needed (" +
                                            (w == "connector" ? "list, create or update-config"
                                                              : "start, list, view or cancel") +
                                            ")");
            }
            o.subcommand = words[next++];
            if (!known.contains(o.subcommand)) {
                throw std::invalid_argument(w + ": unknown subcommand \"" + o.subcommand + "\"");
            }
        } else {
            throw std::invalid_argument("unknown command \"" + w + "\"");
        }
    }
    o.args.assign(words.begin() + static_cast<std::ptrdiff_t>(next), words.end());

    // --action belongs to the service (or, alone, is list/config).
    if (!actions.empty()) {
        if (o.cmd != command::service) {
            throw std::invalid_argument("--action does not apply to " +
                                        describe(o.cmd, o.subcommand));
        }
        for (const char* alone : {"list", "config"}) {
            if (actions.contains(alone) && actions.size() > 1) {
                throw std::invalid_argument(std::string("--action ") + alone +
                                            " cannot be combined with other actions");
            }
        }
        if (actions.contains("list")) {
            o.cmd = command::list_types;
        } else if (actions.contains("config")) {
            o.cmd = command::config_schema;
            if (!o.service_type) {
                throw std::invalid_argument("--action config needs --service-type");
            }
            specific.erase("--service-type");
        } else {
            o.loops =
                sync::loop_selection{.schedule = actions.contains("schedule"),
                                     .sync_content = actions.contains("sync_content"),
                                     .sync_access_control = actions.contains("sync_access_control"),
                                     .cleanup = actions.contains("cleanup")};
        }
    }
    const auto& accepted = accepted_by(o.cmd, o.subcommand);
    for (const auto& s : specific) {
        if (!accepted.contains(s)) {
            throw std::invalid_argument("option " + s + " does not apply to " +
                                        describe(o.cmd, o.subcommand));
        }
    }

    // Positional words: how many each command takes.
    auto positional = [&](std::size_t min, std::size_t max, const char* what) {
        if (o.args.size() < min) {
            throw std::invalid_argument(describe(o.cmd, o.subcommand) + ": " + what + " is needed");
        }
        if (o.args.size() > max) {
            throw std::invalid_argument(describe(o.cmd, o.subcommand) + ": unexpected \"" +
                                        o.args[max] + "\"");
        }
    };
    switch (o.cmd) {
        case command::sync:
            positional(0, 0, "");
            if (o.connector_id.empty()) {
                throw std::invalid_argument("sync: --connector-id is required");
            }
            break;
        case command::connector:
            if (o.subcommand == "list") {
                positional(0, 0, "");
            } else if (o.subcommand == "create") {
                if (!o.index_name) {
                    throw std::invalid_argument("connector create: --index-name is required");
                }
            } else {
                positional(1, static_cast<std::size_t>(-1), "the connector id");
                if (o.args.size() == 1 && !o.from_file) {
                    throw std::invalid_argument(
                        "connector update-config: give --from-file FILE or KEY=VALUE");
                }
            }
            if (o.subcommand != "list") {
                const std::size_t first = o.subcommand == "create" ? 0 : 1;
                for (std::size_t k = first; k < o.args.size(); ++k) {
                    if (o.args[k].find('=') == std::string::npos || o.args[k][0] == '=') {
                        throw std::invalid_argument(describe(o.cmd, o.subcommand) +
                                                    ": expected KEY=VALUE, got \"" + o.args[k] +
                                                    "\"");
                    }
                }
            }
            break;
        case command::job:
            if (o.subcommand == "start") {
                positional(0, 0, "");
                if (o.connector_id.empty()) {
                    throw std::invalid_argument("job start: -i/--connector-id is required");
                }
            } else if (o.subcommand == "list") {
                if (o.connector_id.empty()) {
                    positional(1, 1, "the connector id");
                    o.connector_id = o.args[0];
                } else {
                    positional(0, 0, "");
                }
            } else {
                positional(1, 1, "the job id");
            }
            break;
        default:
            positional(0, 0, "");
            break;
    }
    return o;
}

}  // namespace casio::app
