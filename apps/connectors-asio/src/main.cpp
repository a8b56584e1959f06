// connectors-asio: command line, logging setup, signals and wiring.

#include <csignal>
#include <exception>
#include <iostream>
#include <malloc.h>

#include <casio/core/error.hpp>
#include <casio/core/log.hpp>
#include <casio/sync/service.hpp>

#include "cli.hpp"
#include "manage.hpp"
#include "service_mode.hpp"
#include "settings.hpp"

namespace {

namespace core = casio::core;
namespace log = casio::core::log;

constexpr int exit_usage = 2;  // bad command line or configuration

int run(int argc, char** argv);

}  // namespace

// Every failure ends in one line and an exit code, never an abort: 2 for the command line or
// the configuration, 1 for anything else.
int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const core::config_error& e) {
        std::cerr << log::redact(e.what()) << '\n';
        return exit_usage;
    } catch (const std::exception& e) {
        std::cerr << "connectors-asio: " << log::redact(e.what()) << '\n';
    } catch (...) {
        std::cerr << "connectors-asio: stopped by an unknown error\n";
    }
    return 1;
}

namespace {

int run(int argc, char** argv) {
    // A closed stdout or stderr pipe (a log reader gone) must not kill a sync half-way: a
    // failed write then returns EPIPE, which the logger ignores.
    std::signal(SIGPIPE, SIG_IGN);
    // Pages (a few MB) and bulk bodies come and go all the time: keep them in the heap
    // instead of mapping and unmapping them each time (every first touch of a new mapping is
    // a page fault). A file's document (up to 4/3 of the 10 MiB download cap) is mapped and
    // given back at once: kept in the heap, they left it fragmented and ~20 MB larger.
    ::mallopt(M_MMAP_THRESHOLD, 8 * 1024 * 1024);
    ::mallopt(M_TRIM_THRESHOLD, 16 * 1024 * 1024);
    using casio::app::cli_options;
    cli_options cli;
    try {
        cli = casio::app::parse_cli(argc, argv);
    } catch (const std::invalid_argument& e) {
        std::cerr << "connectors-asio: " << e.what() << "\n"
                  << "(connectors-asio --help shows the usage)\n";
        return exit_usage;
    }
    if (cli.cmd == cli_options::command::help) {
        std::cout << casio::app::usage();
        return 0;
    }
    if (cli.cmd == cli_options::command::version) {
        std::cout << "connectors-asio " << CASIO_VERSION << '\n';
        return 0;
    }
    // What the binary serves needs neither the file nor Elasticsearch.
    if (cli.cmd == cli_options::command::list_types) {
        return casio::app::print_service_types();
    }
    if (cli.cmd == cli_options::command::config_schema) {
        return casio::app::print_config_schema(*cli.service_type);
    }

    log::set_service("connectors-asio", CASIO_VERSION);
    log::set_format(cli.log_format == "json" ? log::format::ecs_json : log::format::text);

    casio::app::loaded_settings loaded;
    try {
        loaded = casio::app::load_settings_file(cli.config_path);
    } catch (const core::config_error& e) {
        std::cerr << e.what() << '\n';
        return exit_usage;
    }
    casio::sync::register_secrets(loaded.cfg);
    log::level level = loaded.cfg.service.log_level;
    if (cli.log_level) {
        auto parsed = log::parse_level(*cli.log_level);
        if (!parsed) {
            std::cerr << "connectors-asio: --log-level: unknown level \"" << *cli.log_level
                      << "\"\n";
            return exit_usage;
        }
        level = *parsed;
    }
    log::set_level(level);
    for (const auto& w : loaded.warnings) {
        log::warning(w);
    }
    if (auto unused = casio::app::unused_keys_line(loaded); !unused.empty()) {
        log::info(unused);
    }

    if (cli.cmd == cli_options::command::service || cli.cmd == cli_options::command::sync) {
        // What the file lacks is a configuration error: say so before waiting for anything.
        if (auto problem = casio::sync::check_local_config(loaded.cfg)) {
            std::cerr << "config: " << *problem << '\n';
            return exit_usage;
        }
    }
    if (cli.cmd == cli_options::command::service) {
        return casio::app::run_service(loaded.cfg, cli.loops);
    }
    if (cli.cmd == cli_options::command::connector || cli.cmd == cli_options::command::job) {
        return casio::app::run_manage(loaded.cfg, cli);
    }
    if (cli.cmd == cli_options::command::sync) {
        return casio::app::run_one_shot_sync(loaded.cfg, cli);
    }
    return exit_usage;  // parse_cli knows no other command
}

}  // namespace
