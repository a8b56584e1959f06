// bench_salesforce_sync: a full content sync (records, case feeds, files, DLS off) of an org
// served by a real mock-salesforce process over HTTP on 127.0.0.1; prints documents/s for one
// object at a time and for objects queried in parallel, whether every document came exactly
// once, and the peak RSS of this process.
//   bench_salesforce_sync <path to mock-salesforce> [records per object] [parallel]
// With `parallel` given, only that one pass runs (so the peak RSS belongs to it).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <signal.h>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <casio/core/retry.hpp>
#include <casio/http/client.hpp>
#include <casio/salesforce/source.hpp>

#include "rusage.hpp"
#include "support/child_process.hpp"
#include "support/run.hpp"

namespace asio = boost::asio;
namespace sf = casio::salesforce;

using casio::bench::cpu_seconds;

namespace {

void sync_once(const std::string& base_url, std::size_t parallel) {
    asio::io_context ctx;
    casio::http::client hc(ctx.get_executor());
    casio::http::client_transport tr(hc);
    casio::core::steady_sleeper sleeper;
    sf::config cfg;
    cfg.client_id = "id";
    cfg.client_secret = "secret";
    cfg.standard_objects = {"*"};
    sf::client c(tr, sleeper, sf::client_settings{base_url, "id", "secret"});
    casio::sync::source_options opts;
    opts.concurrent_downloads = parallel;
    sf::concurrency conc;
    conc.objects = parallel;
    conc.pages = parallel;
    sf::source src(c, cfg, opts, conc);
    std::size_t docs = 0;
    std::size_t bytes = 0;
    // Exactly-once check: a 64-bit hash per document id (8 bytes each, reported apart from the
    // peak RSS so the check does not hide the source's own footprint).
    std::vector<std::uint64_t> id_hashes;
    const auto cpu_start = cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    auto body = [&]() -> asio::awaitable<void> {
        co_await src.get_docs({}, [&](casio::sync::document d) -> asio::awaitable<void> {
            ++docs;
            bytes += d.json.size();
            id_hashes.push_back(std::hash<std::string>{}(d.id));
            co_return;
        });
    };
    casio::test::run(ctx, body(), [&] { hc.close(); });
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // CPU time of this (client) process: meaningful even when the machine is shared.
    const double cpu = cpu_seconds() - cpu_start;
    std::sort(id_hashes.begin(), id_hashes.end());
    const auto unique = static_cast<std::size_t>(std::unique(id_hashes.begin(), id_hashes.end()) -
                                                 id_hashes.begin());
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    const double peak_mb = casio::bench::peak_rss_mb(u);
    const double check_mb = static_cast<double>(id_hashes.capacity() * 8) / 1e6;
    std::printf(
        "parallel objects and files %zu: %zu documents (%zu distinct ids%s) in %.2f s: %.0f "
        "docs/s, %.1f MB/s of documents; client CPU %.2f s = %.3f CPU-s per 10k docs; %zu token "
        "requests; peak RSS %.1f MB (of which %.1f MB is this check's id hashes)\n",
        parallel, docs, unique, unique == docs ? ", each exactly once" : ", DUPLICATES", secs,
        docs / secs, bytes / secs / 1e6, cpu, cpu / static_cast<double>(docs) * 1e4,
        c.token_requests(), peak_mb, check_mb);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_salesforce_sync <mock-salesforce> [records]\n");
        return 2;
    }
    const std::string records = argc > 2 ? argv[2] : "20000";
    auto mock = casio::test::child_process::start_server(
        argv[1],
        {"--port", "0", "--records", records, "--client-id", "id", "--client-secret", "secret"});
    try {
        if (argc > 3) {
            sync_once(mock.base_url(), static_cast<std::size_t>(std::stoul(argv[3])));
            return 0;
        }
        sync_once(mock.base_url(), 1);
        sync_once(mock.base_url(), 4);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sync failed: %s\n", e.what());
        return 1;
    }
    return 0;
}
