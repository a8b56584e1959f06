// mock-elasticsearch: command line, signals and wiring. Everything else is in casio::mock_es.

#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <casio/core/text.hpp>
#include <casio/http/server.hpp>

#include "service.hpp"

namespace {

constexpr std::string_view usage_text =
    "usage: mock-elasticsearch [--port N] [--host ADDR] [--data-dir DIR] [--compact]\n"
    "         [--salvage-wal] [--wal-io direct|buffered] [--reserve-memory-gb N]\n"
    "         [--api-key KEY]... [--user NAME:PASSWORD]... [--license-type TYPE]\n"
    "         [--version X.Y.Z] [--bulk-429-every N] [--unavailable-from-ms A]\n"
    "         [--unavailable-for-ms B] [--latency-ms N] [--max-body-mb N]\n"
    "         [--log-requests errors|all]\n"
    "Admin: POST /_mock/unavailable?for_ms=N (503 window from now), POST /_mock/available.\n";

[[noreturn]] void usage_error(const std::string& message) {
    std::cerr << "mock-elasticsearch: " << message << "\n" << usage_text;
    std::exit(2);
}

std::uint64_t number(std::string_view flag, std::string_view v) {
    const auto n = casio::core::parse_number<std::uint64_t>(v);
    if (!n) {
        usage_error("invalid value for " + std::string(flag) + ": '" + std::string(v) + "'");
    }
    return *n;
}

}  // namespace

int main(int argc, char** argv) {
    casio::mock_es::service_options opts;
    casio::http::server_options sopts;
    sopts.max_body_size = 200ull * 1024 * 1024;
    sopts.error_responder = casio::mock_es::transport_error;
    // Elasticsearch does not close idle keep-alive connections; closing them early would make
    // clients with pooled connections see resets that real ES never causes.
    sopts.idle_timeout = std::chrono::hours(1);
    std::string host = "127.0.0.1";
    std::uint64_t port = 9200;
    std::string data_dir;
    casio::mock_es::wal_options wal_opts;
    auto log_requests = casio::mock_es::request_log::off;

    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--help" || a == "-h") {
            std::cout << usage_text;
            return 0;
        }
        if (a == "--compact") {
            wal_opts.compact = true;
            continue;
        }
        if (a == "--salvage-wal") {
            wal_opts.salvage = true;
            continue;
        }
        if (!a.starts_with("--"))
            usage_error("unexpected argument '" + std::string(a) + "'");
        std::string_view flag = a;
        std::string_view value;
        if (auto eq = a.find('='); eq != std::string_view::npos) {
            flag = a.substr(0, eq);
            value = a.substr(eq + 1);
        } else {
            if (i + 1 >= argc)
                usage_error("missing value for " + std::string(a));
            value = argv[++i];
        }
        if (flag == "--port") {
            port = number(flag, value);
            if (port > 65535)
                usage_error("invalid value for --port: '" + std::string(value) + "'");
        } else if (flag == "--host") {
            host = value;
        } else if (flag == "--data-dir") {
            data_dir = value;
        } else if (flag == "--api-key") {
            opts.api_keys.emplace_back(value);
        } else if (flag == "--user") {
            if (value.find(':') == std::string_view::npos)
                usage_error("--user expects NAME:PASSWORD");
            opts.users.emplace_back(value);
        } else if (flag == "--license-type") {
            opts.license_type = value;
        } else if (flag == "--version") {
            opts.version = value;
        } else if (flag == "--bulk-429-every") {
            opts.bulk_429_every = number(flag, value);
        } else if (flag == "--unavailable-from-ms") {
            opts.unavailable_from = std::chrono::milliseconds(number(flag, value));
        } else if (flag == "--unavailable-for-ms") {
            opts.unavailable_for = std::chrono::milliseconds(number(flag, value));
        } else if (flag == "--latency-ms") {
            opts.latency = std::chrono::milliseconds(number(flag, value));
        } else if (flag == "--log-requests") {
            if (value == "errors")
                log_requests = casio::mock_es::request_log::errors;
            else if (value == "all")
                log_requests = casio::mock_es::request_log::all;
            else
                usage_error("--log-requests takes errors or all, not '" + std::string(value) + "'");
        } else if (flag == "--reserve-memory-gb") {
            const auto gb = number(flag, value);
            if (gb > 4096)
                usage_error("--reserve-memory-gb takes at most 4096, not " + std::to_string(gb));
            opts.reserve_memory = gb << 30;
        } else if (flag == "--wal-io") {
            if (value != "direct" && value != "buffered")
                usage_error("--wal-io takes direct or buffered, not '" + std::string(value) + "'");
            wal_opts.direct_io = value == "direct";
        } else if (flag == "--max-body-mb") {
            sopts.max_body_size = number(flag, value) * 1024 * 1024;
        } else {
            usage_error("unknown flag " + std::string(flag));
        }
    }

    // Thousands of concurrent connections need more descriptors than the usual soft limit.
    if (rlimit lim{}; ::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &lim);
    }

    try {
        boost::asio::io_context ioc(1);
        casio::mock_es::service svc(opts);
        if (!data_dir.empty()) {
            svc.open_data_dir(
                data_dir, [](const std::string& w) { std::cerr << "warning: " << w << "\n"; },
                wal_opts);
        }
        svc.set_request_log(log_requests, [](const std::string& line) {
            std::fprintf(stderr, "%s\n", line.c_str());
        });
        casio::http::server srv(ioc.get_executor(), svc.async_handler(), sopts);
        auto bound = srv.listen(host, static_cast<std::uint16_t>(port));
        srv.start();
        boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
        signals.async_wait([&](const boost::system::error_code& ec, int) {
            if (!ec)
                srv.stop();
        });
        std::printf("listening on http://%s:%u\n", host.c_str(), static_cast<unsigned>(bound));
        std::fflush(stdout);
        ioc.run();
    } catch (const std::exception& e) {
        std::cerr << "mock-elasticsearch: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
