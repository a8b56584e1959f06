// protocol-demo [--config FILE]: creates a connector and a sync job in Elasticsearch, claims
// it, indexes sample documents with progress stats and completes it (see protocol_demo.hpp).

#include <csignal>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <casio/core/error.hpp>
#include <casio/core/log.hpp>

#include "protocol_demo.hpp"
#include "settings.hpp"

namespace clog = casio::core::log;

int main(int argc, char** argv) {
    std::string config_path = "conf/config.yml";
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if ((a == "--config" || a == "-c") && i + 1 < argc) {
            config_path = argv[++i];
        } else {
            std::cerr << "usage: protocol-demo [--config FILE]\n";
            return 2;
        }
    }
    try {
        auto loaded = casio::app::load_settings_file(config_path);
        boost::asio::io_context ctx(1);
        int exit_code = 1;
        boost::asio::signal_set signals(ctx, SIGINT, SIGTERM);
        signals.async_wait([&](const boost::system::error_code& ec, int sig) {
            if (!ec) {
                exit_code = 128 + sig;
                ctx.stop();
            }
        });
        boost::asio::co_spawn(ctx, casio::app::run_protocol_demo(loaded.cfg),
                              [&](std::exception_ptr ep, int code) {
                                  signals.cancel();
                                  if (ep) {
                                      std::rethrow_exception(ep);
                                  }
                                  exit_code = code;
                              });
        ctx.run();
        return exit_code;
    } catch (const casio::core::config_error& e) {
        std::cerr << clog::redact(e.what()) << '\n';
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "protocol-demo failed: " << clog::redact(e.what()) << '\n';
        return 1;
    }
}
