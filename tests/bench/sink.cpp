// bench_sink: documents through the sync sink into a mock-elasticsearch child process over HTTP.
// Reports documents/s and this process's CPU seconds per 10k documents (client side only, so
// the figure stays meaningful on a shared machine).
//
//   bench_sink <path/to/mock-elasticsearch> [documents=100000] [doc_bytes=1024]
//
// Three passes over the same index: a full sync into an empty index (all creates), a full sync
// of the same ids (existing-id scan, all rewritten), and a skip-unchanged sync (scan, all
// skipped; measures the scan and the id set).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <signal.h>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <casio/core/log.hpp>
#include <casio/es/client.hpp>
#include <casio/sync/sink.hpp>

#include "rusage.hpp"
#include "support/child_process.hpp"
#include "support/run.hpp"

namespace asio = boost::asio;
using namespace casio;

using casio::bench::cpu_seconds;

namespace {

// A ~doc_bytes source like a mapped Salesforce record.
std::string source_json(std::size_t i, std::size_t doc_bytes) {
    std::string s = R"({"title":"Account )" + std::to_string(i) +
                    R"(","type":"Account","url":"https://example.my.salesforce.com/)" +
                    std::to_string(i) + R"(","body":")";
    const std::size_t pad = doc_bytes > s.size() + 2 ? doc_bytes - s.size() - 2 : 0;
    for (std::size_t k = 0; k < pad; ++k) {
        s.push_back(static_cast<char>('a' + (i + k) % 26));
    }
    s += "\"}";
    return s;
}

void pass(const char* name, const std::string& base_url, sync::sync_mode mode, std::size_t n,
          std::size_t doc_bytes) {
    asio::io_context ctx;
    es::client_options o;
    o.host = base_url;
    http::client hc(ctx.get_executor(), es::http_options(o));
    http::client_transport tr(hc);
    es::client c(tr, o);
    es::bulk_config cfg;  // the reference defaults: chunk 500 lines, 5 concurrent bulks
    sync::sink_options so;
    so.index = "search-bench";
    so.mode = mode;
    sync::sink s(c, cfg, so);
    sync::sync_result result;
    const auto cpu_start = cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    auto body = [&]() -> asio::awaitable<void> {
        co_await s.start();
        for (std::size_t i = 0; i < n; ++i) {
            co_await s.put(sync::make_document("001" + std::to_string(1000000 + i),
                                               source_json(i, doc_bytes),
                                               std::string("2024-01-01T00:00:00Z")));
        }
        result = co_await s.finish(true);
    };
    casio::test::run(ctx, body(), [&] { hc.close(); });
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu = cpu_seconds() - cpu_start;
    const auto& t = result.totals;
    std::printf(
        "%-28s %zu docs in %.2f s: %.0f docs/s, %.1f MB/s; client CPU %.2f s = %.3f CPU s per "
        "10k docs; indexed %llu, skipped %llu, bulks %llu, existing %llu (id set %.1f MB)\n",
        name, n, secs, static_cast<double>(n) / secs,
        static_cast<double>(t.indexed_bytes) / secs / 1e6, cpu, cpu / static_cast<double>(n) * 1e4,
        static_cast<unsigned long long>(t.indexed), static_cast<unsigned long long>(t.docs_skipped),
        static_cast<unsigned long long>(t.bulk_requests),
        static_cast<unsigned long long>(t.existing_ids),
        static_cast<double>(s.existing().memory_bytes()) / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_sink <mock-elasticsearch> [documents] [doc_bytes]\n");
        return 2;
    }
    const std::size_t n = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 100000;
    const std::size_t doc_bytes = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1024;
    core::log::set_level(core::log::level::warning);
    auto mock = casio::test::child_process::start_server(argv[1], {"--port", "0"});
    try {
        pass("full sync, empty index", mock.base_url(), sync::sync_mode::full, n, doc_bytes);
        pass("full sync, all existing", mock.base_url(), sync::sync_mode::full, n, doc_bytes);
        pass("skip-unchanged, all same", mock.base_url(), sync::sync_mode::skip_unchanged, n,
             doc_bytes);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_sink: %s\n", e.what());
        return 1;
    }
    return 0;
}
