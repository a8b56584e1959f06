// mock-salesforce: command line, signals and wiring (logic in org, query_engine, service).
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "cli.hpp"
#include "http_server.hpp"
#include "org.hpp"
#include "service.hpp"

using namespace casio::mock_sf;

int main(int argc, char** argv) {
    cli_options opts;
    try {
        opts = parse_cli(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const cli_error& e) {
        std::cerr << "mock-salesforce: " << e.what() << "\n" << cli_usage();
        return 2;
    }
    if (opts.help) {
        std::cout << cli_usage();
        return 0;
    }
    try {
        std::unique_ptr<org> o;
        if (opts.fixture) {
            std::ifstream in(*opts.fixture, std::ios::binary);
            if (!in) {
                std::cerr << "mock-salesforce: --fixture: cannot read '" << *opts.fixture << "'\n";
                return 2;
            }
            std::stringstream text;
            text << in.rdbuf();
            try {
                o = std::make_unique<org>(org::from_fixture(text.str()));
            } catch (const std::invalid_argument& e) {
                std::cerr << "mock-salesforce: --fixture " << *opts.fixture << ": " << e.what()
                          << "\n";
                return 2;
            }
        } else {
            o = std::make_unique<org>(org_options{opts.seed, opts.records, opts.damaged_files,
                                                  opts.file_kinds, opts.file_media_share});
        }
        boost::asio::io_context io;
        http_server* server_ptr = nullptr;
        service svc(*o, opts.service);
        http_server server(io.get_executor(), svc);
        server_ptr = &server;
        const auto port = server.listen(opts.host, opts.port);
        svc.set_instance_url("http://" + opts.host + ":" + std::to_string(port));
        server.start();
        boost::asio::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([&](const boost::system::error_code& ec, int) {
            if (!ec) {
                server_ptr->stop();
                io.stop();
            }
        });
        std::cout << "listening on http://" << opts.host << ":" << port << std::endl;
        io.run();
    } catch (const std::exception& e) {
        std::cerr << "mock-salesforce: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
