// bench_http_client: keep-alive requests per second of casio::http::client on loopback.
//
// The project's server (casio::http::server) answers on its own io_context thread; the client
// runs on the main thread, so each side has one core. Each scenario runs `workers` coroutines
// that send requests back to back over a pool capped at `workers` connections.
//
//   bench_http_client [seconds-per-scenario]   (default 3)

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <casio/http/client.hpp>
#include <casio/http/server.hpp>

namespace net = boost::asio;
using clock_type = std::chrono::steady_clock;

namespace {

struct scenario {
    const char* name;
    std::size_t workers;
    casio::http::method verb;
    std::size_t request_body;   // bytes sent per request
    std::size_t response_body;  // bytes answered per request
};

struct result {
    std::size_t requests = 0;
    std::size_t failures = 0;
    double seconds = 0;
    std::size_t connections = 0;
};

result run_scenario(const std::string& url, const scenario& s, std::chrono::seconds duration) {
    net::io_context ioc;
    casio::http::client_options opts;
    opts.max_connections_per_origin = s.workers;
    opts.accept_compressed = false;  // measure the exchange, not zlib
    casio::http::client c(ioc.get_executor(), opts);

    result r;
    const std::string body(s.request_body, 'x');
    const auto start = clock_type::now();
    const auto stop = start + duration;
    std::size_t running = s.workers;
    auto finished = start;
    auto worker = [&]() -> net::awaitable<void> {
        while (clock_type::now() < stop) {
            casio::http::request req;
            req.verb = s.verb;
            req.url = url + "?size=" + std::to_string(s.response_body);
            req.body = body;
            try {
                auto res = co_await c.send(std::move(req));
                if (res.ok() && res.body.size() == s.response_body) {
                    ++r.requests;
                } else {
                    ++r.failures;
                }
            } catch (const std::exception& e) {
                if (r.failures++ == 0) {
                    std::fprintf(stderr, "first failure: %s\n", e.what());
                }
            }
        }
        if (--running == 0) {
            finished = clock_type::now();
            c.close();  // idle connections would keep run() busy until they expire
        }
    };
    for (std::size_t i = 0; i < s.workers; ++i) {
        net::co_spawn(ioc, worker(), net::detached);
    }
    ioc.run();
    r.seconds = std::chrono::duration<double>(finished - start).count();
    r.connections = c.stats().connections_opened;
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    std::chrono::seconds duration(argc > 1 ? std::atoi(argv[1]) : 3);

    net::io_context server_ioc;
    auto handler =
        [](casio::http::server_request& req) -> net::awaitable<casio::http::server_response> {
        casio::http::server_response res;
        std::size_t size = 0;
        if (auto q = req.query("size")) {
            size = std::stoul(std::string(*q));
        }
        res.body.assign(size, 'r');
        res.fields.push_back({"Content-Type", "application/json"});
        res.allow_gzip = false;
        co_return res;
    };
    casio::http::server srv(server_ioc.get_executor(), handler);
    auto port = srv.listen("127.0.0.1", 0);
    srv.start();
    auto guard = net::make_work_guard(server_ioc);
    std::thread server_thread([&] { server_ioc.run(); });
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/bench";

    const scenario scenarios[] = {
        {"GET, 100 B response, concurrency 1", 1, casio::http::method::get, 0, 100},
        {"GET, 100 B response, concurrency 16", 16, casio::http::method::get, 0, 100},
        {"POST 64 KiB, 100 B response, concurrency 16", 16, casio::http::method::post, 65536, 100},
        {"GET, 1 MiB response, concurrency 4", 4, casio::http::method::get, 0, 1 << 20},
    };
    std::printf("bench_http_client: %lld s per scenario, server on its own thread\n",
                static_cast<long long>(duration.count()));
    for (const auto& s : scenarios) {
        auto r = run_scenario(url, s, duration);
        double rps = double(r.requests) / r.seconds;
        double mib = rps * double(s.request_body + s.response_body) / (1024.0 * 1024.0);
        std::printf(
            "%-46s %10.0f requests/s  %8.1f MiB/s  (%zu requests, %zu failures, "
            "%zu connections)\n",
            s.name, rps, mib, r.requests, r.failures, r.connections);
    }
    srv.stop();
    guard.reset();
    server_ioc.stop();
    server_thread.join();
    return 0;
}
