// Ingest throughput of mock-elasticsearch: 1 KB documents in ~5 MB _bulk requests from 4
// concurrent keep-alive clients. The server runs in-process on its own thread (one
// io_context, as in the binary), or is an already running one given with --port.
//
//   bench_mock_es_ingest [--docs N] [--clients C] [--data-dir DIR] [--port P]

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <casio/http/server.hpp>

#include "service.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

std::string make_doc(std::size_t n) {
    std::string d = R"({"id":"doc-)" + std::to_string(n) +
                    R"(","_timestamp":"2025-01-01T00:00:00.000Z","title":"Account )" +
                    std::to_string(n) + R"(","body":")";
    while (d.size() < 1000)
        d += "lorem ipsum dolor sit amet ";
    d.resize(1000);
    d += "\"}";
    return d;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t total_docs = 400'000;
    std::size_t clients = 4;
    std::string data_dir;
    unsigned port = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        if (a == "--docs")
            total_docs = std::stoul(argv[i + 1]);
        else if (a == "--clients")
            clients = std::stoul(argv[i + 1]);
        else if (a == "--data-dir")
            data_dir = argv[i + 1];
        else if (a == "--port")
            port = static_cast<unsigned>(std::stoul(argv[i + 1]));
        else {
            std::cerr << "unknown flag " << a << "\n";
            return 2;
        }
    }

    asio::io_context server_ioc(1);
    std::unique_ptr<casio::mock_es::service> svc;
    std::unique_ptr<casio::http::server> srv;
    std::thread server_thread;
    double server_cpu = 0;  // CPU seconds of the server thread (the machine may be shared)
    if (port == 0) {
        svc = std::make_unique<casio::mock_es::service>();
        if (!data_dir.empty()) {
            svc->open_data_dir(data_dir, [](const std::string& w) { std::cerr << w << "\n"; });
        }
        srv =
            std::make_unique<casio::http::server>(server_ioc.get_executor(), svc->async_handler());
        port = srv->listen("127.0.0.1", 0);
        srv->start();
        server_thread = std::thread([&] {
            server_ioc.run();
            timespec ts{};
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
            server_cpu = static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
        });
    }

    // Pre-build the bulk bodies so that the clients measure the server, not themselves.
    constexpr std::size_t bulk_bytes = 5 * 1024 * 1024;
    std::vector<std::string> bodies;
    std::size_t built = 0;
    while (built < total_docs) {
        std::string body;
        body.reserve(bulk_bytes + 4096);
        while (body.size() < bulk_bytes && built < total_docs) {
            body += R"({"index":{"_index":"search-bench","_id":"doc-)" + std::to_string(built) +
                    "\"}}\n";
            body += make_doc(built);
            body += '\n';
            ++built;
        }
        bodies.push_back(std::move(body));
    }
    std::size_t total_bytes = 0;
    for (const auto& b : bodies)
        total_bytes += b.size();
    // Whole requests are built up front too; clients send them without copying.
    std::vector<bhttp::request<bhttp::string_body>> requests;
    for (auto& b : bodies) {
        bhttp::request<bhttp::string_body> req{bhttp::verb::put,
                                               "/_bulk?pipeline=search-default-ingestion", 11};
        req.set(bhttp::field::host, "127.0.0.1");
        req.set(bhttp::field::content_type,
                "application/vnd.elasticsearch+x-ndjson; compatible-with=8");
        req.body() = std::move(b);
        req.prepare_payload();
        requests.push_back(std::move(req));
    }

    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> failures{0};
    auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (std::size_t c = 0; c < clients; ++c) {
        workers.emplace_back([&] {
            asio::io_context ioc;
            beast::tcp_stream stream(ioc);
            stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                                   static_cast<unsigned short>(port)));
            beast::flat_buffer buffer;
            while (true) {
                std::size_t i = next.fetch_add(1);
                if (i >= bodies.size())
                    break;
                bhttp::write(stream, requests[i]);
                bhttp::response_parser<bhttp::string_body> p;
                p.body_limit(256 * 1024 * 1024);
                bhttp::read(stream, buffer, p);
                auto& res = p.get();
                if (res.result_int() != 200 ||
                    res.body().find("\"errors\":false") == std::string::npos) {
                    ++failures;
                }
            }
        });
    }
    for (auto& w : workers)
        w.join();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    if (srv) {
        srv->stop();
        server_thread.join();
    }
    std::printf("mock-elasticsearch ingest: %zu docs (1 KB), %zu bulks of ~5 MB, %zu clients%s\n",
                total_docs, requests.size(), clients, data_dir.empty() ? "" : ", with --data-dir");
    std::printf("  %.2f s  %.0f docs/s  %.1f MB/s  failed bulks: %zu\n", secs, total_docs / secs,
                total_bytes / secs / (1024.0 * 1024.0), failures.load());
    if (server_cpu > 0) {
        std::printf("  server thread CPU %.2f s -> %.0f docs per server CPU second\n", server_cpu,
                    total_docs / server_cpu);
    }
    return failures.load() == 0 ? 0 : 1;
}
